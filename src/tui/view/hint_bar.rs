//! The bottom line: the active component's keys that apply now (a fix key only on a device
//! that needs it), generated from its key table, as the help is.
//!
//! ```text
//! Enter open  r re-probe  K fix known_hosts  w watch  / filter  s sort  ? help (2 more)  q quit
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::keys::{Component, HintRank, KeyAction};
use crate::tui::text;
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

/// Fits the hints into `width`: roomy spacing if it fits, tight if not, then leaves hints out
/// by rank (`HintRank`: view keys first, then modes, then the row's own keys), each rank from
/// the end of the table, never help. Help then says how many it lists beyond the bar
/// ("? help (3 more)"), so nothing is dropped silently.
pub fn line<'a>(
    component: Component,
    width: usize,
    theme: &Theme,
    can: &dyn Fn(KeyAction) -> bool,
) -> Line<'a> {
    let all: Vec<(String, &'static str, HintRank)> = component
        .bindings()
        .iter()
        .filter(|b| can(b.action))
        .filter_map(|b| {
            b.hint
                .map(|hint| (b.first_key_label(), hint, b.action.hint_rank()))
        })
        .collect();
    let mut shown: Vec<bool> = vec![true; all.len()];
    let label = |i: usize, left_out: usize| -> String {
        match (all[i].2, left_out) {
            (HintRank::Always, 1..) => format!("{} ({left_out} more)", all[i].1),
            _ => all[i].1.to_string(),
        }
    };
    let total = |shown: &[bool], gap: usize| -> usize {
        let left_out = shown.iter().filter(|s| !**s).count();
        let items: Vec<usize> = (0..all.len())
            .filter(|&i| shown[i])
            .map(|i| text::width(&all[i].0) + 1 + text::width(&label(i, left_out)))
            .collect();
        items.iter().sum::<usize>() + gap * items.len().saturating_sub(1) + 1
    };
    let mut gap = 2;
    if total(&shown, gap) > width {
        gap = 1;
    }
    let mut order: Vec<usize> = (0..all.len())
        .filter(|&i| all[i].2 != HintRank::Always)
        .collect();
    // Lowest rank first; within a rank, from the end of the table.
    order.sort_by_key(|&i| (all[i].2, std::cmp::Reverse(i)));
    for i in order {
        if total(&shown, gap) <= width {
            break;
        }
        shown[i] = false;
    }
    let left_out = shown.iter().filter(|s| !**s).count();
    let mut spans = vec![Span::raw(" ")];
    for (i, (key, _, _)) in all.iter().enumerate().filter(|(i, _)| shown[*i]) {
        if spans.len() > 1 {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(key.clone(), theme.key));
        spans.push(Span::styled(format!(" {}", label(i, left_out)), theme.dim));
    }
    Line::from(spans)
}
