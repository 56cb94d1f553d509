//! The presented host key beside every known_hosts entry for the host (file:line), then the
//! keys the server announced after login (OpenSSH's `hostkeys-00@openssh.com`), when it did.
//!
//! ```text
//! presented  ssh-ed25519  SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe
//! verdict    ✗ changed: known_hosts holds a different key for this host
//! on file    /home/me/.ssh/known_hosts:14  ssh-ed25519  ≠ presented
//!            SHA256:p0Lk7Yt2Qw9Er4Ty6Ui8Op1As3Df5Gh7Jk9Lz2Xc4V
//! announced  3 keys after login, proven by the server unless marked
//!            ssh-ed25519          = presented
//!            SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe
//!            ecdsa-sha2-nistp256  on file
//!            SHA256:Mn8Bv6Cx4Za2Sd0Fg9Hj7Kl5Qw3Er1Ty8Ui6Op4As2D
//!            ssh-rsa              ! not proven
//!            SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE
//! ```
//! (each fingerprint beside its type, in one column, when every one fits the pane so).
//! A fingerprint that does not fit goes on its own line, split rather than cut: people
//! compare them character by character.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::evidence::{label_width, labeled};
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
    out.extend(announced(ev, width, theme));
    out
}

/// Every key the server announced: its type padded to the longest so the fingerprints line
/// up (beside the types when every key fits on one line, else each under its type), and how
/// it relates to the presented key and known_hosts. An unproven key is only a claim (the
/// server did not sign for it), so it says so.
fn announced(ev: &HostKeyEvidence, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    if ev.announced.is_empty() {
        return Vec::new();
    }
    let count = match ev.announced.len() {
        1 => "1 key after login".to_string(),
        n => format!("{n} keys after login"),
    };
    let mut out = labeled(
        "announced",
        &format!("{count}, proven by the server unless marked"),
        width,
        theme.dim,
        Style::new(),
    );
    let rows: Vec<Announced> = ev
        .announced
        .iter()
        .map(|key| {
            let on_file = ev.entries.iter().any(|e| e.fingerprint == key.fingerprint);
            let mut tail = Vec::new();
            if key.fingerprint == ev.fingerprint {
                tail.push(Span::styled("  = presented", theme.ok));
            } else if on_file {
                tail.push(Span::styled("  on file", theme.ok));
            }
            if !key.proven {
                tail.push(Span::styled("  ! not proven", theme.warn));
            }
            Announced {
                kind: text::clean(&key.algorithm),
                fingerprint: text::clean(&key.fingerprint),
                tail,
            }
        })
        .collect();
    let widest = |f: fn(&Announced) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let type_width = widest(|r| text::width(&r.kind));
    let fp_width = widest(|r| text::width(&r.fingerprint));
    let tail_width = widest(|r| r.tail.iter().map(Span::width).sum());
    let indent = label_width();
    let room = width.saturating_sub(indent);
    let one_line = type_width + 2 + fp_width + tail_width <= room;
    for Announced {
        kind,
        fingerprint,
        tail,
    } in rows
    {
        let mut first = vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(text::pad(&kind, type_width), theme.heading),
        ];
        if one_line {
            first.push(Span::raw(format!(
                "  {}",
                text::pad(&fingerprint, fp_width)
            )));
            first.extend(tail);
            out.push(Line::from(first));
            continue;
        }
        first.extend(tail);
        out.push(Line::from(first));
        // Whole on one line under a smaller indent if that fits, as for the presented key.
        let (indent, room) = match text::width(&fingerprint) {
            w if w > room && w + 2 <= width => (2, width - 2),
            w if w > room && w <= width => (0, width),
            _ => (indent, room.max(8)),
        };
        for piece in text::chunk(&fingerprint, room) {
            out.push(Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::raw(piece),
            ]));
        }
    }
    out
}

