//! `ansible_ssh_common_args` for one host of an Ansible inventory, written where Ansible will
//! use it (see [`ArgsPlacement`]):
//!
//! - the host's own line of an INI inventory, when that line sets the value in effect (it is
//!   rewritten) or when the value comes from a group (the line gains it);
//! - otherwise `host_vars/<host>.yml` (or the `host_vars/<host>`, `.yaml` file or directory
//!   that exists, or the one that sets the value now): host_vars win over every inventory and
//!   group variable.
//!
//! The new value is the args the host has now, wherever they come from, with each new `-o`
//! option replacing one for the same keyword. The change is read back with the project's
//! Ansible reader before anything is written; every other line stays byte for byte. Values
//! shown in the plan have passwords and command options masked.

use std::fmt;
use std::fs;
use std::io;
use std::ops::Range;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::FixError;
use super::atomic;
use super::diff::line_changes;
use crate::files::ReadError;
use crate::model::FileLine;
use crate::sources::ansible::{HostVariables, Replaced, Value, host_variables, shell_word_spans};
use crate::sources::{Format, MAX_FILE_BYTES, SourceError, ValueSource, detect_text, yaml};

const COMMON_ARGS: &str = "ansible_ssh_common_args";

/// Where the new value goes. Line numbers are 1-based, in the file before the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsPlacement {
    /// The host's INI line, whose `ansible_ssh_common_args=` is rewritten.
    InventoryValue { line: usize },
    /// The host's INI line, which gains `ansible_ssh_common_args=`.
    InventoryAdded { line: usize },
    /// A host_vars file's single-line value, rewritten.
    HostVarsValue { line: usize },
    /// A line appended to an existing host_vars file.
    HostVarsAppended,
    /// A new host_vars file.
    HostVarsCreated,
}

/// A planned edit; nothing is written until [`apply`].
#[derive(Clone, PartialEq)]
pub struct AnsibleEdit {
    /// The file written: the inventory or a host_vars file.
    pub path: PathBuf,
    pub inventory: PathBuf,
    pub host: String,
    /// The file's bytes when it was read (empty when it does not exist yet).
    pub original: Vec<u8>,
    pub updated: Vec<u8>,
    /// Lines that go and come, numbered in the old and new text, passwords and commands
    /// masked.
    pub removed: Vec<FileLine>,
    pub added: Vec<FileLine>,
    /// The file does not exist: applying creates it with the inventory's mode.
    pub created: bool,
    /// Nor does its directory (host_vars/): applying creates it.
    pub creates_dir: bool,
    /// The args in effect now and where they are set; None when nothing sets them.
    pub before: Option<(String, ValueSource)>,
    /// The new value of `ansible_ssh_common_args`.
    pub args: String,
    pub placement: ArgsPlacement,
}

/// Without texts and with the args masked: inventories hold passwords, and Debug output ends
/// up in logs and test failures.
impl fmt::Debug for AnsibleEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnsibleEdit")
            .field("path", &self.path)
            .field("inventory", &self.inventory)
            .field("host", &self.host)
            .field("original_bytes", &self.original.len())
            .field("updated_bytes", &self.updated.len())
            .field("removed", &self.removed)
            .field("added", &self.added)
            .field("created", &self.created)
            .field("creates_dir", &self.creates_dir)
            .field(
                "before",
                &self
                    .before
                    .as_ref()
                    .map(|(a, s)| (masked(a), s.to_string())),
            )
            .field("args", &masked(&self.args))
            .field("placement", &self.placement)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnsibleEditError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not a regular file; refusing to edit it", .0.display())]
    NotRegularFile(PathBuf),
    #[error("{} is larger than {} MiB; refusing to edit it", .0.display(), MAX_FILE_BYTES >> 20)]
    TooLarge(PathBuf),
    #[error("{}:{line}: {what}; refusing to edit it", path.display())]
    NotText {
        path: PathBuf,
        line: usize,
        what: &'static str,
    },
    /// A file does not read as Ansible reads it (located by the reader).
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("{}: not an Ansible inventory (read as {format:?})", path.display())]
    NotAnsible { path: PathBuf, format: Format },
    #[error("{}: no host `{}` in this inventory", inventory.display(), host.escape_debug())]
    NoSuchHost { inventory: PathBuf, host: String },
    #[error("`{}` cannot name a host_vars file", .0.escape_debug())]
    BadHostName(String),
    #[error(
        "{at}: {host} uses ansible_connection {connection}; only the ssh connection plugin reads ansible_ssh_common_args"
    )]
    NotSsh {
        host: String,
        connection: String,
        at: ValueSource,
    },
    #[error(
        "{at}: the {variable} in effect is {what}; it cannot be extended safely, edit it by hand"
    )]
    Unusable {
        variable: &'static str,
        what: &'static str,
        at: ValueSource,
    },
    #[error(
        "{at}: ansible_ssh_args sets {keyword} before ansible_ssh_common_args, and ssh keeps the first value; change it there"
    )]
    Shadowed { keyword: String, at: ValueSource },
    #[error("the arguments to add are not ssh options: {0}")]
    BadArgs(String),
    #[error("{}:{line}: {why}; edit it by hand", path.display())]
    CannotEdit {
        path: PathBuf,
        line: usize,
        why: String,
    },
    #[error("{} cannot be created: its directory {} does not exist", path.display(), dir.display())]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("the edit would not take effect for {host}: {why}")]
    NotEffective { host: String, why: String },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: FixError },
}

