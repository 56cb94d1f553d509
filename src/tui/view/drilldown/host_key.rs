//! The presented host key beside every known_hosts entry for the host (file:line).
//!
//! ```text
//! presented ssh-ed25519  SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe
//! verdict   ✗ changed: known_hosts holds a different key for this host
//! on file   /home/me/.ssh/known_hosts:14  ssh-ed25519  ≠ presented
//!           SHA256:p0Lk7Yt2Qw9Er4Ty6Ui8Op1As3Df5Gh7Jk9Lz2Xc4V
//! ```
//! A fingerprint that does not fit goes on its own line, split rather than cut: people
//! compare them character by character.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::evidence::{LABEL_WIDTH, labeled};
use crate::model::{HostKeyEvidence, HostKeyVerdict};
use crate::tui::text;
use crate::tui::theme::Theme;

pub fn lines(ev: &HostKeyEvidence, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = key_lines(
        "presented",
        vec![Span::styled(text::clean(&ev.algorithm), theme.heading)],
        Vec::new(),
        &ev.fingerprint,
        width,
        theme,
    );
    let (words, style) = match ev.verdict {
        HostKeyVerdict::Match => ("✓ match: known_hosts holds this key", theme.ok),
        HostKeyVerdict::Unknown => (
            "! unknown: no known_hosts entry names this host",
            theme.warn,
        ),
        HostKeyVerdict::Changed => (
            "✗ changed: known_hosts holds a different key for this host",
            theme.fail,
        ),
        HostKeyVerdict::Revoked => ("✗ revoked: this key is marked @revoked", theme.fail),
        HostKeyVerdict::Unreadable => (
            "✗ unreadable: part of known_hosts was not read; the key cannot be checked",
            theme.fail,
        ),
    };
    out.extend(labeled("verdict", words, width, theme.dim, style));
    for (i, entry) in ev.entries.iter().enumerate() {
        let head = vec![
            Span::raw(text::clean(&format!("{}:{}", entry.file, entry.line))),
            Span::raw(format!("  {}", text::clean(&entry.algorithm))),
        ];
        let mut tail = Vec::new();
        if let Some(marker) = &entry.marker {
            tail.push(Span::styled(
                format!("  @{}", text::clean(marker.trim_start_matches('@'))),
                theme.warn,
            ));
        }
        tail.push(if entry.fingerprint == ev.fingerprint {
            Span::styled("  = presented", theme.ok)
        } else {
            Span::styled("  ≠ presented", theme.fail)
        });
        let label = if i == 0 { "on file" } else { "" };
        out.extend(key_lines(
            label,
            head,
            tail,
            &entry.fingerprint,
            width,
            theme,
        ));
    }
    if ev.entries.is_empty() {
        out.extend(labeled(
            "on file",
            "no entry for this host",
            width,
            theme.dim,
            theme.dim,
        ));
    }
    if !ev.shared_with.is_empty() {
        let shared = format!("same key as {} (cloned image?)", ev.shared_with.join(", "));
        out.extend(labeled("shared", &shared, width, theme.dim, theme.warn));
    }
    out
}

/// `label  head  fingerprint  tail` on one line when it fits, else head and tail first and
/// the fingerprint below them.
fn key_lines(
    label: &str,
    head: Vec<Span<'static>>,
    tail: Vec<Span<'static>>,
    fingerprint: &str,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let fingerprint = text::clean(fingerprint);
    let head_width: usize = head.iter().chain(&tail).map(Span::width).sum();
    let label_span = Span::styled(text::pad(label, LABEL_WIDTH), theme.dim);
    let indent = || Span::raw(" ".repeat(LABEL_WIDTH));
    let room = width.saturating_sub(LABEL_WIDTH);
    if head_width + 2 + text::width(&fingerprint) <= room {
        let mut spans = vec![label_span];
        spans.extend(head);
        spans.push(Span::styled(format!("  {fingerprint}"), Style::new()));
        spans.extend(tail);
        return vec![Line::from(spans)];
    }
    // The head's parts flow onto as many lines as they need, each part whole if it can be.
    let mut out = Vec::new();
    let mut line = vec![label_span];
    let mut used = 0;
    for span in head.into_iter().chain(tail) {
        let span = if used == 0 {
            Span::styled(span.content.trim_start().to_string(), span.style)
        } else {
            span
        };
        if used > 0 && used + span.width() > room {
            out.push(Line::from(std::mem::replace(&mut line, vec![indent()])));
            used = 0;
            line.push(Span::styled(
                span.content.trim_start().to_string(),
                span.style,
            ));
            used += line.last().map_or(0, Span::width);
            continue;
        }
        used += span.width();
        line.push(span);
    }
    out.push(Line::from(line));
    // Keep the fingerprint whole on one line if a smaller indent allows it.
    let fp_width = text::width(&fingerprint);
    if fp_width > room && fp_width + 2 <= width {
        out.push(Line::from(vec![Span::raw("  "), Span::raw(fingerprint)]));
    } else {
        for piece in text::chunk(&fingerprint, room) {
            out.push(Line::from(vec![indent(), Span::raw(piece)]));
        }
    }
    out
}
