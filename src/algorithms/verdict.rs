//! The key exchange as the engineer's client would do it: its effective offer negotiated
//! against the server's KEXINIT, the same for the other clients its source might use, and the
//! compatibility rows with the user's own settings applied. The probe's own key exchange is
//! only the instrument that lets the later stages run.

use super::allowlist::Category;
use super::clients::{ClientProfile, Family, client_profiles};
use super::compat;
use super::effective::{EffectiveOffer, directive, effective_offer};
use super::negotiate::{is_aead, is_kex_marker, negotiate};
use super::resolve::{ClientSet, Resolved};
use crate::device::{ClientKind, DeviceClient};
use crate::model::{AlgorithmLists, ClientCompatibility, ClientEvidence, Negotiated, OtherClient};

/// The first category where a client and a server have nothing in common.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub category: Category,
    /// "key exchange", "cipher (client to server)", …
    pub what: &'static str,
    pub client: Vec<String>,
    pub server: Vec<String>,
}

impl Gap {
    /// `no key exchange algorithm in common: the server offers a,b; <who> offers c,d`.
    pub fn sentence(&self, who: &str) -> String {
        format!(
            "no {} algorithm in common: the server offers {}; {who} offers {}",
            self.what,
            show(&self.server),
            show(&self.client)
        )
    }
}

fn show(list: &[String]) -> String {
    let names: Vec<&str> = list
        .iter()
        .map(String::as_str)
        .filter(|n| !is_kex_marker(n))
        .collect();
    // A server may offer hundreds of names; a sentence quotes the first few.
    const QUOTED: usize = 12;
    match names.len() {
        0 => "(nothing)".into(),
        n if n > QUOTED => format!("{} and {} more", names[..QUOTED].join(","), n - QUOTED),
        _ => names.join(","),
    }
}

/// One category and direction: what was chosen, both lists, and whether its MAC is moot.
type Check<'a> = (
    Category,
    &'static str,
    &'a Option<String>,
    &'a [String],
    &'a [String],
    bool,
);

/// Where `client` and `server` fail to agree, in the order the protocol negotiates.
pub fn first_gap(
    client: &AlgorithmLists,
    server: &AlgorithmLists,
    aead_needs_mac: bool,
) -> Option<Gap> {
    let chosen = negotiate(client, server);
    let mac_moot = |cipher: &Option<String>| {
        cipher
            .as_deref()
            .is_some_and(|c| is_aead(c) && !aead_needs_mac)
    };
    let checks: [Check; 6] = [
        (
            Category::Kex,
            "key exchange",
            &chosen.kex,
            &client.kex,
            &server.kex,
            false,
        ),
        (
            Category::HostKey,
            "host key",
            &chosen.host_key,
            &client.host_key,
            &server.host_key,
            false,
        ),
        (
            Category::Cipher,
            "cipher (client to server)",
            &chosen.cipher_c2s,
            &client.cipher_c2s,
            &server.cipher_c2s,
            false,
        ),
        (
            Category::Cipher,
            "cipher (server to client)",
            &chosen.cipher_s2c,
            &client.cipher_s2c,
            &server.cipher_s2c,
            false,
        ),
        (
            Category::Mac,
            "MAC (client to server)",
            &chosen.mac_c2s,
            &client.mac_c2s,
            &server.mac_c2s,
            mac_moot(&chosen.cipher_c2s),
        ),
        (
            Category::Mac,
            "MAC (server to client)",
            &chosen.mac_s2c,
            &client.mac_s2c,
            &server.mac_s2c,
            mac_moot(&chosen.cipher_s2c),
        ),
    ];
    checks
        .into_iter()
        .find(|(_, _, chosen, _, _, moot)| chosen.is_none() && !moot)
        .map(|(category, what, _, client, server, _)| Gap {
            category,
            what,
            client: client.to_vec(),
            server: server.to_vec(),
        })
}

