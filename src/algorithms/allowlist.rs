//! The algorithms our client (russh) offers, and the device allow-list applied to them with
//! OpenSSH's syntax: `+a,b` appends, `-a` removes (wildcards allowed), `^a` prepends, a bare
//! list replaces.

use crate::model::AlgorithmLists;
use russh::keys::ssh_key::Algorithm;
use russh::{Preferred, cipher, kex, mac};
use std::borrow::Cow;
use std::str::FromStr;

/// The four categories a user can tune, with their inventory key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Kex,
    HostKey,
    Cipher,
    Mac,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Kex,
        Category::HostKey,
        Category::Cipher,
        Category::Mac,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Category::Kex => "kex",
            Category::HostKey => "host_key",
            Category::Cipher => "cipher",
            Category::Mac => "mac",
        }
    }

    /// Everything our client implements in this category.
    pub fn supported(self) -> Vec<String> {
        match self {
            Category::Kex => kex::ALL_KEX_ALGORITHMS
                .iter()
                .map(|n| n.as_ref().to_owned())
                .filter(|n| n != "none")
                .collect(),
            Category::HostKey => Preferred::DEFAULT
                .key
                .iter()
                .map(|a| a.to_string())
                .collect(),
            Category::Cipher => cipher::ALL_CIPHERS
                .iter()
                .map(|n| n.as_ref().to_owned())
                .filter(|n| n != "clear" && n != "none")
                .collect(),
            Category::Mac => mac::ALL_MAC_ALGORITHMS
                .iter()
                .map(|n| n.as_ref().to_owned())
                .filter(|n| n != "none")
                .collect(),
        }
    }

    /// Everything russh implements, its defaults first, then the others by standing.
    pub fn probe_offer(self) -> Vec<String> {
        let mut offer = self.defaults();
        let kind = super::notes::AlgorithmKind::from(self);
        let mut rest: Vec<String> = self
            .supported()
            .into_iter()
            .filter(|n| !offer.contains(n) && !super::negotiate::is_kex_marker(n))
            .collect();
        // Stable: ties keep russh's own order.
        rest.sort_by_key(|n| {
            std::cmp::Reverse(super::notes::lookup_in(kind, n).map(|note| note.status))
        });
        offer.extend(rest);
        offer
    }

    /// What russh offers as a library, before sshtriage adds the rest.
    pub fn defaults(self) -> Vec<String> {
        let p = Preferred::DEFAULT;
        match self {
            Category::Kex => p
                .kex
                .iter()
                .map(|n| n.as_ref().to_owned())
                // Server-side markers are never sent by a client.
                .filter(|n| n != "ext-info-s" && n != "kex-strict-s-v00@openssh.com")
                .collect(),
            Category::HostKey => p.key.iter().map(|a| a.to_string()).collect(),
            Category::Cipher => p.cipher.iter().map(|n| n.as_ref().to_owned()).collect(),
            Category::Mac => p.mac.iter().map(|n| n.as_ref().to_owned()).collect(),
        }
    }
}

/// A parse or validation problem with one allow-list value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowListError {
    #[error("unknown {category} algorithm `{name}` (sshtriage supports: {supported})")]
    Unknown {
        category: &'static str,
        name: String,
        supported: String,
    },
    #[error("empty algorithm list")]
    Empty,
}

/// Applies an OpenSSH-style modifier to `base`.
pub fn apply(
    category: Category,
    base: &[String],
    spec: &str,
) -> Result<Vec<String>, AllowListError> {
    let spec = spec.trim();
    let (op, rest) = match spec.chars().next() {
        Some(c @ ('+' | '-' | '^')) => (Some(c), &spec[1..]),
        _ => (None, spec),
    };
    let names: Vec<String> = rest
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(AllowListError::Empty);
    }
    let supported = category.supported();
    // Removal patterns may use wildcards and may name algorithms we do not implement.
    if op != Some('-') {
        for name in &names {
            if !supported.contains(name) {
                return Err(AllowListError::Unknown {
                    category: category.key(),
                    name: name.clone(),
                    supported: supported.join(","),
                });
            }
        }
    }
    let keep_markers = |list: Vec<String>| -> Vec<String> {
        // russh signals ext-info and strict kex through its kex list: a custom list keeps them.
        if category != Category::Kex {
            return list;
        }
        let mut list = list;
        for marker in ["ext-info-c", "kex-strict-c-v00@openssh.com"] {
            if !list.iter().any(|n| n == marker) {
                list.push(marker.to_owned());
            }
        }
        list
    };
    let result = match op {
        Some('+') => {
            let mut out = base.to_vec();
            for n in names {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            out
        }
        Some('^') => {
            let mut out = names.clone();
            out.extend(base.iter().filter(|b| !names.contains(b)).cloned());
            out
        }
        Some('-') => base
            .iter()
            .filter(|b| !names.iter().any(|pat| wildcard_match(pat, b)))
            .cloned()
            .collect(),
        _ => names,
    };
    Ok(keep_markers(result))
}

/// OpenSSH pattern matching: `*` any run, `?` one character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Names are short; bound the pathological case anyway.
    p.len() <= 256 && t.len() <= 256 && go(&p, &t)
}

/// Our client's offer for one device, as name lists.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOffer {
    pub kex: Vec<String>,
    pub host_key: Vec<String>,
    pub cipher: Vec<String>,
    pub mac: Vec<String>,
}

