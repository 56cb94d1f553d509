//! Rewriting a file so that a failure at any step leaves the old or the new content, never a
//! mix: `FILE.bak` first, then a temporary file in the same directory, fsync, the original
//! permissions, rename over the original, fsync of the directory.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::FixError;

/// The two steps a test can make fail; everything else is plain std::fs.
pub(crate) struct Steps<'a> {
    pub write: &'a dyn Fn(&mut File, &[u8]) -> io::Result<()>,
    pub rename: &'a dyn Fn(&Path, &Path) -> io::Result<()>,
}

pub(crate) const REAL_STEPS: Steps<'static> = Steps {
    write: &|file, data| file.write_all(data),
    rename: &|from, to| fs::rename(from, to),
};

/// `FILE.bak` next to `FILE`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".bak");
    PathBuf::from(name)
}

/// Edits go to the file a symlink points to, so the link itself survives.
fn resolve(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FixError {
    let path = path.to_path_buf();
    move |source| FixError::Io {
        action,
        path,
        source,
    }
}

/// Replaces `path` (which must still hold exactly `expected`: someone may have edited it
/// since it was read) with `contents`, keeping `expected` as `FILE.bak`. Returns the backup.
pub fn replace_checked(path: &Path, expected: &[u8], contents: &[u8]) -> Result<PathBuf, FixError> {
    replace_checked_with(path, expected, contents, &REAL_STEPS)
}

pub(crate) fn replace_checked_with(
    path: &Path,
    expected: &[u8],
    contents: &[u8],
    steps: &Steps,
) -> Result<PathBuf, FixError> {
    let target = resolve(path);
    let mode = regular_file_mode(&target)?;
    let now = fs::read(&target).map_err(io_error("cannot read", &target))?;
    if now != expected {
        return Err(FixError::ChangedMeanwhile(target));
    }
    let backup = backup_path(&target);
    write_replace(&backup, expected, mode, steps)?;
    write_replace(&target, contents, mode, steps)?;
    Ok(backup)
}

/// Puts `original` back in place, atomically; the backup stays.
pub fn restore(path: &Path, original: &[u8]) -> Result<(), FixError> {
    let target = resolve(path);
    let mode = regular_file_mode(&target)?;
    write_replace(&target, original, mode, &REAL_STEPS)
}

fn regular_file_mode(target: &Path) -> Result<u32, FixError> {
    let meta = fs::metadata(target).map_err(io_error("cannot inspect", target))?;
    if !meta.is_file() {
        return Err(FixError::NotRegularFile(target.to_path_buf()));
    }
    Ok(meta.permissions().mode() & 0o7777)
}

/// Temp file beside `target`, written, flushed, given `mode`, renamed over `target`.
fn write_replace(target: &Path, contents: &[u8], mode: u32, steps: &Steps) -> Result<(), FixError> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_error("cannot create a temporary file in", dir))?;
    // Returning early drops `temp`, which deletes the temporary file.
    (steps.write)(temp.as_file_mut(), contents).map_err(io_error("cannot write", temp.path()))?;
    temp.as_file()
        .sync_all()
        .map_err(io_error("cannot flush", temp.path()))?;
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode))
        .map_err(io_error("cannot set permissions on", temp.path()))?;
    (steps.rename)(temp.path(), target).map_err(io_error("cannot replace", target))?;
    // The temporary path is the target now: keep it from being deleted.
    let _ = temp.into_temp_path().keep();
    // Persist the rename itself; the data is in place whatever this says.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("inventory.toml");
        fs::write(&path, text).expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        (dir, path)
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("meta").permissions().mode() & 0o7777
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn replaces_keeps_mode_and_backs_up() {
        let (dir, path) = setup("old\n", 0o640);
        let backup = replace_checked(&path, b"old\n", b"new\n").expect("replaced");
        assert_eq!(backup, dir.path().join("inventory.toml.bak"));
        assert_eq!(fs::read(&path).expect("read"), b"new\n");
        assert_eq!(fs::read(&backup).expect("read"), b"old\n");
        assert_eq!((mode(&path), mode(&backup)), (0o640, 0o640));
        restore(&path, b"old\n").expect("restored");
        assert_eq!(fs::read(&path).expect("read"), b"old\n");
        assert_eq!(mode(&path), 0o640);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn refuses_a_file_edited_meanwhile() {
        let (dir, path) = setup("edited by someone\n", 0o600);
        let err = replace_checked(&path, b"old\n", b"new\n").expect_err("must refuse");
        assert!(matches!(err, FixError::ChangedMeanwhile(_)), "{err}");
        assert_eq!(fs::read(&path).expect("read"), b"edited by someone\n");
        assert!(!dir.path().join("inventory.toml.bak").exists());
    }

    #[test]
    fn a_failed_write_or_rename_leaves_the_original() {
        let fail_write = Steps {
            write: &|_, _| Err(io::Error::other("disk full")),
            rename: &|a, b| fs::rename(a, b),
        };
        let fail_rename = Steps {
            write: &|f, d| f.write_all(d),
            rename: &|_, _| Err(io::Error::other("power cut")),
        };
        for steps in [fail_write, fail_rename] {
            let (dir, path) = setup("old\n", 0o600);
            let err = replace_checked_with(&path, b"old\n", b"new\n", &steps).expect_err("fails");
            assert!(matches!(err, FixError::Io { .. }), "{err}");
            assert_eq!(fs::read(&path).expect("read"), b"old\n");
            assert!(
                leftovers(dir.path()).is_empty(),
                "temp files are cleaned up"
            );
        }
    }

    #[test]
    fn edits_through_a_symlink_keep_the_link() {
        let (dir, path) = setup("old\n", 0o600);
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        replace_checked(&link, b"old\n", b"new\n").expect("replaced");
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&path).expect("read"), b"new\n");
    }
}
