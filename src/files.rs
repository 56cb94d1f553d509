//! Reading the user's files, bounded: the one way sshtriage reads a file it did not write
//! itself (inventories, ssh_config, Ansible vars, secrets, keys, known_hosts, profiles, files a
//! fix edits). Only a regular file is read (after following symlinks): a FIFO would block
//! forever and `/dev/zero` never ends. The file is opened without blocking and checked on the
//! open descriptor, so it cannot be swapped for a FIFO between the check and the read; at most
//! `limit` bytes (+1, to notice more) are read. Every error names the file.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Secrets (`password_file`, `enable_secret_file`, `passphrase_file`) and private keys: a few
/// hundred bytes to a few KiB.
pub const SECRET_LIMIT: u64 = 64 * 1024;

/// Inventories, ssh_config, Ansible vars, Containerlab data, profiles, known_hosts: no real one
/// comes near this.
pub const TEXT_LIMIT: u64 = 16 * 1024 * 1024;

/// Why a file could not be read; every message names it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: no such file", .path.display())]
    Missing { path: PathBuf },
    #[error("{}: {kind}, not a regular file", .path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{}: larger than {}", .path.display(), size(*.limit))]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{}: cannot read: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl ReadError {
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Missing { path }
            | ReadError::NotRegular { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::Io { path, .. } => path,
        }
    }

    /// The cause without the file's name, for messages that name it already.
    pub fn cause(&self) -> String {
        match self {
            ReadError::Missing { .. } => "no such file".to_owned(),
            ReadError::NotRegular { kind, .. } => format!("{kind}, not a regular file"),
            ReadError::TooLarge { limit, .. } => format!("larger than {}", size(*limit)),
            ReadError::Io { source, .. } => format!("cannot read: {source}"),
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, ReadError::Missing { .. })
    }
}

/// "64 KiB", "16 MiB".
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The first bytes of a file, and whether there was more.
#[derive(Debug)]
pub struct Prefix {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

/// At most `limit` bytes of the regular file at `path`; `truncated` says there was more (the
/// rest is never read).
pub fn read_prefix(path: &Path, limit: u64) -> Result<Prefix, ReadError> {
    let file = open_regular(path)?;
    // Sized up front: a doubling buffer holds up to twice the file, and both while it moves.
    let size = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(limit.saturating_add(1));
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
    let truncated = bytes.len() as u64 > limit;
    if truncated {
        bytes.truncate(limit as usize);
    }
    Ok(Prefix { bytes, truncated })
}

/// The whole regular file at `path`, refused when it holds more than `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let prefix = read_prefix(path, limit)?;
    if prefix.truncated {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(prefix.bytes)
}

/// Opens `path` for reading only if it is a regular file: without blocking (a FIFO with no
/// writer would hang the open itself) and without becoming a controlling terminal, checked on
/// the descriptor.
fn open_regular(path: &Path) -> Result<File, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => ReadError::Missing {
                path: path.to_owned(),
            },
            _ => ReadError::Io {
                path: path.to_owned(),
                source,
            },
        })?;
    let kind = file
        .metadata()
        .map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?
        .file_type();
    if kind.is_file() {
        return Ok(file);
    }
    let kind = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(ReadError::NotRegular {
        path: path.to_owned(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_only_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "abcdef").unwrap();
        assert_eq!(read_bounded(&file, 6).unwrap(), b"abcdef");
        let err = read_bounded(&file, 5).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: larger than 5 bytes", file.display())
        );
        let prefix = read_prefix(&file, 4).unwrap();
        assert_eq!(
            (prefix.bytes.as_slice(), prefix.truncated),
            (&b"abcd"[..], true)
        );

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(
            read_bounded(&link, 64).unwrap(),
            b"abcdef",
            "symlinks are followed"
        );

        let err = read_bounded(dir.path(), 64).unwrap_err();
        assert!(
            err.to_string().ends_with("a directory, not a regular file"),
            "{err}"
        );
        let err = read_bounded(Path::new("/dev/zero"), SECRET_LIMIT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero: a character device, not a regular file"
        );
        let missing = dir.path().join("missing");
        let err = read_bounded(&missing, 64).unwrap_err();
        assert!(err.is_missing());
        assert_eq!(err.cause(), "no such file");
        assert_eq!(size(TEXT_LIMIT), "16 MiB");
        assert_eq!(size(SECRET_LIMIT), "64 KiB");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("SKIP: mkfifo is not available");
            return;
        }
        // A thread, so a regression blocks only it: the test fails on the timeout instead.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read_bounded(&path, 64).map_err(|e| e.to_string()));
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO must not block");
        assert_eq!(
            result.unwrap_err(),
            format!(
                "{}: a FIFO (named pipe), not a regular file",
                fifo.display()
            )
        );
    }
}
