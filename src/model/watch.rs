//! What views say about a watched device: where it is stuck and for how long, in words.

use super::{Attempt, Failure, Reason, Stage, WatchState, WatchStatus};

/// "95 s", "4 min 5 s": whole seconds, as a person reads a wait.
pub fn seconds(ms: u64) -> String {
    let s = (ms + 500) / 1000;
    if s < 120 {
        format!("{s} s")
    } else if s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}

impl Failure {
    /// The condition this failure leaves a device in, as an engineer names it; a silent
    /// port that times out or closes on us is the same "port open but no SSH banner".
    pub fn condition(&self) -> String {
        let reason = self.reason;
        match (self.stage, reason) {
            (Stage::Tcp, Reason::TcpRefused) => "port closed (connection refused)".to_owned(),
            (Stage::Tcp, _) => format!("no TCP connection ({reason})"),
            (Stage::Banner, Reason::BannerNotSsh) => "port open but not speaking SSH".to_owned(),
            (Stage::Banner, _) => "port open but no SSH banner".to_owned(),
            (Stage::Dns, _) => format!("name does not resolve ({reason})"),
            (stage, _) => format!("fails at {stage} ({reason})"),
        }
    }
}

impl WatchStatus {
    pub fn last_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    /// How long the device has been in its current condition, from the first attempt of the
    /// streak to the end of the latest one.
    pub fn condition_ms(&self) -> Option<u64> {
        let last = self.attempts.last()?;
        Some(last.end_ms().saturating_sub(self.condition_since_ms?))
    }

    /// Where a device that is not ready is stuck, named the way an engineer says it:
    /// "port open but no SSH banner for 95 s". None before the first attempt and when the
    /// latest attempt failed nowhere.
    pub fn condition(&self) -> Option<String> {
        let kind = self.condition_kind()?;
        Some(format!(
            "{kind} for {}",
            seconds(self.condition_ms().unwrap_or(0))
        ))
    }

    /// The condition without its duration: "port open but no SSH banner".
    pub fn condition_kind(&self) -> Option<String> {
        self.attempts
            .last()?
            .failure
            .as_ref()
            .map(Failure::condition)
    }

    /// One line for summaries: ready with the time it took, stopped and why, or stuck where.
    pub fn describe(&self) -> String {
        let attempts = match self.attempts_total {
            1 => "1 attempt".to_owned(),
            n => format!("{n} attempts"),
        };
        match &self.state {
            WatchState::Ready => {
                let at = self
                    .last_attempt()
                    .and_then(|a| a.reached)
                    .map(|s| s.name())
                    .unwrap_or("-");
                match self.milestones.time_to_ready_ms() {
                    Some(ms) => format!("ready ({at}) after {}, {attempts}", seconds(ms)),
                    None => format!("ready ({at}), {attempts}"),
                }
            }
            WatchState::Stopped { stage, reason, why } => {
                format!("stopped at {stage} ({reason}): {why}")
            }
            WatchState::Removed => "removed from the inventory".to_owned(),
            _ => match (self.condition(), self.last_attempt()) {
                (Some(condition), _) => format!("{condition} ({attempts})"),
                (None, Some(_)) => format!("not at its target yet ({attempts})"),
                (None, None) => "not probed yet".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(95_000), "95 s");
        assert_eq!(seconds(400), "0 s");
        assert_eq!(seconds(240_000), "4 min");
        assert_eq!(seconds(245_400), "4 min 5 s");
    }
}