/// The key exchange verdict for one device.
#[derive(Debug, Clone, PartialEq)]
pub struct KexVerdict {
    pub client: ClientEvidence,
    /// The primary client's effective offer and what it would pick.
    pub lists: AlgorithmLists,
    pub negotiated: Negotiated,
    /// Where the primary client fails, with the sentence naming it.
    pub failure: Option<(Gap, String)>,
    /// The other clients that would fail, as sentences.
    pub others_failing: Vec<String>,
    pub compatibility: Vec<ClientCompatibility>,
}

/// How a client is named in sentences: `Paramiko 5.1 (this machine), used by your Ansible
/// network_cli`.
pub fn who(resolved: &Resolved) -> String {
    let mut name = resolved.profile.name.clone();
    if resolved.here.is_some() {
        name.push_str(" (this machine)");
    }
    if let Some(by) = resolved.used_by {
        name.push_str(&format!(", used by {}", by.phrase()));
    }
    name
}

/// The verdict of `clients` (settings from `client`) against a server's offer.
pub fn kex_verdict(
    clients: &ClientSet,
    client: &DeviceClient,
    known_types: &[String],
    server: &AlgorithmLists,
) -> KexVerdict {
    let offer = |r: &Resolved| effective_offer(r.profile, r.kind, client, known_types);
    let primary = &clients.primary;
    let effective = offer(primary);
    let lists = effective.to_lists();
    let failure = first_gap(&lists, server, primary.profile.aead_needs_mac).map(|gap| {
        let sentence = format!("{} has {}", who(primary), gap.sentence("it"));
        (gap, sentence)
    });
    let mut others = Vec::new();
    let mut others_failing = Vec::new();
    for other in &clients.alternatives {
        let gap = first_gap(
            &offer(other).to_lists(),
            server,
            other.profile.aead_needs_mac,
        );
        if let Some(gap) = &gap {
            others_failing.push(format!("{} would find {}", who(other), gap.sentence("it")));
        }
        others.push(OtherClient {
            id: other.profile.id.clone(),
            name: other.profile.name.clone(),
            connects: gap.is_none(),
            fails_at: gap.map(|g| g.category.key().to_owned()),
        });
    }
    let evidence = ClientEvidence {
        id: primary.profile.id.clone(),
        name: primary.profile.name.clone(),
        kind: primary.kind.name().to_owned(),
        used_by: primary.used_by.map(|u| u.phrase().to_owned()),
        this_machine: primary.here.clone(),
        why: primary.why.clone(),
        settings: effective
            .applied
            .iter()
            .map(|a| {
                format!(
                    "{} {} ({})",
                    directive(a.setting.category),
                    a.setting.value,
                    a.setting.source
                )
            })
            .collect(),
        problems: effective
            .applied
            .iter()
            .filter_map(|a| a.problem.clone())
            .collect(),
        others,
    };
    KexVerdict {
        client: evidence,
        negotiated: negotiate(&lists, server),
        lists,
        failure,
        others_failing,
        compatibility: compatibility(client, known_types, server),
    }
}

/// Every client profile against the server, each with the user's settings that its kind of
/// client reads (an OpenSSH row with the ssh_config lines, a Paramiko row with
/// `disabled_algorithms`), so a row's fix never adds what is configured already.
pub fn compatibility(
    client: &DeviceClient,
    known_types: &[String],
    server: &AlgorithmLists,
) -> Vec<ClientCompatibility> {
    client_profiles()
        .iter()
        .map(|profile| {
            let kind = kind_of(profile.family);
            let effective: EffectiveOffer = effective_offer(profile, kind, client, known_types);
            let as_run: ClientProfile = effective.profile(profile);
            super::evidence::row(compat::compatibility(&as_run, server))
        })
        .collect()
}

fn kind_of(family: Family) -> ClientKind {
    match family {
        Family::Openssh => ClientKind::Openssh,
        Family::Paramiko => ClientKind::Paramiko,
        Family::Netmiko => ClientKind::Netmiko,
        Family::Libssh => ClientKind::Libssh,
        Family::Russh => ClientKind::Russh,
    }
}
