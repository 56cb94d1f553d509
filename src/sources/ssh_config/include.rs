//! Include paths: `~` expansion, relative paths under the include directory, and `*`/`?` globs
//! in any component, sorted as glob(3) returns them.

use crate::algorithms::allowlist::wildcard_match;
use std::path::{Component, Path, PathBuf};

/// A directory listing this long in an Include glob is not a config directory.
const MAX_ENTRIES: usize = 4096;

pub(super) fn expand(pattern: &str, include_dir: &Path, home: Option<&str>) -> Vec<PathBuf> {
    let full = match (pattern.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ if Path::new(pattern).is_absolute() => PathBuf::from(pattern),
        _ => include_dir.join(pattern),
    };
    let mut found = vec![PathBuf::new()];
    for component in full.components() {
        let part = match component {
            Component::Normal(p) => p.to_string_lossy().into_owned(),
            other => {
                for f in &mut found {
                    f.push(other.as_os_str());
                }
                continue;
            }
        };
        if !part.contains(['*', '?']) {
            for f in &mut found {
                f.push(&part);
            }
            continue;
        }
        let mut next = Vec::new();
        for dir in &found {
            let Ok(listing) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = listing
                .take(MAX_ENTRIES)
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                // As glob(3): a leading dot must be matched explicitly.
                .filter(|n| !n.starts_with('.') || part.starts_with('.'))
                .filter(|n| wildcard_match(&part, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        found = next;
    }
    found.into_iter().filter(|p| p.is_file()).collect()
}
