//! Text from files and devices, made safe to print on a terminal: the one cleaner of
//! [`crate::terminal_text`], and JSON that escapes what serde_json leaves raw.

pub use crate::terminal_text::{printable, printable_char, printable_flat, printable_lines};

use serde::Serialize;

/// `value` as pretty JSON, every control and bidi override escaped: serde_json escapes only
/// C0, so a C1 control (U+0080–U+009F, U+009B being a one-byte CSI) or DEL in a banner would
/// reach a terminal that shows the document.
pub fn json_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(text) => escape_json_controls(&text),
        Err(e) => format!(
            "{{\"error\": \"{}\"}}",
            escape_json_controls(&printable(&e.to_string()))
        ),
    }
}

/// Writes `value` as indented JSON to `out` as it is serialized, escaped as [`json_pretty`]:
/// a fleet's document is never held in memory whole (at 5,000 devices it was 100 MB, twice).
pub fn write_json_pretty<T: Serialize + ?Sized, W: std::io::Write>(
    value: &T,
    out: W,
) -> std::io::Result<()> {
    let mut escaping = EscapeControls {
        inner: out,
        pending: Vec::new(),
    };
    serde_json::to_writer_pretty(&mut escaping, value).map_err(std::io::Error::other)?;
    escaping.finish()
}

/// Passes JSON text through [`escape_json_controls`], holding back a character cut between
/// two writes.
struct EscapeControls<W> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> EscapeControls<W> {
    fn pass(&mut self, complete: bool) -> std::io::Result<()> {
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if complete || e.error_len().is_some() => self.pending.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = String::from_utf8_lossy(&self.pending[..valid]);
        write_escaped(&mut self.inner, &text)?;
        self.pending.drain(..valid);
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.pass(true)?;
        self.inner.flush()
    }
}

impl<W: std::io::Write> std::io::Write for EscapeControls<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // serde_json writes in small pieces, most of them plain ASCII: those go straight
        // through (a fleet's document is millions of pieces).
        if self.pending.is_empty() && buf.iter().all(|b| b.is_ascii() && *b != 0x7f) {
            self.inner.write_all(buf)?;
        } else {
            self.pending.extend_from_slice(buf);
            self.pass(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `value` as one line of JSON, escaped as [`json_pretty`].
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string(value) {
        Ok(text) => escape_json_controls(&text),
        Err(e) => format!(
            "{{\"error\": \"{}\"}}",
            escape_json_controls(&printable(&e.to_string()))
        ),
    }
}

/// Rewrites DEL, C1 controls and bidi overrides in serialized JSON as `\uXXXX`. Outside
/// strings serde_json writes only ASCII punctuation, digits, letters and whitespace, so every
/// such character is inside a string, where the escape means the same character.
fn escape_json_controls(json: &str) -> String {
    let mut out = Vec::with_capacity(json.len());
    // Writing to a Vec cannot fail.
    let _ = write_escaped(&mut out, json);
    String::from_utf8(out).unwrap_or_default()
}

fn needs_escape(c: char) -> bool {
    c == '\u{7f}' || (!c.is_ascii() && printable_char(c) != c)
}

/// `json` to `out`, each character [`escape_json_controls`] rewrites as `\uXXXX`.
fn write_escaped(out: &mut impl std::io::Write, json: &str) -> std::io::Result<()> {
    let mut start = 0;
    for (at, c) in json.char_indices() {
        if needs_escape(c) {
            out.write_all(&json.as_bytes()[start..at])?;
            write!(out, "\\u{:04x}", u32::from(c))?;
            start = at + c.len_utf8();
        }
    }
    out.write_all(&json.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_json_is_the_same_text_even_with_characters_cut_between_writes() {
        let value =
            serde_json::json!({"banner": "a\u{9b}2J\u{1b}[0m\u{7f}\u{202e}é日本", "n": [1, 2]});
        let mut streamed = Vec::new();
        write_json_pretty(&value, &mut streamed).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), json_pretty(&value));
        // One byte per write: every multi-byte character arrives cut.
        let text = serde_json::to_string_pretty(&value).unwrap();
        let mut escaping = EscapeControls {
            inner: Vec::new(),
            pending: Vec::new(),
        };
        for byte in text.as_bytes() {
            std::io::Write::write_all(&mut escaping, &[*byte]).unwrap();
        }
        escaping.pass(true).unwrap();
        assert_eq!(
            String::from_utf8(escaping.inner).unwrap(),
            json_pretty(&value)
        );
    }

    #[test]
    fn json_escapes_c1_del_and_bidi_inside_strings() {
        let value = serde_json::json!({"banner": "a\u{9b}2J\u{1b}[0m\u{7f}\u{202e}é", "n": 1});
        let text = json_line(&value);
        assert_eq!(
            text,
            r#"{"banner":"a\u009b2J\u001b[0m\u007f\u202eé","n":1}"#
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value, "the escapes mean the same characters");
        assert!(
            !json_pretty(&value)
                .chars()
                .any(|c| c.is_control() && c != '\n')
        );
    }
}
