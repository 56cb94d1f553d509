//! For `check` output: per client profile, would it connect to a device that failed the key
//! exchange, and what fixes it, in the client's own terms.

use crate::algorithms::allowlist::Category;
use crate::algorithms::compat::{Fix, cannot_reason, client_profile};
use crate::algorithms::snippets::fix_summary;
use crate::model::{ClientCompatibility, DeviceReport, Reason, Stage, Status};

use super::text::printable;

/// Client profiles that say the same about a device: their names (each with the installed
/// client it stands for, when there is one) and the one verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatibilityGroup {
    /// `Paramiko 3.5 [this machine: Paramiko 3.5.1 (python3)], Paramiko 4.0`.
    pub clients: String,
    /// `connects`, `fails at kex; fix: …`, `cannot connect: the device offers only …`.
    pub verdict: String,
}

/// One line per verdict for a device whose key exchange failed for its client or for
/// another client its inventory may use; nothing otherwise. Profiles with the same verdict
/// share a line, so a long "cannot" paragraph is printed once, not once per version.
///
/// ```text
/// OpenSSH 9.2p1 (Debian 12) [this machine: OpenSSH 9.2p1], OpenSSH 10.0p1: fails at kex; fix: -o KexAlgorithms=+… …
/// Paramiko 3.5, Paramiko 4.0, libssh 0.9.6 (pylibssh 1.2): connects
/// Paramiko 5.0, Paramiko 5.1: cannot connect: the device offers only …
/// ```
pub fn compatibility_lines(report: &DeviceReport) -> Vec<String> {
    compatibility_groups(report)
        .into_iter()
        .map(|g| format!("{}: {}", g.clients, g.verdict))
        .collect()
}

/// The verdicts of [`compatibility_lines`], each with the clients it is about, in the order
/// of the first profile of each.
pub fn compatibility_groups(report: &DeviceReport) -> Vec<CompatibilityGroup> {
    let kex = report.result(Stage::Kex);
    let concerns_clients =
        kex.is_some_and(|k| k.status == Status::Fail || k.reason == Some(Reason::KexOtherClient));
    if !concerns_clients {
        return Vec::new();
    }
    let mut groups: Vec<(Vec<String>, String)> = Vec::new();
    for c in &report.compatibility {
        let name = client_name(&c.client);
        let verdict = verdict(c, &name);
        let label = match &c.this_machine {
            Some(here) => format!("{name} [{}]", printable(here)),
            None => name,
        };
        match groups.iter_mut().find(|(_, v)| *v == verdict) {
            Some((labels, _)) => labels.push(label),
            None => groups.push((vec![label], verdict)),
        }
    }
    groups
        .into_iter()
        .map(|(labels, verdict)| CompatibilityGroup {
            clients: labels.join(", "),
            verdict,
        })
        .collect()
}

fn client_name(id: &str) -> String {
    client_profile(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| printable(id))
}

