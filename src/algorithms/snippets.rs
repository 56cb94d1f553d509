//! Copy-ready text that applies a fix for one device: an `~/.ssh/config` block, Ansible
//! host_vars, a Netmiko argument, an sshtriage inventory table, or a plain statement when the
//! client cannot be told anything.

use super::allowlist::Category;
use super::clients::{ClientProfile, Family};
use super::compat::{Compatibility, Fix, join_and};
use crate::model::AlgorithmLists;
use serde::Serialize;

/// The device a snippet is for. Values come from the inventory and are sanitised on output.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRef<'a> {
    pub name: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub user: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnippetKind {
    SshConfig,
    AnsibleSsh,
    AnsibleNetworkCli,
    /// ansible-pylibssh options and the ssh_config lines libssh reads.
    AnsibleLibssh,
    Netmiko,
    Inventory,
    /// Nothing to paste: the client works as shipped, or no option of it can work.
    Statement,
}

impl SnippetKind {
    /// Whether `line` of a snippet of this kind is text to paste (a config line, a comment in
    /// it, a keyword argument), which must stay whole, or a sentence to read.
    pub fn is_paste(self, line: &str) -> bool {
        match self {
            SnippetKind::SshConfig
            | SnippetKind::AnsibleSsh
            | SnippetKind::AnsibleLibssh
            | SnippetKind::Inventory => true,
            SnippetKind::AnsibleNetworkCli | SnippetKind::Statement => false,
            // Sentences, except the SHA-1 advice: its comment lines and the argument.
            SnippetKind::Netmiko => line.starts_with('#') || line == NETMIKO_SHA1_PUBKEYS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub kind: SnippetKind,
    pub title: String,
    pub text: String,
}

/// Stands for the client's name in snippets made for a profile named so: the snippets of
/// clients that differ only by their names are then equal, and [`name_clients`] makes one
/// of them name every client it is for. Not printable, so a test catches it if it leaks.
pub const SOME_CLIENTS: &str = "\u{1}clients\u{1}";

/// `text` with [`SOME_CLIENTS`] replaced by the clients' names (`Paramiko 5.0 and
/// Paramiko 5.1`). Every sentence that holds it reads for one client or several.
pub fn name_clients(text: &str, names: &[String]) -> String {
    text.replace(SOME_CLIENTS, &join_and(names))
}

/// The Paramiko argument that stops rsa-sha2 user-key signatures (paramiko issue #1961).
pub const NETMIKO_SHA1_PUBKEYS: &str =
    r#"disabled_algorithms={"pubkeys": ["rsa-sha2-256", "rsa-sha2-512"]}"#;

/// The snippets that matter for this client, by family.
pub fn snippets_for(
    device: &DeviceRef<'_>,
    client: &ClientProfile,
    compat: &Compatibility,
    server: &AlgorithmLists,
) -> Vec<Snippet> {
    let snippet = |kind, title: &str, text: String| Snippet {
        kind,
        title: title.to_owned(),
        text,
    };
    match client.family {
        Family::Paramiko => vec![snippet(
            SnippetKind::AnsibleNetworkCli,
            "Ansible network_cli",
            network_cli(client, compat),
        )],
        Family::Netmiko => vec![snippet(
            SnippetKind::Netmiko,
            "Netmiko",
            netmiko(device, client, compat, server),
        )],
        Family::Openssh => match &compat.fix {
            Some(fix) => vec![
                snippet(
                    SnippetKind::SshConfig,
                    "~/.ssh/config",
                    ssh_config(device, fix),
                ),
                snippet(
                    SnippetKind::AnsibleSsh,
                    "Ansible host_vars (ansible_connection: ssh)",
                    ansible_ssh(device, fix),
                ),
            ],
            None => vec![snippet(
                SnippetKind::Statement,
                &client.name,
                statement(client, compat),
            )],
        },
        Family::Libssh => match &compat.fix {
            Some(fix) => vec![snippet(
                SnippetKind::AnsibleLibssh,
                "Ansible network_cli over libssh",
                libssh(device, client, fix),
            )],
            None => vec![snippet(
                SnippetKind::Statement,
                &client.name,
                statement(client, compat),
            )],
        },
        Family::Russh => match &compat.fix {
            Some(fix) => vec![snippet(
                SnippetKind::Inventory,
                "sshtriage inventory",
                inventory(device, fix),
            )],
            None => vec![snippet(
                SnippetKind::Statement,
                &client.name,
                statement(client, compat),
            )],
        },
    }
}

/// What libssh (ansible-pylibssh) needs: Ansible's libssh options for key exchange and host
/// keys, and `~/.ssh/config` lines (libssh reads that file itself) for ciphers and MACs, the
/// only place they can be set. Before libssh 0.11 every list is written whole: `+` is not
/// understood there.
pub fn libssh(device: &DeviceRef<'_>, client: &ClientProfile, fix: &Fix) -> String {
    let appends = version_at_least(&client.version, &[0, 11]);
    let list = |category: Category| -> String {
        let names = fix.names(category);
        if appends {
            format!("+{}", names.join(","))
        } else {
            let mut whole: Vec<&str> = client
                .default
                .get(category)
                .iter()
                .map(String::as_str)
                .collect();
            for name in names {
                if !whole.contains(&name) {
                    whole.push(name);
                }
            }
            whole.join(",")
        }
    };
    let mut vars = Vec::new();
    for (category, var) in [
        (Category::Kex, "ansible_libssh_key_exchange_algorithms"),
        (Category::HostKey, "ansible_libssh_hostkeys"),
    ] {
        if !fix.names(category).is_empty() {
            vars.push(format!("{var}: \"{}\"", list(category)));
        }
    }
    let mut config = Vec::new();
    for (category, directive) in [(Category::Cipher, "Ciphers"), (Category::Mac, "MACs")] {
        if !fix.names(category).is_empty() {
            config.push(format!("    {directive} {}", list(category)));
        }
    }
    let mut text = String::new();
    if !vars.is_empty() {
        text.push_str(&format!(
            "# host_vars/{}.yml (ansible.netcommon >= 8.2 for key exchange, >= 7.2 for host keys)\n{}\n",
            token(device.name),
            vars.join("\n")
        ));
    }
    if !config.is_empty() {
        text.push_str(&format!(
            "# ~/.ssh/config of the user running Ansible (libssh reads it; Ansible has no cipher or MAC option)\nHost {}\n{}\n",
            token(device.host),
            config.join("\n")
        ));
    }
    text
}

/// True when a dotted version is at least `min` (`0.11.3` >= `[0, 11]`).
fn version_at_least(version: &str, min: &[u64]) -> bool {
    let parts: Vec<u64> = version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect();
    parts.as_slice() >= min
}

/// A `Host` block for `~/.ssh/config`.
pub fn ssh_config(device: &DeviceRef<'_>, fix: &Fix) -> String {
    let mut text = format!(
        "Host {}\n    HostName {}\n    Port {}\n",
        token(device.name),
        token(device.host),
        device.port
    );
    if let Some(user) = device.user {
        text.push_str(&format!("    User {}\n", token(user)));
    }
    for (directive, names) in openssh_directives(fix) {
        text.push_str(&format!("    {directive} +{names}\n"));
    }
    text
}

/// `host_vars/<name>.yml` content for Ansible's ssh connection plugin.
pub fn ansible_ssh(device: &DeviceRef<'_>, fix: &Fix) -> String {
    format!(
        "# host_vars/{}.yml (ansible_connection: ssh)\nansible_ssh_common_args: \"{}\"\n",
        token(device.name),
        ssh_options(fix)
    )
}

/// A `[device.algorithms]` table for the sshtriage inventory.
pub fn inventory(device: &DeviceRef<'_>, fix: &Fix) -> String {
    let mut text = format!(
        "# under the [[device]] entry named \"{}\" (merge into its [device.algorithms] if it has one)\n[device.algorithms]\n",
        token(device.name)
    );
    for category in Category::ALL {
        let names = fix.names(category);
        if !names.is_empty() {
            text.push_str(&format!("{} = \"+{}\"\n", category.key(), names.join(",")));
        }
    }
    text
}

/// What Ansible's network_cli (Paramiko) allows: it offers everything it implements.
pub fn network_cli(client: &ClientProfile, compat: &Compatibility) -> String {
    if let Some(cannot) = &compat.cannot {
        format!("ansible_connection: network_cli (Paramiko): {cannot}")
    } else if let Some(fix) = &compat.fix {
        format!(
            "ansible_connection: network_cli on {} cannot be told to add {}: Paramiko offers everything it implements.",
            client.name,
            fix_summary(client, fix)
        )
    } else {
        format!(
            "ansible_connection: network_cli on {} negotiates with this device as shipped; nothing to change.",
            client.name
        )
    }
}

/// Netmiko advice: the `disabled_algorithms` argument where that is the fix, else a statement.
pub fn netmiko(
    device: &DeviceRef<'_>,
    client: &ClientProfile,
    compat: &Compatibility,
    server: &AlgorithmLists,
) -> String {
    let sha1_only = server.signs_rsa_with_sha1_only();
    if let Some(cannot) = &compat.cannot {
        let mut text = match client.family {
            Family::Netmiko => format!("{cannot}\n"),
            _ => format!("Netmiko on {}: {cannot}\n", client.name),
        };
        if sha1_only {
            text.push_str("\nOnce on a Paramiko older than 5:\n");
            text.push_str(&sha1_pubkey_advice(device));
        }
        return text;
    }
    if sha1_only && client.is_available(Category::HostKey, "ssh-rsa") {
        return sha1_pubkey_advice(device);
    }
    match &compat.fix {
        Some(fix) => format!(
            "Netmiko on {} cannot be told to add {}: disabled_algorithms only removes algorithms.",
            client.name,
            fix_summary(client, fix)
        ),
        None => format!(
            "Netmiko on {} negotiates with this device as shipped; nothing to change.",
            client.name
        ),
    }
}

/// A fix as one line in the client's own terms, for sentences.
pub fn fix_summary(client: &ClientProfile, fix: &Fix) -> String {
    match client.family {
        Family::Openssh => ssh_options(fix),
        Family::Russh => {
            let entries: Vec<String> = Category::ALL
                .iter()
                .filter(|&&c| !fix.names(c).is_empty())
                .map(|&c| format!("{} = \"+{}\"", c.key(), fix.names(c).join(",")))
                .collect();
            format!("[device.algorithms] {}", entries.join(", "))
        }
        Family::Libssh => {
            let entries: Vec<String> = Category::ALL
                .iter()
                .filter(|&&c| !fix.names(c).is_empty())
                .map(|&c| format!("{} +{}", c.key(), fix.names(c).join(",")))
                .collect();
            entries.join(", ")
        }
        Family::Paramiko | Family::Netmiko => {
            let entries: Vec<String> = Category::ALL
                .iter()
                .filter(|&&c| !fix.names(c).is_empty())
                .map(|&c| format!("{} {}", c.key(), fix.names(c).join(",")))
                .collect();
            entries.join(", ")
        }
    }
}

fn statement(client: &ClientProfile, compat: &Compatibility) -> String {
    match &compat.cannot {
        Some(cannot) => cannot.clone(),
        // The device is the subject: the sentence reads the same for several clients.
        None => format!(
            "This device negotiates with {} as shipped; nothing to change.",
            client.name
        ),
    }
}

/// `-o Directive=+names` for every directive of the fix.
fn ssh_options(fix: &Fix) -> String {
    openssh_directives(fix)
        .iter()
        .map(|(directive, names)| format!("-o {directive}=+{names}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// ssh_config(5) directives for a fix. An ssh-rsa host key means an old server that will
/// also want ssh-rsa signatures from an RSA user key, which OpenSSH >= 8.8 no longer makes.
fn openssh_directives(fix: &Fix) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for category in Category::ALL {
        let names = fix.names(category);
        if names.is_empty() {
            continue;
        }
        let directive = match category {
            Category::Kex => "KexAlgorithms",
            Category::HostKey => "HostKeyAlgorithms",
            Category::Cipher => "Ciphers",
            Category::Mac => "MACs",
        };
        out.push((directive, names.join(",")));
        let rsa_sha1 = ["ssh-rsa", "ssh-rsa-cert-v01@openssh.com"];
        if category == Category::HostKey && names.iter().any(|n| rsa_sha1.contains(n)) {
            out.push(("PubkeyAcceptedAlgorithms", "ssh-rsa".to_owned()));
        }
    }
    out
}

fn sha1_pubkey_advice(device: &DeviceRef<'_>) -> String {
    format!(
        "# {}: the device signs only with ssh-rsa (RSA/SHA-1); such devices usually accept only\n\
         # ssh-rsa signatures from RSA user keys too. If you log in with an RSA key, pass this to\n\
         # ConnectHandler (Netmiko's disable_sha2_fix=True does the same):\n{}\n",
        token(device.name),
        NETMIKO_SHA1_PUBKEYS
    )
}

/// Inventory values may contain anything; keep only what is safe in a config token, a YAML
/// comment and a TOML string, so a hostile name cannot inject lines or options.
fn token(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:@".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "-".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::super::compat::{client_profile, compatibility};
    use super::*;

    fn v(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    fn legacy() -> AlgorithmLists {
        AlgorithmLists {
            kex: v(&["diffie-hellman-group14-sha1"]),
            host_key: v(&["ssh-rsa"]),
            cipher_c2s: v(&["aes128-cbc"]),
            cipher_s2c: v(&["aes128-cbc"]),
            mac_c2s: v(&["hmac-sha1"]),
            mac_s2c: v(&["hmac-sha1"]),
            ..Default::default()
        }
    }

    const R1: DeviceRef<'static> = DeviceRef {
        name: "r1",
        host: "172.20.20.2",
        port: 22,
        user: Some("admin"),
    };

    fn profile(id: &str) -> &'static ClientProfile {
        client_profile(id).unwrap_or_else(|| panic!("no profile {id}"))
    }

    fn fix_for(id: &str) -> Fix {
        compatibility(profile(id), &legacy())
            .fix
            .expect("a fix for the legacy server")
    }

    #[test]
    fn ssh_config_block_is_exact() {
        assert_eq!(
            ssh_config(&R1, &fix_for("openssh-9.2")),
            "Host r1\n\
             \x20   HostName 172.20.20.2\n\
             \x20   Port 22\n\
             \x20   User admin\n\
             \x20   KexAlgorithms +diffie-hellman-group14-sha1\n\
             \x20   HostKeyAlgorithms +ssh-rsa\n\
             \x20   PubkeyAcceptedAlgorithms +ssh-rsa\n\
             \x20   Ciphers +aes128-cbc\n"
        );
        let no_user = DeviceRef { user: None, ..R1 };
        let mac_only = Fix {
            additions: vec![(Category::Mac, "hmac-md5".into())],
        };
        assert_eq!(
            ssh_config(&no_user, &mac_only),
            "Host r1\n    HostName 172.20.20.2\n    Port 22\n    MACs +hmac-md5\n"
        );
    }

    #[test]
    fn ansible_ssh_vars_are_exact() {
        assert_eq!(
            ansible_ssh(&R1, &fix_for("openssh-9.2")),
            "# host_vars/r1.yml (ansible_connection: ssh)\n\
             ansible_ssh_common_args: \"-o KexAlgorithms=+diffie-hellman-group14-sha1 \
             -o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedAlgorithms=+ssh-rsa \
             -o Ciphers=+aes128-cbc\"\n"
        );
    }

    #[test]
    fn inventory_table_is_exact_and_parses() {
        let text = inventory(&R1, &fix_for("russh-0.65"));
        assert_eq!(
            text,
            "# under the [[device]] entry named \"r1\" (merge into its [device.algorithms] if it has one)\n\
             [device.algorithms]\n\
             kex = \"+diffie-hellman-group14-sha1\"\n\
             cipher = \"+aes128-cbc\"\n\
             mac = \"+hmac-sha1\"\n"
        );
        let doc = format!("[[device]]\nhost = \"h\"\n{text}");
        let parsed: toml::Value = toml::from_str(&doc).expect("valid TOML");
        assert_eq!(
            parsed["device"][0]["algorithms"]["mac"].as_str(),
            Some("+hmac-sha1")
        );
    }

    #[test]
    fn hostile_inventory_values_cannot_inject_lines() {
        let evil = DeviceRef {
            name: "r1\n    ProxyCommand sh -c 'x'",
            host: "h\"ost\n",
            port: 2222,
            user: Some("ad min"),
        };
        let fix = fix_for("openssh-9.2");
        let block = ssh_config(&evil, &fix);
        assert!(!block.contains("ProxyCommand sh"), "{block}");
        assert_eq!(block.lines().count(), 8, "{block}");
        assert!(
            block.starts_with("Host r1-----ProxyCommand-sh--c--x-\n"),
            "{block}"
        );
        assert!(
            block.contains("    HostName h-ost-\n    Port 2222\n    User ad-min\n"),
            "{block}"
        );
        let vars = ansible_ssh(&evil, &fix);
        assert_eq!(vars.lines().count(), 2, "{vars}");
        let table = inventory(&evil, &fix_for("russh-0.65"));
        let doc = format!("[[device]]\nhost = \"h\"\n{table}");
        assert!(toml::from_str::<toml::Value>(&doc).is_ok(), "{table}");
    }

    #[test]
    fn network_cli_statements() {
        let c = compatibility(profile("paramiko-4.0"), &legacy());
        assert_eq!(
            network_cli(profile("paramiko-4.0"), &c),
            "ansible_connection: network_cli on Paramiko 4.0 negotiates with this device as shipped; nothing to change."
        );
        let c = compatibility(profile("paramiko-5.0"), &legacy());
        let text = network_cli(profile("paramiko-5.0"), &c);
        assert!(
            text.starts_with(
                "ansible_connection: network_cli (Paramiko): Paramiko 5.0 cannot connect"
            ),
            "{text}"
        );
        assert!(text.contains("pip install \"paramiko>=4.0,<5\""), "{text}");
    }

    #[test]
    fn netmiko_gets_the_disabled_algorithms_fix_where_it_applies() {
        // Netmiko on Paramiko 4.0 negotiates, but the device does RSA only with SHA-1.
        let p4 = profile("paramiko-4.0");
        let c = compatibility(p4, &legacy());
        let text = netmiko(&R1, p4, &c, &legacy());
        assert!(
            text.ends_with(&format!("{NETMIKO_SHA1_PUBKEYS}\n")),
            "{text}"
        );
        assert!(
            text.starts_with("# r1: the device signs only with ssh-rsa"),
            "{text}"
        );

        // Fresh Netmiko (Paramiko 5.1) cannot; it is told how to get Paramiko 4 and what then.
        let nm = profile("netmiko-4");
        let c = compatibility(nm, &legacy());
        let text = netmiko(&R1, nm, &c, &legacy());
        assert!(
            text.starts_with("Netmiko 4.8 (Paramiko 5.1) cannot connect"),
            "{text}"
        );
        assert!(text.contains("pip install \"netmiko[par4]\""), "{text}");
        assert!(
            text.contains("Once on a Paramiko older than 5:\n# r1:"),
            "{text}"
        );
        // The sentences wrap on screen; the comments and the argument are pasted whole.
        let paste: Vec<bool> = text
            .lines()
            .map(|l| SnippetKind::Netmiko.is_paste(l))
            .collect();
        assert_eq!(
            paste,
            [false, false, false, true, true, true, true],
            "{text}"
        );

        // A device with rsa-sha2 needs nothing.
        let mut modern = legacy();
        modern.kex = v(&["curve25519-sha256@libssh.org"]);
        modern.host_key = v(&["rsa-sha2-512", "ssh-rsa"]);
        modern.cipher_c2s = v(&["aes128-ctr"]);
        modern.cipher_s2c = v(&["aes128-ctr"]);
        let c = compatibility(nm, &modern);
        assert_eq!(
            netmiko(&R1, nm, &c, &modern),
            "Netmiko on Netmiko 4.8 (Paramiko 5.1) negotiates with this device as shipped; nothing to change."
        );
    }

    #[test]
    fn a_snippet_left_open_names_one_client_or_several() {
        let mut open = profile("libssh-0.9").clone();
        open.name = SOME_CLIENTS.to_owned();
        let c = compatibility(&open, &legacy());
        let s = snippets_for(&R1, &open, &c, &legacy());
        assert_eq!(s[0].kind, SnippetKind::Statement);
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            name_clients(&s[0].text, &names(&["libssh 0.9.6 (pylibssh 1.2)"])),
            "This device negotiates with libssh 0.9.6 (pylibssh 1.2) as shipped; nothing to change."
        );
        assert_eq!(
            name_clients(&s[0].text, &names(&["A", "B", "C"])),
            "This device negotiates with A, B and C as shipped; nothing to change."
        );
    }

    #[test]
    fn snippets_follow_the_client_family() {
        let kinds = |id: &str| -> Vec<SnippetKind> {
            let p = profile(id);
            let c = compatibility(p, &legacy());
            snippets_for(&R1, p, &c, &legacy())
                .into_iter()
                .map(|s| s.kind)
                .collect()
        };
        assert_eq!(
            kinds("openssh-9.2"),
            vec![SnippetKind::SshConfig, SnippetKind::AnsibleSsh]
        );
        assert_eq!(kinds("paramiko-5.0"), vec![SnippetKind::AnsibleNetworkCli]);
        assert_eq!(kinds("netmiko-4"), vec![SnippetKind::Netmiko]);
        assert_eq!(kinds("russh-0.65"), vec![SnippetKind::Inventory]);
        let rc4 = AlgorithmLists {
            cipher_c2s: v(&["arcfour"]),
            cipher_s2c: v(&["arcfour"]),
            ..legacy()
        };
        let p = profile("openssh-9.2");
        let c = compatibility(p, &rc4);
        let s = snippets_for(&R1, p, &c, &rc4);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, SnippetKind::Statement);
        assert!(s[0].text.contains("cannot connect"), "{}", s[0].text);
    }
}
