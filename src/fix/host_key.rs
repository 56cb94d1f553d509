//! known_hosts repair for one device: remove the stale entries (as `ssh-keygen -R` would,
//! for the name and the address) and append the key the device presents now. Planned first
//! with dry runs, so the exact lines can be shown and confirmed before anything is written.

use std::path::{Path, PathBuf};

use russh::keys::ssh_key::PublicKey;

use super::FixError;
use super::hash_setting::hash_known_hosts;
use crate::device::Device;
use crate::known_hosts::{self, AddedLine, RemovedLine, Target};
use crate::model::{DeviceReport, FileLine, HostKeyVerdict};

/// Bigger known_hosts files are refused by the editor too.
const MAX_COUNTED_BYTES: u64 = 64 << 20;

/// What a repair will do, computed by dry runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyRepair {
    pub host: String,
    pub port: u16,
    pub targets: Vec<Target>,
    /// Files holding stale entries, with the lines a prune removes from each.
    pub prunes: Vec<(PathBuf, Vec<RemovedLine>)>,
    pub accept_file: PathBuf,
    /// The number the appended line will have.
    pub accept_line: usize,
    /// The presented key in OpenSSH public format.
    pub key: String,
    pub fingerprint: String,
    pub hash: bool,
}

/// What a repair did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairDone {
    /// Per pruned file: the removed lines and the backup (`F.old`, the original).
    pub pruned: Vec<(PathBuf, Vec<RemovedLine>, Option<PathBuf>)>,
    pub added: AddedLine,
}

/// Plans the repair from a probe report: stale entries go, the presented key is appended to
/// `accept_file`, hashed when `hash` says so or (unset) when the file already hashes names
/// or ssh_config's `HashKnownHosts` says yes.
pub fn plan_repair(
    device: &Device,
    report: &DeviceReport,
    accept_file: &Path,
    hash: Option<bool>,
) -> Result<HostKeyRepair, String> {
    let Some(hk) = &report.host_key else {
        let why = match &report.failure {
            Some(f) => format!("the probe stopped at {} ({})", f.stage, f.reason),
            None => "the probe has not reached the host key yet".to_owned(),
        };
        return Err(format!("No host key was seen: {why}."));
    };
    match hk.verdict {
        HostKeyVerdict::Match => {
            return Err(format!(
                "known_hosts already holds the presented key {}; nothing to repair.",
                hk.fingerprint
            ));
        }
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
        HostKeyVerdict::Unknown | HostKeyVerdict::Changed => {}
    }
    PublicKey::from_openssh(&hk.openssh)
        .map_err(|e| format!("The presented key cannot be stored: {e}."))?;
    let targets = targets(device, report);
    let mut prunes = Vec::new();
    for file in hk.stale_files() {
        let dry = known_hosts::prune(&file, &targets, true).map_err(|e| e.to_string())?;
        if !dry.removed.is_empty() {
            prunes.push((file, dry.removed));
        }
    }
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
        key: hk.openssh.trim().to_owned(),
        fingerprint: hk.fingerprint.clone(),
        hash,
    })
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

impl HostKeyRepair {
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

    /// The appended line with its name in plain text: a hashed name (see `hash`) is drawn
    /// with a fresh salt only when the line is written.
    pub fn added_line(&self) -> FileLine {
        let name = known_hosts::lookup_name(&self.host, self.port);
        FileLine {
            file: self.accept_file.display().to_string(),
            line: self.accept_line,
            text: format!("{name} {}", self.key),
        }
    }

    /// Applies the plan, if the files still say what the dry runs saw.
    pub fn apply(&self) -> Result<RepairDone, FixError> {
        let key = PublicKey::from_openssh(&self.key)
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
        let added = self.accept_keeping_backup(&key, &pruned)?;
        Ok(RepairDone { pruned, added })
    }

    /// Appends the key. `accept` keeps `F.old` too, which would replace the prune's backup
    /// of the original with the pruned text: the original is set aside and put back.
    fn accept_keeping_backup(
        &self,
        key: &PublicKey,
        pruned: &[(PathBuf, Vec<RemovedLine>, Option<PathBuf>)],
    ) -> Result<AddedLine, FixError> {
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
        let result = known_hosts::accept(&self.accept_file, &self.host, self.port, key, self.hash)
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
            added.backup = original_backup;
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

    fn device() -> Device {
        let target = crate::device::parse_host_arg("127.0.0.1:2222").expect("arg");
        Device::from_target(&target)
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
            &device(),
            &report(&file, HostKeyVerdict::Changed),
            &file,
            Some(false),
        )
        .expect("a plan");
        assert_eq!(plan.accept_line, 2);
        assert_eq!(plan.removed_lines().len(), 1);
        assert_eq!(plan.removed_lines()[0].line, 2);
        assert_eq!(
            plan.added_line().text,
            format!("[127.0.0.1]:2222 {PRESENTED}")
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            original,
            "planning writes nothing"
        );

        let done = plan.apply().expect("applied");
        assert_eq!(done.added.line, 2);
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            format!("a.example {STALE}\n[127.0.0.1]:2222 {PRESENTED}\n")
        );
        let backup = dir.path().join("known_hosts.old");
        assert_eq!(done.added.backup.as_deref(), Some(backup.as_path()));
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
            &device(),
            &report(&file, HostKeyVerdict::Changed),
            &file,
            Some(true),
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
        for (verdict, words) in [
            (HostKeyVerdict::Match, "nothing to repair"),
            (HostKeyVerdict::Revoked, "@revoked"),
        ] {
            let err =
                plan_repair(&device(), &report(&file, verdict), &file, None).expect_err("no plan");
            assert!(err.contains(words), "{err}");
        }
        let err =
            plan_repair(&device(), &DeviceReport::default(), &file, None).expect_err("no key seen");
        assert!(err.starts_with("No host key was seen"), "{err}");
    }
}
