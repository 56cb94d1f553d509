//! Turning raw terminal output into plain lines that prompt regexes can be matched against.
//!
//! Devices paint their prompts with ANSI colours, bracketed-paste toggles (`ESC[?2004h`), window
//! titles (OSC), `\r` redraws, backspace erasures and status toolbars. A terminal would show the
//! final picture, so the text is played onto a small [`Screen`] model and every sequence that
//! only changes colours or modes is dropped.

use super::screen::Screen;
use std::iter::Peekable;
use std::str::Chars;

/// Only the end of the output can hold the prompt; capping what is normalised bounds the time
/// and memory a hostile or chatty server can cost.
pub(crate) const TAIL_BYTES: usize = 16 * 1024;

/// Strips escape sequences, folds `\r\n` to `\n`, applies `\r`/backspace/erase overwrites and
/// drops control characters other than `\n` and `\t`. Lines lose trailing blanks (leftovers
/// of erasures), except the last, which is kept as is.
pub fn normalize(raw: &str) -> String {
    play(raw).into_text(false)
}

/// The normalised end of `output` up to the cursor's line: at most [`TAIL_BYTES`] of input,
/// minus the first line when it was cut (a partial line could otherwise pose as a whole one),
/// minus trailing blanks.
pub(crate) fn clean_tail(output: &str) -> String {
    let mut start = output.len().saturating_sub(TAIL_BYTES);
    while !output.is_char_boundary(start) {
        start += 1;
    }
    let mut text = play(&output[start..]).into_text(true);
    if start > 0 {
        text = match text.find('\n') {
            Some(i) => text.split_off(i + 1),
            None => String::new(),
        };
    }
    let kept = text.trim_end_matches([' ', '\t']).len();
    text.truncate(kept);
    text
}

fn play(raw: &str) -> Screen {
    let mut screen = Screen::default();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => escape(&mut screen, &mut chars),
            '\u{9b}' => csi(&mut screen, &mut chars),
            '\u{9d}' => skip_string(&mut chars),
            '\n' => screen.newline(),
            '\r' => screen.carriage_return(),
            '\x08' => screen.backspace(),
            '\t' => screen.put('\t'),
            c if c.is_control() => {}
            c => screen.put(c),
        }
    }
    screen
}

