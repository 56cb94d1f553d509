//! A fix's confirmation dialog: the exact lines the engine side would remove and add
//! (file:line), before anything is written, then the copy-ready text for each client; then
//! the outcome of applying and re-probing. Taller than the screen, it scrolls (↑↓, its place
//! in the bottom border); a line to paste is never wrapped: one too wide is cut at a `→`
//! (← and → move such lines sideways) and `w` writes every snippet whole to a file.
//!
//! ```text
//!   ┌ Fix · legacy algorithms · legacy-r2 ────────────────────────────────┐
//!   │ OpenSSH 9.2p1 (this machine) finds no common algorithm with …        │  summary
//!   │                                                                      │
//!   │ Add                                                                  │
//!   │ + /home/netops/.ssh/config:12  Host legacy-r2                        │  exact lines
//!   │ + /home/netops/.ssh/config:13      KexAlgorithms +diffie-hellman-…   │
//!   │ The original is kept as /home/netops/.ssh/config.bak.                │  notes
//!   │                                                                      │
//!   │ Copy-ready text                                                      │  snippets
//!   │ ── OpenSSH 9.2p1 (Debian 12), OpenSSH 10.0p1 · ~/.ssh/config         │
//!   │ Host legacy-r2                                                       │
//!   │ ansible_ssh_common_args: "-o KexAlgorithms=+diffie-hellman-group14-s→│  cut, not wrapped
//!   │ ✓ Wrote /home/netops/sshtriage-fix-legacy-r2.txt                     │  after `w`
//!   └ 1–12 of 40 ───────────────── y apply  n close  w write  ↓ scroll ────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::glyphs;
use super::hint_bar;
use crate::model::{FileLine, FixOutcome, FixProposal, FixSnippet};
use crate::tui::app::{App, DialogState, FixDialog};
use crate::tui::component::fix_dialog::{DialogView, Written, what};
use crate::tui::keys::Component;
use crate::tui::text;
use crate::tui::theme::Theme;

const MAX_WIDTH: u16 = 100;
/// Below this, a changed line's text goes under its file:line instead of beside it.
const MIN_TEXT_WIDTH: usize = 16;

/// One row of the dialog's body: laid out already, or a line to paste, which is cut (not
/// wrapped) where the dialog ends and moves sideways with ← and →.
enum Row {
    Text(Line<'static>),
    Paste(String),
}

/// The dialog laid out for one frame.
pub struct Laid {
    popup: Rect,
    title: String,
    /// `1–20 of 103` when the body does not fit.
    place: Option<String>,
    lines: Vec<Line<'static>>,
}

/// Lays the dialog out for `area` and records on the app where it is scrolled to and whether
/// it fits, so the key hints drawn before it (the screen's hint bar) already know; None when
/// there is no dialog or no room for one.
pub fn prepare(area: Rect, app: &mut App) -> Option<Laid> {
    let dialog = app.ui.dialog.as_ref()?;
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let inner = width.saturating_sub(4) as usize;
    let max_rows = area.height.saturating_sub(4) as usize;
    if width < 20 || max_rows < 1 {
        return None;
    }
    let theme = &app.theme;
    let body = content(dialog, inner, app.tick(), theme);
    // What `w` did stays in sight below the scrolled body, leaving it a row at least.
    let mut footer = written(dialog, inner, theme);
    footer.truncate(max_rows - 1);
    let rows = body.len().min(max_rows - footer.len());
    let scroll = dialog.view.scroll.min(body.len() - rows);
    let widest = body
        .iter()
        .filter_map(|row| match row {
            Row::Paste(line) => Some(text::width(line)),
            Row::Text(_) => None,
        })
        .max()
        .unwrap_or(0);
    let shift = dialog.view.shift.min(furthest(widest, inner));
    let name = app
        .report(dialog.device)
        .map(|r| text::clean(&r.name))
        .unwrap_or_default();
    let title = text::fit(&format!(" Fix · {} · {name} ", what(dialog.kind)), inner);
    let total = body.len();
    let place = (rows < total).then(|| format!(" {}–{} of {total} ", scroll + 1, scroll + rows));
    let mut lines: Vec<Line<'static>> = body
        .into_iter()
        .skip(scroll)
        .take(rows)
        .map(|row| match row {
            Row::Text(line) => line,
            Row::Paste(line) => sideways(&line, shift, inner, theme),
        })
        .collect();
    lines.extend(footer);
    let height = text::cells(lines.len()).saturating_add(2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height: height.min(area.height),
    };
    if let Some(dialog) = app.ui.dialog.as_mut() {
        dialog.view = DialogView {
            scroll,
            shift,
            rows,
            taller: rows < total,
            wider: widest > inner,
        };
    }
    Some(Laid {
        popup,
        title,
        place,
        lines,
    })
}

pub fn render(frame: &mut Frame, app: &App, laid: Laid) {
    let theme = &app.theme;
    let can = |action| app.can_in(Component::Dialog, action);
    // The keys share the bottom border with the place, as many as fit beside it.
    let place_width = laid.place.as_deref().map_or(0, text::width);
    let room = (laid.popup.width as usize).saturating_sub(place_width + 4);
    let mut keys = hint_bar::line(Component::Dialog, room, theme, &can);
    keys.push_span(Span::raw(" "));
    let mut block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Span::styled(laid.title, theme.title))
        .title_bottom(keys.right_aligned())
        .padding(Padding::horizontal(1));
    if let Some(place) = laid.place {
        block = block.title_bottom(Line::styled(place, theme.dim).left_aligned());
    }
    frame.render_widget(Clear, laid.popup);
    frame.render_widget(Paragraph::new(laid.lines).block(block), laid.popup);
}

