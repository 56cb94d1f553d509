//! A watched device's history: attempts (bounded), milestones, and the named conditions a
//! view shows ("port open but no SSH banner for 95 s").

use crate::device::Device;
use crate::model::{
    Attempt, DeviceReport, Failure, Milestones, Stage, Status, WatchState, WatchStatus,
};

/// Attempts kept per device when nothing else is said.
pub const DEFAULT_HISTORY: usize = 64;

/// A device's status before its first attempt.
pub fn fresh(device: &Device, until: Option<Stage>, now_ms: u64) -> WatchStatus {
    WatchStatus {
        name: device.name.clone(),
        host: device.host.clone(),
        port: device.port,
        state: WatchState::Waiting { next_at_ms: now_ms },
        until,
        milestones: Milestones {
            started_at_ms: now_ms,
            ..Milestones::default()
        },
        attempts: Vec::new(),
        attempts_total: 0,
        condition_since_ms: None,
    }
}

/// Starts a new watch of a device the inventory changed (or brought back): a new definition
/// is a new device to watch, so its milestones and attempts start from now. The old
/// attempts go with the old definition: kept, they would sit before the new start and
/// contradict the new first times. User actions (a re-probe, a fix) never restart a watch.
pub fn restart(status: &mut WatchStatus, device: &Device, now_ms: u64) {
    *status = WatchStatus {
        state: status.state.clone(),
        ..fresh(device, status.until, now_ms)
    };
}

/// Adds a finished attempt that began at `at_ms`, keeping at most `limit` attempts, and moves
/// the milestones. Returns true when the device got further than ever before in this watch.
pub fn record(status: &mut WatchStatus, at_ms: u64, report: &DeviceReport, limit: usize) -> bool {
    let attempt = Attempt {
        at_ms,
        reached: report.reached,
        failure: report.failure.clone(),
        elapsed_ms: report.elapsed_ms,
        banner_ms: report
            .result(Stage::Banner)
            .filter(|r| r.status != Status::Skip)
            .map(|r| r.elapsed_ms),
    };
    let same = status
        .attempts
        .last()
        .is_some_and(|last| signature(last) == signature(&attempt));
    if !same || status.condition_since_ms.is_none() {
        status.condition_since_ms = Some(at_ms);
    }
    let progressed = report.reached > best_since_start(status);
    let m = &mut status.milestones;
    let when = |stage: Stage| stage_end_ms(report, stage).map(|end| at_ms + end);
    if report.reached >= Some(Stage::Tcp) {
        m.tcp_open_at_ms = m.tcp_open_at_ms.or(when(Stage::Tcp));
    }
    if report.reached >= Some(Stage::Banner) {
        m.banner_at_ms = m.banner_at_ms.or(when(Stage::Banner));
    }
    if report.reached >= Some(Stage::Auth) {
        m.auth_ok_at_ms = m.auth_ok_at_ms.or(when(Stage::Auth));
    }
    status.attempts.push(attempt);
    let limit = limit.max(1);
    if status.attempts.len() > limit {
        let extra = status.attempts.len() - limit;
        status.attempts.drain(..extra);
    }
    status.attempts_total += 1;
    progressed
}

/// Marks the device ready at the end of its latest attempt (kept while it stays ready).
pub fn mark_ready(status: &mut WatchStatus) {
    let end = status.attempts.last().map(Attempt::end_ms);
    status.milestones.ready_at_ms = status.milestones.ready_at_ms.or(end);
    status.state = WatchState::Ready;
}

/// The latest attempt found the device not ready: a ready device re-probed and found down is
/// no longer "ready after …"; when it is ready again, that is counted from the watch's start.
pub fn mark_not_ready(status: &mut WatchStatus) {
    status.milestones.ready_at_ms = None;
}

/// Two attempts with the same signature leave the device in the same condition.
fn signature(a: &Attempt) -> (Option<Stage>, Option<String>) {
    (a.reached, a.failure.as_ref().map(Failure::condition))
}

/// The furthest stage reached since this device's watch (re)started.
fn best_since_start(status: &WatchStatus) -> Option<Stage> {
    let since = status.milestones.started_at_ms;
    status
        .attempts
        .iter()
        .filter(|a| a.at_ms >= since)
        .filter_map(|a| a.reached)
        .max()
}

/// When `stage` finished, in ms after the attempt began (the stages run back to back).
fn stage_end_ms(report: &DeviceReport, stage: Stage) -> Option<u64> {
    let mut total = 0.0;
    for result in &report.stages {
        total += result.elapsed_ms.max(0.0);
        if result.stage == stage {
            return Some(total.round() as u64);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::judge::tests::report;
    use super::*;
    use crate::device::{Device, parse_host_arg};

    fn device() -> Device {
        Device::from_target(&parse_host_arg("r3").expect("host arg"))
    }

    fn attempt(status: &mut WatchStatus, at_ms: u64, last: Option<Stage>, fail: (Stage, &str)) {
        let mut r = report(last, Some(fail));
        r.elapsed_ms = 2000.0;
        record(status, at_ms, &r, 4);
    }

    #[test]
    fn a_silent_port_is_named_with_its_duration() {
        let mut s = fresh(&device(), None, 0);
        assert_eq!(s.describe(), "not probed yet");
        attempt(&mut s, 0, None, (Stage::Tcp, "refused"));
        attempt(&mut s, 3000, None, (Stage::Tcp, "refused"));
        assert_eq!(
            s.condition().as_deref(),
            Some("port closed (connection refused) for 5 s")
        );
        for (at, how) in [
            (10_000, "timeout"),
            (30_000, "closed"),
            (60_000, "timeout"),
            (90_000, "closed"),
            (103_000, "timeout"),
        ] {
            attempt(&mut s, at, Some(Stage::Tcp), (Stage::Banner, how));
        }
        assert_eq!(
            s.condition().as_deref(),
            Some("port open but no SSH banner for 95 s")
        );
        assert_eq!(s.attempts.len(), 4, "history is bounded");
        assert_eq!(s.attempts_total, 7);
        assert!(s.describe().ends_with("(7 attempts)"), "{}", s.describe());
    }

    #[test]
    fn milestones_are_first_times_and_ready_counts_from_the_start() {
        let mut s = fresh(&device(), None, 1000);
        attempt(&mut s, 1000, Some(Stage::Tcp), (Stage::Banner, "timeout"));
        let tcp = s.milestones.tcp_open_at_ms.expect("tcp opened");
        assert_eq!(tcp, 1000 + 2, "dns and tcp took 1 ms each");
        let mut ok = report(Some(Stage::Prompt), None);
        ok.elapsed_ms = 500.0;
        assert!(record(&mut s, 9000, &ok, 4), "progress");
        mark_ready(&mut s);
        assert_eq!(s.milestones.tcp_open_at_ms, Some(tcp), "first time kept");
        assert_eq!(s.milestones.banner_at_ms, Some(9003));
        assert_eq!(s.milestones.auth_ok_at_ms, Some(9007));
        assert_eq!(s.milestones.ready_at_ms, Some(9500));
        assert_eq!(s.milestones.time_to_ready_ms(), Some(8500));
        assert_eq!(s.condition(), None);
        assert_eq!(s.describe(), "ready (prompt) after 9 s, 2 attempts");
        assert!(!record(&mut s, 20_000, &ok, 4), "no further than before");
    }
}