/// Plans adding `add` (ssh command-line words such as `-o`, `KexAlgorithms=+x`) to the
/// `ansible_ssh_common_args` that `host` of the inventory at `inventory` has now.
pub fn plan_ssh_args(
    inventory: &Path,
    host: &str,
    add: &[String],
) -> Result<AnsibleEdit, AnsibleEditError> {
    let additions = parse_additions(add)?;
    let inventory_bytes = read_bounded(inventory)?
        .ok_or_else(|| read_error(inventory, io::ErrorKind::NotFound.into()))?;
    let inventory_text = strip_bom(as_text(inventory, &inventory_bytes)?).1;
    let format = detect_text(inventory, inventory_text)?;
    if !matches!(format, Format::AnsibleIni | Format::AnsibleYaml) {
        return Err(AnsibleEditError::NotAnsible {
            path: inventory.to_path_buf(),
            format,
        });
    }
    let now = host_variables(inventory, inventory_text, format, host, None)?.ok_or_else(|| {
        AnsibleEditError::NoSuchHost {
            inventory: inventory.to_path_buf(),
            host: host.chars().take(80).collect(),
        }
    })?;
    check_connection(&now, host)?;
    let before = text_var(&now, COMMON_ARGS)?;
    check_not_shadowed(&now, &additions)?;
    let (old_args, old_source) = match &before {
        Some((args, source)) => (args.as_str(), Some(source)),
        None => ("", None),
    };
    let args = merged_args(old_args, old_source, &additions)?;
    let attempt = |target: &Target| {
        let plan = match target {
            Target::Inventory { line } => {
                edit_inventory_line(inventory, &inventory_bytes, *line, old_source, &args)?
            }
            Target::HostVars { path } => edit_host_vars(path, &args)?,
        };
        verify(inventory, inventory_text, format, host, &plan, &args)?;
        Ok::<FilePlan, AnsibleEditError>(plan)
    };
    // The preferred place when its change reads back as planned, else the fallback.
    let (preferred, fallback) = targets(inventory, inventory_text, format, host, &now, old_source)?;
    let plan = match preferred.as_ref().map(attempt) {
        Some(Ok(plan)) => plan,
        _ => attempt(&fallback)?,
    };
    let old_text = as_text(&plan.path, &plan.original)?;
    let new_text = as_text(&plan.path, &plan.updated)?;
    let (removed, added) = line_changes(old_text, new_text);
    let shown = |lines: Vec<(usize, &str)>| -> Vec<FileLine> {
        lines
            .into_iter()
            .map(|(line, text)| FileLine {
                file: plan.path.display().to_string(),
                line,
                text: masked(text),
            })
            .collect()
    };
    Ok(AnsibleEdit {
        removed: shown(removed),
        added: shown(added),
        inventory: inventory.to_path_buf(),
        host: host.to_owned(),
        path: plan.path,
        original: plan.original,
        updated: plan.updated,
        created: plan.created,
        creates_dir: plan.creates_dir,
        before,
        args,
        placement: plan.placement,
    })
}

