//! The bottom line: the active component's keys, generated from its key table.
//!
//! ```text
//! Enter open  r re-probe  R all  / filter  s sort  f failing  b group  ? help  q quit
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::keys::{Component, KeyAction};
use crate::tui::theme::Theme;

/// The (key, label) pairs the bar shows for a component, in table order: bindings with a
/// hint whose action applies now (`can`; a fix key only on a device that needs it).
pub fn hints(component: Component, can: &dyn Fn(KeyAction) -> bool) -> Vec<(String, &'static str)> {
    component
        .bindings()
        .iter()
        .filter(|b| can(b.action))
        .filter_map(|b| b.hint.map(|hint| (b.first_key_label(), hint)))
        .collect()
}

/// The bar for the component on top of `app`.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let can = |action| app.can(action);
    frame.render_widget(
        Paragraph::new(line(app.component(), area.width as usize, &app.theme, &can)),
        area,
    );
}

/// Fits the hints into `width`: roomy spacing if it fits, tight if not, then drops hints
/// from the end while keeping the last two (help and quit) so help is always reachable.
pub fn line<'a>(
    component: Component,
    width: usize,
    theme: &Theme,
    can: &dyn Fn(KeyAction) -> bool,
) -> Line<'a> {
    let mut items = hints(component, can);
    let item_width = |items: &[(String, &str)]| -> usize {
        items
            .iter()
            .map(|(k, h)| crate::tui::text::width(k) + 1 + h.len())
            .sum()
    };
    let total = |items: &[(String, &str)], gap: usize| {
        item_width(items) + gap * items.len().saturating_sub(1) + 1
    };
    let mut gap = 2;
    if total(&items, gap) > width {
        gap = 1;
    }
    while total(&items, gap) > width && items.len() > 2 {
        items.remove(items.len() - 3);
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, (key, hint)) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {hint}"), theme.dim));
    }
    Line::from(spans)
}
