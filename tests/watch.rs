//! The watch scheduler against simulated devices on loopback: a slow boot, the backoff seen
//! from the server side, and the safety stops (rejected password, changed host key).

mod support;

use sshtriage::engine::{Settings, Shared};
use sshtriage::known_hosts;
use sshtriage::lab::{
    self, AlgorithmSpec, AuthMethod, BootScript, DeviceSpec, PromptStyle, RunningDevice,
};
use sshtriage::model::{Command, Event, Stage, WatchEvent, WatchState, WatchStatus};
use sshtriage::watch::{self, Backoff, WatchHandle, WatchOptions};
use std::sync::Arc;
use std::time::Duration;
use support::devices;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

async fn spawn(spec: DeviceSpec) -> RunningDevice {
    lab::spawn_device(spec, "127.0.0.1:0".parse().expect("literal"))
        .await
        .expect("spawn simulated device")
}

fn spec(hostname: &str, style: PromptStyle) -> DeviceSpec {
    DeviceSpec::new(
        hostname,
        style,
        lab::generate_ed25519_host_key().expect("key"),
    )
}

/// An inventory entry for a simulated device; `extra` adds or overrides keys.
fn entry(name: &str, dev: &RunningDevice, extra: &str) -> String {
    format!(
        "[[device]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
         password = \"admin\"\ntimeout = \"1s\"\nknown_hosts = [\"/dev/null\"]\n{extra}\n",
        dev.addr.port()
    )
}

fn backoff(initial_ms: u64, max_ms: u64) -> WatchOptions {
    WatchOptions {
        backoff: Backoff {
            initial: Duration::from_millis(initial_ms),
            factor: 2.0,
            max: Duration::from_millis(max_ms),
            jitter: 0.0,
        },
        ..WatchOptions::default()
    }
}

fn start(toml: &str, options: WatchOptions) -> (WatchHandle, UnboundedReceiver<Event>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let shared = Arc::new(Shared::new(Settings::default()));
    (watch::spawn(devices(toml), shared, options, tx), rx)
}

/// Every status the scheduler published for device 0, in order.
#[derive(Default)]
struct Log {
    statuses: Vec<WatchStatus>,
}

impl Log {
    fn latest(&self) -> Option<&WatchStatus> {
        self.statuses.last()
    }

    fn conditions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.statuses.iter().filter_map(|s| s.condition()) {
            // "… for 3 s" grows; the kind of condition is what changes.
            let kind = c.split(" for ").next().unwrap_or("").to_owned();
            if out.last() != Some(&kind) {
                out.push(kind);
            }
        }
        out
    }
}

