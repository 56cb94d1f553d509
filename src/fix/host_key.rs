//! known_hosts repair for one device: remove the stale entries (as `ssh-keygen -R` would,
//! for the name and the address) and append every host key the device has (`gather`): the
//! one it presents now and those of its other key types, so that a client preferring another
//! type (`ssh -o HostKeyAlgorithms=rsa-sha2-512`) passes too. Planned first with dry runs, so
//! the exact lines can be shown and confirmed before anything is written.

pub mod gather;

use std::path::{Path, PathBuf};

use russh::keys::ssh_key::PublicKey;

use super::FixError;
use super::hash_setting::hash_known_hosts;
use crate::device::Device;
use crate::known_hosts::{self, AddedLine, KnownHosts, Marker, RemovedLine, Target};
use crate::model::{DeviceReport, FileLine, HostKeyVerdict};
pub use gather::{Gathered, HostKey, Missed, Obtained};

/// Bigger known_hosts files are refused by the editor too.
const MAX_COUNTED_BYTES: u64 = 64 << 20;

/// Where a key of the server stands against known_hosts once the plan's prunes are done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The plan appends it.
    Add,
    /// Already there, at these `file:line`s.
    OnFile(Vec<String>),
    /// known_hosts holds another key of this type for the host: not added, never silently.
    Contradicts(Vec<Conflict>),
    /// An `@revoked` line holds it (`file:line`): not added.
    Revoked(Vec<String>),
}

/// A known_hosts line with another key of the same type for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub file: PathBuf,
    pub line: usize,
    pub fingerprint: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {}:{}",
            self.fingerprint,
            self.file.display(),
            self.line
        )
    }
}

/// One key of the server and what the plan does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedKey {
    pub key: HostKey,
    pub standing: Standing,
}

/// What a repair will do, computed by dry runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyRepair {
    pub host: String,
    pub port: u16,
    pub targets: Vec<Target>,
    /// Files holding stale entries, with the lines a prune removes from each.
    pub prunes: Vec<(PathBuf, Vec<RemovedLine>)>,
    pub accept_file: PathBuf,
    /// The number the first appended line will have.
    pub accept_line: usize,
    /// Every key obtained, the presented one first, with what happens to it.
    pub keys: Vec<PlannedKey>,
    /// Key types the server offers whose key was not obtained.
    pub missed: Vec<Missed>,
    /// The presented key's fingerprint.
    pub fingerprint: String,
    pub hash: bool,
}

/// What a repair did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairDone {
    /// Per pruned file: the removed lines and the backup (`F.old`, the original).
    pub pruned: Vec<(PathBuf, Vec<RemovedLine>, Option<PathBuf>)>,
    /// The appended lines, in the order of `HostKeyRepair::additions`.
    pub added: Vec<AddedLine>,
}

