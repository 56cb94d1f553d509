//! Algorithm options for one host, written into an ssh_config where `ssh HOST` will use them.
//!
//! ssh keeps the first value it obtains for an option, reading the file top to bottom through
//! `Host` and `Match` blocks and `Include`s, so a line in the wrong place is silently ignored.
//! The place follows from where the value in effect comes from now (see [`Placement`]):
//!
//! - the host's own `Host` block (a `Host` line that names only this host), when nothing that
//!   applies to the host earlier sets the option: its line is rewritten, or a line is added
//!   right under the `Host` line;
//! - otherwise a new `Host HOST` block just before the block or `Include` that supplies the
//!   value now; when that is a global line, the new block goes at the top and `Host *` after
//!   it keeps the old global lines for every host;
//! - when nothing sets the option, the host's own block, or a new block at the end.
//!
//! The new text is read back with the project's ssh_config reader before anything is written:
//! an option that would not resolve to the new value is an error, never an edit. Every other
//! line stays byte for byte, line endings included.

use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::FixError;
use super::atomic;
use super::diff::line_changes;
use crate::algorithms::allowlist::{Category, wildcard_match};
use crate::model::FileLine;
use crate::sources::ssh_config::{HostSettings, Setting, SshConfig, include_dir_for, split_line};
use crate::sources::{SourceError, ValueSource};

/// An ssh_config a person maintains is far smaller; a larger one is a mistake or hostile.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// A new config holds connection settings; keep it private, as ssh expects.
const NEW_FILE_MODE: u32 = 0o600;
/// ~/.ssh as ssh itself creates it.
const NEW_DIR_MODE: u32 = 0o700;

/// An ssh_config option the algorithm fixes write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    KexAlgorithms,
    HostKeyAlgorithms,
    Ciphers,
    Macs,
    PubkeyAcceptedAlgorithms,
}

impl Keyword {
    pub const ALL: [Keyword; 5] = [
        Keyword::KexAlgorithms,
        Keyword::HostKeyAlgorithms,
        Keyword::Ciphers,
        Keyword::Macs,
        Keyword::PubkeyAcceptedAlgorithms,
    ];

    /// As ssh_config(5) spells it; written this way.
    pub fn name(self) -> &'static str {
        match self {
            Keyword::KexAlgorithms => "KexAlgorithms",
            Keyword::HostKeyAlgorithms => "HostKeyAlgorithms",
            Keyword::Ciphers => "Ciphers",
            Keyword::Macs => "MACs",
            Keyword::PubkeyAcceptedAlgorithms => "PubkeyAcceptedAlgorithms",
        }
    }

    /// Lower-cased, as the line splitter and `ssh -G` give it, with older aliases: a line
    /// under any of these names sets the option.
    pub fn spellings(self) -> &'static [&'static str] {
        match self {
            Keyword::KexAlgorithms => &["kexalgorithms"],
            Keyword::HostKeyAlgorithms => &["hostkeyalgorithms"],
            Keyword::Ciphers => &["ciphers"],
            Keyword::Macs => &["macs"],
            Keyword::PubkeyAcceptedAlgorithms => {
                &["pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes"]
            }
        }
    }

    pub fn for_category(category: Category) -> Keyword {
        match category {
            Category::Kex => Keyword::KexAlgorithms,
            Category::HostKey => Keyword::HostKeyAlgorithms,
            Category::Cipher => Keyword::Ciphers,
            Category::Mac => Keyword::Macs,
        }
    }

    /// The value ssh uses for this option, and its line.
    pub fn in_effect(self, settings: &HostSettings) -> Option<&Setting<String>> {
        match self {
            Keyword::KexAlgorithms => settings.algorithm(Category::Kex),
            Keyword::HostKeyAlgorithms => settings.algorithm(Category::HostKey),
            Keyword::Ciphers => settings.algorithm(Category::Cipher),
            Keyword::Macs => settings.algorithm(Category::Mac),
            Keyword::PubkeyAcceptedAlgorithms => settings.pubkey_accepted_algorithms.as_ref(),
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an option's new line goes. Line numbers are 1-based, in the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The option's line in the host's own `Host` block, rewritten.
    Replaced { line: usize },
    /// A new line right under the host's own `Host` line.
    UnderHostLine { host_line: usize },
    /// A new `Host` block just before the block or `Include` that supplies the value now
    /// (`line` is where the new block starts in the original numbering).
    NewBlockBefore { line: usize },
    /// A new `Host` block at the top, then `Host *` so the global lines that supplied the
    /// value keep applying to every host.
    NewBlockAtTop,
    /// A new `Host` block at the end: nothing sets the option for this host.
    NewBlockAtEnd,
}

/// One option: what ssh uses now, and the new value's place.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionChange {
    pub keyword: Keyword,
    /// What `ssh HOST` uses now, with its file:line; None when nothing sets it.
    pub before: Option<Setting<String>>,
    /// Written as given (`+`, `-`, `^` prefixes included).
    pub value: String,
    pub placement: Placement,
}

