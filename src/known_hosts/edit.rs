//! Editing known_hosts: `prune` (what `ssh-keygen -R` does, plus whole networks) and
//! `accept` (append entries, as ssh does after "yes" and for UpdateHostKeys).

use std::borrow::Cow;
use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use russh::keys::ssh_key::PublicKey;

use super::atomic::{self, REAL_STEPS, Steps};
use super::hostpat::HostField;
use super::keytext::{key_line_text, key_type_looks_valid, shorten};
use super::line::{self, LineKind, MAX_FILE_BYTES};
use super::targets::{Matcher, Target};
use super::{KnownHosts, lookup_name};

/// A removed line: its number and its exact bytes, line ending included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedLine {
    pub line: usize,
    pub raw: Vec<u8>,
}

impl RemovedLine {
    /// The line without its line ending, for display (untrusted text).
    pub fn text(&self) -> Cow<'_, str> {
        let text = self.raw.strip_suffix(b"\n").unwrap_or(&self.raw);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        String::from_utf8_lossy(text)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub removed: Vec<RemovedLine>,
    /// `file.old`, the untouched original, when the file was rewritten.
    pub backup: Option<PathBuf>,
}

/// A line `prune` will not rewrite a file around: its number and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLine {
    pub line: usize,
    pub why: &'static str,
}

/// The appended line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedLine {
    /// 1-based number of the new line.
    pub line: usize,
    /// The line without its newline.
    pub text: String,
    /// `file.old`, when the file existed before.
    pub backup: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{} is larger than {} MiB; refusing to edit it", path.display(), MAX_FILE_BYTES >> 20)]
    FileTooLarge { path: PathBuf },
    #[error("{} is not a regular file; refusing to edit it", path.display())]
    NotRegularFile { path: PathBuf },
    #[error(
        "network {0} is too large: at most 65536 addresses (/16 for IPv4, /112 for IPv6) can be pruned at once"
    )]
    NetworkTooLarge(IpNet),
    #[error("{}", invalid_message(path, lines))]
    InvalidLines {
        path: PathBuf,
        lines: Vec<InvalidLine>,
    },
    #[error("invalid host name \"{0}\"")]
    InvalidHost(String),
    #[error("cannot store this key: {0}")]
    Key(String),
}

/// "F:3: invalid line: unknown key type; F:7: …: F is not a valid known_hosts file, so it
/// was left as it is (ssh-keygen -R refuses it too); fix or delete the line".
fn invalid_message(path: &Path, lines: &[InvalidLine]) -> String {
    const SHOWN: usize = 5;
    let file = crate::terminal_text::printable(&path.display().to_string());
    let mut out: Vec<String> = lines
        .iter()
        .take(SHOWN)
        .map(|l| format!("{file}:{}: invalid line: {}", l.line, l.why))
        .collect();
    if lines.len() > SHOWN {
        out.push(format!("and {} more invalid lines", lines.len() - SHOWN));
    }
    let nul_only = lines.iter().all(|l| l.why == NUL_LINE);
    format!(
        "{}; {file} is not a valid known_hosts file, so it was left as it is ({}); fix or delete {}",
        out.join("; "),
        if nul_only {
            "ssh-keygen -R would cut the line at the NUL and drop the rest"
        } else {
            "ssh-keygen -R refuses it too"
        },
        if lines.len() == 1 {
            "that line"
        } else {
            "those lines"
        }
    )
}

/// Why a line with a NUL byte is refused: ssh-keygen reads lines as C strings.
const NUL_LINE: &str = "a NUL byte";

/// Removes the plain (unmarked) entries matching any target, exactly as `ssh-keygen -R`
/// does for one host: `@revoked`/`@cert-authority` lines stay, every other line stays byte
/// for byte (a last line without newline gets one), the original is kept as `file.old`, the
/// file keeps its mode (ssh-keygen writes `mode & 0644`). Host names are lowercased first,
/// as ssh does when it looks them up.
///
/// Like ssh-keygen, a file with an invalid line is not edited at all (`InvalidLines`, naming
/// each line); so is one with a NUL byte, whose line ssh-keygen would cut short. A missing
/// file is simply nothing to remove.
pub fn prune(file: &Path, targets: &[Target], dry_run: bool) -> Result<PruneReport, EditError> {
    prune_with(file, targets, dry_run, &REAL_STEPS)
}

pub(crate) fn prune_with(
    file: &Path,
    targets: &[Target],
    dry_run: bool,
    steps: &Steps,
) -> Result<PruneReport, EditError> {
    let matcher = Matcher::new(targets)?;
    let path = atomic::resolve(file);
    let Some(original) = read_for_edit(&path)? else {
        return Ok(PruneReport::default());
    };
    let plan = plan_prune(&original, &matcher);
    if !plan.invalid_lines.is_empty() {
        return Err(EditError::InvalidLines {
            path,
            lines: plan.invalid_lines,
        });
    }
    let mut report = PruneReport {
        removed: plan.removed,
        backup: None,
    };
    if !report.removed.is_empty() && !dry_run {
        report.backup = atomic::replace(&path, &plan.output, 0o600, steps)?;
    }
    Ok(report)
}

