//! The scheduler against a scripted prober: timing, safety stops, caps, reloads. Real devices
//! are in tests/watch.rs.

use super::judge::tests::report;
use super::*;
use crate::device::parse_host_arg;
use crate::model::{WatchEvent, WatchState, WatchStatus};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

fn device(name: &str) -> Device {
    let mut d = Device::from_target(&parse_host_arg("127.0.0.1").expect("host"));
    d.name = name.to_owned();
    d
}

/// What each device's n-th attempt returns (the last entry repeats), how long it takes, and
/// when each attempt started.
#[derive(Default)]
struct Script {
    outcomes: HashMap<String, Vec<DeviceReport>>,
    duration: Duration,
    calls: Mutex<Vec<(String, Instant)>>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    overlapping_same_device: AtomicUsize,
    running_names: Mutex<Vec<String>>,
}

impl Script {
    fn calls(&self, name: &str) -> Vec<Instant> {
        let calls = self.calls.lock().expect("lock");
        calls
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, t)| *t)
            .collect()
    }
}

fn prober(script: Arc<Script>) -> Prober {
    Arc::new(move |device: Device, _index, _shared, _events| {
        let script = script.clone();
        Box::pin(async move {
            let n = {
                let mut calls = script.calls.lock().expect("lock");
                calls.push((device.name.clone(), Instant::now()));
                calls.iter().filter(|(n, _)| *n == device.name).count()
            };
            {
                let mut names = script.running_names.lock().expect("lock");
                if names.contains(&device.name) {
                    script
                        .overlapping_same_device
                        .fetch_add(1, Ordering::SeqCst);
                }
                names.push(device.name.clone());
            }
            let now = script.running.fetch_add(1, Ordering::SeqCst) + 1;
            script.max_running.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(script.duration).await;
            script.running.fetch_sub(1, Ordering::SeqCst);
            script
                .running_names
                .lock()
                .expect("lock")
                .retain(|n| *n != device.name);
            let list = &script.outcomes[&device.name];
            let mut r = list[(n - 1).min(list.len() - 1)].clone();
            r.name = device.name.clone();
            r
        })
    })
}

fn booting() -> DeviceReport {
    report(Some(Stage::Tcp), Some((Stage::Banner, "timeout")))
}

fn up() -> DeviceReport {
    report(Some(Stage::Prompt), None)
}

fn fast(backoff_ms: u64) -> WatchOptions {
    WatchOptions {
        backoff: Backoff {
            initial: Duration::from_millis(backoff_ms),
            factor: 2.0,
            max: Duration::from_millis(backoff_ms * 4),
            jitter: 0.0,
        },
        connections_per_second: 1000.0,
        ..WatchOptions::default()
    }
}

fn start(
    script: Arc<Script>,
    names: &[&str],
    concurrency: usize,
    options: WatchOptions,
) -> (WatchHandle, UnboundedReceiver<Event>) {
    let (tx, rx) = unbounded_channel();
    let devices = names.iter().map(|n| device(n)).collect();
    let shared = Arc::new(Shared::new(crate::engine::Settings {
        concurrency,
        ..Default::default()
    }));
    (
        super::spawn_with(devices, shared, prober(script), options, tx),
        rx,
    )
}

/// Latest status per device, folded from the events.
#[derive(Default)]
struct Seen {
    status: HashMap<usize, WatchStatus>,
    reloads: Vec<WatchEvent>,
}

impl Seen {
    fn fold(&mut self, rx: &mut UnboundedReceiver<Event>) {
        while let Ok(event) = rx.try_recv() {
            if let Event::Watch(w) = event {
                match *w {
                    WatchEvent::Device { device, status } => {
                        self.status.insert(device, status);
                    }
                    other => self.reloads.push(other),
                }
            }
        }
    }

    fn state(&self, device: usize) -> Option<&WatchState> {
        self.status.get(&device).map(|s| &s.state)
    }
}

