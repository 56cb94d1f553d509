//! The dashboard's fixes, engine side: a proposal (exactly what would change, computed from
//! the device's last report and the files) and, once confirmed, applying it and probing
//! again. The dashboard only renders proposals and outcomes.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::algorithms::{self, Diagnosis, Edit, Prepared, Proof, Rollback, Route, stage_line};
use super::host_key::{self, HostKeyRepair, Standing, plan_repair};
use crate::device::Device;
use crate::engine::Shared;
use crate::model::{
    DeviceReport, Event, FileLine, FixKind, FixOutcome, FixProposal, FixSnippet, HostKeyVerdict,
    LocalClients, SnippetLine, Stage,
};

/// Where fixes write, besides a device's own inventory file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixContext {
    /// The known_hosts file an accepted key goes to when the device names none.
    pub known_hosts: PathBuf,
    /// `--hash` / `--no-hash`; None follows the file and ssh_config.
    pub hash_known_hosts: Option<bool>,
}

impl FixContext {
    /// `~/.ssh/known_hosts`, hashing as the file and ssh_config say.
    pub fn from_env() -> FixContext {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        FixContext {
            known_hosts: home.join(".ssh/known_hosts"),
            hash_known_hosts: None,
        }
    }

    /// The file an accepted key for `device` goes to: its own first known_hosts file, else
    /// the user's.
    pub fn accept_file(&self, device: &Device) -> PathBuf {
        device
            .known_hosts
            .first()
            .cloned()
            .unwrap_or_else(|| self.known_hosts.clone())
    }
}

/// A proposal's plan, kept by the engine side until the user confirms it.
#[derive(Debug, Clone)]
pub enum PreparedFix {
    Algorithms(Box<Prepared>),
    HostKey(Box<HostKeyRepair>),
}

/// What `kind` would change for this device, and the plan to apply when confirmed (None
/// when the proposal is blocked). A host-key repair also fetches the device's other keys:
/// see `propose_host_key`; here it plans with the keys the report holds.
pub fn propose(
    kind: FixKind,
    device: &Device,
    report: Option<&DeviceReport>,
    ctx: &FixContext,
    local: &LocalClients,
) -> (FixProposal, Option<PreparedFix>) {
    let Some(report) = finished(report) else {
        return not_yet(kind);
    };
    match kind {
        FixKind::Algorithms => propose_algorithms(device, report, local),
        FixKind::HostKey => {
            host_key_plan(device, report, ctx, &host_key::gather::from_report(report))
        }
    }
}

/// The host-key repair with every key the device has: the report's, and one bounded key
/// exchange (no credentials) per other key type it offers. The caller holds the device's
/// lease: these connections count like a probe.
pub async fn propose_host_key(
    device: &Device,
    report: Option<&DeviceReport>,
    ctx: &FixContext,
    shared: &Shared,
) -> (FixProposal, Option<PreparedFix>) {
    let Some(report) = finished(report) else {
        return not_yet(FixKind::HostKey);
    };
    // Blocked without a single connection when the report already says so.
    let from_report = host_key::gather::from_report(report);
    if let (proposal, None) = host_key_plan(device, report, ctx, &from_report) {
        return (proposal, None);
    }
    let gathered = host_key::gather::gather(device, report, shared).await;
    host_key_plan(device, report, ctx, &gathered)
}

fn finished(report: Option<&DeviceReport>) -> Option<&DeviceReport> {
    report.filter(|r| !r.stages.is_empty())
}

fn not_yet(kind: FixKind) -> (FixProposal, Option<PreparedFix>) {
    blocked(
        kind,
        "Nothing to propose yet",
        "The device has not finished a probe; wait for it, then try again.".to_owned(),
    )
}

fn host_key_plan(
    device: &Device,
    report: &DeviceReport,
    ctx: &FixContext,
    gathered: &host_key::Gathered,
) -> (FixProposal, Option<PreparedFix>) {
    let blocked = |summary: &str, why: String| blocked(FixKind::HostKey, summary, why);
    match plan_repair(
        device,
        report,
        &ctx.accept_file(device),
        ctx.hash_known_hosts,
        gathered,
    ) {
        Ok(plan) if plan.is_noop() => {
            let mut why = format!(
                "known_hosts already holds the presented key {} and every other key obtained; nothing to repair.",
                plan.fingerprint
            );
            for refusal in plan.refused().iter().filter_map(|k| k.refusal()) {
                why.push_str(&format!(" Not added: {refusal}."));
            }
            blocked("No known_hosts repair", why)
        }
        Ok(plan) => (
            host_key_proposal(report, &plan),
            Some(PreparedFix::HostKey(Box::new(plan))),
        ),
        Err(why) => blocked("No known_hosts repair", why),
    }
}

