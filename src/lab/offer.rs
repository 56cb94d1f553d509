//! Turns a [`DeviceSpec`] into russh's server configuration: identification string, auth
//! methods, and the algorithm offer mapped from SSH names.

use std::borrow::Cow;
use std::io;
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::keys::ssh_key::Algorithm;
use russh::server::Config;
use russh::{MethodKind, MethodSet, Preferred, SshId, cipher, kex, mac};

use super::spec::{AlgorithmSpec, AuthMethod, DeviceSpec};

/// Identification lines are at most 255 bytes including CR LF (RFC 4253 4.2).
const MAX_ID_LEN: usize = 253;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The full russh server configuration for a device.
pub(super) fn server_config(spec: &DeviceSpec) -> io::Result<Config> {
    let id = identification(&spec.software)?;
    check_pre_banner_lines(&spec.pre_banner_lines)?;
    let preferred = match &spec.algorithms {
        Some(algorithms) => preferred(algorithms, &spec.host_key)?,
        None => Preferred::default(),
    };
    Ok(Config {
        server_id: SshId::Standard(Cow::Owned(id)),
        methods: method_set(&spec.auth_methods),
        // Tests wait out every rejection: keep them short.
        auth_rejection_time: Duration::from_millis(10),
        auth_rejection_time_initial: Some(Duration::from_millis(10)),
        keys: vec![spec.host_key.clone()],
        preferred,
        max_auth_attempts: 6,
        inactivity_timeout: Some(Duration::from_secs(60)),
        nodelay: true,
        ..Config::default()
    })
}

fn identification(software: &str) -> io::Result<String> {
    let id = format!("SSH-2.0-{software}");
    let printable = software.bytes().all(|b| (0x20..0x7f).contains(&b));
    if software.is_empty() || !printable || id.len() > MAX_ID_LEN {
        return Err(invalid(format!(
            "software part must be 1..{} printable ASCII characters",
            MAX_ID_LEN - "SSH-2.0-".len()
        )));
    }
    Ok(id)
}

fn check_pre_banner_lines(lines: &[String]) -> io::Result<()> {
    for line in lines {
        if line.starts_with("SSH-") || line.contains(['\r', '\n']) || line.len() > MAX_ID_LEN {
            return Err(invalid(
                "pre-banner lines must be single lines that do not start with SSH-".to_owned(),
            ));
        }
    }
    Ok(())
}

pub(super) fn method_kind(method: AuthMethod) -> MethodKind {
    match method {
        AuthMethod::Password => MethodKind::Password,
        AuthMethod::PublicKey => MethodKind::PublicKey,
        AuthMethod::KeyboardInteractive => MethodKind::KeyboardInteractive,
    }
}

/// The methods listed in USERAUTH_FAILURE, in the spec's order.
pub(super) fn method_set(methods: &[AuthMethod]) -> MethodSet {
    let kinds: Vec<MethodKind> = methods.iter().copied().map(method_kind).collect();
    MethodSet::from(kinds.as_slice())
}

fn preferred(spec: &AlgorithmSpec, host_key: &PrivateKey) -> io::Result<Preferred> {
    let mut preferred = Preferred::default();
    if !spec.kex.is_empty() {
        preferred.kex = Cow::Owned(map_names(&spec.kex, "kex", kex_name)?);
    }
    if !spec.cipher.is_empty() {
        preferred.cipher = Cow::Owned(map_names(&spec.cipher, "cipher", cipher_name)?);
    }
    if !spec.mac.is_empty() {
        preferred.mac = Cow::Owned(map_names(&spec.mac, "mac", |n| {
            mac::Name::try_from(n).ok()
        })?);
    }
    if !spec.host_key.is_empty() {
        let algorithms = map_names(&spec.host_key, "host key", host_key_algorithm)?;
        if !algorithms.iter().any(|a| key_serves(host_key, a)) {
            return Err(invalid(format!(
                "the {} host key cannot serve any offered host key algorithm",
                host_key.algorithm()
            )));
        }
        preferred.key = Cow::Owned(algorithms);
    }
    Ok(preferred)
}

fn map_names<T>(
    names: &[String],
    kind: &str,
    map: impl Fn(&str) -> Option<T>,
) -> io::Result<Vec<T>> {
    names
        .iter()
        .map(|name| map(name).ok_or_else(|| invalid(format!("unknown {kind} algorithm '{name}'"))))
        .collect()
}

