//! What to probe, as the command line says it: inventories of any supported format (detected,
//! or forced with `--format`), `--host` and `--cidr`, and which ssh_config applies. The
//! sources assemble the device list from it (`sources::assemble`), for every command alike.

use crate::device::{ClientRequest, UnknownClient, UsedBy, parse_client};
use crate::sources::{Format, Selection, SshConfigChoice};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

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
    #[arg(long, env = "SSHTRIAGE_NO_SSH_CONFIG", value_parser = super::boolish())]
    pub no_ssh_config: bool,
    /// The ssh_config to apply instead of ~/.ssh/config and /etc/ssh/ssh_config, as ssh -F.
    #[arg(long, env = "SSHTRIAGE_SSH_CONFIG", value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// The SSH client you run against every device, whatever the sources say: openssh,
    /// paramiko, netmiko, libssh, ansible-libssh, scrapli or russh, optionally with a version
    /// (paramiko-3.5). Verdicts are that client's.
    #[arg(long, env = "SSHTRIAGE_CLIENT", value_name = "CLIENT", value_parser = parse_client_arg)]
    pub client: Option<(ClientRequest, Option<UsedBy>)>,
}

fn parse_client_arg(text: &str) -> Result<(ClientRequest, Option<UsedBy>), UnknownClient> {
    parse_client(text)
}

fn parse_format(text: &str) -> Result<Format, crate::sources::UnknownFormat> {
    text.parse::<Format>()
}

impl Targets {
    /// What a saved run records of these arguments (`crate::run::RunInputs`).
    pub fn run_inputs(&self, command: &str) -> crate::run::RunInputs {
        crate::run::RunInputs::new(command, &self.sources, &self.hosts, &self.cidr)
    }

    /// The selection these arguments make, with a per-stage timeout over every device.
    pub fn selection(&self, timeout: Option<Duration>) -> Selection {
        let ssh_config = match (&self.ssh_config, self.no_ssh_config) {
            (_, true) => SshConfigChoice::Off,
            (Some(path), false) => SshConfigChoice::File(path.clone()),
            (None, false) => SshConfigChoice::User,
        };
        Selection {
            sources: self.sources.clone(),
            format: self.format,
            hosts: self.hosts.clone(),
            cidr: self.cidr.clone(),
            ssh_config,
            timeout,
            client: self.client.clone(),
            system_ssh_config: None,
        }
    }
}
