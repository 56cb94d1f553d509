//! The evidence pane: one section per part of the method, the failing stage's section first
//! (then watch mode's history, then the others in the order of the stages), so the drill-down
//! opens on what broke. A field with no value is left out rather than shown as a bare label.
//! Every string from the device goes through `text::clean` before it reaches the screen.
//!
//! ```text
//! ── Enable ───────────────────────────            the failing stage's section
//! mode       not privileged
//!
//! ── History ──────────────────────────            watch mode only
//! …
//! ── Connection ───────────────────────
//! ✓ dns      172.20.20.18 is an IP address; no lookup
//! ✓ tcp      connected to 172.20.20.18:22 in 0.4 ms
//! address    172.20.20.18
//! ```

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{algorithms, compatibility, host_key};
use crate::model::{DeviceReport, Stage, Status};
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::view::glyphs;

/// Lines of text the device sent that are shown before "… N more".
const TEXT_BLOCK_MAX_LINES: usize = 12;

/// The label column: "✓ host_key" and the space after it. A longer label ("✓ auth_methods")
/// widens its own line only, so the values keep their room on an 80-column screen.
pub(super) fn label_width() -> usize {
    11
}

struct Section {
    title: &'static str,
    stages: &'static [Stage],
    /// Whether the stages' own sentences open the section (once per stage across sections).
    details: bool,
    body: fn(&DeviceReport, usize, &Theme) -> Vec<Line<'static>>,
}

static SECTIONS: &[Section] = &[
    Section {
        title: "Connection",
        stages: &[Stage::Dns, Stage::Tcp],
        details: true,
        body: connection,
    },
    Section {
        title: "Banner",
        stages: &[Stage::Banner],
        details: true,
        body: banner,
    },
    Section {
        title: "Clients",
        stages: &[Stage::Kex],
        details: false,
        body: compatibility_body,
    },
    Section {
        title: "Algorithms",
        stages: &[Stage::Kex],
        details: true,
        body: algorithms_body,
    },
    Section {
        title: "Host key",
        stages: &[Stage::HostKey],
        details: true,
        body: host_key_body,
    },
    Section {
        title: "Authentication",
        stages: &[Stage::AuthMethods, Stage::Auth],
        details: true,
        body: authentication,
    },
    Section {
        title: "Session",
        stages: &[Stage::Prompt],
        details: true,
        body: session,
    },
    Section {
        title: "Enable",
        stages: &[Stage::Enable],
        details: true,
        body: enable,
    },
    Section {
        title: "File transfer",
        stages: &[],
        details: false,
        body: transfer,
    },
];

/// The stage the drill-down is about: the failure's, else the first warning's.
fn focus(report: &DeviceReport) -> Option<Stage> {
    report.failure.as_ref().map(|f| f.stage).or_else(|| {
        report
            .stages
            .iter()
            .find(|r| r.status == Status::Warn)
            .map(|r| r.stage)
    })
}

/// The sections, the focus stage's first; `history` (watch mode's, or empty) goes right after
/// it, or first when no stage is in focus.
pub fn lines(
    report: &DeviceReport,
    history: Vec<Line<'static>>,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let first = focus(report);
    let mut order: Vec<&Section> = SECTIONS.iter().collect();
    if let Some(stage) = first {
        order.sort_by_key(|s| !s.stages.contains(&stage));
    }
    // Whether the first section shown is the focus stage's (it may have nothing to show).
    let mut leads = false;
    let mut blocks: Vec<Vec<Line<'static>>> = Vec::new();
    for section in order {
        let mut body = if section.details {
            stage_details(report, section.stages, first, width, theme)
        } else {
            Vec::new()
        };
        body.extend((section.body)(report, width, theme));
        if body.is_empty() {
            continue;
        }
        if blocks.is_empty() {
            leads = first.is_some_and(|stage| section.stages.contains(&stage));
        }
        body.insert(0, heading(section.title, width, theme));
        blocks.push(body);
    }
    if !history.is_empty() {
        let at = usize::from(leads);
        blocks.insert(at, history);
    }
    let mut out = Vec::new();
    for block in blocks {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.extend(block);
    }
    if out.is_empty() {
        out.push(Line::styled(
            "No evidence yet: nothing has come back from this device.",
            theme.dim,
        ));
    }
    out
}

