//! OpenSSH known_hosts: reading, matching a host and its key the way `ssh` does, and
//! editing (`ssh-keygen -R`-equivalent pruning, appending an accepted key).
//!
//! Matching follows OpenSSH 9.x `hostfile.c`: hashed names (`|1|salt|hmac`), `[host]:port`
//! for ports other than 22, comma-separated patterns with `*`, `?` and `!` negation,
//! `@revoked` / `@cert-authority` markers. A malformed line is skipped with a [`Warning`];
//! the rest of the file still counts.
//!
//! Text taken from files (`Entry::hosts`, `Entry::raw`, `Entry::comment`) is untrusted:
//! sanitize it before printing it to a terminal. Warning messages are already sanitized.

mod atomic;
mod cache;
mod check;
mod edit;
mod hint;
mod hostpat;
mod keytext;
mod line;
mod targets;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::keys::ssh_key::PublicKey;

pub use cache::Cache;
pub use check::{EntryRef, HostKeyCheck, HostKeyVerdict};
pub use edit::{
    AddedLine, EditError, InvalidLine, PruneReport, RemovedLine, accept, accept_all,
    file_hashes_names, prune,
};
pub use hint::{FILE_ENV, prune_command, user_file};
pub use keytext::fingerprint;
pub(crate) use keytext::{is_certificate_algorithm, key_family, key_line_text};
pub use targets::Target;

use hostpat::HostField;
use line::{LineKind, MAX_FILE_BYTES};

/// A hostile file full of junk lines must not turn into millions of warnings.
const MAX_WARNINGS_PER_FILE: usize = 100;

/// The marker at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marker {
    /// `@revoked`: this key must never be accepted for the matching hosts.
    Revoked,
    /// `@cert-authority`: this key signs host certificates for the matching hosts.
    CertAuthority,
}

/// One valid line of a known_hosts file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Shared by the file's entries (a fleet's file has hundreds of thousands).
    pub file: Arc<Path>,
    /// 1-based.
    pub line: usize,
    pub marker: Option<Marker>,
    /// The key as the line encodes it (validated when read), decoded when a lookup needs it:
    /// a decoded key takes three times the room, in every entry of a file.
    key: Box<[u8]>,
    /// The host-pattern field as written (untrusted text).
    pub hosts: String,
    /// Text after the key (untrusted text).
    pub comment: String,
    /// The whole line as written, without its line ending (untrusted text).
    pub raw: String,
    host_field: HostField,
}

impl Entry {
    /// True when the host field is a hashed name (`|1|…`).
    pub fn is_hashed(&self) -> bool {
        self.host_field.is_hashed()
    }

    /// SSH name of the key's algorithm, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
    pub fn algorithm(&self) -> String {
        self.public_key()
            .map(|k| k.algorithm().as_str().to_string())
            .unwrap_or_default()
    }

    /// The line's key. It was decoded once when the file was read, so this does not fail.
    pub fn public_key(&self) -> Option<PublicKey> {
        PublicKey::from_bytes(&self.key).ok()
    }

    /// True when the host field matches this lookup name (`host` or `[host]:port`).
    pub fn matches_name(&self, name: &str) -> bool {
        self.host_field
            .matches(name.to_ascii_lowercase().as_bytes())
    }

    pub fn fingerprint(&self) -> String {
        self.public_key()
            .map(|k| fingerprint(&k))
            .unwrap_or_default()
    }
}

/// A line (or, with `line == 0`, a whole file) that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub file: PathBuf,
    /// 1-based; 0 for a problem with the whole file.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// The entries of one or more known_hosts files, in file order, plus what was skipped.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
    /// Entries by the literal names their host field lists (lowercased): a fleet's file
    /// holds one line per device, and each probe looks up one host, so a lookup must not
    /// scan every line (that made a run quadratic in the fleet size).
    by_name: HashMap<Vec<u8>, Vec<usize>>,
    /// Entries that must be tried against every host: hashed names and patterns.
    scanned: Vec<usize>,
    warnings: Vec<Warning>,
    /// Parts of files that were not read (a file over the size limit). What they hold is
    /// unknown, so no verdict may rest on their absence: see [`HostKeyVerdict::Unreadable`].
    unread: Vec<Warning>,
}

