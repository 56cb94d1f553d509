//! The help overlay: the key table of the screen underneath (the same table that dispatches
//! the keys) and a legend of the marks and the stages' column titles. Every help text is
//! shown whole: wrapped beside its keys when its column is narrow.
//!
//! ```text
//!        ┌ Help · Dashboard ─────────────────────────────┐
//!        │ ↑/k       previous device                      │  one line per binding,
//!        │ …                                              │  two columns when the
//!        │                                                │  screen is short
//!        │ Marks    · waiting ⠋ running ✓ ok ! warning …  │
//!        │ Stages   ban banner · hky host key · …         │
//!        └──────────────────────────────── ?/Esc close ──┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::glyphs;
use crate::model::Stage;
use crate::tui::app::App;
use crate::tui::keys::{Binding, Component, KeyAction};
use crate::tui::text;
use crate::tui::theme::Theme;

const LEGEND_LABEL: usize = 9;

/// `under` is the component whose keys are explained (the one the overlay covers). The keys
/// the app does not offer (`App::offers`: on a saved run those that would probe, fix or
/// save, with a line that says why; the warnings pane when nothing warned) are left out.
pub fn render(frame: &mut Frame, area: Rect, under: Component, app: &App) {
    let theme = &app.theme;
    let width = area.width.saturating_sub(4).min(76);
    let inner_width = width.saturating_sub(4) as usize;
    let max_rows = area.height.saturating_sub(4) as usize;
    let offers = |action| app.offers(action);
    let lines = content(
        under,
        app.read_only(),
        &offers,
        inner_width,
        max_rows,
        theme,
    );
    let height = text::cells(lines.len())
        .saturating_add(2)
        .min(area.height.saturating_sub(2));
    if width < 20 || height < 3 {
        return;
    }
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let close: String = Component::Help
        .bindings()
        .first()
        .map(|b| format!(" {} close ", b.keys_label()))
        .unwrap_or_default();
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Help · {} ", under.title()),
            theme.title,
        ))
        .title_bottom(Line::styled(close, theme.dim).right_aligned())
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn content(
    under: Component,
    read_only: bool,
    offers: &dyn Fn(KeyAction) -> bool,
    width: usize,
    max_rows: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut legend = legend(under, width, theme);
    let bindings: Vec<&Binding> = under
        .bindings()
        .iter()
        .filter(|b| offers(b.action))
        .collect();
    if read_only {
        let words = "a saved run: nothing is probed, fixed or saved";
        legend.push(Line::from(vec![
            Span::styled(text::pad("Read-only", LEGEND_LABEL), theme.heading),
            Span::raw(text::fit(words, width.saturating_sub(LEGEND_LABEL))),
        ]));
    }
    let key_width = bindings
        .iter()
        .map(|b| text::width(&b.keys_label()))
        .max()
        .unwrap_or(0)
        + 2;
    let single: Vec<Vec<Span>> = bindings
        .iter()
        .flat_map(|b| entry(b, key_width, width, theme))
        .collect();
    let mut lines: Vec<Line> = if single.len() + 1 + legend.len() <= max_rows {
        single.into_iter().map(Line::from).collect()
    } else {
        // Two columns, each entry wrapped within its own; a row is as tall as its taller one.
        let half = bindings.len().div_ceil(2);
        let column = width.saturating_sub(2) / 2;
        let mut lines = Vec::new();
        for i in 0..half {
            let left = entry(bindings[i], key_width, column, theme);
            let right = bindings
                .get(i + half)
                .map(|b| entry(b, key_width, column, theme))
                .unwrap_or_default();
            for n in 0..left.len().max(right.len()) {
                let mut spans = left.get(n).cloned().unwrap_or_default();
                if let Some(more) = right.get(n) {
                    let used: usize = spans.iter().map(Span::width).sum();
                    spans.push(Span::raw(" ".repeat(column + 2 - used.min(column))));
                    spans.extend(more.iter().cloned());
                }
                lines.push(Line::from(spans));
            }
        }
        lines
    };
    lines.push(Line::raw(""));
    lines.extend(legend);
    lines
}

/// One binding: its keys, then its help wrapped at words beside them (never cut).
fn entry(b: &Binding, key_width: usize, width: usize, theme: &Theme) -> Vec<Vec<Span<'static>>> {
    let words = text::wrap(b.help, width.saturating_sub(key_width).max(1));
    words
        .into_iter()
        .enumerate()
        .map(|(n, part)| {
            let keys = if n == 0 {
                b.keys_label()
            } else {
                String::new()
            };
            vec![
                Span::styled(text::pad(&keys, key_width), theme.key),
                Span::raw(part),
            ]
        })
        .collect()
}

fn legend(under: Component, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let marks = [
        ("·", "waiting", theme.pending),
        (glyphs::SPINNER[0], "running", theme.running),
        ("✓", "ok", theme.ok),
        ("!", "warning", theme.warn),
        ("✗", "failed", theme.fail),
        ("-", "not run", theme.skip),
        ("○◇⊗", "past a client failure", theme.beyond),
    ];
    // Marks wrap whole, under the label, so none is cut at 80 columns.
    let mut lines = Vec::new();
    let mut spans = vec![Span::styled(
        text::pad("Marks", LEGEND_LABEL),
        theme.heading,
    )];
    let mut used = LEGEND_LABEL;
    for (glyph, word, style) in marks {
        let cell = format!(" {word}  ");
        let wide = text::width(glyph) + text::width(&cell);
        if used + wide > width && used > LEGEND_LABEL {
            lines.push(Line::from(std::mem::take(&mut spans)));
            spans.push(Span::raw(" ".repeat(LEGEND_LABEL)));
            used = LEGEND_LABEL;
        }
        spans.push(Span::styled(glyph, style));
        spans.push(Span::raw(cell));
        used += wide;
    }
    lines.push(Line::from(spans));
    if under == Component::Dashboard {
        let named: Vec<String> = Stage::ALL
            .iter()
            .filter(|s| s.facts().column != s.name())
            .map(|s| format!("{} {}", s.facts().column, s.name()))
            .collect();
        let letters: String = Stage::ALL.iter().map(|s| s.facts().letter).collect();
        let words = format!(
            "{}; narrow screens show one letter each: {letters}",
            named.join(" · ")
        );
        for (i, part) in text::wrap(&words, width.saturating_sub(LEGEND_LABEL))
            .into_iter()
            .enumerate()
        {
            // "Stages", as the drill-down's pane, the groups and the sort call them.
            let label = if i == 0 { "Stages" } else { "" };
            lines.push(Line::from(vec![
                Span::styled(text::pad(label, LEGEND_LABEL), theme.heading),
                Span::raw(part),
            ]));
        }
    }
    lines
}
