//! End-to-end tests of simulated devices, driven by russh's client (and OpenSSH's ssh-keyscan).

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, KeyboardInteractiveAuthResponse};
use russh::keys::ssh_key::{Algorithm, HashAlg};
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, MethodKind, Names, Preferred, cipher, kex, mac};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

use super::*;

/// Upper bound for anything a test waits on.
const LIMIT: Duration = Duration::from_secs(10);

/// A test-only RSA host key: generating one takes ~10 s in debug builds.
const RSA_FIXTURE: &str = include_str!("testdata/rsa_host_key");

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().expect("literal address")
}

fn ios_spec() -> DeviceSpec {
    let key = generate_ed25519_host_key().expect("ed25519 key");
    DeviceSpec::new("r1", PromptStyle::Ios, key)
}

async fn start(spec: DeviceSpec) -> RunningDevice {
    spawn_device(spec, localhost())
        .await
        .expect("device starts")
}

/// What the client saw during the handshake.
#[derive(Default)]
struct Seen {
    banner: Option<String>,
    /// kex, host key, cipher, server-to-client mac.
    algorithms: Option<[String; 4]>,
    host_key: Option<String>,
}

struct Recorder(Arc<Mutex<Seen>>);

impl Recorder {
    fn with<R>(&self, f: impl FnOnce(&mut Seen) -> R) -> R {
        let mut seen = self.0.lock().expect("no panics while holding the lock");
        f(&mut seen)
    }
}

impl client::Handler for Recorder {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let PublicKeyOrCertificate::PublicKey { key, .. } = key {
            let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
            self.with(|seen| seen.host_key = Some(fingerprint));
        }
        Ok(true)
    }

    async fn auth_banner(
        &mut self,
        banner: &str,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        self.with(|seen| seen.banner = Some(banner.to_owned()));
        Ok(())
    }

    async fn kex_done(
        &mut self,
        _shared_secret: Option<&[u8]>,
        names: &Names,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        let algorithms = [
            names.kex.as_ref().to_owned(),
            names.key.to_string(),
            names.cipher.as_ref().to_owned(),
            names.server_mac.as_ref().to_owned(),
        ];
        self.with(|seen| seen.algorithms = Some(algorithms));
        Ok(())
    }
}

async fn connect_with(
    addr: SocketAddr,
    preferred: Preferred,
) -> Result<(client::Handle<Recorder>, Arc<Mutex<Seen>>), russh::Error> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let config = Arc::new(client::Config {
        preferred,
        inactivity_timeout: Some(LIMIT),
        ..client::Config::default()
    });
    let handle = timeout(LIMIT, client::connect(config, addr, Recorder(seen.clone())))
        .await
        .map_err(|_| russh::Error::ConnectionTimeout)??;
    Ok((handle, seen))
}

async fn connect(addr: SocketAddr) -> (client::Handle<Recorder>, Arc<Mutex<Seen>>) {
    connect_with(addr, Preferred::default())
        .await
        .expect("handshake")
}

async fn login(addr: SocketAddr) -> client::Handle<Recorder> {
    let (mut handle, _) = connect(addr).await;
    let result = timeout(LIMIT, handle.authenticate_password("admin", "admin"))
        .await
        .expect("auth in time")
        .expect("auth exchange");
    assert!(result.success(), "password login must succeed");
    handle
}

async fn open_shell(handle: &client::Handle<Recorder>) -> russh::Channel<client::Msg> {
    let channel = timeout(LIMIT, handle.channel_open_session())
        .await
        .expect("open in time")
        .expect("session channel");
    channel
        .request_pty(true, "vt100", 511, 24, 0, 0, &[])
        .await
        .expect("pty request sent");
    channel
        .request_shell(true)
        .await
        .expect("shell request sent");
    channel
}