pub(super) fn heading(title: &str, width: usize, theme: &Theme) -> Line<'static> {
    // Every heading ends at the same column: the title's length takes from its rule.
    let rule = width.min(52).saturating_sub(title.chars().count() + 4);
    Line::from(vec![
        Span::styled("── ", theme.border),
        Span::styled(title.to_string(), theme.heading),
        Span::styled(format!(" {}", "─".repeat(rule)), theme.border),
    ])
}

/// Each stage's own sentence, with its mark; not the one the diagnosis already shows.
fn stage_details(
    report: &DeviceReport,
    stages: &[Stage],
    diagnosed: Option<Stage>,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for &stage in stages {
        let Some(result) = report.result(stage) else {
            continue;
        };
        if result.detail.is_empty() || diagnosed == Some(stage) {
            continue;
        }
        let style = glyphs::status_style(result.status, theme);
        let label = format!("{} {}", glyphs::status_glyph(result.status), stage.name());
        out.extend(labeled(&label, &result.detail, width, style, Style::new()));
    }
    out
}

/// `label` in the label column, `value` word-wrapped beside it with a hanging indent; nothing
/// at all when there is no value. A label as wide as the column still gets its space.
pub(super) fn labeled(
    label: &str,
    value: &str,
    width: usize,
    label_style: Style,
    value_style: Style,
) -> Vec<Line<'static>> {
    let value = text::clean(value);
    if value.trim().is_empty() {
        return Vec::new();
    }
    let column = label_width().max(text::width(label) + 1);
    let value_width = width.saturating_sub(column).max(8);
    text::wrap(&value, value_width)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let head = if i == 0 {
                text::pad(label, column)
            } else {
                " ".repeat(column)
            };
            Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(part, value_style),
            ])
        })
        .collect()
}

/// Text the device sent, line by line, bounded, each behind a bar so it reads as quoted.
pub(super) fn quoted(lines: &[String], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let indent = label_width();
    let inner = width.saturating_sub(indent + 2);
    let mut out: Vec<Line> = lines
        .iter()
        .take(TEXT_BLOCK_MAX_LINES)
        .map(|l| {
            Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled("│ ", theme.border),
                Span::styled(text::fit(&text::clean(l), inner), theme.received),
            ])
        })
        .collect();
    if lines.len() > TEXT_BLOCK_MAX_LINES {
        out.push(Line::styled(
            format!(
                "{}… {} more lines",
                " ".repeat(indent),
                lines.len() - TEXT_BLOCK_MAX_LINES
            ),
            theme.dim,
        ));
    }
    out
}

fn connection(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    match &report.address {
        Some(address) => labeled("address", address, width, theme.dim, Style::new()),
        None => Vec::new(),
    }
}

fn banner(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(b) = &report.banner else {
        return Vec::new();
    };
    // Fields the device never sent (no identification line) are left out, not shown empty.
    let mut out = labeled("raw", &b.raw, width, theme.dim, theme.heading);
    let parts: Vec<String> = [
        ("protocol", Some(&b.protocol)),
        ("software", Some(&b.software)),
        ("comments", b.comments.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        let value = value.filter(|v| !v.trim().is_empty())?;
        Some(format!("{name} {value}"))
    })
    .collect();
    out.extend(labeled(
        "parsed",
        &parts.join(" · "),
        width,
        theme.dim,
        Style::new(),
    ));
    if b.pre_banner.is_empty() {
        out.extend(labeled("before it", "nothing", width, theme.dim, theme.dim));
    } else {
        let count = format!(
            "{} lines of text before the identification",
            b.pre_banner.len()
        );
        out.extend(labeled("before it", &count, width, theme.dim, Style::new()));
        out.extend(quoted(&b.pre_banner, width, theme));
    }
    out
}

fn algorithms_body(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    report
        .algorithms
        .as_ref()
        .map(|a| algorithms::lines(a, width, theme))
        .unwrap_or_default()
}

