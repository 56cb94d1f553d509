//! Would a given client connect to this server, and if not, the smallest change that makes it:
//! the client's default offer is negotiated against the server's lists (RFC 4253 §7.1), and
//! each failing category gets the strongest algorithm the client can add and the server offers.

use super::allowlist::Category;
use super::clients::Family;
use super::negotiate::{choose, is_aead, is_kex_marker, negotiate};
use super::notes::{AlgorithmKind, lookup_in};
use super::snippets::fix_summary;
use crate::model::AlgorithmLists;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use std::cmp::Reverse;

pub use super::clients::{ClientProfile, client_profile, client_profiles};

/// How many names a statement quotes from one server list before summarising the rest.
const QUOTED_NAMES: usize = 4;
/// How many alternative clients a "cannot" statement suggests.
const ALTERNATIVES: usize = 3;

/// Algorithms to add to the client's defaults, in protocol order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    #[serde(serialize_with = "serialize_additions")]
    pub additions: Vec<(Category, String)>,
}

impl Fix {
    /// The names added in one category, in the order they were chosen.
    pub fn names(&self, category: Category) -> Vec<&str> {
        self.additions
            .iter()
            .filter(|(c, _)| *c == category)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compatibility {
    /// The client profile id.
    pub client: String,
    /// Negotiation succeeds with the client's defaults.
    pub connects: bool,
    /// The first category, in protocol order, where the defaults find nothing in common.
    #[serde(serialize_with = "serialize_category")]
    pub fails_at: Option<Category>,
    /// What to add so it connects; None when it connects already or cannot.
    pub fix: Option<Fix>,
    /// Why no option of this client can work, and which clients can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot: Option<String>,
}

/// A short name for a category in sentences.
pub fn category_title(category: Category) -> &'static str {
    match category {
        Category::Kex => "key exchange",
        Category::HostKey => "host key",
        Category::Cipher => "cipher",
        Category::Mac => "MAC",
    }
}

/// Whether `client` connects to a server offering `server`, and what it takes if not.
pub fn compatibility(client: &ClientProfile, server: &AlgorithmLists) -> Compatibility {
    let plan = plan(client, server);
    let (fix, cannot) = if plan.impossible.is_empty() {
        let fix = (!plan.additions.is_empty()).then(|| Fix {
            additions: plan.additions.clone(),
        });
        (fix, None)
    } else {
        (None, Some(cannot_statement(client, server, &plan)))
    };
    Compatibility {
        client: client.id.clone(),
        connects: plan.fails_at.is_none(),
        fails_at: plan.fails_at,
        fix,
        cannot,
    }
}

/// Every embedded client against one server, in profile order.
pub fn compatibility_all(server: &AlgorithmLists) -> Vec<Compatibility> {
    client_profiles()
        .iter()
        .map(|client| compatibility(client, server))
        .collect()
}

/// The outcome of negotiating the defaults and repairing each failing category.
struct Plan {
    fails_at: Option<Category>,
    additions: Vec<(Category, String)>,
    /// Categories where the client implements nothing the server offers.
    impossible: Vec<Category>,
}

impl Plan {
    fn fail(&mut self, category: Category) {
        self.fails_at.get_or_insert(category);
    }

    fn add(&mut self, category: Category, name: &str) {
        if !self
            .additions
            .iter()
            .any(|(c, n)| *c == category && n == name)
        {
            self.additions.push((category, name.to_owned()));
        }
    }

