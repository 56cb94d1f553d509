//! The one error type of every source: a problem in a file, located by line and key.

use std::path::PathBuf;

/// A problem with a source file, located. `line` 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {key}{}{message}", file.display(), if key.is_empty() { "" } else { ": " })]
pub struct SourceError {
    pub file: PathBuf,
    pub line: usize,
    pub key: String,
    pub message: String,
}