/// A planned edit of one ssh_config; nothing is written until [`apply`].
#[derive(Clone, PartialEq)]
pub struct ConfigEdit {
    pub path: PathBuf,
    pub host: String,
    /// The file's bytes when it was read (empty when it does not exist); the write checks
    /// they are still there.
    pub original: Vec<u8>,
    pub updated: Vec<u8>,
    /// Lines that go, numbered in the original.
    pub removed: Vec<FileLine>,
    /// Lines that come, numbered in the new text.
    pub added: Vec<FileLine>,
    /// The file does not exist: applying creates it with mode 0600.
    pub created: bool,
    /// Its directory does not exist either: applying creates it with mode 0700.
    pub creates_dir: bool,
    pub options: Vec<OptionChange>,
}

/// Without the texts: a config may hold a ProxyCommand with a password, and Debug output ends
/// up in logs and test failures. The changed lines are algorithm options only.
impl fmt::Debug for ConfigEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigEdit")
            .field("path", &self.path)
            .field("host", &self.host)
            .field("original_bytes", &self.original.len())
            .field("updated_bytes", &self.updated.len())
            .field("removed", &self.removed)
            .field("added", &self.added)
            .field("created", &self.created)
            .field("creates_dir", &self.creates_dir)
            .field("options", &self.options)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigEditError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not a regular file; refusing to edit it", .0.display())]
    NotRegularFile(PathBuf),
    #[error("{} is larger than {} MiB; not an ssh_config to edit", .0.display(), MAX_CONFIG_BYTES >> 20)]
    TooLarge(PathBuf),
    #[error("{}:{line}: {what}; refusing to edit it", path.display())]
    NotText {
        path: PathBuf,
        line: usize,
        what: &'static str,
    },
    #[error("{} cannot be created: its directory {} does not exist", path.display(), dir.display())]
    NoDirectory { path: PathBuf, dir: PathBuf },
    /// The file as it is does not read as an ssh_config (located by the reader).
    #[error("{0}")]
    Config(#[from] SourceError),
    #[error("`{}` cannot be written as a Host pattern: use letters, digits, `.`, `_`, `:` and `-`", .0.escape_debug())]
    BadHost(String),
    #[error("{keyword} `{}` is not an algorithm list ssh_config can hold as one word", value.escape_debug())]
    BadValue { keyword: Keyword, value: String },
    #[error("{0} is given twice")]
    Repeated(Keyword),
    #[error("no option to set")]
    NoOptions,
    #[error("{}: {keyword} for {host} cannot be placed where ssh would use it: {why}", path.display())]
    CannotPlace {
        path: PathBuf,
        host: String,
        keyword: Keyword,
        why: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: FixError },
}

/// Plans setting `options` for `ssh host` in the config at `path`, with relative Includes
/// looked up as ssh would (in ~/.ssh, or /etc/ssh for a file there).
pub fn plan(
    path: &Path,
    host: &str,
    options: &[(Keyword, String)],
) -> Result<ConfigEdit, ConfigEditError> {
    let home = std::env::var("HOME").ok();
    let include_dir = include_dir_for(path, home.as_deref());
    plan_with(path, host, options, &include_dir, home.as_deref())
}

