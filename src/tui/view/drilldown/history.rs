//! The drill-down's History section in watch mode: where the watch stands, when the device's
//! watch started and when it first got somewhere (TCP, banner, auth, ready), and the recent
//! attempts, newest last; every "at" on the one clock of the watch (since it began).
//!
//! ```text
//! ── History ─────────────────────────────
//! waiting 7 s · port open but no SSH banner for 95 s
//! stuck: port open but no SSH banner for 95 s
//! TCP first open  at 5 s
//! banner first    —
//! attempts: 4 (last 4)  ▁▂▂█
//!         at  reached   took  outcome
//!        5 s  dns      0.4ms  tcp: connection refused
//! 2 min 10 s  tcp        10s  banner: port open but no SSH banner
//! 4 min 11 s  enable    1.2s  ok
//! ```
//! The attempts' columns are as wide as their widest entry (in cells), so they line up.

use ratatui::text::{Line, Span};

use super::evidence::heading;
use super::right;
use crate::model::seconds;
use crate::model::{Attempt, WatchState, WatchStatus};
use crate::tui::device::{WhyKind, history_strip, watch_state};
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::view::glyphs;

/// Attempts listed; older ones are counted, not shown.
const LISTED_ATTEMPTS: usize = 10;

/// Empty without watch data, so the drill-down outside watch mode is unchanged.
pub fn lines(status: Option<&WatchStatus>, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(status) = status else {
        return Vec::new();
    };
    let mut out = vec![heading("History", width, theme)];
    let (kind, state) = watch_state(status);
    out.push(Line::styled(
        text::fit(&state, width),
        glyphs::why_style(kind, theme),
    ));
    let ready = matches!(status.state, WatchState::Ready);
    if !ready && let Some(condition) = status.condition() {
        out.push(Line::styled(
            text::fit(&format!("stuck: {condition}"), width),
            glyphs::why_style(WhyKind::Fail, theme),
        ));
    }
    if let Some(slow) = status.slow_banner() {
        // The dashboard's flag for the per-stage timeout (`wait` calls it --stage-timeout).
        let advice = [
            slow.evidence(),
            format!(
                "slower than {}, not booting? start with --timeout {}s",
                seconds(slow.gave_up_after_ms),
                slow.suggested_secs()
            ),
        ];
        for line in advice {
            out.push(Line::styled(
                text::fit(&line, width),
                glyphs::why_style(WhyKind::Warn, theme),
            ));
        }
    }
    let m = &status.milestones;
    let at = |ms: Option<u64>| ms.map_or("—".to_string(), |ms| format!("at {}", seconds(ms)));
    // One clock for these and the attempts below: seconds since the watch began. A device
    // a reload added or changed later says when its own watch began (time to ready counts
    // from there).
    let started = (m.started_at_ms > 0).then(|| ("watch started", at(Some(m.started_at_ms))));
    let milestones = started.into_iter().chain([
        ("TCP first open", at(m.tcp_open_at_ms)),
        ("banner first", at(m.banner_at_ms)),
        ("auth ok", at(m.auth_ok_at_ms)),
        ("ready", at(m.ready_at_ms)),
        (
            "time to ready",
            m.time_to_ready_ms().map_or("—".to_string(), seconds),
        ),
    ]);
    let milestones: Vec<(&str, String)> = milestones.collect();
    let label_width = milestones
        .iter()
        .map(|(l, _)| text::width(l))
        .max()
        .unwrap_or(0)
        + 2;
    for (label, value) in milestones {
        out.push(Line::from(vec![
            Span::styled(text::pad(label, label_width), theme.dim),
            Span::raw(text::fit(&value, width.saturating_sub(label_width))),
        ]));
    }
    let shown = status.attempts.len().min(LISTED_ATTEMPTS);
    out.push(Line::styled(
        text::fit(
            &format!(
                "attempts: {} (last {shown})  {}",
                status.attempts_total,
                history_strip(status, LISTED_ATTEMPTS)
            ),
            width,
        ),
        theme.heading,
    ));
    let skip = status.attempts.len() - shown;
    out.extend(attempt_lines(&status.attempts[skip..], width, theme));
    out
}

/// The attempts as a table: when, how far it got, how long it took, what happened.
fn attempt_lines(attempts: &[Attempt], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    if attempts.is_empty() {
        return Vec::new();
    }
    let rows: Vec<[String; 3]> = attempts
        .iter()
        .map(|a| {
            [
                seconds(a.at_ms),
                a.reached.map_or("-", |s| s.name()).to_string(),
                text::duration_ms(a.elapsed_ms),
            ]
        })
        .collect();
    let headers = ["at", "reached", "took"];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| text::width(&r[i]))
                .chain([text::width(headers[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let lead = |at: &str, reached: &str, took: &str| {
        format!(
            "{}  {}  {}  ",
            right(at, widths[0]),
            text::pad(reached, widths[1]),
            right(took, widths[2])
        )
    };
    let mut out = vec![Line::styled(
        text::fit(&format!("{}outcome", lead("at", "reached", "took")), width),
        theme.dim,
    )];
    for (attempt, [at, reached, took]) in attempts.iter().zip(rows) {
        let (outcome, kind) = match &attempt.failure {
            Some(f) => (
                crate::tui::device::stage_says(f.stage, &f.message),
                WhyKind::Fail,
            ),
            None => ("ok".to_string(), WhyKind::Ready),
        };
        let lead = lead(&at, &reached, &took);
        let room = width.saturating_sub(text::width(&lead));
        out.push(Line::from(vec![
            Span::styled(lead, theme.dim),
            Span::styled(text::fit(&outcome, room), glyphs::why_style(kind, theme)),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attempt, Failure, Reason, Stage};

    /// Attempts that all gave up on the banner after the stage timeout get the flag that
    /// lets a slow device through; the tests of `sshtriage check --timeout` and `wait
    /// --stage-timeout` run it against a simulated slow device.
    #[test]
    fn a_banner_slower_than_the_stage_timeout_gets_the_flag() {
        let mut status = crate::tui::fixtures::slow_boot_watch();
        let plain = |lines: Vec<Line>| -> Vec<String> {
            lines
                .iter()
                .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
                .collect()
        };
        let before = plain(lines(Some(&status), 80, &Theme::monochrome()));
        assert!(
            !before.iter().any(|l| l.contains("--timeout")),
            "{before:#?}"
        );
        for attempt in status.attempts.iter_mut().skip(2) {
            *attempt = Attempt {
                failure: Some(Failure {
                    stage: Stage::Banner,
                    reason: Reason::BannerTimeout,
                    message: "no banner".into(),
                }),
                banner_ms: Some(8_003.0),
                ..attempt.clone()
            };
        }
        let after = plain(lines(Some(&status), 80, &Theme::monochrome()));
        assert!(
            after.contains(&"the banner stage timed out every time at 8 s (9 attempts)".into()),
            "{after:#?}"
        );
        assert!(
            after.contains(&"slower than 8 s, not booting? start with --timeout 16s".into()),
            "{after:#?}"
        );
    }
}
