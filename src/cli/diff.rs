//! `sshtriage diff OLD.json NEW.json`: what changed between two saved runs, device by
//! device (`crate::run::diff`); exit 0 when nothing got worse, 1 when something did, 2 on
//! bad input.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::model::{Failure, Stage};
use crate::present::printable;
use crate::run::diff::{Change, DeviceDiff, DeviceSummary, MatchedBy, RunDiff, Worse};
use crate::run::{Run, RunInputs, Timestamp};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier run (`check --json` output or a dashboard save).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later run.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Print the comparison as one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DiffArgs) -> i32 {
    let load = |path: &Path| {
        crate::run::load(path).map_err(|e| {
            eprintln!("sshtriage diff: {}", printable(&e.to_string()));
        })
    };
    let (Ok(old), Ok(new)) = (load(&args.old), load(&args.new)) else {
        return EXIT_USAGE;
    };
    let diff = crate::run::diff::diff(&old.devices, &new.devices);
    if args.json {
        let doc = Document {
            old: RunSide::of(&args.old, &old),
            new: RunSide::of(&args.new, &new),
            diff: &diff,
        };
        match serde_json::to_string_pretty(&doc) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("sshtriage diff: {e}");
                return EXIT_USAGE;
            }
        }
    } else {
        let text = render(&diff, (&args.old, &old), (&args.new, &new));
        print!("{}", fit(&text, terminal_columns()));
    }
    if diff.worse { EXIT_FAILED } else { EXIT_OK }
}

/// Standard output's width when it is a terminal.
fn terminal_columns() -> Option<usize> {
    use std::io::IsTerminal;
    std::io::stdout()
        .is_terminal()
        .then(|| {
            crossterm::terminal::size()
                .ok()
                .map(|(w, _)| usize::from(w))
        })
        .flatten()
}

/// Each line wrapped at word boundaries to `width`, its continuation indented two columns
/// past the line's own indentation; unchanged without a width (a pipe or a file).
fn fit(text: &str, width: Option<usize>) -> String {
    let Some(width) = width.filter(|w| *w >= 20) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let then = (indent + 2).min(width / 2);
        for (n, piece) in crate::report::wrap::wrap(body, width - indent, width - then)
            .iter()
            .enumerate()
        {
            let pad = if n == 0 { indent } else { then };
            out.push_str(&" ".repeat(pad));
            out.push_str(piece);
            out.push('\n');
        }
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    old: RunSide,
    new: RunSide,
    #[serde(flatten)]
    diff: &'a RunDiff,
}

/// Which run a side of the comparison is.
#[derive(Serialize)]
struct RunSide {
    file: String,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
    sshtriage_version: Option<String>,
    inputs: Option<RunInputs>,
    devices: usize,
}

impl RunSide {
    fn of(path: &Path, run: &Run) -> Self {
        RunSide {
            file: path.display().to_string(),
            started_at: run.started_at,
            finished_at: run.finished_at,
            sshtriage_version: run.sshtriage_version.clone(),
            inputs: run.inputs.clone(),
            devices: run.devices.len(),
        }
    }
}

/// The headline, which run is which, then one block per changed device and a line per
/// device added or removed. Text from the files is made printable.
fn render(diff: &RunDiff, old: (&Path, &Run), new: (&Path, &Run)) -> String {
    let mut out = format!("{}\n", diff.headline);
    for (label, (path, run)) in [("old", old), ("new", new)] {
        let taken = run
            .taken()
            .map(|t| format!("taken {t}"))
            .unwrap_or_else(|| "time not recorded".into());
        out.push_str(&printable(&format!(
            "{label}: {}  {taken} · {}",
            path.display(),
            devices(run.devices.len())
        )));
        out.push('\n');
    }
    if !diff.changed.is_empty() || !diff.added.is_empty() || !diff.removed.is_empty() {
        out.push('\n');
    }
    for device in &diff.changed {
        out.push_str(&device_block(device));
    }
    for added in &diff.added {
        out.push_str(&printable(&format!(
            "+ {}  added: {}",
            name_and_address(&added.name, &added.host, added.port),
            standing(added)
        )));
        out.push('\n');
    }
    for removed in &diff.removed {
        out.push_str(&printable(&format!(
            "- {}  removed (was: {})",
            name_and_address(&removed.name, &removed.host, removed.port),
            standing(removed)
        )));
        out.push('\n');
    }
    out
}

