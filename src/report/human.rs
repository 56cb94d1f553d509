//! Human output of `check`: one line per device in inventory order, then a summary by the stage
//! where devices stopped.

use super::Options;
use super::facts::{address, beyond, client, commands, duration, reached, verdict};
use crate::model::{DeviceReport, Stage};
use crate::present::printable;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Every device of a run, then the summary.
pub fn render(reports: &[DeviceReport]) -> String {
    let rows: Vec<&DeviceReport> = reports.iter().collect();
    render_rows(&rows, reports, &Options::default())
}

/// One line per device of `rows` (all of a run, or its failing ones under `--quiet`), then the
/// summary of the whole run (`all`).
pub fn render_rows(rows: &[&DeviceReport], all: &[DeviceReport], _options: &Options) -> String {
    let name_width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 28);
    let addr_width = rows
        .iter()
        .map(|r| address(r).len())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    let client_width = rows
        .iter()
        .map(|r| client(r).len())
        .max()
        .unwrap_or(6)
        .clamp(6, 16);
    let mut out = String::new();
    if !rows.is_empty() {
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<addr_width$}  {:<client_width$}  {:<12}  result",
            "device", "address", "client", "reached"
        );
    }
    for r in rows {
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<addr_width$}  {:<client_width$}  {:<12}  {}  ({})",
            clip(&r.name, name_width),
            clip(&address(r), addr_width),
            clip(&client(r), client_width),
            reached(r),
            printable(&verdict(r)),
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
    let summary = summary(all);
    // Under --quiet with nothing failing, the summary is all there is.
    out.push_str(if rows.is_empty() {
        summary.trim_start_matches('\n')
    } else {
        &summary
    });
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

/// Names and addresses come from files and DNS: cleaned, then clipped.
fn clip(text: &str, max: usize) -> String {
    crate::wire::ident::clip(&printable(text), max)
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
