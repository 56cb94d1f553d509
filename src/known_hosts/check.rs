//! The verdict for a presented host key and the host-key algorithm preference, following
//! OpenSSH's `check_key_in_hostkeys` (hostfile.c) and `order_hostkeyalgs` (sshconnect2.c).

use std::path::PathBuf;

use russh::keys::ssh_key::PublicKey;

use super::keytext::{is_certificate_algorithm, key_family};
use super::{Entry, KnownHosts, Marker, fingerprint};

/// What ssh would conclude about a presented (plain, non-certificate) host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// A plain entry for this host holds this key.
    Match,
    /// No plain entry for this host at all.
    Unknown,
    /// Plain entries for this host exist, none with this key. As in OpenSSH this includes
    /// the case where those entries are of *other* key types: ssh then prints "REMOTE HOST
    /// IDENTIFICATION HAS CHANGED" too (checked against OpenSSH 9.2). Use
    /// [`HostKeyCheck::same_type_on_file`] to tell the two apart.
    Changed,
    /// An `@revoked` line whose host patterns match this host holds this key.
    Revoked,
    /// Part of a file was not read (over the size limit): it might hold this host's key, a
    /// different one or a revocation, so neither `Match` nor `Unknown` can be said. Treated
    /// like `Changed`: no credential is sent.
    Unreadable,
}

/// The verdict with the evidence: every matching line for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyCheck {
    pub verdict: Verdict,
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
            file: entry.file.clone(),
            line: entry.line,
            algorithm: entry.algorithm(),
            fingerprint: fingerprint(&entry.key),
            marker: entry.marker,
            matches_key: same_key(&entry.key, presented),
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
        if !self.unread.is_empty() && matches!(check.verdict, Verdict::Match | Verdict::Unknown) {
            check.verdict = Verdict::Unreadable;
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
            Verdict::Revoked
        } else if plain().any(|e| e.matches_key) {
            Verdict::Match
        } else if plain().next().is_some() {
            Verdict::Changed
        } else {
            Verdict::Unknown
        };
        if verdict == Verdict::Unknown && port != 22 && port != 0 {
            let bare = self.check_read(hostnames, 22, key);
            if bare.verdict == Verdict::Match {
                entries.extend(
                    bare.entries
                        .into_iter()
                        .filter(|e| e.marker.is_none() && e.matches_key),
                );
                return HostKeyCheck {
                    verdict: Verdict::Match,
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
            .filter_map(|e| key_family(e.key.algorithm().as_str()))
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
