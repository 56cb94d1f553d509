//! The header's third line when the dashboard shows a saved run (`sshtriage view`): which
//! file, when the run was taken and from what, and that nothing here probes.
//!
//! ```text
//! ◆ run.json · taken 2025-06-01 12:00:03 UTC in 8.0s · from lab.toml · sshtriage 0.1.0  read-only
//! ```
//! The line shortens to fit: the version, then the duration go first, then the rest is cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::run_file::SavedRun;
use crate::tui::text;
use crate::tui::theme::Theme;

const READ_ONLY: &str = "read-only";

pub fn render(frame: &mut Frame, area: Rect, saved: &SavedRun, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let room = (area.width as usize).saturating_sub(READ_ONLY.len() + 2);
    let words = describe(saved, room);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("◆ ", theme.title),
            Span::styled(text::fit(&words, room.saturating_sub(2)), theme.heading),
        ])),
        area,
    );
    let right_width = text::cells(READ_ONLY.len()).min(area.width);
    let right = Rect {
        x: area.x + area.width - right_width,
        width: right_width,
        ..area
    };
    frame.render_widget(Paragraph::new(Span::styled(READ_ONLY, theme.warn)), right);
}

/// The longest description that fits in `room` cells (the glyph included).
fn describe(saved: &SavedRun, room: usize) -> String {
    let when = match (&saved.taken, saved.took_ms) {
        (Some(taken), Some(ms)) => Some((
            format!("taken {taken} in {}", text::duration_ms(ms)),
            format!("taken {taken}"),
        )),
        (Some(taken), None) => Some((format!("taken {taken}"), format!("taken {taken}"))),
        (None, _) => None,
    };
    let from = saved.from.as_ref().map(|f| format!("from {f}"));
    let version = saved.version.as_ref().map(|v| format!("sshtriage {v}"));
    let unknown = "the file does not say when it was taken".to_string();
    let join = |with_duration: bool, with_version: bool| {
        let mut parts = vec![saved.file.clone()];
        match &when {
            Some((long, short)) => parts.push(if with_duration { long } else { short }.clone()),
            None => parts.push(unknown.clone()),
        }
        parts.extend(from.clone());
        if with_version {
            parts.extend(version.clone());
        }
        parts.join(" · ")
    };
    [(true, true), (true, false), (false, false)]
        .into_iter()
        .map(|(d, v)| join(d, v))
        .find(|words| text::width(words) + 2 <= room)
        .unwrap_or_else(|| join(false, false))
}