/// Collects channel output until it contains `needle`; fails on timeout or channel end.
async fn read_until(channel: &mut russh::Channel<client::Msg>, needle: &str) -> String {
    let mut text = String::new();
    let found = timeout(LIMIT, async {
        while let Some(msg) = channel.wait().await {
            if let ChannelMsg::Data { data } = msg {
                text.push_str(&String::from_utf8_lossy(&data));
                if text.contains(needle) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "waited for {needle:?}, got {text:?}");
    text
}

async fn send(channel: &russh::Channel<client::Msg>, input: &str) {
    channel.data(input.as_bytes()).await.expect("send to shell");
}

#[tokio::test]
async fn password_auth_accepts_the_right_password_only() {
    let device = start(ios_spec()).await;
    let (mut handle, _) = connect(device.addr).await;
    let wrong = handle
        .authenticate_password("admin", "wrong")
        .await
        .expect("exchange");
    match wrong {
        client::AuthResult::Failure {
            remaining_methods, ..
        } => {
            assert!(
                remaining_methods.contains(&MethodKind::Password),
                "password still offered"
            );
        }
        client::AuthResult::Success => panic!("wrong password accepted"),
    }
    let wrong_user = handle
        .authenticate_password("root", "admin")
        .await
        .expect("exchange");
    assert!(!wrong_user.success());
    let right = handle
        .authenticate_password("admin", "admin")
        .await
        .expect("exchange");
    assert!(right.success());
    let counts = device.counters.snapshot();
    assert_eq!(counts.auth_password, 3);
    assert_eq!(counts.auth_success, 1);
    assert_eq!(counts.connections, 1);
    assert_eq!(counts.banners_sent, 1);
}

#[tokio::test]
async fn publickey_auth_accepts_authorized_keys_only() {
    let client_key = generate_ed25519_host_key().expect("client key");
    let stranger = generate_ed25519_host_key().expect("other key");
    let mut spec = ios_spec();
    spec.authorized_keys = vec![client_key.public_key().clone()];
    let device = start(spec).await;
    let (mut handle, _) = connect(device.addr).await;
    let with = |key: PrivateKey| PrivateKeyWithHashAlg::new(Arc::new(key), None);
    let rejected = handle
        .authenticate_publickey("admin", with(stranger))
        .await
        .expect("exchange");
    assert!(!rejected.success());
    let accepted = handle
        .authenticate_publickey("admin", with(client_key))
        .await
        .expect("exchange");
    assert!(accepted.success());
    let counts = device.counters.snapshot();
    assert_eq!(counts.auth_publickey, 2);
    assert_eq!(counts.auth_password, 0);
    assert_eq!(counts.auth_success, 1);
}

#[tokio::test]
async fn keyboard_interactive_asks_for_the_password_without_echo() {
    let device = start(ios_spec()).await;
    let (mut handle, _) = connect(device.addr).await;
    let first = handle
        .authenticate_keyboard_interactive_start("admin", None)
        .await
        .expect("exchange");
    let KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } = first else {
        panic!("expected a prompt, got {first:?}");
    };
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].prompt, "Password: ");
    assert!(!prompts[0].echo);
    let done = handle
        .authenticate_keyboard_interactive_respond(vec!["admin".to_owned()])
        .await
        .expect("exchange");
    assert!(
        matches!(done, KeyboardInteractiveAuthResponse::Success),
        "{done:?}"
    );
    let counts = device.counters.snapshot();
    assert_eq!(counts.auth_keyboard_interactive, 1);
    assert_eq!(counts.auth_attempts(), 1, "exactly one auth attempt");
}

