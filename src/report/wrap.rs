//! Word wrapping for the table on a terminal: lines break after a space or a comma (the
//! algorithm lists are long comma-separated words); a word longer than a line is cut.

/// `text` in lines of at most `first` columns for the first and `rest` for the others. The
/// first line is empty when `first` is too narrow to hold anything useful.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let rest = rest.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut limit = first;
    if first < MIN_FIRST {
        lines.push(String::new());
        limit = rest;
    }
    for (piece, spaced) in pieces(text) {
        let len = piece.chars().count();
        let used = line.chars().count();
        let gap = usize::from(spaced && !line.is_empty());
        if used + gap + len <= limit {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(&piece);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            limit = rest;
        }
        // A piece wider than a whole line is cut where the line ends.
        let mut chars: Vec<char> = piece.chars().collect();
        while chars.len() > limit {
            lines.push(chars.drain(..limit).collect());
            limit = rest;
        }
        line = chars.into_iter().collect();
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Below this, the first line starts empty and the text goes below.
const MIN_FIRST: usize = 8;

/// The pieces a line may break between, each with whether a space precedes it: words, and
/// inside a word the parts after each comma.
fn pieces(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut spaced = true;
        let mut part = String::new();
        for c in word.chars() {
            part.push(c);
            if c == ',' {
                out.push((std::mem::take(&mut part), spaced));
                spaced = false;
            }
        }
        if !part.is_empty() {
            out.push((part, spaced));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_at_spaces_and_after_commas() {
        assert_eq!(
            wrap("the quick brown fox jumps", 10, 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(
            wrap("offers curve25519-sha256,ecdh-sha2-nistp256,dh-g14", 20, 20),
            [
                "offers",
                "curve25519-sha256,",
                "ecdh-sha2-nistp256,",
                "dh-g14"
            ]
        );
        // Nothing is lost or reordered.
        let text = "a bb ccc,dddd eeeee,ffffff ggggggg";
        for width in 1..40 {
            let joined = wrap(text, width, width).concat();
            assert_eq!(joined.replace(' ', ""), text.replace(' ', ""), "{width}");
            for line in wrap(text, width.max(MIN_FIRST), width) {
                assert!(
                    line.chars().count() <= width.max(MIN_FIRST),
                    "{width}: {line}"
                );
            }
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_and_a_narrow_first_line_stays_empty() {
        assert_eq!(wrap("abcdefghij kl", 8, 4), ["abcdefgh", "ij", "kl"]);
        assert_eq!(wrap("one two", 3, 10), ["", "one two"]);
        assert_eq!(wrap("fits", 20, 20), ["fits"]);
    }
}
