//! One device as the dashboard reads it: the fleet's state (`crate::fleet`) plus the row's
//! own keys, and the summaries every view derives from them (stage marks, outcome, the
//! one-line "why").

use std::time::Duration;

use super::text;
use crate::fleet::{self, Probe};
use crate::model::{Stage, Status, WatchState, WatchStatus};

/// "kex: no common kex …", without repeating the stage when the message starts with it
/// ("host key changed: …").
pub fn stage_says(stage: Stage, message: &str) -> String {
    let message = text::clean(message);
    // "auth" must not swallow "authentication failed …": the stage's word has to end a word.
    // Sentences write `host_key` as "host key".
    let lower = message.to_lowercase();
    let names_stage = [stage.name().to_string(), stage.name().replace('_', " ")]
        .iter()
        .any(|word| {
            lower
                .strip_prefix(word.as_str())
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        });
    if names_stage {
        message
    } else {
        format!("{}: {message}", stage.name())
    }
}

/// What one stage cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageMark {
    Pending,
    Running,
    Ended(Status),
    /// Ran past a failure of the engineer's client (kex): what happens once that is fixed.
    Beyond(Status),
    /// The probe finished without running this stage.
    NotRun,
}

/// A device's standing, for counts and groups: what its row says (see `DeviceRow::standing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Condition {
    Failing(Stage),
    Running,
    /// Watch mode: tried, and waiting for its next attempt ("waiting 7 s").
    Waiting,
    /// Not probed yet.
    Pending,
    Ready,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhyKind {
    Fail,
    Warn,
    Ready,
    Running,
    Pending,
}

/// One device as the dashboard shows it: the fleet's state, plus the row's own [`RowExtra`].
pub type DeviceRow = fleet::Device<RowExtra>;

/// What only the dashboard keeps per device.
#[derive(Debug, Clone, Default)]
pub struct RowExtra {
    /// What the row shows, lower-cased (name, address, client, why, the stage it names):
    /// what the filter matches, computed once per update.
    pub search_text: String,
    /// The same in watch mode, where the row shows the watch's state; None without watch data.
    pub watch_search_text: Option<String>,
    /// Lower-cased name, the sort key.
    pub sort_name: String,
    /// Clock time the running probe started (for its elapsed time); None when none runs.
    pub since: Option<Duration>,
}

impl RowExtra {
    /// The keys for `row` as it is now; the probe's start time is kept while it runs, and is
    /// `now` when it starts (or starts again: `restarted`).
    pub fn of(row: &DeviceRow, now: Duration, restarted: bool) -> Self {
        let since = match row.extra.since {
            _ if !row.is_running() => None,
            Some(since) if !restarted => Some(since),
            _ => Some(now),
        };
        RowExtra {
            search_text: search_text(row, false),
            watch_search_text: row.shown_watch(true).map(|_| search_text(row, true)),
            sort_name: row.report.name.to_lowercase(),
            since,
        }
    }
}

impl RowExtra {
    /// The text the filter matches for a row shown in or out of watch mode.
    pub fn search(&self, watching: bool) -> &str {
        match &self.watch_search_text {
            Some(text) if watching => text,
            _ => &self.search_text,
        }
    }
}

/// The row's visible text, one field a line so a needle cannot match across two: its name,
/// address and client as shown, its why, and the stage it stands at (the word its group
/// and the header use: "fail at host_key").
fn search_text(row: &DeviceRow, watching: bool) -> String {
    let r = &row.report;
    let mut fields = vec![text::clean(&r.name), text::clean(&row.address())];
    if let Some(client) = &r.client {
        fields.push(text::clean(&client.id));
    }
    fields.push(row.shown_why(watching).1);
    let stage = match row.standing(watching) {
        Condition::Failing(stage) => Some(stage),
        _ => row.first_warning().map(|w| w.stage),
    };
    fields.extend(stage.map(|s| s.name().to_string()));
    searchable(&fields.join("\n"))
}

/// Text as the filter compares it: lowercase, and a stage's word (`host_key`) matching as
/// it is also written in sentences (`host key`).
pub fn searchable(text: &str) -> String {
    text.to_lowercase().replace('_', " ")
}

// The dashboard's reading of a device; the state itself is the fleet's.
impl DeviceRow {
    pub fn mark(&self, stage: Stage) -> StageMark {
        if let Some(result) = self.report.result(stage) {
            return match result.beyond {
                Some(_) => StageMark::Beyond(result.status),
                None => StageMark::Ended(result.status),
            };
        }
        match self.probe {
            Probe::Running {
                stage: Some(running),
            } if running == stage => StageMark::Running,
            Probe::Done => StageMark::NotRun,
            _ => StageMark::Pending,
        }
    }

    pub fn outcome(&self) -> Condition {
        if let Some(failure) = &self.report.failure {
            return Condition::Failing(failure.stage);
        }
        match self.probe {
            Probe::Pending => Condition::Pending,
            Probe::Running { .. } => Condition::Running,
            Probe::Done => Condition::Ready,
        }
    }

    /// The first stage that passed with a warning.
    pub fn first_warning(&self) -> Option<&crate::model::StageResult> {
        self.report.stages.iter().find(|r| r.status == Status::Warn)
    }

    /// Total time: the report's for a finished probe, clock time for a running one.
    pub fn elapsed_ms(&self, now: Duration) -> Option<f64> {
        match self.probe {
            Probe::Pending => None,
            Probe::Running { .. } => {
                let since = self.extra.since.unwrap_or(now);
                Some(now.saturating_sub(since).as_secs_f64() * 1000.0)
            }
            Probe::Done => Some(self.report.elapsed_ms),
        }
    }