#[tokio::test]
async fn auth_none_lists_the_offered_methods_in_order_and_others_are_refused() {
    let client_key = generate_ed25519_host_key().expect("client key");
    let mut spec = ios_spec();
    spec.auth_methods = vec![AuthMethod::PublicKey, AuthMethod::KeyboardInteractive];
    spec.authorized_keys = vec![client_key.public_key().clone()];
    let device = start(spec).await;
    let (mut handle, _) = connect(device.addr).await;
    let none = handle.authenticate_none("admin").await.expect("exchange");
    let client::AuthResult::Failure {
        remaining_methods, ..
    } = none
    else {
        panic!("auth none must fail");
    };
    assert_eq!(
        &*remaining_methods,
        &[MethodKind::PublicKey, MethodKind::KeyboardInteractive]
    );
    // The right password is still refused when password is not offered.
    let password = handle
        .authenticate_password("admin", "admin")
        .await
        .expect("exchange");
    assert!(!password.success());
    let counts = device.counters.snapshot();
    assert_eq!(
        (counts.auth_none, counts.auth_password, counts.auth_success),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn auth_banner_reaches_the_client() {
    let mut spec = ios_spec();
    spec.auth_banner = Some("Authorized access only\n".to_owned());
    let device = start(spec).await;
    let (mut handle, seen) = connect(device.addr).await;
    assert!(
        handle
            .authenticate_password("admin", "admin")
            .await
            .expect("exchange")
            .success()
    );
    let banner = seen.lock().expect("lock").banner.clone();
    assert_eq!(banner.as_deref(), Some("Authorized access only\n"));
}

#[tokio::test]
async fn shell_prints_motd_then_prompt_and_exit_closes_the_channel() {
    let mut spec = ios_spec();
    spec.motd = Some("Welcome to r1".to_owned());
    let device = start(spec).await;
    let handle = login(device.addr).await;
    let mut channel = open_shell(&handle).await;
    let greeting = read_until(&mut channel, "r1>").await;
    assert_eq!(greeting, "Welcome to r1\r\nr1>");
    send(&channel, "terminal length 0\r").await;
    let echoed = read_until(&mut channel, "r1>").await;
    assert_eq!(echoed, "terminal length 0\r\nr1>");
    send(&channel, "show version\r").await;
    assert!(
        read_until(&mut channel, "r1>")
            .await
            .contains("Cisco IOS Software")
    );
    send(&channel, "exit\r").await;
    let closed = timeout(LIMIT, async {
        while let Some(msg) = channel.wait().await {
            if matches!(msg, ChannelMsg::Close) {
                return true;
            }
        }
        true
    })
    .await;
    assert_eq!(closed, Ok(true), "exit must close the channel");
    assert_eq!(device.counters.snapshot().shells, 1);
}

#[tokio::test]
async fn enable_with_secret_reaches_privileged_prompt() {
    let mut spec = ios_spec();
    spec.enable_secret = Some("en-s3cret".to_owned());
    let device = start(spec).await;
    let handle = login(device.addr).await;
    let mut channel = open_shell(&handle).await;
    read_until(&mut channel, "r1>").await;
    send(&channel, "enable\r").await;
    assert_eq!(
        read_until(&mut channel, "Password: ").await,
        "enable\r\nPassword: "
    );
    send(&channel, "en-s3cret\r").await;
    let privileged = read_until(&mut channel, "r1#").await;
    assert!(
        !privileged.contains("en-s3cret"),
        "secret must not be echoed"
    );
    assert_eq!(device.counters.snapshot().enable_attempts, 1);
}

#[tokio::test]
async fn enable_with_wrong_secret_is_denied() {
    let mut spec = ios_spec();
    spec.enable_secret = Some("en-s3cret".to_owned());
    let device = start(spec).await;
    let handle = login(device.addr).await;
    let mut channel = open_shell(&handle).await;
    read_until(&mut channel, "r1>").await;
    send(&channel, "enable\r").await;
    read_until(&mut channel, "Password: ").await;
    send(&channel, "guess\r").await;
    let denied = read_until(&mut channel, "r1>").await;
    assert_eq!(denied, "\r\n% Bad secrets\r\nr1>");
}

#[tokio::test]
async fn start_privileged_lands_at_the_hash_prompt() {
    let mut spec = ios_spec();
    spec.start_privileged = true;
    let device = start(spec).await;
    let handle = login(device.addr).await;
    let mut channel = open_shell(&handle).await;
    assert_eq!(read_until(&mut channel, "r1#").await, "r1#");
}

/// Waits for the reply to a want-reply channel request.
async fn request_outcome(channel: &mut russh::Channel<client::Msg>) -> ChannelMsg {
    timeout(LIMIT, async {
        loop {
            match channel.wait().await {
                Some(msg @ (ChannelMsg::Success | ChannelMsg::Failure)) => return msg,
                Some(_) => continue,
                None => return ChannelMsg::Close,
            }
        }
    })
    .await
    .expect("request answered in time")
}

#[tokio::test]
async fn refuse_shell_rejects_pty_and_shell() {
    let mut spec = ios_spec();
    spec.refuse_shell = true;
    let device = start(spec).await;
    let handle = login(device.addr).await;
    let mut channel = handle
        .channel_open_session()
        .await
        .expect("session channel");
    channel
        .request_pty(true, "vt100", 80, 24, 0, 0, &[])
        .await
        .expect("sent");
    assert!(matches!(
        request_outcome(&mut channel).await,
        ChannelMsg::Failure
    ));
    channel.request_shell(true).await.expect("sent");
    assert!(matches!(
        request_outcome(&mut channel).await,
        ChannelMsg::Failure
    ));
    assert_eq!(device.counters.snapshot().shells, 0);
}

#[tokio::test]
async fn silent_shell_never_prints() {
    let mut spec = ios_spec();
    spec.silent_shell = true;
    let device = start(spec).await;
    let handle = login(device.addr).await;
    let mut channel = handle
        .channel_open_session()
        .await
        .expect("session channel");
    channel.request_shell(true).await.expect("sent");
    assert!(matches!(
        request_outcome(&mut channel).await,
        ChannelMsg::Success
    ));
    send(&channel, "\r").await;
    let output = timeout(Duration::from_millis(400), async {
        loop {
            if let Some(ChannelMsg::Data { data }) = channel.wait().await {
                return data;
            }
        }
    })
    .await;
    assert!(output.is_err(), "a silent shell printed {output:?}");
}

fn legacy_algorithms() -> AlgorithmSpec {
    let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
    AlgorithmSpec {
        kex: names(&["diffie-hellman-group14-sha1"]),
        host_key: names(&["ssh-rsa"]),
        cipher: names(&["aes128-cbc"]),
        mac: names(&["hmac-sha1"]),
    }
}

#[tokio::test]
async fn legacy_algorithm_offer_is_negotiated_with_a_client_that_offers_it() {
    let rsa = PrivateKey::from_openssh(RSA_FIXTURE).expect("fixture key parses");
    let mut spec = DeviceSpec::new("r1", PromptStyle::Ios, rsa);
    spec.algorithms = Some(legacy_algorithms());
    let device = start(spec).await;

    let legacy_client = Preferred {
        kex: Cow::Owned(vec![kex::CURVE25519, kex::DH_G14_SHA1]),
        key: Cow::Owned(vec![Algorithm::Ed25519, Algorithm::Rsa { hash: None }]),
        cipher: Cow::Owned(vec![cipher::AES_128_CTR, cipher::AES_128_CBC]),
        mac: Cow::Owned(vec![mac::HMAC_SHA256, mac::HMAC_SHA1]),
        ..Preferred::default()
    };
    let (mut handle, seen) = connect_with(device.addr, legacy_client)
        .await
        .expect("handshake");
    assert!(
        handle
            .authenticate_password("admin", "admin")
            .await
            .expect("exchange")
            .success()
    );
    let algorithms = seen.lock().expect("lock").algorithms.clone();
    let expected = [
        "diffie-hellman-group14-sha1",
        "ssh-rsa",
        "aes128-cbc",
        "hmac-sha1",
    ];
    assert_eq!(algorithms, Some(expected.map(str::to_owned)));

    // A modern-only client finds no common algorithm.
    let modern = connect_with(device.addr, Preferred::default()).await;
    assert!(
        modern.is_err(),
        "modern-only client must fail the handshake"
    );
}

#[tokio::test]
async fn boot_script_goes_closed_then_silent_then_ssh() {
    let mut spec = ios_spec();
    spec.boot = BootScript {
        closed_for: Duration::from_millis(500),
        silent_for: Duration::from_millis(1000),
    };
    let spawned = tokio::time::Instant::now();
    let device = start(spec).await;
    assert_ne!(device.addr.port(), 0, "the real port is known while closed");

    let refused = timeout(LIMIT, TcpStream::connect(device.addr))
        .await
        .expect("quick");
    let refused_in_time = spawned.elapsed() < Duration::from_millis(500);
    if refused_in_time {
        assert_eq!(
            refused.expect_err("port closed").kind(),
            std::io::ErrorKind::ConnectionRefused
        );
    }

    tokio::time::sleep_until(spawned + Duration::from_millis(650)).await;
    let mut silent = timeout(LIMIT, TcpStream::connect(device.addr))
        .await
        .expect("quick")
        .expect("accepted while booting");
    let mut buf = [0u8; 64];
    let quiet = timeout(Duration::from_millis(300), silent.read(&mut buf)).await;
    assert!(
        quiet.is_err(),
        "no banner during the silent phase: {quiet:?}"
    );
    // When the silent phase ends, the held connection is closed without a word.
    let end = timeout(LIMIT, silent.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(matches!(end, Ok(0) | Err(_)), "{end:?}");
    assert!(spawned.elapsed() >= Duration::from_millis(1500));

    let mut ready = timeout(LIMIT, TcpStream::connect(device.addr))
        .await
        .expect("quick")
        .expect("accepted once up");
    let mut banner = vec![0u8; 20];
    timeout(LIMIT, ready.read_exact(&mut banner))
        .await
        .expect("banner in time")
        .expect("read");
    assert_eq!(banner, b"SSH-2.0-Cisco-1.25\r\n");

    let counts = device.counters.snapshot();
    assert_eq!(
        counts.connections, 2,
        "refused attempts are not connections"
    );
    assert_eq!(counts.banners_sent, 1);
    assert!(
        refused_in_time,
        "machine too slow to observe the closed phase"
    );
}

#[tokio::test]
async fn pre_banner_lines_come_before_the_identification() {
    let mut spec = ios_spec();
    spec.pre_banner_lines = vec!["Notice: lab device".to_owned(), "".to_owned()];
    let device = start(spec).await;
    let mut raw = TcpStream::connect(device.addr).await.expect("connect");
    let expected = b"Notice: lab device\r\n\r\nSSH-2.0-Cisco-1.25\r\n";
    let mut got = vec![0u8; expected.len()];
    timeout(LIMIT, raw.read_exact(&mut got))
        .await
        .expect("in time")
        .expect("read");
    assert_eq!(got, expected);
    drop(raw);
    // RFC 4253 clients skip those lines and carry on.
    let handle = login(device.addr).await;
    assert!(!handle.is_closed());
}

#[tokio::test]
async fn dropping_the_device_ends_its_sessions_and_listener() {
    let device = start(ios_spec()).await;
    let addr = device.addr;
    let handle = login(addr).await;
    let mut channel = open_shell(&handle).await;
    read_until(&mut channel, "r1>").await;
    drop(device);
    let ended = timeout(LIMIT, async { while channel.wait().await.is_some() {} }).await;
    assert!(ended.is_ok(), "session must end when the device is dropped");
    let after = timeout(LIMIT, TcpStream::connect(addr))
        .await
        .expect("quick");
    assert!(after.is_err(), "listener must be closed");
}

#[tokio::test]
async fn shutdown_waits_for_the_listener_to_close() {
    let device = start(ios_spec()).await;
    let addr = device.addr;
    timeout(LIMIT, device.shutdown())
        .await
        .expect("shutdown in time");
    sleep(Duration::from_millis(20)).await;
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn non_loopback_binds_are_refused() {
    for addr in ["0.0.0.0:0", "172.20.20.2:22"] {
        let addr: SocketAddr = addr.parse().expect("literal");
        let device = spawn_device(ios_spec(), addr).await;
        assert_eq!(
            device.err().map(|e| e.kind()),
            Some(std::io::ErrorKind::PermissionDenied)
        );
        let peer = spawn_misbehaving(Misbehaviour::Tarpit, addr).await;
        assert_eq!(
            peer.err().map(|e| e.kind()),
            Some(std::io::ErrorKind::PermissionDenied)
        );
    }
}

#[test]
fn debug_output_hides_secrets() {
    let mut spec = ios_spec();
    spec.password = Some("pw-hunter2".to_owned());
    spec.enable_secret = Some("en-hunter3".to_owned());
    let shown = format!("{spec:?}");
    assert!(!shown.contains("hunter"), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(shown.contains("<redacted>"));
    assert!(
        shown.contains("SHA256:"),
        "host key shown by fingerprint: {shown}"
    );
}

#[tokio::test]
async fn openssh_keyscan_reads_the_device_host_key() {
    let spec = ios_spec();
    let public = spec.host_key.public_key().to_openssh().expect("encodes");
    let device = start(spec).await;
    let port = device.addr.port().to_string();
    let run = tokio::process::Command::new("ssh-keyscan")
        .args(["-T", "5", "-t", "ed25519", "-p", &port, "127.0.0.1"])
        .kill_on_drop(true)
        .output();
    let output = match timeout(LIMIT, run).await.expect("ssh-keyscan in time") {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("ssh-keyscan not installed; skipping OpenSSH interop check");
            return;
        }
        Err(e) => panic!("ssh-keyscan failed to run: {e}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let key_blob = public.split_whitespace().nth(1).expect("type, blob");
    assert!(stdout.contains(key_blob), "keyscan saw {stdout:?}");
    assert!(device.counters.snapshot().banners_sent >= 1);
}
