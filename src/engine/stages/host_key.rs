//! `host_key`: the key the server proved in the key exchange, checked against known_hosts.
//! Never writes known_hosts: fixes do that, with the user's confirmation.

use super::super::{Outcome, Probe};
use crate::device::HostKeyPolicy;
use crate::known_hosts::{self, KnownHosts, Marker, Target};
use crate::model::Reason;
use crate::model::{DeviceReport, Direction, HostKeyEvidence, HostKeyVerdict, KnownHostsEntry};
use std::collections::HashMap;
use std::path::PathBuf;

/// Devices named in a shared-key note; `shared_count` covers the rest.
pub const MAX_SHARED_NAMES: usize = 5;

/// The files OpenSSH reads when the device names none.
pub fn default_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        files.push(PathBuf::from(home).join(".ssh/known_hosts"));
    }
    files.push(PathBuf::from("/etc/ssh/ssh_known_hosts"));
    files
}

impl Probe<'_> {
    /// known_hosts for this device, parsed once per run (see `known_hosts::Cache`).
    pub fn known_hosts(&mut self) -> &KnownHosts {
        if self.known_hosts.is_none() {
            let files = if self.device.known_hosts.is_empty() {
                default_files()
            } else {
                self.device.known_hosts.clone()
            };
            let kh = self.shared.known_hosts.load(&files);
            for w in kh.warnings() {
                let text = format!("known_hosts: {w} (line skipped)");
                self.transcript(Direction::Note, &text);
            }
            self.known_hosts = Some(kh);
        }
        self.known_hosts
            .get_or_insert_with(|| std::sync::Arc::new(KnownHosts::default()))
    }

    /// The names a known_hosts entry may use for this device: the name typed and the address.
    pub fn host_names(&self) -> Vec<String> {
        let mut names = vec![self.device.host.clone()];
        if let Some(addr) = self.report.address.as_ref().filter(|a| !names.contains(a)) {
            names.push(addr.clone());
        }
        names
    }

    /// Key types known_hosts holds for this host, to be preferred in the key exchange.
    pub fn host_key_types_on_file(&mut self) -> Vec<String> {
        let names = self.host_names();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let port = self.device.port;
        self.known_hosts().algorithms_for(&refs, port)
    }
}

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let captured = p.captured.lock().map(|c| c.clone()).unwrap_or_default();
    let Some(key) = captured.server_key else {
        return Outcome::fail(
            Reason::HostKeyFailed,
            "the key exchange completed without a host key",
        );
    };
    let names = p.host_names();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let port = p.device.port;
    let check = p.known_hosts().check(&refs, port, &key);
    let algorithm = key.algorithm().to_string();
    let fingerprint = known_hosts::fingerprint(&key);
    let entries: Vec<KnownHostsEntry> = check
        .entries
        .iter()
        .map(|e| KnownHostsEntry {
            file: e.file.display().to_string(),
            line: e.line,
            algorithm: e.algorithm.clone(),
            fingerprint: e.fingerprint.clone(),
            marker: e.marker.map(|m| match m {
                Marker::Revoked => "revoked".to_owned(),
                Marker::CertAuthority => "cert-authority".to_owned(),
            }),
        })
        .collect();
    let verdict = check.verdict;
    p.report.host_key = Some(HostKeyEvidence {
        algorithm: algorithm.clone(),
        fingerprint: fingerprint.clone(),
        verdict,
        entries: entries.clone(),
        openssh: key.to_openssh().unwrap_or_default(),
        shared_with: Vec::new(),
        shared_count: 0,
        announced: Vec::new(),
    });
    let place = |e: &KnownHostsEntry| format!("{}:{}", e.file, e.line);
    match verdict {
        HostKeyVerdict::Match => {
            let at = check
                .entries
                .iter()
                .find(|e| e.matches_key)
                .map(|e| format!("{}:{}", e.file.display(), e.line))
                .unwrap_or_default();
            Outcome::ok(format!("{algorithm} {fingerprint} matches {at}"))
        }
        HostKeyVerdict::Unknown => {
            let accept = p.device.command(&["known-hosts", "accept"]);
            let detail = format!(
                "{algorithm} {fingerprint} is not in known_hosts; after checking it out of band, {}",
                match accept {
                    Some(_) => "accept it (the command below)",
                    None => "accept it with sshtriage known-hosts accept and the device's --host",
                }
            );
            let outcome = match p.device.host_key_policy {
                HostKeyPolicy::Strict => {
                    Outcome::fail(Reason::HostKeyUnknown, format!("{detail} (policy strict)"))
                }
                HostKeyPolicy::AcceptNew | HostKeyPolicy::Warn => {
                    Outcome::warn(Reason::HostKeyUnknown, detail)
                }
            };
            outcome.with_commands(accept.into_iter().collect())
        }
        HostKeyVerdict::Changed => {
            let conflicting: Vec<String> = entries
                .iter()
                .filter(|e| e.marker.is_none())
                .map(|e| format!("{} at {}", e.fingerprint, place(e)))
                .collect();
            // One prune per file holding a stale entry, for every name ssh looks up; then the
            // accept of the new key.
            let targets: Vec<Target> = names
                .iter()
                .map(|host| Target::Host {
                    host: host.clone(),
                    port,
                })
                .collect();
            let stale_files = p
                .report
                .host_key
                .as_ref()
                .map(|hk| hk.stale_files())
                .unwrap_or_default();
            let mut commands: Vec<_> = stale_files
                .iter()
                .map(|f| known_hosts::prune_command(&targets, f))
                .collect();
            commands.extend(p.device.command(&["known-hosts", "accept"]));
            Outcome::fail(
                Reason::HostKeyChanged,
                format!(
                    "REMOTE HOST IDENTIFICATION HAS CHANGED: the server presents {algorithm} {fingerprint}; known_hosts has {}. After a lab redeploy this is expected: prune the stale {} and accept the new key (the commands below)",
                    conflicting.join(", "),
                    if conflicting.len() == 1 { "entry" } else { "entries" },
                ),
            )
            .with_commands(commands)
        }
        HostKeyVerdict::Revoked => Outcome::fail(
            Reason::HostKeyRevoked,
            format!(
                "{algorithm} {fingerprint} is marked @revoked in known_hosts ({})",
                entries
                    .iter()
                    .filter(|e| e.marker.as_deref() == Some("revoked"))
                    .map(place)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        HostKeyVerdict::Unreadable => {
            let unread: Vec<String> = p
                .known_hosts()
                .unread()
                .iter()
                .map(|w| w.to_string())
                .collect();
            Outcome::fail(
                Reason::HostKeyUnreadable,
                format!(
                    "{algorithm} {fingerprint} cannot be checked: {}. Credentials are withheld: an unread part may hold a different key for this host",
                    unread.join("; ")
                ),
            )
        }
    }
}

/// Marks devices of one run that presented the same host key: cloned images share keys, and
/// a changed-key warning for one then hides a man in the middle for another.
pub fn flag_shared_keys(reports: &mut [DeviceReport]) {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        if let Some(hk) = &r.host_key {
            by_key.entry(hk.fingerprint.clone()).or_default().push(i);
        }
    }
    for indices in by_key.values().filter(|v| v.len() > 1) {
        let names: Vec<String> = indices.iter().map(|i| reports[*i].name.clone()).collect();
        for i in indices {
            let own = reports[*i].name.clone();
            if let Some(hk) = &mut reports[*i].host_key {
                // A fleet cloned from one image would make this quadratic: name a few, count all.
                hk.shared_count = names.len() - 1;
                hk.shared_with = names
                    .iter()
                    .filter(|n| **n != own)
                    .take(MAX_SHARED_NAMES)
                    .cloned()
                    .collect();
            }
        }
    }
}
