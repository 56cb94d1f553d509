//! The drill-down of one device: what happened at each stage, why it failed, the evidence.
//!
//! ```text
//! ✗ legacy-r2  172.20.20.12:22  failed at kex after 31ms                      title
//! ┌ Diagnosis ────────────────────────────────────────────────────────────┐
//! │ ✗ kex · no_common_kex: no common kex (server offers only …)           │ what + why
//! │ The device only offers key exchange methods your client does not …    │ one sentence
//! │ $ sshtriage fix algorithms legacy-r2 lab.toml                         │ what to run
//! └───────────────────────────────────────────────────────────────────────┘
//! ┌ Stages ─────────────┐┌ Evidence ──────────────────────────────────────┐
//! │ ✓ dns       0.1ms   ││ ── Algorithms ──                                │ failing stage's
//! │ ✓ tcp       0.4ms   ││ kex      server offers       we offer           │ section first,
//! │ ✗ kex         5ms … ││ ✗ none   diffie-hellman-…    curve25519-sha256… │ then the others
//! │ - host key          ││ ── Banner ──                                    │ (Tab + j/k
//! │ total 31ms          ││ …                                               │  scrolls it)
//! └─────────────────────┘└────────────────────────────────────────────────┘
//! ┌ Transcript ───────────────────────────────────────────── 1–5 of 12 ───┐
//! │    0.3ms ← SSH-2.0-Cisco-1.25                                         │ j/k, PgUp/PgDn
//! └───────────────────────────────────────────────────────────────────────┘
//! Esc back  ↓ scroll  Tab pane  r re-probe  ? help  q quit                   hint bar
//! ```

mod algorithms;
mod compatibility;
mod diagnosis_pane;
mod evidence;
mod history;
mod host_key;
mod scroll_pane;
mod timeline;
mod transcript;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{glyphs, hint_bar};
use crate::tui::app::{App, Pane};
use crate::tui::device::{DeviceRow, WhyKind};
use crate::tui::text;
use crate::tui::theme::Theme;

