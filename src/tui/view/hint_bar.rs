//! The bottom line: the active component's keys, generated from its key table.
//!
//! ```text
//! Enter open  r re-probe  R all  / filter  s sort  f failing  b group  ? help  q quit
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keys::Component;
use crate::tui::theme::Theme;

/// The (key, label) pairs the bar shows for a component, in table order.
pub fn hints(component: Component) -> Vec<(String, &'static str)> {
    component
        .bindings()
        .iter()
        .filter_map(|b| b.hint.map(|hint| (b.first_key_label(), hint)))
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, component: Component, theme: &Theme) {
    frame.render_widget(
        Paragraph::new(line(component, area.width as usize, theme)),
        area,
    );
}

/// Fits the hints into `width`: roomy spacing if it fits, tight if not, then drops hints
/// from the end while keeping the last two (help and quit) so help is always reachable.
pub fn line<'a>(component: Component, width: usize, theme: &Theme) -> Line<'a> {
    let mut items = hints(component);
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