/// The probe's offer: everything russh implements, its own defaults first (modern servers
/// still negotiate modern algorithms) and the rest after them, strongest first and the
/// legacy ones last, so the probe gets through whatever the engineer's client lacks.
impl Default for ClientOffer {
    fn default() -> Self {
        ClientOffer {
            kex: Category::Kex.probe_offer(),
            host_key: Category::HostKey.probe_offer(),
            cipher: Category::Cipher.probe_offer(),
            mac: Category::Mac.probe_offer(),
        }
    }
}

impl ClientOffer {
    pub fn get(&self, category: Category) -> &Vec<String> {
        match category {
            Category::Kex => &self.kex,
            Category::HostKey => &self.host_key,
            Category::Cipher => &self.cipher,
            Category::Mac => &self.mac,
        }
    }

    pub fn get_mut(&mut self, category: Category) -> &mut Vec<String> {
        match category {
            Category::Kex => &mut self.kex,
            Category::HostKey => &mut self.host_key,
            Category::Cipher => &mut self.cipher,
            Category::Mac => &mut self.mac,
        }
    }

    /// Moves the given host key algorithms to the front, in order (OpenSSH prefers the key
    /// types known_hosts already holds for a host, so a known host is checked against them).
    pub fn prefer_host_keys(&mut self, on_file: &[String]) {
        let mut front: Vec<String> = Vec::new();
        for algo in on_file {
            // An RSA key on file is verified with the SHA-2 signature variants first.
            let variants: Vec<&str> = if algo == "ssh-rsa" {
                vec!["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
            } else {
                vec![algo.as_str()]
            };
            for v in variants {
                if self.host_key.iter().any(|h| h == v) && !front.iter().any(|f| f == v) {
                    front.push(v.to_owned());
                }
            }
        }
        let rest: Vec<String> = self
            .host_key
            .iter()
            .filter(|h| !front.contains(h))
            .cloned()
            .collect();
        front.extend(rest);
        self.host_key = front;
    }

    pub fn as_lists(&self) -> AlgorithmLists {
        AlgorithmLists {
            kex: self.kex.clone(),
            host_key: self.host_key.clone(),
            cipher_c2s: self.cipher.clone(),
            cipher_s2c: self.cipher.clone(),
            mac_c2s: self.mac.clone(),
            mac_s2c: self.mac.clone(),
            compression_c2s: vec!["none".into()],
            compression_s2c: vec!["none".into()],
        }
    }

    /// The russh preference lists for this offer. Names were validated on input.
    pub fn to_preferred(&self) -> Preferred {
        let kex = self
            .kex
            .iter()
            .filter_map(|n| match n.as_str() {
                // Markers are not key exchange methods, so russh's lookup does not know them.
                "ext-info-c" => Some(kex::EXTENSION_SUPPORT_AS_CLIENT),
                "kex-strict-c-v00@openssh.com" => Some(kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT),
                other => kex::Name::try_from(other).ok(),
            })
            .collect::<Vec<_>>();
        let key = self
            .host_key
            .iter()
            .filter_map(|n| Algorithm::from_str(n).ok())
            .collect::<Vec<_>>();
        let cipher = self
            .cipher
            .iter()
            .filter_map(|n| cipher::Name::try_from(n.as_str()).ok())
            .collect::<Vec<_>>();
        let mac = self
            .mac
            .iter()
            .filter_map(|n| mac::Name::try_from(n.as_str()).ok())
            .collect::<Vec<_>>();
        Preferred {
            kex: Cow::Owned(kex),
            key: Cow::Owned(key),
            cipher: Cow::Owned(cipher),
            mac: Cow::Owned(mac),
            // Compression only costs CPU on a probe.
            compression: Cow::Borrowed(&[russh::compression::NONE]),
            ..Preferred::DEFAULT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn openssh_modifiers() {
        let kex = Category::Kex;
        let plus = apply(kex, &base(), "+diffie-hellman-group14-sha1").unwrap();
        assert_eq!(plus[..3], ["a", "b", "diffie-hellman-group14-sha1"]);
        assert!(plus.contains(&"ext-info-c".to_string()), "markers kept");
        let caret = apply(Category::Cipher, &base(), "^aes128-cbc").unwrap();
        assert_eq!(caret, ["aes128-cbc", "a", "b"]);
        let minus = apply(
            Category::Mac,
            &["hmac-sha1".into(), "hmac-sha2-256".into()],
            "-hmac-sha1*",
        )
        .unwrap();
        assert_eq!(minus, ["hmac-sha2-256"]);
        let bare = apply(Category::Mac, &base(), "hmac-sha1").unwrap();
        assert_eq!(bare, ["hmac-sha1"]);
    }

    #[test]
    fn unknown_names_are_errors() {
        let err = apply(Category::Kex, &base(), "+diffie-hellman-group99-sha1").unwrap_err();
        assert!(
            err.to_string().contains("diffie-hellman-group99-sha1"),
            "{err}"
        );
        assert_eq!(
            apply(Category::Kex, &base(), "+"),
            Err(AllowListError::Empty)
        );
    }

    #[test]
    fn defaults_round_trip_into_russh() {
        let offer = ClientOffer::default();
        let pref = offer.to_preferred();
        assert_eq!(pref.kex.len(), offer.kex.len());
        assert_eq!(pref.key.len(), offer.host_key.len());
        assert!(offer.host_key.contains(&"ssh-ed25519".to_string()));
    }

    #[test]
    fn known_key_types_move_to_front() {
        let mut offer = ClientOffer::default();
        offer.prefer_host_keys(&["ssh-rsa".into()]);
        assert_eq!(
            offer.host_key[..3],
            ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        );
    }
}
