//! Replacing a file so that a crash or failure at any step leaves either the old or the new
//! content, never a mix: temp file in the same directory, fsync, original permissions,
//! backup `F.old` (a hard link to the original, as ssh-keygen makes it), rename.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::EditError;

/// The two steps a test can make fail; everything else is plain std::fs.
pub(crate) struct Steps<'a> {
    pub write: &'a dyn Fn(&mut File, &[u8]) -> io::Result<()>,
    pub rename: &'a dyn Fn(&Path, &Path) -> io::Result<()>,
}

pub(crate) const REAL_STEPS: Steps<'static> = Steps {
    write: &|file, data| file.write_all(data),
    rename: &|from, to| fs::rename(from, to),
};

/// `F.old` next to `F`.
pub(crate) fn backup_path(target: &Path) -> PathBuf {
    let mut name = OsString::from(target.as_os_str());
    name.push(".old");
    PathBuf::from(name)
}

/// Edits apply to the file a symlink points to, so the link itself survives.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EditError {
    let path = path.to_path_buf();
    move |source| EditError::Io {
        action,
        path,
        source,
    }
}

/// Replaces `target` with `contents`. An existing file keeps its permission bits and is
/// backed up as `target.old` (returned); a new file gets `new_file_mode`.
pub(crate) fn replace(
    target: &Path,
    contents: &[u8],
    new_file_mode: u32,
    steps: &Steps,
) -> Result<Option<PathBuf>, EditError> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let existing_mode = match fs::metadata(target) {
        // Never replace a device (`/dev/null`), FIFO or directory with a regular file.
        Ok(meta) if !meta.is_file() => {
            return Err(EditError::NotRegularFile {
                path: target.to_path_buf(),
            });
        }
        Ok(meta) => Some(meta.permissions().mode() & 0o7777),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error("cannot inspect", target)(e)),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_error("cannot create a temporary file in", dir))?;
    // From here on, returning early drops `temp`, which deletes the temporary file.
    (steps.write)(temp.as_file_mut(), contents).map_err(io_error("cannot write", temp.path()))?;
    temp.as_file()
        .sync_all()
        .map_err(io_error("cannot flush", temp.path()))?;
    let mode = existing_mode.unwrap_or(new_file_mode);
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode))
        .map_err(io_error("cannot set permissions on", temp.path()))?;

    let backup = match existing_mode {
        Some(_) => Some(make_backup(target)?),
        None => None,
    };
    (steps.rename)(temp.path(), target).map_err(io_error("cannot replace", target))?;
    // The temporary path is now the target: keep it from being deleted.
    let _ = temp.into_temp_path().keep();
    // Persist the rename itself; failure here cannot be undone and the data is in place.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(backup)
}

/// `target.old` becomes the original inode (same content, same permissions); when hard links
/// are impossible, a copy.
fn make_backup(target: &Path) -> Result<PathBuf, EditError> {
    let backup = backup_path(target);
    match fs::remove_file(&backup) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error("cannot remove old backup", &backup)(e)),
    }
    if fs::hard_link(target, &backup).is_err() {
        fs::copy(target, &backup).map_err(io_error("cannot back up to", &backup))?;
    }
    Ok(backup)
}
