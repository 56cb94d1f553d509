//! Which client profile stands for a device's client: the version installed on this machine
//! (`ssh -V`, the Paramiko, Netmiko or ansible-pylibssh of `--python`), else the newest
//! profile of that family, or the version the source pins. Ansible network_cli's `auto`
//! becomes libssh or Paramiko by what that Python can import, as ansible.netcommon decides.

use super::clients::{ClientProfile, Family, client_profile, client_profiles};
use super::local::{bundled_libssh, closest};
use crate::device::{ClientKind, ClientRequest, DeviceClient, UsedBy};
use crate::model::LocalClients;

/// A device's client, resolved to a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub kind: ClientKind,
    pub profile: &'static ClientProfile,
    /// "OpenSSH 9.2p1 on this machine"; None when the newest profile is assumed.
    pub here: Option<String>,
    pub used_by: Option<UsedBy>,
    /// Why this client: what the source said, or that it said nothing.
    pub why: String,
}

/// The device's client and the others its source might use instead (network_cli's other
/// transport; any common client when the source does not say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSet {
    pub primary: Resolved,
    pub alternatives: Vec<Resolved>,
}

/// The profile family a kind of client runs.
pub fn family(kind: ClientKind) -> Family {
    match kind {
        ClientKind::Openssh | ClientKind::Scrapli => Family::Openssh,
        ClientKind::Paramiko => Family::Paramiko,
        ClientKind::Netmiko => Family::Netmiko,
        ClientKind::Libssh => Family::Libssh,
        ClientKind::Russh => Family::Russh,
    }
}

pub fn resolve(client: &DeviceClient, local: &LocalClients) -> ClientSet {
    let one = |kind, version: Option<&str>, why: String| {
        let (profile, here) = profile_for(kind, version, local);
        Resolved {
            kind,
            profile,
            here,
            used_by: client.used_by,
            why,
        }
    };
    let place = client
        .source
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    match &client.request {
        ClientRequest::Fixed { kind, version } => ClientSet {
            primary: one(
                *kind,
                version.as_deref(),
                format!("the inventory says client {}{place}", kind),
            ),
            alternatives: Vec::new(),
        },
        ClientRequest::NetworkCliAuto => {
            let (kind, other, why) = match &local.pylibssh {
                Some(v) => (
                    ClientKind::Libssh,
                    ClientKind::Paramiko,
                    format!(
                        "ansible_network_cli_ssh_type auto{place}: {} imports ansible-pylibssh {v}",
                        local.python
                    ),
                ),
                None => (
                    ClientKind::Paramiko,
                    ClientKind::Libssh,
                    format!(
                        "ansible_network_cli_ssh_type auto{place}: {} cannot import ansible-pylibssh",
                        local.python
                    ),
                ),
            };
            ClientSet {
                primary: one(kind, None, why),
                alternatives: vec![one(
                    other,
                    None,
                    "network_cli's other transport (ansible_network_cli_ssh_type)".into(),
                )],
            }
        }
        ClientRequest::Unspecified => ClientSet {
            primary: one(
                ClientKind::Openssh,
                None,
                "no client named (set `client` or --client); OpenSSH, the one you type, assumed"
                    .into(),
            ),
            alternatives: [ClientKind::Paramiko, ClientKind::Libssh]
                .into_iter()
                .map(|k| {
                    one(
                        k,
                        None,
                        "another client this inventory might be used with".into(),
                    )
                })
                .collect(),
        },
    }
}