/// Writes the planned text: a new file (and host_vars/) when the plan says so, otherwise the
/// file replaced atomically with `FILE.bak` kept, its mode unchanged. Refuses when the file
/// changed since it was read. Returns the backup.
pub fn apply(edit: &AnsibleEdit) -> Result<Option<PathBuf>, AnsibleEditError> {
    let failed = |source: FixError| AnsibleEditError::Write {
        path: edit.path.clone(),
        source,
    };
    if !edit.created {
        return atomic::replace_checked(&edit.path, &edit.original, &edit.updated)
            .map(Some)
            .map_err(failed);
    }
    let dir = parent_dir(&edit.path);
    if edit.creates_dir {
        match fs::create_dir(dir) {
            Ok(()) => {}
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
    // A new vars file may come to hold secrets like its inventory: it gets the same mode.
    let mode = fs::metadata(&edit.inventory)
        .map(|m| m.permissions().mode() & 0o666)
        .unwrap_or(0o600);
    atomic::create_checked(&edit.path, &edit.updated, mode).map_err(failed)?;
    Ok(None)
}

/// Undoes an applied edit while the file still holds what it wrote: the original bytes back,
/// or a file the edit created removed (a directory it created stays).
pub fn rollback(edit: &AnsibleEdit) -> Result<(), AnsibleEditError> {
    let original = (!edit.created).then_some(edit.original.as_slice());
    atomic::undo_checked(&edit.path, &edit.updated, original).map_err(|source| {
        AnsibleEditError::Write {
            path: edit.path.clone(),
            source,
        }
    })
}

/// Masks what the plan must not show: values of password-like variables, and the command of
/// a ProxyCommand, LocalCommand, RemoteCommand or KnownHostsCommand option (it may be
/// `sshpass -p …`), up to the next `-o`.
pub fn masked(text: &str) -> String {
    static SECRET_VAR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)\b(\w*(?:pass|secret|token)\w*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)"#)
            .expect("valid regex")
    });
    static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b((?:proxy|local|remote|knownhosts)command)(\s*=\s*|\s+).*?(\s-o|$)")
            .expect("valid regex")
    });
    let text = SECRET_VAR.replace_all(text, "$1$2********");
    COMMAND.replace_all(&text, "$1$2…$3").into_owned()
}

/// One `-o` option to add: its words as given (`-o`, `Keyword=value`, or `-oKeyword=value`)
/// and its keyword, lower-cased.
#[derive(Debug)]
struct Addition {
    words: Vec<String>,
    keyword: String,
}

/// Only `-o` options: they are what a fix adds, and each replaces its keyword's old value.
fn parse_additions(add: &[String]) -> Result<Vec<Addition>, AnsibleEditError> {
    let bad = |why: String| AnsibleEditError::BadArgs(why);
    if add.is_empty() {
        return Err(bad("nothing to add".into()));
    }
    let mut out = Vec::new();
    let mut words = add.iter().enumerate();
    while let Some((i, word)) = words.next() {
        let (words, option) = match word.strip_prefix("-o") {
            Some("") => {
                let (_, option) = words
                    .next()
                    .ok_or_else(|| bad(format!("word {} (-o) has no option after it", i + 1)))?;
                (vec![word.clone(), option.clone()], option.as_str())
            }
            Some(option) => (vec![word.clone()], option),
            None => return Err(bad(format!("word {} is not a -o option", i + 1))),
        };
        if words.iter().any(|w| w.chars().any(char::is_control)) {
            return Err(bad(format!(
                "the option at word {} holds a control character",
                i + 1
            )));
        }
        let keyword = option_keyword(option).ok_or_else(|| {
            bad(format!(
                "the option at word {} is not `Keyword=value` or `Keyword value`",
                i + 1
            ))
        })?;
        out.push(Addition { words, keyword });
    }
    Ok(out)
}

