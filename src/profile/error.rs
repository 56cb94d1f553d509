//! Errors from loading profiles, pointing at the file, line and key an engineer has to fix.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile directory {}: {source}", dir.display())]
    ReadDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read profile {0}")]
    Read(#[source] crate::files::ReadError),
    #[error("profile {} is larger than {limit} bytes", file.display())]
    TooLarge { file: PathBuf, limit: u64 },
    #[error("profile directory {} holds more than {limit} .toml files", dir.display())]
    TooManyFiles { dir: PathBuf, limit: usize },
    /// Bad TOML, unknown or missing key, bad regex, or a value that fails validation.
    #[error("{}:{line}: {}: {message}", file.display(), KeyLabel(key))]
    Invalid {
        file: PathBuf,
        line: usize,
        /// Dotted key such as `prompt.privileged[1]`; empty when the error is not about one key.
        key: String,
        message: String,
    },
    #[error("profile `{name}` is defined twice: {} and {}", first.display(), second.display())]
    Duplicate {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
}

struct KeyLabel<'a>(&'a str);

impl fmt::Display for KeyLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(document)")
        } else {
            write!(f, "key `{}`", self.0)
        }
    }
}

/// Best-effort dotted key for a TOML error at `offset`: the `[table]` above it plus the key on
/// its line, or on the nearest line above that assigns one (errors inside multi-line arrays).
/// With `table_only`, just the table (a missing field is reported at its table, whose first
/// line assigns some other key).
pub(super) fn key_at(source: &str, offset: usize, table_only: bool) -> String {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let lines_up_to_here = source[..line_start].lines().rev();
    let current = &source[line_start..line_end];

    let mut key = None;
    let mut table = None;
    for line in std::iter::once(current).chain(lines_up_to_here) {
        let trimmed = line.trim();
        if key.is_none() && !table_only {
            key = assigned_key(line);
        }
        if let Some(header) = table_header(trimmed) {
            table = Some(header);
            break;
        }
    }
    match (table, key) {
        (Some(t), Some(k)) => format!("{t}.{k}"),
        (Some(t), None) => t,
        (None, Some(k)) => k,
        (None, None) => String::new(),
    }
}

/// The name in a `[table]` header line (array-of-tables headers are not used by profiles).
fn table_header(line: &str) -> Option<String> {
    if line.starts_with("[[") || line.contains('=') {
        return None;
    }
    let header = line.strip_prefix('[')?.split(']').next()?.trim();
    (!header.is_empty()).then(|| header.to_string())
}

/// The bare key a line assigns (`key = ...`), if it assigns one.
fn assigned_key(line: &str) -> Option<String> {
    let (left, _) = line.split_once('=')?;
    let left = left.trim();
    let is_key = !left.is_empty()
        && left
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c));
    is_key.then(|| left.trim_matches('"').to_string())
}
