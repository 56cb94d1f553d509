//! The verdict for a presented host key and the host-key algorithm preference, following
//! OpenSSH's `check_key_in_hostkeys` (hostfile.c) and `order_hostkeyalgs` (sshconnect2.c).

use std::path::PathBuf;

use russh::keys::ssh_key::PublicKey;

use super::keytext::{is_certificate_algorithm, key_family};
use super::{Entry, KnownHosts, Marker};
pub use crate::model::HostKeyVerdict;

/// The verdict with the evidence: every matching line for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyCheck {
    pub verdict: HostKeyVerdict,
    pub entries: Vec<EntryRef>,
}

impl HostKeyCheck {
    /// True when a plain entry of the presented key's algorithm is on file for the host —
    /// for `Changed`, false means only keys of other types are known (a new key type rather
    /// than a replaced key).
    pub fn same_type_on_file(&self, key: &PublicKey) -> bool {
        let algorithm = key.algorithm();
        self.entries
            .iter()
            .any(|e| e.marker.is_none() && e.algorithm == algorithm.as_str())
    }
}

/// One matching line, summarized for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef {
    pub file: PathBuf,
    pub line: usize,
    pub algorithm: String,
    pub fingerprint: String,
    pub marker: Option<Marker>,
    /// The line holds the presented key.
    pub matches_key: bool,
}

impl EntryRef {
    fn new(entry: &Entry, presented: &PublicKey) -> EntryRef {
        EntryRef {
            file: entry.file.to_path_buf(),
            line: entry.line,
            algorithm: entry.algorithm(),
            fingerprint: entry.fingerprint(),
            marker: entry.marker,
            matches_key: entry
                .public_key()
                .is_some_and(|key| same_key(&key, presented)),
        }
    }
}

/// Key material only; comments never matter.
fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.key_data() == b.key_data()
}

impl KnownHosts {
    /// The verdict for `key` presented by the host reachable as any of `hostnames` on `port`.
    ///
    /// Like OpenSSH: a matching `@revoked` line with this key wins (its host patterns must
    /// match, usually `*`; OpenSSH ignores an `@revoked` line for other hosts); then any
    /// plain entry with this key is a `Match`; other plain entries make it `Changed`. When a
    /// non-22 port has no entry at all, ssh retries the bare host name and accepts a
    /// matching key found there — so does this. `@cert-authority` lines are listed but never
    /// make a `Match` (certificates are not validated here).
    ///
    /// When part of a file was not read, a `Match` or `Unknown` becomes `Unreadable`; a
    /// `Changed` or `Revoked` found in what was read stands.
    pub fn check(&self, hostnames: &[&str], port: u16, key: &PublicKey) -> HostKeyCheck {
        let mut check = self.check_read(hostnames, port, key);
        if !self.unread.is_empty()
            && matches!(
                check.verdict,
                HostKeyVerdict::Match | HostKeyVerdict::Unknown
            )
        {
            check.verdict = HostKeyVerdict::Unreadable;
        }
        check
    }

    /// The verdict from the lines that were read.
    fn check_read(&self, hostnames: &[&str], port: u16, key: &PublicKey) -> HostKeyCheck {
        let found = self.lookup(hostnames, port);
        let mut entries: Vec<EntryRef> = found.iter().map(|e| EntryRef::new(e, key)).collect();
        let revoked = entries
            .iter()
            .any(|e| e.marker == Some(Marker::Revoked) && e.matches_key);
        let plain = || entries.iter().filter(|e| e.marker.is_none());
        let verdict = if revoked {
            HostKeyVerdict::Revoked
        } else if plain().any(|e| e.matches_key) {
            HostKeyVerdict::Match
        } else if plain().next().is_some() {
            HostKeyVerdict::Changed
        } else {
            HostKeyVerdict::Unknown
        };
        if verdict == HostKeyVerdict::Unknown && port != 22 && port != 0 {
            let bare = self.check_read(hostnames, 22, key);
            if bare.verdict == HostKeyVerdict::Match {
                entries.extend(
                    bare.entries
                        .into_iter()
                        .filter(|e| e.marker.is_none() && e.matches_key),
                );
                return HostKeyCheck {
                    verdict: HostKeyVerdict::Match,
                    entries,
                };
            }
        }
        HostKeyCheck { verdict, entries }
    }

    /// Key algorithms of the plain entries for this host, in file order, without
    /// duplicates (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …).
    pub fn algorithms_for(&self, hostnames: &[&str], port: u16) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for entry in self.lookup(hostnames, port) {
            let algorithm = entry.algorithm();
            if entry.marker.is_none() && !out.contains(&algorithm) {
                out.push(algorithm);
            }
        }
        out
    }

    /// Reorders a host-key algorithm list the way ssh does when the user has not set
    /// HostKeyAlgorithms explicitly: if a key of the first algorithm's type is known, the
    /// list is kept; otherwise algorithms whose key type is on file (all certificate
    /// algorithms when an `@cert-authority` line matches) move to the front, order kept.
    pub fn order_host_key_algorithms(
        &self,
        hostnames: &[&str],
        port: u16,
        configured: &[&str],
    ) -> Vec<String> {
        let found = self.lookup(hostnames, port);
        let families: Vec<&'static str> = found
            .iter()
            .filter(|e| e.marker.is_none())
            .filter_map(|e| key_family(&e.algorithm()))
            .collect();
        let has_ca = found
            .iter()
            .any(|e| e.marker == Some(Marker::CertAuthority));
        let known = |alg: &str| key_family(alg).is_some_and(|f| families.contains(&f));
        if configured.first().is_some_and(|best| known(best)) {
            return configured.iter().map(|a| a.to_string()).collect();
        }
        let (first, last): (Vec<&str>, Vec<&str>) = configured
            .iter()
            .partition(|alg| (has_ca && is_certificate_algorithm(alg)) || known(alg));
        first.into_iter().chain(last).map(str::to_string).collect()
    }
}