/// As [`plan`], with relative Includes under `include_dir` and `~` meaning `home`.
pub fn plan_with(
    path: &Path,
    host: &str,
    options: &[(Keyword, String)],
    include_dir: &Path,
    home: Option<&str>,
) -> Result<ConfigEdit, ConfigEditError> {
    check_host(host)?;
    check_options(options)?;
    let (original, created) = read_config(path)?;
    let creates_dir = created && missing_dir(path)?;
    let text = as_text(path, &original)?;
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let config = SshConfig::parse_str(path, body, include_dir, home)?;
    let lines = outline(path, body)?;
    let now = config.resolve(host);
    let layout = Layout::new(&lines, host);
    let mut spots = Vec::with_capacity(options.len());
    for (keyword, _) in options {
        let before = keyword.in_effect(&now);
        let supplier = match before {
            Some(s) => Some(root_line(
                path,
                body,
                &lines,
                host,
                *keyword,
                s,
                (include_dir, home),
            )?),
            None => None,
        };
        let supplier = earliest(supplier, layout.may_supply(&lines, *keyword));
        spots.push(layout.spot(&lines, *keyword, supplier));
    }
    let spots = share_one_new_block(spots);
    let new_body = render(body, &lines, &layout, host, options, &spots);
    verify(path, &new_body, host, options, include_dir, home)?;
    let updated = format!("{bom}{new_body}");
    let (removed, added) = line_changes(text, &updated);
    let numbered = |lines: Vec<(usize, &str)>| -> Vec<FileLine> {
        lines
            .into_iter()
            .map(|(line, text)| FileLine {
                file: path.display().to_string(),
                line,
                text: text.to_owned(),
            })
            .collect()
    };
    let options = options
        .iter()
        .zip(&spots)
        .map(|((keyword, value), spot)| OptionChange {
            keyword: *keyword,
            before: keyword.in_effect(&now).cloned(),
            value: value.clone(),
            placement: spot.placement(),
        })
        .collect();
    Ok(ConfigEdit {
        path: path.to_path_buf(),
        host: host.to_owned(),
        removed: numbered(removed),
        added: numbered(added),
        original,
        updated: updated.into_bytes(),
        created,
        creates_dir,
        options,
    })
}

/// Writes the planned text: a new file (and its directory) when the plan says so, otherwise
/// the file replaced atomically with `FILE.bak` kept, its mode unchanged. Refuses when the
/// file changed since it was read. Returns the backup.
pub fn apply(edit: &ConfigEdit) -> Result<Option<PathBuf>, ConfigEditError> {
    let failed = |source: FixError| ConfigEditError::Write {
        path: edit.path.clone(),
        source,
    };
    if !edit.created {
        return atomic::replace_checked(&edit.path, &edit.original, &edit.updated)
            .map(Some)
            .map_err(failed);
    }
    if edit.creates_dir {
        let dir = parent_dir(&edit.path);
        match fs::DirBuilder::new().mode(NEW_DIR_MODE).create(dir) {
            Ok(()) => {}
            // Someone made it meanwhile: fine, the file is still checked.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(failed(FixError::Io {
                    action: "cannot create the directory",
                    path: dir.to_path_buf(),
                    source,
                }));
            }
        }
    }
    atomic::create_checked(&edit.path, &edit.updated, NEW_FILE_MODE).map_err(failed)?;
    Ok(None)
}

/// Undoes an applied edit while the file still holds what it wrote: the original bytes back,
/// or a file the edit created removed (a directory it created stays).
pub fn rollback(edit: &ConfigEdit) -> Result<(), ConfigEditError> {
    let original = (!edit.created).then_some(edit.original.as_slice());
    atomic::undo_checked(&edit.path, &edit.updated, original).map_err(|source| {
        ConfigEditError::Write {
            path: edit.path.clone(),
            source,
        }
    })
}

/// A name ssh takes as a destination and a `Host` line holds as one literal pattern.
fn check_host(host: &str) -> Result<(), ConfigEditError> {
    let fits = !host.is_empty()
        && host.len() <= 255
        && !host.starts_with('-')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if fits {
        Ok(())
    } else {
        Err(ConfigEditError::BadHost(host.chars().take(80).collect()))
    }
}

