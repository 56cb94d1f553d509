//! What changed between two runs, device by device: the stage reached, the failure, the host
//! key, the banner and software, the server's algorithm lists and what the client
//! negotiates, the auth methods, the platform profile and the client; devices added and
//! removed; and whether anything got worse. Devices are matched by name, else by host:port.
//! Pure data in, data out: the command prints it (`cli::diff`).
//!
//! Worse means, for a device in both runs: it stops at an earlier stage than before; it
//! fails where it passed, or fails for another reason at the same or an earlier stage (a
//! failure at a later stage is progress); or its host key changed (a key of the same type
//! with another fingerprint). A device added that fails is worse too: it is a new failure.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::{AlgorithmLists, DeviceReport, Failure, HostKeyEvidence, Negotiated, Stage};

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDiff {
    /// One line: "7 devices changed host key, 2 newly fail at auth".
    pub headline: String,
    /// Something got worse (see the module's doc): `sshtriage diff` exits 1.
    pub worse: bool,
    /// Devices found in both runs.
    pub compared: usize,
    /// Of those, the ones with nothing to report.
    pub unchanged: usize,
    /// The devices in both runs that changed, in the new run's order.
    pub changed: Vec<DeviceDiff>,
    pub added: Vec<DeviceSummary>,
    pub removed: Vec<DeviceSummary>,
}

/// A device of one run only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceSummary {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub reached: Option<Stage>,
    pub failure: Option<Failure>,
}

impl DeviceSummary {
    fn of(r: &DeviceReport) -> Self {
        DeviceSummary {
            name: r.name.clone(),
            host: r.host.clone(),
            port: r.port,
            reached: r.reached,
            failure: r.failure.clone(),
        }
    }
}

/// How a device of the new run was found in the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Name,
    /// Renamed: same host and port, another name.
    Address,
}

/// One device found in both runs, and what changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceDiff {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub matched_by: MatchedBy,
    /// Its name in the old run, when it was matched by address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// Why it counts as worse; empty when it does not.
    pub worse: Vec<Worse>,
    pub changes: Vec<Change>,
}

/// The ways a device gets worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Worse {
    /// The last stage passed is earlier than before.
    EarlierStage,
    /// It fails where it passed, or for another reason at the same or an earlier stage.
    NewFailure,
    /// A host key of the same type has another fingerprint.
    HostKeyChanged,
}

/// One change of one device, old value and new.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Change {
    Reached {
        old: Option<Stage>,
        new: Option<Stage>,
    },
    Failure {
        old: Option<Failure>,
        new: Option<Failure>,
    },
    /// `key_type` is the type both keys have; None when the runs saw keys of different types
    /// (another key negotiated, not a changed key).
    HostKey {
        old: String,
        new: String,
        key_type: Option<String>,
    },
    Software {
        old: String,
        new: String,
    },
    /// The identification line or the text before it, the software being the same.
    Banner {
        old: String,
        new: String,
    },
    /// The server's list for one category, as names added and removed.
    ServerAlgorithms {
        category: &'static str,
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// What the engineer's client negotiates in one category.
    Negotiated {
        category: &'static str,
        old: Option<String>,
        new: Option<String>,
    },
    AuthMethods {
        old: Vec<String>,
        new: Vec<String>,
    },
    Profile {
        old: String,
        new: String,
    },
    Client {
        old: String,
        new: String,
    },
}

/// Compares the devices of two runs.
pub fn diff(old: &[DeviceReport], new: &[DeviceReport]) -> RunDiff {
    let pairs = match_devices(old, new);
    let mut changed = Vec::new();
    let mut compared = 0;
    let mut added = Vec::new();
    let mut old_matched = vec![false; old.len()];
    for (n, found) in pairs.iter().enumerate() {
        match found {
            Some((o, by)) => {
                compared += 1;
                old_matched[*o] = true;
                if let Some(d) = device_diff(&old[*o], &new[n], *by) {
                    changed.push(d);
                }
            }
            None => added.push(DeviceSummary::of(&new[n])),
        }
    }
    let removed: Vec<DeviceSummary> = old
        .iter()
        .zip(&old_matched)
        .filter(|(_, matched)| !**matched)
        .map(|(r, _)| DeviceSummary::of(r))
        .collect();
    let worse =
        changed.iter().any(|d| !d.worse.is_empty()) || added.iter().any(|a| a.failure.is_some());
    let mut diff = RunDiff {
        headline: String::new(),
        worse,
        compared,
        unchanged: compared - changed.len(),
        changed,
        added,
        removed,
    };
    diff.headline = headline(&diff);
    diff
}