/// Folds events until `done` holds; panics after 5 s.
async fn until(
    seen: &mut Seen,
    rx: &mut UnboundedReceiver<Event>,
    what: &str,
    done: impl Fn(&Seen) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        seen.fold(rx);
        if done(seen) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn retries_follow_the_backoff_and_stop_once_ready() {
    let mut script = Script::default();
    let mut outcomes = vec![booting(); 5];
    outcomes.push(up());
    script.outcomes.insert("r1".into(), outcomes);
    let script = Arc::new(script);
    let (handle, mut rx) = start(script.clone(), &["r1"], 8, fast(40));
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "ready", |s| {
        s.state(0) == Some(&WatchState::Ready)
    })
    .await;
    let calls = script.calls("r1");
    assert_eq!(calls.len(), 6);
    // 40, 80, 160, 160 (cap), 160 ms between attempts, never less.
    let want = [40, 80, 160, 160, 160];
    for (i, pair) in calls.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(want[i]),
            "gap {i} was {gap:?}, backoff says {} ms",
            want[i]
        );
    }
    let status = &seen.status[&0];
    assert_eq!(status.attempts_total, 6);
    assert!(status.milestones.tcp_open_at_ms.is_some());
    assert!(status.milestones.ready_at_ms >= status.milestones.banner_at_ms);
    assert!(status.milestones.time_to_ready_ms().expect("ready") >= 600);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(script.calls("r1").len(), 6, "a ready device stays put");
    handle.stop().await;
}

