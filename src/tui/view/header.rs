//! The two header lines of the dashboard.
//!
//! ```text
//! sshtriage · 9 devices: 2 ready, 7 failing, 0 probing, 0 waiting  client: openssh-9.2 · sort: name
//! ✗ 2 fail at banner, 1 at tcp, 1 at kex, 1 at host_key, +2 more   grouped by stage
//! ```
//! In watch mode the first line's right side starts with `◷ watching`, and the counts are
//! the watch's: a device waiting for its next attempt counts as waiting, as its row says.
//! Both lines shorten to fit: the counts drop their decorations, the failing list ends in
//! "+N more" rather than mid-word. While the inventory is followed, what its last reload
//! said leads the second line's right side ("inventory reloaded: 1 added, …"), cut after a
//! word to at most half the width (the warnings pane, `W`, has a failed reload's error whole).

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::glyphs;
use crate::tui::app::Notice;
use crate::tui::table_model::{Clients, Counts, TableModel, TableOptions};
use crate::tui::text;
use crate::tui::theme::Theme;

/// `filter_line` tells whether the filter line below already says how many devices show.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    model: &TableModel,
    options: &TableOptions,
    filter_line: bool,
    notice: Option<&Notice>,
    theme: &Theme,
) {
    if area.height == 0 {
        return;
    }
    let first = Rect { height: 1, ..area };
    // The client every verdict is about, when all share one (else the table has a column).
    let counts = &model.counts;
    let client = match &model.clients {
        Clients::One(id) => format!("client: {} · ", text::clean(id)),
        Clients::Unknown | Clients::Several => String::new(),
    };
    let right_line = |client: &str| {
        let mut right = Line::default();
        if options.watching {
            // Watch mode changes what every row means: say so where the counts are.
            right.push_span(Span::styled("◷ watching", theme.warn));
            right.push_span(Span::styled(" · ", theme.dim));
        }
        right.push_span(Span::styled(
            format!("{client}sort: {}", options.sort.label()),
            theme.dim,
        ));
        right
    };
    let mut right = right_line(&client);
    let mut left = counts_line(counts, left_room(first.width, &right), theme);
    if left.is_none() {
        // The counts matter more than the client's name, which the detail lines repeat.
        right = right_line("");
        left = counts_line(counts, left_room(first.width, &right), theme);
    }
    let left =
        left.unwrap_or_else(|| counts_variant(counts, false, " ready, ".into(), true, theme));
    render_split(frame, first, left, right);

    if area.height < 2 {
        return;
    }
    let second = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    let mut flags = Vec::new();
    if counts.shown != counts.total && !filter_line {
        flags.push(format!("showing {} of {}", counts.shown, counts.total));
    }
    if options.failing_only {
        flags.push("failing only".to_string());
    }
    if options.grouped {
        flags.push("grouped by stage".to_string());
    }
    let mut right = Line::default();
    if let Some(notice) = notice {
        let (message, style) = match notice {
            Notice::Info(m) => (m, theme.dim),
            Notice::Problem(m) => (m, theme.warn),
        };
        let half = (second.width as usize / 2).max(1);
        right.push_span(Span::styled(text::fit_words(message, half), style));
        if !flags.is_empty() {
            right.push_span(Span::styled(" · ", theme.dim));
        }
    }
    right.push_span(Span::styled(flags.join(" · "), theme.dim));
    let room = left_room(second.width, &right);
    render_split(frame, second, failing_line(counts, room, theme), right);
}

fn left_room(width: u16, right: &Line) -> usize {
    let right_width = right.width();
    (width as usize).saturating_sub(if right_width > 0 { right_width + 2 } else { 0 })
}

/// Renders `left` and right-aligns `right` on one line.
fn render_split(frame: &mut Frame, area: Rect, left: Line, right: Line) {
    let right_width = text::cells(right.width()).min(area.width);
    frame.render_widget(Paragraph::new(left), area);
    let right_area = Rect {
        x: area.x + area.width - right_width,
        width: right_width,
        ..area
    };
    frame.render_widget(
        Paragraph::new(right).alignment(Alignment::Right),
        right_area,
    );
}

/// The counts, in the longest form that fits in `room` cells; None when none does.
fn counts_line<'a>(c: &Counts, room: usize, theme: &Theme) -> Option<Line<'a>> {
    let ready_words = if c.warned > 0 {
        format!(" ready ({} with warnings), ", c.warned)
    } else {
        " ready, ".to_string()
    };
    let variants = [
        (true, ready_words, false),
        (true, " ready, ".to_string(), false),
        (false, " ready, ".to_string(), false),
        (false, " ready, ".to_string(), true),
    ];
    variants
        .into_iter()
        .map(|(with_title, ready, terse)| counts_variant(c, with_title, ready, terse, theme))
        .find(|line| line.width() <= room)
}

/// `terse` leaves out the counts that are zero after `failing` (nothing probing, waiting).
fn counts_variant<'a>(
    c: &Counts,
    with_title: bool,
    ready: String,
    terse: bool,
    theme: &Theme,
) -> Line<'a> {
    let number =
        |n: usize, style| Span::styled(n.to_string(), if n > 0 { style } else { theme.dim });
    let mut spans = Vec::new();
    if with_title {
        spans.push(Span::styled("sshtriage", theme.title));
        spans.push(Span::raw(" · "));
    }
    spans.extend([
        Span::raw(format!("{}: ", glyphs::devices(c.total))),
        number(c.ready, theme.ok),
        Span::raw(ready),
        number(c.failing, theme.fail),
        Span::raw(" failing"),
    ]);
    if !terse || c.running > 0 {
        spans.extend([
            Span::raw(", "),
            number(c.running, theme.running),
            Span::raw(" probing"),
        ]);
    }
    if !terse || c.waiting > 0 {
        spans.extend([
            Span::raw(", "),
            number(c.waiting, theme.dim),
            Span::raw(" waiting"),
        ]);
    }
    Line::from(spans)
}

/// "✗ 2 fail at banner, 1 at tcp, +3 more", as many stages as fit in `room`.
fn failing_line<'a>(c: &Counts, room: usize, theme: &Theme) -> Line<'a> {
    let by_stage = c.failing_by_stage();
    if c.total == 0 {
        return Line::styled("nothing to probe yet", theme.dim);
    }
    if by_stage.is_empty() {
        let words = if c.ready == c.total && c.total > 0 {
            "✓ every device is ready"
        } else {
            "✓ no failures so far"
        };
        return Line::styled(words, theme.ok);
    }
    let parts: Vec<String> = by_stage
        .iter()
        .enumerate()
        .map(|(i, (stage, n))| {
            let verb = if i > 0 {
                ""
            } else if *n == 1 {
                "fails "
            } else {
                "fail "
            };
            format!("{n} {verb}at {}", stage.name())
        })
        .collect();
    let mut shown = parts.len();
    let text_for = |shown: usize| {
        let mut words = parts[..shown].join(", ");
        if shown < parts.len() {
            words.push_str(&format!(", +{} more", parts.len() - shown));
        }
        words
    };
    while shown > 1 && text::width(&text_for(shown)) + 2 > room {
        shown -= 1;
    }
    Line::from(vec![
        Span::styled("✗ ", theme.fail),
        Span::styled(text_for(shown), theme.heading),
    ])
}
