//! Human output of `check`: one line per device in inventory order, then a summary by the
//! stage where devices stopped. In a pipe every item is one line; on a terminal
//! (`Options::width`) lines wrap at word boundaries under their column, and verdicts are
//! coloured (`Options::colour`). Commands to paste are never wrapped: a line break would
//! run half of one.
//!
//! ```text
//! device   address          client       reached       result
//! wan-r1   127.0.0.1:22401  openssh-9.2  prompt        ok, warn host_key/unknown: …  (493ms)
//!          run: sshtriage known-hosts accept wan-r1 lab.toml
//! ```

use super::Options;
use super::facts::{
    address, beyond, client, commands, duration, named_by_address, reached, verdict,
};
use super::wrap::wrap;
use crate::model::{DeviceReport, Stage};
use crate::present::printable;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Every device of a run, then the summary, one line per item (as for a pipe).
pub fn render(reports: &[DeviceReport]) -> String {
    let rows: Vec<&DeviceReport> = reports.iter().collect();
    render_rows(&rows, reports, &Options::default())
}

/// One line per device of `rows` (all of a run, or its failing ones under `--quiet`), then the
/// summary of the whole run (`all`).
pub fn render_rows(rows: &[&DeviceReport], all: &[DeviceReport], options: &Options) -> String {
    let layout = Layout::new(rows, options);
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(&layout.header());
    }
    for r in rows {
        layout.device(&mut out, r);
    }
    let summary = summary_with(all, options);
    // Under --quiet with nothing failing, the summary is all there is.
    out.push_str(if rows.is_empty() {
        summary.trim_start_matches('\n')
    } else {
        &summary
    });
    out
}

/// Column widths, and how lines wrap and are coloured.
struct Layout {
    name: usize,
    /// None when every device's name is its address: the column would repeat it.
    address: Option<usize>,
    client: usize,
    width: Option<usize>,
    colour: bool,
}

/// `reached` column width: `auth_methods`.
const REACHED: usize = 12;
/// A wrapped text keeps at least this many columns beside its indent, else it moves left.
const MIN_TEXT: usize = 40;

impl Layout {
    fn new(rows: &[&DeviceReport], options: &Options) -> Layout {
        let widest = |f: &dyn Fn(&DeviceReport) -> usize, min: usize, max: usize| {
            rows.iter()
                .map(|r| f(r))
                .max()
                .unwrap_or(min)
                .clamp(min, max)
        };
        let show_address = rows.iter().any(|r| !named_by_address(r));
        Layout {
            name: widest(&|r| printable(&r.name).chars().count(), 4, 28),
            address: show_address.then(|| widest(&|r| address_cell(r).chars().count(), 7, 32)),
            client: widest(&|r| client(r).chars().count(), 6, 16),
            width: options.width,
            colour: options.colour,
        }
    }

    fn header(&self) -> String {
        let mut line = format!("{:<w$}  ", "device", w = self.name);
        if let Some(w) = self.address {
            let _ = write!(line, "{:<w$}  ", "address");
        }
        let _ = writeln!(
            line,
            "{:<cw$}  {:<REACHED$}  result",
            "client",
            "reached",
            cw = self.client
        );
        line
    }

    /// The columns before the result, padded.
    fn prefix(&self, r: &DeviceReport) -> String {
        let mut line = format!("{:<w$}  ", clip(&r.name, self.name), w = self.name);
        if let Some(w) = self.address {
            let _ = write!(line, "{:<w$}  ", clip(&address_cell(r), w));
        }
        let _ = write!(
            line,
            "{:<cw$}  {:<REACHED$}  ",
            clip(&client(r), self.client),
            reached(r),
            cw = self.client
        );
        line
    }

