//! The legacy-algorithm fix for our own client: what the device's allow-list needs (the
//! strongest algorithms both sides can do, relative to what it offers now), the inventory
//! change that says so, and applying it with a probe that proves it, or a rollback.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::FixError;
use super::atomic;
use super::inventory_edit::{InventoryEdit, read_inventory, set_algorithms};
use crate::algorithms::allowlist::{self, Category, ClientOffer};
use crate::algorithms::clients::{AlgorithmSet, ClientProfile, Family};
use crate::algorithms::compat::{self, client_profiles};
use crate::algorithms::negotiate::is_kex_marker;
use crate::algorithms::snippets::{self, DeviceRef, SnippetKind};
use crate::device::{Device, Origin};
use crate::engine::{self, Shared};
use crate::model::{AlgorithmLists, DeviceReport, Event, Failure, Stage, Status};
use crate::sources::sshtriage::Inventory;

/// What the device's key exchange needs from our client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The key exchange passes already; the stage's own sentence.
    Passes(String),
    /// The device did not get as far as comparing algorithms, or kex failed for another
    /// reason; an allow-list would not help.
    NotAlgorithms(String),
    /// Our client implements nothing the device offers in some category.
    Cannot(String),
    Needs(AlgorithmFix),
}

/// Algorithms to add and the allow-list values that add them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmFix {
    /// In protocol order, strongest both sides can do.
    pub additions: Vec<(Category, String)>,
    pub specs: Vec<SpecChange>,
}

/// One `[device.algorithms]` key before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecChange {
    pub category: Category,
    /// The value in effect now (the device's own or the `[defaults]` one).
    pub before: Option<String>,
    pub after: String,
}

