//! Headless views of the engine's results (`check`): a table for the terminal, stable JSON,
//! Markdown for a ticket and CSV for a spreadsheet, one module each. What they all say about
//! a device is computed once, in `facts`.

pub mod csv;
pub mod facts;
pub mod human;
pub mod json;
pub mod markdown;
pub mod wrap;

use crate::algorithms::local::LocalClients;
use crate::model::DeviceReport;
use std::fmt;
use std::str::FromStr;

/// How `check` prints its results (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// One line per device, then a summary by failing stage.
    #[default]
    Table,
    /// One JSON document (`--json`).
    Json,
    /// A device table and the failures with their fixes, for a ticket.
    Markdown,
    /// One row per device under a header row, RFC 4180.
    Csv,
}

impl Output {
    pub const ALL: [Output; 4] = [Output::Table, Output::Json, Output::Markdown, Output::Csv];

    pub fn name(self) -> &'static str {
        match self {
            Output::Table => "table",
            Output::Json => "json",
            Output::Markdown => "markdown",
            Output::Csv => "csv",
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An `--output` value that is none of the formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an output format: table, json, markdown or csv")]
pub struct UnknownOutput(pub String);

impl FromStr for Output {
    type Err = UnknownOutput;

    fn from_str(text: &str) -> Result<Output, UnknownOutput> {
        Output::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownOutput(text.to_owned()))
    }
}

/// How the text is laid out, beside the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Only the devices that failed (the table's and Markdown's summary still counts all).
    pub quiet: bool,
    /// Table: wrap at word boundaries to this many columns (a terminal's width); None keeps
    /// one line per item, as pipes and files want it.
    pub width: Option<usize>,
    /// Table: colour the verdicts (a terminal without NO_COLOR).
    pub colour: bool,
}

impl Options {
    /// For standard output: on a terminal, wrapped to its `columns` (narrower than 20 is
    /// taken as unknown) and coloured unless `NO_COLOR` is set and not empty (no-color.org)
    /// or `TERM` is `dumb`; elsewhere (a pipe, a file) neither, so every item stays one line.
    pub fn for_stdout(
        quiet: bool,
        terminal: bool,
        columns: Option<u16>,
        no_color: Option<&std::ffi::OsStr>,
        term: Option<&std::ffi::OsStr>,
    ) -> Options {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        let dumb = term.is_some_and(|t| t == "dumb");
        Options {
            quiet,
            width: columns.map(usize::from).filter(|w| terminal && *w >= 20),
            colour: terminal && !no_color && !dumb,
        }
    }
}

/// `check`'s output in `output`, the compatibility rows of this machine's clients (`local`)
/// marked beforehand by the caller.
pub fn render(
    output: Output,
    reports: &[DeviceReport],
    local: Option<&LocalClients>,
    options: &Options,
) -> String {
    let rows: Vec<&DeviceReport> = reports
        .iter()
        .filter(|r| !options.quiet || !r.passed())
        .collect();
    match output {
        Output::Table => human::render_rows(&rows, reports, options),
        Output::Json => json::render_rows(&rows, local, None),
        Output::Markdown => markdown::render(&rows, reports),
        Output::Csv => csv::render(&rows),
    }
}

/// Exit status of a run: 0 when no device failed a stage it ran, 1 otherwise.
pub fn exit_code(reports: &[DeviceReport]) -> i32 {
    if reports.iter().all(DeviceReport::passed) {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_and_colour_only_on_a_terminal() {
        use std::ffi::OsStr;
        let tty = Options::for_stdout(false, true, Some(60), None, Some(OsStr::new("xterm")));
        assert_eq!((tty.width, tty.colour), (Some(60), true));
        let pipe = Options::for_stdout(false, false, Some(60), None, None);
        assert_eq!((pipe.width, pipe.colour), (None, false));
        let no_color = Options::for_stdout(false, true, Some(60), Some(OsStr::new("1")), None);
        assert_eq!((no_color.width, no_color.colour), (Some(60), false));
        // NO_COLOR set but empty does not count (no-color.org).
        let empty = Options::for_stdout(false, true, None, Some(OsStr::new("")), None);
        assert_eq!((empty.width, empty.colour), (None, true));
        let dumb = Options::for_stdout(false, true, Some(10), None, Some(OsStr::new("dumb")));
        assert_eq!((dumb.width, dumb.colour), (None, false));
    }

    #[test]
    fn output_names_parse_back() {
        for output in Output::ALL {
            assert_eq!(output.name().parse::<Output>(), Ok(output));
        }
        assert_eq!("Markdown".parse::<Output>(), Ok(Output::Markdown));
        assert!("yaml".parse::<Output>().is_err());
    }
}