/// Appends `host key` (hashed with a fresh salt when `hash`), as ssh records an accepted
/// key: lowercased name, `[host]:port` for ports other than 22, no comment.
pub fn accept(
    file: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
    hash: bool,
) -> Result<AddedLine, EditError> {
    accept_with(file, host, port, key, hash, &REAL_STEPS)
}

/// Appends one line per key in one write (so `F.old` is the original), each hashed with
/// its own salt when `hash`.
pub fn accept_all(
    file: &Path,
    host: &str,
    port: u16,
    keys: &[PublicKey],
    hash: bool,
) -> Result<Vec<AddedLine>, EditError> {
    accept_all_with(file, host, port, keys, hash, &REAL_STEPS)
}

pub(crate) fn accept_with(
    file: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
    hash: bool,
    steps: &Steps,
) -> Result<AddedLine, EditError> {
    let mut added = accept_all_with(file, host, port, std::slice::from_ref(key), hash, steps)?;
    Ok(added.remove(0))
}

fn accept_all_with(
    file: &Path,
    host: &str,
    port: u16,
    keys: &[PublicKey],
    hash: bool,
    steps: &Steps,
) -> Result<Vec<AddedLine>, EditError> {
    // ssh refuses to record names with these characters; whitespace and commas would
    // change the meaning of the line.
    let forbidden = |c: char| "@?*#[]|'\"\\,".contains(c) || c.is_whitespace() || c.is_control();
    if host.is_empty() || host.contains(forbidden) {
        return Err(EditError::InvalidHost(shorten(host)));
    }
    if keys.is_empty() {
        return Err(EditError::Key("no key to add".into()));
    }
    let name = lookup_name(host, port);
    let mut texts = Vec::with_capacity(keys.len());
    for key in keys {
        let hosts = if hash {
            super::hostpat::hash_host_name(&name)
        } else {
            name.clone()
        };
        texts.push(format!(
            "{hosts} {}",
            key_line_text(key).map_err(EditError::Key)?
        ));
    }

    let path = atomic::resolve(file);
    let mut contents = read_for_edit(&path)?.unwrap_or_default();
    if !contents.is_empty() && !contents.ends_with(b"\n") {
        contents.push(b'\n');
    }
    let first = contents.iter().filter(|&&b| b == b'\n').count() + 1;
    for text in &texts {
        contents.extend_from_slice(text.as_bytes());
        contents.push(b'\n');
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| EditError::Io {
                action: "cannot create directory",
                path: dir.to_path_buf(),
                source,
            })?;
    }
    let backup = atomic::replace(&path, &contents, 0o600, steps)?;
    Ok(texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| AddedLine {
            line: first + i,
            text,
            backup: backup.clone(),
        })
        .collect())
}

/// True when the file's most recent plain entry has a hashed name — that reflects ssh's
/// current HashKnownHosts setting better than older lines do. False for no entries.
pub fn file_hashes_names(file: &Path) -> bool {
    KnownHosts::load(&[file.to_path_buf()])
        .entries()
        .iter()
        .rev()
        .find(|e| e.marker.is_none())
        .is_some_and(|e| e.is_hashed())
}

/// The whole file, or `None` when it does not exist.
fn read_for_edit(path: &Path) -> Result<Option<Vec<u8>>, EditError> {
    match line::read_capped(path) {
        Ok(file) if file.truncated => Err(EditError::FileTooLarge {
            path: path.to_path_buf(),
        }),
        Ok(file) => Ok(Some(file.bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) if line::is_not_regular(&e) => Err(EditError::NotRegularFile {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(EditError::Io {
            action: "cannot read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

struct Plan {
    output: Vec<u8>,
    removed: Vec<RemovedLine>,
    invalid_lines: Vec<InvalidLine>,
}

/// Mirrors ssh-keygen's `known_hosts_find_delete` callback: a line goes when its host field
/// matches, it has no marker, and its key type is one ssh-keygen recognizes.
fn plan_prune(original: &[u8], matcher: &Matcher) -> Plan {
    let mut plan = Plan {
        output: Vec::with_capacity(original.len()),
        removed: Vec::new(),
        invalid_lines: Vec::new(),
    };
    for raw_line in line::split_lines(original) {
        let mut remove = false;
        let mut invalid = |why| {
            plan.invalid_lines.push(InvalidLine {
                line: raw_line.number,
                why,
            })
        };
        if raw_line.raw.contains(&0) {
            invalid(NUL_LINE);
            continue;
        }
        match line::classify(raw_line.content()) {
            LineKind::Comment => {}
            LineKind::Invalid(why) => invalid(why),
            LineKind::Record(record) => match HostField::parse(record.hosts) {
                Err(_) => invalid("a host field ssh cannot read (a broken hash?)"),
                Ok(_) if !key_type_looks_valid(record.key_text) => invalid("unknown key type"),
                Ok(field) => remove = record.marker.is_none() && matcher.matches(&field),
            },
        }
        if remove {
            plan.removed.push(RemovedLine {
                line: raw_line.number,
                raw: raw_line.raw.to_vec(),
            });
        } else {
            plan.output.extend_from_slice(raw_line.without_newline());
            plan.output.push(b'\n');
        }
    }
    plan
}
