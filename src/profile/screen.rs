//! A minimal terminal model: rows of characters and a cursor that text, carriage returns,
//! backspaces and a handful of cursor/erase sequences act on. Just enough to recover the picture a
//! device paints, including status toolbars drawn below the prompt (SR Linux's prompt_toolkit CLI)
//! before the cursor goes back up to the prompt line.

use std::collections::VecDeque;

/// Rows the cursor can still move back into. Older rows are frozen as text; no real screen is
/// this tall, and the cap bounds memory on hostile input.
const LIVE_ROWS: usize = 256;

pub(super) struct Screen {
    /// Rows scrolled out of reach, each ending in `\n`.
    frozen: String,
    /// Never empty; the last row is the bottom of the screen.
    rows: VecDeque<Vec<char>>,
    row: usize,
    col: usize,
    saved: (usize, usize),
}

impl Default for Screen {
    fn default() -> Self {
        Screen {
            frozen: String::new(),
            rows: VecDeque::from([Vec::new()]),
            row: 0,
            col: 0,
            saved: (0, 0),
        }
    }
}

impl Screen {
    fn line(&mut self) -> &mut Vec<char> {
        let row = self.row;
        &mut self.rows[row]
    }

    pub(super) fn put(&mut self, c: char) {
        let col = self.col;
        let line = self.line();
        match line.get_mut(col) {
            Some(slot) => *slot = c,
            None => line.push(c),
        }
        self.col += 1;
    }

    pub(super) fn carriage_return(&mut self) {
        self.col = 0;
    }

    pub(super) fn backspace(&mut self) {
        self.col = self.col.saturating_sub(1);
    }

    /// Devices end lines with `\r\n` or a bare `\n`; both start the next row at column 0.
    pub(super) fn newline(&mut self) {
        self.col = 0;
        if self.row + 1 < self.rows.len() {
            self.row += 1;
            return;
        }
        self.rows.push_back(Vec::new());
        self.row += 1;
        if self.rows.len() > LIVE_ROWS
            && let Some(oldest) = self.rows.pop_front()
        {
            freeze(&mut self.frozen, oldest);
            self.row -= 1;
            self.saved.0 = self.saved.0.saturating_sub(1);
        }
    }

    pub(super) fn up(&mut self, n: usize) {
        self.row = self.row.saturating_sub(n.max(1));
    }

    pub(super) fn down(&mut self, n: usize) {
        self.row = self.row.saturating_add(n.max(1)).min(self.rows.len() - 1);
    }

    pub(super) fn left(&mut self, n: usize) {
        self.col = self.col.saturating_sub(n.max(1));
    }

    /// Never past the text already on the row: padding with blanks would let a few input bytes
    /// allocate unbounded memory.
    pub(super) fn right(&mut self, n: usize) {
        let len = self.rows[self.row].len();
        self.col = self.col.saturating_add(n.max(1)).min(len);
    }

    /// 1-based column, bounded like [`Screen::right`].
    pub(super) fn column(&mut self, n: usize) {
        let len = self.rows[self.row].len();
        self.col = (n.max(1) - 1).min(len);
    }

    pub(super) fn save(&mut self) {
        self.saved = (self.row, self.col);
    }

    pub(super) fn restore(&mut self) {
        self.row = self.saved.0.min(self.rows.len() - 1);
        let len = self.rows[self.row].len();
        self.col = self.saved.1.min(len);
    }

    /// CSI K: 0 cursor to end, 1 start to cursor, 2 whole row.
    pub(super) fn erase_in_line(&mut self, mode: usize) {
        let col = self.col;
        let line = self.line();
        match mode {
            0 => line.truncate(col),
            1 => {
                let end = (col + 1).min(line.len());
                line[..end].fill(' ');
            }
            _ => line.clear(),
        }
    }

    /// CSI J: 0 cursor to end of screen; 2 and 3 clear it (kept as scrollback, since the
    /// absolute screen position is unknown); 1 is rare and ignored.
    pub(super) fn erase_in_display(&mut self, mode: usize) {
        match mode {
            0 => {
                let col = self.col;
                self.line().truncate(col);
                self.rows.truncate(self.row + 1);
            }
            2 | 3 => {
                for row in self.rows.drain(..) {
                    freeze(&mut self.frozen, row);
                }
                self.rows.push_back(Vec::new());
                (self.row, self.col, self.saved) = (0, 0, (0, 0));
            }
            _ => {}
        }
    }

    /// All rows. With `upto_cursor`, rows below the cursor's row are left out: a prompt is where
    /// the cursor rests, and anything drawn below it is a toolbar or status line. Every row but
    /// the last loses trailing blanks (leftovers of erasures).
    pub(super) fn into_text(mut self, upto_cursor: bool) -> String {
        if upto_cursor {
            self.rows.truncate(self.row + 1);
        }
        let last = self.rows.pop_back().unwrap_or_default();
        for row in self.rows {
            freeze(&mut self.frozen, row);
        }
        self.frozen.extend(last);
        self.frozen
    }
}

fn freeze(frozen: &mut String, mut row: Vec<char>) {
    while matches!(row.last(), Some(' ' | '\t')) {
        row.pop();
    }
    frozen.extend(row);
    frozen.push('\n');
}