/// Plans the repair from a probe report and the server's keys (`gather`): stale entries go
/// when the presented key changed, each key known_hosts lacks is appended to `accept_file`,
/// hashed when `hash` says so or (unset) when the file already hashes names or ssh_config's
/// `HashKnownHosts` says yes. A key that contradicts an entry that stays is not added.
pub fn plan_repair(
    device: &Device,
    report: &DeviceReport,
    accept_file: &Path,
    hash: Option<bool>,
    gathered: &Gathered,
) -> Result<HostKeyRepair, String> {
    let Some(hk) = &report.host_key else {
        let why = match &report.failure {
            Some(f) => format!("the probe stopped at {} ({})", f.stage, f.reason),
            None => "the probe has not reached the host key yet".to_owned(),
        };
        return Err(format!("No host key was seen: {why}."));
    };
    match hk.verdict {
        HostKeyVerdict::Revoked => {
            return Err(format!(
                "The presented key {} is marked @revoked; sshtriage will not accept it.",
                hk.fingerprint
            ));
        }
        HostKeyVerdict::Unreadable => {
            return Err(
                "Part of known_hosts was not read (over the size limit): sshtriage will not edit it."
                    .into(),
            );
        }
        HostKeyVerdict::Match | HostKeyVerdict::Unknown | HostKeyVerdict::Changed => {}
    }
    PublicKey::from_openssh(&hk.openssh)
        .map_err(|e| format!("The presented key cannot be stored: {e}."))?;
    let targets = targets(device, report);
    let mut prunes = Vec::new();
    // Only a changed key replaces entries: with a match, the others are the other key types.
    if hk.verdict == HostKeyVerdict::Changed {
        for file in hk.stale_files() {
            let dry = known_hosts::prune(&file, &targets, true).map_err(|e| e.to_string())?;
            if !dry.removed.is_empty() {
                prunes.push((file, dry.removed));
            }
        }
    }
    let mut gathered = gathered.clone();
    if gathered.keys.is_empty() {
        gathered = gather::from_report(report);
    }
    let keys = standings(device, report, accept_file, &targets, &prunes, &gathered)?;
    let removed_here = removed_in(&prunes, accept_file);
    let accept_line = line_count(accept_file)?.saturating_sub(removed_here) + 1;
    let hash = hash.unwrap_or_else(|| {
        known_hosts::file_hashes_names(accept_file) || hash_known_hosts(&device.host) == Some(true)
    });
    Ok(HostKeyRepair {
        host: device.host.clone(),
        port: device.port,
        targets,
        prunes,
        accept_file: accept_file.to_path_buf(),
        accept_line,
        keys,
        missed: gathered.missed,
        fingerprint: hk.fingerprint.clone(),
        hash,
    })
}

/// Each gathered key against the device's known_hosts files (and `accept_file`), with the
/// lines the prunes remove already gone. The presented key stands as the probe saw it.
fn standings(
    device: &Device,
    report: &DeviceReport,
    accept_file: &Path,
    targets: &[Target],
    prunes: &[(PathBuf, Vec<RemovedLine>)],
    gathered: &Gathered,
) -> Result<Vec<PlannedKey>, String> {
    let mut files = if device.known_hosts.is_empty() {
        crate::engine::stages::host_key::default_files()
    } else {
        device.known_hosts.clone()
    };
    if !files.iter().any(|f| f == accept_file) {
        files.push(accept_file.to_path_buf());
    }
    let known = KnownHosts::load(&files);
    let names: Vec<&str> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Host { host, .. } => Some(host.as_str()),
            Target::Cidr(_) => None,
        })
        .collect();
    let removed = |file: &Path, line: usize| {
        prunes
            .iter()
            .any(|(f, lines)| f == file && lines.iter().any(|l| l.line == line))
    };
    let presented = report.host_key.as_ref().map(|hk| hk.openssh.trim());
    let mut planned = Vec::new();
    for key in &gathered.keys {
        let public = key
            .public_key()
            .map_err(|e| format!("A key of the server cannot be stored: {e}."))?;
        let check = known.check(&names, device.port, &public);
        let place = |e: &known_hosts::EntryRef| format!("{}:{}", e.file.display(), e.line);
        let kept: Vec<&known_hosts::EntryRef> = check
            .entries
            .iter()
            .filter(|e| !removed(&e.file, e.line))
            .collect();
        let revoked: Vec<String> = kept
            .iter()
            .filter(|e| e.marker == Some(Marker::Revoked) && e.matches_key)
            .map(|e| place(e))
            .collect();
        let plain = || kept.iter().filter(|e| e.marker.is_none());
        let on_file: Vec<String> = plain()
            .filter(|e| e.matches_key)
            .map(|e| place(e))
            .collect();
        let other: Vec<Conflict> = plain()
            .filter(|e| !e.matches_key && e.algorithm == key.key_type)
            .map(|e| Conflict {
                file: e.file.clone(),
                line: e.line,
                fingerprint: e.fingerprint.clone(),
            })
            .collect();
        let is_presented = presented == Some(key.openssh.as_str());
        let standing = if !revoked.is_empty() {
            Standing::Revoked(revoked)
        } else if !on_file.is_empty() {
            Standing::OnFile(on_file)
        } else if !other.is_empty() && !is_presented {
            Standing::Contradicts(other)
        } else {
            // The presented key's own verdict (unknown, or changed with its prune) stands.
            Standing::Add
        };
        planned.push(PlannedKey {
            key: key.clone(),
            standing,
        });
    }
    Ok(planned)
}