    fn device(&self, out: &mut String, r: &DeviceReport) {
        let prefix = self.prefix(r);
        let result = format!("{}  ({})", printable(&verdict(r)), duration(r.elapsed_ms));
        let start = prefix.chars().count();
        let mut lines = self.wrap_at(&result, start, start);
        if let Some(first) = lines.iter_mut().find(|l| !l.trim().is_empty()) {
            *first = self.paint_status(first);
        }
        for (i, line) in lines.iter().enumerate() {
            match i {
                0 => writeln!(out, "{}", format!("{prefix}{line}").trim_end()),
                _ => writeln!(out, "{line}"),
            }
            .unwrap_or_default();
        }
        let pad = " ".repeat(self.sub_indent());
        for command in commands(r) {
            let _ = writeln!(out, "{pad}run: {}", printable(&command));
        }
        for line in beyond(r) {
            self.sub_line(out, &printable(&line));
        }
        for group in crate::present::compatibility_groups(r) {
            self.sub_line(out, &format!("{}: {}", group.clients, group.verdict));
        }
        if let Some(transfer) = &r.transfer {
            self.sub_line(
                out,
                &format!("transfer: {}", printable(&transfer.summary())),
            );
        }
        if let Some(hk) = r.host_key.as_ref().filter(|hk| !hk.shared_with.is_empty()) {
            let more = match hk.shared_count.saturating_sub(hk.shared_with.len()) {
                0 => String::new(),
                more => format!(" and {more} more"),
            };
            let note = format!(
                "note: same host key as {}{more} (cloned image?)",
                printable(&hk.shared_with.join(", "))
            );
            self.sub_line(out, &note);
        }
    }

    /// Lines under a device start under its name's end; continuations two further in.
    fn sub_line(&self, out: &mut String, text: &str) {
        let indent = self.sub_indent();
        for (i, line) in self.wrap_at(text, indent, indent + 2).iter().enumerate() {
            match i {
                0 => writeln!(out, "{:indent$}{line}", ""),
                _ => writeln!(out, "{line}"),
            }
            .unwrap_or_default();
        }
    }

    fn sub_indent(&self) -> usize {
        match self.width {
            Some(w) if w < self.name + 2 + MIN_TEXT => 4,
            _ => self.name + 2,
        }
    }

    /// `text` starting at column `first_at`, continued at `then_at` (moved left to 4 when
    /// that leaves too little room); the first element holds no indent, the others theirs.
    /// Without a width, one line.
    fn wrap_at(&self, text: &str, first_at: usize, then_at: usize) -> Vec<String> {
        let Some(width) = self.width else {
            return vec![text.to_owned()];
        };
        if first_at + text.chars().count() <= width {
            return vec![text.to_owned()];
        }
        let then_at = if width >= then_at + MIN_TEXT {
            then_at
        } else {
            4
        };
        let mut lines = wrap(text, width.saturating_sub(first_at), width - then_at);
        for line in lines.iter_mut().skip(1) {
            line.insert_str(0, &" ".repeat(then_at));
        }
        lines
    }

    /// The verdict's first word in its colour: FAIL red, ok green, warn yellow.
    fn paint_status(&self, line: &str) -> String {
        if !self.colour {
            return line.to_owned();
        }
        let lead = line.len() - line.trim_start().len();
        let (space, text) = line.split_at(lead);
        for (word, sgr) in [("FAIL", RED), ("ok, warn", YELLOW), ("ok", GREEN)] {
            if let Some(rest) = text.strip_prefix(word) {
                return format!("{space}{}{rest}", paint(word, sgr));
            }
        }
        line.to_owned()
    }
}

/// The address, or nothing when the name already says it (`--host 127.0.0.1:2222`).
fn address_cell(r: &DeviceReport) -> String {
    if named_by_address(r) {
        String::new()
    } else {
        address(r)
    }
}

const RED: &str = "1;31";
const GREEN: &str = "32";
const YELLOW: &str = "33";

/// `text` between an SGR colour and a reset; the text is ours (a status word, a count).
fn paint(text: &str, sgr: &str) -> String {
    format!("\x1b[{sgr}m{text}\x1b[0m")
}

/// The summary, one line per item.
pub fn summary(reports: &[DeviceReport]) -> String {
    summary_with(reports, &Options::default())
}

