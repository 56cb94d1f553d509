//! Paths written in source files.

use std::path::{Path, PathBuf};

/// `~/` expands to the home directory; relative paths are relative to the file that names
/// them (`base_dir`).
pub fn expand_path(base_dir: &Path, path: &str) -> PathBuf {
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        return PathBuf::from(home).join(rest);
    }
    let p = PathBuf::from(path);
    if p.is_absolute() { p } else { base_dir.join(p) }
}