    fn impossible(&mut self, category: Category) {
        if !self.impossible.contains(&category) {
            self.impossible.push(category);
        }
    }
}

fn plan(client: &ClientProfile, server: &AlgorithmLists) -> Plan {
    let defaults = negotiate(&client.default.to_lists(), server);
    let mut plan = Plan {
        fails_at: None,
        additions: Vec::new(),
        impossible: Vec::new(),
    };
    for (category, chosen, offered) in [
        (Category::Kex, &defaults.kex, &server.kex),
        (Category::HostKey, &defaults.host_key, &server.host_key),
    ] {
        if chosen.is_none() {
            plan.fail(category);
            match strongest(client, category, &[offered.as_slice()]) {
                Some(name) => plan.add(category, name),
                None => plan.impossible(category),
            }
        }
    }

    // Ciphers and MACs are negotiated per direction; one addition should serve both.
    let cipher_offers: [&[String]; 2] = [&server.cipher_c2s, &server.cipher_s2c];
    let mut ciphers = [defaults.cipher_c2s.clone(), defaults.cipher_s2c.clone()];
    let failing: Vec<usize> = (0..2).filter(|&d| ciphers[d].is_none()).collect();
    if !failing.is_empty() {
        plan.fail(Category::Cipher);
        for (d, name) in repair(client, Category::Cipher, &cipher_offers, &failing) {
            match name {
                Some(name) => {
                    plan.add(Category::Cipher, &name);
                    ciphers[d] = Some(name);
                }
                None => plan.impossible(Category::Cipher),
            }
        }
    }

    let mac_offers: [&[String]; 2] = [&server.mac_c2s, &server.mac_s2c];
    let failing: Vec<usize> = (0..2)
        .filter(|&d| match &ciphers[d] {
            // A direction without a cipher is already reported; its MAC is moot.
            None => false,
            Some(cipher) if is_aead(cipher) && !client.aead_needs_mac => false,
            Some(_) => choose(&client.default.mac, mac_offers[d]).is_none(),
        })
        .collect();
    if !failing.is_empty() {
        plan.fail(Category::Mac);
        for (_, name) in repair(client, Category::Mac, &mac_offers, &failing) {
            match name {
                Some(name) => plan.add(Category::Mac, &name),
                None => plan.impossible(Category::Mac),
            }
        }
    }
    plan
}

/// For each failing direction, the algorithm to add: one both accept when there is one.
fn repair(
    client: &ClientProfile,
    category: Category,
    offers: &[&[String]; 2],
    failing: &[usize],
) -> Vec<(usize, Option<String>)> {
    let all: Vec<&[String]> = failing.iter().map(|&d| offers[d]).collect();
    if let Some(shared) = strongest(client, category, &all) {
        return failing
            .iter()
            .map(|&d| (d, Some(shared.to_owned())))
            .collect();
    }
    failing
        .iter()
        .map(|&d| {
            (
                d,
                strongest(client, category, &[offers[d]]).map(str::to_owned),
            )
        })
        .collect()
}

/// The algorithm the client can offer that every list accepts, strongest by the notes'
/// standing, ties going to the client's own order.
fn strongest<'a>(
    client: &'a ClientProfile,
    category: Category,
    offers: &[&[String]],
) -> Option<&'a str> {
    let kind = AlgorithmKind::from(category);
    client
        .available
        .get(category)
        .iter()
        .enumerate()
        .filter(|(_, name)| !(category == Category::Kex && is_kex_marker(name)))
        .filter(|(_, name)| offers.iter().all(|offer| offer.contains(*name)))
        .max_by_key(|(i, name)| (lookup_in(kind, name).map(|n| n.status), Reverse(*i)))
        .map(|(_, name)| name.as_str())
}

/// What the server offers in a category, both directions merged, markers left out.
fn offered(server: &AlgorithmLists, category: Category) -> Vec<&str> {
    let lists: [&[String]; 2] = match category {
        Category::Kex => [&server.kex, &[]],
        Category::HostKey => [&server.host_key, &[]],
        Category::Cipher => [&server.cipher_c2s, &server.cipher_s2c],
        Category::Mac => [&server.mac_c2s, &server.mac_s2c],
    };
    let mut names: Vec<&str> = Vec::new();
    for name in lists.iter().flat_map(|l| l.iter()) {
        if !is_kex_marker(name) && !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
}

/// What a "cannot" statement says after its client's name ("Paramiko 5.0 cannot connect: "):
/// `the device offers only …`, so another name for the client, or several names, can lead
/// it. None when `statement` is not about `client_name`.
pub fn cannot_reason<'a>(statement: &'a str, client_name: &str) -> Option<&'a str> {
    statement
        .strip_prefix(client_name)?
        .strip_prefix(" cannot connect: ")
}

fn cannot_statement(client: &ClientProfile, server: &AlgorithmLists, plan: &Plan) -> String {
    let what: Vec<String> = plan
        .impossible
        .iter()
        .map(|&c| {
            let names = offered(server, c);
            if names.is_empty() {
                format!("no {} algorithm at all", category_title(c))
            } else {
                format!("only {} for {}", quote_names(&names), category_title(c))
            }
        })
        .collect();
    let mut text = format!(
        "{} cannot connect: the device offers {}.",
        client.name,
        join_and(&what)
    );
    let removed = |c: Category| offered(server, c).iter().any(|n| client.was_removed(c, n));
    if let Some(note) = client.removed.as_ref().map(|r| &r.note)
        && plan.impossible.iter().any(|&c| removed(c))
    {
        text.push(' ');
        text.push_str(note);
        text.push('.');
    }
    let never: Vec<&str> = plan
        .impossible
        .iter()
        .filter(|&&c| !removed(c) && !offered(server, c).is_empty())
        .map(|&c| category_title(c))
        .collect();
    if !never.is_empty() {
        text.push_str(&format!(
            " It implements none of the offered {} algorithms.",
            join_and(&never)
        ));
    }
    let alternatives = alternatives(client, server);
    if alternatives.is_empty() {
        text.push_str(" None of the clients sshtriage knows can negotiate with this device.");
    } else {
        text.push_str(&format!(" Clients that can: {}.", alternatives.join("; ")));
    }
    text
}

