//! Human output of `check`: one line per device in inventory order, then a summary by the stage
//! where devices stopped.

use crate::model::{DeviceReport, Stage, Status};
use crate::present::printable;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn render(reports: &[DeviceReport]) -> String {
    let name_width = reports
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 28);
    let addr_width = reports
        .iter()
        .map(|r| address(r).len())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    let client_width = reports
        .iter()
        .map(|r| client(r).len())
        .max()
        .unwrap_or(6)
        .clamp(6, 16);
    let mut out = format!(
        "{:<name_width$}  {:<addr_width$}  {:<client_width$}  {:<12}  result\n",
        "device", "address", "client", "reached"
    );
    for r in reports {
        let reached = r.reached.map(Stage::name).unwrap_or("-");
        let verdict = match &r.failure {
            Some(f) => format!("FAIL {}/{}: {}", f.stage, f.reason, f.message),
            None => match warnings(r) {
                w if w.is_empty() => "ok".to_owned(),
                w => format!("ok, warn {}", w.join("; ")),
            },
        };
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<addr_width$}  {:<client_width$}  {:<12}  {}  ({})",
            clip(&r.name, name_width),
            clip(&address(r), addr_width),
            clip(&client(r), client_width),
            reached,
            printable(&verdict),
            duration(r.elapsed_ms)
        );
        for command in commands(r) {
            let _ = writeln!(out, "{:name_width$}  run: {}", "", printable(&command));
        }
        for line in beyond(r) {
            let _ = writeln!(out, "{:name_width$}  {}", "", printable(&line));
        }
        for line in crate::present::compatibility_lines(r) {
            let _ = writeln!(out, "{:name_width$}  {line}", "");
        }
        if let Some(transfer) = &r.transfer {
            let _ = writeln!(
                out,
                "{:name_width$}  transfer: {}",
                "",
                printable(&transfer.summary())
            );
        }
        if let Some(hk) = r.host_key.as_ref().filter(|hk| !hk.shared_with.is_empty()) {
            let _ = writeln!(
                out,
                "{:name_width$}  note: same host key as {}{} (cloned image?)",
                "",
                printable(&hk.shared_with.join(", ")),
                match hk.shared_count.saturating_sub(hk.shared_with.len()) {
                    0 => String::new(),
                    more => format!(" and {more} more"),
                }
            );
        }
    }
    out.push_str(&summary(reports));
    out
}

/// The client profile the verdicts are about, `-` before the key exchange was reached.
fn client(r: &DeviceReport) -> String {
    r.client
        .as_ref()
        .map_or_else(|| "-".to_owned(), |c| c.id.clone())
}

/// The commands that act on the device's failure and warnings, in the order to run them.
fn commands(r: &DeviceReport) -> Vec<String> {
    r.stages
        .iter()
        .filter(|s| s.beyond.is_none() && matches!(s.status, Status::Fail | Status::Warn))
        .flat_map(|s| s.commands.iter().map(|c| c.to_string()))
        .collect()
}

/// What the stages past a client failure found: what happens once it is fixed.
fn beyond(r: &DeviceReport) -> Vec<String> {
    let ran: Vec<&crate::model::StageResult> = r
        .stages
        .iter()
        .filter(|s| s.beyond.is_some() && s.status != Status::Skip)
        .collect();
    let problems: Vec<String> = ran
        .iter()
        .filter(|s| matches!(s.status, Status::Fail | Status::Warn))
        .map(|s| {
            let fixed = s.beyond.map_or("", Stage::name);
            let status = if s.status == Status::Fail {
                "FAIL"
            } else {
                "warn"
            };
            format!(
                "once {fixed} is fixed: {status} {}/{}: {}",
                s.stage,
                s.reason.map_or("-", |r| r.name()),
                s.detail
            )
        })
        .collect();
    match (ran.last(), problems.is_empty()) {
        (Some(last), true) => vec![format!(
            "once {} is fixed: the rest passes (through {})",
            last.beyond.map_or("", Stage::name),
            last.stage
        )],
        _ => problems,
    }
}

