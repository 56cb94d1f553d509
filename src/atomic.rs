//! Replacing a file so that a failure at any step leaves the old or the new content, never a
//! mix: a temporary file in the same directory, fsync, the wanted permissions, rename over
//! the target, fsync of the directory. Backups and checks are the callers' policy; this is
//! the mechanism both the inventory fixes and the known_hosts edits share.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The two steps a test can make fail; everything else is plain std::fs.
pub(crate) struct Steps<'a> {
    pub write: &'a dyn Fn(&mut File, &[u8]) -> io::Result<()>,
    pub rename: &'a dyn Fn(&Path, &Path) -> io::Result<()>,
}

pub(crate) const REAL_STEPS: Steps<'static> = Steps {
    write: &|file, data| file.write_all(data),
    rename: &|from, to| fs::rename(from, to),
};

/// An I/O failure with what was being done and to which path; each caller converts it into
/// its own error type.
#[derive(Debug)]
pub struct IoFailure {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

impl IoFailure {
    /// For `map_err`: the failure of `action` on `path`.
    pub fn at(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> IoFailure {
        let path = path.to_path_buf();
        move |source| IoFailure {
            action,
            path,
            source,
        }
    }
}

/// `path` with `suffix` appended to its file name: `FILE.bak`, `FILE.old`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// Edits go to the file a symlink points to, so the link itself survives.
pub fn resolve(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// New content written and flushed beside its target, not yet in place. Dropping it deletes
/// the temporary file and leaves the target untouched.
pub(crate) struct Staged {
    temp: NamedTempFile,
    target: PathBuf,
}

/// Writes `contents` to a temporary file beside `target`, flushes it and gives it `mode`.
pub(crate) fn stage(
    target: &Path,
    contents: &[u8],
    mode: u32,
    steps: &Steps,
) -> Result<Staged, IoFailure> {
    let dir = parent_dir(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(IoFailure::at("cannot create a temporary file in", dir))?;
    // Returning early drops `temp`, which deletes the temporary file.
    (steps.write)(temp.as_file_mut(), contents)
        .map_err(IoFailure::at("cannot write", temp.path()))?;
    temp.as_file()
        .sync_all()
        .map_err(IoFailure::at("cannot flush", temp.path()))?;
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode))
        .map_err(IoFailure::at("cannot set permissions on", temp.path()))?;
    Ok(Staged {
        temp,
        target: target.to_path_buf(),
    })
}

impl Staged {
    /// Renames the staged file over its target and persists the rename.
    pub(crate) fn commit(self, steps: &Steps) -> Result<(), IoFailure> {
        let Staged { temp, target } = self;
        (steps.rename)(temp.path(), &target).map_err(IoFailure::at("cannot replace", &target))?;
        // The temporary path is the target now: keep it from being deleted.
        let _ = temp.into_temp_path().keep();
        // Persist the rename itself; the data is in place whatever this says.
        if let Ok(d) = File::open(parent_dir(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Staged {
    /// As `commit`, for a target that must not exist yet: a file someone created meanwhile
    /// is never replaced (the failure's source is then `AlreadyExists`).
    pub(crate) fn commit_new(self) -> Result<(), IoFailure> {
        let Staged { temp, target } = self;
        temp.persist_noclobber(&target)
            .map_err(|e| IoFailure::at("cannot create", &target)(e.error))?;
        if let Ok(d) = File::open(parent_dir(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Creates `target` with `contents` and `mode`, all at once, unless it exists.
pub(crate) fn create_new(target: &Path, contents: &[u8], mode: u32) -> Result<(), IoFailure> {
    stage(target, contents, mode, &REAL_STEPS)?.commit_new()
}

/// Stages and commits in one go.
pub(crate) fn write_replace(
    target: &Path,
    contents: &[u8],
    mode: u32,
    steps: &Steps,
) -> Result<(), IoFailure> {
    stage(target, contents, mode, steps)?.commit(steps)
}

fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// File fixtures shared by the tests of every atomic editor.
#[cfg(test)]
pub(crate) mod testing {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    /// A temporary directory holding `name` with `text` and permissions `mode`.
    pub fn setup(name: &str, text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        (dir, path)
    }

    pub fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("meta").permissions().mode() & 0o7777
    }

    /// Temporary files an interrupted edit left behind.
    pub fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{leftovers, mode};
    use super::*;

    fn setup(text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        testing::setup("file", text, mode)
    }

    #[test]
    fn replaces_with_the_given_mode_and_no_leftovers() {
        let (dir, path) = setup("old\n", 0o600);
        write_replace(&path, b"new\n", 0o640, &REAL_STEPS).expect("replaced");
        assert_eq!(fs::read(&path).expect("read"), b"new\n");
        assert_eq!(mode(&path), 0o640);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_staged_file_dropped_leaves_the_target_alone() {
        let (dir, path) = setup("old\n", 0o600);
        let staged = stage(&path, b"new\n", 0o600, &REAL_STEPS).expect("staged");
        assert_eq!(leftovers(dir.path()).len(), 1);
        drop(staged);
        assert_eq!(fs::read(&path).expect("read"), b"old\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_or_rename_leaves_the_original() {
        let fail_write = Steps {
            write: &|_, _| Err(io::Error::other("disk full")),
            rename: REAL_STEPS.rename,
        };
        let fail_rename = Steps {
            write: REAL_STEPS.write,
            rename: &|_, _| Err(io::Error::other("power cut")),
        };
        for (steps, action) in [
            (fail_write, "cannot write"),
            (fail_rename, "cannot replace"),
        ] {
            let (dir, path) = setup("old\n", 0o600);
            let err = write_replace(&path, b"new\n", 0o600, &steps).expect_err("fails");
            assert_eq!(err.action, action);
            assert_eq!(fs::read(&path).expect("read"), b"old\n");
            assert!(
                leftovers(dir.path()).is_empty(),
                "temp files are cleaned up"
            );
        }
    }

    #[test]
    fn creating_never_replaces_an_existing_file() {
        let (dir, path) = setup("someone's\n", 0o644);
        let err = create_new(&path, b"ours\n", 0o600).expect_err("exists");
        assert_eq!(err.source.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).expect("read"), b"someone's\n");
        let new = dir.path().join("new");
        create_new(&new, b"ours\n", 0o600).expect("created");
        assert_eq!(
            (fs::read(&new).expect("read"), mode(&new)),
            (b"ours\n".to_vec(), 0o600)
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn suffixes_and_symlinks() {
        assert_eq!(
            with_suffix(Path::new("/a/known_hosts"), ".old"),
            PathBuf::from("/a/known_hosts.old")
        );
        let (dir, path) = setup("old\n", 0o600);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        assert_eq!(resolve(&link), fs::canonicalize(&path).expect("canonical"));
        assert_eq!(resolve(&path), path);
    }
}
