//! What the engineer's client actually offers a device: its version's defaults with the user's
//! own settings applied the way that client applies them (OpenSSH's `+`, `-`, `^` against
//! OpenSSH's defaults, first value wins; Paramiko's `disabled_algorithms`; libssh's config
//! lines and options). Verdicts negotiate this offer, not the probe's.

use super::allowlist::{Category, wildcard_match};
use super::clients::{AlgorithmSet, ClientProfile};
use crate::device::{AlgorithmSetting, ClientKind, DeviceClient, SettingVia};
use crate::model::AlgorithmLists;

/// A setting the client takes, or refuses, and what that did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub setting: AlgorithmSetting,
    /// Why the client would refuse it or part of it (ssh stops with "Bad SSH2 KexAlgorithms");
    /// None when it was taken as written.
    pub problem: Option<String>,
}

/// The client's offer for one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveOffer {
    pub lists: AlgorithmSet,
    pub applied: Vec<Applied>,
}

impl EffectiveOffer {
    /// Both directions, for negotiation.
    pub fn to_lists(&self) -> AlgorithmLists {
        self.lists.to_lists()
    }

    /// The profile as this client runs for this device: its defaults are the effective offer,
    /// so a compatibility row says what the user's configuration does, and a fix never adds
    /// what is configured already.
    pub fn profile(&self, base: &ClientProfile) -> ClientProfile {
        let mut profile = base.clone();
        profile.default = self.lists.clone();
        // What the user added is what the client can offer, whatever its defaults.
        for category in Category::ALL {
            for name in self.lists.get(category) {
                if !profile.available.get(category).contains(name) {
                    profile.available.append(category, name);
                }
            }
        }
        profile
    }
}

/// The offer of `profile` (a client of `kind`) to this device, with `client`'s settings.
/// `known_types` are the host key types known_hosts holds for the device, which OpenSSH and
/// libssh move to the front of their host key list when the user did not set one.
pub fn effective_offer(
    profile: &ClientProfile,
    kind: ClientKind,
    client: &DeviceClient,
    known_types: &[String],
) -> EffectiveOffer {
    let mut lists = profile.default.clone();
    let mut applied = Vec::new();
    for category in Category::ALL {
        let Some(setting) = client.setting(kind, category) else {
            if category == Category::HostKey
                && matches!(kind, ClientKind::Openssh | ClientKind::Libssh)
            {
                prefer_known(&mut lists.host_key, known_types);
            }
            continue;
        };
        let base = lists.get(category).to_vec();
        let (list, problem) = match setting.via {
            SettingVia::DisabledAlgorithms => (remove_names(&base, &setting.value), None),
            SettingVia::CommandLine | SettingVia::SshConfig | SettingVia::Probe => {
                openssh_modifier(profile, category, &base, &setting.value)
            }
            SettingVia::LibsshOption => libssh_option(profile, category, &base, &setting.value),
        };
        let (list, problem) = match (kind, setting.via) {
            // libssh before 0.11 reads a config line as a whole list: `+a,b` is the unknown
            // name `+a` (dropped) and `b`.
            (ClientKind::Libssh, SettingVia::SshConfig) if !has_modifiers(profile) => {
                whole_list(profile, category, &base, &setting.value)
            }
            _ => (list, problem),
        };
        *lists.get_mut(category) = list;
        applied.push(Applied {
            setting: setting.clone(),
            problem,
        });
    }
    EffectiveOffer { lists, applied }
}

/// libssh 0.11 added OpenSSH's `+`, `-` and `^`.
fn has_modifiers(profile: &ClientProfile) -> bool {
    let parts: Vec<u64> = profile
        .version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect();
    parts.as_slice() >= [0, 11].as_slice()
}

/// OpenSSH's reading of an algorithm list option: `+` appends to the default, `-` removes
/// (wildcards allowed), `^` puts names first, a bare list replaces. A name the client does
/// not implement makes ssh refuse to start, except in a removal.
fn openssh_modifier(
    profile: &ClientProfile,
    category: Category,
    base: &[String],
    value: &str,
) -> (Vec<String>, Option<String>) {
    let value = value.trim();
    let (op, rest) = match value.chars().next() {
        Some(c @ ('+' | '-' | '^')) => (Some(c), &value[1..]),
        _ => (None, value),
    };
    let names: Vec<&str> = rest
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if op == Some('-') {
        let kept = base
            .iter()
            .filter(|b| !names.iter().any(|p| wildcard_match(p, b)))
            .cloned()
            .collect();
        return (kept, None);
    }
    let unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !profile.is_available(category, n))
        .collect();
    let problem = (!unknown.is_empty()).then(|| {
        format!(
            "{} does not implement {} (ssh stops with \"Bad SSH2 {} spec\")",
            profile.name,
            unknown.join(", "),
            directive(category)
        )
    });
    let known: Vec<String> = names
        .iter()
        .filter(|n| !unknown.contains(n))
        .map(|n| (*n).to_owned())
        .collect();
    let list = match op {
        Some('+') => {
            let mut out = base.to_vec();
            out.extend(known.into_iter().filter(|n| !base.contains(n)));
            out
        }
        Some('^') => {
            let mut out = known.clone();
            out.extend(base.iter().filter(|b| !known.contains(b)).cloned());
            out
        }
        _ => known,
    };
    (list, problem)
}

