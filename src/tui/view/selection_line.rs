//! Under the table: the selected device's reason in full (its row had to cut it) and, for a
//! failure or warning, what to do and the commands that do it, so the next step is readable
//! without drilling down. Every line wraps at word boundaries; when the screen is too short
//! for all of them, the last one shown ends in "…" after a whole word.
//!
//! ```text
//! ▶ legacy-r2 · kex: no common kex (server offers only diffie-hellman-group14-sha1,
//!   diffie-hellman-group1-sha1)
//!   Your client enables none of the device's key exchanges: add one where it reads them
//!   (a, or the command below).
//!   $ sshtriage fix algorithms legacy-r2 /home/netops/lab/sshtriage.toml
//! ```
//! In watch mode a line after the reason says where the watch stands ("◷ stopped: the
//! credential was rejected and is not retried automatically …; fix it").

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::glyphs;
use crate::model::{Stage, Status};
use crate::tui::device::{DeviceRow, watch_state};
use crate::tui::diagnosis;
use crate::tui::text;
use crate::tui::theme::Theme;

/// Table lines (titles and rows) kept on screen however much the selection has to say.
pub const TABLE_KEEPS: u16 = 6;

const INDENT: usize = 2;

/// One line of the selection's text: the name (first line only), then its words.
#[derive(Debug, Clone)]
pub struct DetailLine {
    head: Option<(String, Style)>,
    text: String,
    style: Style,
}

/// Every line the selected `row` has to say at this width, wrapped at words.
pub fn lines(row: &DeviceRow, width: usize, watching: bool, theme: &Theme) -> Vec<DetailLine> {
    if width < 10 {
        return Vec::new();
    }
    let body = width.saturating_sub(INDENT);
    let (kind, why) = row.why();
    let prefix = format!("▶ {} · ", text::clean(&row.report.name));
    // The first line is shorter (it carries the name); the rest wrap at full width.
    let mut why_parts = text::wrap(&why, width.saturating_sub(text::width(&prefix)).max(1));
    if why_parts.len() > 1 {
        let rest = why_parts[1..].join(" ");
        why_parts.truncate(1);
        why_parts.extend(text::wrap(&rest, body));
    }
    let why_style = glyphs::why_style(kind, theme);
    let mut out: Vec<DetailLine> = why_parts
        .into_iter()
        .map(|part| DetailLine {
            head: None,
            text: part,
            style: why_style,
        })
        .collect();
    if let Some(first) = out.first_mut() {
        first.head = Some((prefix, theme.heading));
    }
    let mut add = |words: &str, style: Style| {
        out.extend(text::wrap(words, body).into_iter().map(|part| DetailLine {
            head: None,
            text: part,
            style,
        }));
    };
    if let Some(status) = row.shown_watch(watching) {
        let (kind, state) = watch_state(status);
        add(&format!("◷ {state}"), glyphs::why_style(kind, theme));
    }
    if let Some((stage, status, reason)) = advised(row) {
        add(&diagnosis::explain(stage, status, reason), Style::new());
        for command in commands(row, stage) {
            add(&text::clean(&format!("$ {command}")), theme.key);
        }
    }
    out
}

/// Draws as many of `lines` as `area` holds; a cut ends the last one in "…" after a word.
pub fn render(frame: &mut Frame, area: Rect, mut lines: Vec<DetailLine>) {
    let rows = area.height as usize;
    if rows == 0 || area.width < 10 {
        return;
    }
    if lines.len() > rows {
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            let head = last.head.as_ref().map_or(INDENT, |(h, _)| text::width(h));
            let room = (area.width as usize).saturating_sub(head);
            last.text = text::cut_after_word(&last.text, room);
        }
    }
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|line| {
            let head = match line.head {
                Some((head, style)) => Span::styled(head, style),
                None => Span::raw(" ".repeat(INDENT)),
            };
            Line::from(vec![head, Span::styled(line.text, line.style)])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The stage the advice is for: the failing one, else the first that warned.
fn advised(row: &DeviceRow) -> Option<(Stage, Status, Option<crate::model::Reason>)> {
    if let Some(f) = &row.report.failure {
        return Some((f.stage, Status::Fail, Some(f.reason)));
    }
    let warning = row.first_warning()?;
    Some((warning.stage, Status::Warn, warning.reason))
}

/// The commands the stage's result prints as advice (what the sentence calls "below").
fn commands(row: &DeviceRow, stage: Stage) -> Vec<String> {
    row.report
        .result(stage)
        .map(|r| r.commands.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}