fn content(dialog: &FixDialog, width: usize, tick: u64, theme: &Theme) -> Vec<Row> {
    let busy = |words: &str| {
        Line::from(vec![
            Span::styled(glyphs::spinner(tick), theme.running),
            Span::raw(format!(" {words}")),
        ])
    };
    let text_rows = |lines: Vec<Line<'static>>| lines.into_iter().map(Row::Text).collect();
    match &dialog.state {
        DialogState::Waiting => vec![Row::Text(busy("Working out the exact change…"))],
        DialogState::Proposed(p) => {
            let mut out: Vec<Row> = text_rows(proposal(p, width, theme));
            out.extend(snippets(&p.snippets, width, theme));
            out
        }
        DialogState::Applying(p) => {
            let mut out: Vec<Row> = text_rows(proposal(p, width, theme));
            out.push(Row::Text(Line::raw("")));
            out.push(Row::Text(busy("Writing, then probing the device again…")));
            out.extend(snippets(&p.snippets, width, theme));
            out
        }
        DialogState::Finished(outcome) => text_rows(finished(outcome, width, theme)),
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

/// Each client's snippet under its title: lines to paste as they are, sentences wrapped.
fn snippets(snippets: &[FixSnippet], width: usize, theme: &Theme) -> Vec<Row> {
    if snippets.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        Row::Text(Line::raw("")),
        Row::Text(Line::styled("Copy-ready text", theme.heading)),
    ];
    for (i, snippet) in snippets.iter().enumerate() {
        if i > 0 {
            out.push(Row::Text(Line::raw("")));
        }
        let title = format!("── {}", snippet.title);
        out.extend(
            wrapped(&title, width, theme.title)
                .into_iter()
                .map(Row::Text),
        );
        for line in &snippet.lines {
            if line.paste {
                out.push(Row::Paste(text::clean(&line.text)));
            } else {
                out.extend(
                    wrapped(&line.text, width, Style::new())
                        .into_iter()
                        .map(Row::Text),
                );
            }
        }
    }
    out
}

/// A line to paste, `shift` cells in but no further than its end, cut to `width`: `←` in its
/// first cell when its start is hidden, `→` in its last when its end is. A line that fits
/// stays whole where it is; none is wrapped, so what shows is what pastes.
fn sideways(line: &str, shift: usize, width: usize, theme: &Theme) -> Line<'static> {
    let cells = text::width(line);
    if cells <= width {
        return Line::raw(line.to_owned());
    }
    let shift = shift.min(furthest(cells, width));
    let mut spans = Vec::new();
    let mut room = width;
    if shift > 0 {
        spans.push(Span::styled("←", theme.dim));
        room = room.saturating_sub(1);
    }
    let rest = skip_cells(line, shift);
    if text::width(&rest) <= room {
        spans.push(Span::raw(rest));
    } else {
        spans.push(Span::raw(take_cells(&rest, room.saturating_sub(1))));
        spans.push(Span::styled("→", theme.dim));
    }
    Line::from(spans)
}

/// How far a line `cells` wide moves in `width`: until its end shows after the `←` mark; not
/// at all when it fits.
fn furthest(cells: usize, width: usize) -> usize {
    if cells <= width { 0 } else { cells + 1 - width }
}

/// `line` without its first `cells` cells (a wide character cut in two goes whole).
fn skip_cells(line: &str, cells: usize) -> String {
    let mut skipped = 0;
    line.chars()
        .skip_while(|c| {
            let skip = skipped < cells;
            skipped += text::width(&c.to_string());
            skip
        })
        .collect()
}

/// The first characters of `line` that fit in `cells`.
fn take_cells(line: &str, cells: usize) -> String {
    let mut used = 0;
    line.chars()
        .take_while(|c| {
            used += text::width(&c.to_string());
            used <= cells
        })
        .collect()
}

/// Where `w` wrote the snippets, or why it could not, set apart from the body by a blank row.
fn written(dialog: &FixDialog, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let said = match &dialog.written {
        None => return Vec::new(),
        Some(Written::To(path)) => wrapped(&format!("✓ Wrote {path}"), width, theme.ok),
        Some(Written::Failed(why)) => wrapped(&format!("✗ Not written: {why}"), width, theme.fail),
    };
    std::iter::once(Line::raw("")).chain(said).collect()
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