/// Algorithm lists only: one word, no quotes or comment signs, so nothing can add a line or
/// another option.
fn check_options(options: &[(Keyword, String)]) -> Result<(), ConfigEditError> {
    if options.is_empty() {
        return Err(ConfigEditError::NoOptions);
    }
    for (i, (keyword, value)) in options.iter().enumerate() {
        let fits = !value.is_empty()
            && value.len() <= 4096
            && value.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '@' | '.' | '_' | '+' | ',' | '^' | '-' | '*' | '?')
            });
        if !fits {
            return Err(ConfigEditError::BadValue {
                keyword: *keyword,
                value: value.chars().take(80).collect(),
            });
        }
        if options[..i].iter().any(|(k, _)| k == keyword) {
            return Err(ConfigEditError::Repeated(*keyword));
        }
    }
    Ok(())
}

/// The file's bytes, bounded; empty and `true` when it does not exist yet.
fn read_config(path: &Path) -> Result<(Vec<u8>, bool), ConfigEditError> {
    let read_error = |source| ConfigEditError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // A dangling symlink is not a missing file: creating would write through it.
            if fs::symlink_metadata(path).is_ok() {
                return Err(ConfigEditError::NotRegularFile(path.to_path_buf()));
            }
            return Ok((Vec::new(), true));
        }
        Err(e) => return Err(read_error(e)),
    };
    if !meta.is_file() {
        return Err(ConfigEditError::NotRegularFile(path.to_path_buf()));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigEditError::TooLarge(path.to_path_buf()));
    }
    // Checked again on the open file by the one bounded reader.
    let bytes = crate::files::read_bounded(path, MAX_CONFIG_BYTES).map_err(|e| {
        use crate::files::ReadError;
        match e {
            ReadError::TooLarge { .. } => ConfigEditError::TooLarge(path.to_path_buf()),
            ReadError::Io { source, .. } => read_error(source),
            ReadError::Missing { .. } => read_error(io::ErrorKind::NotFound.into()),
            ReadError::NotRegular { .. } => ConfigEditError::NotRegularFile(path.to_path_buf()),
        }
    })?;
    Ok((bytes, false))
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Whether creating the file needs its directory made too (one level, like ~/.ssh; a deeper
/// missing path is an error).
fn missing_dir(path: &Path) -> Result<bool, ConfigEditError> {
    let dir = parent_dir(path);
    if dir.is_dir() {
        return Ok(false);
    }
    match dir.parent() {
        Some(up) if up.as_os_str().is_empty() || up.is_dir() => Ok(true),
        _ => Err(ConfigEditError::NoDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        }),
    }
}

fn as_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, ConfigEditError> {
    let line_of = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let not_text = |at: usize, what| ConfigEditError::NotText {
        path: path.to_path_buf(),
        line: line_of(at),
        what,
    };
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(not_text(at, "contains NUL bytes"));
    }
    std::str::from_utf8(bytes).map_err(|e| not_text(e.valid_up_to(), "not UTF-8 text"))
}

/// One line of the file as ssh reads it.
#[derive(Debug)]
struct Line {
    /// Byte offsets in the text: the line with its ending, and without it.
    start: usize,
    end: usize,
    content_end: usize,
    kind: Kind,
}

#[derive(Debug, PartialEq)]
enum Kind {
    Blank,
    Comment,
    /// (negated, pattern)
    Host(Vec<(bool, String)>),
    /// Whether some criterion is one the reader does not evaluate (exec, canonical, …): ssh
    /// may apply the block, so it counts as a possible supplier.
    Match {
        unevaluated: bool,
    },
    Include,
    /// An option line, keyword lower-cased.
    Option(String),
}

impl Kind {
    fn starts_block(&self) -> bool {
        matches!(self, Kind::Host(_) | Kind::Match { .. })
    }
}

fn outline(path: &Path, body: &str) -> Result<Vec<Line>, ConfigEditError> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (index, piece) in body.split_inclusive('\n').enumerate() {
        let end = start + piece.len();
        let content = match piece.strip_suffix('\n') {
            Some(l) => l.strip_suffix('\r').unwrap_or(l),
            None => piece,
        };
        let located = |message: String| SourceError {
            file: path.to_path_buf(),
            line: index + 1,
            key: String::new(),
            message,
        };
        let kind = match split_line(content).map_err(located)? {
            None if content.trim().is_empty() => Kind::Blank,
            None => Kind::Comment,
            Some((keyword, args)) => match keyword.as_str() {
                "host" => Kind::Host(
                    args.iter()
                        .map(|a| match a.strip_prefix('!') {
                            Some(p) => (true, p.to_owned()),
                            None => (false, a.clone()),
                        })
                        .collect(),
                ),
                "match" => Kind::Match {
                    unevaluated: match_unevaluated(&args),
                },
                "include" => Kind::Include,
                _ => Kind::Option(keyword),
            },
        };
        lines.push(Line {
            start,
            end,
            content_end: start + content.len(),
            kind,
        });
        start = end;
    }
    Ok(lines)
}