/// Other clients that connect, as phrases: the profile's own fallbacks first, then OpenSSH.
fn alternatives(client: &ClientProfile, server: &AlgorithmLists) -> Vec<String> {
    let mut tried = vec![client.id.as_str()];
    let mut found = Vec::new();
    let mut consider = |candidate: &'static ClientProfile, how: Option<&str>| -> bool {
        if tried.contains(&candidate.id.as_str()) {
            return false;
        }
        tried.push(candidate.id.as_str());
        let plan = plan(candidate, server);
        if !plan.impossible.is_empty() {
            return false;
        }
        let mut phrase = if plan.additions.is_empty() {
            format!("{} as shipped", candidate.name)
        } else {
            let fix = Fix {
                additions: plan.additions,
            };
            format!("{} with {}", candidate.name, fix_summary(candidate, &fix))
        };
        if let Some(how) = how {
            phrase.push_str(&format!(" ({how})"));
        }
        found.push(phrase);
        true
    };
    for fallback in &client.fallbacks {
        if let Some(candidate) = client_profile(&fallback.profile) {
            consider(candidate, Some(&fallback.how));
        }
    }
    if client.family != Family::Openssh {
        for candidate in client_profiles()
            .iter()
            .filter(|p| p.family == Family::Openssh)
        {
            if consider(candidate, None) {
                break;
            }
        }
    }
    let mut extra = 0;
    for candidate in client_profiles() {
        if extra == 2 {
            break;
        }
        if consider(candidate, None) {
            extra += 1;
        }
    }
    found.truncate(ALTERNATIVES);
    found
}

fn quote_names(names: &[&str]) -> String {
    if names.len() <= QUOTED_NAMES {
        return join_and(names);
    }
    format!(
        "{} and {} more",
        names[..QUOTED_NAMES].join(", "),
        names.len() - QUOTED_NAMES
    )
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

fn serialize_category<S: Serializer>(c: &Option<Category>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_str(c.key()),
        None => s.serialize_none(),
    }
}