/// For each device of `new`, its match in `old` (index) and how it was found: by name
/// first, then the devices left over by host and port. Each old device matches once.
fn match_devices(old: &[DeviceReport], new: &[DeviceReport]) -> Vec<Option<(usize, MatchedBy)>> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in old.iter().enumerate().rev() {
        if !r.name.is_empty() {
            by_name.entry(r.name.as_str()).or_default().push(i);
        }
    }
    let mut taken = vec![false; old.len()];
    let mut found: Vec<Option<(usize, MatchedBy)>> = new
        .iter()
        .map(|r| {
            let i = by_name.get_mut(r.name.as_str())?.pop()?;
            taken[i] = true;
            Some((i, MatchedBy::Name))
        })
        .collect();
    let mut by_address: HashMap<(&str, u16), Vec<usize>> = HashMap::new();
    for (i, r) in old.iter().enumerate().rev() {
        if !taken[i] {
            by_address
                .entry((r.host.as_str(), r.port))
                .or_default()
                .push(i);
        }
    }
    for (slot, r) in found.iter_mut().zip(new) {
        if slot.is_none() {
            *slot = by_address
                .get_mut(&(r.host.as_str(), r.port))
                .and_then(Vec::pop)
                .map(|i| (i, MatchedBy::Address));
        }
    }
    found
}

/// What changed on one device; None when nothing did.
fn device_diff(old: &DeviceReport, new: &DeviceReport, by: MatchedBy) -> Option<DeviceDiff> {
    let mut changes = Vec::new();
    let mut worse = Vec::new();

    if old.reached != new.reached {
        changes.push(Change::Reached {
            old: old.reached,
            new: new.reached,
        });
        if rank(new.reached) < rank(old.reached) {
            worse.push(Worse::EarlierStage);
        }
    }
    let key = |f: &Failure| (f.stage, f.reason);
    if old.failure.as_ref().map(key) != new.failure.as_ref().map(key) {
        changes.push(Change::Failure {
            old: old.failure.clone(),
            new: new.failure.clone(),
        });
        if let Some(f) = &new.failure
            && old.failure.as_ref().is_none_or(|o| f.stage <= o.stage)
        {
            worse.push(Worse::NewFailure);
        }
    }
    if let (Some(o), Some(n)) = (&old.host_key, &new.host_key)
        && o.fingerprint != n.fingerprint
    {
        let key_type = same_type_changed(o, n);
        if key_type.is_some() {
            worse.push(Worse::HostKeyChanged);
        }
        changes.push(Change::HostKey {
            old: format!("{} {}", key_type_of(o), o.fingerprint),
            new: format!("{} {}", key_type_of(n), n.fingerprint),
            key_type,
        });
    }
    if let (Some(o), Some(n)) = (&old.banner, &new.banner) {
        if o.software != n.software {
            changes.push(Change::Software {
                old: o.software.clone(),
                new: n.software.clone(),
            });
        } else if o.raw != n.raw || o.pre_banner != n.pre_banner {
            changes.push(Change::Banner {
                old: banner_text(o),
                new: banner_text(n),
            });
        }
    }
    if let (Some(o), Some(n)) = (&old.algorithms, &new.algorithms) {
        for ((category, o_list), (_, n_list)) in lists(&o.server).into_iter().zip(lists(&n.server))
        {
            let added: Vec<String> = n_list
                .iter()
                .filter(|a| !o_list.contains(a))
                .cloned()
                .collect();
            let removed: Vec<String> = o_list
                .iter()
                .filter(|a| !n_list.contains(a))
                .cloned()
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                changes.push(Change::ServerAlgorithms {
                    category,
                    added,
                    removed,
                });
            }
        }
        for ((category, o_pick), (_, n_pick)) in
            picks(&o.negotiated).into_iter().zip(picks(&n.negotiated))
        {
            if o_pick != n_pick {
                changes.push(Change::Negotiated {
                    category,
                    old: o_pick.clone(),
                    new: n_pick.clone(),
                });
            }
        }
    }
    if let (Some(o), Some(n)) = (&old.auth_methods, &new.auth_methods)
        && o != n
    {
        changes.push(Change::AuthMethods {
            old: o.clone(),
            new: n.clone(),
        });
    }
    if let (Some(o), Some(n)) = (&old.profile, &new.profile)
        && o != n
    {
        changes.push(Change::Profile {
            old: o.clone(),
            new: n.clone(),
        });
    }
    if let (Some(o), Some(n)) = (&old.client, &new.client)
        && o.id != n.id
    {
        changes.push(Change::Client {
            old: o.id.clone(),
            new: n.id.clone(),
        });
    }
    let renamed = old.name != new.name;
    if changes.is_empty() && !renamed {
        return None;
    }
    Some(DeviceDiff {
        name: new.name.clone(),
        host: new.host.clone(),
        port: new.port,
        matched_by: by,
        old_name: renamed.then(|| old.name.clone()),
        worse,
        changes,
    })
}

/// How far a device got: 0 for nothing passed, then one more per stage.
fn rank(reached: Option<Stage>) -> usize {
    reached.map_or(0, |s| s.index() + 1)
}

/// The key's type as known_hosts writes it (`ssh-rsa` for every RSA signature algorithm).
fn key_type_of(k: &HostKeyEvidence) -> &str {
    k.openssh
        .split_whitespace()
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or(match k.algorithm.as_str() {
            "rsa-sha2-256" | "rsa-sha2-512" => "ssh-rsa",
            other => other,
        })
}

