//! The one way a device list is put together, used by every command (dashboard, `check`,
//! `wait`, `inventory`, `fix`, `known-hosts`) and by reloads: every source in order, the
//! sshtriage inventories' `[defaults]` laid over devices imported from other formats,
//! `--host` and `--cidr` devices, the user's ssh_config as OpenSSH applies it, and a
//! command-line timeout over everything.

use super::ssh_config::SshConfig;
use super::sshtriage::Inventory;
use super::{Format, Loaded, Provenance, SourceError};
use crate::device::{
    ClientRequest, Device, HostArgError, SettingVia, UsedBy, ValueSource, parse_host_arg,
};
use crate::profile::Profiles;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The inventory read when nothing at all is named and it exists.
pub const DEFAULT_INVENTORY: &str = "sshtriage.toml";

/// What to probe, as the user said it.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Inventory files or directories; `-` is standard input.
    pub sources: Vec<PathBuf>,
    /// Read every source as this format instead of detecting it.
    pub format: Option<Format>,
    /// `[user@]host[:port]` devices.
    pub hosts: Vec<String>,
    /// Address ranges, every address a device.
    pub cidr: Vec<String>,
    pub ssh_config: SshConfigChoice,
    /// Per-stage timeout over what the sources say.
    pub timeout: Option<Duration>,
    /// The client every device is checked as, over what the sources say (`--client`).
    pub client: Option<(ClientRequest, Option<UsedBy>)>,
    /// The system-wide ssh_config read after the user's; None is OpenSSH's own,
    /// `/etc/ssh/ssh_config`.
    pub system_ssh_config: Option<PathBuf>,
}

/// Which ssh_config applies to the devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SshConfigChoice {
    /// `~/.ssh/config` when it exists, as ssh reads it.
    #[default]
    User,
    /// This file (an error when it cannot be read).
    File(PathBuf),
    Off,
}

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("--host {0}")]
    Host(#[from] HostArgError),
    #[error("--cidr {0}")]
    Cidr(String),
    #[error("standard input: {0}")]
    Stdin(std::io::Error),
}

impl Selection {
    /// Nothing named: no source, host or range.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.hosts.is_empty() && self.cidr.is_empty()
    }

    /// The sources to read: those given, or `./sshtriage.toml` when nothing at all was given
    /// and it exists.
    pub fn sources_or_default(&self) -> Vec<PathBuf> {
        let default = Path::new(DEFAULT_INVENTORY);
        if self.is_empty() && default.exists() {
            return vec![default.to_path_buf()];
        }
        self.sources.clone()
    }

    /// The ssh_config file that applies, if any.
    pub fn ssh_config_path(&self) -> Option<PathBuf> {
        match &self.ssh_config {
            SshConfigChoice::Off => None,
            SshConfigChoice::File(path) => Some(path.clone()),
            SshConfigChoice::User => {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ssh/config"))
            }
        }
    }

    /// The files a watch follows to reload this selection: the sources and the ssh_config.
    /// None when a source is standard input or no file is named (`--host` alone).
    pub fn followed_files(&self) -> Option<Vec<PathBuf>> {
        if self.sources.iter().any(|s| s.as_os_str() == "-") {
            return None;
        }
        let mut paths = self.sources_or_default();
        if paths.is_empty() {
            return None;
        }
        paths.extend(self.ssh_config_path());
        Some(paths)
    }
}

