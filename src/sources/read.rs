//! Reading source files with bounded size, and located errors.

use crate::sources::SourceError;
use std::io::Read;
use std::path::Path;

/// No inventory or config is anywhere near this; a larger file is a mistake or hostile.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

pub(crate) fn located(
    path: &Path,
    line: usize,
    key: &str,
    message: impl Into<String>,
) -> SourceError {
    SourceError {
        file: path.to_owned(),
        line,
        key: key.to_owned(),
        message: message.into(),
    }
}

/// Why a file could not be opened, in words: `no such file`, `permission denied`.
pub(crate) fn open_failed(path: &Path, error: &std::io::Error) -> SourceError {
    let message = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => format!("cannot read: {error}"),
    };
    located(path, 0, "", message)
}

/// The file's text: at most `MAX_FILE_BYTES`, UTF-8, no NUL bytes, without a BOM.
pub(crate) fn read_text(path: &Path) -> Result<String, SourceError> {
    let fail = |message: String| located(path, 0, "", message);
    let file = std::fs::File::open(path).map_err(|e| open_failed(path, &e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!(
            "larger than {} MiB; not an inventory or config file",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    check_text(path, bytes)
}

/// Text that came from elsewhere (stdin), held to the same rules as a file.
pub(crate) fn check_text(path: &Path, bytes: Vec<u8>) -> Result<String, SourceError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(located(
            path,
            0,
            "",
            format!("larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
        ));
    }
    let line_of = |offset: usize| bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(located(
            path,
            line_of(at),
            "",
            "contains NUL bytes: a binary file, not text",
        ));
    }
    if let Err(e) = std::str::from_utf8(&bytes) {
        let at = e.valid_up_to();
        return Err(located(
            path,
            line_of(at),
            "",
            format!("not UTF-8 text (invalid byte at offset {at})"),
        ));
    }
    let text = String::from_utf8(bytes).expect("checked just above");
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_bad_utf8_are_located() {
        let p = Path::new("x");
        let err = check_text(p, b"a\nb\0c".to_vec()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("binary"));
        let err = check_text(p, b"ok\n\n\xff\xfe".to_vec()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("UTF-8"));
        assert_eq!(check_text(p, "\u{feff}hi".into()).unwrap(), "hi");
    }
}