    /// The one line that says why a device is where it is.
    pub fn why(&self) -> (WhyKind, String) {
        if let Some(f) = &self.report.failure {
            return (WhyKind::Fail, stage_says(f.stage, &f.message));
        }
        match self.probe {
            Probe::Pending => (WhyKind::Pending, "waiting to be probed".to_string()),
            Probe::Running { stage } => {
                let doing =
                    stage.map_or("starting".to_string(), |s| format!("probing {}", s.name()));
                (WhyKind::Running, format!("{doing}…"))
            }
            Probe::Done => match self.first_warning() {
                Some(w) => (WhyKind::Warn, stage_says(w.stage, &w.detail)),
                None => (WhyKind::Ready, self.ready_summary()),
            },
        }
    }

    fn ready_summary(&self) -> String {
        let reached = self.report.reached.map_or("nothing", Stage::name);
        match &self.report.prompt {
            Some(prompt) => format!("ready at {reached}, prompt {}", text::clean(prompt.trim())),
            None => format!("ready at {reached}"),
        }
    }

    /// The watch status the row shows: in watch mode, once the watch said anything.
    pub(crate) fn shown_watch(&self, watching: bool) -> Option<&WatchStatus> {
        self.watch
            .as_ref()
            .filter(|s| watching && s.state != WatchState::Removed)
    }

    /// The device's standing as its row tells it: in watch mode the watch's state (a device
    /// "waiting 7 s" for its next attempt is waiting, a stopped one fails where it stopped),
    /// else the probe's outcome. The header's counts, the groups and the sort read this, so
    /// they cannot contradict the rows.
    pub fn standing(&self, watching: bool) -> Condition {
        let Some(status) = self.shown_watch(watching) else {
            return self.outcome();
        };
        match &status.state {
            WatchState::Ready => Condition::Ready,
            WatchState::Stopped { stage, .. } => Condition::Failing(*stage),
            WatchState::Probing => Condition::Running,
            WatchState::Waiting { .. } | WatchState::Paused if status.attempts.is_empty() => {
                Condition::Pending
            }
            WatchState::Waiting { .. } | WatchState::Paused => Condition::Waiting,
            WatchState::Removed => self.outcome(),
        }
    }

    /// The row's "why": the watch's in watch mode (see `watch_why`), else the probe's.
    pub fn shown_why(&self, watching: bool) -> (WhyKind, String) {
        match self.shown_watch(watching) {
            Some(_) => self.watch_why(),
            None => None,
        }
        .unwrap_or_else(|| self.why())
    }

    /// The row's "why" in watch mode: the attempt strip and where the watch stands, e.g.
    /// "▁▂▂▃ waiting 4 s · port open but no SSH banner for 95 s". None without watch data.
    pub fn watch_why(&self) -> Option<(WhyKind, String)> {
        let status = self.watch.as_ref()?;
        let (kind, state) = watch_state(status);
        let strip = history_strip(status, STRIP_ATTEMPTS);
        if strip.is_empty() {
            return Some((kind, state));
        }
        Some((kind, format!("{strip} {state}")))
    }

    /// `host:port`, IPv6 literals bracketed.
    pub fn address(&self) -> String {
        let host = &self.report.host;
        if host.contains(':') {
            format!("[{host}]:{}", self.report.port)
        } else {
            format!("{host}:{}", self.report.port)
        }
    }
}

/// Attempts the row's strip shows.
pub const STRIP_ATTEMPTS: usize = 8;

/// One glyph per attempt, the taller the further it got (dns lowest, enable full); `·` when
/// not even DNS passed. The latest `count` attempts, oldest first.
pub fn history_strip(status: &WatchStatus, count: usize) -> String {
    const BARS: [char; 9] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█', '█'];
    let skip = status.attempts.len().saturating_sub(count);
    status.attempts[skip..]
        .iter()
        .map(|a| {
            a.reached
                .map_or('·', |stage| BARS[stage.index().min(BARS.len() - 1)])
        })
        .collect()
}

/// Where a watch stands, in a few words for the row.
pub fn watch_state(status: &WatchStatus) -> (WhyKind, String) {
    let stuck = |lead: String| match status.condition() {
        Some(condition) => format!("{lead} · {condition}"),
        None => lead,
    };
    match &status.state {
        WatchState::Waiting { .. } if status.attempts.is_empty() => (
            WhyKind::Pending,
            "waiting for its first attempt".to_string(),
        ),
        WatchState::Waiting { next_at_ms } => {
            // The status is sent as an attempt ends: the wait runs from that end.
            let ended = status.last_attempt().map_or(0, |a| a.end_ms());
            let wait = crate::model::seconds(next_at_ms.saturating_sub(ended));
            (WhyKind::Warn, stuck(format!("waiting {wait}")))
        }
        WatchState::Probing => (WhyKind::Running, stuck("probing…".to_string())),
        WatchState::Ready => (WhyKind::Ready, status.describe()),
        WatchState::Stopped { why, .. } => {
            (WhyKind::Fail, format!("stopped: {}", text::clean(why)))
        }
        WatchState::Paused => (WhyKind::Pending, stuck("paused".to_string())),
        WatchState::Removed => (WhyKind::Pending, "removed from the inventory".to_string()),
    }
}
