//! `--output markdown`: for a ticket. A heading with the counts, a table of devices (name,
//! address, client, reached, result), then one item per failure with what to do and the
//! commands that fix it.
//!
//! ```text
//! ## sshtriage check: 3 devices, 1 passed, 2 failed
//!
//! | device | address | client | reached | result |
//! |---|---|---|---|---|
//! | old-sw1 | 127.0.0.1:22402 | openssh-9.2 | banner | FAIL `kex/no_common_kex` |
//!
//! ### Failures
//!
//! - **old-sw1** failed at `kex/no_common_kex`: no key exchange algorithm in common: …
//!   - What to do: …
//!   - Run: `sshtriage fix algorithms old-sw1 lab.toml`
//! ```
//!
//! Text from devices and files is made printable, then escaped so it cannot open a link,
//! an HTML tag, a code span or a table cell; commands are code spans that hold any text.

use super::facts::{self, address, beyond, client, commands, reached, warning_stages};
use crate::model::DeviceReport;
use crate::present::printable;
use std::fmt::Write;

/// `rows` (all devices, or the failing ones under `--quiet`); the heading counts `all`.
pub fn render(rows: &[&DeviceReport], all: &[DeviceReport]) -> String {
    let failed = all.iter().filter(|r| !r.passed()).count();
    let mut out = format!(
        "## sshtriage check: {} device(s), {} passed, {failed} failed\n",
        all.len(),
        all.len() - failed
    );
    if !rows.is_empty() {
        out.push_str("\n| device | address | client | reached | result |\n");
        out.push_str("|---|---|---|---|---|\n");
    }
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            text(&r.name),
            text(&address(r)),
            text(&client(r)),
            reached(r),
            result_cell(r)
        );
    }
    let items: Vec<String> = rows.iter().filter_map(|r| failure_item(r)).collect();
    if !items.is_empty() {
        out.push_str("\n### Failures\n\n");
        for item in items {
            out.push_str(&item);
        }
    }
    let warned: Vec<String> = rows.iter().filter_map(|r| warning_item(r)).collect();
    if !warned.is_empty() {
        out.push_str("\n### Warnings\n\n");
        for item in warned {
            out.push_str(&item);
        }
    }
    out
}

/// The table's short result: the stage and reason, the message goes below the table.
fn result_cell(r: &DeviceReport) -> String {
    match &r.failure {
        Some(f) => format!("FAIL `{}/{}`", f.stage, f.reason),
        None => {
            let warned: Vec<String> = warning_stages(r)
                .map(|s| format!("`{}/{}`", s.stage, s.reason.map_or("warn", |r| r.name())))
                .collect();
            match warned.is_empty() {
                true => "ok".to_owned(),
                false => format!("ok, warn {}", warned.join(", ")),
            }
        }
    }
}

/// One list item for a failing device: the message, what to do, the commands, what the
/// stages past a client failure found, and the clients' verdicts.
fn failure_item(r: &DeviceReport) -> Option<String> {
    let f = r.failure.as_ref()?;
    let mut item = format!(
        "- **{}** failed at `{}/{}`: {}\n",
        text(&r.name),
        f.stage,
        f.reason,
        text(&f.message)
    );
    let _ = writeln!(item, "  - What to do: {}", text(f.reason.info().sentence));
    for command in commands(r) {
        let _ = writeln!(item, "  - Run: {}", code(&command));
    }
    for line in beyond(r) {
        let _ = writeln!(item, "  - {}", text(&line));
    }
    for line in crate::present::compatibility_lines(r) {
        let _ = writeln!(item, "  - {}", text(&line));
    }
    Some(item)
}

/// One list item per device that passed with warnings, with the commands that act on them.
fn warning_item(r: &DeviceReport) -> Option<String> {
    if r.failure.is_some() {
        return None;
    }
    let warned: Vec<String> = facts::warnings(r);
    if warned.is_empty() {
        return None;
    }
    let mut item = format!(
        "- **{}** warns: {}\n",
        text(&r.name),
        text(&warned.join("; "))
    );
    for command in commands(r) {
        let _ = writeln!(item, "  - Run: {}", code(&command));
    }
    Some(item)
}

