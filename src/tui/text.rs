//! Text helpers shared by the views: durations, making device-supplied text safe to print,
//! measuring, truncating with an ellipsis and wrapping.

use ratatui::text::Span;

/// A duration rounded for people: "0.4ms", "12ms", "1.2s", "20s", "3m05s".
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "?".to_string();
    }
    if ms < 0.05 {
        return "<0.1ms".to_string();
    }
    if ms < 1.0 {
        return format!("{ms:.1}ms");
    }
    let whole_ms = ms.round() as u64;
    if whole_ms < 1000 {
        return format!("{whole_ms}ms");
    }
    let tenths = (ms / 100.0).round() as u64;
    if tenths < 100 {
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    let secs = (ms / 1000.0).round() as u64;
    if secs < 60 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 60 {
        return format!("{minutes}m{:02}s", secs % 60);
    }
    format!("{}h{:02}m", minutes / 60, minutes % 60)
}

/// Text from a device or a file, made safe for one terminal cell each (the one cleaner,
/// [`crate::present::printable_flat`]): controls and bidi overrides become visible
/// replacements; line breaks and tabs become spaces.
pub fn clean(text: &str) -> String {
    crate::present::printable_flat(text)
}

/// A count as terminal cells or rows, saturating instead of wrapping around.
pub fn cells(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Display width in terminal cells.
pub fn width(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    Span::raw(text).width()
}

fn char_width(c: char) -> usize {
    if c.is_ascii() {
        return 1;
    }
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// `text` cut to at most `max` cells, ending in "…" when something was cut.
pub fn fit(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` cut after its last whole word that leaves room for " …" in `max` cells, marked so
/// even when all of it fits (a caller cut what came after). A text whose first word alone is
/// too wide is cut as [`fit`] cuts: a token longer than the room cannot stay whole.
pub fn cut_after_word(text: &str, max: usize) -> String {
    let mut kept = 0;
    let mut used = 0;
    for (i, word) in text.split(' ').enumerate() {
        let wide = width(word) + usize::from(i > 0);
        if used + wide + 2 > max {
            break;
        }
        used += wide;
        kept = i + 1;
    }
    if kept == 0 {
        return fit(&format!("{text} …"), max);
    }
    let words: Vec<&str> = text.split(' ').take(kept).collect();
    format!("{} …", words.join(" "))
}

/// `text` whole if it fits in `max` cells, else cut after a whole word ([`cut_after_word`]).
pub fn fit_words(text: &str, max: usize) -> String {
    if width(text) <= max {
        text.to_string()
    } else {
        cut_after_word(text, max)
    }
}

/// `text` padded with spaces (or cut) to exactly `cells` wide.
pub fn pad(text: &str, cells: usize) -> String {
    let fitted = fit(text, cells);
    let w = width(&fitted);
    format!("{fitted}{}", " ".repeat(cells.saturating_sub(w)))
}

/// Word-wraps `text` into lines of at most `max` cells. Lines break at spaces, and also after
/// the commas of a list written without spaces (an algorithm list is one long "word"); only a
/// piece longer than a whole line is split elsewhere. Linear in the length of the text.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        for (n, piece) in list_items(word).enumerate() {
            let piece_w = width(piece);
            // A list's items follow each other without a space.
            let gap = usize::from(used > 0 && n == 0);
            if used + gap + piece_w <= max {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(piece);
                used += gap + piece_w;
                continue;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
            }
            let mut pieces = chunk(piece, max);
            let last = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
            used = width(&last);
            line = last;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `word` cut after each comma a letter follows (`curve25519-sha256,ecdh-sha2-nistp256`), not
/// after one inside a version bound (`"paramiko>=3.5,<4"` stays whole) or a number.
fn list_items(word: &str) -> impl Iterator<Item = &str> {
    let mut rest = word;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest
            .char_indices()
            .zip(rest.chars().skip(1))
            .find(|((_, c), next)| *c == ',' && next.is_ascii_alphabetic())
            .map_or(rest.len(), |((i, _), _)| i + 1);
        let (item, after) = rest.split_at(cut);
        rest = after;
        Some(item)
    })
}

/// Cuts `text` into pieces of at most `max` cells, keeping inner spaces (device output, where
/// alignment carries meaning); breaks after a space or a comma when there is one, else
/// mid-word.
/// One pass over the text.
pub fn chunk(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut used = 0;
    // Byte just after the last space in the current piece, and the piece's width up to it.
    let mut last_space: Option<(usize, usize)> = None;
    let mut after_comma = false;
    for (i, c) in text.char_indices() {
        let w = char_width(c);
        // After a comma that a list item follows (see `list_items`).
        if after_comma && c.is_ascii_alphabetic() {
            last_space = Some((i, used));
        }
        after_comma = c == ',';
        while used + w > max && i > start {
            let (cut, cut_width) = match last_space {
                Some((after, before)) if after > start && after <= i => (after, before),
                _ => (i, used),
            };
            pieces.push(text[start..cut].trim_end().to_string());
            start = cut;
            used -= cut_width;
            last_space = None;
        }
        used += w;
        if c == ' ' {
            last_space = Some((i + 1, used));
        }
    }
    pieces.push(text[start..].to_string());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_for_people() {
        assert_eq!(duration_ms(0.42), "0.4ms");
        assert_eq!(duration_ms(0.02), "<0.1ms");
        assert_eq!(duration_ms(12.4), "12ms");
        assert_eq!(duration_ms(999.7), "1.0s");
        assert_eq!(duration_ms(1234.0), "1.2s");
        assert_eq!(duration_ms(9960.0), "10s");
        assert_eq!(duration_ms(20_400.0), "20s");
        assert_eq!(duration_ms(185_000.0), "3m05s");
        assert_eq!(duration_ms(7_380_000.0), "2h03m");
        assert_eq!(duration_ms(f64::NAN), "?");
        assert_eq!(duration_ms(-1.0), "?");
    }

    #[test]
    fn clean_neutralises_terminal_escapes() {
        assert_eq!(clean("a\u{1b}[2Jb\tc\r\n"), "a␛[2Jb c  ");
        assert_eq!(clean("x\u{7}y\u{202e}z"), "x\u{fffd}y\u{fffd}z");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit("hello world", 6), "hello…");
        assert_eq!(fit("hello", 0), "");
        assert_eq!(fit("✓✓✓", 2), "✓…");
        assert_eq!(pad("ab", 4), "ab  ");
    }

    #[test]
    fn cuts_after_words_keep_them_whole() {
        assert_eq!(cut_after_word("one two three", 13), "one two …");
        assert_eq!(cut_after_word("one two", 9), "one two …");
        assert_eq!(fit_words("one two", 7), "one two");
        assert_eq!(
            fit_words("inventory reloaded: 7 warnings", 25),
            "inventory reloaded: 7 …"
        );
        assert_eq!(fit_words("abcdefghij", 5), "abcd…");
        assert!(width(&cut_after_word("a b c d e f g", 6)) <= 6);
    }

    #[test]
    fn chunk_keeps_spaces() {
        assert_eq!(chunk("a  b  c", 3), vec!["a", "b", "c"]);
        assert_eq!(chunk("x   yy", 6), vec!["x   yy"]);
        assert_eq!(chunk("abcdef gh", 4), vec!["abcd", "ef", "gh"]);
        assert_eq!(chunk("", 3), vec![""]);
    }

    #[test]
    fn wrap_breaks_on_words_and_splits_long_ones() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert!(wrap("a b c d e f", 3).iter().all(|l| width(l) <= 3));
    }

    #[test]
    fn huge_lines_wrap_in_linear_time() {
        let line = "x".repeat(2_000_000);
        let started = std::time::Instant::now();
        let pieces = chunk(&line, 80);
        assert_eq!(pieces.len(), 25_000);
        let words = wrap(&line, 80);
        assert_eq!(words.len(), 25_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_list_without_spaces_wraps_after_its_commas() {
        let text =
            "the server offers curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha1";
        let lines = wrap(text, 40);
        assert_eq!(
            lines,
            [
                "the server offers curve25519-sha256,",
                "ecdh-sha2-nistp256,",
                "diffie-hellman-group14-sha1"
            ]
        );
        let pieces = chunk(
            "    12ms ← KEXINIT kex=curve25519-sha256,ecdh-sha2-nistp256",
            30,
        );
        assert_eq!(
            pieces,
            [
                "    12ms ← KEXINIT",
                "kex=curve25519-sha256,",
                "ecdh-sha2-nistp256"
            ]
        );
        assert_eq!(
            wrap(&"x".repeat(25), 10).len(),
            3,
            "a long piece is still split"
        );
        assert_eq!(
            wrap(r#"pip install "paramiko>=3.5,<4" beside"#, 28),
            ["pip install", r#""paramiko>=3.5,<4" beside"#]
        );
    }
}
