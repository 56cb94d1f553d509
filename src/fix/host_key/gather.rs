//! Every host key the server has, as ssh-keyscan and OpenSSH's UpdateHostKeys collect them:
//! the key the probe's exchange verified, the keys the server announced after authentication
//! and proved, and one key exchange of its own (no credentials) for each other key type in
//! the server's KEXINIT. An RSA key is one key whatever it signs with (`rsa-sha2-512`,
//! `rsa-sha2-256`, `ssh-rsa`): it is fetched once.

use russh::keys::ssh_key::PublicKey;

use crate::algorithms::allowlist::Category;
use crate::device::Device;
use crate::engine::{Shared, host_keys};
use crate::known_hosts::{self, is_certificate_algorithm, key_family};
use crate::model::DeviceReport;

/// How a key was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obtained {
    /// By the probe's own key exchange.
    Negotiated,
    /// Announced after authentication (`hostkeys-00@openssh.com`) and proven
    /// (`hostkeys-prove-00@openssh.com`) on the probe's connection.
    Announced,
    /// By a key exchange of its own that offered only this type.
    SeparateExchange,
}

impl Obtained {
    fn words(self) -> &'static str {
        match self {
            Obtained::Negotiated => "negotiated",
            Obtained::Announced => "announced by the server, proven",
            Obtained::SeparateExchange => "separate key exchange",
        }
    }
}

/// One host key of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    /// The host-key algorithm it was obtained with (`rsa-sha2-512`); for an announced key,
    /// its type.
    pub via: String,
    /// Its type as known_hosts writes it (`ssh-rsa`).
    pub key_type: String,
    /// `type base64`.
    pub openssh: String,
    pub fingerprint: String,
    pub obtained: Obtained,
}

impl HostKey {
    fn new(key: &PublicKey, via: &str, obtained: Obtained) -> HostKey {
        HostKey {
            via: via.to_owned(),
            key_type: key.algorithm().to_string(),
            openssh: key.to_openssh().unwrap_or_default().trim().to_owned(),
            fingerprint: known_hosts::fingerprint(key),
            obtained,
        }
    }

    /// `ssh-ed25519 (negotiated)`, `rsa-sha2-512 → ssh-rsa key (separate key exchange)`.
    pub fn describe(&self) -> String {
        let what = if self.via == self.key_type {
            self.via.clone()
        } else {
            format!("{} → {} key", self.via, self.key_type)
        };
        format!("{what} ({})", self.obtained.words())
    }

    pub fn public_key(&self) -> Result<PublicKey, String> {
        PublicKey::from_openssh(&self.openssh).map_err(|e| e.to_string())
    }
}

/// A key type the server offers whose key was not obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    pub algorithm: String,
    pub why: String,
    /// The exchange was tried and failed (a timeout, a refusal), rather than not possible.
    pub failed: bool,
}

/// The server's keys, the negotiated one first, and the types that gave none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gathered {
    pub keys: Vec<HostKey>,
    pub missed: Vec<Missed>,
}

impl Gathered {
    fn push(&mut self, key: HostKey) {
        if !self.keys.iter().any(|k| k.openssh == key.openssh) {
            self.keys.push(key);
        }
    }

    fn covers(&self, family: &str) -> bool {
        self.keys.iter().any(|k| k.key_type == family)
    }
}

/// What the report already holds: the negotiated key and the proven announced ones.
pub fn from_report(report: &DeviceReport) -> Gathered {
    let mut gathered = Gathered::default();
    let Some(hk) = &report.host_key else {
        return gathered;
    };
    let via = report
        .algorithms
        .as_ref()
        .and_then(|a| a.probe_negotiated.as_ref())
        .and_then(|n| n.host_key.clone())
        .unwrap_or_else(|| hk.algorithm.clone());
    if let Ok(key) = PublicKey::from_openssh(&hk.openssh) {
        gathered.push(HostKey::new(&key, &via, Obtained::Negotiated));
    }
    for announced in hk.announced.iter().filter(|a| a.proven) {
        if let Ok(key) = PublicKey::from_openssh(&announced.openssh) {
            let key_type = key.algorithm().to_string();
            gathered.push(HostKey::new(&key, &key_type, Obtained::Announced));
        }
    }
    gathered
}