/// Collects device 0's statuses until `done` holds; fails after `limit`.
async fn collect_until(
    rx: &mut UnboundedReceiver<Event>,
    log: &mut Log,
    limit: Duration,
    done: impl Fn(&WatchStatus) -> bool,
) {
    let deadline = Instant::now() + limit;
    loop {
        if log.latest().is_some_and(&done) {
            return;
        }
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no end in {limit:?}; last status {:#?}", log.latest()))
            .expect("the scheduler runs");
        if let Event::Watch(w) = event
            && let WatchEvent::Device { device: 0, status } = *w
        {
            log.statuses.push(status);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_booting_device_is_watched_until_ready() {
    let mut s = spec("r1", PromptStyle::Ios);
    s.boot = BootScript {
        closed_for: Duration::from_millis(1000),
        silent_for: Duration::from_millis(2500),
    };
    let dev = spawn(s).await;
    let (handle, mut rx) = start(&entry("r1", &dev, ""), backoff(200, 800));
    let mut log = Log::default();
    collect_until(&mut rx, &mut log, Duration::from_secs(30), |s| {
        s.state == WatchState::Ready
    })
    .await;
    let status = log.latest().expect("a status").clone();
    let counters = dev.counters.snapshot();
    handle.stop().await;

    assert_eq!(
        log.conditions(),
        [
            "port closed (connection refused)",
            "port open but no SSH banner"
        ],
        "closed, then open without a banner, then ready"
    );
    let last = status.last_attempt().expect("attempts");
    assert_eq!(
        last.reached,
        Some(Stage::Enable),
        "IOS goes all the way to enable"
    );
    assert!(last.failure.is_none());
    let m = &status.milestones;
    let (tcp, banner, auth, ready) = (
        m.tcp_open_at_ms.expect("tcp opened"),
        m.banner_at_ms.expect("banner seen"),
        m.auth_ok_at_ms.expect("auth ok"),
        m.ready_at_ms.expect("ready"),
    );
    // The device was spawned just before the watch: its clock runs a little ahead.
    assert!((900..3400).contains(&tcp), "tcp open at {tcp} ms");
    assert!(
        banner >= 3300,
        "banner at {banner} ms, the device was silent until 3500"
    );
    assert!(tcp < banner && banner <= auth && auth <= ready, "{m:?}");
    let to_ready = m.time_to_ready_ms().expect("time to ready");
    assert!(
        (3300..15_000).contains(&to_ready),
        "ready after {to_ready} ms"
    );
    // One server-side connection per attempt that got past TCP, and never a second one
    // while the first was open.
    let past_tcp = status
        .attempts
        .iter()
        .filter(|a| a.reached >= Some(Stage::Tcp))
        .count();
    assert_eq!(counters.connections, past_tcp, "{counters:?}");
    assert_eq!(counters.auth_success, 1, "ready devices stay put");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_device_is_probed_no_more_often_than_the_backoff_allows() {
    // Logs in, then refuses a shell: every attempt is a full, quick connection.
    let mut s = spec("r2", PromptStyle::Ios);
    s.refuse_shell = true;
    let dev = spawn(s).await;
    let (handle, mut rx) = start(&entry("r2", &dev, ""), backoff(100, 400));
    let mut log = Log::default();
    collect_until(&mut rx, &mut log, Duration::from_secs(10), |s| {
        s.attempts_total >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let connections = dev.counters.snapshot().connections;
    handle.stop().await;
    // Attempts start no earlier than 0, 0.1, 0.3, 0.7, 1.1, 1.5, 1.9, 2.3, 2.7 s, … and the
    // run lasted less than 3 s plus the time to the second attempt.
    assert!(
        (3..=10).contains(&connections),
        "{connections} connections in about 2.6 s with a 100 ms ×2 backoff capped at 400 ms"
    );
    let status = log.latest().expect("status");
    assert!(
        status
            .attempts
            .windows(2)
            .all(|w| w[1].at_ms >= w[0].at_ms + 100),
        "{:?}",
        status.attempts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_tried_once_not_in_a_loop() {
    let dev = spawn(spec("r3", PromptStyle::Ios)).await;
    let (handle, mut rx) = start(
        &entry("r3", &dev, "").replace("password = \"admin\"", "password = \"wrong-pw\""),
        backoff(100, 200),
    );
    let mut log = Log::default();
    collect_until(&mut rx, &mut log, Duration::from_secs(10), |s| {
        matches!(s.state, WatchState::Stopped { .. })
    })
    .await;
    // Several backoff periods.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let counters = dev.counters.snapshot();
    assert_eq!(counters.auth_password, 1, "{counters:?}");
    assert_eq!(counters.connections, 1, "{counters:?}");
    assert_eq!(counters.auth_success, 0);
    let WatchState::Stopped { stage, reason, why } = &log.latest().expect("status").state else {
        panic!("stopped");
    };
    assert_eq!((*stage, reason.name()), (Stage::Auth, "rejected"));
    assert!(why.contains("not retried automatically"), "{why}");

    // By hand: exactly one more attempt.
    assert!(handle.command(Command::Reprobe(0)));
    collect_until(&mut rx, &mut log, Duration::from_secs(10), |s| {
        s.attempts_total == 2 && matches!(s.state, WatchState::Stopped { .. })
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(dev.counters.snapshot().auth_password, 2);
    handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_host_key_stops_the_watch_before_any_credential() {
    let dev = spawn(spec("r4", PromptStyle::Ios)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kh = dir.path().join("known_hosts");
    let stale = lab::generate_ed25519_host_key().expect("key");
    known_hosts::accept(&kh, "127.0.0.1", dev.addr.port(), stale.public_key(), false)
        .expect("write known_hosts");
    let toml = entry("r4", &dev, "").replace(
        "known_hosts = [\"/dev/null\"]",
        &format!("known_hosts = [\"{}\"]", kh.display()),
    );
    let (handle, mut rx) = start(&toml, backoff(100, 200));
    let mut log = Log::default();
    collect_until(&mut rx, &mut log, Duration::from_secs(10), |s| {
        matches!(s.state, WatchState::Stopped { .. })
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    handle.stop().await;
    let counters = dev.counters.snapshot();
    assert_eq!(counters.connections, 1, "{counters:?}");
    assert_eq!(
        counters.auth_password + counters.auth_keyboard_interactive,
        0
    );
    let status = log.latest().expect("status");
    assert!(
        matches!(&status.state, WatchState::Stopped { stage: Stage::HostKey, reason, .. } if reason.name() == "changed"),
        "{:?}",
        status.state
    );
}

/// What the engineer's configuration decides is tried once, like a rejected password: the
/// client's algorithms (a device offering only a key exchange the client does not enable)
/// and credentials of a kind the server does not take (publickey only, a password given).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_failures_stop_after_one_attempt() {
    let mut keys_only = spec("r5", PromptStyle::Ios);
    keys_only.auth_methods = vec![AuthMethod::PublicKey];
    let mut legacy = spec("r6", PromptStyle::Ios);
    legacy.algorithms = Some(AlgorithmSpec {
        kex: vec!["diffie-hellman-group14-sha1".into()],
        host_key: vec!["ssh-ed25519".into()],
        cipher: vec!["aes128-ctr".into()],
        mac: vec!["hmac-sha2-256".into()],
    });
    for (spec, stage, reason, change) in [
        (
            keys_only,
            Stage::AuthMethods,
            "no_usable_method",
            "a credential of a kind",
        ),
        (
            legacy,
            Stage::Kex,
            "no_common_kex",
            "algorithms your client offers",
        ),
    ] {
        let dev = spawn(spec).await;
        // sshtriage's own client: it does not enable diffie-hellman-group14-sha1.
        let (handle, mut rx) = start(&entry("r", &dev, "client = \"russh\""), backoff(100, 200));
        let mut log = Log::default();
        collect_until(&mut rx, &mut log, Duration::from_secs(10), |s| {
            matches!(s.state, WatchState::Stopped { .. })
        })
        .await;
        // Several backoff periods: nothing is tried again.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        handle.stop().await;
        let counters = dev.counters.snapshot();
        assert_eq!(counters.connections, 1, "{reason}: {counters:?}");
        let WatchState::Stopped {
            stage: s,
            reason: r,
            why,
        } = &log.latest().expect("status").state
        else {
            panic!("stopped");
        };
        assert_eq!((*s, r.name()), (stage, reason));
        assert!(why.contains(change), "{why}");
    }
}