/// One announced key as shown: its type and fingerprint (cleaned) and its marks.
struct Announced {
    kind: String,
    fingerprint: String,
    tail: Vec<Span<'static>>,
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
    let column = label_width().max(text::width(label) + 1);
    let label_span = Span::styled(text::pad(label, column), theme.dim);
    let indent = || Span::raw(" ".repeat(column));
    let room = width.saturating_sub(column);
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
        if used > 0 && used + span.width() > room {
            out.push(Line::from(std::mem::replace(&mut line, vec![indent()])));
            used = 0;
        }
        let content = if used == 0 {
            span.content.trim_start().to_string()
        } else {
            span.content.to_string()
        };
        // A part wider than a whole line (a long known_hosts path) is cut into lines rather
        // than left for the terminal to cut off.
        for (n, piece) in text::chunk(&content, room.max(1)).into_iter().enumerate() {
            if n > 0 {
                out.push(Line::from(std::mem::replace(&mut line, vec![indent()])));
                used = 0;
            }
            used += text::width(&piece);
            line.push(Span::styled(piece, span.style));
        }
    }
    out.push(Line::from(line));
    // Keep the fingerprint whole on one line if a smaller indent allows it.
    let fp_width = text::width(&fingerprint);
    if fp_width > room && fp_width + 2 <= width {
        out.push(Line::from(vec![Span::raw("  "), Span::raw(fingerprint)]));
    } else if fp_width > room && fp_width <= width {
        out.push(Line::from(Span::raw(fingerprint)));
    } else {
        for piece in text::chunk(&fingerprint, room) {
            out.push(Line::from(vec![indent(), Span::raw(piece)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AnnouncedKey, KnownHostsEntry};

    fn text(lines: &[Line<'static>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    fn evidence() -> HostKeyEvidence {
        let key = |algorithm: &str, fingerprint: &str, proven| AnnouncedKey {
            algorithm: algorithm.into(),
            fingerprint: fingerprint.into(),
            openssh: String::new(),
            proven,
        };
        HostKeyEvidence {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:presented".into(),
            verdict: HostKeyVerdict::Match,
            entries: vec![KnownHostsEntry {
                file: "/k".into(),
                line: 1,
                algorithm: "ecdsa-sha2-nistp256".into(),
                fingerprint: "SHA256:ecdsa".into(),
                marker: None,
            }],
            openssh: String::new(),
            shared_with: Vec::new(),
            shared_count: 0,
            announced: vec![
                key("ssh-ed25519", "SHA256:presented", true),
                key("ecdsa-sha2-nistp256", "SHA256:ecdsa", true),
                key("ssh-rsa", "SHA256:rsa", false),
            ],
        }
    }

    /// Wide enough, each announced key is one row: the type padded to the longest, the
    /// fingerprints in one column, then how the key relates to the presented one and
    /// known_hosts; an unproven one says so.
    #[test]
    fn announced_keys_line_up_beside_their_types() {
        let shown = text(&lines(&evidence(), 100, &Theme::monochrome()));
        let at = shown.iter().position(|l| l.starts_with("announced"));
        let rows = &shown[at.expect("announced keys") + 1..];
        assert_eq!(
            rows,
            [
                "           ssh-ed25519          SHA256:presented  = presented",
                "           ecdsa-sha2-nistp256  SHA256:ecdsa      on file",
                "           ssh-rsa              SHA256:rsa        ! not proven",
            ]
        );
        let none = HostKeyEvidence {
            announced: Vec::new(),
            ..evidence()
        };
        let shown = text(&lines(&none, 100, &Theme::monochrome()));
        assert!(!shown.iter().any(|l| l.contains("announced")), "{shown:#?}");
    }

    #[test]
    fn a_known_hosts_path_wider_than_the_pane_is_cut_into_lines_not_off() {
        let path = "/tmp/sshtriage-demo-13Jzwh/known_hosts:7";
        let lines = key_lines(
            "on file",
            vec![
                Span::raw(path.to_string()),
                Span::raw("  ssh-ed25519".to_string()),
            ],
            vec![Span::raw("  ≠ presented".to_string())],
            "SHA256:ib64pjlKniVM9I90jRDWjGdlQ9eOW57SAG0eshJldfI",
            40,
            &Theme::monochrome(),
        );
        let shown = text(&lines);
        for line in &shown {
            assert!(text::width(line) <= 40, "{line:?} in {shown:#?}");
        }
        let joined: String = shown.iter().map(|l| l.trim()).collect();
        assert!(joined.contains("known_hosts:7"), "{shown:#?}");
    }
}
