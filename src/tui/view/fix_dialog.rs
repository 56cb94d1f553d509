//! A fix's confirmation dialog: the exact lines the engine side would remove and add
//! (file:line), before anything is written; then the outcome of applying and re-probing.
//!
//! ```text
//!   ┌ Fix · known_hosts · junos-r3 ───────────────────────────────────────┐
//!   │ The device presents a new key (SHA256:Hq3m…); remove the stale …     │  summary
//!   │                                                                      │
//!   │ Remove                                                               │
//!   │ - /home/netops/.ssh/known_hosts:14  172.20.20.13 ssh-ed25519 AAA…4V  │  exact lines
//!   │ Add                                                                  │
//!   │ + /home/netops/.ssh/known_hosts:28  172.20.20.13 ssh-ed25519 AAA…    │
//!   │                                                                      │
//!   │ The original of … is kept as ….old.                                  │  notes
//!   └──────────────────────────────────────────── y apply  n cancel ──────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::glyphs;
use super::hint_bar;
use crate::model::{FileLine, FixKind, FixOutcome, FixProposal};
use crate::tui::app::{App, DialogState, FixDialog};
use crate::tui::keys::Component;
use crate::tui::text;
use crate::tui::theme::Theme;

const MAX_WIDTH: u16 = 100;
/// Below this, a changed line's text goes under its file:line instead of beside it.
const MIN_TEXT_WIDTH: usize = 16;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(dialog) = &app.ui.dialog else {
        return;
    };
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let inner = width.saturating_sub(4) as usize;
    let max_rows = area.height.saturating_sub(4) as usize;
    if width < 20 || max_rows < 1 {
        return;
    }
    let lines = bounded(
        content(dialog, inner, app.tick(), &app.theme),
        max_rows,
        &app.theme,
    );
    let height = text::cells(lines.len()).saturating_add(2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height: height.min(area.height),
    };
    let name = app
        .report(dialog.device)
        .map(|r| text::clean(&r.name))
        .unwrap_or_default();
    let kind = match dialog.kind {
        FixKind::Algorithms => "legacy algorithms",
        FixKind::HostKey => "known_hosts",
    };
    let title = text::fit(&format!(" Fix · {kind} · {name} "), inner);
    let can = |action| app.can_in(Component::Dialog, action);
    let keys = hint_bar::hints(Component::Dialog, &can)
        .into_iter()
        .map(|(key, hint)| format!("{key} {hint}"))
        .collect::<Vec<_>>()
        .join("  ");
    let block = Block::bordered()
        .border_style(app.theme.border_focused)
        .title(Span::styled(title, app.theme.title))
        .title_bottom(Line::styled(format!(" {keys} "), app.theme.dim).right_aligned())
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn content(dialog: &FixDialog, width: usize, tick: u64, theme: &Theme) -> Vec<Line<'static>> {
    let busy = |words: &str| {
        Line::from(vec![
            Span::styled(glyphs::spinner(tick), theme.running),
            Span::raw(format!(" {words}")),
        ])
    };
    match &dialog.state {
        DialogState::Waiting => vec![busy("Working out the exact change…")],
        DialogState::Proposed(p) => proposal(p, width, theme),
        DialogState::Applying(p) => {
            let mut out = proposal(p, width, theme);
            out.push(Line::raw(""));
            out.push(busy("Writing, then probing the device again…"));
            out
        }
        DialogState::Finished(outcome) => finished(outcome, width, theme),
    }
}

fn proposal(p: &FixProposal, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = wrapped(&p.summary, width, Style::new());
    if let Some(blocked) = &p.blocked {
        out.push(Line::raw(""));
        out.extend(wrapped(blocked, width, theme.warn));
        return out;
    }
    for (heading, mark, lines, style) in [
        ("Remove", '-', &p.remove, theme.fail),
        ("Add", '+', &p.add, theme.ok),
    ] {
        if lines.is_empty() {
            continue;
        }
        out.push(Line::raw(""));
        out.push(Line::styled(heading, theme.heading));
        for line in lines {
            out.extend(file_line(mark, line, width, style));
        }
    }
    if !p.notes.is_empty() {
        out.push(Line::raw(""));
        for note in &p.notes {
            out.extend(wrapped(note, width, theme.dim));
        }
    }
    out
}

fn finished(outcome: &FixOutcome, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (words, style) = if outcome.verified {
        ("✓ Fixed and verified", theme.ok)
    } else {
        ("✗ Not fixed", theme.fail)
    };
    let mut out = vec![Line::styled(words, style), Line::raw("")];
    for line in &outcome.lines {
        out.extend(wrapped(line, width, Style::new()));
    }
    out
}

/// `- file:line  text`, the text shortened in the middle so both ends stay readable (a key's
/// type and its last characters); on a narrow dialog the text goes on the next line.
fn file_line(mark: char, line: &FileLine, width: usize, style: Style) -> Vec<Line<'static>> {
    let place = if line.line == 0 {
        text::clean(&line.file)
    } else {
        text::clean(&format!("{}:{}", line.file, line.line))
    };
    let head = text::fit(&format!("{mark} {place}"), width);
    let body = text::clean(&line.text);
    let room = width.saturating_sub(text::width(&head) + 2);
    if room >= MIN_TEXT_WIDTH {
        return vec![Line::from(vec![
            Span::styled(head, style),
            Span::raw("  "),
            Span::raw(middle_fit(&body, room)),
        ])];
    }
    vec![
        Line::styled(head, style),
        Line::raw(format!(
            "    {}",
            middle_fit(&body, width.saturating_sub(4))
        )),
    ]
}

/// Keeps the start and the end of `text` with `…` between when it is too wide.
fn middle_fit(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if text::width(text) <= max || max < 8 {
        return text::fit(text, max);
    }
    let tail = (max / 4).max(4);
    let head = max.saturating_sub(tail + 1);
    let start: String = chars.iter().take(head).collect();
    let end: String = chars[chars.len().saturating_sub(tail)..].iter().collect();
    // Wide characters could still overflow: fit the result as a whole.
    text::fit(&format!("{start}…{end}"), max)
}

fn wrapped(words: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    text::wrap(&text::clean(words), width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// At most `rows` lines, the last saying how many more there were.
fn bounded(mut lines: Vec<Line<'static>>, rows: usize, theme: &Theme) -> Vec<Line<'static>> {
    if lines.len() > rows {
        let more = lines.len() - rows + 1;
        lines.truncate(rows - 1);
        lines.push(Line::styled(format!("… {more} more lines"), theme.dim));
    }
    lines
}
