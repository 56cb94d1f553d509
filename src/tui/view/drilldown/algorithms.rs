//! The server's algorithm lists beside our client's, per category: the negotiated algorithm
//! marked `*` and highlighted, categories with nothing in common marked ✗, and each offered
//! algorithm's standing from the notes: coloured, weak ones marked `!`, broken ones `×`,
//! with their sourced notes below the lists.
//!
//! ```text
//! * negotiated  ! weak  × broken  ✗ no overlap: nothing in common
//! category    server offers                  we offer
//! kex         diffie-hellman-group14-sha1,   curve25519-sha256,
//! ✗ no overlap diffie-hellman-group1-sha1    ecdh-sha2-nistp256, …
//! host key    rsa-sha2-512*, ssh-rsa         ssh-ed25519, rsa-sha2-512*
//! ✓
//! ```
//! Categories with no overlap come first. Below 70 columns the two lists stack under the
//! category instead.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::model::{AlgorithmEvidence, AlgorithmNote, Standing};
use crate::tui::text;
use crate::tui::theme::Theme;

/// The label column, its last cell always a space: the longest label ("✗ no overlap",
/// "compress c→s") and one.
const LABEL_WIDTH: usize = 13;
const NO_OVERLAP: &str = "✗ no overlap";
const SIDE_BY_SIDE_MIN_WIDTH: usize = 70;
/// Weak or broken algorithms whose note is spelled out below the lists.
const NOTES_SHOWN: usize = 12;

struct Category<'a> {
    label: &'static str,
    server: &'a [String],
    client: &'a [String],
    negotiated: Option<&'a str>,
}

/// Markers that ride in the kex list (RFC 8308 ext-info, strict kex) but are not algorithms.
fn is_marker(name: &str) -> bool {
    name.starts_with("ext-info-") || name.starts_with("kex-strict-")
}

fn overlaps(category: &Category) -> bool {
    category
        .server
        .iter()
        .any(|s| !is_marker(s) && category.client.contains(s))
}

fn categories(ev: &AlgorithmEvidence) -> Vec<Category<'_>> {
    let (s, c, n) = (&ev.server, &ev.client, &ev.negotiated);
    let mut list = vec![
        Category {
            label: "kex",
            server: &s.kex,
            client: &c.kex,
            negotiated: n.kex.as_deref(),
        },
        Category {
            label: "host key",
            server: &s.host_key,
            client: &c.host_key,
            negotiated: n.host_key.as_deref(),
        },
    ];
    list.extend(pair(
        ["cipher", "cipher c→s", "cipher s→c"],
        (&s.cipher_c2s, &c.cipher_c2s, n.cipher_c2s.as_deref()),
        (&s.cipher_s2c, &c.cipher_s2c, n.cipher_s2c.as_deref()),
    ));
    list.extend(pair(
        ["mac", "mac c→s", "mac s→c"],
        (&s.mac_c2s, &c.mac_c2s, n.mac_c2s.as_deref()),
        (&s.mac_s2c, &c.mac_s2c, n.mac_s2c.as_deref()),
    ));
    list.extend(pair(
        ["compression", "compress c→s", "compress s→c"],
        (&s.compression_c2s, &c.compression_c2s, None),
        (&s.compression_s2c, &c.compression_s2c, None),
    ));
    list.retain(|cat| !cat.server.is_empty() || !cat.client.is_empty());
    list
}

type Side<'a> = (&'a [String], &'a [String], Option<&'a str>);

/// Both directions usually agree: one row then, two when they differ.
fn pair<'a>(labels: [&'static str; 3], c2s: Side<'a>, s2c: Side<'a>) -> Vec<Category<'a>> {
    let [both, c2s_label, s2c_label] = labels;
    let category = |label, (server, client, negotiated): Side<'a>| Category {
        label,
        server,
        client,
        negotiated,
    };
    if c2s == s2c {
        vec![category(both, c2s)]
    } else {
        vec![category(c2s_label, c2s), category(s2c_label, s2c)]
    }
}

pub fn lines(ev: &AlgorithmEvidence, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut categories = categories(ev);
    if categories.is_empty() {
        return Vec::new();
    }
    // Stable: the usual order, with the categories that break the connection on top.
    categories.sort_by_key(overlaps);
    let side_by_side = width >= SIDE_BY_SIDE_MIN_WIDTH;
    let legend = format!("* negotiated  ! weak  × broken  {NO_OVERLAP}: nothing in common");
    let mut out = vec![Line::styled(text::fit(&legend, width), theme.dim)];
    if side_by_side {
        let column = (width - LABEL_WIDTH - 2) / 2;
        out.push(Line::from(vec![
            Span::styled(label("category"), theme.dim),
            Span::styled(text::pad("server offers", column + 2), theme.dim),
            Span::styled("we offer", theme.dim),
        ]));
        for cat in &categories {
            out.extend(side_by_side_rows(cat, column, &ev.notes, theme));
        }
    } else {
        for cat in &categories {
            out.extend(stacked_rows(cat, width, &ev.notes, theme));
        }
    }
    out.extend(note_lines(&ev.notes, width, theme));
    out
}

/// `name` in the label column, followed by at least one space.
fn label(name: &str) -> String {
    format!("{} ", text::pad(name, LABEL_WIDTH - 1))
}