fn serialize_additions<S: Serializer>(
    additions: &[(Category, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    struct Addition<'a>(Category, &'a str);
    impl Serialize for Addition<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("Addition", 2)?;
            st.serialize_field("category", self.0.key())?;
            st.serialize_field("algorithm", self.1)?;
            st.end()
        }
    }
    let mut seq = s.serialize_seq(Some(additions.len()))?;
    for (c, name) in additions {
        seq.serialize_element(&Addition(*c, name))?;
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AlgorithmLists;

    fn server(kex: &[&str], host_key: &[&str], cipher: &[&str], mac: &[&str]) -> AlgorithmLists {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        AlgorithmLists {
            kex: v(kex),
            host_key: v(host_key),
            cipher_c2s: v(cipher),
            cipher_s2c: v(cipher),
            mac_c2s: v(mac),
            mac_s2c: v(mac),
            compression_c2s: v(&["none"]),
            compression_s2c: v(&["none"]),
        }
    }

    fn legacy() -> AlgorithmLists {
        server(
            &["diffie-hellman-group14-sha1"],
            &["ssh-rsa"],
            &["aes128-cbc"],
            &["hmac-sha1"],
        )
    }

    fn modern() -> AlgorithmLists {
        // What OpenSSH 9.2's sshd offers by default, markers included.
        server(
            &[
                "sntrup761x25519-sha512@openssh.com",
                "curve25519-sha256",
                "curve25519-sha256@libssh.org",
                "ecdh-sha2-nistp256",
                "diffie-hellman-group14-sha256",
                "ext-info-s",
                "kex-strict-s-v00@openssh.com",
            ],
            &[
                "rsa-sha2-512",
                "rsa-sha2-256",
                "ecdsa-sha2-nistp256",
                "ssh-ed25519",
            ],
            &[
                "chacha20-poly1305@openssh.com",
                "aes128-ctr",
                "aes256-gcm@openssh.com",
            ],
            &[
                "umac-64-etm@openssh.com",
                "hmac-sha2-256-etm@openssh.com",
                "hmac-sha1",
            ],
        )
    }

    fn profile(id: &str) -> &'static ClientProfile {
        client_profile(id).unwrap_or_else(|| panic!("no profile {id}"))
    }

    fn additions(c: &Compatibility) -> Vec<(Category, &str)> {
        c.fix
            .as_ref()
            .map(|f| f.additions.iter().map(|(c, n)| (*c, n.as_str())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn openssh_92_on_a_legacy_server_needs_kex_host_key_and_cipher() {
        let c = compatibility(profile("openssh-9.2"), &legacy());
        assert!(!c.connects);
        assert_eq!(c.fails_at, Some(Category::Kex));
        assert_eq!(c.cannot, None);
        // hmac-sha1 is still in OpenSSH 9.2's default MACs (myproposal.h, `ssh -G`), so the
        // non-AEAD aes128-cbc finds its MAC without an addition.
        assert_eq!(
            additions(&c),
            vec![
                (Category::Kex, "diffie-hellman-group14-sha1"),
                (Category::HostKey, "ssh-rsa"),
                (Category::Cipher, "aes128-cbc"),
            ]
        );
    }

    #[test]
    fn a_non_aead_cipher_fix_also_adds_a_mac_when_the_defaults_lack_one() {
        // russh leaves SHA-1 MACs out of its defaults, and ssh-rsa is in them.
        let c = compatibility(profile("russh-0.65"), &legacy());
        assert_eq!(c.fails_at, Some(Category::Kex));
        assert_eq!(
            additions(&c),
            vec![
                (Category::Kex, "diffie-hellman-group14-sha1"),
                (Category::Cipher, "aes128-cbc"),
                (Category::Mac, "hmac-sha1"),
            ]
        );
        // OpenSSH with an MD5-only server: the MAC is the only failure.
        let md5 = server(
            &["curve25519-sha256"],
            &["ssh-ed25519"],
            &["aes128-ctr"],
            &["hmac-md5"],
        );
        let c = compatibility(profile("openssh-9.2"), &md5);
        assert_eq!(c.fails_at, Some(Category::Mac));
        assert_eq!(additions(&c), vec![(Category::Mac, "hmac-md5")]);
    }

    #[test]
    fn an_aead_cipher_needs_no_mac() {
        let s = server(
            &["curve25519-sha256"],
            &["ssh-ed25519"],
            &["aes256-gcm@openssh.com"],
            &["hmac-md5"],
        );
        let c = compatibility(profile("openssh-9.2"), &s);
        assert!(c.connects, "{c:?}");
        assert_eq!(c.fix, None);
    }

    #[test]
    fn paramiko_5_cannot_reach_a_legacy_server_and_names_who_can() {
        let c = compatibility(profile("paramiko-5.0"), &legacy());
        assert!(!c.connects);
        assert_eq!(c.fails_at, Some(Category::Kex));
        assert_eq!(c.fix, None);
        let cannot = c.cannot.expect("a cannot statement");
        assert!(
            cannot.starts_with("Paramiko 5.0 cannot connect"),
            "{cannot}"
        );
        assert!(
            cannot.contains("only diffie-hellman-group14-sha1 for key exchange"),
            "{cannot}"
        );
        assert!(cannot.contains("only ssh-rsa for host key"), "{cannot}");
        assert!(cannot.contains("no option brings them back"), "{cannot}");
        assert!(
            cannot.contains("Paramiko 4.0 as shipped (pip install \"paramiko>=4.0,<5\")"),
            "{cannot}"
        );
        assert!(
            cannot.contains("OpenSSH 9.2p1 (Debian 12) with -o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa"),
            "{cannot}"
        );
    }

    #[test]
    fn netmiko_points_at_its_paramiko_4_extra() {
        let c = compatibility(profile("netmiko-4"), &legacy());
        let cannot = c.cannot.expect("a cannot statement");
        assert!(cannot.contains("pip install \"netmiko[par4]\""), "{cannot}");
    }

    #[test]
    fn the_strongest_candidate_wins_not_the_first_legacy_one() {
        let s = server(
            &["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"],
            &["ssh-dss", "ssh-rsa"],
            &["3des-cbc", "aes256-cbc"],
            &["hmac-sha2-256"],
        );
        let c = compatibility(profile("openssh-9.2"), &s);
        assert_eq!(
            additions(&c),
            vec![
                (Category::Kex, "diffie-hellman-group14-sha1"),
                (Category::HostKey, "ssh-rsa"),
                (Category::Cipher, "aes256-cbc"),
            ]
        );
        // Standing beats the client's order: list the broken one first and it still loses.
        let mut reordered = profile("openssh-9.2").clone();
        reordered
            .available
            .kex
            .retain(|k| k != "diffie-hellman-group1-sha1");
        reordered
            .available
            .kex
            .insert(0, "diffie-hellman-group1-sha1".into());
        let c = compatibility(&reordered, &s);
        assert_eq!(
            additions(&c)[0],
            (Category::Kex, "diffie-hellman-group14-sha1")
        );
    }

    #[test]
    fn a_modern_server_suits_everyone() {
        for c in compatibility_all(&modern()) {
            assert!(c.connects, "{c:?}");
            assert_eq!((c.fails_at, &c.fix, &c.cannot), (None, &None, &None));
        }
        assert_eq!(compatibility_all(&modern()).len(), client_profiles().len());
    }

    #[test]
    fn dsa_only_server_sends_openssh_10_back_to_9() {
        let s = server(
            &["diffie-hellman-group14-sha256"],
            &["ssh-dss"],
            &["aes128-ctr"],
            &["hmac-sha2-256"],
        );
        let c = compatibility(profile("openssh-10.0"), &s);
        let cannot = c.cannot.expect("10.0 has no DSA");
        assert!(
            cannot.contains("OpenSSH 10.0 removed DSA entirely"),
            "{cannot}"
        );
        assert!(
            cannot.contains("OpenSSH 9.2p1 (Debian 12) with -o HostKeyAlgorithms=+ssh-dss"),
            "{cannot}"
        );
        let c = compatibility(profile("openssh-9.2"), &s);
        assert_eq!(additions(&c), vec![(Category::HostKey, "ssh-dss")]);
    }

    #[test]
    fn nobody_speaks_rc4() {
        let s = server(
            &["curve25519-sha256"],
            &["ssh-ed25519"],
            &["arcfour", "arcfour256"],
            &["hmac-sha1"],
        );
        let c = compatibility(profile("openssh-9.2"), &s);
        assert_eq!(c.fails_at, Some(Category::Cipher));
        let cannot = c.cannot.expect("no client does RC4");
        assert!(
            cannot.contains("only arcfour and arcfour256 for cipher"),
            "{cannot}"
        );
        assert!(
            cannot.contains("It implements none of the offered cipher algorithms."),
            "{cannot}"
        );
        assert!(
            cannot.ends_with("None of the clients sshtriage knows can negotiate with this device."),
            "{cannot}"
        );
    }

    #[test]
    fn directions_are_repaired_separately_when_they_must_be() {
        let mut s = server(
            &["curve25519-sha256"],
            &["ssh-ed25519"],
            &["aes128-cbc"],
            &["hmac-sha2-256"],
        );
        s.cipher_s2c = vec!["3des-cbc".into()];
        let c = compatibility(profile("openssh-9.2"), &s);
        assert_eq!(
            additions(&c),
            vec![
                (Category::Cipher, "aes128-cbc"),
                (Category::Cipher, "3des-cbc")
            ]
        );
        // A name both directions accept is preferred over two different ones.
        s.cipher_c2s.push("3des-cbc".into());
        let c = compatibility(profile("openssh-9.2"), &s);
        assert_eq!(additions(&c), vec![(Category::Cipher, "3des-cbc")]);
    }

    #[test]
    fn json_shape() {
        let c = compatibility(profile("openssh-9.2"), &legacy());
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(json["client"], "openssh-9.2");
        assert_eq!(json["connects"], false);
        assert_eq!(json["fails_at"], "kex");
        assert_eq!(json["fix"]["additions"][0]["category"], "kex");
        assert_eq!(
            json["fix"]["additions"][0]["algorithm"],
            "diffie-hellman-group14-sha1"
        );
        assert!(json.get("cannot").is_none(), "{json}");
        let ok = serde_json::to_value(compatibility(profile("openssh-9.2"), &modern()))
            .expect("serialises");
        assert_eq!(ok["fails_at"], serde_json::Value::Null);
        assert_eq!(ok["fix"], serde_json::Value::Null);
    }

    #[test]
    fn an_empty_server_offer_is_reported_not_panicked_on() {
        let c = compatibility(profile("paramiko-4.0"), &AlgorithmLists::default());
        assert_eq!(c.fails_at, Some(Category::Kex));
        let cannot = c.cannot.expect("nothing offered");
        assert!(
            cannot.contains("no key exchange algorithm at all"),
            "{cannot}"
        );
    }
}
