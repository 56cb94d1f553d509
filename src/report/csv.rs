//! `--output csv`: for a spreadsheet. RFC 4180: a header row, then one row per device, fields
//! quoted when they hold a comma or a quote (quotes doubled), lines ending CRLF.
//!
//! Every field is made printable first (no control characters: a device's text cannot
//! start a new row), and a field a spreadsheet would take for a formula (starting with `=`,
//! `+`, `-` or `@`) gets a leading `'`, so opening the file runs nothing.

use super::facts::{address, client, commands, result, warnings};
use crate::model::DeviceReport;
use crate::present::printable;

pub const HEADER: [&str; 10] = [
    "device",
    "address",
    "client",
    "reached",
    "result",
    "stage",
    "reason",
    "message",
    "commands",
    "elapsed_ms",
];

/// The header and one row per device of `rows`.
pub fn render(rows: &[&DeviceReport]) -> String {
    let mut out = line(HEADER.iter().map(|h| h.to_string()));
    for r in rows {
        out.push_str(&line(fields(r)));
    }
    out
}

fn fields(r: &DeviceReport) -> Vec<String> {
    let (stage, reason, message) = match &r.failure {
        Some(f) => (
            f.stage.name().to_owned(),
            f.reason.name().to_owned(),
            f.message.clone(),
        ),
        None => (String::new(), String::new(), warnings(r).join("; ")),
    };
    vec![
        r.name.clone(),
        address(r),
        r.client.as_ref().map(|_| client(r)).unwrap_or_default(),
        r.reached.map(|s| s.name().to_owned()).unwrap_or_default(),
        result(r).to_owned(),
        stage,
        reason,
        message,
        commands(r).join(" ; "),
        format!("{:.1}", r.elapsed_ms),
    ]
}

fn line(fields: impl IntoIterator<Item = String>) -> String {
    let cells: Vec<String> = fields.into_iter().map(|f| field(&f)).collect();
    format!("{}\r\n", cells.join(","))
}

/// One field: printable, defused, quoted when needed.
pub fn field(raw: &str) -> String {
    let mut text = printable(raw);
    if text.starts_with(['=', '+', '-', '@']) {
        text.insert(0, '\'');
    }
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Failure, Reason, Stage};

    /// Splits RFC 4180 text into rows of fields, as a spreadsheet reads it.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let (mut row, mut field, mut quoted, mut chars) =
            (Vec::new(), String::new(), false, text.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => row.push(std::mem::take(&mut field)),
                ('\r', false) => {}
                ('\n', false) => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (c, _) => field.push(c),
            }
        }
        rows
    }

    #[test]
    fn a_header_and_one_row_per_device() {
        let reports = [DeviceReport {
            name: "r9".into(),
            host: "127.0.0.1".into(),
            port: 22403,
            reached: Some(Stage::Dns),
            failure: Some(Failure {
                stage: Stage::Tcp,
                reason: Reason::TcpRefused,
                message: "refused, \"nothing\" listens".into(),
            }),
            elapsed_ms: 0.5,
            ..Default::default()
        }];
        let rows: Vec<&DeviceReport> = reports.iter().collect();
        let text = render(&rows);
        assert!(
            text.ends_with("\r\n") && text.lines().count() == 2,
            "{text:?}"
        );
        let parsed = parse(&text);
        assert_eq!(parsed[0], HEADER.map(str::to_owned).to_vec());
        assert_eq!(
            parsed[1],
            [
                "r9",
                "127.0.0.1:22403",
                "",
                "dns",
                "fail",
                "tcp",
                "refused",
                "refused, \"nothing\" listens",
                "",
                "0.5"
            ]
        );
        assert!(
            text.contains(",\"refused, \"\"nothing\"\" listens\","),
            "{text:?}"
        );
    }

    #[test]
    fn device_text_can_neither_add_rows_nor_run_as_a_formula() {
        for (raw, expected) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("a\r\nb", "a\u{fffd}\u{fffd}b"),
            ("tab\there", "tab here"),
            ("\u{1b}[2J", "␛[2J"),
        ] {
            let reports = [DeviceReport {
                name: raw.into(),
                host: "127.0.0.1".into(),
                port: 22,
                ..Default::default()
            }];
            let rows: Vec<&DeviceReport> = reports.iter().collect();
            let text = render(&rows);
            assert_eq!(text.matches("\r\n").count(), 2, "{raw:?}: {text:?}");
            assert!(!text.contains('\u{1b}'), "{text:?}");
            assert_eq!(parse(&text)[1][0], expected, "{raw:?}");
        }
    }
}