/// Nine stages and two borders.
const MIDDLE_MIN: u16 = 11;
const TRANSCRIPT_MIN: u16 = 5;
const TRANSCRIPT_SQUEEZED: u16 = 3;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App, device: usize) {
    let [title_area, body, hint_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    hint_bar::render(frame, hint_area, app);
    let Some(row) = app.rows().get(device) else {
        frame.render_widget(
            Paragraph::new("This device is no longer in the list. Esc goes back."),
            body,
        );
        return;
    };

    let theme = app.theme.clone();
    let tick = app.tick();
    let now = app.now();
    frame.render_widget(
        Paragraph::new(title_line(row, now, tick, &theme)),
        title_area,
    );
    if app.read_only() {
        // What a key that would probe or fix says here, where the header is not shown.
        let words = match app.notice() {
            Some(crate::tui::app::Notice::Problem(m)) => m.as_str(),
            _ => "read-only",
        };
        let width = text::cells(text::width(words)).min(title_area.width);
        let right = Rect {
            x: title_area.x + title_area.width - width,
            width,
            ..title_area
        };
        frame.render_widget(Paragraph::new(Span::styled(words, theme.warn)), right);
    }

    let diagnosis = diagnosis_pane::lines(row, body.width.saturating_sub(4) as usize, tick, &theme);
    // The stage list needs 11 rows; the diagnosis gets up to 8, so the commands it prints
    // show even at 80×24, where the transcript (scrollable with Tab) keeps at least 3.
    let diagnosis_room = body
        .height
        .saturating_sub(MIDDLE_MIN + TRANSCRIPT_SQUEEZED)
        .clamp(3, 8);
    let diagnosis_height = text::cells(diagnosis.len())
        .saturating_add(2)
        .min(diagnosis_room)
        .min(body.height);
    let rest = body.height - diagnosis_height;
    // The transcript gets what it needs up to 40% of the rest; the evidence gets the others.
    let transcript_lines =
        transcript::lines(&row.report, body.width.saturating_sub(4) as usize, &theme);
    let transcript_wanted = text::cells(transcript_lines.len()).saturating_add(2).clamp(
        TRANSCRIPT_MIN,
        text::cells(usize::from(rest) * 2 / 5).max(TRANSCRIPT_MIN),
    );
    let middle = rest
        .saturating_sub(transcript_wanted)
        .max(MIDDLE_MIN)
        .min(rest.saturating_sub(TRANSCRIPT_SQUEEZED));
    let [diagnosis_area, middle_area, transcript_area] = Layout::vertical([
        Constraint::Length(diagnosis_height),
        Constraint::Length(middle),
        Constraint::Min(0),
    ])
    .areas(body);
    // Narrow screens drop the reason column of the stage list; the diagnosis says it.
    let stages_width = if area.width >= 110 { 38 } else { 22 };
    let [stages_area, evidence_area] =
        Layout::horizontal([Constraint::Length(stages_width), Constraint::Min(0)])
            .areas(middle_area);

    let pane = |title: &str| {
        Block::bordered()
            .border_style(theme.border)
            .title(Span::styled(format!(" {title} "), theme.heading))
    };
    frame.render_widget(
        Paragraph::new(diagnosis)
            .block(pane("Diagnosis").padding(ratatui::widgets::Padding::horizontal(1))),
        diagnosis_area,
    );
    let stage_lines = timeline::lines(
        row,
        stages_area.width.saturating_sub(4) as usize,
        now,
        tick,
        &theme,
    );
    frame.render_widget(
        Paragraph::new(stage_lines)
            .block(pane("Stages").padding(ratatui::widgets::Padding::horizontal(1))),
        stages_area,
    );

    let evidence_width = evidence_area.width.saturating_sub(4) as usize;
    // Watch mode's history first: it says why the evidence is what it is right now.
    let mut evidence_lines = history::lines(row.watch.as_ref(), evidence_width, &theme);
    if !evidence_lines.is_empty() {
        evidence_lines.push(Line::raw(""));
    }
    evidence_lines.extend(evidence::lines(&row.report, evidence_width, &theme));
    let focus = app.ui.focus;
    let (evidence_scroll, evidence_rows) = scroll_pane::render(
        frame,
        evidence_area,
        "Evidence",
        evidence_lines,
        app.ui.evidence_scroll,
        focus == Pane::Evidence,
        &theme,
    );
    let (transcript_scroll, transcript_rows) = scroll_pane::render(
        frame,
        transcript_area,
        "Transcript",
        transcript_lines,
        app.ui.transcript_scroll,
        focus == Pane::Transcript,
        &theme,
    );
    app.ui.evidence_scroll = evidence_scroll;
    app.ui.transcript_scroll = transcript_scroll;
    app.viewport.evidence_rows = evidence_rows;
    app.viewport.transcript_rows = transcript_rows;
}

fn title_line<'a>(row: &DeviceRow, now: std::time::Duration, tick: u64, theme: &Theme) -> Line<'a> {
    let (kind, _) = row.why();
    let (glyph, style) = match kind {
        WhyKind::Fail => ("✗", theme.fail),
        WhyKind::Warn => ("!", theme.warn),
        WhyKind::Ready => ("✓", theme.ok),
        WhyKind::Running => (glyphs::spinner(tick), theme.running),
        WhyKind::Pending => ("·", theme.pending),
    };
    let report = &row.report;
    let mut address = row.address();
    if let Some(resolved) = report.address.as_deref().filter(|a| *a != report.host) {
        address.push_str(&format!(" → {resolved}"));
    }
    let time = row.elapsed_ms(now).map(text::duration_ms);
    let status = match (&report.failure, kind) {
        (Some(f), _) => format!("failed at {}", f.stage.title()),
        (None, WhyKind::Running) => "probing".to_string(),
        (None, WhyKind::Pending) => "waiting to be probed".to_string(),
        (None, _) => format!(
            "ready at {}",
            report.reached.map_or("nothing", |s| s.title())
        ),
    };
    let status = match time {
        Some(t) => format!("{status} after {t}"),
        None => status,
    };
    Line::from(vec![
        Span::styled(format!(" {glyph} "), style),
        Span::styled(text::clean(&report.name), theme.title),
        Span::styled(format!("  {}  ", text::clean(&address)), theme.dim),
        Span::styled(status, style),
    ])
}