impl AlgorithmFix {
    /// `kex +a, cipher +b,c` for sentences.
    pub fn summary(&self) -> String {
        Category::ALL
            .iter()
            .filter_map(|&c| {
                let names: Vec<&str> = self
                    .additions
                    .iter()
                    .filter(|(cat, _)| *cat == c)
                    .map(|(_, n)| n.as_str())
                    .collect();
                (!names.is_empty()).then(|| format!("{} +{}", c.key(), names.join(",")))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn specs(&self) -> Vec<(Category, String)> {
        self.specs
            .iter()
            .map(|s| (s.category, s.after.clone()))
            .collect()
    }
}

/// Our client (the russh profile) as this device configures it: the allow-list in effect is
/// its default offer.
pub fn our_client(device: &Device) -> Option<ClientProfile> {
    let mut profile = client_profiles()
        .iter()
        .find(|p| p.family == Family::Russh)?
        .clone();
    let offer = &device.offer;
    profile.default = AlgorithmSet {
        kex: offer.kex.clone(),
        host_key: offer.host_key.clone(),
        cipher: offer.cipher.clone(),
        mac: offer.mac.clone(),
    };
    Some(profile)
}

pub fn kex_passes(report: &DeviceReport) -> bool {
    report
        .result(Stage::Kex)
        .is_some_and(|r| matches!(r.status, Status::Ok | Status::Warn))
}

/// Reads a probe report: does the device need an allow-list, and which one.
pub fn diagnose(device: &Device, report: &DeviceReport) -> Diagnosis {
    if let Some(kex) = report.result(Stage::Kex).filter(|_| kex_passes(report)) {
        return Diagnosis::Passes(kex.detail.clone());
    }
    let failure = report.failure.as_ref();
    let algorithm_failure = failure.is_some_and(|f| f.reason.is_no_common_algorithm());
    let (Some(evidence), true) = (&report.algorithms, algorithm_failure) else {
        let why = match failure {
            Some(f) => format!("it fails at {} ({}): {}", f.stage, f.reason, f.message),
            None => "it has not been probed through the key exchange".to_owned(),
        };
        return Diagnosis::NotAlgorithms(format!("An allow-list does not help here: {why}"));
    };
    let Some(ours) = our_client(device) else {
        return Diagnosis::NotAlgorithms("no client profile for sshtriage itself".to_owned());
    };
    let c = compat::compatibility(&ours, &evidence.server);
    if let Some(cannot) = c.cannot {
        return Diagnosis::Cannot(cannot);
    }
    let Some(fix) = c.fix else {
        return Diagnosis::NotAlgorithms(
            "the lists predict a key exchange, yet it failed; an allow-list does not help"
                .to_owned(),
        );
    };
    let specs = Category::ALL
        .iter()
        .filter(|&&category| !fix.names(category).is_empty())
        .map(|&category| {
            let before = device
                .allowlist
                .iter()
                .find(|(c, _)| *c == category)
                .map(|(_, s)| s.clone());
            let after = merged_spec(
                before.as_deref(),
                device.offer.get(category),
                &fix.names(category),
            );
            SpecChange {
                category,
                before,
                after,
            }
        })
        .collect();
    Diagnosis::Needs(AlgorithmFix {
        additions: fix.additions,
        specs,
    })
}

/// The allow-list value that keeps what `before` says and adds `names`: appended to a `+` or
/// `^` list or a full list; a `-` removal cannot also add, so it becomes the full list in
/// effect plus the names.
pub fn merged_spec(before: Option<&str>, offer: &[String], names: &[&str]) -> String {
    let spec = before.map(str::trim).unwrap_or_default();
    if spec.is_empty() {
        return format!("+{}", names.join(","));
    }
    if spec.starts_with('-') {
        let mut list: Vec<&str> = offer
            .iter()
            .map(String::as_str)
            .filter(|n| !is_kex_marker(n))
            .collect();
        for name in names {
            if !list.contains(name) {
                list.push(name);
            }
        }
        return list.join(",");
    }
    let spec = spec.trim_end_matches([',', ' ']);
    let present: Vec<&str> = spec
        .trim_start_matches(['+', '^'])
        .split(',')
        .map(str::trim)
        .collect();
    let new: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !present.contains(n))
        .collect();
    if new.is_empty() {
        spec.to_owned()
    } else {
        format!("{spec},{}", new.join(","))
    }
}

/// A fix ready to apply: the inventory change and the device as it will be probed.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub fix: AlgorithmFix,
    /// None when the device is not from an inventory file: the change lives in this session.
    pub edit: Option<InventoryEdit>,
    pub device: Device,
}

/// Works out the edit (from the device's inventory file) and the device after it. The new
/// text is loaded like any inventory before it is accepted, so what is written will load.
pub fn prepare(device: &Device, fix: AlgorithmFix) -> Result<Prepared, FixError> {
    let mut after = device.clone();
    let edit = match &device.origin {
        Origin::File { path, .. } => {
            let original = read_inventory(path)?;
            let edit = set_algorithms(path, &original, &device.name, &fix.specs())?;
            let reloaded = Inventory::parse(path, &edit.updated).map_err(|e| {
                FixError::Inventory(format!("the edited inventory would not load: {e}"))
            })?;
            let parsed = reloaded
                .devices
                .into_iter()
                .find(|d| d.name == device.name)
                .ok_or_else(|| {
                    FixError::Inventory(format!(
                        "the edited inventory lost the device \"{}\"",
                        device.name
                    ))
                })?;
            after.offer = parsed.offer;
            after.allowlist = parsed.allowlist;
            Some(edit)
        }
        Origin::CommandLine => {
            let defaults = ClientOffer::default();
            for spec in &fix.specs {
                let list =
                    allowlist::apply(spec.category, defaults.get(spec.category), &spec.after)
                        .map_err(|e| {
                            FixError::Inventory(format!("{}: {e}", spec.category.key()))
                        })?;
                *after.offer.get_mut(spec.category) = list;
                after.allowlist.retain(|(c, _)| *c != spec.category);
                after.allowlist.push((spec.category, spec.after.clone()));
            }
            None
        }
    };
    Ok(Prepared {
        fix,
        edit,
        device: after,
    })
}

/// What became of the change after the verifying probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// The device passes; the change stays.
    NotNeeded,
    /// It does not pass, and the user said to keep the change.
    Kept,
    /// The original bytes are back in place.
    RolledBack,
    /// Restoring failed; the message says what to do by hand.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub backup: Option<PathBuf>,
    pub after: DeviceReport,
    /// `NotNeeded` exactly when the device passes now.
    pub rollback: Rollback,
}

/// Writes the change, probes the device again, and restores the original bytes when the
/// key exchange still fails (unless `keep`).
pub async fn apply_and_verify(
    prepared: &Prepared,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
    keep: bool,
) -> Result<Verification, FixError> {
    let backup = match &prepared.edit {
        Some(edit) => Some(atomic::replace_checked(
            &edit.path,
            &edit.original,
            edit.updated.as_bytes(),
        )?),
        None => None,
    };
    let after = bounded_probe(&prepared.device, shared, index, events).await;
    let passes = kex_passes(&after);
    let rollback = match (&prepared.edit, passes, keep) {
        (_, true, _) => Rollback::NotNeeded,
        (_, false, true) => Rollback::Kept,
        (None, false, false) => Rollback::RolledBack,
        (Some(edit), false, false) => match atomic::restore(&edit.path, &edit.original) {
            Ok(()) => Rollback::RolledBack,
            Err(e) => Rollback::Failed(format!(
                "{e}; the original is in {}",
                backup
                    .as_ref()
                    .map(|b| b.display().to_string())
                    .unwrap_or_default()
            )),
        },
    };
    Ok(Verification {
        backup,
        after,
        rollback,
    })
}

