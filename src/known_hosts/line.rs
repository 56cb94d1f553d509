//! Splitting a known_hosts file into lines and one line into its fields, the way OpenSSH's
//! `hostkeys_foreach_file` does (only `\n` ends a line; a `\r` before it stays in the line).

use std::io;
use std::path::Path;

use super::Marker;

/// Files larger than this are not read whole: checking against one makes the verdict
/// `unreadable` (never `unknown`), editing one is refused. Lines have no limit of their own,
/// as in OpenSSH (a 70 KB comment is legal): they are bounded by the file. 16 MiB is about
/// 170,000 ed25519 lines and takes about 110 MB parsed (issue 14: 64 MiB took 430 MB).
pub(crate) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A file's bytes, possibly cut at [`MAX_FILE_BYTES`].
pub(crate) struct FileBytes {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

/// Reads at most `MAX_FILE_BYTES` (+1 to detect the excess) through the one bounded reader,
/// [`crate::files`]; the rest is never read. Anything but a regular file is refused (a FIFO
/// would block forever): the error is then [`is_not_regular`].
pub(crate) fn read_capped(path: &Path) -> io::Result<FileBytes> {
    use crate::files::ReadError;
    let prefix = crate::files::read_prefix(path, MAX_FILE_BYTES).map_err(|e| match e {
        ReadError::Missing { .. } => io::Error::from(io::ErrorKind::NotFound),
        ReadError::Io { source, .. } => source,
        _ => not_regular(),
    })?;
    let (mut bytes, truncated) = (prefix.bytes, prefix.truncated);
    if truncated {
        // The cut probably fell inside a line: drop that partial line.
        let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(end);
    }
    Ok(FileBytes { bytes, truncated })
}

pub(crate) fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

/// True for the error [`read_capped`] gives for devices, FIFOs, directories and the like.
pub(crate) fn is_not_regular(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidInput
}

/// One physical line: `raw` includes its `\n` when it had one.
pub(crate) struct RawLine<'a> {
    pub number: usize,
    pub raw: &'a [u8],
}

impl<'a> RawLine<'a> {
    /// The line without its `\n`, as OpenSSH sees it (cut at a NUL byte, like a C string).
    pub fn content(&self) -> &'a [u8] {
        let text = self.raw.strip_suffix(b"\n").unwrap_or(self.raw);
        match text.iter().position(|&b| b == 0) {
            Some(nul) => &text[..nul],
            None => text,
        }
    }

    /// The line without its `\n`, every byte kept.
    pub fn without_newline(&self) -> &'a [u8] {
        self.raw.strip_suffix(b"\n").unwrap_or(self.raw)
    }
}

/// Splits bytes into lines numbered from 1; a final line without `\n` is still a line.
pub(crate) fn split_lines(bytes: &[u8]) -> impl Iterator<Item = RawLine<'_>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
        .map(|(i, raw)| RawLine { number: i + 1, raw })
}

/// What one line is, before the host field or key are interpreted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineKind<'a> {
    /// Blank or `#` comment.
    Comment,
    /// Structurally broken (bad marker, nothing after the host field, ...).
    Invalid(&'static str),
    Record(Record<'a>),
}

/// A line with a host field and something after it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub marker: Option<Marker>,
    pub hosts: &'a [u8],
    /// From the key type to the end of the line.
    pub key_text: &'a [u8],
}

pub(crate) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn skip_blanks(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_blank(b)).unwrap_or(s.len());
    &s[start..]
}

/// Index of the first space or tab, or the length.
pub(crate) fn token_end(s: &[u8]) -> usize {
    s.iter().position(|&b| is_blank(b)).unwrap_or(s.len())
}

/// Classifies a line's content (see [`RawLine::content`]).
pub(crate) fn classify(content: &[u8]) -> LineKind<'_> {
    let s = skip_blanks(content);
    if s.is_empty() || s[0] == b'#' {
        return LineKind::Comment;
    }
    let Ok((marker, s)) = parse_markers(s) else {
        return LineKind::Invalid("invalid @marker");
    };
    let end = token_end(s);
    if end == s.len() {
        return LineKind::Invalid("truncated line: nothing after the host names");
    }
    let (hosts, rest) = s.split_at(end);
    let key_text = skip_blanks(rest);
    if key_text.is_empty() || key_text[0] == b'#' {
        return LineKind::Invalid("truncated line: no key type");
    }
    LineKind::Record(Record {
        marker,
        hosts,
        key_text,
    })
}

/// At most one `@marker`. Like OpenSSH, the marker ends at the first space of the *rest of
/// the line* (a tab only if there is no space at all), so `@revoked<TAB>host key` is invalid.
fn parse_markers(mut s: &[u8]) -> Result<(Option<Marker>, &[u8]), ()> {
    let mut marker = None;
    while s.first() == Some(&b'@') {
        if marker.is_some() {
            return Err(());
        }
        let end = s
            .iter()
            .position(|&b| b == b' ')
            .or_else(|| s.iter().position(|&b| b == b'\t'))
            .ok_or(())?;
        if !(2..32).contains(&end) {
            return Err(());
        }
        marker = Some(match &s[..end] {
            b"@cert-authority" => Marker::CertAuthority,
            b"@revoked" => Marker::Revoked,
            _ => return Err(()),
        });
        s = skip_blanks(&s[end..]);
    }
    Ok((marker, s))
}
