//! What went wrong, in one line with the figures, one plain sentence of what to do, and the
//! commands that do it: all wrapped at word boundaries, never cut.
//!
//! ```text
//! ┌ Diagnosis ───────────────────────────────────────────────────────────────────┐
//! │ ✗ kex: OpenSSH 9.2p1 (Debian 12), used by ssh, has no key exchange algorithm │ what + why
//! │ in common: the server offers                                                 │ (scrolls)
//! │ diffie-hellman-group14-sha1,diffie-hellman-group1-sha1; it offers            │
//! │ Your client enables none of the device's key exchanges: add one where it     │ the advice:
//! │ reads them (a, or the command below).                                        │ one sentence
//! │ $ sshtriage fix algorithms legacy-r2 /home/netops/lab/sshtriage.toml         │ and the commands
//! └──────────────────────────────────────────────────────────────────── 1–3 of 4 ┘ (always shown)
//! ```
//! The drill-down gives the pane what it needs within reason; when that is not enough the
//! headline scrolls (Tab reaches the pane, j/k scroll it) and the position says so, while the
//! advice below it stays in view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::fleet::Probe;
use crate::model::Status;
use crate::tui::device::{DeviceRow, stage_says};
use crate::tui::diagnosis;
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::view::glyphs;

/// A bound for hostile messages only: a real one takes two or three lines.
const HEADLINE_MAX_LINES: usize = 24;

/// The pane's text: what happened (which may scroll), then the advice: the sentence and the
/// commands (which stay in view).
pub struct Diagnosis {
    pub headline: Vec<Line<'static>>,
    pub advice: Vec<Line<'static>>,
}

impl Diagnosis {
    pub fn len(&self) -> usize {
        self.headline.len() + self.advice.len()
    }
}

pub fn lines(row: &DeviceRow, width: usize, tick: u64, theme: &Theme) -> Diagnosis {
    let report = &row.report;
    let mut commands: Vec<String> = Vec::new();
    let (headline, style, sentence) = if let Some(f) = &report.failure {
        let result = report.result(f.stage);
        let status = result.map_or(Status::Fail, |r| r.status);
        commands.extend(
            result
                .iter()
                .flat_map(|r| r.commands.iter().map(|c| c.to_string())),
        );
        (
            format!("✗ {}", stage_says(f.stage, &f.message)),
            theme.fail,
            diagnosis::explain(f.stage, status, Some(f.reason)),
        )
    } else {
        match row.probe {
            Probe::Pending => (
                "· Waiting to be probed.".to_string(),
                theme.pending,
                String::new(),
            ),
            Probe::Running { stage } => (
                format!(
                    "{} Probing{}…",
                    glyphs::spinner(tick),
                    stage.map(|s| format!(" {}", s.name())).unwrap_or_default()
                ),
                theme.running,
                String::new(),
            ),
            Probe::Done => match row.first_warning() {
                Some(w) => {
                    commands.extend(w.commands.iter().map(|c| c.to_string()));
                    (
                        format!("! {}", stage_says(w.stage, &w.detail)),
                        theme.warn,
                        diagnosis::explain(w.stage, Status::Warn, w.reason),
                    )
                }
                None => (
                    format!(
                        "✓ Ready: reached {}.",
                        report.reached.map_or("nothing", |s| s.name())
                    ),
                    theme.ok,
                    ready_sentence(row),
                ),
            },
        }
    };
    let mut head = text::wrap(&text::clean(&headline), width);
    if head.len() > HEADLINE_MAX_LINES {
        head.truncate(HEADLINE_MAX_LINES);
        if let Some(last) = head.last_mut() {
            *last = ellipsis_after_a_word(last, width);
        }
    }
    let headline = head.into_iter().map(|l| Line::styled(l, style)).collect();
    let mut advice: Vec<Line> = Vec::new();
    if !sentence.is_empty() {
        advice.extend(text::wrap(&sentence, width).into_iter().map(Line::from));
    }
    // Commands as `check` prints them, to paste into a shell.
    advice.extend(
        commands
            .into_iter()
            .flat_map(|command| text::wrap(&text::clean(&format!("$ {command}")), width))
            .map(Line::from),
    );
    Diagnosis { headline, advice }
}

/// `line` with " …" after its last whole word that leaves room for it.
fn ellipsis_after_a_word(line: &str, width: usize) -> String {
    let mut words: Vec<&str> = line.split(' ').collect();
    while !words.is_empty() && text::width(&words.join(" ")) + 2 > width {
        words.pop();
    }
    if words.is_empty() {
        "…".to_string()
    } else {
        format!("{} …", words.join(" "))
    }
}

/// Draws the pane: the headline from `scroll` on and the advice below it. Returns the scroll
/// clamped to the end, the rows the scrolling part gets and whether it has more than that.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    diagnosis: Diagnosis,
    scroll: usize,
    focused: bool,
    theme: &Theme,
) -> (usize, usize, bool) {
    let rows = area.height.saturating_sub(2) as usize;
    let Diagnosis {
        headline: mut scrolled,
        mut advice,
    } = diagnosis;
    // The advice stays in view unless it alone would fill the pane: then all of it scrolls.
    if advice.len() >= rows {
        scrolled.append(&mut advice);
    }
    let text_rows = rows - advice.len();
    let total = scrolled.len();
    let scrolls = total > text_rows;
    let scroll = scroll.min(total.saturating_sub(text_rows));
    let position = super::scroll_pane::position(scroll, text_rows, total);
    let block = super::scroll_pane::block("Diagnosis", position, focused && scrolls, theme);
    let mut shown: Vec<Line> = scrolled.into_iter().skip(scroll).take(text_rows).collect();
    shown.extend(advice);
    frame.render_widget(Paragraph::new(shown).block(block), area);
    (scroll, text_rows, scrolls)
}

fn ready_sentence(row: &DeviceRow) -> String {
    let report = &row.report;
    let enable = report.result(crate::model::Stage::Enable);
    match enable.and_then(|r| r.reason) {
        Some(reason) => format!("Nothing to fix. {}", reason.sentence()),
        None => "Nothing to fix: automation can log in here.".to_string(),
    }
}
