//! What views say about a watched device: where it is stuck and for how long, in words.

use super::{Attempt, Failure, Reason, Stage, WatchState, WatchStatus};

/// A running attempt, in the words of its current stage: "banner: waiting for the
/// identification line, 17 s".
pub fn running_stage(stage: Stage, for_ms: u64) -> String {
    format!(
        "{}: {}, {}",
        stage.name(),
        stage.facts().waiting_for,
        seconds(for_ms)
    )
}

/// Evidence that the per-stage timeout, not the device, ends the attempts: the latest ones
/// all gave up waiting for the identification line after the same time. A device that answers
/// slower than that (a loaded VM, a reverse-DNS lookup before the banner) never gets through
/// however often it is tried; a longer stage timeout lets it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlowBanner {
    /// How long each of them waited: the stage timeout in force.
    pub gave_up_after_ms: u64,
    /// How many attempts in a row.
    pub attempts: usize,
    /// The longest an earlier attempt waited for a banner that came.
    pub came_after_ms: Option<u64>,
}

impl SlowBanner {
    /// A stage timeout worth trying, in whole seconds: well above the last wait (twice it,
    /// and at least 10 s), and above the slowest banner seen with room to spare.
    pub fn suggested_secs(&self) -> u64 {
        // The timeout in force, as configured (the wait overshoots it by a few ms).
        let waited = (self.gave_up_after_ms + 500) / 1000;
        let seen = self
            .came_after_ms
            .map_or(0, |ms| (ms * 3 / 2).div_ceil(1000));
        (waited * 2).max(10).max(seen)
    }

    /// "the banner stage timed out every time at 1 s (3 attempts; an earlier attempt got its
    /// banner after 0.9 s)".
    pub fn evidence(&self) -> String {
        let came = self
            .came_after_ms
            .map(|ms| {
                format!(
                    "; an earlier attempt got its banner after {:.1} s",
                    ms as f64 / 1000.0
                )
            })
            .unwrap_or_default();
        format!(
            "the banner stage timed out every time at {} ({} attempts{came})",
            seconds(self.gave_up_after_ms),
            self.attempts
        )
    }
}

/// Attempts in a row that must have timed out at the banner before the stage timeout is
/// suspected: one could be a device still booting.
const SLOW_BANNER_STREAK: usize = 2;

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

    /// The latest attempts all timed out waiting for the banner, each after the same time
    /// (the stage timeout; within a tenth). None otherwise, and once the device is ready.
    pub fn slow_banner(&self) -> Option<SlowBanner> {
        if matches!(self.state, WatchState::Ready | WatchState::Removed) {
            return None;
        }
        let timed_out = |a: &Attempt| {
            a.failure
                .as_ref()
                .is_some_and(|f| f.reason == Reason::BannerTimeout)
        };
        let streak: Vec<f64> = self
            .attempts
            .iter()
            .rev()
            .take_while(|a| timed_out(a))
            .filter_map(|a| a.banner_ms)
            .collect();
        let last = *streak.first()?;
        let same = streak
            .iter()
            .take_while(|ms| (*ms - last).abs() <= last / 10.0)
            .count();
        if same < SLOW_BANNER_STREAK {
            return None;
        }
        let came_after_ms = self
            .attempts
            .iter()
            .filter(|a| a.reached >= Some(Stage::Banner))
            .filter_map(|a| a.banner_ms)
            .map(|ms| ms.round() as u64)
            .max();
        Some(SlowBanner {
            gave_up_after_ms: last.round() as u64,
            attempts: same,
            came_after_ms,
        })
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

    fn attempt(
        at_ms: u64,
        reached: Option<Stage>,
        reason: Option<Reason>,
        banner_ms: f64,
    ) -> Attempt {
        Attempt {
            at_ms,
            reached,
            failure: reason.map(|reason| Failure {
                stage: Stage::Banner,
                reason,
                message: "no SSH banner".into(),
            }),
            elapsed_ms: banner_ms + 1.0,
            banner_ms: Some(banner_ms),
        }
    }

    fn status(attempts: Vec<Attempt>) -> WatchStatus {
        WatchStatus {
            name: "r1".into(),
            host: "127.0.0.1".into(),
            port: 22,
            state: WatchState::Waiting { next_at_ms: 0 },
            until: None,
            milestones: Default::default(),
            attempts_total: attempts.len() as u64,
            attempts,
            condition_since_ms: Some(0),
        }
    }

    /// Two attempts in a row that waited the same stage timeout for a banner that never came
    /// point at the timeout; one, a closed connection or different waits do not.
    #[test]
    fn a_banner_slower_than_the_stage_timeout_is_named_with_its_evidence() {
        let timeout = Some(Reason::BannerTimeout);
        let tcp = Some(Stage::Tcp);
        assert_eq!(
            status(vec![attempt(0, tcp, timeout, 1003.0)]).slow_banner(),
            None
        );
        let closed = attempt(2000, tcp, Some(Reason::BannerClosed), 1000.0);
        let s = status(vec![attempt(0, tcp, timeout, 1003.0), closed]);
        assert_eq!(s.slow_banner(), None, "a close is not a timeout");
        let s = status(vec![
            attempt(0, tcp, timeout, 8000.0),
            attempt(9000, tcp, timeout, 1000.0),
        ]);
        assert_eq!(s.slow_banner(), None, "the timeout changed in between");

        let mut s = status(vec![
            attempt(0, Some(Stage::Enable), None, 900.0),
            attempt(3000, tcp, timeout, 1004.0),
            attempt(5000, tcp, timeout, 1001.0),
            attempt(7000, tcp, timeout, 1002.0),
        ]);
        let slow = s.slow_banner().expect("evidence");
        assert_eq!(slow.gave_up_after_ms, 1002);
        assert_eq!(slow.attempts, 3);
        assert_eq!(slow.came_after_ms, Some(900));
        assert_eq!(
            slow.evidence(),
            "the banner stage timed out every time at 1 s (3 attempts; an earlier attempt got \
             its banner after 0.9 s)"
        );
        assert_eq!(slow.suggested_secs(), 10, "at least 10 s");
        s.attempts[3].banner_ms = Some(8000.0);
        s.attempts[2].banner_ms = Some(8000.0);
        assert_eq!(s.slow_banner().map(|b| b.suggested_secs()), Some(16));
        s.state = WatchState::Ready;
        assert_eq!(s.slow_banner(), None);
    }

    #[test]
    fn a_running_stage_reads_as_what_it_waits_for() {
        assert_eq!(
            running_stage(Stage::Banner, 17_200),
            "banner: waiting for the identification line, 17 s"
        );
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(95_000), "95 s");
        assert_eq!(seconds(400), "0 s");
        assert_eq!(seconds(240_000), "4 min");
        assert_eq!(seconds(245_400), "4 min 5 s");
    }
}
