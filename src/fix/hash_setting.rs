//! What ssh_config says about `HashKnownHosts` for a host, so an accepted key is written the
//! way `ssh` itself would write it. Reads `~/.ssh/config`, then `/etc/ssh/ssh_config`
//! (Debian's says `HashKnownHosts yes`); the first value that applies wins, as in ssh.
//! `Host` blocks are matched against the host; `Match` blocks are not evaluated and count as
//! not applying.

use std::path::{Path, PathBuf};

use crate::algorithms::allowlist::wildcard_match;

/// Config files are small; anything larger is not read past this.
const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// `Include` depth, as ssh limits it.
const MAX_INCLUDE_DEPTH: usize = 16;
/// Files one `Include` glob may bring in.
const MAX_INCLUDED_FILES: usize = 256;

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
    hash_known_hosts_in(&default_files(), host)
}

pub fn hash_known_hosts_in(files: &[PathBuf], host: &str) -> Option<bool> {
    let host = host.to_ascii_lowercase();
    files.iter().find_map(|file| search(file, &host, 0, &mut 0))
}

fn search(file: &Path, host: &str, depth: usize, seen: &mut usize) -> Option<bool> {
    if depth > MAX_INCLUDE_DEPTH || *seen >= MAX_INCLUDED_FILES {
        return None;
    }
    *seen += 1;
    let text = read_bounded(file)?;
    let base = file.parent().unwrap_or(Path::new("/"));
    let mut applies = true;
    for line in text.lines() {
        let Some((keyword, args)) = split_directive(line) else {
            continue;
        };
        match keyword.as_str() {
            "host" => applies = host_matches(&args, host),
            "match" => applies = args.first().is_some_and(|a| a.eq_ignore_ascii_case("all")),
            "include" if applies => {
                for pattern in &args {
                    for included in expand(base, pattern) {
                        if let Some(value) = search(&included, host, depth + 1, seen) {
                            return Some(value);
                        }
                    }
                }
            }
            "hashknownhosts" if applies => {
                if let Some(value) = args.first() {
                    return Some(matches!(
                        value.to_ascii_lowercase().as_str(),
                        "yes" | "true"
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

fn read_bounded(file: &Path) -> Option<String> {
    use std::io::Read;
    // Checked before opening: opening a FIFO would wait for a writer.
    if !std::fs::metadata(file).ok()?.is_file() {
        return None;
    }
    let f = std::fs::File::open(file).ok()?;
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// `Keyword value…` or `Keyword=value…`, comments and blank lines skipped; quotes removed.
fn split_directive(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_ascii_lowercase();
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    let args = rest
        .split_whitespace()
        .map(|a| a.trim_matches('"').to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    Some((keyword, args))
}

/// ssh's `Host` rule: some pattern matches and no negated one does.
fn host_matches(patterns: &[String], host: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        let pattern = pattern.to_ascii_lowercase();
        match pattern.strip_prefix('!') {
            Some(negated) if wildcard_match(negated, host) => return false,
            Some(_) => {}
            None => matched |= wildcard_match(&pattern, host),
        }
    }
    matched
}

/// An `Include` argument: relative to the including file's directory, `~/` is home, and a
/// wildcard in the last component lists matching files in name order.
fn expand(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let path = match (pattern.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => base.join(pattern),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        return vec![path];
    }
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| wildcard_match(&name, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .take(MAX_INCLUDED_FILES)
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(hash_known_hosts_in(&files, "LAB-R1"), Some(false));
        assert_eq!(hash_known_hosts_in(&files, "10.0.0.1"), Some(true));
        assert_eq!(hash_known_hosts_in(&[system], "x"), Some(false));
        assert_eq!(
            hash_known_hosts_in(&[dir.path().join("missing")], "x"),
            None
        );
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
        assert_eq!(
            hash_known_hosts_in(std::slice::from_ref(&main), "r1"),
            Some(true)
        );
        assert_eq!(hash_known_hosts_in(&[main], "jump"), None);
    }

    #[test]
    fn an_include_loop_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let looped = write(dir.path(), "loop", "Include loop\n");
        assert_eq!(hash_known_hosts_in(&[looped], "x"), None);
    }
}