/// Probes one device with a bound on the whole walk, so a fix never hangs.
pub async fn bounded_probe(
    device: &Device,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
) -> DeviceReport {
    let bound = device
        .timeout
        .saturating_mul(12)
        .saturating_add(Duration::from_secs(5));
    match tokio::time::timeout(bound, engine::probe(device, shared, index, events)).await {
        Ok(report) => report,
        Err(_) => DeviceReport {
            name: device.name.clone(),
            host: device.host.clone(),
            port: device.port,
            failure: Some(Failure {
                stage: Stage::Dns,
                reason: crate::model::Reason::DnsTimeout,
                message: format!(
                    "the probe did not finish within {}",
                    humantime::format_duration(bound)
                ),
            }),
            ..Default::default()
        },
    }
}

/// The stages a probe ran, with their marks: `dns ✓  tcp ✓  banner ✓  kex ✗ no_common_kex`.
pub fn stage_line(report: &DeviceReport) -> String {
    let parts: Vec<String> = report
        .stages
        .iter()
        .filter(|r| r.status != Status::Skip)
        .map(|r| match r.status {
            Status::Ok => format!("{} ✓", r.stage),
            Status::Warn => format!("{} !", r.stage),
            _ => match r.reason {
                Some(reason) => format!("{} ✗ {reason}", r.stage),
                None => format!("{} ✗ failed", r.stage),
            },
        })
        .collect();
    match (parts.is_empty(), &report.failure) {
        (false, _) => parts.join("  "),
        (true, Some(f)) => format!("✗ {}", f.message),
        (true, None) => "(no stage ran)".to_owned(),
    }
}