/// How many devices passed and failed, then the failing ones by stage: the names wrap under
/// themselves on a terminal, counts are coloured there.
fn summary_with(reports: &[DeviceReport], options: &Options) -> String {
    let failed: Vec<&DeviceReport> = reports.iter().filter(|r| !r.passed()).collect();
    let mut by_stage: BTreeMap<Stage, Vec<&str>> = BTreeMap::new();
    for r in &failed {
        if let Some(f) = &r.failure {
            by_stage.entry(f.stage).or_default().push(&r.name);
        }
    }
    let colour = |text: String, sgr: &str, on: bool| match on && options.colour {
        true => paint(&text, sgr),
        false => text,
    };
    let passed = reports.len() - failed.len();
    let mut out = format!(
        "\n{} device(s): {}, {}\n",
        reports.len(),
        colour(format!("{passed} passed"), GREEN, passed > 0),
        colour(format!("{} failed", failed.len()), RED, !failed.is_empty())
    );
    for (stage, names) in by_stage {
        // The rows above name every device; the summary names the first few.
        let shown = names.len().min(SUMMARY_NAMES);
        let mut list = names[..shown].join(", ");
        if names.len() > shown {
            let _ = write!(list, " and {} more", names.len() - shown);
        }
        let head = format!("  fail at {:<12} {:>3}  ", stage.name(), names.len());
        let at = head.chars().count();
        let names = printable(&list);
        let lines = match options.width {
            Some(width) if at + names.chars().count() > width => {
                let then = if width >= at + 20 { at } else { 4 };
                wrap(&names, width.saturating_sub(at), width - then)
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        if i == 0 {
                            l
                        } else {
                            format!("{:then$}{l}", "")
                        }
                    })
                    .collect()
            }
            _ => vec![names],
        };
        let head = head.replacen("fail at", &colour("fail at".into(), RED, true), 1);
        let _ = writeln!(out, "{}", format!("{head}{}", lines[0]).trim_end());
        for line in &lines[1..] {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// Devices named per stage in the summary.
const SUMMARY_NAMES: usize = 8;

/// Names and addresses come from files and DNS: cleaned, then clipped.
fn clip(text: &str, max: usize) -> String {
    crate::wire::ident::clip(&printable(text), max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Failure;
    use crate::model::Reason;

    #[test]
    fn hostile_names_and_messages_cannot_drive_the_terminal() {
        let report = DeviceReport {
            name: "r1\u{1b}]0;owned\u{7}".into(),
            host: "127.0.0.1".into(),
            port: 22,
            failure: Some(Failure {
                stage: Stage::Banner,
                reason: Reason::BannerNotSsh,
                message: "answered \u{1b}[2J\nFAKE ok line".into(),
            }),
            ..Default::default()
        };
        let out = render(&[report]);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("␛[2J"), "{out}");
        // One device line, a blank line and the summary: the message made no line of its own.
        assert!(!out.lines().any(|l| l.starts_with("FAKE")), "{out}");
    }

    #[test]
    fn the_summary_names_a_few_devices_per_stage_and_counts_the_rest() {
        let reports: Vec<DeviceReport> = (0..300)
            .map(|i| DeviceReport {
                name: format!("d{i}"),
                host: "127.0.0.1".into(),
                port: 22,
                failure: Some(Failure {
                    stage: Stage::Tcp,
                    reason: Reason::TcpRefused,
                    message: "refused".into(),
                }),
                ..Default::default()
            })
            .collect();
        let text = summary(&reports);
        let line = text
            .lines()
            .find(|l| l.contains("fail at tcp"))
            .expect("a tcp line");
        assert!(
            line.ends_with("d0, d1, d2, d3, d4, d5, d6, d7 and 292 more"),
            "{line}"
        );
    }

    fn refused(name: &str, host: &str, port: u16) -> DeviceReport {
        DeviceReport {
            name: name.into(),
            host: host.into(),
            port,
            reached: Some(Stage::Dns),
            failure: Some(Failure {
                stage: Stage::Tcp,
                reason: Reason::TcpRefused,
                message: format!(
                    "{host}:{port} refused the connection: nothing listens on port {port} (SSH not enabled, wrong port, or the device is still booting)"
                ),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_device_named_by_its_address_shows_it_once() {
        // `--host 127.0.0.1:2222` names the device by its address: no address column.
        let out = render(&[refused("127.0.0.1:2222", "127.0.0.1", 2222)]);
        let header = out.lines().next().expect("header");
        assert!(!header.contains("address"), "{out}");
        let row = out.lines().nth(1).expect("row");
        assert!(row.starts_with("127.0.0.1:2222  -"), "{out}");
        let columns = row.split("FAIL").next().expect("columns");
        assert_eq!(columns.matches("127.0.0.1:2222").count(), 1, "{row}");
        // Beside a named device, its address cell is left empty.
        let out = render(&[
            refused("127.0.0.1", "127.0.0.1", 22),
            refused("r1", "127.0.0.1", 2201),
        ]);
        let rows: Vec<&str> = out.lines().collect();
        assert!(
            rows[0].starts_with("device     address         client"),
            "{out}"
        );
        assert!(
            rows[1].starts_with("127.0.0.1                  -  "),
            "{out}"
        );
        assert!(
            rows[2].starts_with("r1         127.0.0.1:2201  -  "),
            "{out}"
        );
    }

    #[test]
    fn stages_are_named_as_json_names_them() {
        let mut r = refused("r1", "127.0.0.1", 22);
        r.reached = Some(Stage::HostKey);
        r.failure = Some(Failure {
            stage: Stage::AuthMethods,
            reason: Reason::NoUsableMethod,
            message: "only publickey".into(),
        });
        let out = render(&[r]);
        assert!(
            out.contains("  host_key      FAIL auth_methods/no_usable_method: "),
            "{out}"
        );
        assert!(out.contains("  fail at auth_methods   1  r1"), "{out}");
        for title in [" host key ", " methods ", " hky ", " mth "] {
            assert!(!out.contains(title), "{title}: {out}");
        }
    }

    fn wrapped(width: usize, colour: bool) -> String {
        let mut r = refused("legacy-r3", "127.0.0.1", 2203);
        r.stages = vec![crate::model::StageResult {
            stage: Stage::Tcp,
            status: crate::model::Status::Fail,
            elapsed_ms: 1.0,
            reason: Some(Reason::TcpRefused),
            detail: String::new(),
            beyond: None,
            commands: vec![crate::model::ShellCommand::sshtriage([
                "fix",
                "algorithms",
                "legacy-r3",
                "/a/rather/long/path/to/the/lab/inventory/sshtriage.toml",
            ])],
        }];
        let rows = [&r];
        let options = Options {
            width: Some(width),
            colour,
            ..Options::default()
        };
        render_rows(&rows, std::slice::from_ref(&r), &options)
    }

    #[test]
    fn on_a_narrow_terminal_lines_wrap_at_words_and_commands_stay_whole() {
        let out = wrapped(60, false);
        for line in out.lines() {
            if !line.trim_start().starts_with("run: ") {
                assert!(line.chars().count() <= 60, "{}: {line}\n{out}", line.len());
            }
        }
        // Words are not cut: every word of the message is on some line, whole.
        for word in ["refused", "connection:", "booting)"] {
            assert!(out.split_whitespace().any(|w| w == word), "{word}: {out}");
        }
        assert!(
            out.contains("  run: sshtriage fix algorithms legacy-r3 /a/rather/long/path/to/the/lab/inventory/sshtriage.toml\n"),
            "{out}"
        );
        // In a pipe, one line per item, as before.
        let plain = render(&[refused("legacy-r3", "127.0.0.1", 2203)]);
        assert_eq!(plain.lines().count(), 5, "{plain}");
    }

    #[test]
    fn colour_marks_the_verdicts_and_nothing_else() {
        let out = wrapped(200, true);
        assert!(out.contains("\x1b[1;31mFAIL\x1b[0m tcp/refused"), "{out:?}");
        assert!(out.contains("\x1b[1;31m1 failed\x1b[0m"), "{out:?}");
        assert!(out.contains("  \x1b[1;31mfail at\x1b[0m tcp "), "{out:?}");
        assert_eq!(out.matches('\x1b').count(), 6, "{out:?}");
        assert!(!wrapped(200, false).contains('\x1b'));
    }
}