/// `KexAlgorithms=+x` or `KexAlgorithms +x` → `kexalgorithms`.
fn option_keyword(option: &str) -> Option<String> {
    let option = option.trim_start();
    let end = option.find(|c: char| c == '=' || c.is_whitespace())?;
    let keyword = &option[..end];
    let value = option[end..].trim_start_matches(|c: char| c == '=' || c.is_whitespace());
    (!keyword.is_empty() && keyword.chars().all(|c| c.is_ascii_alphanumeric()) && !value.is_empty())
        .then(|| keyword.to_ascii_lowercase())
}

fn read_error(path: &Path, source: io::Error) -> AnsibleEditError {
    AnsibleEditError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// The file's bytes, bounded; None when it does not exist.
fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, AnsibleEditError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                // A dangling link: creating would write through it.
                return Err(AnsibleEditError::NotRegularFile(path.to_path_buf()));
            }
            return Ok(None);
        }
        Err(e) => return Err(read_error(path, e)),
    };
    if !meta.is_file() {
        return Err(AnsibleEditError::NotRegularFile(path.to_path_buf()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(AnsibleEditError::TooLarge(path.to_path_buf()));
    }
    // Checked again on the open file by the one bounded reader.
    crate::files::read_bounded(path, MAX_FILE_BYTES)
        .map(Some)
        .map_err(|e| match e {
            ReadError::TooLarge { .. } => AnsibleEditError::TooLarge(path.to_path_buf()),
            ReadError::Io { source, .. } => read_error(path, source),
            ReadError::Missing { .. } => read_error(path, io::ErrorKind::NotFound.into()),
            ReadError::NotRegular { .. } => AnsibleEditError::NotRegularFile(path.to_path_buf()),
        })
}

fn as_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, AnsibleEditError> {
    let line_of = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let not_text = |at: usize, what| AnsibleEditError::NotText {
        path: path.to_path_buf(),
        line: line_of(at),
        what,
    };
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(not_text(at, "contains NUL bytes"));
    }
    std::str::from_utf8(bytes).map_err(|e| not_text(e.valid_up_to(), "not UTF-8 text"))
}

/// A leading byte-order mark and the text after it (the reader skips it; the edit keeps it).
fn strip_bom(text: &str) -> (&str, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The text of a variable in effect, or an error when it is one that cannot be extended.
fn text_var(
    vars: &HostVariables,
    name: &'static str,
) -> Result<Option<(String, ValueSource)>, AnsibleEditError> {
    let Some(var) = vars.vars.get(name) else {
        return Ok(None);
    };
    let what = match &var.value {
        Value::Text(t) if t.is_empty() => return Ok(None),
        Value::Text(t) => return Ok(Some((t.clone(), var.source.clone()))),
        Value::Vault => "vault-encrypted",
        Value::Template(_) => "a Jinja template",
        Value::Structured(kind) => kind,
    };
    Err(AnsibleEditError::Unusable {
        variable: name,
        what,
        at: var.source.clone(),
    })
}

/// Only the ssh connection plugin (Ansible's default) passes these args to ssh; network_cli,
/// paramiko and libssh ignore them.
fn check_connection(vars: &HostVariables, host: &str) -> Result<(), AnsibleEditError> {
    let Some(var) = vars.vars.get("ansible_connection") else {
        return Ok(());
    };
    let connection = match &var.value {
        Value::Text(t) => t.trim(),
        _ => "that cannot be read (vault or Jinja)",
    };
    if connection.rsplit('.').next() == Some("ssh") {
        return Ok(());
    }
    Err(AnsibleEditError::NotSsh {
        host: host.to_owned(),
        connection: connection.chars().take(80).collect(),
        at: var.source.clone(),
    })
}

/// ansible_ssh_args comes first on ssh's command line: an option it sets wins.
fn check_not_shadowed(
    vars: &HostVariables,
    additions: &[Addition],
) -> Result<(), AnsibleEditError> {
    let Some((args, source)) = text_var(vars, "ansible_ssh_args")? else {
        return Ok(());
    };
    let options = args_options(&args).unwrap_or_default();
    for addition in additions {
        if options.iter().any(|o| o.keyword == addition.keyword) {
            return Err(AnsibleEditError::Shadowed {
                keyword: addition.keyword.clone(),
                at: source,
            });
        }
    }
    Ok(())
}

/// A `-o` option in an args text: its keyword and the bytes of `-o` and its argument.
struct ArgsOption {
    keyword: String,
    span: Range<usize>,
}

/// The `-o` options of an args text, split as Ansible splits it (shlex). None when it does not
/// split: an unbalanced quote, or a `#` (shlex reads it literally here; the splitter would not).
fn args_options(args: &str) -> Option<Vec<ArgsOption>> {
    if args.contains('#') {
        return None;
    }
    let words = shell_word_spans(args).ok()?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (span, word) = &words[i];
        let found = match word.strip_prefix("-o") {
            Some("") => words
                .get(i + 1)
                .map(|(arg_span, arg)| (span.start..arg_span.end, arg.as_str(), 2)),
            Some(option) => Some((span.clone(), option, 1)),
            None => None,
        };
        match found {
            Some((span, option, used)) => {
                if let Some(keyword) = option_keyword(option) {
                    out.push(ArgsOption { keyword, span });
                }
                i += used;
            }
            None => i += 1,
        }
    }
    Some(out)
}