fn warnings(r: &DeviceReport) -> Vec<String> {
    let mut out: Vec<String> = r
        .stages
        .iter()
        .filter(|s| s.status == Status::Warn && s.beyond.is_none())
        .map(|s| {
            format!(
                "{}/{}: {}",
                s.stage,
                s.reason.map_or("warn", |r| r.name()),
                s.detail
            )
        })
        .collect();
    if r.transfer
        .as_ref()
        .is_some_and(|t| t.status == Status::Warn)
    {
        out.push("transfer: neither SFTP nor SCP is available".to_owned());
    }
    out
}

pub fn summary(reports: &[DeviceReport]) -> String {
    let failed: Vec<&DeviceReport> = reports.iter().filter(|r| !r.passed()).collect();
    let mut by_stage: BTreeMap<Stage, Vec<&str>> = BTreeMap::new();
    for r in &failed {
        if let Some(f) = &r.failure {
            by_stage.entry(f.stage).or_default().push(&r.name);
        }
    }
    let mut out = format!(
        "\n{} device(s): {} passed, {} failed\n",
        reports.len(),
        reports.len() - failed.len(),
        failed.len()
    );
    for (stage, names) in by_stage {
        // The rows above name every device; the summary names the first few.
        let shown = names.len().min(SUMMARY_NAMES);
        let mut list = names[..shown].join(", ");
        if names.len() > shown {
            let _ = write!(list, " and {} more", names.len() - shown);
        }
        let _ = writeln!(
            out,
            "  fail at {:<12} {:>3}  {}",
            stage.name(),
            names.len(),
            printable(&list)
        );
    }
    out
}

/// Devices named per stage in the summary.
const SUMMARY_NAMES: usize = 8;

fn address(r: &DeviceReport) -> String {
    let host = r.address.as_deref().unwrap_or(&r.host);
    let at = if host.contains(':') {
        format!("[{host}]:{}", r.port)
    } else {
        format!("{host}:{}", r.port)
    };
    match &r.via {
        Some(jump) => format!("{at} via {jump}"),
        None => at,
    }
}

/// Names and addresses come from files and DNS: cleaned, then clipped.
fn clip(text: &str, max: usize) -> String {
    crate::wire::ident::clip(&printable(text), max)
}

/// Rounded for reading: `0.4ms`, `12ms`, `1.2s`, `20s`.
pub fn duration(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.1}ms")
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else if ms < 10_000.0 {
        format!("{:.1}s", ms / 1000.0)
    } else {
        format!("{:.0}s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Failure;
    use crate::model::Reason;

    #[test]
    fn hostile_names_and_messages_cannot_drive_the_terminal() {
        let report = DeviceReport {
            name: "r1\u{1b}]0;owned\u{7}".into(),
            host: "127.0.0.1".into(),
            port: 22,
            failure: Some(Failure {
                stage: Stage::Banner,
                reason: Reason::BannerNotSsh,
                message: "answered \u{1b}[2J\nFAKE ok line".into(),
            }),
            ..Default::default()
        };
        let out = render(&[report]);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("␛[2J"), "{out}");
        // One device line, a blank line and the summary: the message made no line of its own.
        assert!(!out.lines().any(|l| l.starts_with("FAKE")), "{out}");
    }

    #[test]
    fn the_summary_names_a_few_devices_per_stage_and_counts_the_rest() {
        let reports: Vec<DeviceReport> = (0..300)
            .map(|i| DeviceReport {
                name: format!("d{i}"),
                host: "127.0.0.1".into(),
                port: 22,
                failure: Some(Failure {
                    stage: Stage::Tcp,
                    reason: Reason::TcpRefused,
                    message: "refused".into(),
                }),
                ..Default::default()
            })
            .collect();
        let text = summary(&reports);
        let line = text
            .lines()
            .find(|l| l.contains("fail at tcp"))
            .expect("a tcp line");
        assert!(
            line.ends_with("d0, d1, d2, d3, d4, d5, d6, d7 and 292 more"),
            "{line}"
        );
    }
}