/// `The device offers …` from `the device offers …`.
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A proposal that cannot be confirmed, and why.
fn blocked(kind: FixKind, summary: &str, why: String) -> (FixProposal, Option<PreparedFix>) {
    let proposal = FixProposal {
        kind,
        summary: summary.to_owned(),
        remove: Vec::new(),
        add: Vec::new(),
        notes: Vec::new(),
        blocked: Some(why),
        snippets: Vec::new(),
    };
    (proposal, None)
}

/// The algorithm fix for the device's own client, with the copy-ready text for every client
/// when the device's algorithms are the trouble: also when nothing can be written for its own
/// client, since another may be the one to paste into.
fn propose_algorithms(
    device: &Device,
    report: &DeviceReport,
    local: &LocalClients,
) -> (FixProposal, Option<PreparedFix>) {
    let diagnosis = algorithms::diagnose(device, report, local);
    let snippets = match (&diagnosis, &report.algorithms) {
        (Diagnosis::Needs(_) | Diagnosis::Cannot(_), Some(evidence)) => {
            algorithms::dialog_snippets(device, &evidence.server)
        }
        _ => Vec::new(),
    };
    let (mut proposal, prepared) = own_client_fix(device, diagnosis);
    proposal.snippets = snippets;
    (proposal, prepared)
}

fn own_client_fix(device: &Device, diagnosis: Diagnosis) -> (FixProposal, Option<PreparedFix>) {
    let blocked = |summary: &str, why: String| blocked(FixKind::Algorithms, summary, why);
    let fix = match diagnosis {
        Diagnosis::Needs(fix) => fix,
        Diagnosis::Passes(detail) => {
            return blocked(
                "No algorithm fix needed",
                format!("The key exchange passes already: {detail}."),
            );
        }
        Diagnosis::NotAlgorithms(why) => return blocked("No algorithm fix", why),
        // The headline names the device's client: it is what cannot connect.
        Diagnosis::Cannot(cannot) => return blocked(&cannot.headline, upper_first(&cannot.why)),
    };
    if let Route::Advice(advice) = &fix.route {
        return blocked(
            &format!("Nothing to write for {}", fix.client),
            format!("{} needs {}. {advice}", fix.client, fix.summary()),
        );
    }
    let summary = format!(
        "{} finds no common algorithm with {}; add {} where it reads them.",
        fix.client,
        device.name,
        fix.summary()
    );
    let prepared = match algorithms::prepare(device, fix) {
        Ok(p) => p,
        Err(e) => return blocked("The change cannot be written", e.to_string()),
    };
    let mut notes = Vec::new();
    let (remove, add) = match &prepared.edit {
        Some(edit) => {
            match edit {
                Edit::SshConfig(e) if e.created => notes.push(format!(
                    "{} does not exist yet: it is created (mode 0600).",
                    e.path.display()
                )),
                Edit::AnsibleSsh(e) if e.created => {
                    notes.push(format!("{} is created.", e.path.display()))
                }
                _ => notes.push(format!(
                    "The original is kept as {}.",
                    super::atomic::backup_path(edit.path()).display()
                )),
            }
            (edit.removed().to_vec(), edit.added().to_vec())
        }
        None => {
            notes.push(
                "This device is not from an inventory file: the change holds for this session only."
                    .to_owned(),
            );
            let add = prepared
                .fix
                .specs()
                .iter()
                .map(|(category, after)| FileLine {
                    file: "(this session)".to_owned(),
                    line: 0,
                    text: format!("{} = \"{after}\"", category.key()),
                })
                .collect();
            (Vec::new(), add)
        }
    };
    if matches!(
        prepared.fix.route,
        Route::SshConfig { .. } | Route::AnsibleSsh { .. }
    ) {
        notes.push(
            "The real ssh then tries the key exchange (no credential is offered).".to_owned(),
        );
    }
    notes.push("Then the device is probed again; if it still fails the key exchange, the change is rolled back.".to_owned());
    let proposal = FixProposal {
        kind: FixKind::Algorithms,
        summary,
        remove,
        add,
        notes,
        blocked: None,
        snippets: Vec::new(),
    };
    (proposal, Some(PreparedFix::Algorithms(Box::new(prepared))))
}