/// The client the verdicts are about (and why), the settings it reads, then every client.
fn compatibility_body(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(client) = &report.client {
        let mut who = client.name.clone();
        if let Some(by) = &client.used_by {
            who.push_str(&format!(", used by {by}"));
        }
        if let Some(here) = &client.this_machine {
            who.push_str(&format!(" ({here})"));
        }
        out.extend(labeled("yours", &who, width, theme.dim, theme.heading));
        out.extend(labeled("why", &client.why, width, theme.dim, Style::new()));
        for setting in &client.settings {
            out.extend(labeled("reads", setting, width, theme.dim, Style::new()));
        }
        for problem in &client.problems {
            out.extend(labeled("problem", problem, width, theme.dim, theme.warn));
        }
    }
    out.extend(compatibility::lines(&report.compatibility, width, theme));
    out
}

fn host_key_body(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    report
        .host_key
        .as_ref()
        .map(|h| host_key::lines(h, width, theme))
        .unwrap_or_default()
}

fn authentication(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(methods) = &report.auth_methods {
        let list = if methods.is_empty() {
            "none".to_string()
        } else {
            methods.join(", ")
        };
        out.extend(labeled("offered", &list, width, theme.dim, theme.heading));
    }
    if let Some(banner) = &report.auth_banner {
        let lines: Vec<String> = banner.lines().map(str::to_string).collect();
        out.extend(labeled(
            "banner",
            "the server's pre-login message:",
            width,
            theme.dim,
            Style::new(),
        ));
        out.extend(quoted(&lines, width, theme));
    }
    out
}

fn session(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(profile) = &report.profile {
        out.extend(labeled("profile", profile, width, theme.dim, Style::new()));
    }
    if let Some(prompt) = &report.prompt {
        out.extend(labeled(
            "prompt",
            prompt.trim(),
            width,
            theme.dim,
            theme.heading,
        ));
    }
    out
}

/// Where the session ended up: the enable stage's outcome, whatever its sentence said.
fn enable(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(privileged) = report.privileged else {
        return Vec::new();
    };
    let words = if privileged {
        "privileged"
    } else {
        "not privileged"
    };
    labeled("mode", words, width, theme.dim, Style::new())
}

/// SFTP and SCP, when the transfer check ran: each available or what the server said, and
/// the platform's way to turn transfer on when neither works.
fn transfer(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(t) = &report.transfer else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, check) in [("sftp", &t.sftp), ("scp", &t.scp)] {
        let (status, words) = if check.available {
            (Status::Ok, "available")
        } else {
            (Status::Warn, "not available")
        };
        let words = match check.detail.trim() {
            "" => words.to_string(),
            detail => format!("{words}: {detail}"),
        };
        let label = format!("{} {name}", glyphs::status_glyph(status));
        let style = glyphs::status_style(status, theme);
        out.extend(labeled(&label, &words, width, style, Style::new()));
    }
    if t.status == Status::Warn {
        out.extend(labeled(
            "warning",
            "neither SFTP nor SCP is available: file copies (Ansible net_put/net_get, Netmiko file_transfer, scp) will fail",
            width,
            theme.warn,
            Style::new(),
        ));
    }
    if let Some(hint) = &t.hint {
        out.extend(labeled("turn on", hint, width, theme.dim, Style::new()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TransferCheck, TransferEvidence};

    fn text(lines: &[Line<'static>]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The transfer check's evidence has its own section: each protocol with the server's
    /// answer, the warning when neither works, the platform's hint.
    #[test]
    fn the_transfer_check_has_its_section() {
        let mut report = DeviceReport::default();
        assert!(
            !text(&lines(&report, Vec::new(), 100, &Theme::monochrome())).contains("File transfer")
        );
        report.transfer = Some(TransferEvidence {
            sftp: TransferCheck {
                available: false,
                detail: "the server refused the sftp subsystem".into(),
            },
            scp: TransferCheck {
                available: false,
                detail: "the server refused to run `scp -f …`".into(),
            },
            status: Status::Warn,
            hint: Some("IOS: `ip scp server enable`".into()),
        });
        let shown = text(&lines(&report, Vec::new(), 100, &Theme::monochrome()));
        for expected in [
            "── File transfer",
            "! sftp     not available: the server refused the sftp subsystem",
            "neither SFTP nor SCP is available",
            "turn on    IOS: `ip scp server enable`",
        ] {
            assert!(shown.contains(expected), "{expected:?} in:\n{shown}");
        }
    }
}
