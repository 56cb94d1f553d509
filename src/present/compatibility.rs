//! For `check` output: per client profile, would it connect to a device that failed the key
//! exchange, and what fixes it, in the client's own terms.

use crate::algorithms::allowlist::Category;
use crate::algorithms::compat::{Fix, client_profile};
use crate::algorithms::snippets::fix_summary;
use crate::model::{ClientCompatibility, DeviceReport, Reason, Stage, Status};

use super::text::printable;

/// One line per client profile for a device whose key exchange failed for its client or for
/// another client its inventory may use; nothing otherwise.
///
/// ```text
/// OpenSSH 9.2p1 (Debian 12)   fix: -o KexAlgorithms=+diffie-hellman-group14-sha1 …
/// Paramiko 3.5                [this machine: Paramiko 3.5.1 (python3)] connects
/// Paramiko 5.0                cannot: Paramiko 5.0 cannot connect: …
/// ```
pub fn compatibility_lines(report: &DeviceReport) -> Vec<String> {
    let kex = report.result(Stage::Kex);
    let concerns_clients =
        kex.is_some_and(|k| k.status == Status::Fail || k.reason == Some(Reason::KexOtherClient));
    if !concerns_clients {
        return Vec::new();
    }
    let rows: Vec<(String, String)> = report
        .compatibility
        .iter()
        .map(|c| {
            let verdict = match &c.this_machine {
                // First, where the eye lands: these rows can be long.
                Some(here) => format!("[{}] {}", printable(here), verdict(c)),
                None => verdict(c),
            };
            (client_name(&c.client), verdict)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    rows.into_iter()
        .map(|(name, verdict)| format!("{name:<width$}  {verdict}"))
        .collect()
}

fn client_name(id: &str) -> String {
    client_profile(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| printable(id))
}

fn verdict(c: &ClientCompatibility) -> String {
    if c.connects {
        return "connects".to_owned();
    }
    if let Some(cannot) = &c.cannot {
        return format!("cannot: {}", printable(cannot));
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
    fn one_line_per_profile_with_its_verdict() {
        let lines = compatibility_lines(&legacy_report());
        assert_eq!(
            lines.len(),
            crate::algorithms::compat::client_profiles().len()
        );
        let find = |start: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(start))
                .unwrap_or_else(|| panic!("no line for {start}: {lines:#?}"))
                .clone()
        };
        assert!(
            find("OpenSSH 9.2").contains(
                "fails at kex; fix: -o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa"
            ),
            "{lines:#?}"
        );
        assert!(find("Paramiko 4.0").ends_with("  connects"), "{lines:#?}");
        assert!(find("Paramiko 5.0").contains("cannot: Paramiko 5.0 cannot connect"));
        assert!(
            find("sshtriage")
                .contains("fix: [device.algorithms] kex = \"+diffie-hellman-group14-sha1\"")
        );
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