/// libssh 0.9 and 0.10 take a config line's names as the whole list and skip names they do
/// not know, a leading `+a` among them.
fn whole_list(
    profile: &ClientProfile,
    category: Category,
    base: &[String],
    value: &str,
) -> (Vec<String>, Option<String>) {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|n| profile.is_available(category, n))
        .map(str::to_owned)
        .collect();
    if value.trim().starts_with(['+', '-', '^']) {
        let problem = format!(
            "{} has no `+`, `-` or `^`: it reads `{}` as a whole list of the names it knows",
            profile.name,
            value.trim()
        );
        let list = if names.is_empty() {
            base.to_vec()
        } else {
            names
        };
        return (list, Some(problem));
    }
    (names, None)
}

/// ansible-pylibssh's options go through ssh_options_set: before libssh 0.11 a `+` is
/// refused, and the connection fails.
fn libssh_option(
    profile: &ClientProfile,
    category: Category,
    base: &[String],
    value: &str,
) -> (Vec<String>, Option<String>) {
    if !has_modifiers(profile) && value.trim().starts_with(['+', '-', '^']) {
        let problem = format!(
            "{} refuses `{}`: it has no `+`, `-` or `^` (libssh 0.11 added them)",
            profile.name,
            value.trim()
        );
        return (base.to_vec(), Some(problem));
    }
    openssh_modifier(profile, category, base, value)
}

/// Paramiko's `disabled_algorithms`: exact names removed.
fn remove_names(base: &[String], value: &str) -> Vec<String> {
    let gone: Vec<&str> = value.split(',').map(str::trim).collect();
    base.iter()
        .filter(|b| !gone.contains(&b.as_str()))
        .cloned()
        .collect()
}

