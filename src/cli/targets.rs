//! What to probe: inventories of any supported format (detected, or forced with `--format`),
//! `--host` and `--cidr`, with the user's ssh_config applied as OpenSSH would.

use super::RunArgs;
use crate::inventory::{Device, parse_host_arg};
use crate::profile::Profiles;
use crate::sources::ssh_config::SshConfig;
use crate::sources::{self, Format, Loaded, Provenance};
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone, Default)]
pub struct Targets {
    /// Inventories: sshtriage TOML, a Containerlab topology, lab directory (clab-NAME/),
    /// topology-data.json or `clab inspect --format json` output, an Ansible YAML or INI
    /// inventory, or a list of addresses; `-` reads standard input. Default: ./sshtriage.toml.
    #[arg(env = "SSHTRIAGE_INVENTORY", value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// Force the format of every SOURCE instead of detecting it.
    #[arg(long, env = "SSHTRIAGE_FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
    /// A device as [user@]host[:port] (IPv6: [::1]:2222). Repeatable.
    #[arg(long = "host", value_name = "[USER@]HOST[:PORT]")]
    pub hosts: Vec<String>,
    /// Every address of a range, e.g. 127.0.10.0/28 (at most 4096 addresses). Repeatable.
    #[arg(long, value_name = "NET")]
    pub cidr: Vec<String>,
    /// Do not apply ~/.ssh/config to the devices.
    #[arg(long, env = "SSHTRIAGE_NO_SSH_CONFIG")]
    pub no_ssh_config: bool,
    /// The ssh_config to apply instead of ~/.ssh/config.
    #[arg(long, env = "SSHTRIAGE_SSH_CONFIG", value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse::<Format>().map_err(|e| e.to_string())
}

impl Targets {
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.hosts.is_empty() && self.cidr.is_empty()
    }

    /// The sources to read: those given, or `./sshtriage.toml` when nothing was given and
    /// it exists.
    pub fn sources_or_default(&self) -> Vec<PathBuf> {
        let default = Path::new("sshtriage.toml");
        if self.is_empty() && default.exists() {
            return vec![default.to_path_buf()];
        }
        self.sources.clone()
    }

    /// The ssh_config that applies: `--ssh-config`, else `~/.ssh/config`; None with
    /// `--no-ssh-config` or without a home.
    pub fn ssh_config_path(&self) -> Option<PathBuf> {
        if self.no_ssh_config {
            return None;
        }
        let user = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ssh/config"));
        self.ssh_config.clone().or(user)
    }
}

/// Loads every device, with where each value came from.
pub fn load(targets: &Targets, run: &RunArgs) -> Result<Loaded, String> {
    // The user's own profiles may add aliases (an ansible_network_os, a Netmiko device_type).
    let profiles =
        Profiles::with_user_dir(super::user_profile_dir().as_deref()).map_err(|e| e.to_string())?;
    let mut loaded = Loaded {
        devices: Vec::new(),
        warnings: Vec::new(),
    };
    let sources = targets.sources_or_default();
    let mut overrides = Vec::new();
    // Devices from sshtriage inventories are not overridden by their own [defaults] again.
    let mut imported = Vec::new();
    for source in &sources {
        let is_toml = source.as_os_str() != "-"
            && match targets.format {
                Some(f) => f == Format::Sshtriage,
                None => sources::detect(source).ok() == Some(Format::Sshtriage),
            };
        let part = if is_toml {
            // Read once: its devices, and its [defaults] for the imported ones.
            let mut inventory =
                crate::inventory::Inventory::load(source).map_err(|e| e.to_string())?;
            overrides.extend(inventory.defaults.take());
            Ok(sources::from_inventory(inventory))
        } else if source.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(sources::MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("standard input: {e}"))?;
            sources::load_text(Path::new("<stdin>"), bytes, targets.format, &profiles)
        } else {
            sources::load(source, targets.format, &profiles)
        }
        .map_err(|e| e.to_string())?;
        let start = loaded.devices.len();
        loaded.devices.extend(part.devices);
        if !is_toml {
            imported.push(start..loaded.devices.len());
        }
        loaded.warnings.extend(part.warnings);
    }
    for range in imported {
        for o in &overrides {
            sources::apply_overrides(&mut loaded.devices[range.clone()], o);
        }
    }
    for arg in &targets.hosts {
        let target = parse_host_arg(arg).map_err(|e| format!("--host {e}"))?;
        loaded
            .devices
            .push((Device::from_target(&target), Provenance::default()));
    }
    for net in &targets.cidr {
        loaded
            .devices
            .extend(sources::expand_cidr(net).map_err(|e| format!("--cidr {e}"))?);
    }
    apply_ssh_config(targets, &mut loaded)?;
    if let Some(timeout) = run.timeout {
        loaded
            .devices
            .iter_mut()
            .for_each(|(d, _)| d.timeout = timeout);
    }
    Ok(loaded)
}

fn apply_ssh_config(targets: &Targets, loaded: &mut Loaded) -> Result<(), String> {
    let Some(path) = targets.ssh_config_path() else {
        return Ok(());
    };
    if targets.ssh_config.is_none() && !path.exists() {
        return Ok(());
    }
    let config = SshConfig::load(&path).map_err(|e| e.to_string())?;
    loaded
        .warnings
        .extend(config.warnings.iter().map(|w| w.to_string()));
    for (device, provenance) in &mut loaded.devices {
        loaded.warnings.extend(config.apply(device, provenance));
    }
    Ok(())
}