/// The args the host has now, with each addition's `-o` in place of the first one for the same
/// keyword (later ones for that keyword go), or appended.
fn merged_args(
    old: &str,
    source: Option<&ValueSource>,
    additions: &[Addition],
) -> Result<String, AnsibleEditError> {
    let options = args_options(old).ok_or_else(|| AnsibleEditError::Unusable {
        variable: COMMON_ARGS,
        what: "not splittable into words (an unbalanced quote or a `#`)",
        at: source
            .cloned()
            .unwrap_or(ValueSource::BuiltIn(String::new())),
    })?;
    // (span in `old`, replacement); a removal swallows the space before it.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut appended: Vec<String> = Vec::new();
    for addition in additions {
        let text = addition
            .words
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        let mut same = options.iter().filter(|o| o.keyword == addition.keyword);
        match same.next() {
            Some(first) => {
                edits.push((first.span.clone(), text));
                for later in same {
                    let start = old[..later.span.start].trim_end().len();
                    edits.push((start..later.span.end, String::new()));
                }
            }
            None => appended.push(text),
        }
    }
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = old.to_owned();
    for (span, text) in edits {
        out.replace_range(span, &text);
    }
    for text in appended {
        out.truncate(out.trim_end().len());
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text);
    }
    Ok(out)
}

/// A word as shlex reads it back: as is when it holds only safe characters (Python's
/// `shlex.quote` set, plus `^`), else single-quoted.
fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_^".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r#"'"'"'"#))
    }
}

enum Target {
    /// The host's line of the INI inventory (0-based).
    Inventory {
        line: usize,
    },
    HostVars {
        path: PathBuf,
    },
}

/// Where the new value goes (see the module doc): a preferred place, the host's own INI line
/// when it sets the value or the value comes from elsewhere; and the fallback, the host_vars
/// file that sets it or that would.
fn targets(
    inventory: &Path,
    text: &str,
    format: Format,
    host: &str,
    now: &HostVariables,
    source: Option<&ValueSource>,
) -> Result<(Option<Target>, Target), AnsibleEditError> {
    let lines: Vec<&str> = text.lines().collect();
    let own_ini_line = |line: usize| {
        format == Format::AnsibleIni
            && line >= 1
            && lines.get(line - 1).is_some_and(|l| names_only(l, host))
    };
    let preferred = match source {
        Some(ValueSource::File { path, .. }) if is_host_vars_of(inventory, host, path) => {
            // host_vars are read last: nothing else could override the file that sets it.
            return Ok((None, Target::HostVars { path: path.clone() }));
        }
        Some(ValueSource::File { path, line }) if path == inventory && own_ini_line(*line) => {
            Some(Target::Inventory { line: line - 1 })
        }
        _ if own_ini_line(now.line) => Some(Target::Inventory { line: now.line - 1 }),
        _ => None,
    };
    let fallback = Target::HostVars {
        path: host_vars_file(inventory, host)?,
    };
    Ok((preferred, fallback))
}

