//! `sshtriage wait`: block until every device is ready, for lab pipelines. One line per state
//! change (or one JSON event per line), a live progress bar on a terminal, a summary at the end.
//! Exit 0: all ready; 1: timed out, or every device left is stopped; 2: bad input; 130: Ctrl-C.

use super::watching::{ReloadArgs, WatchArgs};
use super::{EXIT_FAILED, EXIT_OK, RunArgs, Targets};
use crate::engine;
use crate::fleet::Probe;
use crate::fleet::{Change, Fleet, Reload};
use crate::model::{Event, ShellCommand, SlowBanner, Stage, WatchState, WatchStatus};
use crate::model::{running_stage, seconds};
use crate::present::printable as clean;
use crate::watch;
use clap::Args;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;
use tokio::time::Instant;

pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Args, Debug)]
pub struct WaitArgs {
    #[command(flatten)]
    pub targets: Targets,
    /// Give up after this long overall, e.g. 10m, 90s.
    #[arg(long, env = "SSHTRIAGE_WAIT_TIMEOUT", default_value = "10m", value_parser = crate::device::parse_duration)]
    pub timeout: Duration,
    /// One JSON event per line instead of text.
    #[arg(long, env = "SSHTRIAGE_JSON", value_parser = super::boolish())]
    pub json: bool,
    /// Per-stage timeout of each attempt (overrides the inventory), e.g. 5s.
    #[arg(long, env = "SSHTRIAGE_TIMEOUT", value_name = "DUR", value_parser = crate::device::parse_timeout)]
    pub stage_timeout: Option<Duration>,
    #[command(flatten)]
    pub watch: WatchArgs,
    #[command(flatten)]
    pub reload: ReloadArgs,
    /// Devices probed at once.
    #[arg(long, env = "SSHTRIAGE_CONCURRENCY", default_value_t = engine::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Send credentials even to hosts whose key contradicts known_hosts, for this run only.
    #[arg(long, env = "SSHTRIAGE_TRUST_CHANGED_HOST_KEYS", value_parser = super::boolish())]
    pub trust_changed_host_keys: bool,
}

/// How the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitEnd {
    Ready,
    TimedOut,
    /// Every device not ready is stopped: nothing will change without the user.
    Stuck,
    Interrupted,
}

impl WaitEnd {
    fn name(self) -> &'static str {
        match self {
            WaitEnd::Ready => "ready",
            WaitEnd::TimedOut => "timeout",
            WaitEnd::Stuck => "stopped",
            WaitEnd::Interrupted => "interrupted",
        }
    }

    fn exit_code(self) -> i32 {
        match self {
            WaitEnd::Ready => EXIT_OK,
            WaitEnd::TimedOut | WaitEnd::Stuck => EXIT_FAILED,
            WaitEnd::Interrupted => EXIT_INTERRUPTED,
        }
    }
}

pub async fn run(args: WaitArgs) -> i32 {
    let run = RunArgs {
        concurrency: args.concurrency,
        timeout: args.stage_timeout,
        trust_changed_host_keys: args.trust_changed_host_keys,
        ..RunArgs::default()
    };
    let super::Setup {
        devices, shared, ..
    } = match super::setup("wait", &args.targets, &run).await {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let options = watch::WatchOptions {
        reload: args.reload.reload(&args.targets, &run, &shared.local),
        ..args.watch.options(true)
    };
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let handle = watch::spawn(devices, shared, options, events_tx);
    let mut out = Printer::new(args.json, args.watch.until, this_command());
    // Line stamps on the watch's own clock, the one its first times are on.
    out.start = handle.started();
    let deadline = Instant::now() + args.timeout;
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let outcome = loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    out.fold(event);
                    if let Some(done) = out.finished() {
                        break done;
                    }
                }
                None => break WaitEnd::Interrupted,
            },
            _ = tokio::time::sleep_until(deadline) => break WaitEnd::TimedOut,
            _ = &mut ctrl_c => break WaitEnd::Interrupted,
            _ = ticker.tick() => out.live(),
        }
    };
    out.summary(outcome, args.timeout);
    handle.stop().await;
    outcome.exit_code()
}

