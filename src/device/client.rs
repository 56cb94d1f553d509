//! Which SSH client the engineer runs against a device, and the algorithm settings that client
//! reads. A verdict is about that client (their `ssh` with their ssh_config, their Paramiko,
//! Ansible's libssh), not about sshtriage's own probe, which is only the instrument.

use super::ValueSource;
use crate::algorithms::allowlist::Category;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// An SSH client implementation, as the engineer's tools run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// OpenSSH's `ssh`: typed by hand, Ansible's `ssh` connection, ProxyJump.
    Openssh,
    /// Paramiko used directly (Ansible network_cli with ssh_type paramiko).
    Paramiko,
    /// Paramiko under Netmiko (Netmiko, Nornir's netmiko plugin).
    Netmiko,
    /// libssh through ansible-pylibssh (Ansible network_cli with ssh_type libssh).
    Libssh,
    /// OpenSSH run by scrapli's system transport, with `-F /dev/null` unless
    /// `ssh_config_file` is set.
    Scrapli,
    /// sshtriage's own probe (russh).
    Russh,
}

impl ClientKind {
    pub const ALL: [ClientKind; 6] = [
        ClientKind::Openssh,
        ClientKind::Paramiko,
        ClientKind::Netmiko,
        ClientKind::Libssh,
        ClientKind::Scrapli,
        ClientKind::Russh,
    ];

    /// The name in inventories and on the command line (`client = "paramiko"`).
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Openssh => "openssh",
            ClientKind::Paramiko => "paramiko",
            ClientKind::Netmiko => "netmiko",
            ClientKind::Libssh => "libssh",
            ClientKind::Scrapli => "scrapli",
            ClientKind::Russh => "russh",
        }
    }

    /// Which settings this client reads, in the order they take effect (the first value of
    /// a category wins).
    pub fn reads(self) -> &'static [SettingVia] {
        match self {
            // `-o` on the command line beats the config files (ssh(1)).
            ClientKind::Openssh => &[SettingVia::CommandLine, SettingVia::SshConfig],
            // scrapli runs ssh with `-F /dev/null`: only its `open_cmd` options count.
            ClientKind::Scrapli => &[SettingVia::CommandLine],
            // libssh parses the config files after the application's options, so the files win.
            ClientKind::Libssh => &[SettingVia::SshConfig, SettingVia::LibsshOption],
            ClientKind::Paramiko | ClientKind::Netmiko => &[SettingVia::DisabledAlgorithms],
            ClientKind::Russh => &[SettingVia::Probe],
        }
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who runs the client, for sentences ("Paramiko 5.1, used by your Ansible network_cli").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsedBy {
    /// `ansible_connection: network_cli`.
    AnsibleNetworkCli,
    /// `ansible_connection: ssh` (OpenSSH with the host's ssh args).
    AnsibleSsh,
    /// `ansible_connection: paramiko`.
    AnsibleParamiko,
    /// ssh_config `Host` names and `--host` devices: `ssh NAME`.
    Ssh,
    /// Netmiko `ConnectHandler` definitions run by the engineer's scripts.
    Netmiko,
    /// A Nornir inventory's connection plugin (nornir_netmiko, nornir_paramiko, …).
    Nornir,
    /// A NetPulse request's driver.
    #[serde(rename = "netpulse")]
    NetPulse,
}

impl UsedBy {
    /// "your Ansible network_cli", for "…, used by your Ansible network_cli".
    pub fn phrase(self) -> &'static str {
        match self {
            UsedBy::AnsibleNetworkCli => "your Ansible network_cli",
            UsedBy::AnsibleSsh => "your Ansible ssh connection",
            UsedBy::AnsibleParamiko => "your Ansible paramiko connection",
            UsedBy::Ssh => "ssh",
            UsedBy::Netmiko => "your Netmiko scripts",
            UsedBy::Nornir => "your Nornir tasks",
            UsedBy::NetPulse => "your NetPulse workers",
        }
    }
}

/// What a device's source says about its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientRequest {
    /// The source does not say. OpenSSH, the client an engineer types, is the verdict's; the
    /// other families are checked too and named when they would fail.
    Unspecified,
    /// This client; `version` when the source pins one (`paramiko-3.5`).
    Fixed {
        kind: ClientKind,
        version: Option<String>,
    },
    /// Ansible network_cli with `ansible_network_cli_ssh_type: auto`: libssh when
    /// ansible-pylibssh is importable by the Python that runs Ansible, else Paramiko.
    NetworkCliAuto,
}

/// Where a client reads an algorithm setting from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingVia {
    /// `ssh -o Option=value`: Ansible's ssh args, scrapli's `open_cmd`.
    CommandLine,
    /// An ssh_config file the client reads (OpenSSH, libssh).
    SshConfig,
    /// Paramiko's and Netmiko's `disabled_algorithms`: names to remove.
    DisabledAlgorithms,
    /// ansible-pylibssh options (`ansible_libssh_key_exchange_algorithms`, …).
    LibsshOption,
    /// sshtriage's `[device.algorithms]`: its own probe's list.
    Probe,
}

