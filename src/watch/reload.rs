//! Reloading the inventory while watching: notice that the file changed, load it again, and
//! tell which devices came, went or changed.

use crate::device::{Device, Origin};
use crate::engine::Shared;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Loads the device list again, or says why it cannot (shown to the user as is).
pub type Loader = Arc<dyn Fn() -> Result<Loaded, LoadError> + Send + Sync>;

/// Why a reload failed: whatever the loader's own error says.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct LoadError(pub Box<dyn std::error::Error + Send + Sync>);

impl From<String> for LoadError {
    fn from(message: String) -> LoadError {
        LoadError(message.into())
    }
}

impl From<&str> for LoadError {
    fn from(message: &str) -> LoadError {
        LoadError(message.into())
    }
}

/// A freshly loaded device list.
pub struct Loaded {
    pub devices: Vec<Device>,
    pub warnings: Vec<String>,
    /// The run's shared data rebuilt for the new list (its jump hosts); None keeps the
    /// current one. Attempts already running finish with the old one.
    pub shared: Option<Arc<Shared>>,
}

/// Where the device list comes from, for a watch that follows edits.
#[derive(Clone)]
pub struct Reload {
    /// The files whose modification time and size are polled (for a directory, its own
    /// time: files added or removed).
    pub paths: Vec<PathBuf>,
    /// How often to look (about a second is plenty for a person editing).
    pub every: Duration,
    pub load: Loader,
}

impl std::fmt::Debug for Reload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reload")
            .field("paths", &self.paths)
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

/// What identifies a version of the files cheaply. A missing file is a version too (None):
/// editors that save by rename make it vanish for a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(Vec<Option<(SystemTime, u64)>>);

impl Reload {
    pub fn stamp(&self) -> Stamp {
        Stamp(
            self.paths
                .iter()
                .map(|path| {
                    std::fs::metadata(path)
                        .ok()
                        .and_then(|m| Some((m.modified().ok()?, m.len())))
                })
                .collect(),
        )
    }
}

/// True when two entries would be probed the same way. Where a device is defined (its line)
/// does not count: adding a device above another does not change the other.
pub fn same_device(a: &Device, b: &Device) -> bool {
    let plain = |d: &Device| {
        let mut d = d.clone();
        d.origin = Origin::CommandLine;
        // Where a timeout was written moves with the device; its length is compared below.
        d.timeouts = Default::default();
        // Debug hides secrets, so they are compared on their own below.
        format!("{d:?}")
    };
    plain(a) == plain(b)
        && a.secrets() == b.secrets()
        && a.timeouts.durations() == b.timeouts.durations()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::sshtriage::Inventory;
    use std::path::Path;

    fn parse(text: &str) -> Vec<Device> {
        Inventory::parse(Path::new("lab.toml"), text)
            .expect("inventory")
            .devices
    }

    #[test]
    fn moving_a_device_is_not_changing_it_but_a_new_password_is() {
        let before =
            parse("[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\npassword = \"a1b2c3\"\n");
        let moved = parse(
            "# a comment\n\n[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\npassword = \"a1b2c3\"\n",
        );
        let new_pw =
            parse("[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\npassword = \"zzz999\"\n");
        let new_port = parse(
            "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = 2222\npassword = \"a1b2c3\"\n",
        );
        assert!(same_device(&before[0], &moved[0]));
        assert!(!same_device(&before[0], &new_pw[0]));
        assert!(!same_device(&before[0], &new_port[0]));
    }

    #[test]
    fn stamps_change_with_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lab.toml");
        let reload = Reload {
            paths: vec![dir.path().join("other.toml"), path.clone()],
            every: Duration::from_secs(1),
            load: Arc::new(|| Err("not used".into())),
        };
        let missing = reload.stamp();
        std::fs::write(&path, "a").expect("write");
        let one = reload.stamp();
        assert_ne!(missing, one);
        std::fs::write(&path, "ab").expect("write");
        assert_ne!(
            one,
            reload.stamp(),
            "size differs even within one mtime tick"
        );
    }
}
