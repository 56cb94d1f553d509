//! RFC 4253 §7.1: for each category the chosen algorithm is the first one on the client's list
//! that the server also offers.

use crate::model::{AlgorithmLists, Negotiated};

/// The first client algorithm the server also supports.
pub fn choose<C: AsRef<str>, S: AsRef<str>>(client: &[C], server: &[S]) -> Option<String> {
    client
        .iter()
        .map(AsRef::as_ref)
        .find(|c| server.iter().any(|s| s.as_ref() == *c))
        .map(str::to_owned)
}

/// Names that signal extensions rather than real key exchange methods (RFC 8308, OpenSSH strict kex).
pub fn is_kex_marker(name: &str) -> bool {
    matches!(
        name,
        "ext-info-c"
            | "ext-info-s"
            | "kex-strict-c-v00@openssh.com"
            | "kex-strict-s-v00@openssh.com"
    )
}

/// AEAD ciphers carry their own integrity, so no MAC is negotiated for them (RFC 5647, OpenSSH).
pub fn is_aead(cipher: &str) -> bool {
    matches!(
        cipher,
        "chacha20-poly1305@openssh.com" | "aes128-gcm@openssh.com" | "aes256-gcm@openssh.com"
    )
}

/// What a client offering `client` would pick against a server offering `server`.
pub fn negotiate(client: &AlgorithmLists, server: &AlgorithmLists) -> Negotiated {
    let real_kex: Vec<&String> = client.kex.iter().filter(|k| !is_kex_marker(k)).collect();
    let cipher_c2s = choose(&client.cipher_c2s, &server.cipher_c2s);
    let cipher_s2c = choose(&client.cipher_s2c, &server.cipher_s2c);
    let mac_for = |cipher: &Option<String>, c: &[String], s: &[String]| match cipher {
        Some(name) if is_aead(name) => Some("<implicit>".to_owned()),
        _ => choose(c, s),
    };
    Negotiated {
        kex: choose(&real_kex, &server.kex),
        host_key: choose(&client.host_key, &server.host_key),
        mac_c2s: mac_for(&cipher_c2s, &client.mac_c2s, &server.mac_c2s),
        mac_s2c: mac_for(&cipher_s2c, &client.mac_s2c, &server.mac_s2c),
        cipher_c2s,
        cipher_s2c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_order_wins() {
        assert_eq!(
            choose(&["a", "b", "c"], &["c", "b"]).as_deref(),
            Some("b"),
            "RFC 4253: the client's first supported choice"
        );
        assert_eq!(choose(&["a"], &["b"]), None);
    }

    #[test]
    fn aead_cipher_needs_no_mac() {
        let lists = |cipher: &str, mac: &str| AlgorithmLists {
            kex: vec!["curve25519-sha256".into()],
            host_key: vec!["ssh-ed25519".into()],
            cipher_c2s: vec![cipher.into()],
            cipher_s2c: vec![cipher.into()],
            mac_c2s: vec![mac.into()],
            mac_s2c: vec![mac.into()],
            ..Default::default()
        };
        let n = negotiate(
            &lists("chacha20-poly1305@openssh.com", "hmac-sha2-256"),
            &lists("chacha20-poly1305@openssh.com", "hmac-sha1"),
        );
        assert_eq!(n.mac_c2s.as_deref(), Some("<implicit>"));
        let n = negotiate(
            &lists("aes128-ctr", "hmac-sha2-256"),
            &lists("aes128-ctr", "hmac-sha1"),
        );
        assert_eq!(n.mac_c2s, None);
    }
}
