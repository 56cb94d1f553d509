//! The one error type of every source: a problem in a file, located by line and key.

use std::path::PathBuf;

/// A problem with a source file, located: `lab.toml:3: port: …`. `line` 0 means the file as
/// a whole, shown without a line: `lab.toml: no such file`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {key}{}{message}", file.display(), at_line(*line), if key.is_empty() { "" } else { ": " })]
pub struct SourceError {
    pub file: PathBuf,
    pub line: usize,
    pub key: String,
    pub message: String,
}

fn at_line(line: usize) -> String {
    match line {
        0 => String::new(),
        n => format!(":{n}"),
    }
}