/// The profile of a pinned version, else this machine's, else the newest of the family.
fn profile_for(
    kind: ClientKind,
    pinned: Option<&str>,
    local: &LocalClients,
) -> (&'static ClientProfile, Option<String>) {
    let family = family(kind);
    if let Some(version) = pinned {
        let exact = client_profile(&format!("{}-{version}", family_name(family)));
        if let Some(p) = exact.or_else(|| closest(family, version)) {
            return (p, None);
        }
    }
    let installed: Option<(String, String)> = match kind {
        ClientKind::Openssh | ClientKind::Scrapli => local
            .openssh
            .clone()
            .map(|v| (v.clone(), format!("OpenSSH {v} on this machine"))),
        ClientKind::Paramiko => local.paramiko.clone().map(|v| {
            (
                v.clone(),
                format!("Paramiko {v} on this machine ({})", local.python),
            )
        }),
        ClientKind::Netmiko => local.netmiko.clone().map(|v| {
            (
                v.clone(),
                format!("Netmiko {v} on this machine ({})", local.python),
            )
        }),
        ClientKind::Libssh => local.pylibssh.as_deref().and_then(|v| {
            bundled_libssh(v).map(|libssh| {
                (
                    libssh.to_owned(),
                    format!(
                        "ansible-pylibssh {v} (libssh {libssh}) on this machine ({})",
                        local.python
                    ),
                )
            })
        }),
        ClientKind::Russh => None,
    };
    // Netmiko does what the Paramiko under it does.
    if kind == ClientKind::Netmiko
        && let Some(paramiko) = &local.paramiko
        && let Some(p) = closest(Family::Paramiko, paramiko)
    {
        let here = installed.map(|(_, here)| format!("{here} on Paramiko {paramiko}"));
        return (p, here);
    }
    if let Some((version, here)) = installed
        && let Some(p) = closest(family, &version)
    {
        return (p, Some(here));
    }
    (newest(family), None)
}

fn newest(family: Family) -> &'static ClientProfile {
    client_profiles()
        .iter()
        .rfind(|p| p.family == family)
        .expect("every family has a profile")
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::Openssh => "openssh",
        Family::Paramiko => "paramiko",
        Family::Netmiko => "netmiko",
        Family::Libssh => "libssh",
        Family::Russh => "russh",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(
        openssh: Option<&str>,
        paramiko: Option<&str>,
        pylibssh: Option<&str>,
    ) -> LocalClients {
        LocalClients {
            openssh: openssh.map(str::to_owned),
            python: "python3".into(),
            paramiko: paramiko.map(str::to_owned),
            netmiko: None,
            pylibssh: pylibssh.map(str::to_owned),
        }
    }

    fn fixed(kind: ClientKind, version: Option<&str>) -> DeviceClient {
        DeviceClient {
            request: ClientRequest::Fixed {
                kind,
                version: version.map(str::to_owned),
            },
            ..DeviceClient::default()
        }
    }

    #[test]
    fn the_installed_version_else_the_newest_profile() {
        let set = resolve(
            &fixed(ClientKind::Paramiko, None),
            &local(None, Some("3.5.1"), None),
        );
        assert_eq!(set.primary.profile.id, "paramiko-3.5");
        assert!(set.primary.here.as_deref().unwrap().contains("3.5.1"));
        let set = resolve(&fixed(ClientKind::Paramiko, None), &local(None, None, None));
        assert_eq!(set.primary.profile.id, "paramiko-5.1");
        assert_eq!(set.primary.here, None);
        let set = resolve(
            &fixed(ClientKind::Paramiko, Some("4.0")),
            &local(None, Some("3.5.1"), None),
        );
        assert_eq!(
            set.primary.profile.id, "paramiko-4.0",
            "a pinned version wins"
        );
    }

    #[test]
    fn network_cli_auto_follows_what_python_imports() {
        let auto = DeviceClient {
            request: ClientRequest::NetworkCliAuto,
            used_by: Some(UsedBy::AnsibleNetworkCli),
            ..DeviceClient::default()
        };
        let set = resolve(&auto, &local(None, Some("5.0.0"), Some("1.3.0")));
        assert_eq!(set.primary.kind, ClientKind::Libssh);
        assert_eq!(set.primary.profile.id, "libssh-0.11");
        assert_eq!(set.alternatives[0].kind, ClientKind::Paramiko);
        let set = resolve(&auto, &local(None, Some("5.0.0"), None));
        assert_eq!(set.primary.kind, ClientKind::Paramiko);
        assert_eq!(set.primary.profile.id, "paramiko-5.0");
    }

    #[test]
    fn an_unnamed_client_is_openssh_with_the_others_checked() {
        let set = resolve(&DeviceClient::default(), &local(Some("9.2p1"), None, None));
        assert_eq!(set.primary.profile.id, "openssh-9.2");
        let kinds: Vec<ClientKind> = set.alternatives.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [ClientKind::Paramiko, ClientKind::Libssh]);
    }
}
