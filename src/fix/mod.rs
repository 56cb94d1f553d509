//! Fixes that are proven: a legacy-algorithm allow-list written into the device's inventory
//! entry and verified by probing again (rolled back when it does not help), and known_hosts
//! repair for a device whose key changed. The CLI and the dashboard's engine side both use
//! this; nothing here draws. `ssh_config_edit` and `ansible_edit` write algorithm options
//! where the engineer's own clients read them (an ssh_config, an Ansible inventory), placed
//! so they take effect and read back before anything is written.

pub mod algorithms;
pub mod ansible_edit;
pub mod atomic;
pub mod diff;
pub mod hash_setting;
pub mod host_key;
pub mod inventory_edit;
pub mod session;
pub mod ssh_config_edit;

use std::io;
use std::path::PathBuf;

pub use session::FixContext;

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{} is not a regular file; refusing to edit it", .0.display())]
    NotRegularFile(PathBuf),
    #[error("{} changed since it was read; nothing was written (run the fix again)", .0.display())]
    ChangedMeanwhile(PathBuf),
    #[error("{0}")]
    Inventory(String),
    #[error("{0}")]
    KnownHosts(String),
}