/// True when a `Match` line has a criterion the reader never evaluates.
fn match_unevaluated(args: &[String]) -> bool {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let name = word.trim_start_matches('!').to_ascii_lowercase();
        match name.as_str() {
            "all" => {}
            "host" | "originalhost" | "user" | "localuser" => {
                words.next();
            }
            _ => return true,
        }
    }
    false
}

/// The file's blocks as they concern one host.
struct Layout {
    /// For each line, the `Host`/`Match` line of its block; None in the global section.
    block_of: Vec<Option<usize>>,
    /// The first `Host` line that names the host and nothing else, and applies to it.
    own_block: Option<usize>,
}

impl Layout {
    fn new(lines: &[Line], host: &str) -> Layout {
        let mut block_of = Vec::with_capacity(lines.len());
        let mut current = None;
        for (i, line) in lines.iter().enumerate() {
            if line.kind.starts_block() {
                current = Some(i);
            }
            block_of.push(current);
        }
        let own_block = lines.iter().position(|l| match &l.kind {
            Kind::Host(patterns) => names_only(patterns, host),
            _ => false,
        });
        Layout {
            block_of,
            own_block,
        }
    }

    /// The first line in the block starting at `header` that sets `keyword` itself.
    fn own_line(&self, lines: &[Line], header: usize, keyword: Keyword) -> Option<usize> {
        (header + 1..lines.len())
            .take_while(|i| self.block_of[*i] == Some(header))
            .find(|i| matches!(&lines[*i].kind, Kind::Option(k) if keyword.spellings().contains(&k.as_str())))
    }

    /// The earliest line (an option or an Include) in a block the reader does not evaluate
    /// that could set `keyword`: ssh may take the value there.
    fn may_supply(&self, lines: &[Line], keyword: Keyword) -> Option<usize> {
        lines.iter().enumerate().position(|(i, line)| {
            let Some(header) = self.block_of[i] else {
                return false;
            };
            let unevaluated = matches!(lines[header].kind, Kind::Match { unevaluated: true });
            let sets = match &line.kind {
                Kind::Option(k) => keyword.spellings().contains(&k.as_str()),
                Kind::Include => true,
                _ => false,
            };
            unevaluated && sets
        })
    }

    /// Where one option goes, given the line (or the Include) that supplies its value now.
    fn spot(&self, lines: &[Line], keyword: Keyword, supplier: Option<usize>) -> Spot {
        if let Some(header) = self.own_block
            && supplier.is_none_or(|s| s > header)
        {
            return match self.own_line(lines, header, keyword) {
                Some(own) if supplier.is_none_or(|s| s == own) => Spot::Replace(own),
                _ => Spot::UnderHost(header),
            };
        }
        let Some(supplier) = supplier else {
            return Spot::End;
        };
        let Some(header) = self.block_of[supplier] else {
            return Spot::Top;
        };
        // Comments right above a block describe it: the new block goes above them.
        let mut at = header;
        while at > 0 && lines[at - 1].kind == Kind::Comment {
            at -= 1;
        }
        Spot::Before(at)
    }
}

/// A `Host` line that applies to `host` and names nothing else: editing its block changes
/// this host only. Patterns compare as ssh compares them, case-sensitively.
fn names_only(patterns: &[(bool, String)], host: &str) -> bool {
    let positive: Vec<&String> = patterns
        .iter()
        .filter(|(n, _)| !n)
        .map(|(_, p)| p)
        .collect();
    !positive.is_empty()
        && positive.iter().all(|p| *p == host)
        && !patterns
            .iter()
            .any(|(negated, p)| *negated && wildcard_match(p, host))
}

/// Where one option's new line goes; line indices are 0-based in the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spot {
    Replace(usize),
    UnderHost(usize),
    /// A new block inserted before this line.
    Before(usize),
    Top,
    End,
}