/// Inline text: printable, with every character Markdown (or the HTML it allows) gives a
/// meaning backslash-escaped, so a device's text stays text. An underscore inside a word
/// (`known_hosts`) means nothing to CommonMark and stays as it is, for whoever reads the
/// source.
pub fn text(raw: &str) -> String {
    let chars: Vec<char> = printable(raw).chars().collect();
    let mut out = String::with_capacity(raw.len());
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = || {
            let alnum = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
            alnum(i.checked_sub(1).and_then(|j| chars.get(j))) && alnum(chars.get(i + 1))
        };
        let special = matches!(
            c,
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
        ) || (c == '_' && !inside_word());
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span holding `raw` exactly (printable): fenced with one backtick more than the
/// longest run inside, padded when it starts or ends with one.
pub fn code(raw: &str) -> String {
    let raw = printable(raw);
    let longest = raw.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if raw.starts_with('`') || raw.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{raw}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Failure, Reason, ShellCommand, Stage, StageResult, Status};

    fn failing(name: &str) -> DeviceReport {
        DeviceReport {
            name: name.into(),
            host: "127.0.0.1".into(),
            port: 2202,
            failure: Some(Failure {
                stage: Stage::HostKey,
                reason: Reason::HostKeyChanged,
                message: "REMOTE HOST IDENTIFICATION HAS CHANGED".into(),
            }),
            stages: vec![StageResult {
                stage: Stage::HostKey,
                status: Status::Fail,
                elapsed_ms: 1.0,
                reason: Some(Reason::HostKeyChanged),
                detail: "REMOTE HOST IDENTIFICATION HAS CHANGED".into(),
                beyond: None,
                commands: vec![ShellCommand::sshtriage([
                    "known-hosts",
                    "prune",
                    "--host",
                    "127.0.0.1:2202",
                ])],
            }],
            reached: Some(Stage::Kex),
            ..Default::default()
        }
    }

    #[test]
    fn a_table_then_each_failure_with_its_fix() {
        let ok = DeviceReport {
            name: "r1".into(),
            host: "127.0.0.1".into(),
            port: 22,
            reached: Some(Stage::Enable),
            ..Default::default()
        };
        let all = vec![ok, failing("r2")];
        let rows: Vec<&DeviceReport> = all.iter().collect();
        let md = render(&rows, &all);
        assert!(
            md.starts_with("## sshtriage check: 2 device(s), 1 passed, 1 failed\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "| device | address | client | reached | result |\n|---|---|---|---|---|\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("| r1 | 127.0.0.1:22 | - | enable | ok |\n"),
            "{md}"
        );
        assert!(
            md.contains("| r2 | 127.0.0.1:2202 | - | kex | FAIL `host_key/changed` |\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "- **r2** failed at `host_key/changed`: REMOTE HOST IDENTIFICATION HAS CHANGED\n"
            ),
            "{md}"
        );
        assert!(md.contains("  - What to do: "), "{md}");
        assert!(
            md.contains("  - Run: `sshtriage known-hosts prune --host 127.0.0.1:2202`\n"),
            "{md}"
        );
    }

    #[test]
    fn device_text_cannot_break_the_table_or_inject_markup() {
        let mut r = failing("evil|<img src=x onerror=alert(1)>[click](http://x)\u{1b}[2J\nrow");
        r.failure.as_mut().expect("failure").message = "a | b `c` <script>".into();
        let all = vec![r];
        let rows: Vec<&DeviceReport> = all.iter().collect();
        let md = render(&rows, &all);
        let row = md
            .lines()
            .find(|l| l.starts_with("| evil"))
            .expect("the device row");
        // Five cells: only the table's own pipes are unescaped.
        let unescaped = row
            .char_indices()
            .filter(|(i, c)| *c == '|' && !row[..*i].ends_with('\\'))
            .count();
        assert_eq!(unescaped, 6, "{row}");
        assert!(!md.contains('\u{1b}'), "{md:?}");
        let escaped = |c: char| md.match_indices(c).all(|(i, _)| md[..i].ends_with('\\'));
        assert!(escaped('<') && escaped('>'), "{md}");
        assert!(!md.contains("[click]("), "{md}");
        assert!(md.contains("a \\| b \\`c\\` \\<script\\>"), "{md}");
        assert_eq!(
            text("known_hosts _em_ a__b"),
            "known_hosts \\_em\\_ a\\_\\_b"
        );
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("ls"), "`ls`");
        assert_eq!(code("echo 'a`b'"), "``echo 'a`b'``");
        assert_eq!(code("`x`"), "`` `x` ``");
    }
}
