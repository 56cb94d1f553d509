//! Where a device's value came from: a file and line, or a built-in default.

use std::fmt;
use std::path::PathBuf;

/// Where one value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// A line the user (or a tool such as Containerlab) wrote.
    File { path: PathBuf, line: usize },
    /// A well-known default, e.g. "containerlab default for kind nokia_srlinux".
    BuiltIn(String),
}

impl ValueSource {
    pub fn file(path: impl Into<PathBuf>, line: usize) -> ValueSource {
        ValueSource::File {
            path: path.into(),
            line,
        }
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self, ValueSource::BuiltIn(_))
    }
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::File { path, line } if *line > 0 => {
                write!(f, "{}:{line}", path.display())
            }
            ValueSource::File { path, .. } => write!(f, "{}", path.display()),
            ValueSource::BuiltIn(what) => f.write_str(what),
        }
    }
}