#[tokio::test]
async fn a_rejected_password_is_tried_once_until_reprobed_by_hand() {
    let mut script = Script::default();
    let rejected = report(Some(Stage::AuthMethods), Some((Stage::Auth, "rejected")));
    script.outcomes.insert("r2".into(), vec![rejected]);
    let script = Arc::new(script);
    let (handle, mut rx) = start(script.clone(), &["r2"], 8, fast(20));
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "stopped", |s| {
        matches!(s.state(0), Some(WatchState::Stopped { .. }))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(script.calls("r2").len(), 1, "never retried on its own");
    let Some(WatchState::Stopped { stage, reason, why }) = seen.state(0) else {
        panic!("stopped")
    };
    assert_eq!((*stage, reason.name()), (Stage::Auth, "rejected"));
    assert!(why.contains("by hand"), "{why}");
    assert!(handle.command(Command::Reprobe(0)));
    until(&mut seen, &mut rx, "second attempt", |_| {
        script.calls("r2").len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(script.calls("r2").len(), 2, "one attempt per request");
    handle.stop().await;
}

#[tokio::test]
async fn the_connection_budget_is_shared_by_all_devices() {
    let names: Vec<String> = (0..12).map(|i| format!("d{i}")).collect();
    let mut script = Script::default();
    for n in &names {
        script.outcomes.insert(n.clone(), vec![booting()]);
    }
    let script = Arc::new(script);
    let options = WatchOptions {
        connections_per_second: 10.0,
        ..fast(10)
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (handle, _rx) = start(script.clone(), &refs, 64, options);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let total = script.calls.lock().expect("lock").len();
    // A burst of 10, then 10 a second: at most about 20 in the first second.
    assert!(
        (10..=21).contains(&total),
        "{total} attempts in {:?}",
        t0.elapsed()
    );
    handle.stop().await;
}

#[tokio::test]
async fn concurrency_and_one_connection_per_device_hold() {
    let mut script = Script {
        duration: Duration::from_millis(60),
        ..Script::default()
    };
    for n in ["a", "b", "c"] {
        script.outcomes.insert(n.into(), vec![booting()]);
    }
    let script = Arc::new(script);
    // The backoff is shorter than an attempt: the next one still waits for the last.
    let (handle, _rx) = start(script.clone(), &["a", "b", "c"], 2, fast(5));
    tokio::time::sleep(Duration::from_millis(600)).await;
    handle.stop().await;
    assert_eq!(script.max_running.load(Ordering::SeqCst), 2);
    assert_eq!(script.overlapping_same_device.load(Ordering::SeqCst), 0);
    assert!(script.calls("c").len() >= 2, "every device gets its turn");
}

#[tokio::test]
async fn watching_off_probes_only_on_request() {
    let mut script = Script::default();
    script.outcomes.insert("r1".into(), vec![booting()]);
    let script = Arc::new(script);
    let options = WatchOptions {
        watching: false,
        ..fast(10)
    };
    let (handle, mut rx) = start(script.clone(), &["r1"], 8, options);
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "paused", |s| {
        s.state(0) == Some(&WatchState::Paused)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(script.calls("r1").len(), 1, "the first probe only");
    assert!(handle.set_watching(true));
    until(&mut seen, &mut rx, "retries", |_| {
        script.calls("r1").len() >= 3
    })
    .await;
    assert!(handle.set_watching(false));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let frozen = script.calls("r1").len();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(script.calls("r1").len(), frozen);
    handle.stop().await;
}

#[tokio::test]
async fn the_inventory_file_is_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("names.txt");
    std::fs::write(&path, "a\nb\n").expect("write");
    // One device per line: `name` or `name port` (a port change is a changed device).
    let file = path.clone();
    let load: Loader = Arc::new(move || {
        let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
        if text.contains('!') {
            return Err("line 1: not an inventory".into());
        }
        let devices = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut parts = l.split(' ');
                let mut d = device(parts.next().unwrap_or(""));
                d.port = parts.next().and_then(|p| p.parse().ok()).unwrap_or(22);
                d
            })
            .collect();
        Ok(Loaded {
            devices,
            warnings: Vec::new(),
            shared: None,
        })
    });
    let mut script = Script::default();
    let rejected = report(Some(Stage::AuthMethods), Some((Stage::Auth, "rejected")));
    script.outcomes.insert("a".into(), vec![rejected]);
    script.outcomes.insert("b".into(), vec![up()]);
    script.outcomes.insert("c".into(), vec![up()]);
    let script = Arc::new(script);
    let options = WatchOptions {
        reload: Some(Reload {
            paths: vec![path.clone()],
            every: Duration::from_millis(50),
            load,
        }),
        ..fast(10)
    };
    let (handle, mut rx) = start(script.clone(), &["a", "b"], 8, options);
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "a stopped, b ready", |s| {
        matches!(s.state(0), Some(WatchState::Stopped { .. }))
            && s.state(1) == Some(&WatchState::Ready)
    })
    .await;

    std::fs::write(&path, "!\n").expect("write");
    until(&mut seen, &mut rx, "reload error", |s| {
        s.reloads
            .iter()
            .any(|r| matches!(r, WatchEvent::ReloadFailed { .. }))
    })
    .await;
    assert!(
        matches!(seen.state(0), Some(WatchState::Stopped { .. })),
        "kept"
    );

    // a's entry changed (new port): its stop is lifted; b went away; c is new.
    std::fs::write(&path, "a 2222\nc\n").expect("write");
    until(&mut seen, &mut rx, "reloaded", |s| {
        s.state(1) == Some(&WatchState::Removed) && s.state(2) == Some(&WatchState::Ready)
    })
    .await;
    let reloaded = seen
        .reloads
        .iter()
        .find(|r| matches!(r, WatchEvent::Reloaded { .. }))
        .expect("a reload event");
    assert_eq!(
        reloaded,
        &WatchEvent::Reloaded {
            added: vec![2],
            removed: vec![1],
            changed: vec![0],
            warnings: Vec::new(),
        }
    );
    until(&mut seen, &mut rx, "a probed again", |_| {
        script.calls("a").len() == 2
    })
    .await;
    assert_eq!(seen.status[&0].port, 2222);
    // A changed entry is a new device to watch: its history starts over with it.
    assert_eq!(seen.status[&0].attempts_total, 1, "{:#?}", seen.status[&0]);
    assert_one_clock(&seen.status[&0]);
    assert_eq!(seen.status[&2].name, "c");
    // Views that act on a device (fixes) see the same list.
    let roster = |i: usize| {
        handle.roster().read().expect("roster")[i]
            .as_ref()
            .map(|d| (d.name.clone(), d.port))
    };
    assert_eq!(roster(0), Some(("a".into(), 2222)));
    assert_eq!(roster(1), None, "b was removed");
    assert_eq!(roster(2), Some(("c".into(), 22)));

    // b comes back under its old index.
    std::fs::write(&path, "a 2222\nc\nb\n").expect("write");
    until(&mut seen, &mut rx, "b back", |s| {
        s.state(1) == Some(&WatchState::Ready) && script.calls("b").len() == 2
    })
    .await;
    assert_eq!(roster(1), Some(("b".into(), 22)));
    handle.stop().await;
}

#[tokio::test]
async fn the_scheduler_ends_when_the_view_goes_away() {
    let mut script = Script::default();
    script.outcomes.insert("r1".into(), vec![booting()]);
    let script = Arc::new(script);
    let (handle, rx) = start(script, &["r1"], 8, fast(10));
    drop(rx);
    let ended = tokio::time::timeout(Duration::from_secs(5), handle.task).await;
    assert!(
        ended.is_ok(),
        "the scheduler kept running with nobody listening"
    );
}

#[tokio::test]
async fn a_fix_holds_the_device_and_its_probe_counts_as_an_attempt() {
    let mut script = Script::default();
    script.outcomes.insert("k".into(), vec![booting()]);
    let script = Arc::new(script);
    let (handle, mut rx) = start(script.clone(), &["k"], 8, fast(100));
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "waiting for the second attempt", |s| {
        matches!(s.state(0), Some(WatchState::Waiting { .. }))
    })
    .await;
    let lease = Lease::take(&handle.sender(), 0).await;
    lease.connection_token().await;
    until(&mut seen, &mut rx, "probing for the fix", |s| {
        s.state(0) == Some(&WatchState::Probing)
    })
    .await;
    // Due attempts and requests wait while the fix holds the device.
    assert!(handle.command(Command::Reprobe(0)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(script.calls("k").len(), 1, "no attempt beside the fix's");

    lease.release(Some(up()), None);
    until(&mut seen, &mut rx, "ready", |s| {
        s.state(0) == Some(&WatchState::Ready)
    })
    .await;
    let status = &seen.status[&0];
    assert_eq!(status.attempts_total, 2, "the first attempt and the fix's");
    assert_eq!(
        status.attempts.last().map(|a| a.reached),
        Some(Some(Stage::Prompt))
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(script.calls("k").len(), 1, "a ready device stays put");
    handle.stop().await;
}

#[tokio::test]
async fn a_fix_that_learnt_nothing_gives_the_device_back() {
    let mut script = Script {
        duration: Duration::from_millis(100),
        ..Script::default()
    };
    script.outcomes.insert("k".into(), vec![booting()]);
    let script = Arc::new(script);
    let options = WatchOptions {
        watching: false,
        ..fast(10)
    };
    let (handle, mut rx) = start(script.clone(), &["k"], 8, options);
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "first attempt", |_| {
        script.calls("k").len() == 1
    })
    .await;
    // A fix that fails (or panics) drops its lease: the attempt it cancelled runs again.
    drop(Lease::take(&handle.sender(), 0).await);
    until(
        &mut seen,
        &mut rx,
        "the cancelled attempt again, then paused",
        |s| script.calls("k").len() == 2 && s.state(0) == Some(&WatchState::Paused),
    )
    .await;

    // A fix that changed the definition but whose probe does not count (rolled back, say):
    // the roster has the new device, and the watch state is what it was.
    let lease = Lease::take(&handle.sender(), 0).await;
    until(&mut seen, &mut rx, "probing for the fix", |s| {
        s.state(0) == Some(&WatchState::Probing)
    })
    .await;
    let mut changed = device("k");
    changed.port = 2200;
    lease.release(None, Some(changed));
    until(&mut seen, &mut rx, "paused again", |s| {
        s.state(0) == Some(&WatchState::Paused)
    })
    .await;
    let port = handle.roster().read().expect("roster")[0]
        .as_ref()
        .map(|d| d.port);
    assert_eq!(port, Some(2200));
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(script.calls("k").len(), 2, "nothing probed on its own");
    handle.stop().await;
}

/// Every milestone and attempt is on one clock (ms since the watch began) and belongs to the
/// device's current watch: no attempt before its start, and each first time lies within the
/// first attempt that got there.
fn assert_one_clock(status: &WatchStatus) {
    let m = &status.milestones;
    for a in &status.attempts {
        assert!(
            a.at_ms >= m.started_at_ms,
            "attempt before the watch: {status:#?}"
        );
    }
    for (stage, at) in [
        (Stage::Tcp, m.tcp_open_at_ms),
        (Stage::Banner, m.banner_at_ms),
        (Stage::Auth, m.auth_ok_at_ms),
    ] {
        let first = status.attempts.iter().find(|a| a.reached >= Some(stage));
        match (first, at) {
            (Some(a), Some(at)) => assert!(
                (a.at_ms..=a.end_ms()).contains(&at),
                "{stage} first at {at} ms, but first reached by the attempt at {} ms: {status:#?}",
                a.at_ms
            ),
            (None, None) => {}
            (first, at) => panic!("{stage}: {first:?} vs {at:?}: {status:#?}"),
        }
    }
    if let (Some(ready), Some(last)) = (m.ready_at_ms, status.last_attempt()) {
        assert!(
            ready <= last.end_ms() && ready >= m.started_at_ms,
            "{status:#?}"
        );
    }
}

/// A device fixed by a user action counts its time to ready from when its watch started,
/// not from the fix: a fix changes how it is reached, not when the watch began.
#[tokio::test]
async fn a_fixed_device_is_ready_after_the_whole_wait_not_after_the_fix() {
    let mut script = Script::default();
    script.outcomes.insert("k".into(), vec![booting()]);
    let script = Arc::new(script);
    let (handle, mut rx) = start(script.clone(), &["k"], 8, fast(40));
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "a few attempts", |s| {
        s.status.get(&0).is_some_and(|s| s.attempts_total >= 3)
            && matches!(s.state(0), Some(WatchState::Waiting { .. }))
    })
    .await;
    let lease = Lease::take(&handle.sender(), 0).await;
    // The fix wrote a new definition (its algorithms, say) and its probe got through.
    let mut fixed = device("k");
    fixed.port = 2200;
    lease.release(Some(up()), Some(fixed));
    until(&mut seen, &mut rx, "ready", |s| {
        s.state(0) == Some(&WatchState::Ready)
    })
    .await;
    let status = &seen.status[&0];
    let started = status.milestones.started_at_ms;
    assert!(started <= status.attempts[0].at_ms, "{status:#?}");
    let ready = status.milestones.time_to_ready_ms().expect("ready");
    let last = status.last_attempt().expect("the fix's").end_ms();
    assert_eq!(ready, last - started, "from the watch's start: {status:#?}");
    assert!(ready >= 100, "ready after {ready} ms: {status:#?}");
    assert!(status.attempts_total >= 4, "{status:#?}");
    assert!(
        status
            .describe()
            .contains(&format!("{} attempts", status.attempts_total))
    );
    assert_one_clock(status);
    handle.stop().await;
}

/// A stopped device re-probed by hand after the user changed something is ready after the
/// whole wait too; a ready device found not ready again is no longer "ready after".
#[tokio::test]
async fn a_reprobe_by_hand_continues_the_watch() {
    let mut script = Script::default();
    let kex = report(Some(Stage::Banner), Some((Stage::Kex, "no_common_kex")));
    script
        .outcomes
        .insert("s".into(), vec![booting(), kex, up(), booting()]);
    let script = Arc::new(script);
    let (handle, mut rx) = start(script.clone(), &["s"], 8, fast(20));
    let mut seen = Seen::default();
    until(&mut seen, &mut rx, "stopped", |s| {
        matches!(s.state(0), Some(WatchState::Stopped { .. }))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(handle.command(Command::Reprobe(0)));
    until(&mut seen, &mut rx, "ready", |s| {
        s.state(0) == Some(&WatchState::Ready)
    })
    .await;
    let status = seen.status[&0].clone();
    assert_one_clock(&status);
    assert_eq!(status.attempts_total, 3, "{status:#?}");
    let ready = status.milestones.time_to_ready_ms().expect("ready");
    assert!(ready >= 200, "ready after {ready} ms: {status:#?}");
    assert_eq!(
        status.milestones.tcp_open_at_ms,
        status
            .milestones
            .tcp_open_at_ms
            .min(Some(status.attempts[0].end_ms())),
        "TCP first opened in the first attempt"
    );

    // Re-probed while ready, it is found booting again: no longer ready, no time to ready.
    assert!(handle.command(Command::Reprobe(0)));
    until(&mut seen, &mut rx, "waiting again", |s| {
        s.status.get(&0).is_some_and(|s| s.attempts_total == 4)
            && matches!(s.state(0), Some(WatchState::Waiting { .. }))
    })
    .await;
    let status = &seen.status[&0];
    assert_eq!(status.milestones.ready_at_ms, None, "{status:#?}");
    assert_one_clock(status);
    handle.stop().await;
}
