//! Jump hosts: a real sshd on loopback as the bastion, simulated devices reached only through
//! its direct-tcpip channels; failures attributed to the right hop.

mod support;

use sshtriage::engine::{self, Settings};
use sshtriage::lab::{self, AlgorithmSpec, DeviceSpec, PromptStyle};
use sshtriage::model::Stage;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::*;

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn run(inventory: &str) -> Vec<sshtriage::model::DeviceReport> {
    let list = devices(inventory);
    let shared = Arc::new(engine::Shared {
        jumps: engine::jump::JumpPool::new(&list).expect("jump pool"),
        local: Default::default(),
        ..engine::Shared::new(Settings::default())
    });
    tokio::time::timeout(
        Duration::from_secs(60),
        engine::run_all(&list, shared, None),
    )
    .await
    .expect("bounded")
}

#[tokio::test]
async fn devices_behind_a_bastion() {
    let Some(bin) = require_sshd("devices_behind_a_bastion") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let user_key = dir.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    std::fs::copy(
        dir.path().join("id_ed25519.pub"),
        dir.path().join("authorized_keys"),
    )
    .unwrap();
    let bastion = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\nAllowTcpForwarding yes\nLogLevel DEBUG1\n",
            dir.path().display()
        ),
    );
    let healthy = lab::spawn_device(
        DeviceSpec::new(
            "r1",
            PromptStyle::Ios,
            lab::generate_ed25519_host_key().unwrap(),
        ),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut legacy_spec = DeviceSpec::new(
        "old1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    legacy_spec.algorithms = Some(AlgorithmSpec {
        kex: vec!["diffie-hellman-group14-sha1".into()],
        host_key: vec!["ssh-ed25519".into()],
        cipher: vec!["aes128-ctr".into()],
        mac: vec!["hmac-sha2-256".into()],
    });
    let legacy = lab::spawn_device(legacy_spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // SAFETY: unique variable.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_JUMP_PW", "admin") };
    let inventory = format!(
        "[defaults]\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n\
         [[device]]\nname = \"bastion\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{}\"\nkey_file = \"{}\"\n\
         [[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\npassword_env = \"SSHTRIAGE_TEST_JUMP_PW\"\njump = \"bastion\"\n\
         [[device]]\nname = \"old1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\npassword_env = \"SSHTRIAGE_TEST_JUMP_PW\"\njump = \"bastion\"\n",
        bastion.addr.port(),
        whoami(),
        user_key.display(),
        healthy.addr.port(),
        legacy.addr.port()
    );
    let reports = run(&inventory).await;
    let (bastion_row, r1, old1) = (&reports[0], &reports[1], &reports[2]);
    assert_ok_through(bastion_row, Stage::Prompt);
    assert_ok_through(r1, Stage::Enable);
    assert_eq!(r1.via.as_deref(), Some("bastion"));
    assert_eq!(
        r1.result(Stage::Dns).unwrap().reason.map(|r| r.name()),
        Some("via_jump")
    );
    assert!(
        r1.result(Stage::Tcp)
            .unwrap()
            .detail
            .contains("through bastion")
    );
    assert_failure(old1, Stage::Kex, "no_common_kex");
    assert_eq!(old1.via.as_deref(), Some("bastion"));
    // Both targets were reached through the bastion's forwarding, on one bastion session
    // plus the bastion's own row.
    let log = bastion.log_when(|l| l.matches("server_request_direct_tcpip").count() >= 2);
    let forwarded = log.matches("server_request_direct_tcpip").count();
    assert_eq!(forwarded, 2, "direct-tcpip requests in sshd's log:\n{log}");
    assert_eq!(healthy.counters.snapshot().connections, 1);
    assert_eq!(legacy.counters.snapshot().connections, 1);
}

