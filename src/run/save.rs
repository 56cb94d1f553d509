//! Writing a run to a new file, all at once (`atomic`): a file that exists is never
//! replaced, so a save cannot destroy an earlier one.

use std::path::{Path, PathBuf};

use super::Timestamp;

/// Saved runs are reports, readable like `check --json > FILE` makes them.
const MODE: u32 = 0o644;

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{}: exists; give another name", .path.display())]
    Exists { path: PathBuf },
    #[error("{} {}: {}", .0.action, .0.path.display(), .0.source)]
    Io(crate::atomic::IoFailure),
}

/// `sshtriage-run-20250601-120003.json` (UTC), the name a save takes when none is given.
pub fn default_file_name(at: Timestamp) -> String {
    format!("sshtriage-run-{}.json", at.compact())
}

/// Creates `path` holding `json`, unless it exists. Returns the path written, made absolute
/// so the user can tell where it went.
pub fn save_new(path: &Path, json: &str) -> Result<PathBuf, SaveError> {
    if path.symlink_metadata().is_ok() {
        return Err(SaveError::Exists {
            path: path.to_path_buf(),
        });
    }
    crate::atomic::create_new(path, json.as_bytes(), MODE).map_err(|failure| {
        if failure.source.kind() == std::io::ErrorKind::AlreadyExists {
            SaveError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            SaveError::Io(failure)
        }
    })?;
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_a_new_file_and_never_replaces_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let written = save_new(&path, "{\"version\": 1}").unwrap();
        assert_eq!(written, path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"version\": 1}");
        let e = save_new(&path, "{}").unwrap_err().to_string();
        assert!(e.ends_with("run.json: exists; give another name"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"version\": 1}");
        let e = save_new(&dir.path().join("no/such/dir.json"), "{}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot create a temporary file in"), "{e}");
        // Nothing but the saved file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn the_default_name_carries_the_utc_time() {
        assert_eq!(
            default_file_name(Timestamp::from_unix_ms(1_748_779_203_250)),
            "sshtriage-run-20250601-120003.json"
        );
    }
}
