//! The drill-down of one device: what happened at each stage, why it failed, the evidence.
//! It opens where the failure shows: the evidence on the failing stage's section, the
//! transcript at its end.
//!
//! ```text
//!  ✗ ios-r4  172.20.20.18:22  failed at enable after 2.4s                  title; in watch mode
//! ┌ Diagnosis ──────────────────────────────────────────────────────────┐  the row's words
//! │ ✗ enable secret rejected: the device answered "% Access denied"     │  what + why, wrapped
//! │ The enable or become (sudo) password was rejected; check            │  (scrolls when long),
//! │ enable_secret.                                                      │  then the advice,
//! └─────────────────────────────────────────────────────────────────────┘  always in view
//! ┌ Stages ────────────┐┌ Evidence ─────────────────────────────────────┐
//! │ ✓ dns       <0.1ms ││ ── Enable ─────────────────────────           │  the failing stage's
//! │ ✓ tcp        0.4ms ││ mode       not privileged                     │  section first, the
//! │ …                  ││                                               │  watch's history next
//! │ ✓ prompt     702ms ││ ── Connection ─────────────────────           │  (watch mode), then
//! │ ✗ enable      1.5s ││ ✓ dns      172.20.20.18 is an IP address; …   │  the others (Tab, j/k)
//! └────────────────────┘└─────────────────────────────────── 1–9 of 76 ─┘
//! ┌ ▸ Transcript ───────────────────────────────────────────────────────┐
//! │   961ms → [enable secret redacted]                                  │  opened at its end;
//! │    2.4s ← % Access denied                                           │  j/k, PgUp/PgDn
//! └───────────────────────────────────────────────────────── 6–10 of 10 ┘
//!  Esc back  ↓ scroll  Tab pane  r re-probe  ? help  q quit                hint bar
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
use crate::model::WatchStatus;
use crate::tui::app::{App, Pane};
use crate::tui::device::{DeviceRow, WhyKind, watch_state};
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
    // Watch mode's state, when the row shows it: the title says it and the history is shown.
    let watch = row.shown_watch(app.watching());
    frame.render_widget(
        Paragraph::new(title_line(row, watch, now, tick, &theme)),
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
    // The stage list needs 11 rows and the transcript keeps at least 3; the diagnosis gets the
    // rest up to half the screen (8 rows at 80×24), and scrolls beyond that.
    let diagnosis_room = body
        .height
        .saturating_sub(MIDDLE_MIN + TRANSCRIPT_SQUEEZED)
        .clamp(3, (body.height / 2).max(8));
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
    let stages_width = if area.width >= 110 { 40 } else { 26 };
    let [stages_area, evidence_area] =
        Layout::horizontal([Constraint::Length(stages_width), Constraint::Min(0)])
            .areas(middle_area);

    let pane = |title: &str| {
        Block::bordered()
            .border_style(theme.border)
            .title(Span::styled(format!(" {title} "), theme.heading))
    };
    let focus = app.ui.focus;
    let (diagnosis_scroll, diagnosis_rows, diagnosis_scrolls) = diagnosis_pane::render(
        frame,
        diagnosis_area,
        diagnosis,
        app.ui.diagnosis_scroll,
        focus == Pane::Diagnosis,
        &theme,
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
    // Watch mode's history, right after the failing stage's section: it says why the evidence
    // is what it is right now. Without watch mode (a single run, a saved one) there is none.
    let history = history::lines(watch, evidence_width, &theme);
    let evidence_lines = evidence::lines(&row.report, history, evidence_width, &theme);
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
    app.ui.diagnosis_scroll = diagnosis_scroll;
    app.viewport.evidence_rows = evidence_rows;
    app.viewport.transcript_rows = transcript_rows;
    app.viewport.diagnosis_rows = diagnosis_rows;
    app.viewport.diagnosis_scrolls = diagnosis_scrolls;
}

/// Name, address and where the device stands: the probe's outcome, or in watch mode the
/// watch's state in the words of its dashboard row ("waiting 7 s · port open but no SSH
/// banner for 95 s"), not the last probe's "failed at banner".
fn title_line<'a>(
    row: &DeviceRow,
    watch: Option<&WatchStatus>,
    now: std::time::Duration,
    tick: u64,
    theme: &Theme,
) -> Line<'a> {
    let (kind, status) = match watch {
        Some(status) => watch_state(status),
        None => (row.why().0, probe_status(row, now)),
    };
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
    Line::from(vec![
        Span::styled(format!(" {glyph} "), style),
        Span::styled(text::clean(&report.name), theme.title),
        Span::styled(format!("  {}  ", text::clean(&address)), theme.dim),
        Span::styled(text::clean(&status), style),
    ])
}

/// "failed at kex after 31ms", "probing after 2.0s", "ready at enable after 1.2s".
fn probe_status(row: &DeviceRow, now: std::time::Duration) -> String {
    let report = &row.report;
    let status = match (&report.failure, row.why().0) {
        (Some(f), _) => format!("failed at {}", f.stage.name()),
        (None, WhyKind::Running) => "probing".to_string(),
        (None, WhyKind::Pending) => "waiting to be probed".to_string(),
        (None, _) => format!(
            "ready at {}",
            report.reached.map_or("nothing", |s| s.name())
        ),
    };
    match row.elapsed_ms(now).map(text::duration_ms) {
        Some(t) => format!("{status} after {t}"),
        None => status,
    }
}

/// `text` right-aligned in `cells` (display width, not bytes).
fn right(text: &str, cells: usize) -> String {
    let fitted = text::fit(text, cells);
    format!(
        "{}{fitted}",
        " ".repeat(cells.saturating_sub(text::width(&fitted)))
    )
}