fn kex_name(name: &str) -> Option<kex::Name> {
    // Extension pseudo-algorithms are not in russh's kex table, but a device may offer them.
    match name {
        "ext-info-s" => Some(kex::EXTENSION_SUPPORT_AS_SERVER),
        "kex-strict-s-v00@openssh.com" => Some(kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER),
        _ => kex::Name::try_from(name).ok(),
    }
}

fn cipher_name(name: &str) -> Option<cipher::Name> {
    // "clear" is russh's internal pre-kex state, not an SSH name.
    if name == "clear" {
        return None;
    }
    cipher::Name::try_from(name).ok()
}

fn host_key_algorithm(name: &str) -> Option<Algorithm> {
    match Algorithm::new(name).ok()? {
        a @ (Algorithm::Ed25519 | Algorithm::Ecdsa { .. } | Algorithm::Rsa { .. }) => Some(a),
        _ => None,
    }
}

/// RSA keys sign with any RSA hash; other key types only for their own algorithm.
fn key_serves(key: &PrivateKey, algorithm: &Algorithm) -> bool {
    match algorithm {
        Algorithm::Rsa { .. } => key.algorithm().is_rsa(),
        other => key.algorithm() == *other,
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::generate_ed25519_host_key;
    use super::super::spec::PromptStyle;
    use super::*;

    fn spec() -> DeviceSpec {
        let key = generate_ed25519_host_key().expect("ed25519 key");
        DeviceSpec::new("r1", PromptStyle::Ios, key)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn legacy_names_map_to_russh_algorithms() {
        let algorithms = AlgorithmSpec {
            kex: names(&["diffie-hellman-group14-sha1", "ext-info-s"]),
            host_key: names(&["ssh-ed25519"]),
            cipher: names(&["aes128-cbc", "3des-cbc"]),
            mac: names(&["hmac-sha1"]),
        };
        let preferred = preferred(&algorithms, &spec().host_key).expect("known names");
        assert_eq!(
            preferred.kex.as_ref(),
            &[kex::DH_G14_SHA1, kex::EXTENSION_SUPPORT_AS_SERVER]
        );
        assert_eq!(
            preferred.cipher.as_ref(),
            &[cipher::AES_128_CBC, cipher::TRIPLE_DES_CBC]
        );
        assert_eq!(preferred.mac.as_ref(), &[mac::HMAC_SHA1]);
        assert_eq!(preferred.key.as_ref(), &[Algorithm::Ed25519]);
    }

    #[test]
    fn unknown_or_unservable_names_are_errors() {
        let key = spec().host_key;
        let cases = [
            AlgorithmSpec {
                kex: names(&["diffie-hellman-group99-sha7"]),
                ..Default::default()
            },
            AlgorithmSpec {
                cipher: names(&["clear"]),
                ..Default::default()
            },
            AlgorithmSpec {
                mac: names(&["hmac-md5"]),
                ..Default::default()
            },
            AlgorithmSpec {
                host_key: names(&["ssh-dss"]),
                ..Default::default()
            },
            // An ed25519 key cannot serve an RSA-only offer.
            AlgorithmSpec {
                host_key: names(&["ssh-rsa"]),
                ..Default::default()
            },
        ];
        for case in cases {
            let err = preferred(&case, &key).expect_err("must be refused");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{case:?}");
        }
    }

    #[test]
    fn identification_and_methods_follow_the_spec() {
        let mut spec = spec();
        spec.auth_methods = vec![AuthMethod::KeyboardInteractive, AuthMethod::Password];
        let config = server_config(&spec).expect("valid spec");
        assert!(matches!(&config.server_id, SshId::Standard(id) if id == "SSH-2.0-Cisco-1.25"));
        assert_eq!(
            &*config.methods,
            &[MethodKind::KeyboardInteractive, MethodKind::Password]
        );
        spec.software = "bad\r\nline".to_owned();
        assert!(server_config(&spec).is_err());
        spec.software = "Cisco-1.25".to_owned();
        spec.pre_banner_lines = vec!["SSH-2.0-sneaky".to_owned()];
        assert!(server_config(&spec).is_err());
    }
}