/// The names a stale entry may use: the name typed and the address it resolved to.
pub fn targets(device: &Device, report: &DeviceReport) -> Vec<Target> {
    let mut targets = vec![Target::Host {
        host: device.host.clone(),
        port: device.port,
    }];
    if let Some(address) = report
        .address
        .as_ref()
        .filter(|a| !a.eq_ignore_ascii_case(&device.host))
    {
        targets.push(Target::Host {
            host: address.clone(),
            port: device.port,
        });
    }
    targets
}

fn removed_in(prunes: &[(PathBuf, Vec<RemovedLine>)], file: &Path) -> usize {
    prunes
        .iter()
        .filter(|(f, _)| f == file)
        .map(|(_, lines)| lines.len())
        .sum()
}

/// Lines as known_hosts counts them (a last line without newline counts); 0 for no file.
fn line_count(file: &Path) -> Result<usize, String> {
    let bytes = match crate::files::read_prefix(file, MAX_COUNTED_BYTES) {
        Ok(prefix) => prefix.bytes,
        Err(e) if e.is_missing() => return Ok(0),
        Err(e) => return Err(e.to_string()),
    };
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    Ok(newlines + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n")))
}

impl PlannedKey {
    /// Why the key is not added, for a contradicting or revoked one.
    pub fn refusal(&self) -> Option<String> {
        let key = &self.key;
        match &self.standing {
            Standing::Contradicts(conflicts) => Some(format!(
                "{} {}: known_hosts holds another {} key for the device ({})",
                key.describe(),
                key.fingerprint,
                key.key_type,
                conflicts
                    .iter()
                    .map(Conflict::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Standing::Revoked(places) => Some(format!(
                "{} {} is marked @revoked ({})",
                key.describe(),
                key.fingerprint,
                places.join(", ")
            )),
            Standing::Add | Standing::OnFile(_) => None,
        }
    }
}

impl HostKeyRepair {
    /// The keys the plan appends, in order.
    pub fn additions(&self) -> Vec<&HostKey> {
        self.keys
            .iter()
            .filter(|k| k.standing == Standing::Add)
            .map(|k| &k.key)
            .collect()
    }

    /// Nothing to remove and nothing to add: known_hosts already has every key obtained.
    pub fn is_noop(&self) -> bool {
        self.prunes.is_empty() && self.additions().is_empty()
    }

    /// Keys that contradict or are revoked in known_hosts: not added, to be reported.
    pub fn refused(&self) -> Vec<&PlannedKey> {
        self.keys
            .iter()
            .filter(|k| matches!(k.standing, Standing::Contradicts(_) | Standing::Revoked(_)))
            .collect()
    }

    /// The removed lines, file:line, as a proposal shows them.
    pub fn removed_lines(&self) -> Vec<FileLine> {
        self.prunes
            .iter()
            .flat_map(|(file, lines)| {
                lines.iter().map(move |l| FileLine {
                    file: file.display().to_string(),
                    line: l.line,
                    text: l.text().into_owned(),
                })
            })
            .collect()
    }

    /// The appended lines with their name in plain text: a hashed name (see `hash`) is
    /// drawn with a fresh salt only when the line is written.
    pub fn added_lines(&self) -> Vec<FileLine> {
        let name = known_hosts::lookup_name(&self.host, self.port);
        self.additions()
            .iter()
            .enumerate()
            .map(|(i, key)| FileLine {
                file: self.accept_file.display().to_string(),
                line: self.accept_line + i,
                text: format!("{name} {}", key.openssh),
            })
            .collect()
    }

    /// Applies the plan, if the files still say what the dry runs saw.
    pub fn apply(&self) -> Result<RepairDone, FixError> {
        let keys = self
            .additions()
            .iter()
            .map(|k| k.public_key())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FixError::KnownHosts(format!("cannot store the key: {e}")))?;
        for (file, lines) in &self.prunes {
            let dry = known_hosts::prune(file, &self.targets, true)
                .map_err(|e| FixError::KnownHosts(e.to_string()))?;
            if &dry.removed != lines {
                return Err(FixError::ChangedMeanwhile(file.clone()));
            }
        }
        let count = line_count(&self.accept_file).map_err(FixError::KnownHosts)?;
        if count.saturating_sub(removed_in(&self.prunes, &self.accept_file)) + 1 != self.accept_line
        {
            return Err(FixError::ChangedMeanwhile(self.accept_file.clone()));
        }
        let mut pruned = Vec::new();
        for (file, _) in &self.prunes {
            let done = known_hosts::prune(file, &self.targets, false)
                .map_err(|e| FixError::KnownHosts(e.to_string()))?;
            pruned.push((file.clone(), done.removed, done.backup));
        }
        let added = if keys.is_empty() {
            Vec::new()
        } else {
            self.accept_keeping_backup(&keys, &pruned)?
        };
        Ok(RepairDone { pruned, added })
    }

    /// Appends the keys. `accept_all` keeps `F.old` too, which would replace the prune's
    /// backup of the original with the pruned text: the original is set aside and put back.
    fn accept_keeping_backup(
        &self,
        keys: &[PublicKey],
        pruned: &[(PathBuf, Vec<RemovedLine>, Option<PathBuf>)],
    ) -> Result<Vec<AddedLine>, FixError> {
        let original_backup = pruned
            .iter()
            .find(|(f, _, _)| *f == self.accept_file)
            .and_then(|(_, _, b)| b.clone());
        let aside = original_backup.as_ref().map(|b| {
            let mut name = b.clone().into_os_string();
            name.push(format!(".sshtriage-{}", std::process::id()));
            (b.clone(), PathBuf::from(name))
        });
        if let Some((backup, aside)) = &aside {
            std::fs::rename(backup, aside).map_err(|source| FixError::Io {
                action: "cannot set the backup aside",
                path: backup.clone(),
                source,
            })?;
        }
        let result =
            known_hosts::accept_all(&self.accept_file, &self.host, self.port, keys, self.hash)
                .map_err(|e| FixError::KnownHosts(e.to_string()));
        if let Some((backup, aside)) = &aside {
            std::fs::rename(aside, backup).map_err(|source| FixError::Io {
                action: "cannot restore the backup",
                path: backup.clone(),
                source,
            })?;
        }
        let mut added = result?;
        if original_backup.is_some() {
            for line in &mut added {
                line.backup = original_backup.clone();
            }
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HostKeyEvidence, KnownHostsEntry};

    const STALE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJw1gAAa/qYVFfxs1SyzTXvSof8oCF8MwzvMY4+J4Y1";
    const STALE_FP: &str = "SHA256:l0OQexu0AaOnbKlPvF03UuX0ws3ltheoxikqCSHedis";
    const PRESENTED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIA395RX1xa5fxMarwW5vlLlpmshpICqp1NmpGnFBAgJ";
    const PRESENTED_FP: &str = "SHA256:f+D27BWFWkOBFUMsWvncJnZHnVxds6qnqtCrh2KNZmY";

    const OLD_ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBF9bHJetpE7O++bXS1mrUgcLAeVvRC/n514vgJVSys9jtPasFo4pIObF6xB+/5h+6RLXM78X5l0edfadQNoicF4=";
    const OLD_ECDSA_FP: &str = "SHA256:t+9L4ENOGGyS2P/yFbDnreqvgOQairtVG9F04h0Ub74";
    const NEW_ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKqySSyRvpx16SwN1Tj/7AnlOI7x+ZMmWGhbxKX81PXtoWrHdisoOaW0kdWRiUhysPzT0izqGwmOy23EyBzNugM=";
    const ECDSA_384: &str = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBCkwUAH1B8OceGZYJUqthlWE3KLftu/FsCy4TZjmO0OgP+8eM60DoDjXtiyMa9OJAD/VUYSwRGeUE8HitSwwqchDWhESEwDFrVrb7GfUkq7yah51DeCTx7ntCTmbYEGb/w==";

    /// 127.0.0.1:2222, reading only `file` (never the user's own known_hosts).
    fn device(file: &Path) -> Device {
        let target = crate::device::parse_host_arg("127.0.0.1:2222").expect("arg");
        Device {
            known_hosts: vec![file.to_path_buf()],
            ..Device::from_target(&target)
        }
    }

    fn gathered(keys: &[(&str, &str, Obtained)]) -> Gathered {
        Gathered {
            keys: keys
                .iter()
                .map(|(via, openssh, obtained)| {
                    let key = PublicKey::from_openssh(openssh).expect("key");
                    HostKey {
                        via: (*via).to_owned(),
                        key_type: key.algorithm().to_string(),
                        openssh: (*openssh).to_owned(),
                        fingerprint: known_hosts::fingerprint(&key),
                        obtained: *obtained,
                    }
                })
                .collect(),
            missed: Vec::new(),
        }
    }

    fn report(file: &Path, verdict: HostKeyVerdict) -> DeviceReport {
        DeviceReport {
            host_key: Some(HostKeyEvidence {
                algorithm: "ssh-ed25519".into(),
                fingerprint: PRESENTED_FP.into(),
                verdict,
                entries: vec![KnownHostsEntry {
                    file: file.display().to_string(),
                    line: 2,
                    algorithm: "ssh-ed25519".into(),
                    fingerprint: STALE_FP.into(),
                    marker: None,
                }],
                openssh: PRESENTED.into(),
                shared_with: Vec::new(),
                shared_count: 0,
                announced: Vec::new(),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn plans_then_replaces_the_stale_line_keeping_the_original_as_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        // No newline at the end: the new line still gets its own line.
        let original = format!("a.example {STALE}\n[127.0.0.1]:2222 {STALE}");
        std::fs::write(&file, &original).expect("write");
        let plan = plan_repair(
            &device(&file),
            &report(&file, HostKeyVerdict::Changed),
            &file,
            Some(false),
            &Gathered::default(),
        )
        .expect("a plan");
        assert_eq!(plan.accept_line, 2);
        assert_eq!(plan.removed_lines().len(), 1);
        assert_eq!(plan.removed_lines()[0].line, 2);
        assert_eq!(
            plan.added_lines()
                .into_iter()
                .map(|l| (l.line, l.text))
                .collect::<Vec<_>>(),
            vec![(2, format!("[127.0.0.1]:2222 {PRESENTED}"))]
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            original,
            "planning writes nothing"
        );

        let done = plan.apply().expect("applied");
        assert_eq!(done.added.len(), 1);
        assert_eq!(done.added[0].line, 2);
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            format!("a.example {STALE}\n[127.0.0.1]:2222 {PRESENTED}\n")
        );
        let backup = dir.path().join("known_hosts.old");
        assert_eq!(done.added[0].backup.as_deref(), Some(backup.as_path()));
        assert_eq!(std::fs::read_to_string(&backup).expect("backup"), original);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names.len(),
            2,
            "nothing set aside is left behind: {names:?}"
        );
    }

    #[test]
    fn a_file_changed_after_the_proposal_is_not_touched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        std::fs::write(
            &file,
            format!("x.example {STALE}\n[127.0.0.1]:2222 {STALE}\n"),
        )
        .expect("write");
        let plan = plan_repair(
            &device(&file),
            &report(&file, HostKeyVerdict::Changed),
            &file,
            Some(true),
            &Gathered::default(),
        )
        .expect("a plan");
        let edited = format!("[127.0.0.1]:2222 {STALE}\n");
        std::fs::write(&file, &edited).expect("someone edits it");
        let err = plan.apply().expect_err("must refuse");
        assert!(matches!(err, FixError::ChangedMeanwhile(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), edited);
    }

    #[test]
    fn matching_and_revoked_keys_are_not_repaired() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        std::fs::write(&file, format!("[127.0.0.1]:2222 {PRESENTED}\n")).expect("write");
        let mut matching = report(&file, HostKeyVerdict::Match);
        if let Some(hk) = matching.host_key.as_mut() {
            hk.entries[0].fingerprint = PRESENTED_FP.into();
            hk.entries[0].line = 1;
        }
        let plan = plan_repair(&device(&file), &matching, &file, None, &Gathered::default())
            .expect("a plan");
        assert!(plan.is_noop(), "{plan:?}");
        assert_eq!(
            plan.keys[0].standing,
            Standing::OnFile(vec![format!("{}:1", file.display())])
        );
        let err = plan_repair(
            &device(&file),
            &report(&file, HostKeyVerdict::Revoked),
            &file,
            None,
            &Gathered::default(),
        )
        .expect_err("no plan");
        assert!(err.contains("@revoked"), "{err}");
        let err = plan_repair(
            &device(&file),
            &DeviceReport::default(),
            &file,
            None,
            &Gathered::default(),
        )
        .expect_err("no key seen");
        assert!(err.starts_with("No host key was seen"), "{err}");
    }

    #[test]
    fn every_key_is_added_in_one_write_and_a_contradicting_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        let original = format!("[127.0.0.1]:2222 {OLD_ECDSA}\n");
        std::fs::write(&file, &original).expect("write");
        let mut unknown = report(&file, HostKeyVerdict::Unknown);
        if let Some(hk) = unknown.host_key.as_mut() {
            hk.entries.clear();
        }
        let keys = gathered(&[
            ("ssh-ed25519", PRESENTED, Obtained::Negotiated),
            ("ecdsa-sha2-nistp256", NEW_ECDSA, Obtained::SeparateExchange),
            ("ecdsa-sha2-nistp384", ECDSA_384, Obtained::Announced),
        ]);
        let plan =
            plan_repair(&device(&file), &unknown, &file, Some(false), &keys).expect("a plan");
        assert_eq!(
            plan.keys[1].standing,
            Standing::Contradicts(vec![Conflict {
                file: file.clone(),
                line: 1,
                fingerprint: OLD_ECDSA_FP.into(),
            }])
        );
        assert_eq!(plan.refused().len(), 1);
        let added: Vec<(usize, String)> = plan
            .added_lines()
            .into_iter()
            .map(|l| (l.line, l.text))
            .collect();
        assert_eq!(
            added,
            vec![
                (2, format!("[127.0.0.1]:2222 {PRESENTED}")),
                (3, format!("[127.0.0.1]:2222 {ECDSA_384}")),
            ]
        );
        let done = plan.apply().expect("applied");
        assert_eq!(done.added.len(), 2);
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            format!("{original}[127.0.0.1]:2222 {PRESENTED}\n[127.0.0.1]:2222 {ECDSA_384}\n")
        );
        // One write: the backup is the original, not the file after the first key.
        assert_eq!(
            std::fs::read_to_string(dir.path().join("known_hosts.old")).expect("backup"),
            original
        );

        // Once the presented key matches, accepting again adds nothing.
        let mut matching = report(&file, HostKeyVerdict::Match);
        if let Some(hk) = matching.host_key.as_mut() {
            hk.entries.clear();
        }
        let again = plan_repair(&device(&file), &matching, &file, None, &keys).expect("a plan");
        assert!(again.is_noop(), "{again:?}");
        assert_eq!(again.refused().len(), 1, "the contradiction is still told");
    }
}