/// Copy-ready text for the other clients (OpenSSH, Ansible, Paramiko, Netmiko), one per
/// distinct text, titled with every client it is for.
pub fn other_client_snippets(device: &Device, server: &AlgorithmLists) -> Vec<(String, String)> {
    let device_ref = DeviceRef {
        name: &device.name,
        host: &device.host,
        port: device.port,
        user: device.username.as_deref(),
    };
    // (clients, what the snippet is, text)
    let mut found: Vec<(Vec<String>, Option<String>, String)> = Vec::new();
    for profile in client_profiles()
        .iter()
        .filter(|p| p.family != Family::Russh)
    {
        let c = compat::compatibility(profile, server);
        for snippet in snippets::snippets_for(&device_ref, profile, &c, server) {
            if let Some(same) = found.iter_mut().find(|(_, _, text)| *text == snippet.text) {
                same.0.push(profile.name.clone());
                continue;
            }
            let what = (snippet.kind != SnippetKind::Statement).then_some(snippet.title);
            found.push((vec![profile.name.clone()], what, snippet.text));
        }
    }
    found
        .into_iter()
        .map(|(clients, what, text)| {
            let clients = clients.join(", ");
            let title = match what {
                Some(what) => format!("{clients} · {what}"),
                None => clients,
            };
            (title, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Reason;
    use crate::model::{AlgorithmEvidence, StageResult};
    use std::path::Path;

    fn v(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    fn legacy_server() -> AlgorithmLists {
        AlgorithmLists {
            kex: v(&[
                "diffie-hellman-group14-sha1",
                "kex-strict-s-v00@openssh.com",
            ]),
            host_key: v(&["ssh-rsa"]),
            cipher_c2s: v(&["aes128-cbc"]),
            cipher_s2c: v(&["aes128-cbc"]),
            mac_c2s: v(&["hmac-sha1"]),
            mac_s2c: v(&["hmac-sha1"]),
            compression_c2s: v(&["none"]),
            compression_s2c: v(&["none"]),
        }
    }

    fn failed_at_kex(server: AlgorithmLists) -> DeviceReport {
        DeviceReport {
            failure: Some(Failure {
                stage: Stage::Kex,
                reason: Reason::NoCommonKex,
                message: "no key exchange algorithm in common".into(),
            }),
            stages: vec![StageResult {
                stage: Stage::Kex,
                status: Status::Fail,
                elapsed_ms: 1.0,
                reason: Some(Reason::NoCommonKex),
                detail: "no key exchange algorithm in common".into(),
                beyond: None,
            }],
            algorithms: Some(AlgorithmEvidence {
                server,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn device(toml_algorithms: &str) -> Device {
        let text = format!("[[device]]\nname = \"old\"\nhost = \"127.0.0.1\"\n{toml_algorithms}");
        Inventory::parse(Path::new("t.toml"), &text)
            .expect("valid")
            .devices
            .remove(0)
    }

    #[test]
    fn a_plain_device_needs_kex_cipher_and_mac() {
        let Diagnosis::Needs(fix) = diagnose(&device(""), &failed_at_kex(legacy_server())) else {
            panic!("a fix is expected")
        };
        assert_eq!(
            fix.summary(),
            "kex +diffie-hellman-group14-sha1, cipher +aes128-cbc, mac +hmac-sha1"
        );
        let specs: Vec<(Category, &str, Option<&str>)> = fix
            .specs
            .iter()
            .map(|s| (s.category, s.after.as_str(), s.before.as_deref()))
            .collect();
        assert_eq!(
            specs,
            vec![
                (Category::Kex, "+diffie-hellman-group14-sha1", None),
                (Category::Cipher, "+aes128-cbc", None),
                (Category::Mac, "+hmac-sha1", None),
            ]
        );
    }

    #[test]
    fn what_the_allow_list_has_already_is_kept_and_not_asked_again() {
        let d = device(
            "[device.algorithms]\nkex = \"+diffie-hellman-group1-sha1\"\nmac = \"+hmac-sha1\"\n",
        );
        let Diagnosis::Needs(fix) = diagnose(&d, &failed_at_kex(legacy_server())) else {
            panic!("a fix is expected")
        };
        assert_eq!(
            fix.summary(),
            "kex +diffie-hellman-group14-sha1, cipher +aes128-cbc"
        );
        assert_eq!(
            fix.specs[0].after,
            "+diffie-hellman-group1-sha1,diffie-hellman-group14-sha1"
        );
        assert_eq!(
            fix.specs[0].before.as_deref(),
            Some("+diffie-hellman-group1-sha1")
        );
    }

    #[test]
    fn merging_follows_the_openssh_syntax() {
        let offer = v(&["a", "b", "ext-info-c"]);
        assert_eq!(merged_spec(None, &offer, &["x"]), "+x");
        assert_eq!(merged_spec(Some("+a"), &offer, &["x", "y"]), "+a,x,y");
        assert_eq!(merged_spec(Some("^a,"), &offer, &["x"]), "^a,x");
        assert_eq!(merged_spec(Some("a,b"), &offer, &["b", "x"]), "a,b,x");
        assert_eq!(merged_spec(Some("+x"), &offer, &["x"]), "+x");
        assert_eq!(merged_spec(Some("-c*"), &offer, &["x"]), "a,b,x");
    }

    #[test]
    fn other_failures_and_impossible_servers_are_said_plainly() {
        let mut report = failed_at_kex(legacy_server());
        report.failure = Some(Failure {
            stage: Stage::Tcp,
            reason: Reason::TcpRefused,
            message: "connection refused".into(),
        });
        assert!(matches!(
            diagnose(&device(""), &report),
            Diagnosis::NotAlgorithms(m) if m.contains("fails at tcp (refused)")
        ));
        let rc4 = AlgorithmLists {
            cipher_c2s: v(&["arcfour"]),
            cipher_s2c: v(&["arcfour"]),
            ..legacy_server()
        };
        assert!(matches!(
            diagnose(&device(""), &failed_at_kex(rc4)),
            Diagnosis::Cannot(m) if m.contains("arcfour")
        ));
        let mut ok = DeviceReport::default();
        ok.stages.push(StageResult {
            stage: Stage::Kex,
            status: Status::Ok,
            elapsed_ms: 1.0,
            reason: None,
            detail: "kex curve25519-sha256".into(),
            beyond: None,
        });
        assert_eq!(
            diagnose(&device(""), &ok),
            Diagnosis::Passes("kex curve25519-sha256".into())
        );
    }

    #[test]
    fn a_command_line_device_gets_the_change_in_memory() {
        let target = crate::device::parse_host_arg("127.0.0.1:2222").expect("arg");
        let d = Device::from_target(&target);
        let Diagnosis::Needs(fix) = diagnose(&d, &failed_at_kex(legacy_server())) else {
            panic!("a fix is expected")
        };
        let prepared = prepare(&d, fix).expect("prepared");
        assert!(prepared.edit.is_none());
        assert!(
            prepared
                .device
                .offer
                .kex
                .contains(&"diffie-hellman-group14-sha1".to_string())
        );
        assert!(prepared.device.offer.mac.contains(&"hmac-sha1".to_string()));
    }

    #[test]
    fn stage_lines_show_marks_and_reasons() {
        let report = failed_at_kex(legacy_server());
        assert_eq!(stage_line(&report), "kex ✗ no_common_kex");
        assert_eq!(stage_line(&DeviceReport::default()), "(no stage ran)");
    }

    #[test]
    fn snippets_for_other_clients_are_distinct() {
        let snippets = other_client_snippets(&device(""), &legacy_server());
        let texts: Vec<&str> = snippets.iter().map(|(_, t)| t.as_str()).collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains("KexAlgorithms +diffie-hellman-group14-sha1"))
        );
        assert!(texts.iter().any(|t| t.contains("ansible_ssh_common_args")));
        for (i, t) in texts.iter().enumerate() {
            assert!(!texts[i + 1..].contains(t), "duplicate {t}");
        }
    }
}