/// The standing of an offered algorithm, when the notes know it.
fn status(notes: &[AlgorithmNote], name: &str) -> Option<Standing> {
    notes.iter().find(|n| n.name == name).map(|n| n.status)
}

/// The mark after a name and its style, by standing.
fn standing(status: Option<Standing>, theme: &Theme) -> (&'static str, Style) {
    match status {
        Some(Standing::Recommended) => ("", theme.ok),
        Some(Standing::Weak) => ("!", theme.warn),
        Some(Standing::Broken) => ("×", theme.fail),
        Some(Standing::Acceptable) | None => ("", Style::new()),
    }
}

/// What the notes say about the weak and broken algorithms offered, with their sources.
fn note_lines(notes: &[AlgorithmNote], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let flagged: Vec<&AlgorithmNote> = notes
        .iter()
        .filter(|n| matches!(n.status, Standing::Weak | Standing::Broken))
        .collect();
    if flagged.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Line::styled("notes", theme.dim)];
    for note in flagged.iter().take(NOTES_SHOWN) {
        let (mark, style) = standing(Some(note.status), theme);
        out.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(
                text::fit(&text::clean(&note.name), width.saturating_sub(2)),
                style,
            ),
            Span::styled(format!(" {}", note.status.name()), style),
        ]));
        let words = format!("{} ({})", note.note, note.source);
        for part in text::wrap(&text::clean(&words), width.saturating_sub(2).max(8)) {
            out.push(Line::raw(format!("  {part}")));
        }
    }
    if flagged.len() > NOTES_SHOWN {
        out.push(Line::styled(
            format!("… {} more", flagged.len() - NOTES_SHOWN),
            theme.dim,
        ));
    }
    out
}

fn verdict(cat: &Category, theme: &Theme) -> (&'static str, Style) {
    if overlaps(cat) {
        ("✓", theme.ok)
    } else {
        (NO_OVERLAP, theme.fail)
    }
}

fn side_by_side_rows(
    cat: &Category,
    column: usize,
    notes: &[AlgorithmNote],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (verdict, verdict_style) = verdict(cat, theme);
    let label_lines: Vec<(String, Style)> = vec![
        (cat.label.to_string(), theme.heading),
        (verdict.to_string(), verdict_style),
    ];
    let server = wrap_names(cat.server, cat.negotiated, column, Some(notes), theme);
    let client = wrap_names(cat.client, cat.negotiated, column, None, theme);
    let height = label_lines.len().max(server.len()).max(client.len());
    (0..height)
        .map(|i| {
            let (label, label_style) = label_lines.get(i).cloned().unwrap_or_default();
            let mut spans = vec![Span::styled(self::label(&label), label_style)];
            let left = server.get(i).cloned().unwrap_or_default();
            let left_width: usize = left.iter().map(|s| s.width()).sum();
            spans.extend(left);
            spans.push(Span::raw(" ".repeat(column.saturating_sub(left_width) + 2)));
            spans.extend(client.get(i).cloned().unwrap_or_default());
            Line::from(spans)
        })
        .collect()
}

fn stacked_rows(
    cat: &Category,
    width: usize,
    notes: &[AlgorithmNote],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (verdict, verdict_style) = verdict(cat, theme);
    let mut out = vec![Line::from(vec![
        Span::styled(label(cat.label), theme.heading),
        Span::styled(verdict, verdict_style),
    ])];
    let indent = 10;
    for (side, names, notes) in [
        ("  server", cat.server, Some(notes)),
        ("  we", cat.client, None),
    ] {
        let wrapped = wrap_names(
            names,
            cat.negotiated,
            width.saturating_sub(indent),
            notes,
            theme,
        );
        for (i, parts) in wrapped.into_iter().enumerate() {
            let head = if i == 0 {
                text::pad(side, indent)
            } else {
                " ".repeat(indent)
            };
            let mut spans = vec![Span::styled(head, theme.dim)];
            spans.extend(parts);
            out.push(Line::from(spans));
        }
    }
    out
}

/// Names joined by ", " and wrapped into lines of at most `width` cells; with `notes`, each
/// marked and coloured by its standing.
fn wrap_names(
    names: &[String],
    negotiated: Option<&str>,
    width: usize,
    notes: Option<&[AlgorithmNote]>,
    theme: &Theme,
) -> Vec<Vec<Span<'static>>> {
    if names.is_empty() {
        return vec![vec![Span::styled("(none)", theme.dim)]];
    }
    let mut lines: Vec<Vec<Span>> = Vec::new();
    let mut line: Vec<Span> = Vec::new();
    let mut used = 0;
    for (i, name) in names.iter().enumerate() {
        let is_negotiated = negotiated == Some(name.as_str());
        let (mark, standing_style) = standing(notes.and_then(|n| status(n, name)), theme);
        let mut shown = text::clean(name);
        shown.push_str(mark);
        if is_negotiated {
            shown.push('*');
        }
        if i + 1 < names.len() {
            shown.push(',');
        }
        let shown = text::fit(&shown, width);
        let w = text::width(&shown);
        let gap = usize::from(used > 0);
        if used > 0 && used + gap + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(Span::raw(" "));
            used += 1;
        }
        let style = if is_negotiated {
            theme.negotiated
        } else if is_marker(name) {
            theme.dim
        } else {
            standing_style
        };
        line.push(Span::styled(shown, style));
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