#[tokio::test]
async fn a_failing_bastion_is_named_as_the_cause() {
    let Some(bin) = require_sshd("a_failing_bastion_is_named_as_the_cause") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger");
    keygen("ed25519", &stranger);
    let bastion = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!("AuthorizedKeysFile {}/none\n", dir.path().display()),
    );
    let target = lab::spawn_device(
        DeviceSpec::new(
            "r2",
            PromptStyle::Ios,
            lab::generate_ed25519_host_key().unwrap(),
        ),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let inventory = format!(
        "[[device]]\nname = \"r2\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{}\"\nkey_file = \"{}\"\n\
         timeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\njump = \"{}@127.0.0.1:{}\"\n",
        target.addr.port(),
        whoami(),
        stranger.display(),
        whoami(),
        bastion.addr.port()
    );
    let reports = run(&inventory).await;
    assert_failure(&reports[0], Stage::Tcp, "jump_failed");
    let message = &reports[0].failure.as_ref().unwrap().message;
    assert!(message.contains("auth rejected"), "{message}");
    assert_eq!(
        target.counters.snapshot().connections,
        0,
        "the target was never reached"
    );
}

#[test]
fn jump_loops_are_refused() {
    let list = devices(
        "[[device]]\nname = \"a\"\nhost = \"127.0.0.1\"\njump = \"b\"\n[[device]]\nname = \"b\"\nhost = \"127.0.0.1\"\njump = \"a\"\n",
    );
    let err = engine::jump::JumpPool::new(&list)
        .err()
        .expect("a loop is an error");
    assert!(err.to_string().contains("loop"), "{err}");
    assert!(matches!(err, engine::jump::JumpError::Loop { .. }));
}

/// A loopback port in front of the bastion that drops every connection until `up` is set,
/// then forwards to it; counts what it accepted while down and while up.
struct Gate {
    port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    down_connections: Arc<std::sync::atomic::AtomicUsize>,
    up_connections: Arc<std::sync::atomic::AtomicUsize>,
    first_at: Arc<std::sync::Mutex<Option<tokio::time::Instant>>>,
}