/// Loads every device of the selection, with where each value came from. `profiles` maps
/// platform names of other tools (an `ansible_network_os`, a Netmiko `device_type`).
pub fn assemble(selection: &Selection, profiles: &Profiles) -> Result<Loaded, AssembleError> {
    let mut loaded = Loaded::default();
    let mut overrides = Vec::new();
    // Devices from sshtriage inventories are not overridden by their own [defaults] again.
    let mut imported = Vec::new();
    for source in &selection.sources_or_default() {
        let stdin = source.as_os_str() == "-";
        let is_toml = !stdin
            && match selection.format {
                Some(f) => f == Format::Sshtriage,
                None => super::detect(source).ok() == Some(Format::Sshtriage),
            };
        let part = if is_toml {
            // Read once: its devices, and its [defaults] for the imported ones.
            let mut inventory = Inventory::load(source)?;
            overrides.extend(inventory.defaults.take());
            super::from_inventory(inventory)
        } else if stdin {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(super::MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(AssembleError::Stdin)?;
            super::load_text(Path::new("<stdin>"), bytes, selection.format, profiles)?
        } else {
            super::load(source, selection.format, profiles)?
        };
        if part.devices.is_empty() {
            let shown = if stdin { Path::new("<stdin>") } else { source };
            loaded.held_none.push(match part.warnings.is_empty() {
                true => format!("{} held no devices", shown.display()),
                false => format!(
                    "{} held no devices ({})",
                    shown.display(),
                    part.warnings.join("; ")
                ),
            });
        }
        let start = loaded.devices.len();
        if start == 0 {
            // Moved, not copied: two arrays of every device at once was the peak of a run.
            loaded.devices = part.devices;
        } else {
            loaded.devices.extend(part.devices);
        }
        if !is_toml {
            imported.push(start..loaded.devices.len());
        }
        loaded.warnings.extend(part.warnings);
    }
    for range in imported {
        for o in &overrides {
            super::apply_overrides(&mut loaded.devices[range.clone()], o);
        }
    }
    let from_sources = loaded.devices.len();
    for arg in &selection.hosts {
        let target = parse_host_arg(arg)?;
        let mut device = Device::from_target(&target);
        device.selector = vec!["--host".to_owned(), arg.clone()];
        // A name on the command line is what `ssh NAME` takes.
        device.client.request = ClientRequest::Fixed {
            kind: crate::device::ClientKind::Openssh,
            version: None,
        };
        device.client.used_by = Some(UsedBy::Ssh);
        loaded.devices.push((device, Provenance::default()));
    }
    for net in &selection.cidr {
        let devices = super::expand_cidr(net).map_err(AssembleError::Cidr)?;
        loaded.devices.extend(devices.into_iter().map(|(mut d, p)| {
            d.selector = vec!["--cidr".to_owned(), single_address(&d.host)];
            (d, p)
        }));
    }
    set_selectors(selection, &mut loaded.devices, from_sources);
    apply_ssh_config(selection, &mut loaded)?;
    if let Some((request, used_by)) = &selection.client {
        for (device, provenance) in &mut loaded.devices {
            device.client.request = request.clone();
            device.client.used_by = *used_by;
            device.client.source = Some(ValueSource::BuiltIn("--client".into()));
            provenance.set(
                super::Field::Client,
                ValueSource::BuiltIn("--client".into()),
            );
        }
    }
    if let Some(timeout) = selection.timeout {
        loaded
            .devices
            .iter_mut()
            .for_each(|(d, _)| d.set_every_timeout(timeout, "--timeout"));
    }
    // Once ssh_config's ProxyJump is in: a loop is refused here, where it can be located.
    super::jumps::check(&loaded.devices)?;
    Ok(loaded)
}

/// Completes each device's `selector`: source devices get their NAME and every SOURCE (another
/// inventory's `[defaults]` may shape them), `--host` and `--cidr` devices keep their own
/// argument, and all get the options that shaped them. A device read from standard input
/// cannot be selected again: its selector stays empty.
fn set_selectors(selection: &Selection, devices: &mut [(Device, Provenance)], from_sources: usize) {
    let sources = selection.sources_or_default();
    let stdin = sources.iter().any(|s| s.as_os_str() == "-");
    let mut shared: Vec<String> = Vec::new();
    if let Some(format) = selection.format {
        shared.extend(["--format".to_owned(), format.name().to_owned()]);
    }
    match &selection.ssh_config {
        SshConfigChoice::User => {}
        SshConfigChoice::File(path) => {
            shared.extend(["--ssh-config".to_owned(), path.display().to_string()]);
        }
        SshConfigChoice::Off => shared.push("--no-ssh-config".to_owned()),
    }
    if let Some(arg) = selection
        .client
        .as_ref()
        .and_then(|(request, used_by)| client_arg(request, *used_by))
    {
        shared.extend(["--client".to_owned(), arg]);
    }
    if let Some(timeout) = selection.timeout {
        shared.extend([
            "--timeout".to_owned(),
            humantime::format_duration(timeout).to_string(),
        ]);
    }
    for (index, (device, _)) in devices.iter_mut().enumerate() {
        if index < from_sources {
            if stdin {
                continue;
            }
            device.selector = std::iter::once(device.name.clone())
                .chain(sources.iter().map(|s| s.display().to_string()))
                .collect();
        }
        device.selector.extend(shared.iter().cloned());
    }
}

/// `--client`'s text for a request it made.
fn client_arg(request: &ClientRequest, used_by: Option<UsedBy>) -> Option<String> {
    Some(match request {
        ClientRequest::Fixed {
            kind: crate::device::ClientKind::Libssh,
            version: None,
        } if used_by == Some(UsedBy::AnsibleNetworkCli) => "ansible-libssh".to_owned(),
        ClientRequest::Fixed {
            kind,
            version: Some(v),
        } => format!("{kind}-{v}"),
        ClientRequest::Fixed {
            kind,
            version: None,
        } => kind.to_string(),
        // Not something --client says.
        ClientRequest::Unspecified | ClientRequest::NetworkCliAuto => return None,
    })
}

/// `--cidr` for one address: `a.b.c.d/32` or `v6/128`.
fn single_address(host: &str) -> String {
    let bits = if host.contains(':') { 128 } else { 32 };
    format!("{host}/{bits}")
}

/// The system-wide file OpenSSH reads after the user's (`ssh -F` reads neither).
pub const SYSTEM_SSH_CONFIG: &str = "/etc/ssh/ssh_config";

fn apply_ssh_config(selection: &Selection, loaded: &mut Loaded) -> Result<(), SourceError> {
    let Some(path) = selection.ssh_config_path() else {
        return Ok(());
    };
    // ssh reads the user's file, then the system's; `-F FILE` (--ssh-config) only FILE.
    let files: Vec<PathBuf> = match &selection.ssh_config {
        SshConfigChoice::Off => return Ok(()),
        // A file named on purpose must be readable.
        SshConfigChoice::File(_) => vec![path.clone()],
        SshConfigChoice::User => {
            let system = selection
                .system_ssh_config
                .clone()
                .unwrap_or_else(|| PathBuf::from(SYSTEM_SSH_CONFIG));
            [path.clone(), system]
                .into_iter()
                .filter(|f| f.exists())
                .collect()
        }
    };
    let only = matches!(selection.ssh_config, SshConfigChoice::File(_));
    apply_configs(&files, &path, only, loaded)
}

/// Applies `files` in the order ssh reads them (first value wins), recording `primary` as the
/// file a fix for the device goes to.
fn apply_configs(
    files: &[PathBuf],
    primary: &Path,
    only: bool,
    loaded: &mut Loaded,
) -> Result<(), SourceError> {
    let mut configs = Vec::new();
    for file in files {
        configs.push(SshConfig::load(file)?);
    }
    for config in &configs {
        loaded
            .warnings
            .extend(config.warnings.iter().map(|w| w.to_string()));
    }
    for (device, provenance) in &mut loaded.devices {
        device
            .client
            .ssh_name
            .get_or_insert_with(|| device.host.clone());
        device.client.ssh_config_only = only;
        // Every file is matched against the name the device was given, as ssh matches them.
        let settings = configs
            .iter()
            .map(|c| c.resolve_as(&device.host, device.username.as_deref()))
            .reduce(|first, later| first.then(later));
        if let Some(settings) = settings {
            let notes = settings.apply_to(device, provenance, SettingVia::SshConfig);
            loaded.warnings.extend(notes);
        }
        // Fixes for the clients that read ssh_config go to the user's file (created if need be).
        device
            .client
            .ssh_config
            .get_or_insert_with(|| primary.to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::allowlist::Category;
    use crate::device::{ClientKind, SettingVia};

    /// OpenSSH reads the user's file, then the system's (where Containerlab drops its
    /// `ssh_config.d/clab-LAB.conf` through an Include); the first value wins.
    #[test]
    fn the_system_ssh_config_and_its_includes_apply_after_the_users() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".ssh")).expect("mkdir");
        let user = home.join(".ssh/config");
        std::fs::write(&user, "Host r1\n  Ciphers +aes128-cbc\n").expect("user config");
        let system_dir = dir.path().join("etc-ssh");
        std::fs::create_dir_all(system_dir.join("ssh_config.d")).expect("mkdir");
        let system = system_dir.join("ssh_config");
        std::fs::write(
            &system,
            format!(
                "Include {}/ssh_config.d/*.conf\nHost *\n  Ciphers aes256-ctr\n",
                system_dir.display()
            ),
        )
        .expect("system config");
        std::fs::write(
            system_dir.join("ssh_config.d/clab-lab.conf"),
            "Host r1\n  KexAlgorithms +diffie-hellman-group14-sha1\n  HostName 127.0.0.9\n",
        )
        .expect("clab config");
        let selection = Selection {
            hosts: vec!["r1".into()],
            ssh_config: SshConfigChoice::File(user.clone()),
            ..Selection::default()
        };
        // As ssh -F: only the named file.
        let profiles = Profiles::embedded();
        let only = assemble(&selection, &profiles)
            .expect("load")
            .devices
            .remove(0)
            .0;
        assert!(
            only.client
                .setting(ClientKind::Openssh, Category::Kex)
                .is_none()
        );
        assert!(only.client.ssh_config_only);
        // The user's file and then the system's, as `ssh r1` reads them.
        let mut loaded = assemble(
            &Selection {
                ssh_config: SshConfigChoice::Off,
                ..selection
            },
            &profiles,
        )
        .expect("load");
        apply_configs(&[user.clone(), system.clone()], &user, false, &mut loaded).expect("apply");
        let device = loaded.devices.remove(0).0;
        let kex = device
            .client
            .setting(ClientKind::Openssh, Category::Kex)
            .expect("from the included system file");
        assert_eq!(kex.value, "+diffie-hellman-group14-sha1");
        assert_eq!(kex.via, SettingVia::SshConfig);
        assert!(
            kex.source.to_string().contains("clab-lab.conf"),
            "{}",
            kex.source
        );
        let cipher = device
            .client
            .setting(ClientKind::Openssh, Category::Cipher)
            .expect("the user's file wins");
        assert_eq!(cipher.value, "+aes128-cbc");
        assert_eq!(device.host, "127.0.0.9");
        assert_eq!(device.client.ssh_config.as_deref(), Some(user.as_path()));
    }
}
