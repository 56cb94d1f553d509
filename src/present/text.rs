//! Text from files and devices, made safe to print on a terminal.

/// Control characters (escape sequences, line breaks inside a value, bidi overrides) become
/// visible placeholders so a hostile name cannot rewrite the screen or fake a line.
pub fn printable(text: &str) -> String {
    text.chars().map(printable_char).collect()
}

/// One character of [`printable`]: tab becomes a space, ESC a visible ␛, other controls and
/// bidi overrides the replacement character.
pub fn printable_char(c: char) -> char {
    match c {
        '\t' => ' ',
        '\u{1b}' => '␛',
        c if c.is_control() => '\u{fffd}',
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => '\u{fffd}',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_breaks_are_neutralised() {
        assert_eq!(printable("r1\u{1b}[2J\nx"), "r1␛[2J\u{fffd}x");
        assert_eq!(printable("plain name"), "plain name");
    }
}