/// The algorithm to ask for each key type the server offers that `gathered` lacks (RSA by
/// its strongest signature), and the types no exchange can fetch.
pub fn to_exchange(report: &DeviceReport, gathered: &mut Gathered) -> Vec<(String, &'static str)> {
    let offered: Vec<String> = report
        .algorithms
        .as_ref()
        .map(|a| a.server.host_key.clone())
        .unwrap_or_default();
    let ours = Category::HostKey.supported();
    let mut wanted: Vec<(String, &'static str)> = Vec::new();
    let mut certificates = Vec::new();
    for algorithm in &offered {
        if is_certificate_algorithm(algorithm) {
            certificates.push(algorithm.clone());
            continue;
        }
        let Some(family) = key_family(algorithm) else {
            gathered.missed.push(Missed {
                algorithm: algorithm.clone(),
                why: "not a host-key algorithm sshtriage knows".into(),
                failed: false,
            });
            continue;
        };
        if gathered.covers(family) || wanted.iter().any(|(_, f)| *f == family) {
            continue;
        }
        let candidates: Vec<&str> = if family == "ssh-rsa" {
            vec!["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        } else {
            vec![family]
        };
        let usable = candidates
            .into_iter()
            .find(|c| offered.iter().any(|o| o == c) && ours.iter().any(|o| o == c));
        match usable {
            Some(algorithm) => wanted.push((algorithm.to_owned(), family)),
            None => gathered.missed.push(Missed {
                algorithm: algorithm.clone(),
                why: "sshtriage's client (russh) cannot do a key exchange with it".into(),
                failed: false,
            }),
        }
    }
    if !certificates.is_empty() {
        gathered.missed.push(Missed {
            algorithm: certificates.join(","),
            why: "host certificates: known_hosts trusts them through an @cert-authority line, not as keys".into(),
            failed: false,
        });
    }
    wanted
}

/// Every key the server has: the report's, then one bounded key exchange per missing type,
/// all at once (a handful of connections, none authenticating).
pub async fn gather(device: &Device, report: &DeviceReport, shared: &Shared) -> Gathered {
    let mut gathered = from_report(report);
    if gathered.keys.is_empty() {
        return gathered;
    }
    let wanted = to_exchange(report, &mut gathered);
    let exchanges = wanted
        .iter()
        .map(|(algorithm, _)| host_keys::exchange_for(device, shared, algorithm));
    let results = futures::future::join_all(exchanges).await;
    for ((algorithm, family), result) in wanted.iter().zip(results) {
        match result {
            Ok(key) if key.algorithm().as_str() == *family => {
                gathered.push(HostKey::new(&key, algorithm, Obtained::SeparateExchange))
            }
            Ok(key) => gathered.missed.push(Missed {
                algorithm: algorithm.clone(),
                why: format!("the server signed with a {} key", key.algorithm()),
                failed: true,
            }),
            Err(why) => gathered.missed.push(Missed {
                algorithm: algorithm.clone(),
                why,
                failed: true,
            }),
        }
    }
    gathered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AlgorithmEvidence, AlgorithmLists, AnnouncedKey, HostKeyEvidence, HostKeyVerdict,
        Negotiated,
    };

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIA395RX1xa5fxMarwW5vlLlpmshpICqp1NmpGnFBAgJ";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBP6x4mfS5z9kWkE2eOKNKCgrfkAh1quluFVo+scTtbNmz4XfFtzkUHhUXmngCSjYeB4c0ZErNUBhbopmAPjyr+U=";

    fn report(offered: &[&str], announced: Vec<AnnouncedKey>) -> DeviceReport {
        DeviceReport {
            host_key: Some(HostKeyEvidence {
                algorithm: "ssh-ed25519".into(),
                fingerprint: String::new(),
                verdict: HostKeyVerdict::Unknown,
                entries: Vec::new(),
                openssh: ED.into(),
                shared_with: Vec::new(),
                shared_count: 0,
                announced,
            }),
            algorithms: Some(AlgorithmEvidence {
                server: AlgorithmLists {
                    host_key: offered.iter().map(|s| s.to_string()).collect(),
                    ..Default::default()
                }
                .into(),
                probe_negotiated: Some(Negotiated {
                    host_key: Some("ssh-ed25519".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn one_exchange_per_missing_type_and_rsa_once_by_its_strongest_signature() {
        let report = report(
            &[
                "rsa-sha2-256",
                "ssh-ed25519-cert-v01@openssh.com",
                "ecdsa-sha2-nistp256",
                "rsa-sha2-512",
                "ssh-rsa",
                "ssh-ed25519",
                "ssh-dss",
            ],
            Vec::new(),
        );
        let mut gathered = from_report(&report);
        assert_eq!(gathered.keys.len(), 1);
        assert_eq!(gathered.keys[0].describe(), "ssh-ed25519 (negotiated)");
        let wanted = to_exchange(&report, &mut gathered);
        assert_eq!(
            wanted,
            vec![
                ("rsa-sha2-512".to_owned(), "ssh-rsa"),
                ("ecdsa-sha2-nistp256".to_owned(), "ecdsa-sha2-nistp256"),
            ]
        );
        let missed: Vec<&str> = gathered
            .missed
            .iter()
            .map(|m| m.algorithm.as_str())
            .collect();
        assert_eq!(missed, ["ssh-dss", "ssh-ed25519-cert-v01@openssh.com"]);
        assert!(gathered.missed.iter().all(|m| !m.failed));
    }

    #[test]
    fn proven_announced_keys_need_no_exchange_and_unproven_ones_do() {
        let fp = known_hosts::fingerprint(&PublicKey::from_openssh(ECDSA).expect("key"));
        let announced = |proven| AnnouncedKey {
            algorithm: "ecdsa-sha2-nistp256".into(),
            fingerprint: fp.clone(),
            openssh: ECDSA.into(),
            proven,
        };
        let offered = ["ssh-ed25519", "ecdsa-sha2-nistp256"];
        let proven = report(&offered, vec![announced(true)]);
        let mut gathered = from_report(&proven);
        assert_eq!(
            gathered.keys[1].describe(),
            "ecdsa-sha2-nistp256 (announced by the server, proven)"
        );
        assert!(to_exchange(&proven, &mut gathered).is_empty());

        let unproven = report(&offered, vec![announced(false)]);
        let mut gathered = from_report(&unproven);
        assert_eq!(gathered.keys.len(), 1, "an unproven key is no evidence");
        assert_eq!(to_exchange(&unproven, &mut gathered).len(), 1);
    }
}