/// The type of key both runs saw with different fingerprints: the negotiated keys when they
/// are of one type, else a type the other run's announced (proven) keys also hold.
fn same_type_changed(old: &HostKeyEvidence, new: &HostKeyEvidence) -> Option<String> {
    let keys = |k: &HostKeyEvidence| -> Vec<(String, String)> {
        std::iter::once((key_type_of(k).to_string(), k.fingerprint.clone()))
            .chain(
                k.announced
                    .iter()
                    .filter(|a| a.proven)
                    .map(|a| (a.algorithm.clone(), a.fingerprint.clone())),
            )
            .collect()
    };
    let (old_keys, new_keys) = (keys(old), keys(new));
    new_keys.iter().find_map(|(t, fp)| {
        old_keys
            .iter()
            .any(|(ot, ofp)| ot == t && ofp != fp)
            .then(|| t.clone())
    })
}

fn banner_text(b: &crate::model::BannerEvidence) -> String {
    match b.pre_banner.len() {
        0 => b.raw.clone(),
        n => format!("{} (after {n} lines of text)", b.raw),
    }
}

fn lists(l: &AlgorithmLists) -> [(&'static str, &Vec<String>); 8] {
    [
        ("kex", &l.kex),
        ("host_key", &l.host_key),
        ("cipher_c2s", &l.cipher_c2s),
        ("cipher_s2c", &l.cipher_s2c),
        ("mac_c2s", &l.mac_c2s),
        ("mac_s2c", &l.mac_s2c),
        ("compression_c2s", &l.compression_c2s),
        ("compression_s2c", &l.compression_s2c),
    ]
}

fn picks(n: &Negotiated) -> [(&'static str, &Option<String>); 6] {
    [
        ("kex", &n.kex),
        ("host_key", &n.host_key),
        ("cipher_c2s", &n.cipher_c2s),
        ("cipher_s2c", &n.cipher_s2c),
        ("mac_c2s", &n.mac_c2s),
        ("mac_s2c", &n.mac_s2c),
    ]
}

/// "7 devices changed host key, 2 newly fail at auth, 1 now passes", worst news first.
fn headline(d: &RunDiff) -> String {
    let mut host_key = 0;
    let mut newly_fail: BTreeMap<Stage, usize> = BTreeMap::new();
    let (mut earlier, mut now_pass, mut later, mut other) = (0, 0, 0, 0);
    for device in &d.changed {
        let failures = device.changes.iter().find_map(|c| match c {
            Change::Failure { old, new } => Some((old, new)),
            _ => None,
        });
        let has = |w: Worse| device.worse.contains(&w);
        let mut counted = false;
        if has(Worse::HostKeyChanged) {
            host_key += 1;
            counted = true;
        }
        match failures {
            // A changed key failing the host key check is one piece of news, not two.
            Some((_, Some(new))) if has(Worse::HostKeyChanged) && new.stage == Stage::HostKey => {}
            Some((_, Some(new))) if has(Worse::NewFailure) => {
                *newly_fail.entry(new.stage).or_default() += 1;
                counted = true;
            }
            Some((Some(_), None)) => {
                now_pass += 1;
                counted = true;
            }
            Some((Some(_), Some(_))) => {
                later += 1;
                counted = true;
            }
            _ => {}
        }
        if !counted && has(Worse::EarlierStage) {
            earlier += 1;
            counted = true;
        }
        if !counted {
            other += 1;
        }
    }
    let mut parts: Vec<(usize, String, String)> = Vec::new();
    let verb = |n: usize, one: &str, many: &str| if n == 1 { one } else { many }.to_string();
    if host_key > 0 {
        parts.push((
            host_key,
            "changed host key".into(),
            "changed host key".into(),
        ));
    }
    for (stage, n) in newly_fail {
        let words = format!("at {}", stage.name());
        parts.push((
            n,
            format!("newly fails {words}"),
            format!("newly fail {words}"),
        ));
    }
    if earlier > 0 {
        parts.push((
            earlier,
            "stops at an earlier stage".into(),
            "stop at an earlier stage".into(),
        ));
    }
    if later > 0 {
        parts.push((
            later,
            "fails at a later stage".into(),
            "fail at a later stage".into(),
        ));
    }
    if now_pass > 0 {
        parts.push((now_pass, "now passes".into(), "now pass".into()));
    }
    if other > 0 {
        parts.push((
            other,
            "changed otherwise".into(),
            "changed otherwise".into(),
        ));
    }
    let failing_added = d.added.iter().filter(|a| a.failure.is_some()).count();
    if !d.added.is_empty() {
        let failing = match failing_added {
            0 => String::new(),
            n => format!(" ({n} failing)"),
        };
        parts.push((
            d.added.len(),
            format!("added{failing}"),
            format!("added{failing}"),
        ));
    }
    if !d.removed.is_empty() {
        parts.push((d.removed.len(), "removed".into(), "removed".into()));
    }
    if parts.is_empty() {
        return format!(
            "nothing changed: {} {} as before",
            d.compared,
            verb(d.compared, "device", "devices")
        );
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, (n, one, many))| {
            let noun = match i {
                0 => format!(" {}", verb(*n, "device", "devices")),
                _ => String::new(),
            };
            format!("{n}{noun} {}", verb(*n, one, many))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
