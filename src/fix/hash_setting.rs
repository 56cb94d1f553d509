//! What ssh_config says about `HashKnownHosts` for a host, so an accepted key is written the
//! way `ssh` itself would write it. Reads `~/.ssh/config`, then `/etc/ssh/ssh_config`
//! (Debian's says `HashKnownHosts yes`) with the same ssh_config reader the sources use
//! (Host and Match blocks, Include); the first value that applies wins, as in ssh.

use std::path::{Path, PathBuf};

use crate::sources::ssh_config::SshConfig;

/// The user's and the system's config, in the order ssh reads them.
pub fn default_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        files.push(PathBuf::from(home).join(".ssh/config"));
    }
    files.push(PathBuf::from("/etc/ssh/ssh_config"));
    files
}

/// `Some(true)` when the first applicable `HashKnownHosts` says yes; None when none is set.
pub fn hash_known_hosts(host: &str) -> Option<bool> {
    default_files()
        .iter()
        .find_map(|file| setting(file, SshConfig::load, host))
}

/// The value `file` (loaded by `load`) gives `host`. A file that is missing, not a regular
/// file (a FIFO would block the read) or does not parse says nothing.
fn setting(
    file: &Path,
    load: impl FnOnce(&Path) -> Result<SshConfig, crate::sources::SourceError>,
    host: &str,
) -> Option<bool> {
    if !file.is_file() {
        return None;
    }
    let config = load(file).ok()?;
    config.resolve(host).hash_known_hosts.map(|s| s.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first value the files give, relative Includes resolved next to each file.
    fn hash_in(files: &[PathBuf], host: &str) -> Option<bool> {
        files.iter().find_map(|file| {
            let dir = file.parent().expect("a directory");
            setting(
                file,
                |f| SshConfig::load_with(f, dir, Some("/home/u")),
                host,
            )
        })
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn first_applicable_value_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let user = write(
            dir.path(),
            "user",
            "Host lab-*\n  HashKnownHosts no\nHost *\n  HashKnownHosts=yes\n",
        );
        let system = write(dir.path(), "system", "HashKnownHosts no\n");
        let files = [user, system.clone()];
        assert_eq!(hash_in(&files, "lab-r1"), Some(false));
        // As `ssh -G LAB-R1`: Host patterns compare case-sensitively, so `lab-*` does not apply.
        assert_eq!(hash_in(&files, "LAB-R1"), Some(true));
        assert_eq!(hash_in(&files, "10.0.0.1"), Some(true));
        assert_eq!(hash_in(&[system], "x"), Some(false));
        assert_eq!(hash_in(&[dir.path().join("missing")], "x"), None);
    }

    #[test]
    fn negation_match_blocks_and_includes() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "conf.d/10-hash.conf",
            "Host *\n HashKnownHosts yes\n",
        );
        write(dir.path(), "conf.d/notes.txt", "HashKnownHosts no\n");
        let main = write(
            dir.path(),
            "main",
            "Host * !jump\n  Include conf.d/*.conf\nMatch exec \"true\"\n  HashKnownHosts no\n",
        );
        assert_eq!(hash_in(std::slice::from_ref(&main), "r1"), Some(true));
        assert_eq!(hash_in(&[main], "jump"), None);
    }

    #[test]
    fn an_include_loop_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let looped = write(dir.path(), "loop", "Include loop\n");
        assert_eq!(hash_in(&[looped], "x"), None);
    }
}