/// Moves host key types known for the host to the front, as OpenSSH's `order_hostkeyalgs`
/// does (an RSA key on file is checked with the SHA-2 signatures first).
fn prefer_known(host_key: &mut Vec<String>, known_types: &[String]) {
    let mut front: Vec<String> = Vec::new();
    for known in known_types {
        let variants: Vec<&str> = if known == "ssh-rsa" {
            vec!["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        } else {
            vec![known.as_str()]
        };
        for v in variants {
            if host_key.iter().any(|h| h == v) && !front.iter().any(|f| f == v) {
                front.push(v.to_owned());
            }
        }
    }
    let rest: Vec<String> = host_key
        .iter()
        .filter(|h| !front.contains(h))
        .cloned()
        .collect();
    front.extend(rest);
    *host_key = front;
}

/// The ssh_config directive for a category.
pub fn directive(category: Category) -> &'static str {
    match category {
        Category::Kex => "KexAlgorithms",
        Category::HostKey => "HostKeyAlgorithms",
        Category::Cipher => "Ciphers",
        Category::Mac => "MACs",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::clients::client_profile;
    use crate::device::ValueSource;

    fn client(settings: &[(Category, &str, SettingVia)]) -> DeviceClient {
        let mut c = DeviceClient::default();
        for (category, value, via) in settings {
            c.add_setting(AlgorithmSetting {
                category: *category,
                value: (*value).into(),
                via: *via,
                source: ValueSource::file("/home/u/.ssh/config", 3),
            });
        }
        c
    }

    #[test]
    fn openssh_appends_to_its_own_defaults_not_the_probes() {
        let p = client_profile("openssh-9.2").unwrap();
        let c = client(&[
            (
                Category::Kex,
                "+diffie-hellman-group14-sha1",
                SettingVia::SshConfig,
            ),
            (Category::Mac, "+hmac-sha1", SettingVia::SshConfig),
        ]);
        let offer = effective_offer(p, ClientKind::Openssh, &c, &[]);
        assert_eq!(
            offer.lists.kex.last().unwrap(),
            "diffie-hellman-group14-sha1"
        );
        assert!(offer.lists.kex.starts_with(&p.default.kex));
        assert!(offer.lists.mac.contains(&"hmac-sha1".to_owned()));
        assert!(offer.applied.iter().all(|a| a.problem.is_none()));
    }

    #[test]
    fn the_command_line_wins_over_the_config_for_openssh() {
        let p = client_profile("openssh-9.2").unwrap();
        let c = client(&[
            (Category::Kex, "curve25519-sha256", SettingVia::SshConfig),
            (
                Category::Kex,
                "diffie-hellman-group14-sha1",
                SettingVia::CommandLine,
            ),
        ]);
        let offer = effective_offer(p, ClientKind::Openssh, &c, &[]);
        assert_eq!(offer.lists.kex, vec!["diffie-hellman-group14-sha1"]);
    }

    #[test]
    fn removal_takes_wildcards_and_prepend_goes_first() {
        let p = client_profile("openssh-9.2").unwrap();
        let c = client(&[
            (Category::Kex, "-sntrup*,ecdh-*", SettingVia::SshConfig),
            (Category::Cipher, "^aes128-ctr", SettingVia::SshConfig),
        ]);
        let offer = effective_offer(p, ClientKind::Openssh, &c, &[]);
        assert!(
            offer
                .lists
                .kex
                .iter()
                .all(|k| !k.starts_with("sntrup") && !k.starts_with("ecdh-"))
        );
        assert_eq!(offer.lists.cipher[0], "aes128-ctr");
    }

    #[test]
    fn an_algorithm_ssh_does_not_know_is_a_problem_said_plainly() {
        let p = client_profile("openssh-10.0").unwrap();
        let c = client(&[(Category::HostKey, "+ssh-dss", SettingVia::SshConfig)]);
        let offer = effective_offer(p, ClientKind::Openssh, &c, &[]);
        let problem = offer.applied[0].problem.as_deref().unwrap();
        assert!(problem.contains("ssh-dss"), "{problem}");
        assert!(!offer.lists.host_key.contains(&"ssh-dss".to_owned()));
    }

    #[test]
    fn paramiko_reads_only_disabled_algorithms() {
        let p = client_profile("paramiko-3.5").unwrap();
        let c = client(&[
            (
                Category::Kex,
                "+diffie-hellman-group1-sha1",
                SettingVia::SshConfig,
            ),
            (
                Category::Kex,
                "diffie-hellman-group14-sha1",
                SettingVia::DisabledAlgorithms,
            ),
        ]);
        let offer = effective_offer(p, ClientKind::Paramiko, &c, &[]);
        assert!(
            !offer
                .lists
                .kex
                .contains(&"diffie-hellman-group14-sha1".to_owned())
        );
        let defaults_without = p
            .default
            .kex
            .iter()
            .filter(|k| *k != "diffie-hellman-group14-sha1")
            .count();
        assert_eq!(
            offer.lists.kex.len(),
            defaults_without,
            "the config is not read"
        );
    }

    #[test]
    fn old_libssh_reads_a_plus_line_as_a_shorter_whole_list() {
        let p = client_profile("libssh-0.10").unwrap();
        let c = client(&[(
            Category::Kex,
            "+diffie-hellman-group14-sha1,curve25519-sha256",
            SettingVia::SshConfig,
        )]);
        let offer = effective_offer(p, ClientKind::Libssh, &c, &[]);
        assert_eq!(offer.lists.kex, vec!["curve25519-sha256"]);
        assert!(offer.applied[0].problem.is_some());
        let new = client_profile("libssh-0.11").unwrap();
        let offer = effective_offer(new, ClientKind::Libssh, &c, &[]);
        assert!(
            offer
                .lists
                .kex
                .contains(&"diffie-hellman-group14-sha1".to_owned())
        );
        assert!(offer.applied[0].problem.is_none());
    }

    #[test]
    fn known_host_key_types_go_first_unless_the_user_set_the_list() {
        let p = client_profile("openssh-9.2").unwrap();
        let offer = effective_offer(
            p,
            ClientKind::Openssh,
            &DeviceClient::default(),
            &["ssh-rsa".into()],
        );
        assert_eq!(offer.lists.host_key[0], "rsa-sha2-512");
        let c = client(&[(Category::HostKey, "ssh-ed25519", SettingVia::SshConfig)]);
        let offer = effective_offer(p, ClientKind::Openssh, &c, &["ssh-rsa".into()]);
        assert_eq!(offer.lists.host_key, vec!["ssh-ed25519"]);
    }
}