async fn gate(to: std::net::SocketAddr) -> Gate {
    use std::sync::atomic::Ordering::SeqCst;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gate = Gate {
        port: listener.local_addr().unwrap().port(),
        up: Default::default(),
        down_connections: Default::default(),
        up_connections: Default::default(),
        first_at: Default::default(),
    };
    let (up, down, upc, first) = (
        gate.up.clone(),
        gate.down_connections.clone(),
        gate.up_connections.clone(),
        gate.first_at.clone(),
    );
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            first
                .lock()
                .unwrap()
                .get_or_insert_with(tokio::time::Instant::now);
            if !up.load(SeqCst) {
                down.fetch_add(1, SeqCst);
                drop(inbound);
                continue;
            }
            upc.fetch_add(1, SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    gate
}

/// A device behind `user@127.0.0.1:{gate}` whose key both the bastion and the device accept.
async fn device_behind(
    dir: &std::path::Path,
    gate_port: u16,
) -> (lab::RunningDevice, String, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let user_key = keys.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    let public = std::fs::read_to_string(keys.path().join("id_ed25519.pub")).unwrap();
    std::fs::write(dir.join("authorized_keys"), &public).unwrap();
    let mut spec = DeviceSpec::new(
        "r7",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    spec.username = whoami();
    spec.authorized_keys = vec![russh::keys::PublicKey::from_openssh(public.trim()).unwrap()];
    let device = lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let inventory = format!(
        "[[device]]\nname = \"r7\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{user}\"\nkey_file = \"{}\"\n\
         timeout = \"2s\"\nknown_hosts = [\"/dev/null\"]\njump = \"{user}@127.0.0.1:{gate_port}\"\n",
        device.addr.port(),
        user_key.display(),
        user = whoami(),
    );
    (device, inventory, keys)
}

fn watch(
    inventory: &str,
    options: sshtriage::watch::WatchOptions,
) -> (
    sshtriage::watch::WatchHandle,
    tokio::sync::mpsc::UnboundedReceiver<sshtriage::model::Event>,
) {
    let list = devices(inventory);
    let shared = Arc::new(engine::Shared {
        jumps: engine::jump::JumpPool::new(&list).expect("jump pool"),
        local: Default::default(),
        ..engine::Shared::new(Settings::default())
    });
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (sshtriage::watch::spawn(list, shared, options, tx), rx)
}

/// Device 0's statuses until `done` holds for one; panics after `limit`.
async fn statuses_until(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<sshtriage::model::Event>,
    limit: Duration,
    done: impl Fn(&sshtriage::model::WatchStatus) -> bool,
) -> sshtriage::model::WatchStatus {
    use sshtriage::model::{Event, WatchEvent};
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("nothing satisfied the test within {limit:?}"))
            .expect("the scheduler runs");
        if let Event::Watch(w) = event
            && let WatchEvent::Device { device: 0, status } = *w
            && done(&status)
        {
            return status;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bastion_that_comes_up_late_is_tried_again_while_watching() {
    use sshtriage::model::WatchState;
    use std::sync::atomic::Ordering::SeqCst;
    let Some(bin) = require_sshd("a_bastion_that_comes_up_late") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bastion = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\nAllowTcpForwarding yes\n",
            dir.path().display()
        ),
    );
    let gate = gate(bastion.addr).await;
    let (device, inventory, _keys) = device_behind(dir.path(), gate.port).await;
    let options = sshtriage::watch::WatchOptions {
        backoff: sshtriage::watch::Backoff {
            initial: Duration::from_millis(200),
            factor: 2.0,
            max: Duration::from_millis(400),
            jitter: 0.0,
        },
        ..Default::default()
    };
    let (handle, mut rx) = watch(&inventory, options);
    // Several attempts fail through the dead bastion before it comes up.
    let failing = statuses_until(&mut rx, Duration::from_secs(20), |s| {
        s.attempts
            .iter()
            .filter(|a| {
                a.failure
                    .as_ref()
                    .is_some_and(|f| f.reason.name() == "jump_failed")
            })
            .count()
            >= 3
    })
    .await;
    let down = gate.down_connections.load(SeqCst);
    gate.up.store(true, SeqCst);
    let ready = statuses_until(&mut rx, Duration::from_secs(20), |s| {
        s.state == WatchState::Ready
    })
    .await;
    handle.stop().await;

    let reused = failing
        .attempts
        .iter()
        .filter_map(|a| a.failure.as_ref())
        .any(|f| f.message.contains(" s ago; tried again in "));
    assert!(reused, "a reused failure says so: {:#?}", failing.attempts);
    let failed_attempts = failing.attempts.len();
    assert!(
        (1..failed_attempts).contains(&down),
        "{failed_attempts} attempts through a dead bastion made {down} bastion connections: \
         a failure is reused within the bastion's backoff"
    );
    let last = ready.last_attempt().expect("attempts");
    assert_eq!(last.reached, Some(Stage::Enable), "{last:?}");
    assert_eq!(
        gate.up_connections.load(SeqCst),
        1,
        "one bastion session once it is up"
    );
    assert_eq!(device.counters.snapshot().auth_success, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bastion_connections_count_against_the_watch_rate_cap() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing behind the gate is ever reached: it stays down.
    let gate = gate("127.0.0.1:9".parse().unwrap()).await;
    let (_device, inventory, _keys) = device_behind(dir.path(), gate.port).await;
    let options = sshtriage::watch::WatchOptions {
        connections_per_second: 1.0,
        ..Default::default()
    };
    let started = tokio::time::Instant::now();
    let (handle, mut rx) = watch(&inventory, options);
    statuses_until(&mut rx, Duration::from_secs(20), |s| {
        s.last_attempt()
            .and_then(|a| a.failure.as_ref())
            .is_some_and(|f| f.reason.name() == "jump_failed")
    })
    .await;
    handle.stop().await;
    // The attempt took the one token there was; the bastion had to wait for the next.
    let first = gate
        .first_at
        .lock()
        .unwrap()
        .expect("the bastion was tried");
    let waited = first - started;
    assert!(
        waited >= Duration::from_millis(900),
        "the bastion connection came {waited:?} after the attempt, within the cap of 1/s"
    );
}