/// After ESC: CSI and string sequences get their own parsers; charset designations take one more
/// character; DEC save/restore cursor act; everything else is two characters with no effect.
fn escape(screen: &mut Screen, chars: &mut Peekable<Chars<'_>>) {
    match chars.next() {
        Some('[') => csi(screen, chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        Some('(' | ')' | '*' | '+' | '-' | '.' | '/' | '#' | '%' | ' ') => {
            chars.next();
        }
        Some('7') => screen.save(),
        Some('8') => screen.restore(),
        _ => {}
    }
}

/// Control Sequence Introducer: parameters, intermediates, one final byte. Only sequences that
/// decide which characters end up where are applied; colours and modes are dropped.
fn csi(screen: &mut Screen, chars: &mut Peekable<Chars<'_>>) {
    let mut params = String::new();
    let final_byte = loop {
        match chars.next() {
            Some(c @ '\x30'..='\x3f') => {
                // A few digits are enough for any real sequence; ignore the rest.
                if params.len() < 16 {
                    params.push(c);
                }
            }
            Some('\x20'..='\x2f') => {}
            Some(c @ '\x40'..='\x7e') => break c,
            // Malformed or truncated: the sequence ends here, nothing to apply.
            _ => return,
        }
    };
    if params.starts_with(['?', '>', '<', '=']) {
        return; // private modes (bracketed paste, cursor visibility): no effect on text
    }
    let mut numbers = params.split(';').map(|p| p.parse::<usize>().ok());
    let first = numbers.next().flatten();
    let second = numbers.next().flatten();
    let n = first.unwrap_or(0);
    match final_byte {
        'A' => screen.up(n),
        'B' => screen.down(n),
        'C' => screen.right(n),
        'D' => screen.left(n),
        'G' => screen.column(n),
        // Absolute row positions are unknowable without the terminal's size: keep the column.
        'H' | 'f' => screen.column(second.unwrap_or(1)),
        'J' => screen.erase_in_display(n),
        'K' => screen.erase_in_line(n),
        's' => screen.save(),
        'u' => screen.restore(),
        _ => {}
    }
}

/// Skips an OSC/DCS/SOS/PM/APC string up to BEL or ST. A newline also ends it: real titles never
/// hold one, and an unterminated string must not swallow the rest of the output.
fn skip_string(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\x07' | '\u{9c}' => {
                chars.next();
                return;
            }
            '\n' => return,
            '\x1b' => {
                chars.next();
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {
                chars.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_crlf_and_drops_nul_and_bell() {
        assert_eq!(normalize("a\r\nb\r\r\n\0c\x07"), "a\nb\nc");
    }

    #[test]
    fn strips_colours_and_bracketed_paste() {
        let raw = "\x1b[?2004h\x1b[01;32muser@host\x1b[00m:\x1b[01;34m~\x1b[00m$ ";
        assert_eq!(normalize(raw), "user@host:~$ ");
    }

    #[test]
    fn strips_osc_titles_terminated_by_bel_or_st() {
        assert_eq!(normalize("\x1b]0;user@host: ~\x07$ "), "$ ");
        assert_eq!(normalize("\x1b]2;title\x1b\\# "), "# ");
    }

    #[test]
    fn unterminated_osc_stops_at_newline() {
        assert_eq!(normalize("\x1b]0;title\nr1#"), "\nr1#");
    }

    #[test]
    fn carriage_return_overwrites_and_erase_line_clears() {
        assert_eq!(normalize("abcdef\rXY"), "XYcdef");
        assert_eq!(normalize(" --More-- \r\x1b[Kr1#"), "r1#");
        assert_eq!(normalize("junk\x1b[2K\rr1#"), "r1#");
    }

    #[test]
    fn backspaces_erase_a_more_marker() {
        let raw = "--More--\x08\x08\x08\x08\x08\x08\x08\x08        \x08\x08\x08\x08\x08\x08\x08\x08line\n";
        assert_eq!(normalize(raw), "line\n");
    }

    #[test]
    fn cursor_moves_are_bounded_by_the_line() {
        assert_eq!(normalize("ab\x1b[999999999Cc"), "abc");
        assert_eq!(normalize("abc\x1b[2Dx"), "axc");
    }

    #[test]
    fn other_escapes_and_eight_bit_csi_vanish() {
        assert_eq!(normalize("\x1b(B\x1b=\x1b7r1\u{9b}0m#\x1b"), "r1#");
    }

    #[test]
    fn completed_lines_lose_trailing_blanks_last_line_keeps_them() {
        assert_eq!(normalize("a  \r\nr1# "), "a\nr1# ");
    }

    #[test]
    fn toolbar_below_the_prompt_is_not_part_of_the_tail() {
        // prompt_toolkit style: prompt, two rows down to draw a toolbar, back up to the prompt.
        let raw = "--{ running }--[  ]--\r\nA:srl1# \r\n\r\n\x1b[7mCurrent mode: running\x1b[0m\x1b[2A\r\x1b[8C";
        assert_eq!(clean_tail(raw), "--{ running }--[  ]--\nA:srl1#");
        assert!(normalize(raw).ends_with("Current mode: running"));
        let saved = "r1# \x1b7\r\n\r\nstatus bar\x1b8";
        assert_eq!(clean_tail(saved), "r1#");
        let csi_saved = "r1# \x1b[s\r\nstatus\x1b[u";
        assert_eq!(clean_tail(csi_saved), "r1#");
    }

    #[test]
    fn erase_below_and_clear_screen() {
        assert_eq!(normalize("a\r\nb\r\nc\x1b[2A\x1b[J\r\nz"), "a\nz");
        assert_eq!(
            clean_tail("old\r\nstuff\x1b[2J\x1b[Hr1#"),
            "old\nstuff\nr1#"
        );
    }

    #[test]
    fn cursor_cannot_climb_into_frozen_rows() {
        let many = "x\n".repeat(1000);
        let raw = format!("{many}\x1b[5000AY");
        let text = normalize(&raw);
        assert_eq!(text.lines().count(), 1000);
        assert!(
            text.contains("\nY\n"),
            "overwrote the oldest live row, not a frozen one"
        );
        assert!(text.starts_with("x\nx\n"));
    }

    #[test]
    fn arbitrary_input_never_panics_and_leaves_no_controls() {
        // A deterministic mix of printable text, controls and escape fragments.
        let alphabet: Vec<char> =
            "ab#> \x1b[]0123456789;?ABCDGHJKfsu78\r\n\x08\x07\x00\u{9b}\u{9d}\u{9c}é\\"
                .chars()
                .collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..200 {
            let raw: String = (0..400)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for text in [normalize(&raw), clean_tail(&raw)] {
                assert!(
                    text.chars()
                        .all(|c| !c.is_control() || c == '\n' || c == '\t'),
                    "{raw:?} -> {text:?}"
                );
                assert!(text.len() <= raw.len() * 4, "output bounded by input");
            }
        }
    }

    #[test]
    fn tail_drops_the_cut_first_line_and_trailing_blanks() {
        let long = format!("{}\nr1# ", "x".repeat(TAIL_BYTES));
        assert_eq!(clean_tail(&long), "r1#");
        let one_line = "y".repeat(TAIL_BYTES + 10);
        assert_eq!(clean_tail(&one_line), "");
        // Multi-byte characters at the cut must not panic.
        let wide = format!("{}\nr1#", "é".repeat(TAIL_BYTES));
        assert_eq!(clean_tail(&wide), "r1#");
    }
}