/// An INI host line whose pattern is exactly this host (`name` or `name:port`): editing it
/// changes no other host.
fn names_only(line: &str, host: &str) -> bool {
    let Ok(words) = shell_word_spans(line.trim()) else {
        return false;
    };
    let Some((_, pattern)) = words.first() else {
        return false;
    };
    let name = match pattern.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => pattern,
    };
    name == host
}

fn host_vars_dir(inventory: &Path) -> PathBuf {
    inventory
        .parent()
        .unwrap_or(Path::new("."))
        .join("host_vars")
}

/// Whether `file` is one of the files Ansible reads for `host` under host_vars/.
fn is_host_vars_of(inventory: &Path, host: &str, file: &Path) -> bool {
    let base = host_vars_dir(inventory).join(host);
    file.starts_with(&base)
        || [".yml", ".yaml", ".json"]
            .iter()
            .any(|ext| file.as_os_str() == format!("{}{ext}", base.display()).as_str())
}

/// The host_vars file to write when none sets the value: the host's directory gets a file of
/// its own; otherwise the first existing of `<host>.yml`, `<host>.yaml`, `<host>`, else a new
/// `<host>.yml`. (Ansible reads them all; none sets the value now, so any one takes effect.)
fn host_vars_file(inventory: &Path, host: &str) -> Result<PathBuf, AnsibleEditError> {
    if host.is_empty()
        || host.starts_with('.')
        || host.contains(['/', '\\'])
        || host.chars().any(char::is_control)
    {
        return Err(AnsibleEditError::BadHostName(
            host.chars().take(80).collect(),
        ));
    }
    let base = host_vars_dir(inventory).join(host);
    if base.is_dir() {
        return Ok(base.join("ssh_common_args.yml"));
    }
    let with = |ext: &str| PathBuf::from(format!("{}{ext}", base.display()));
    Ok([".yml", ".yaml", ""]
        .iter()
        .map(|ext| with(ext))
        .find(|p| p.is_file())
        .unwrap_or_else(|| with(".yml")))
}

/// The new bytes of one file and how they get there.
struct FilePlan {
    path: PathBuf,
    original: Vec<u8>,
    updated: Vec<u8>,
    created: bool,
    creates_dir: bool,
    placement: ArgsPlacement,
}

/// CRLF when most lines end so, else LF.
fn line_ending(text: &str) -> &'static str {
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count() - crlf;
    if crlf > lf { "\r\n" } else { "\n" }
}

/// Byte ranges of each line: with its ending, and the end without it.
fn line_ranges(text: &str) -> Vec<(Range<usize>, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let end = start + piece.len();
        let content = match piece.strip_suffix('\n') {
            Some(l) => l.strip_suffix('\r').unwrap_or(l),
            None => piece,
        };
        out.push((start..end, start + content.len()));
        start = end;
    }
    out
}

/// The INI line with its `ansible_ssh_common_args=` rewritten, or added after its last word
/// (before a comment).
fn edit_inventory_line(
    inventory: &Path,
    bytes: &[u8],
    line: usize,
    source: Option<&ValueSource>,
    args: &str,
) -> Result<FilePlan, AnsibleEditError> {
    let (bom, text) = strip_bom(as_text(inventory, bytes)?);
    let cannot = |why: &str| AnsibleEditError::CannotEdit {
        path: inventory.to_path_buf(),
        line: line + 1,
        why: why.to_owned(),
    };
    let ranges = line_ranges(text);
    let (range, content_end) = ranges
        .get(line)
        .cloned()
        .ok_or_else(|| cannot("the host's line is gone"))?;
    let content = &text[range.start..content_end];
    let words =
        shell_word_spans(content).map_err(|_| cannot("the line does not split into words"))?;
    let prefix = format!("{COMMON_ARGS}=");
    let existing: Vec<&Range<usize>> = words
        .iter()
        .filter(|(_, w)| w.starts_with(&prefix))
        .map(|(span, _)| span)
        .collect();
    let assignment = format!("{prefix}{}", ini_quote(args));
    let sets_here = matches!(source, Some(ValueSource::File { path, line: l }) if path == inventory && *l == line + 1);
    let (at, replaced, text_in, placement) = match (existing.as_slice(), sets_here) {
        ([span], true) => (
            range.start + span.start,
            span.len(),
            assignment,
            ArgsPlacement::InventoryValue { line: line + 1 },
        ),
        ([_], false) => return Err(cannot("the value on this line is overridden elsewhere")),
        ([], _) => {
            let end = words.last().map_or(0, |(span, _)| span.end);
            (
                range.start + end,
                0,
                format!(" {assignment}"),
                ArgsPlacement::InventoryAdded { line: line + 1 },
            )
        }
        _ => {
            return Err(cannot(&format!(
                "{COMMON_ARGS} is set more than once on this line"
            )));
        }
    };
    let mut updated = text.to_owned();
    updated.replace_range(at..at + replaced, &text_in);
    Ok(FilePlan {
        path: inventory.to_path_buf(),
        original: bytes.to_vec(),
        updated: format!("{bom}{updated}").into_bytes(),
        created: false,
        creates_dir: false,
        placement,
    })
}

