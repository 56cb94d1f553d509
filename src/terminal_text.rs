//! The one cleaner for text from devices and files on its way to a terminal: every view (the
//! dashboard, `check`, `wait`, `inventory`, the fixes, error messages) and every message built
//! from hostile input goes through [`printable_char`], so no byte a device or a file sent can
//! move the cursor, retitle the terminal or reorder a line. C0 and C1 controls (U+009B is a
//! one-byte CSI on many terminals), DEL and bidi overrides all count.

/// One character: tab becomes a space, ESC a visible ␛, every other control (C0, DEL, C1) and
/// bidi override the replacement character.
pub fn printable_char(c: char) -> char {
    match c {
        '\t' => ' ',
        '\u{1b}' => '␛',
        c if c.is_control() => '\u{fffd}',
        c if is_bidi_control(c) => '\u{fffd}',
        c => c,
    }
}

/// Whether `c` reorders the text around it (bidi embeddings, overrides, isolates and marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// A one-line value (a name, a banner, a reason): line breaks too become visible
/// replacements, so a value cannot fake a line of its own.
pub fn printable(text: &str) -> String {
    text.chars().map(printable_char).collect()
}

/// A value shown in a cell that wraps (the dashboard): line breaks become spaces.
pub fn printable_flat(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' => ' ',
            c => printable_char(c),
        })
        .collect()
}

/// A whole message of several lines (an error, a report): `\n` is kept, everything else as
/// [`printable`].
pub fn printable_lines(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => '\n',
            c => printable_char(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_breaks_are_neutralised() {
        assert_eq!(printable("r1\u{1b}[2J\nx"), "r1␛[2J\u{fffd}x");
        assert_eq!(printable("plain name"), "plain name");
        assert_eq!(printable_flat("a\u{1b}[2Jb\tc\r\n"), "a␛[2Jb c  ");
        assert_eq!(printable_lines("a\u{7}\nb\r"), "a\u{fffd}\nb\u{fffd}");
    }

    #[test]
    fn c1_controls_and_del_are_replaced() {
        // U+009B is CSI in one byte: "\u{9b}2J" clears the screen on terminals that take C1.
        for c in ('\u{80}'..='\u{9f}').chain(['\u{7f}', '\u{9b}']) {
            assert_eq!(printable_char(c), '\u{fffd}', "{:?}", c);
        }
        assert_eq!(
            printable("a\u{9b}2Jb\u{9d}0;t\u{9c}"),
            "a\u{fffd}2Jb\u{fffd}0;t\u{fffd}"
        );
        assert_eq!(printable("é ü ñ Ω"), "é ü ñ Ω");
    }
}