fn device_block(d: &DeviceDiff) -> String {
    let mut head = format!(
        "{} {}",
        if d.worse.is_empty() { "~" } else { "!" },
        name_and_address(&d.name, &d.host, d.port)
    );
    if let (MatchedBy::Address, Some(old)) = (d.matched_by, &d.old_name) {
        head.push_str(&format!("  (was {old}, same address)"));
    }
    if !d.worse.is_empty() {
        let why: Vec<&str> = d
            .worse
            .iter()
            .map(|w| match w {
                Worse::EarlierStage => "stops earlier",
                Worse::NewFailure => "new failure",
                Worse::HostKeyChanged => "host key changed",
            })
            .collect();
        head.push_str(&format!("  worse: {}", why.join(", ")));
    }
    let mut out = printable(&head);
    out.push('\n');
    for change in &d.changes {
        out.push_str("    ");
        out.push_str(&printable(&change_line(change)));
        out.push('\n');
    }
    out
}

fn change_line(c: &Change) -> String {
    let arrow = |old: &str, new: &str| format!("{old} → {new}");
    match c {
        Change::Reached { old, new } => {
            format!("reached: {}", arrow(&reached(*old), &reached(*new)))
        }
        Change::Failure { old, new } => {
            format!(
                "failure: {}",
                arrow(&failure(old.as_ref()), &failure(new.as_ref()))
            )
        }
        Change::HostKey { old, new, key_type } => {
            let note = match key_type {
                Some(_) => "",
                None => " (another key type negotiated)",
            };
            format!("host key: {}{note}", arrow(old, new))
        }
        Change::Software { old, new } => format!("software: {}", arrow(old, new)),
        Change::Banner { old, new } => format!("banner: {}", arrow(old, new)),
        Change::ServerAlgorithms {
            category,
            added,
            removed,
        } => {
            let mut parts: Vec<String> = added.iter().map(|a| format!("+{a}")).collect();
            parts.extend(removed.iter().map(|r| format!("-{r}")));
            format!("server {category}: {}", parts.join(" "))
        }
        Change::Negotiated { category, old, new } => {
            let pick = |p: &Option<String>| p.clone().unwrap_or_else(|| "nothing in common".into());
            format!("negotiated {category}: {}", arrow(&pick(old), &pick(new)))
        }
        Change::AuthMethods { old, new } => {
            format!("auth methods: {}", arrow(&old.join(","), &new.join(",")))
        }
        Change::Profile { old, new } => format!("profile: {}", arrow(old, new)),
        Change::Client { old, new } => format!("client: {}", arrow(old, new)),
    }
}

fn reached(stage: Option<Stage>) -> String {
    stage.map_or_else(|| "nothing".into(), |s| s.name().to_string())
}

fn failure(f: Option<&Failure>) -> String {
    match f {
        None => "passes".into(),
        Some(f) => format!("fails at {}: {}", f.stage.name(), f.reason),
    }
}

fn standing(d: &DeviceSummary) -> String {
    match &d.failure {
        Some(f) => format!("fails at {}: {}", f.stage.name(), f.reason),
        None => format!("ready at {}", reached(d.reached)),
    }
}

fn name_and_address(name: &str, host: &str, port: u16) -> String {
    let address = match host.contains(':') {
        true => format!("[{host}]:{port}"),
        false => format!("{host}:{port}"),
    };
    format!("{name} ({address})")
}

fn devices(n: usize) -> String {
    match n {
        1 => "1 device".into(),
        n => format!("{n} devices"),
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn lines_wrap_at_words_under_their_indentation() {
        let text = "! r1 127.0.0.1:22  worse: host key changed\n    host key: SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe → SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE\n";
        let fitted = fit(text, Some(60));
        for line in fitted.lines() {
            assert!(line.chars().count() <= 60, "{line:?}");
        }
        assert!(
            fitted.contains("\n      SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE\n"),
            "the new fingerprint is whole on its own line, indented past its line:\n{fitted}"
        );
        let words = |t: &str| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(words(&fitted), words(text), "nothing lost or cut");
        assert_eq!(fit(text, None), text, "a pipe gets the lines as they are");
    }
}