impl Spot {
    fn placement(self) -> Placement {
        match self {
            Spot::Replace(i) => Placement::Replaced { line: i + 1 },
            Spot::UnderHost(i) => Placement::UnderHostLine { host_line: i + 1 },
            Spot::Before(i) => Placement::NewBlockBefore { line: i + 1 },
            Spot::Top => Placement::NewBlockAtTop,
            Spot::End => Placement::NewBlockAtEnd,
        }
    }

    fn is_new_block(self) -> bool {
        matches!(self, Spot::Before(_) | Spot::Top | Spot::End)
    }
}

/// One new block serves every option that needs one: the earliest place is before every
/// supplier, and an option nothing sets takes effect anywhere.
fn share_one_new_block(spots: Vec<Spot>) -> Vec<Spot> {
    let rank = |s: &Spot| match s {
        Spot::Top => Some(0),
        Spot::Before(i) => Some(i + 1),
        Spot::End => Some(usize::MAX),
        _ => None,
    };
    let Some(first) = spots
        .iter()
        .filter(|s| s.is_new_block())
        .min_by_key(|s| rank(s))
    else {
        return spots;
    };
    let first = *first;
    spots
        .into_iter()
        .map(|s| if s.is_new_block() { first } else { s })
        .collect()
}

fn earliest(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The line of this file that supplies `setting`: its own line, or the Include that brings
/// it in. The Include is the shortest prefix of the file that already yields the setting
/// (the first value never changes as lines are added), found by bisection.
fn root_line(
    path: &Path,
    body: &str,
    lines: &[Line],
    host: &str,
    keyword: Keyword,
    setting: &Setting<String>,
    (include_dir, home): (&Path, Option<&str>),
) -> Result<usize, ConfigEditError> {
    if let ValueSource::File { path: from, line } = &setting.source
        && from == path
        && *line >= 1
    {
        return Ok(line - 1);
    }
    let includes: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].kind == Kind::Include)
        .collect();
    let yields = |upto: usize| -> Result<bool, ConfigEditError> {
        let prefix = &body[..lines[upto].end];
        let config = SshConfig::parse_str(path, prefix, include_dir, home)?;
        Ok(keyword
            .in_effect(&config.resolve(host))
            .is_some_and(|s| s.source == setting.source))
    };
    let (mut low, mut high) = (0, includes.len());
    while low < high {
        let mid = (low + high) / 2;
        if yields(includes[mid])? {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    includes
        .get(low)
        .copied()
        .ok_or_else(|| ConfigEditError::CannotPlace {
            path: path.to_path_buf(),
            host: host.to_owned(),
            keyword,
            why: format!("no Include of this file leads to {}", setting.source),
        })
}

/// The new text: the original with the options' lines replaced or inserted.
fn render(
    body: &str,
    lines: &[Line],
    layout: &Layout,
    host: &str,
    options: &[(Keyword, String)],
    spots: &[Spot],
) -> String {
    let newline = line_ending(lines, body);
    let file_indent = block_indent(lines, layout, None, body).unwrap_or("  ");
    let option_lines = |indent: &str, wanted: &dyn Fn(Spot) -> bool| -> String {
        options
            .iter()
            .zip(spots)
            .filter(|(_, spot)| wanted(**spot))
            .map(|((k, v), _)| format!("{indent}{} {v}{newline}", k.name()))
            .collect()
    };
    // (offset, bytes replaced, new text), applied from the end so offsets stay valid.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for ((_, value), spot) in options.iter().zip(spots) {
        if let Spot::Replace(line) = spot {
            let content = &body[lines[*line].start..lines[*line].content_end];
            let (from, to) = value_span(content);
            edits.push((lines[*line].start + from, to - from, value.clone()));
        }
    }
    let mut under_host: Vec<usize> = spots
        .iter()
        .filter_map(|s| match s {
            Spot::UnderHost(h) => Some(*h),
            _ => None,
        })
        .collect();
    under_host.dedup();
    for header in under_host {
        let indent = block_indent(lines, layout, Some(header), body).unwrap_or(file_indent);
        let mut text = String::new();
        if lines[header].end == lines[header].content_end {
            text.push_str(newline);
        }
        text.push_str(&option_lines(indent, &|s| s == Spot::UnderHost(header)));
        edits.push((lines[header].end, 0, text));
    }
    if let Some(spot) = spots.iter().copied().find(|s| s.is_new_block()) {
        let block = format!(
            "Host {host}{newline}{}",
            option_lines(file_indent, &|s| s == spot)
        );
        match spot {
            Spot::Top => edits.push((0, 0, format!("{block}Host *{newline}"))),
            Spot::Before(at) => {
                let separated = at == 0 || lines[at - 1].kind == Kind::Blank;
                let gap = if separated { newline } else { "" };
                edits.push((lines[at].start, 0, format!("{block}{gap}")));
            }
            _ => {
                let mut text = String::new();
                if !body.is_empty() && !body.ends_with('\n') {
                    text.push_str(newline);
                }
                if lines.last().is_some_and(|l| l.kind != Kind::Blank) {
                    text.push_str(newline);
                }
                text.push_str(&block);
                edits.push((body.len(), 0, text));
            }
        }
    }
    edits.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
    let mut out = body.to_owned();
    for (at, len, text) in edits {
        out.replace_range(at..at + len, &text);
    }
    out
}