impl KnownHosts {
    /// Reads the files in order (like `UserKnownHostsFile a b`). A missing file contributes
    /// nothing; an unreadable one a warning.
    pub fn load(paths: &[PathBuf]) -> KnownHosts {
        let mut all = KnownHosts::default();
        for path in paths {
            match line::read_capped(path) {
                Ok(file) => {
                    if file.truncated {
                        all.unread.push(Warning {
                            file: path.clone(),
                            line: 0,
                            message: format!(
                                "file is larger than {} MiB; only the first part was read, so the host key cannot be checked against it",
                                MAX_FILE_BYTES / (1024 * 1024)
                            ),
                        });
                    }
                    all.add_file(path, &file.bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                // `UserKnownHostsFile /dev/null` is a common way to say "none".
                Err(e) if line::is_not_regular(&e) && path == Path::new("/dev/null") => {}
                Err(e) => all.warnings.push(Warning {
                    file: path.clone(),
                    line: 0,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
        all.entries.shrink_to_fit();
        all
    }

    /// Parses text as if it were the content of `file`.
    pub fn parse_str(file: &Path, text: &str) -> KnownHosts {
        let mut all = KnownHosts::default();
        all.add_file(file, text.as_bytes());
        all
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// What was not read; non-empty makes every `Match` or `Unknown` verdict `Unreadable`.
    pub fn unread(&self) -> &[Warning] {
        &self.unread
    }

    fn push(&mut self, entry: Entry) {
        let index = self.entries.len();
        match entry.host_field.literal_names() {
            Some(names) => {
                for name in names {
                    let slot = self.by_name.entry(name).or_default();
                    if slot.last() != Some(&index) {
                        slot.push(index);
                    }
                }
            }
            None => self.scanned.push(index),
        }
        self.entries.push(entry);
    }

    fn add_file(&mut self, file: &Path, bytes: &[u8]) {
        let (mut listed, mut unlisted) = (0usize, 0usize);
        let shared: Arc<Path> = Arc::from(file);
        // Room for every line up front: grown by doubling, the list and the index peaked at
        // twice their size (a 60 MiB file's entries are 100 MiB).
        let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
        self.entries.reserve(lines);
        self.by_name.reserve(lines);
        for raw_line in line::split_lines(bytes) {
            let problem = match parse_entry(&shared, raw_line.number, &raw_line) {
                Ok(Some(entry)) => {
                    self.push(entry);
                    continue;
                }
                Ok(None) => continue,
                Err(message) => message,
            };
            if listed >= MAX_WARNINGS_PER_FILE {
                unlisted += 1;
            } else {
                listed += 1;
                self.warnings.push(Warning {
                    file: file.to_path_buf(),
                    line: raw_line.number,
                    message: problem,
                });
            }
        }
        if unlisted > 0 {
            self.warnings.push(Warning {
                file: file.to_path_buf(),
                line: 0,
                message: format!("{unlisted} more malformed lines skipped without a warning each"),
            });
        }
    }

    /// Entries whose host field matches any of `hostnames` (e.g. the name the user typed and
    /// the address), in file order, markers included. For a port other than 22 only
    /// `[name]:port` patterns match, as in OpenSSH.
    pub fn lookup(&self, hostnames: &[&str], port: u16) -> Vec<&Entry> {
        let names = lookup_names(hostnames, port);
        // Candidates from the index and the entries that need a full match, in file order;
        // every candidate is still matched as ssh matches it.
        let mut candidates: Vec<usize> = names
            .iter()
            .filter_map(|n| self.by_name.get(n.as_bytes()))
            .flatten()
            .chain(&self.scanned)
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .map(|i| &self.entries[i])
            .filter(|e| names.iter().any(|n| e.host_field.matches(n.as_bytes())))
            .collect()
    }
}

/// The strings OpenSSH looks up: lowercased (ssh lowercases the host it connects to), and
/// `[name]:port` unless the port is the default (OpenSSH's `put_host_port`).
pub(crate) fn lookup_name(hostname: &str, port: u16) -> String {
    let name = hostname.to_ascii_lowercase();
    if port == 0 || port == 22 {
        name
    } else {
        format!("[{name}]:{port}")
    }
}

fn lookup_names(hostnames: &[&str], port: u16) -> Vec<String> {
    hostnames
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| lookup_name(h, port))
        .collect()
}

/// `Ok(None)` for comments and blank lines; `Err` with a sanitized reason for a line that
/// OpenSSH would skip.
fn parse_entry(
    file: &Arc<Path>,
    number: usize,
    raw_line: &line::RawLine,
) -> Result<Option<Entry>, String> {
    let record = match line::classify(raw_line.content()) {
        LineKind::Comment => return Ok(None),
        LineKind::Invalid(reason) => return Err(reason.to_string()),
        LineKind::Record(record) => record,
    };
    let host_field = HostField::parse(record.hosts).map_err(str::to_string)?;
    let parsed = keytext::parse_key(record.key_text)?;
    Ok(Some(Entry {
        file: file.clone(),
        line: number,
        marker: record.marker,
        key: parsed
            .key
            .to_bytes()
            .map_err(|e| format!("invalid key data: {e}"))?
            .into(),
        hosts: String::from_utf8_lossy(record.hosts).into_owned(),
        comment: parsed.comment,
        raw: String::from_utf8_lossy(raw_line.without_newline())
            .trim_end_matches('\r')
            .to_string(),
        host_field,
    }))
}

/// For the fuzz target: parses a host field and matches a host against it, hashed or not.
#[doc(hidden)]
pub fn fuzz_host_field(field: &[u8], host: &[u8]) {
    if let Ok(parsed) = HostField::parse(field) {
        let _ = parsed.matches(host);
        let _ = parsed.literal_names();
    }
    let _ = hostpat::match_pattern_list(host, field);
}