/// This run's command line as the user can paste it again (`sshtriage wait lab.toml …`);
/// None when an argument is not text.
fn this_command() -> Option<ShellCommand> {
    let words: Option<Vec<String>> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string().ok())
        .collect();
    Some(ShellCommand::sshtriage(words?))
}

/// `command` with its per-stage timeout set to `secs` (any given before is dropped).
fn with_stage_timeout(command: &ShellCommand, secs: u64) -> ShellCommand {
    const FLAG: &str = "--stage-timeout";
    let mut words = command.words().iter().skip(1);
    let mut kept = Vec::new();
    while let Some(word) = words.next() {
        if word == FLAG {
            words.next();
        } else if !word.starts_with(&format!("{FLAG}=")) {
            kept.push(word.clone());
        }
    }
    ShellCommand::sshtriage(kept).args([FLAG.to_owned(), format!("{secs}s")])
}

/// Folds events into the fleet's state (as the dashboard does) and prints what changed.
struct Printer {
    json: bool,
    /// A live progress bar is drawn (text output to a terminal).
    live: bool,
    until: Option<Stage>,
    start: Instant,
    fleet: Fleet,
    /// What was last printed per device, so only changes make a line.
    printed: HashMap<usize, String>,
    /// The stage each running attempt is in, and since when: "banner: waiting for the
    /// identification line, 17 s" rather than "not probed yet".
    running: HashMap<usize, (Stage, Instant)>,
    /// This run's command line, for advice that changes one of its flags.
    command: Option<ShellCommand>,
    live_shown: bool,
}

impl Printer {
    fn new(json: bool, until: Option<Stage>, command: Option<ShellCommand>) -> Printer {
        Printer {
            json,
            live: !json && std::io::stdout().is_terminal(),
            until,
            start: Instant::now(),
            fleet: Fleet::default(),
            printed: HashMap::new(),
            running: HashMap::new(),
            command,
            live_shown: false,
        }
    }

    fn elapsed_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn fold(&mut self, event: Event) {
        match self.fleet.apply(event) {
            Change::Watch(device) => {
                let status = self.fleet.device(device).and_then(|d| d.watch.as_ref());
                let key = status.and_then(change_key);
                if let Some(key) = key
                    && self.printed.get(&device) != Some(&key)
                {
                    if let Some(status) = status.cloned() {
                        self.state_line(&status);
                    }
                    self.printed.insert(device, key);
                }
            }
            Change::Probe(device) => self.track(device),
            Change::Reload => self.reload_lines(),
            Change::Unchanged | Change::LocalClients => {}
        }
    }

    /// Notes when a running attempt enters a stage; forgets it between stages and once the
    /// attempt ends (a new attempt starts its first stage afresh).
    fn track(&mut self, device: usize) {
        match self.fleet.device(device).map(|d| d.probe) {
            Some(Probe::Running { stage: Some(stage) }) => {
                if self.running.get(&device).map(|(s, _)| *s) != Some(stage) {
                    self.running.insert(device, (stage, Instant::now()));
                }
            }
            _ => {
                self.running.remove(&device);
            }
        }
    }

    /// The stage of the device's attempt in progress and how long it has been in it.
    fn in_progress(&self, device: usize) -> Option<(Stage, u64)> {
        let status = self.fleet.device(device)?.watch.as_ref()?;
        if status.state != WatchState::Probing {
            return None;
        }
        let (stage, since) = self.running.get(&device)?;
        Some((*stage, since.elapsed().as_millis() as u64))
    }

    /// One line for a device: where its running attempt is, when one runs ("banner: waiting
    /// for the identification line, 17 s (attempt 1)"), else `WatchStatus::describe`.
    fn describe(&self, device: usize, s: &WatchStatus) -> String {
        let Some((stage, ms)) = self.in_progress(device) else {
            return s.describe();
        };
        let now = format!(
            "{} (attempt {})",
            running_stage(stage, ms),
            s.attempts_total + 1
        );
        match s.condition() {
            Some(before) => format!("{now}; before: {before}"),
            None => now,
        }
    }

