//! Shell output as the transcript shows it. Devices send output in packets of any size, down
//! to one byte each: a secret a device echoes one character per packet would reach the
//! transcript in pieces no redactor recognises. So output is logged in whole lines, masked
//! once reassembled; a line end still pending is held back while its end could be the start
//! of a secret; and the echo that follows a secret we sent is dropped up to the line end.

use crate::secret::Redactor;

/// A line that never ends is still logged, in pieces of about this size.
const MAX_PENDING: usize = 16 * 1024;

#[derive(Debug, Default)]
pub struct ShellLog {
    /// Received bytes of the current line, not logged yet.
    pending: Vec<u8>,
    /// A secret was just sent: what comes up to the next line end is its echo, if anything.
    suppressing: bool,
    /// Something other than a line end was dropped as echo.
    dropped_echo: bool,
}

/// What a chunk of output adds to the transcript.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Logged {
    /// Whole lines (raw text, not yet normalised or redacted).
    pub lines: Vec<String>,
    /// The device echoed a secret we sent: say so, without the echo.
    pub echo_dropped: bool,
}

impl ShellLog {
    /// Takes a chunk of output; returns the lines it completed.
    pub fn push(&mut self, data: &[u8]) -> Logged {
        let mut logged = Logged::default();
        let mut rest = data;
        if self.suppressing {
            match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.dropped_echo |= rest[..end].iter().any(|b| !b.is_ascii_whitespace());
                    rest = &rest[end + 1..];
                    self.suppressing = false;
                    logged.echo_dropped = std::mem::take(&mut self.dropped_echo);
                }
                None => {
                    self.dropped_echo |= rest.iter().any(|b| !b.is_ascii_whitespace());
                    return logged;
                }
            }
        }
        self.pending.extend_from_slice(rest);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            logged
                .lines
                .push(String::from_utf8_lossy(&line).into_owned());
        }
        if self.pending.len() > MAX_PENDING {
            let line = std::mem::take(&mut self.pending);
            logged
                .lines
                .push(String::from_utf8_lossy(&line).into_owned());
        }
        logged
    }

    /// The pending part of the line (a prompt waiting for input), minus any end of it that
    /// could be the start of a secret: that stays pending.
    pub fn flush(&mut self, redactor: &Redactor) -> Option<String> {
        if self.pending.is_empty() {
            return None;
        }
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        let held = redactor.unfinished_len(&text);
        let shown = text[..text.len() - held].to_owned();
        self.pending = text.as_bytes()[text.len() - held..].to_vec();
        (!shown.is_empty()).then_some(shown)
    }

    /// We are sending a secret: drop what comes back up to the next line end.
    pub fn secret_sent(&mut self) {
        self.suppressing = true;
        self.dropped_echo = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn log_all(log: &mut ShellLog, chunks: &[&[u8]], redactor: &Redactor) -> String {
        let mut out = String::new();
        for chunk in chunks {
            for line in log.push(chunk).lines {
                out.push_str(&redactor.redact(&line));
            }
        }
        if let Some(rest) = log.flush(redactor) {
            out.push_str(&redactor.redact(&rest));
        }
        out
    }

    #[test]
    fn a_secret_printed_one_byte_per_packet_is_masked_whole() {
        let r = Redactor::new(&[Secret::new("s3cr3t-pw")]);
        let text = b"banner: s3cr3t-pw here\r\nr1>";
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        let out = log_all(&mut ShellLog::default(), &chunks, &r);
        assert_eq!(out, "banner: ******** here\r\nr1>");
    }

    #[test]
    fn a_secret_split_in_two_packets_is_masked_whole() {
        let r = Redactor::new(&[Secret::new("s3cr3t-pw")]);
        let out = log_all(&mut ShellLog::default(), &[b"x s3cr", b"3t-pw y\n"], &r);
        assert_eq!(out, "x ******** y\n");
    }

    #[test]
    fn a_pending_start_of_a_secret_is_held_back_at_a_flush() {
        let r = Redactor::new(&[Secret::new("s3cr3t-pw")]);
        let mut log = ShellLog::default();
        assert!(log.push(b"Password: s3c").lines.is_empty());
        assert_eq!(log.flush(&r).as_deref(), Some("Password: "));
        assert!(log.push(b"r3t-pw\n").lines == vec!["s3cr3t-pw\n".to_owned()]);
    }

    #[test]
    fn the_echo_of_a_sent_secret_is_dropped_up_to_the_line_end() {
        let r = Redactor::new(&[Secret::new("s3cr3t-pw")]);
        let mut log = ShellLog::default();
        assert!(log.push(b"Password: ").lines.is_empty());
        assert_eq!(log.flush(&r).as_deref(), Some("Password: "));
        log.secret_sent();
        // Echoed in pieces, then the line end and the prompt.
        for piece in [&b"s3"[..], b"cr3", b"t-p"] {
            assert_eq!(log.push(piece), Logged::default());
        }
        let last = log.push(b"w\r\nr1#");
        assert!(last.echo_dropped);
        assert!(last.lines.is_empty());
        assert_eq!(log.flush(&r).as_deref(), Some("r1#"));
    }

    #[test]
    fn no_echo_means_nothing_is_reported_dropped() {
        let mut log = ShellLog::default();
        log.secret_sent();
        let logged = log.push(b"\r\nr1#");
        assert!(!logged.echo_dropped);
        assert_eq!(log.flush(&Redactor::default()).as_deref(), Some("r1#"));
    }

    #[test]
    fn an_endless_line_is_logged_in_bounded_pieces() {
        let mut log = ShellLog::default();
        let chunk = vec![b'x'; 4096];
        let mut lines = 0;
        for _ in 0..10 {
            lines += log.push(&chunk).lines.len();
        }
        assert_eq!(lines, 2);
        assert!(log.pending.len() <= MAX_PENDING);
    }
}