fn host_key_proposal(report: &DeviceReport, plan: &HostKeyRepair) -> FixProposal {
    let changed = report
        .host_key
        .as_ref()
        .is_some_and(|hk| hk.verdict == HostKeyVerdict::Changed);
    let added = plan.added_lines();
    let keys = match added.len() {
        1 => "its key".to_owned(),
        n => format!("its {n} keys"),
    };
    let summary = if changed {
        format!(
            "The device presents a new key ({}); remove the stale entries and accept {keys}.",
            plan.fingerprint
        )
    } else if plan
        .keys
        .first()
        .is_some_and(|k| k.standing != Standing::Add)
    {
        format!(
            "known_hosts holds the presented key ({}) but not all the device's keys; accept {keys}.",
            plan.fingerprint
        )
    } else {
        format!(
            "known_hosts has no entry for the device; accept {keys} ({}).",
            plan.fingerprint
        )
    };
    let mut notes = Vec::new();
    for (line, key) in added.iter().zip(plan.additions()) {
        notes.push(format!(
            "Line {}: {} {}.",
            line.line,
            key.describe(),
            key.fingerprint
        ));
    }
    for refusal in plan.refused().iter().filter_map(|k| k.refusal()) {
        notes.push(format!("Not added: {refusal}."));
    }
    for missed in &plan.missed {
        notes.push(format!(
            "Not obtained: {}: {}.",
            missed.algorithm, missed.why
        ));
    }
    for (file, _) in &plan.prunes {
        notes.push(format!(
            "The original of {} is kept as {}.old.",
            file.display(),
            file.display()
        ));
    }
    if plan.hash {
        notes.push(format!(
            "The name is written hashed (|1|salt|hash instead of {}), as HashKnownHosts or the file asks.",
            crate::known_hosts::lookup_name(&plan.host, plan.port)
        ));
    }
    notes.push(
        "Check the fingerprints out of band first: a changed key may also be an attack.".to_owned(),
    );
    notes.push("Then the device is probed again.".to_owned());
    FixProposal {
        kind: FixKind::HostKey,
        summary,
        remove: plan.removed_lines(),
        add: added,
        notes,
        blocked: None,
        snippets: by_hand(report),
    }
}

/// The commands `check` prints for the host-key stage (prune the stale entries; accept the
/// key, when the device has a command line to be named by): the repair from a shell, each
/// run as printed by `tests/printed_hints.rs`.
pub fn by_hand(report: &DeviceReport) -> Vec<FixSnippet> {
    let commands = report
        .result(Stage::HostKey)
        .map(|r| r.commands.as_slice())
        .unwrap_or_default();
    if commands.is_empty() {
        return Vec::new();
    }
    vec![FixSnippet {
        title: "Shell · by hand, as check prints it".to_owned(),
        lines: commands
            .iter()
            .map(|c| SnippetLine {
                text: c.to_string(),
                paste: true,
            })
            .collect(),
    }]
}

/// What applying a fix did.
#[derive(Debug)]
pub struct Applied {
    pub outcome: FixOutcome,
    /// For an algorithm fix that holds: the device to use from now on.
    pub device: Option<Device>,
    /// The verifying probe, when it probed the device as it stands now (not a change that
    /// was rolled back): it counts as one of the device's attempts.
    pub after: Option<DeviceReport>,
}

/// Applies a confirmed plan and probes the device again (the probe streams its events).
pub async fn apply(
    prepared: PreparedFix,
    device: &Device,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
) -> Applied {
    match prepared {
        PreparedFix::Algorithms(prepared) => {
            apply_algorithms(&prepared, shared, index, events).await
        }
        PreparedFix::HostKey(plan) => {
            let mut lines = Vec::new();
            match plan.apply() {
                Ok(done) => {
                    for (file, removed, backup) in &done.pruned {
                        lines.push(format!(
                            "Removed {} line(s) from {}{}.",
                            removed.len(),
                            file.display(),
                            backup
                                .as_ref()
                                .map(|b| format!(" (original kept as {})", b.display()))
                                .unwrap_or_default()
                        ));
                    }
                    for (line, key) in done.added.iter().zip(plan.additions()) {
                        lines.push(format!(
                            "Added {}:{}: {}.",
                            plan.accept_file.display(),
                            line.line,
                            key.describe()
                        ));
                    }
                }
                Err(e) => {
                    lines.push(format!("Nothing was verified: {e}"));
                    return Applied {
                        outcome: FixOutcome {
                            kind: FixKind::HostKey,
                            verified: false,
                            lines,
                        },
                        device: None,
                        after: None,
                    };
                }
            }
            let after = algorithms::bounded_probe(device, shared, index, events).await;
            let verified = after
                .host_key
                .as_ref()
                .is_some_and(|hk| hk.verdict == HostKeyVerdict::Match);
            lines.push(format!("after: {}", stage_line(&after)));
            lines.push(if verified {
                "Verified: the presented key now matches known_hosts.".to_owned()
            } else {
                "Not verified: the host key check still does not match; see the device's details."
                    .to_owned()
            });
            Applied {
                outcome: FixOutcome {
                    kind: FixKind::HostKey,
                    verified,
                    lines,
                },
                device: None,
                after: Some(after),
            }
        }
    }
}

