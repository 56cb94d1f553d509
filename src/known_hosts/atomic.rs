//! Replacing a file so that a crash or failure at any step leaves either the old or the new
//! content, never a mix: the new content staged through [`crate::atomic`], then the backup
//! `F.old` (a hard link to the original, as ssh-keygen makes it), then the rename.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::EditError;
use crate::atomic::IoFailure;
pub(crate) use crate::atomic::{REAL_STEPS, Steps, resolve};

impl From<IoFailure> for EditError {
    fn from(e: IoFailure) -> EditError {
        EditError::Io {
            action: e.action,
            path: e.path,
            source: e.source,
        }
    }
}

/// `F.old` next to `F`.
pub(crate) fn backup_path(target: &Path) -> PathBuf {
    crate::atomic::with_suffix(target, ".old")
}

/// Replaces `target` with `contents`. An existing file keeps its permission bits and is
/// backed up as `target.old` (returned); a new file gets `new_file_mode`.
pub(crate) fn replace(
    target: &Path,
    contents: &[u8],
    new_file_mode: u32,
    steps: &Steps,
) -> Result<Option<PathBuf>, EditError> {
    let existing_mode = match fs::metadata(target) {
        // Never replace a device (`/dev/null`), FIFO or directory with a regular file.
        Ok(meta) if !meta.is_file() => {
            return Err(EditError::NotRegularFile {
                path: target.to_path_buf(),
            });
        }
        Ok(meta) => Some(meta.permissions().mode() & 0o7777),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(IoFailure::at("cannot inspect", target)(e).into()),
    };
    let mode = existing_mode.unwrap_or(new_file_mode);
    // From here on, returning early drops `staged`, which deletes the temporary file.
    let staged = crate::atomic::stage(target, contents, mode, steps)?;
    let backup = match existing_mode {
        Some(_) => Some(make_backup(target)?),
        None => None,
    };
    staged.commit(steps)?;
    Ok(backup)
}

/// `target.old` becomes the original inode (same content, same permissions); when hard links
/// are impossible, a copy.
fn make_backup(target: &Path) -> Result<PathBuf, EditError> {
    let backup = backup_path(target);
    match fs::remove_file(&backup) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(IoFailure::at("cannot remove old backup", &backup)(e).into()),
    }
    if fs::hard_link(target, &backup).is_err() {
        fs::copy(target, &backup).map_err(IoFailure::at("cannot back up to", &backup))?;
    }
    Ok(backup)
}