/// One algorithm setting as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmSetting {
    pub category: Category,
    /// OpenSSH syntax (`+a,b`, `-a`, `^a`, `a,b`); for `DisabledAlgorithms`, the names removed.
    pub value: String,
    pub via: SettingVia,
    pub source: ValueSource,
}

/// A device's client: what its source asks for and every algorithm setting it might read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceClient {
    pub request: ClientRequest,
    pub used_by: Option<UsedBy>,
    /// Where the request was written, when a file said it.
    pub source: Option<ValueSource>,
    /// In the order they were read; `ClientKind::reads` says which apply and which wins.
    pub settings: Vec<AlgorithmSetting>,
    /// The ssh_config file the client reads for this device (a fix for OpenSSH goes there).
    pub ssh_config: Option<PathBuf>,
    /// Read alone, as `ssh -F FILE` reads it (`--ssh-config`); else the user's file, then
    /// the system's.
    pub ssh_config_only: bool,
    /// The name ssh is given for this device (its `Host` patterns match this), before any
    /// `HostName` replaced it.
    pub ssh_name: Option<String>,
}

impl Default for DeviceClient {
    fn default() -> Self {
        DeviceClient {
            request: ClientRequest::Unspecified,
            used_by: None,
            source: None,
            settings: Vec::new(),
            ssh_config: None,
            ssh_config_only: false,
            ssh_name: None,
        }
    }
}

impl DeviceClient {
    /// The setting a client of `kind` uses for `category`: the first of the kinds of setting
    /// it reads, in its order.
    pub fn setting(&self, kind: ClientKind, category: Category) -> Option<&AlgorithmSetting> {
        kind.reads().iter().find_map(|via| {
            self.settings
                .iter()
                .find(|s| s.via == *via && s.category == category)
        })
    }

    /// Adds a setting unless one of the same kind already set the category (first wins).
    pub fn add_setting(&mut self, setting: AlgorithmSetting) {
        let taken = self
            .settings
            .iter()
            .any(|s| s.via == setting.via && s.category == setting.category);
        if !taken {
            self.settings.push(setting);
        }
    }
}

/// Why a `client = …` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown client `{0}`: one of openssh, paramiko, netmiko, libssh, ansible-libssh, scrapli, russh, optionally with a version (paramiko-3.5)"
)]
pub struct UnknownClient(pub String);

/// `openssh`, `paramiko-3.5`, `ansible-libssh`, … as a request and who uses it.
pub fn parse_client(text: &str) -> Result<(ClientRequest, Option<UsedBy>), UnknownClient> {
    let text = text.trim().to_ascii_lowercase();
    if text == "ansible-libssh" {
        return Ok((
            ClientRequest::Fixed {
                kind: ClientKind::Libssh,
                version: None,
            },
            Some(UsedBy::AnsibleNetworkCli),
        ));
    }
    let (name, version) = match text.split_once('-') {
        Some((name, version))
            if !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            (name.to_owned(), Some(version.to_owned()))
        }
        _ => (text.clone(), None),
    };
    let kind = ClientKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| UnknownClient(text.clone()))?;
    Ok((ClientRequest::Fixed { kind, version }, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_parse_with_and_without_a_version() {
        assert_eq!(
            parse_client("paramiko-3.5").unwrap().0,
            ClientRequest::Fixed {
                kind: ClientKind::Paramiko,
                version: Some("3.5".into())
            }
        );
        assert_eq!(
            parse_client("OpenSSH").unwrap().0,
            ClientRequest::Fixed {
                kind: ClientKind::Openssh,
                version: None
            }
        );
        let (request, used_by) = parse_client("ansible-libssh").unwrap();
        assert_eq!(used_by, Some(UsedBy::AnsibleNetworkCli));
        assert!(matches!(
            request,
            ClientRequest::Fixed {
                kind: ClientKind::Libssh,
                ..
            }
        ));
        assert!(parse_client("putty").is_err());
        assert!(parse_client("paramiko-x").is_err());
    }

    #[test]
    fn the_first_setting_a_client_reads_wins() {
        let mut client = DeviceClient::default();
        let set = |via, value: &str| AlgorithmSetting {
            category: Category::Kex,
            value: value.into(),
            via,
            source: ValueSource::BuiltIn("test".into()),
        };
        client.add_setting(set(SettingVia::SshConfig, "+from-config"));
        client.add_setting(set(SettingVia::CommandLine, "+from-args"));
        client.add_setting(set(SettingVia::CommandLine, "+later-args"));
        let value = |kind| {
            client
                .setting(kind, Category::Kex)
                .map(|s| s.value.as_str())
        };
        assert_eq!(value(ClientKind::Openssh), Some("+from-args"));
        assert_eq!(value(ClientKind::Libssh), Some("+from-config"));
        assert_eq!(value(ClientKind::Paramiko), None);
    }
}
