//! Turns algorithm knowledge into report evidence: notes for what a server offers and, per
//! client profile, whether it would connect.

use super::compat;
use super::notes;
use crate::model::{AlgorithmLists, AlgorithmNote, ClientCompatibility, FixAddition};

/// Notes for every distinct algorithm in the server's offer, in offer order.
pub fn notes_for(server: &AlgorithmLists) -> Vec<AlgorithmNote> {
    let mut seen: Vec<&str> = Vec::new();
    let all = [
        &server.kex,
        &server.host_key,
        &server.cipher_c2s,
        &server.cipher_s2c,
        &server.mac_c2s,
        &server.mac_s2c,
    ];
    let mut out = Vec::new();
    for name in all.into_iter().flatten() {
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        if let Some(n) = notes::lookup(name) {
            out.push(n.clone());
        }
    }
    out
}

/// A compatibility verdict as reports carry it.
pub fn row(c: compat::Compatibility) -> ClientCompatibility {
    ClientCompatibility {
        client: c.client,
        connects: c.connects,
        fails_at: c.fails_at.map(|f| f.key().to_owned()),
        fix: c.fix.map(|fix| {
            fix.additions
                .into_iter()
                .map(|(category, algorithm)| FixAddition {
                    category: category.key().to_owned(),
                    algorithm,
                })
                .collect()
        }),
        cannot: c.cannot,
        this_machine: None,
    }
}

/// Every client profile against this server, as shipped.
pub fn compatibility(server: &AlgorithmLists) -> Vec<ClientCompatibility> {
    compat::compatibility_all(server)
        .into_iter()
        .map(row)
        .collect()
}