/// A value as Ansible's INI parser reads it back: shlex-quoted (single quotes, a `'` inside
/// written `'"'"'`).
fn ini_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r#"'"'"'"#))
}

/// A YAML double-quoted scalar (control characters were refused earlier).
fn yaml_quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The host_vars file with its single-line `ansible_ssh_common_args:` value rewritten, or the
/// key appended, or a new file.
fn edit_host_vars(path: &Path, args: &str) -> Result<FilePlan, AnsibleEditError> {
    let line_text = format!("{COMMON_ARGS}: {}", yaml_quote(args));
    let Some(bytes) = read_bounded(path)? else {
        let dir = parent_dir(path);
        let creates_dir = !dir.is_dir();
        if creates_dir && !parent_dir(dir).is_dir() {
            return Err(AnsibleEditError::NoDirectory {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
            });
        }
        return Ok(FilePlan {
            path: path.to_path_buf(),
            original: Vec::new(),
            updated: format!("{line_text}\n").into_bytes(),
            created: true,
            creates_dir,
            placement: ArgsPlacement::HostVarsCreated,
        });
    };
    if path.extension().is_some_and(|e| e == "json") {
        return Err(AnsibleEditError::CannotEdit {
            path: path.to_path_buf(),
            line: 0,
            why: "a JSON vars file".into(),
        });
    }
    let (bom, text) = strip_bom(as_text(path, &bytes)?);
    let cannot = |line: usize, why: &str| AnsibleEditError::CannotEdit {
        path: path.to_path_buf(),
        line,
        why: why.to_owned(),
    };
    let doc = yaml::parse(path, text)?;
    let ranges = line_ranges(text);
    let content = |i: usize| &text[ranges[i].0.start..ranges[i].1];
    // Only a block mapping in one document can take a line at the end.
    let mut seen_content = false;
    for i in 0..ranges.len() {
        let l = content(i).trim_end();
        let marker = l == "---" || l.starts_with("--- ") || l == "..." || l.starts_with("... ");
        if marker && seen_content {
            return Err(cannot(i + 1, "a second YAML document starts here"));
        }
        let t = l.trim_start();
        if !marker && !t.is_empty() && !t.starts_with('#') && !t.starts_with('%') {
            if !seen_content && (t.starts_with('{') || t.starts_with('[')) {
                return Err(cannot(i + 1, "the file is written in flow style"));
            }
            seen_content = true;
        }
    }
    if let Some(doc) = &doc
        && !doc.is_map()
    {
        return Err(cannot(
            doc.line,
            "the file does not hold a mapping of variables",
        ));
    }
    let keys: Vec<usize> = doc
        .iter()
        .flat_map(|d| d.entries_lined())
        .filter(|(k, _, _)| *k == COMMON_ARGS)
        .map(|(_, line, _)| line)
        .collect();
    let newline = line_ending(text);
    let mut updated = text.to_owned();
    let placement = match keys.as_slice() {
        [] => {
            if !updated.is_empty() && !updated.ends_with('\n') {
                updated.push_str(newline);
            }
            updated.push_str(&line_text);
            updated.push_str(newline);
            ArgsPlacement::HostVarsAppended
        }
        [line] => {
            let i = line.checked_sub(1).filter(|i| *i < ranges.len());
            let i = i.ok_or_else(|| cannot(*line, "the key's line is not in the file"))?;
            let span = single_line_value(content(i)).map_err(|why| cannot(*line, &why))?;
            let continues = ranges.get(i + 1).is_some_and(|_| {
                let next = content(i + 1);
                next.starts_with([' ', '\t']) && !next.trim().is_empty()
            });
            if continues {
                return Err(cannot(*line, "the value may continue on the next line"));
            }
            let start = ranges[i].0.start;
            updated.replace_range(start + span.start..start + span.end, &yaml_quote(args));
            ArgsPlacement::HostVarsValue { line: *line }
        }
        many => {
            return Err(cannot(
                many[1],
                &format!(
                    "{COMMON_ARGS} is set more than once (first at line {})",
                    many[0]
                ),
            ));
        }
    };
    Ok(FilePlan {
        path: path.to_path_buf(),
        original: bytes.clone(),
        updated: format!("{bom}{updated}").into_bytes(),
        created: false,
        creates_dir: false,
        placement,
    })
}