/// The verdict without the client's own name, so profiles that say the same can share it.
fn verdict(c: &ClientCompatibility, name: &str) -> String {
    if c.connects {
        return "connects".to_owned();
    }
    if let Some(cannot) = &c.cannot {
        // The statement starts with the client's name ("Paramiko 5.0 cannot connect: …").
        return match cannot_reason(cannot, name) {
            Some(rest) => format!("cannot connect: {}", printable(rest)),
            None => format!("cannot: {}", printable(cannot)),
        };
    }
    let fails_at = c.fails_at.as_deref().unwrap_or("kex");
    match (&c.fix, client_profile(&c.client)) {
        (Some(additions), Some(profile)) => {
            let fix = Fix {
                additions: additions
                    .iter()
                    .filter_map(|a| {
                        let category = Category::ALL.into_iter().find(|c| c.key() == a.category)?;
                        Some((category, a.algorithm.clone()))
                    })
                    .collect(),
            };
            format!(
                "fails at {fails_at}; fix: {}",
                printable(&fix_summary(profile, &fix))
            )
        }
        (Some(additions), None) => {
            let names: Vec<String> = additions
                .iter()
                .map(|a| format!("{} +{}", a.category, a.algorithm))
                .collect();
            format!("fails at {fails_at}; fix: {}", printable(&names.join(", ")))
        }
        (None, _) => format!("fails at {fails_at}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::evidence;
    use crate::model::Reason;
    use crate::model::{AlgorithmLists, Failure};

    fn legacy_report() -> DeviceReport {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let server = AlgorithmLists {
            kex: v(&["diffie-hellman-group14-sha1"]),
            host_key: v(&["ssh-rsa"]),
            cipher_c2s: v(&["aes128-cbc"]),
            cipher_s2c: v(&["aes128-cbc"]),
            mac_c2s: v(&["hmac-sha1"]),
            mac_s2c: v(&["hmac-sha1"]),
            ..Default::default()
        };
        DeviceReport {
            failure: Some(Failure {
                stage: Stage::Kex,
                reason: Reason::NoCommonKex,
                message: "no common kex".into(),
            }),
            stages: vec![crate::model::StageResult {
                stage: Stage::Kex,
                status: Status::Fail,
                elapsed_ms: 1.0,
                reason: Some(Reason::NoCommonKex),
                detail: "no common kex".into(),
                beyond: None,
                commands: Vec::new(),
            }],
            compatibility: evidence::compatibility(&server),
            ..Default::default()
        }
    }

    #[test]
    fn one_line_per_verdict_naming_every_profile_with_it() {
        let lines = compatibility_lines(&legacy_report());
        let find = |start: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(start))
                .unwrap_or_else(|| panic!("no line for {start}: {lines:#?}"))
                .clone()
        };
        assert_eq!(
            find("OpenSSH 9.2"),
            "OpenSSH 9.2p1 (Debian 12), OpenSSH 10.0p1: fails at kex; fix: -o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedAlgorithms=+ssh-rsa -o Ciphers=+aes128-cbc"
        );
        assert!(
            find("Paramiko 3.5").starts_with("Paramiko 3.5, Paramiko 4.0, libssh 0.9"),
            "{lines:#?}"
        );
        assert!(find("Paramiko 3.5").ends_with(": connects"), "{lines:#?}");
        // The long paragraph once for both Paramiko 5 versions, without either's name in it.
        let paramiko5 = find("Paramiko 5.0");
        assert!(
            paramiko5
                .starts_with("Paramiko 5.0, Paramiko 5.1: cannot connect: the device offers only"),
            "{paramiko5}"
        );
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.contains("Paramiko 5 removed the SHA-1 key exchanges"))
                .count(),
            1,
            "{lines:#?}"
        );
        assert!(
            find("sshtriage")
                .contains("fix: [device.algorithms] kex = \"+diffie-hellman-group14-sha1\"")
        );
        // Every profile is named once.
        for profile in crate::algorithms::compat::client_profiles() {
            let named = lines
                .iter()
                .filter(|l| {
                    l.split(": ").next().is_some_and(|clients| {
                        clients.split(", ").any(|c| c.starts_with(&profile.name))
                    })
                })
                .count();
            assert_eq!(named, 1, "{}: {lines:#?}", profile.name);
        }
    }

    #[test]
    fn this_machine_stays_with_its_profile() {
        let mut report = legacy_report();
        report.compatibility[2].this_machine =
            Some("this machine: Paramiko 3.5.1 (python3)".into());
        let line = compatibility_lines(&report)
            .into_iter()
            .find(|l| l.contains("Paramiko 3.5"))
            .expect("a line");
        assert!(
            line.starts_with("Paramiko 3.5 [this machine: Paramiko 3.5.1 (python3)], Paramiko 4.0"),
            "{line}"
        );
        assert!(line.ends_with(": connects"), "{line}");
    }

    #[test]
    fn nothing_for_devices_that_did_not_fail_at_kex() {
        let mut report = legacy_report();
        report.failure = None;
        report.stages[0].status = Status::Ok;
        report.stages[0].reason = None;
        assert!(compatibility_lines(&report).is_empty());
        // A warning that another client would fail shows them.
        report.stages[0].status = Status::Warn;
        report.stages[0].reason = Some(Reason::KexOtherClient);
        assert!(!compatibility_lines(&report).is_empty());
    }
}
