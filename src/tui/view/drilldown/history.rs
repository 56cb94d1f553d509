//! The drill-down's History section in watch mode: where the watch stands, when the device's
//! watch started and when it first got somewhere (TCP, banner, auth, ready), and the recent
//! attempts, newest last; every "at" on the one clock of the watch (since it began).

use ratatui::text::{Line, Span};

use super::evidence::heading;
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
    for (label, value) in milestones {
        out.push(Line::from(vec![
            Span::styled(format!("{label:<15}"), theme.dim),
            Span::raw(text::fit(&value, width.saturating_sub(15))),
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
    for attempt in &status.attempts[skip..] {
        out.push(attempt_line(attempt, width, theme));
    }
    out
}

/// "   12 s  tcp       banner: port open but no SSH banner   1.0s"
fn attempt_line(attempt: &Attempt, width: usize, theme: &Theme) -> Line<'static> {
    let reached = attempt.reached.map_or("-", |s| s.title());
    let (outcome, kind) = match &attempt.failure {
        Some(f) => (
            crate::tui::device::stage_says(f.stage, &f.message),
            WhyKind::Fail,
        ),
        None => ("ok".to_string(), WhyKind::Ready),
    };
    let lead = format!("{:>8}  {reached:<9} ", seconds(attempt.at_ms));
    let took = format!(" {}", text::duration_ms(attempt.elapsed_ms));
    let room = width.saturating_sub(text::width(&lead) + text::width(&took));
    Line::from(vec![
        Span::styled(lead, theme.dim),
        Span::styled(text::fit(&outcome, room), glyphs::why_style(kind, theme)),
        Span::styled(took, theme.dim),
    ])
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
