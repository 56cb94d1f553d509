//! Rewriting a file so that a failure at any step leaves the old or the new content, never a
//! mix: `FILE.bak` first, then the new content, each written through [`crate::atomic`] with
//! the original permissions.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::FixError;
use crate::atomic::{IoFailure, REAL_STEPS, Steps, resolve, write_replace};

impl From<IoFailure> for FixError {
    fn from(e: IoFailure) -> FixError {
        FixError::Io {
            action: e.action,
            path: e.path,
            source: e.source,
        }
    }
}

/// `FILE.bak` next to `FILE`.
pub fn backup_path(path: &Path) -> PathBuf {
    crate::atomic::with_suffix(path, ".bak")
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
    if !holds(&target, expected)? {
        return Err(FixError::ChangedMeanwhile(target));
    }
    let backup = backup_path(&target);
    write_replace(&backup, expected, mode, steps)?;
    write_replace(&target, contents, mode, steps)?;
    Ok(backup)
}

/// Creates `path` with `contents` and `mode`; refuses when it exists (someone created it since
/// it was found missing).
pub fn create_checked(path: &Path, contents: &[u8], mode: u32) -> Result<(), FixError> {
    crate::atomic::create_new(path, contents, mode).map_err(|e| {
        if e.source.kind() == std::io::ErrorKind::AlreadyExists {
            FixError::ChangedMeanwhile(e.path)
        } else {
            e.into()
        }
    })
}

/// Undoes an edit while `path` still holds what it wrote (a change made since is never lost):
/// puts `original` back, or removes the file when the edit created it (`original` None).
pub fn undo_checked(path: &Path, written: &[u8], original: Option<&[u8]>) -> Result<(), FixError> {
    let target = resolve(path);
    regular_file_mode(&target)?;
    if !holds(&target, written)? {
        return Err(FixError::ChangedMeanwhile(target));
    }
    match original {
        Some(original) => restore(&target, original),
        None => Ok(fs::remove_file(&target).map_err(IoFailure::at("cannot remove", &target))?),
    }
}

/// Puts `original` back in place, atomically; the backup stays.
pub fn restore(path: &Path, original: &[u8]) -> Result<(), FixError> {
    let target = resolve(path);
    let mode = regular_file_mode(&target)?;
    write_replace(&target, original, mode, &REAL_STEPS)?;
    Ok(())
}

/// Whether `target` holds exactly `expected`: at most one byte more than that is read.
fn holds(target: &Path, expected: &[u8]) -> Result<bool, FixError> {
    use crate::files::ReadError;
    let now = crate::files::read_prefix(target, expected.len() as u64).map_err(|e| match e {
        ReadError::NotRegular { .. } => FixError::NotRegularFile(target.to_path_buf()),
        ReadError::Io { source, .. } => IoFailure::at("cannot read", target)(source).into(),
        e => IoFailure::at("cannot read", target)(std::io::Error::other(e.cause())).into(),
    })?;
    Ok(!now.truncated && now.bytes == expected)
}

fn regular_file_mode(target: &Path) -> Result<u32, FixError> {
    let meta = fs::metadata(target).map_err(IoFailure::at("cannot inspect", target))?;
    if !meta.is_file() {
        return Err(FixError::NotRegularFile(target.to_path_buf()));
    }
    Ok(meta.permissions().mode() & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

    use crate::atomic::testing::{leftovers, mode};

    fn setup(text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        crate::atomic::testing::setup("inventory.toml", text, mode)
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
    fn creates_once_and_undoes_only_its_own_content() {
        let (dir, path) = setup("old\n", 0o640);
        let err = create_checked(&path, b"new\n", 0o600).expect_err("exists");
        assert!(matches!(err, FixError::ChangedMeanwhile(_)), "{err}");
        let new = dir.path().join("new.yml");
        create_checked(&new, b"ours\n", 0o600).expect("created");
        assert_eq!(mode(&new), 0o600);
        fs::write(&new, b"edited\n").expect("write");
        let err = undo_checked(&new, b"ours\n", None).expect_err("changed");
        assert!(matches!(err, FixError::ChangedMeanwhile(_)), "{err}");
        fs::write(&new, b"ours\n").expect("write");
        undo_checked(&new, b"ours\n", None).expect("removed");
        assert!(!new.exists());
        replace_checked(&path, b"old\n", b"new\n").expect("replaced");
        undo_checked(&path, b"new\n", Some(b"old\n")).expect("restored");
        assert_eq!(
            (fs::read(&path).expect("read"), mode(&path)),
            (b"old\n".to_vec(), 0o640)
        );
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