/// CRLF when most lines end so, else LF.
fn line_ending(lines: &[Line], body: &str) -> &'static str {
    let crlf = lines
        .iter()
        .filter(|l| body[l.content_end..l.end].starts_with('\r'))
        .count();
    let lf = lines.iter().filter(|l| l.end > l.content_end).count() - crlf;
    if crlf > lf { "\r\n" } else { "\n" }
}

/// The indentation of the first option line in the block at `header`, or with None, in any
/// block.
fn block_indent<'t>(
    lines: &[Line],
    layout: &Layout,
    header: Option<usize>,
    body: &'t str,
) -> Option<&'t str> {
    lines.iter().enumerate().find_map(|(i, line)| {
        let in_block = match header {
            Some(h) => layout.block_of[i] == Some(h),
            None => layout.block_of[i].is_some(),
        };
        if !in_block || !matches!(line.kind, Kind::Option(_) | Kind::Include) {
            return None;
        }
        let content = &body[line.start..line.content_end];
        Some(&content[..content.len() - content.trim_start().len()])
    })
}

/// Byte range of an option line's value: after the keyword and its `=` or spaces, up to the
/// first unquoted space (a trailing comment stays).
fn value_span(content: &str) -> (usize, usize) {
    let after_indent = content.len() - content.trim_start().len();
    let keyword_end = content[after_indent..]
        .find(|c: char| c.is_whitespace() || c == '=')
        .map_or(content.len(), |i| after_indent + i);
    let mut from = keyword_end;
    let rest = &content[from..];
    let trimmed = rest.trim_start();
    from += rest.len() - trimmed.len();
    if let Some(after) = trimmed.strip_prefix('=') {
        from += 1 + after.len() - after.trim_start().len();
    }
    let mut quote = None;
    let mut to = content.len();
    for (i, c) in content[from..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => {
                to = from + i;
                break;
            }
            None => {}
        }
    }
    (from, to)
}

/// Reads the new text back and resolves the host: every option must come out as written, from
/// this file, or the edit would be a line ssh ignores.
fn verify(
    path: &Path,
    new_body: &str,
    host: &str,
    options: &[(Keyword, String)],
    include_dir: &Path,
    home: Option<&str>,
) -> Result<(), ConfigEditError> {
    let cannot = |keyword: Keyword, why: String| ConfigEditError::CannotPlace {
        path: path.to_path_buf(),
        host: host.to_owned(),
        keyword,
        why,
    };
    let config = SshConfig::parse_str(path, new_body, include_dir, home)
        .map_err(|e| cannot(options[0].0, format!("the new text would not read: {e}")))?;
    let resolved = config.resolve(host);
    for (keyword, value) in options {
        match keyword.in_effect(&resolved) {
            Some(s) if s.value == *value && from_file(&s.source, path) => {}
            Some(s) => {
                return Err(cannot(
                    *keyword,
                    format!("ssh would still take `{}` from {}", s.value, s.source),
                ));
            }
            None => return Err(cannot(*keyword, "ssh would not read the new line".into())),
        }
    }
    Ok(())
}

fn from_file(source: &ValueSource, file: &Path) -> bool {
    matches!(source, ValueSource::File { path, .. } if path == file)
}

#[cfg(test)]
pub(crate) mod tests;