    /// Advice for a device whose banner never comes within the stage timeout: the evidence,
    /// and this command again with a longer `--stage-timeout`.
    fn slow_banner_advice(&self, slow: &SlowBanner) -> (String, Option<ShellCommand>) {
        let why = format!(
            "{}: a device that answers slower than that (rather than one still booting) never \
             gets through; raise --stage-timeout above {}",
            slow.evidence(),
            seconds(slow.gave_up_after_ms)
        );
        let command = self
            .command
            .as_ref()
            .map(|c| with_stage_timeout(c, slow.suggested_secs()));
        (why, command)
    }

    /// The watched devices still in the inventory, by index.
    fn watched_devices(&self) -> impl Iterator<Item = (usize, &WatchStatus)> {
        self.fleet
            .devices()
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.watch.as_ref().map(|s| (i, s)))
            .filter(|(_, s)| s.state != WatchState::Removed)
    }

    fn reload_lines(&mut self) {
        let Some(reload) = self.fleet.last_reload().cloned() else {
            return;
        };
        match reload {
            Reload::Applied {
                added,
                removed,
                changed,
                warnings,
            } => {
                let names = |list: &[usize]| -> Vec<String> {
                    list.iter()
                        .filter_map(|i| self.fleet.device(*i)?.watch.as_ref())
                        .map(|s| s.name.clone())
                        .collect()
                };
                let (added, removed, changed) = (names(&added), names(&removed), names(&changed));
                if self.json {
                    self.emit(json!({
                        "event": "reload",
                        "elapsed_ms": self.elapsed_ms(),
                        "added": added,
                        "removed": removed,
                        "changed": changed,
                        "warnings": warnings,
                    }));
                } else {
                    self.line(&format!(
                        "inventory reloaded: {} added, {} removed, {} changed",
                        added.len(),
                        removed.len(),
                        changed.len()
                    ));
                    for w in warnings {
                        self.line(&format!("warning: {}", clean(&w)));
                    }
                }
            }
            Reload::Failed { error } => {
                if self.json {
                    self.emit(json!({"event": "reload_failed", "elapsed_ms": self.elapsed_ms(), "error": error}));
                } else {
                    self.line(&format!(
                        "inventory not reloaded (keeping the devices as they were): {}",
                        clean(&error)
                    ));
                }
            }
        }
    }

    fn watched(&self) -> impl Iterator<Item = &WatchStatus> {
        self.fleet.watched()
    }

    /// All ready, or all that are not ready stopped for good.
    fn finished(&self) -> Option<WaitEnd> {
        let mut any = false;
        let mut all_ready = true;
        let mut all_settled = true;
        for s in self.watched() {
            any = true;
            match s.state {
                WatchState::Ready => {}
                WatchState::Stopped { .. } => all_ready = false,
                _ => {
                    all_ready = false;
                    all_settled = false;
                }
            }
        }
        match (any, all_ready, all_settled) {
            (false, _, _) => None,
            (true, true, _) => Some(WaitEnd::Ready),
            (true, false, true) => Some(WaitEnd::Stuck),
            _ => None,
        }
    }

    fn state_line(&mut self, s: &WatchStatus) {
        let elapsed_ms = self.elapsed_ms();
        let last = s.last_attempt();
        let reached = last.and_then(|a| a.reached).map(Stage::name);
        if self.json {
            let mut event = json!({
                "device": s.name,
                "elapsed_ms": elapsed_ms,
                "reached": reached,
                "attempts": s.attempts_total,
            });
            let extra = match &s.state {
                WatchState::Ready => json!({
                    "event": "ready",
                    "time_to_ready_ms": s.milestones.time_to_ready_ms(),
                    "milestones": s.milestones,
                }),
                WatchState::Stopped { stage, reason, why } => json!({
                    "event": "stopped",
                    "stage": stage,
                    "reason": reason,
                    "why": why,
                    "message": last.and_then(|a| a.failure.as_ref()).map(|f| &f.message),
                }),
                WatchState::Removed => json!({"event": "removed"}),
                _ => json!({
                    "event": "progress",
                    "failure": last.and_then(|a| a.failure.as_ref()),
                    "condition": s.condition(),
                }),
            };
            merge(&mut event, extra);
            if let Some(advice) = s.slow_banner().map(|slow| self.advice_json(&slow)) {
                merge(&mut event, advice);
            }
            self.emit(event);
            return;
        }
        let text = match &s.state {
            WatchState::Ready => format!(
                "READY ({}) after {}, {} attempt(s){}",
                reached.unwrap_or("-"),
                seconds(s.milestones.time_to_ready_ms().unwrap_or(0)),
                s.attempts_total,
                milestones(s)
            ),
            WatchState::Stopped { stage, reason, why } => {
                format!("STOPPED at {stage} ({reason}): {why}")
            }
            WatchState::Removed => "removed from the inventory".to_owned(),
            _ => {
                let what = s
                    .condition_kind()
                    .unwrap_or_else(|| format!("reached {}", reached.unwrap_or("nothing")));
                format!("{what} (attempt {})", s.attempts_total)
            }
        };
        self.line(&format!("{}: {}", clean(&s.name), clean(&text)));
        if let Some(slow) = s.slow_banner() {
            let (why, command) = self.slow_banner_advice(&slow);
            self.line(&format!("  {}", clean(&why)));
            if let Some(command) = command {
                self.line(&format!("  run: {}", clean(&command.to_string())));
            }
        }
    }

    /// The slow-banner advice as JSON fields: `advice` (the sentence) and `commands`.
    fn advice_json(&self, slow: &SlowBanner) -> Value {
        let (why, command) = self.slow_banner_advice(slow);
        json!({
            "advice": why,
            "commands": command.into_iter().collect::<Vec<_>>(),
        })
    }

    /// A text line, stamped with the elapsed time, with the live bar kept below it.
    fn line(&mut self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        if self.live_shown {
            let _ = write!(stdout, "\r\x1b[2K");
        }
        let _ = writeln!(stdout, "[{:>7}] {text}", clock(self.elapsed_ms()));
        let _ = stdout.flush();
        drop(stdout);
        if self.live_shown {
            self.live();
        }
    }

    fn emit(&self, event: Value) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", crate::present::json_line(&event));
        let _ = stdout.flush();
    }

    /// Redraws the progress bar in place: ready count, time, and the worst-off device.
    fn live(&mut self) {
        if !self.live {
            return;
        }
        let total = self.watched().count();
        let ready = self
            .watched()
            .filter(|s| s.state == WatchState::Ready)
            .count();
        const WIDTH: usize = 20;
        let filled = (ready * WIDTH).checked_div(total).unwrap_or(0);
        let stuck = self
            .watched_devices()
            .find(|(_, s)| s.state != WatchState::Ready)
            .map(|(i, s)| match (self.in_progress(i), s.condition()) {
                (None, Some(c)) => format!(" · {}: {c}", s.name),
                _ => format!(" · {}: {}", s.name, self.describe(i, s)),
            })
            .unwrap_or_default();
        let text = clean(&format!(
            "[{}{}] {ready}/{total} ready · {}{stuck}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            seconds(self.elapsed_ms())
        ));
        // Some terminals (and `script`) report no size.
        let width = crossterm::terminal::size()
            .map(|(w, _)| w as usize)
            .ok()
            .filter(|w| *w >= 20)
            .unwrap_or(80);
        let shown: String = text.chars().take(width.saturating_sub(1)).collect();
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, "\r\x1b[2K{shown}");
        let _ = stdout.flush();
        self.live_shown = true;
    }

    fn summary(&mut self, outcome: WaitEnd, timeout: Duration) {
        if self.live_shown {
            print!("\r\x1b[2K");
            self.live_shown = false;
        }
        let elapsed_ms = self.elapsed_ms();
        // Stuck devices first: they are what the reader is looking for.
        let mut list: Vec<(usize, &WatchStatus)> = self.watched_devices().collect();
        list.sort_by_key(|(_, s)| s.state == WatchState::Ready);
        let total = list.len();
        let ready = list
            .iter()
            .filter(|(_, s)| s.state == WatchState::Ready)
            .count();
        if self.json {
            let devices: Vec<Value> = list
                .iter()
                .map(|(i, s)| {
                    let mut device = json!({
                        "device": s.name,
                        "state": state_name(&s.state),
                        "reached": s.last_attempt().and_then(|a| a.reached),
                        "attempts": s.attempts_total,
                        "time_to_ready_ms": s.milestones.time_to_ready_ms(),
                        "condition": s.condition(),
                        "summary": self.describe(*i, s),
                    });
                    if let Some((stage, ms)) = self.in_progress(*i) {
                        merge(
                            &mut device,
                            json!({"probing": {"stage": stage, "for_ms": ms}}),
                        );
                    }
                    if let Some(slow) = s.slow_banner() {
                        merge(&mut device, self.advice_json(&slow));
                    }
                    device
                })
                .collect();
            self.emit(json!({
                "event": "summary",
                "outcome": outcome.name(),
                "elapsed_ms": elapsed_ms,
                "until": self.until,
                "ready": ready,
                "total": total,
                "devices": devices,
            }));
            return;
        }
        let head = match outcome {
            WaitEnd::Ready => format!("all {total} device(s) ready after {}", seconds(elapsed_ms)),
            WaitEnd::TimedOut => format!(
                "timed out after {}: {ready} of {total} device(s) ready",
                seconds(timeout.as_millis() as u64)
            ),
            WaitEnd::Stuck => format!(
                "{} device(s) stopped and will not be retried without a change; {ready} of {total} ready",
                total - ready
            ),
            WaitEnd::Interrupted => format!(
                "interrupted after {}: {ready} of {total} device(s) ready",
                seconds(elapsed_ms)
            ),
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "wait: {head}");
        for (i, s) in list {
            let _ = writeln!(
                stdout,
                "  {}: {}",
                clean(&s.name),
                clean(&self.describe(i, s))
            );
            if let Some(slow) = s.slow_banner() {
                let (why, command) = self.slow_banner_advice(&slow);
                let _ = writeln!(stdout, "    {}", clean(&why));
                if let Some(command) = command {
                    let _ = writeln!(stdout, "    run: {}", clean(&command.to_string()));
                }
            }
        }
        let _ = stdout.flush();
    }
}

