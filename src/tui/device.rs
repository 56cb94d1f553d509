//! One device as the UI tracks it: the latest report plus where its probe is, and the
//! summaries every view derives from that (stage marks, outcome, the one-line "why").

use std::time::Duration;

use super::text;
use crate::model::{DeviceReport, Event, Stage, Status, WatchState, WatchStatus};

/// "kex: no common kex …", without repeating the stage when the message starts with it
/// ("host key changed: …").
pub fn stage_says(stage: Stage, message: &str) -> String {
    let message = text::clean(message);
    // "auth" must not swallow "authentication failed …": the title has to end a word.
    let names_stage = message
        .to_lowercase()
        .strip_prefix(stage.title())
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()));
    if names_stage {
        message
    } else {
        format!("{}: {message}", stage.title())
    }
}

/// Where a device's probe is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// Not started yet.
    Pending,
    /// Started at `since` (clock time); `stage` is running, None between two stages.
    Running {
        stage: Option<Stage>,
        since: Duration,
    },
    Done,
}

/// What one stage cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageMark {
    Pending,
    Running,
    Ended(Status),
    /// The probe finished without running this stage.
    NotRun,
}

/// A device's standing, for counts and groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Failing(Stage),
    Running,
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

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub report: DeviceReport,
    pub progress: Progress,
    /// Lower-cased name, address and reason: what the filter matches, computed once per update.
    pub search_text: String,
    /// Lower-cased name, the sort key, computed once.
    pub sort_name: String,
    /// The latest watch status, once watch mode has said anything about this device.
    pub watch: Option<WatchStatus>,
}

impl DeviceRow {
    pub fn new(report: DeviceReport) -> Self {
        let sort_name = report.name.to_lowercase();
        let mut row = Self {
            report,
            progress: Progress::Pending,
            search_text: String::new(),
            sort_name,
            watch: None,
        };
        row.refresh_search_text();
        row
    }

    /// Folds one engine event for this device; `now` is the injected clock's reading.
    pub fn apply(&mut self, event: Event, now: Duration) {
        match event {
            Event::Started { .. } => {
                self.report = DeviceReport {
                    name: std::mem::take(&mut self.report.name),
                    host: std::mem::take(&mut self.report.host),
                    port: self.report.port,
                    ..DeviceReport::default()
                };
                self.progress = Progress::Running {
                    stage: None,
                    since: now,
                };
            }
            Event::StageStarted { stage, .. } => {
                let since = self.started_at().unwrap_or(now);
                self.progress = Progress::Running {
                    stage: Some(stage),
                    since,
                };
            }
            Event::StageFinished { report, .. } => {
                let since = self.started_at().unwrap_or(now);
                self.report = *report;
                self.progress = Progress::Running { stage: None, since };
            }
            Event::Finished { report, .. } => {
                self.report = *report;
                self.progress = Progress::Done;
            }
            // Fix proposals and outcomes belong to the dialog, not the row.
            Event::FixProposed { .. } | Event::FixFinished { .. } => return,
            // The app stores watch statuses with `set_watch`; the report stays the probe's.
            Event::Watch(_) | Event::LocalClients(_) => return,
        }
        self.sort_name = self.report.name.to_lowercase();
        self.refresh_search_text();
    }

    fn started_at(&self) -> Option<Duration> {
        match self.progress {
            Progress::Running { since, .. } => Some(since),
            _ => None,
        }
    }

    fn refresh_search_text(&mut self) {
        let r = &self.report;
        let mut text = format!("{}\n{}:{}\n", r.name, r.host, r.port);
        if let Some(address) = &r.address {
            text.push_str(address);
            text.push('\n');
        }
        if let Some(f) = &r.failure {
            text.push_str(&format!("{} {} {}", f.stage.title(), f.reason, f.message));
        }
        self.search_text = text.to_lowercase();
    }

    pub fn is_running(&self) -> bool {
        matches!(self.progress, Progress::Running { .. })
    }

    pub fn mark(&self, stage: Stage) -> StageMark {
        if let Some(result) = self.report.result(stage) {
            return StageMark::Ended(result.status);
        }
        match self.progress {
            Progress::Running {
                stage: Some(running),
                ..
            } if running == stage => StageMark::Running,
            Progress::Done => StageMark::NotRun,
            _ => StageMark::Pending,
        }
    }

    pub fn outcome(&self) -> Outcome {
        if let Some(failure) = &self.report.failure {
            return Outcome::Failing(failure.stage);
        }
        match self.progress {
            Progress::Pending => Outcome::Pending,
            Progress::Running { .. } => Outcome::Running,
            Progress::Done => Outcome::Ready,
        }
    }

    /// The first stage that passed with a warning.
    pub fn first_warning(&self) -> Option<&crate::model::StageResult> {
        self.report.stages.iter().find(|r| r.status == Status::Warn)
    }

    /// Total time: the report's for a finished probe, clock time for a running one.
    pub fn elapsed_ms(&self, now: Duration) -> Option<f64> {
        match self.progress {
            Progress::Pending => None,
            Progress::Running { since, .. } => {
                Some(now.saturating_sub(since).as_secs_f64() * 1000.0)
            }
            Progress::Done => Some(self.report.elapsed_ms),
        }
    }

    /// The one line that says why a device is where it is.
    pub fn why(&self) -> (WhyKind, String) {
        if let Some(f) = &self.report.failure {
            return (WhyKind::Fail, stage_says(f.stage, &f.message));
        }
        match self.progress {
            Progress::Pending => (WhyKind::Pending, "waiting to be probed".to_string()),
            Progress::Running { stage, .. } => {
                let doing =
                    stage.map_or("starting".to_string(), |s| format!("probing {}", s.title()));
                (WhyKind::Running, format!("{doing}…"))
            }
            Progress::Done => match self.first_warning() {
                Some(w) => (WhyKind::Warn, stage_says(w.stage, &w.detail)),
                None => (WhyKind::Ready, self.ready_summary()),
            },
        }
    }

    fn ready_summary(&self) -> String {
        let reached = self.report.reached.map_or("nothing", Stage::title);
        match &self.report.prompt {
            Some(prompt) => format!("ready at {reached}, prompt {}", text::clean(prompt.trim())),
            None => format!("ready at {reached}"),
        }
    }

    /// Keeps the latest watch status; the probe report is left as the probe events made it,
    /// except for the name and address, which follow the inventory (a reload may change them).
    pub fn set_watch(&mut self, status: WatchStatus) {
        let r = &self.report;
        if (r.name.as_str(), r.host.as_str(), r.port)
            != (status.name.as_str(), status.host.as_str(), status.port)
        {
            self.report.name = status.name.clone();
            self.report.host = status.host.clone();
            self.report.port = status.port;
            self.sort_name = self.report.name.to_lowercase();
            self.refresh_search_text();
        }
        self.watch = Some(status);
    }

    /// Gone from the inventory (a reload removed it): no longer shown or counted.
    pub fn is_removed(&self) -> bool {
        self.watch
            .as_ref()
            .is_some_and(|w| w.state == WatchState::Removed)
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
            let ended = status.last_attempt().map_or(0, crate::watch::end_ms);
            let wait = crate::watch::seconds(next_at_ms.saturating_sub(ended));
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