async fn apply_algorithms(
    prepared: &Prepared,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
) -> Applied {
    let mut lines = Vec::new();
    let outcome = |verified, lines| Applied {
        outcome: FixOutcome {
            kind: FixKind::Algorithms,
            verified,
            lines,
        },
        device: None,
        after: None,
    };
    let result = algorithms::apply_and_verify(prepared, shared, index, events, false).await;
    let verification = match result {
        Ok(v) => v,
        Err(e) => {
            lines.push(format!("Nothing was changed: {e}"));
            return outcome(false, lines);
        }
    };
    match (&prepared.edit, &verification.backup) {
        (Some(edit), Some(backup)) => lines.push(format!(
            "Wrote {} (original kept as {}).",
            edit.path().display(),
            backup.display()
        )),
        (Some(edit), None) => lines.push(format!("Wrote {} (a new file).", edit.path().display())),
        (None, _) => lines.push("Applied to this session's device settings.".to_owned()),
    }
    lines.push(format!("after: {}", stage_line(&verification.after)));
    match &verification.proof {
        Proof::Passed { command } => lines.push(format!(
            "The real client completes the key exchange: {command}"
        )),
        Proof::Failed { command, said } => {
            lines.push(format!("The real client does not: {command}: {said}"))
        }
        Proof::NotRun(_) => {}
    }
    let from_file = prepared.edit.is_some();
    match &verification.rollback {
        Rollback::NotNeeded => {
            lines.push(format!(
                "Verified: the key exchange passes with {}.",
                prepared.fix.summary()
            ));
            return Applied {
                device: Some(prepared.device.clone()),
                after: Some(verification.after),
                ..outcome(true, lines)
            };
        }
        Rollback::RolledBack if from_file => lines.push(
            "The key exchange still fails: the file was rolled back to its original bytes."
                .to_owned(),
        ),
        Rollback::RolledBack | Rollback::Kept => {
            lines.push("The key exchange still fails: the change was dropped.".to_owned())
        }
        Rollback::Failed(why) => lines.push(format!(
            "The key exchange still fails, and the rollback failed: {why}"
        )),
    }
    outcome(false, lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AlgorithmLists;
    use crate::sources::sshtriage::Inventory;
    use std::path::Path;

    /// A device whose KEXINIT has only SHA-1 key exchange and ssh-rsa: Paramiko 5 cannot.
    fn legacy_report() -> DeviceReport {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        crate::fix::algorithms::tests::failed_at_kex(AlgorithmLists {
            kex: v(&["diffie-hellman-group14-sha1"]),
            host_key: v(&["ssh-rsa"]),
            cipher_c2s: v(&["aes128-cbc"]),
            cipher_s2c: v(&["aes128-cbc"]),
            mac_c2s: v(&["hmac-sha1"]),
            mac_s2c: v(&["hmac-sha1"]),
            ..Default::default()
        })
    }

    fn propose_for(client: &str) -> FixProposal {
        let text =
            format!("[[device]]\nname = \"old\"\nhost = \"127.0.0.1\"\nclient = \"{client}\"\n");
        let device = Inventory::parse(Path::new("t.toml"), &text)
            .expect("valid")
            .devices
            .remove(0);
        let ctx = FixContext {
            known_hosts: "/nonexistent/known_hosts".into(),
            hash_known_hosts: None,
        };
        propose(
            FixKind::Algorithms,
            &device,
            Some(&legacy_report()),
            &ctx,
            &LocalClients::default(),
        )
        .0
    }

    #[test]
    fn the_summary_names_the_client_that_cannot_connect() {
        // Netmiko is the device's client: it cannot connect, not sshtriage's probe.
        let proposal = propose_for("netmiko");
        assert_eq!(
            proposal.summary,
            "Netmiko 4.8 (Paramiko 5.1) cannot connect"
        );
        let blocked = proposal.blocked.expect("nothing can be written");
        assert!(
            blocked.starts_with(
                "The device offers only diffie-hellman-group14-sha1 for key exchange and only ssh-rsa for host key."
            ),
            "{blocked}"
        );
        assert!(
            blocked.contains("pip install \"netmiko[par4]\""),
            "{blocked}"
        );
        // Paramiko under Ansible's network_cli likewise.
        let proposal = propose_for("paramiko-5.0");
        assert_eq!(proposal.summary, "Paramiko 5.0 cannot connect");
        for proposal in [propose_for("netmiko"), propose_for("paramiko-5.1")] {
            let all = format!("{} {:?}", proposal.summary, proposal.blocked);
            assert!(!all.contains("sshtriage cannot"), "{all}");
        }
    }
}