/// What makes a new line for a device: a new state, an attempt that left it somewhere else
/// (a timeout and a close on a silent port are the same place), or advice that now applies.
/// None before the first attempt: nothing to say yet.
fn change_key(s: &WatchStatus) -> Option<String> {
    match &s.state {
        WatchState::Ready => Some("ready".into()),
        WatchState::Stopped { reason, .. } => Some(format!("stopped {reason}")),
        WatchState::Removed => Some("removed".into()),
        _ => s.last_attempt().map(|a| {
            // The slow-banner advice, once it applies, is news too.
            let slow = s.slow_banner().is_some();
            format!("{:?} {:?} {slow}", a.reached, s.condition_kind())
        }),
    }
}

fn state_name(state: &WatchState) -> &'static str {
    match state {
        WatchState::Waiting { .. } => "waiting",
        WatchState::Probing => "probing",
        WatchState::Ready => "ready",
        WatchState::Stopped { .. } => "stopped",
        WatchState::Paused => "paused",
        WatchState::Removed => "removed",
    }
}

/// "; tcp open at 3 s, banner at 95 s, auth ok at 96 s": first times on the clock of the
/// line stamps and the drill-down (since the watch began), with the device's own start when
/// a reload added it later.
fn milestones(s: &WatchStatus) -> String {
    let m = &s.milestones;
    let started = (m.started_at_ms > 0).then_some(("watched from", Some(m.started_at_ms)));
    let parts: Vec<String> = started
        .into_iter()
        .chain([
            ("tcp open at", m.tcp_open_at_ms),
            ("banner at", m.banner_at_ms),
            ("auth ok at", m.auth_ok_at_ms),
        ])
        .filter_map(|(what, at)| at.map(|at| format!("{what} {}", seconds(at))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}

/// "12.3s" for the line stamps.
fn clock(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(
            clean("r1\x1b]0;pwned\x07\r\nok"),
            "r1␛]0;pwned\u{fffd}\u{fffd}\u{fffd}ok"
        );
        // Bidi overrides could make a line read differently from what it is.
        assert_eq!(clean("a\u{202e}b"), "a\u{fffd}b");
    }
}