/// The byte range of the value on a `ansible_ssh_common_args: value  # comment` line, when
/// the value is a plain or quoted scalar complete on this line; why not, otherwise.
fn single_line_value(line: &str) -> Result<Range<usize>, String> {
    let rest = line
        .strip_prefix(COMMON_ARGS)
        .ok_or("the key is not at the start of its line (nested, quoted or merged)")?;
    let after_key = rest.trim_start_matches([' ', '\t']);
    let after_colon = after_key
        .strip_prefix(':')
        .ok_or("the key is not followed by `:`")?;
    let value = after_colon.trim_start_matches([' ', '\t']);
    let start = line.len() - value.len();
    let end = match value.chars().next() {
        None | Some('#') => return Err("the value is not on the key's line".into()),
        Some('|' | '>') => return Err("the value is a block scalar".into()),
        Some('&') => return Err("the value has an anchor that other keys may use".into()),
        Some('*') => return Err("the value is an alias of another".into()),
        Some('!') => return Err("the value has a tag".into()),
        Some('{' | '[') => return Err("the value is a flow collection".into()),
        Some('"') => closing(value, '"').ok_or("the quoted value does not end on this line")?,
        Some('\'') => closing(value, '\'').ok_or("the quoted value does not end on this line")?,
        Some(_) => value.find(" #").unwrap_or(value.len()),
    };
    let trailing = value[end..].trim_start();
    if !trailing.is_empty() && !trailing.starts_with('#') {
        return Err("something follows the value".into());
    }
    let end = start + value[..end].trim_end().len();
    Ok(start..end)
}

/// The end (after the closing quote) of a quoted scalar starting at 0.
fn closing(value: &str, quote: char) -> Option<usize> {
    let mut chars = value.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            c if c == quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Reads the inventory back with the change and resolves the host: the args must come out as
/// planned, from the edited file, or the edit would not take effect.
fn verify(
    inventory: &Path,
    inventory_text: &str,
    format: Format,
    host: &str,
    plan: &FilePlan,
    args: &str,
) -> Result<(), AnsibleEditError> {
    let not_effective = |why: String| AnsibleEditError::NotEffective {
        host: host.to_owned(),
        why,
    };
    let new_text = strip_bom(as_text(&plan.path, &plan.updated)?).1.to_owned();
    let read = if plan.path == inventory {
        host_variables(inventory, &new_text, format, host, None)
    } else {
        let replaced = Replaced {
            path: &plan.path,
            text: &new_text,
        };
        host_variables(inventory, inventory_text, format, host, Some(replaced))
    };
    let vars = read
        .map_err(|e| not_effective(format!("the new text would not read: {e}")))?
        .ok_or_else(|| not_effective("the host would be gone".into()))?;
    match vars.vars.get(COMMON_ARGS) {
        Some(var) => match (&var.value, &var.source) {
            (Value::Text(t), ValueSource::File { path, .. }) if t == args && *path == plan.path => {
                Ok(())
            }
            (_, source) => Err(not_effective(format!(
                "Ansible would take {COMMON_ARGS} from {source}"
            ))),
        },
        None => Err(not_effective(format!(
            "Ansible would not read {COMMON_ARGS}"
        ))),
    }
}

#[cfg(test)]
mod tests;
