//! known_hosts parsed once per run: every probe of a fleet reads the same files, so a file list
//! is parsed once and shared, and parsed again only when one of its files changes (watch mode,
//! an accept or prune during a session).

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::KnownHosts;

/// What says a file is still the one that was parsed: a missing file is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp(Option<(u64, u64, u64, SystemTime)>);

impl Stamp {
    fn of(path: &PathBuf) -> Stamp {
        Stamp(std::fs::metadata(path).ok().map(|m| {
            let modified = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            (m.dev(), m.ino(), m.len(), modified)
        }))
    }
}

/// One file list as parsed, with the stamps of its files then.
type Parsed = (Vec<Stamp>, Arc<KnownHosts>);

/// Parsed known_hosts by file list, shared by the probes of a run.
#[derive(Debug, Default)]
pub struct Cache {
    parsed: Mutex<HashMap<Vec<PathBuf>, Parsed>>,
}

impl Cache {
    /// The files read in order, as [`KnownHosts::load`] reads them; from the cache while no
    /// file changed (its device, inode, size and modification time).
    pub fn load(&self, files: &[PathBuf]) -> Arc<KnownHosts> {
        let stamps: Vec<Stamp> = files.iter().map(Stamp::of).collect();
        // Held while parsing, so a fleet's probes starting together parse the file once.
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((seen, known)) = parsed.get(files)
            && *seen == stamps
        {
            return known.clone();
        }
        let known = Arc::new(KnownHosts::load(files));
        parsed.insert(files.to_vec(), (stamps, known.clone()));
        known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEssfgHoCrupU2ttwAwVQkC4zo6it9ZUAJv6HPnX7t/P";

    #[test]
    fn a_file_list_is_parsed_once_and_again_when_a_file_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        std::fs::write(&file, format!("r1 {KEY}\n")).expect("write");
        let cache = Cache::default();
        let files = vec![file.clone(), dir.path().join("missing")];
        let first = cache.load(&files);
        assert!(Arc::ptr_eq(&first, &cache.load(&files)), "parsed twice");
        assert_eq!(first.lookup(&["r1"], 22).len(), 1);

        std::fs::write(&file, format!("r1 {KEY}\nr2 {KEY}\n")).expect("rewrite");
        let second = cache.load(&files);
        assert!(
            !Arc::ptr_eq(&first, &second),
            "a changed file was not read again"
        );
        assert_eq!(second.lookup(&["r2"], 22).len(), 1);

        std::fs::write(dir.path().join("missing"), format!("r3 {KEY}\n")).expect("create");
        assert_eq!(cache.load(&files).lookup(&["r3"], 22).len(), 1);
    }
}
