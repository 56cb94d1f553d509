//! Which lines an edit removes and adds, numbered, for showing a change before it is made.
//! Edits here touch one device entry, so the common head and tail are trimmed first and only
//! the small middle is compared line by line.

/// Beyond this many lines in the changed middle, every old line is shown removed and every
/// new one added instead of comparing them (bounds time and memory on hostile input).
const MAX_COMPARED_LINES: usize = 2000;

/// One side of a change: the 1-based line number and its text (no line ending).
pub type NumberedLine<'a> = (usize, &'a str);

/// Lines of `before` that are gone and lines of `after` that are new, each numbered in its
/// own text.
pub fn line_changes<'a>(
    before: &'a str,
    after: &'a str,
) -> (Vec<NumberedLine<'a>>, Vec<NumberedLine<'a>>) {
    let old: Vec<&str> = lines(before);
    let new: Vec<&str> = lines(after);
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_mid = &old[head..old.len() - tail];
    let new_mid = &new[head..new.len() - tail];
    let (keep_old, keep_new) =
        if old_mid.len() <= MAX_COMPARED_LINES && new_mid.len() <= MAX_COMPARED_LINES {
            common(old_mid, new_mid)
        } else {
            (vec![false; old_mid.len()], vec![false; new_mid.len()])
        };
    let whole = |keep_mid: Vec<bool>, total: usize| {
        let mut keep = vec![true; total];
        keep[head..head + keep_mid.len()].copy_from_slice(&keep_mid);
        keep
    };
    let mut keep_old = whole(keep_old, old.len());
    let mut keep_new = whole(keep_new, new.len());
    slide_up(&old, &mut keep_old);
    slide_up(&new, &mut keep_new);
    let changed = |text: &[&'a str], keep: &[bool]| -> Vec<NumberedLine<'a>> {
        text.iter()
            .zip(keep)
            .enumerate()
            .filter(|(_, (_, kept))| !**kept)
            .map(|(i, (line, _))| (i + 1, *line))
            .collect()
    };
    (changed(&old, &keep_old), changed(&new, &keep_new))
}

/// Moves each run of changed lines up while the line above it equals the run's last line,
/// so an added block reads "blank line, table" rather than "table, blank line".
fn slide_up(text: &[&str], keep: &mut [bool]) {
    let mut end = 0;
    while end < keep.len() {
        if keep[end] {
            end += 1;
            continue;
        }
        let mut start = end;
        while end + 1 < keep.len() && !keep[end + 1] {
            end += 1;
        }
        while start > 0 && keep[start - 1] && text[start - 1] == text[end] {
            keep[start - 1] = false;
            keep[end] = true;
            start -= 1;
            end -= 1;
        }
        end += 1;
        // Skip past the run (now possibly shorter at its end).
        while end < keep.len() && !keep[end] {
            end += 1;
        }
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n')
        .map(|l| l.trim_end_matches('\n').trim_end_matches('\r'))
        .collect()
}

/// Marks the lines of a longest common subsequence of `a` and `b`.
fn common(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    let (n, m) = (a.len(), b.len());
    // lengths[i][j]: LCS length of a[i..] and b[j..].
    let mut lengths = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lengths[i][j] = if a[i] == b[j] {
                lengths[i + 1][j + 1] + 1
            } else {
                lengths[i + 1][j].max(lengths[i][j + 1])
            };
        }
    }
    let (mut keep_a, mut keep_b) = (vec![false; n], vec![false; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            keep_a[i] = true;
            keep_b[j] = true;
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (keep_a, keep_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_and_an_added_line() {
        let before = "a\nkex = \"+x\"\nmac = \"m\"\n\nnext\n";
        let after = "a\nkex = \"+x,y\"\nmac = \"m\"\ncipher = \"+c\"\n\nnext\n";
        let (removed, added) = line_changes(before, after);
        assert_eq!(removed, vec![(2, "kex = \"+x\"")]);
        assert_eq!(added, vec![(2, "kex = \"+x,y\""), (4, "cipher = \"+c\"")]);
    }

    #[test]
    fn pure_insertion_and_identical_texts() {
        let (removed, added) = line_changes("a\nb\n", "a\n\n[t]\nk = 1\nb\n");
        assert!(removed.is_empty());
        assert_eq!(added, vec![(2, ""), (3, "[t]"), (4, "k = 1")]);
        let (_, added) = line_changes("a\n\nb\n", "a\n\n[t]\nk = 1\n\nb\n");
        assert_eq!(added, vec![(2, ""), (3, "[t]"), (4, "k = 1")], "slid up");
        let (_, added) = line_changes("x = 1\n\n[n]\n", "x = 1\n\n[t]\nk = 2\n\n[n]\n");
        assert_eq!(added, vec![(2, ""), (3, "[t]"), (4, "k = 2")]);
        let (removed, added) = line_changes("same\r\n", "same\r\n");
        assert!(removed.is_empty() && added.is_empty());
    }

    #[test]
    fn a_huge_middle_is_not_compared() {
        let before: String = (0..3000).map(|i| format!("{i}\n")).collect();
        let after: String = (0..3000).map(|i| format!("x{i}\n")).collect();
        let (removed, added) = line_changes(&before, &after);
        assert_eq!((removed.len(), added.len()), (3000, 3000));
    }
}
