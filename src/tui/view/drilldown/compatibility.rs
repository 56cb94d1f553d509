//! Per SSH client profile: would it connect to this device as shipped, and if not, the
//! change that makes it, or why no option of it can.
//!
//! ```text
//! ! OpenSSH 9.2p1 (Debian 12)  fails at kex · fix: +diffie-hellman-group14-sha1 +ssh-rsa
//!                              +aes128-cbc
//! ✓ Paramiko 4.0               connects
//! ✗ Paramiko 5.0               cannot: Paramiko 5.0 cannot connect: the device offers …
//! ✓ Paramiko 3.5               connects ← this machine: Paramiko 3.5.1 (python3)
//! ```
//! Below 60 columns the verdict goes under the client's name.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::algorithms::compat::client_profile;
use crate::model::ClientCompatibility;
use crate::tui::text;
use crate::tui::theme::Theme;

const NAME_MAX: usize = 28;
const SIDE_BY_SIDE_MIN_WIDTH: usize = 60;

pub fn lines(list: &[ClientCompatibility], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let rows: Vec<(String, &str, Style, String)> = list
        .iter()
        .map(|c| {
            let (glyph, style) = mark(c, theme);
            let verdict = match &c.this_machine {
                Some(here) => format!("{} ← {}", verdict(c), text::clean(here)),
                None => verdict(c),
            };
            (client_name(&c.client), glyph, style, verdict)
        })
        .collect();
    let name_width = rows
        .iter()
        .map(|(name, ..)| text::width(name))
        .max()
        .unwrap_or(0)
        .min(NAME_MAX)
        + 2;
    let mut out = Vec::new();
    for (name, glyph, style, verdict) in rows {
        let head = vec![
            Span::styled(format!("{glyph} "), style),
            Span::styled(
                text::pad(&text::fit(&name, name_width - 2), name_width),
                theme.heading,
            ),
        ];
        if width >= SIDE_BY_SIDE_MIN_WIDTH {
            let indent = name_width + 2;
            for (i, part) in text::wrap(&verdict, width - indent).into_iter().enumerate() {
                let mut spans = if i == 0 {
                    head.clone()
                } else {
                    vec![Span::raw(" ".repeat(indent))]
                };
                spans.push(Span::raw(part));
                out.push(Line::from(spans));
            }
        } else {
            out.push(Line::from(head));
            for part in text::wrap(&verdict, width.saturating_sub(4).max(8)) {
                out.push(Line::raw(format!("    {part}")));
            }
        }
    }
    out
}

fn client_name(id: &str) -> String {
    client_profile(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| text::clean(id))
}

/// ✓ connects, ! a change makes it connect, ✗ no option can.
fn mark(c: &ClientCompatibility, theme: &Theme) -> (&'static str, Style) {
    if c.connects {
        ("✓", theme.ok)
    } else if c.fix.is_some() {
        ("!", theme.warn)
    } else {
        ("✗", theme.fail)
    }
}

fn verdict(c: &ClientCompatibility) -> String {
    if c.connects {
        return "connects".to_owned();
    }
    let fails_at = c.fails_at.as_deref().unwrap_or("kex").replace('_', " ");
    match (&c.fix, &c.cannot) {
        (Some(fix), _) => {
            let names: Vec<String> = fix.iter().map(|a| format!("+{}", a.algorithm)).collect();
            text::clean(&format!("fails at {fails_at} · fix: {}", names.join(" ")))
        }
        (None, Some(cannot)) => text::clean(&short_cannot(cannot)),
        (None, None) => format!("fails at {fails_at}"),
    }
}

/// The reason a client cannot connect and the first client that can, from the full
/// statement (which also lists what the device offers: the lists above show that).
fn short_cannot(statement: &str) -> String {
    let (body, alternatives) = match statement.split_once(" Clients that can: ") {
        Some((body, rest)) => (body, Some(rest)),
        None => (statement, None),
    };
    let sentences: Vec<&str> = body.split_inclusive(". ").collect();
    let reason = if sentences.len() > 1 {
        sentences[1..].concat()
    } else {
        body.to_owned()
    };
    let mut out = format!("cannot: {}", reason.trim());
    if let Some(first) = alternatives.and_then(|a| a.split("; ").next()) {
        out.push_str(&format!(" Use {}.", first.trim().trim_end_matches('.')));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cannot_statement_is_cut_to_its_reason_and_first_alternative() {
        let statement = "Paramiko 5.0 cannot connect: the device offers only x for key exchange. \
            Paramiko 5 removed the SHA-1 key exchanges, so no option brings them back. \
            Clients that can: Paramiko 4.0 as shipped (pip install \"paramiko>=4.0,<5\"); OpenSSH 9.2p1 with -o X.";
        assert_eq!(
            short_cannot(statement),
            "cannot: Paramiko 5 removed the SHA-1 key exchanges, so no option brings them back. \
             Use Paramiko 4.0 as shipped (pip install \"paramiko>=4.0,<5\")."
        );
        let alone = "X cannot connect: the device offers only arcfour for cipher. It implements none of the offered cipher algorithms. None of the clients sshtriage knows can negotiate with this device.";
        assert_eq!(
            short_cannot(alone),
            "cannot: It implements none of the offered cipher algorithms. None of the clients sshtriage knows can negotiate with this device."
        );
        assert_eq!(short_cannot("one sentence"), "cannot: one sentence");
    }
}
