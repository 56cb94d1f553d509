//! Session stages against the simulated network device on loopback.

mod support;

use sshtriage::device::Device;
use sshtriage::engine::{self, Settings, Shared};
use sshtriage::known_hosts;
use sshtriage::lab::{self, AuthMethod, DeviceSpec, PromptStyle, RunningDevice};
use sshtriage::model::{DeviceReport, Direction, HostKeyVerdict, Stage, Status};
use std::time::Duration;
use support::*;

async fn spawn(spec: DeviceSpec) -> RunningDevice {
    lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("spawn simulated device")
}

fn ios(hostname: &str) -> DeviceSpec {
    DeviceSpec::new(
        hostname,
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    )
}

/// An inventory entry for a simulated device, with extra TOML keys.
fn device(dev: &RunningDevice, extra: &str) -> Device {
    devices(&format!(
        "[[device]]\nname = \"sim\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
         timeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n{extra}\n",
        dev.addr.port()
    ))
    .remove(0)
}

fn with_password(pw: &str) -> String {
    // SAFETY: each test uses its own variable name.
    let var = format!(
        "SSHTRIAGE_TEST_PW_{}",
        pw.len() * 7919 + pw.as_bytes()[0] as usize
    );
    unsafe { std::env::set_var(&var, pw) };
    format!("password_env = \"{var}\"")
}

fn detail(report: &DeviceReport, stage: Stage) -> String {
    report
        .result(stage)
        .map(|r| r.detail.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn ios_enable_with_secret_reaches_privileged_prompt() {
    let mut spec = ios("r1");
    spec.enable_secret = Some("en-secret-1".into());
    spec.motd = Some("Welcome to r1 (lab)".into());
    spec.auth_banner = Some("Authorized access only".into());
    let dev = spawn(spec).await;
    // SAFETY: unique variable for this test.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_EN_1", "en-secret-1") };
    let report = probe_one(&device(
        &dev,
        &format!(
            "{}\nenable_secret_env = \"SSHTRIAGE_TEST_EN_1\"",
            with_password("admin")
        ),
    ))
    .await;
    assert_ok_through(&report, Stage::Enable);
    assert_eq!(report.prompt.as_deref(), Some("r1#"));
    assert_eq!(report.privileged, Some(true));
    assert_eq!(
        report.auth_banner.as_deref().map(str::trim),
        Some("Authorized access only")
    );
    assert!(
        report
            .transcript
            .iter()
            .any(|l| l.text.contains("Welcome to r1 (lab)")),
        "MOTD in the transcript"
    );
    assert!(
        report
            .profile
            .as_deref()
            .unwrap_or("")
            .starts_with("cisco_ios"),
        "{:?}",
        report.profile
    );
    assert_eq!(report.result(Stage::Prompt).unwrap().status, Status::Ok);
    assert!(detail(&report, Stage::Prompt).contains("r1>"));
    assert_eq!(dev.counters.snapshot().enable_attempts, 1);
}

#[tokio::test]
async fn wrong_enable_secret_is_bad_secret() {
    let mut spec = ios("r2");
    spec.enable_secret = Some("right-secret".into());
    let dev = spawn(spec).await;
    // SAFETY: unique variable for this test.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_EN_2", "wrong-secret") };
    let report = probe_one(&device(
        &dev,
        &format!(
            "{}\nenable_secret_env = \"SSHTRIAGE_TEST_EN_2\"",
            with_password("admin")
        ),
    ))
    .await;
    assert_failure(&report, Stage::Enable, "bad_secret");
    assert_eq!(report.reached, Some(Stage::Prompt));
}

#[tokio::test]
async fn enable_without_a_configured_secret_is_no_secret() {
    let mut spec = ios("r3");
    spec.enable_secret = Some("needed".into());
    let dev = spawn(spec).await;
    let report = probe_one(&device(&dev, &with_password("admin"))).await;
    assert_failure(&report, Stage::Enable, "no_secret");
}

#[tokio::test]
async fn already_privileged_device() {
    let mut spec = ios("core1");
    spec.start_privileged = true;
    let dev = spawn(spec).await;
    let report = probe_one(&device(&dev, &with_password("admin"))).await;
    let enable = report.result(Stage::Enable).unwrap();
    assert_eq!(
        (enable.status, enable.reason.map(|r| r.name())),
        (Status::Ok, Some("already_privileged"))
    );
    assert_eq!(report.prompt.as_deref(), Some("core1#"));
}

#[tokio::test]
async fn keyboard_interactive_only_device() {
    let mut spec = ios("kbd1");
    spec.auth_methods = vec![AuthMethod::KeyboardInteractive];
    let dev = spawn(spec).await;
    let report = probe_one(&device(&dev, &with_password("admin"))).await;
    assert_ok_through(&report, Stage::Prompt);
    assert_eq!(
        report.auth_methods.as_deref(),
        Some(&["keyboard-interactive".to_string()][..])
    );
    assert!(detail(&report, Stage::Auth).contains("keyboard-interactive"));
    let c = dev.counters.snapshot();
    assert_eq!((c.auth_password, c.auth_keyboard_interactive), (0, 1));
}

#[tokio::test]
async fn publickey_only_device_with_only_a_password_configured() {
    let mut spec = ios("pk1");
    spec.auth_methods = vec![AuthMethod::PublicKey];
    let dev = spawn(spec).await;
    let report = probe_one(&device(&dev, &with_password("admin"))).await;
    assert_failure(&report, Stage::AuthMethods, "no_usable_method");
    let message = &report.failure.as_ref().unwrap().message;
    assert!(
        message.contains("publickey") && message.contains("password"),
        "{message}"
    );
    assert_eq!(
        dev.counters.snapshot().auth_password,
        0,
        "no password was sent"
    );
}

#[tokio::test]
async fn wrong_password_is_rejected_with_methods() {
    let dev = spawn(ios("r4")).await;
    let report = probe_one(&device(&dev, &with_password("not-the-password"))).await;
    assert_failure(&report, Stage::Auth, "rejected");
    let message = &report.failure.as_ref().unwrap().message;
    assert!(message.contains("password"), "{message}");
    let c = dev.counters.snapshot();
    assert_eq!(
        c.auth_password, 1,
        "one password attempt per probe, no loop"
    );
}

#[tokio::test]
async fn no_credentials_at_all() {
    let dev = spawn(ios("r5")).await;
    let report = probe_one(&device(&dev, "")).await;
    assert_failure(&report, Stage::Auth, "no_credentials");
}

#[tokio::test]
async fn refused_shell() {
    let mut spec = ios("netconf1");
    spec.refuse_shell = true;
    let dev = spawn(spec).await;
    let report = probe_one(&device(&dev, &with_password("admin"))).await;
    assert_failure(&report, Stage::Prompt, "shell_refused");
}

#[tokio::test]
async fn silent_shell_times_out_at_prompt_after_nudges() {
    let mut spec = ios("mute1");
    spec.silent_shell = true;
    let dev = spawn(spec).await;
    let d = &devices(&format!(
        "[[device]]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\ntimeout = \"3s\"\n\
         known_hosts = [\"/dev/null\"]\n{}\n",
        dev.addr.port(),
        with_password("admin")
    ))[0];
    let report = probe_one(d).await;
    assert_failure(&report, Stage::Prompt, "timeout");
    let nudges = report
        .transcript
        .iter()
        .filter(|l| l.direction == Direction::Sent && l.text == "⏎")
        .count();
    assert!(
        nudges >= 1,
        "pressed Enter while waiting: {:?}",
        report.transcript
    );
}

#[tokio::test]
async fn changed_host_key_withholds_credentials() {
    let dev = spawn(ios("r6")).await;
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let stale = lab::generate_ed25519_host_key().unwrap();
    known_hosts::accept(&kh, "127.0.0.1", dev.addr.port(), stale.public_key(), false).unwrap();
    let d = &devices(&format!(
        "[[device]]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\ntimeout = \"5s\"\n\
         known_hosts = [\"{}\"]\n{}\n",
        dev.addr.port(),
        kh.display(),
        with_password("admin")
    ))[0];
    let report = probe_one(d).await;
    assert_failure(&report, Stage::HostKey, "changed");
    let hk = report.host_key.as_ref().unwrap();
    assert_eq!(hk.verdict, HostKeyVerdict::Changed);
    assert_eq!(hk.entries.len(), 1);
    assert_eq!(
        (hk.entries[0].file.as_str(), hk.entries[0].line),
        (kh.to_str().unwrap(), 1)
    );
    assert_eq!(
        hk.entries[0].fingerprint,
        known_hosts::fingerprint(stale.public_key())
    );
    assert_ne!(hk.fingerprint, hk.entries[0].fingerprint);
    for stage in [
        Stage::AuthMethods,
        Stage::Auth,
        Stage::Prompt,
        Stage::Enable,
    ] {
        let r = report.result(stage).unwrap();
        assert_eq!(
            (r.status, r.reason.map(|r| r.name())),
            (Status::Skip, Some("host_key_untrusted"))
        );
    }
    let c = dev.counters.snapshot();
    assert_eq!(
        c.auth_attempts(),
        0,
        "no authentication of any kind was attempted: {c:?}"
    );

    // The user may override for one run, and is then let in.
    let shared = Shared::new(Settings {
        trust_changed_host_keys: true,
        ..Settings::default()
    });
    let report = tokio::time::timeout(Duration::from_secs(30), engine::probe(d, &shared, 0, None))
        .await
        .unwrap();
    assert_eq!(status(&report, Stage::HostKey), Status::Fail);
    assert_eq!(status(&report, Stage::Auth), Status::Ok);
}

/// A correct `[host]:port` entry with a 70 KB comment still counts (OpenSSH reads lines of
/// any length): a host whose key contradicts it is `changed`, and no credential is sent.
#[tokio::test]
async fn a_long_known_hosts_line_cannot_blind_the_key_check() {
    let dev = spawn(ios("r6l")).await;
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let stale = lab::generate_ed25519_host_key().unwrap();
    let line = format!(
        "[127.0.0.1]:{} {} {}\n",
        dev.addr.port(),
        stale.public_key().to_openssh().unwrap(),
        "x".repeat(70 * 1024)
    );
    std::fs::write(&kh, line).unwrap();
    let d = &devices(&format!(
        "[[device]]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\ntimeout = \"5s\"\n\
         known_hosts = [\"{}\"]\n{}\n",
        dev.addr.port(),
        kh.display(),
        with_password("admin")
    ))[0];
    let report = probe_one(d).await;
    assert_failure(&report, Stage::HostKey, "changed");
    assert_eq!(report.host_key.as_ref().unwrap().entries[0].line, 1);
    let auth = report.result(Stage::Auth).unwrap();
    assert_eq!(auth.reason.map(|r| r.name()), Some("host_key_untrusted"));
    assert_eq!(dev.counters.snapshot().auth_attempts(), 0);
}

#[tokio::test]
async fn matching_and_unknown_host_keys() {
    let key = lab::generate_ed25519_host_key().unwrap();
    let public = key.public_key().clone();
    let dev = spawn(DeviceSpec::new("r7", PromptStyle::Ios, key)).await;
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let extra = |policy: &str| {
        format!(
            "known_hosts = [\"{}\"]\nhost_key_policy = \"{policy}\"\n{}",
            kh.display(),
            with_password("admin")
        )
    };
    let d = devices(&format!(
        "[[device]]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\ntimeout = \"5s\"\n{}\n",
        dev.addr.port(),
        extra("strict")
    ))
    .remove(0);
    let report = probe_one(&d).await;
    assert_failure(&report, Stage::HostKey, "unknown");
    let lenient = devices(&format!(
        "[[device]]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\ntimeout = \"5s\"\n{}\n",
        dev.addr.port(),
        extra("warning")
    ))
    .remove(0);
    let report = probe_one(&lenient).await;
    assert_eq!(status(&report, Stage::HostKey), Status::Warn);
    assert!(report.passed());
    known_hosts::accept(&kh, "127.0.0.1", dev.addr.port(), &public, true).unwrap();
    let report = probe_one(&d).await;
    assert_eq!(
        status(&report, Stage::HostKey),
        Status::Ok,
        "{}",
        detail(&report, Stage::HostKey)
    );
    assert_eq!(
        report.host_key.as_ref().unwrap().verdict,
        HostKeyVerdict::Match
    );
}

#[tokio::test]
async fn cloned_images_are_flagged() {
    let key = lab::generate_ed25519_host_key().unwrap();
    let a = spawn(DeviceSpec::new("a", PromptStyle::Ios, key.clone())).await;
    let b = spawn(DeviceSpec::new("b", PromptStyle::Ios, key)).await;
    let list = devices(&format!(
        "[defaults]\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\nusername = \"admin\"\n\
         [[device]]\nname = \"a\"\nhost = \"127.0.0.1\"\nport = {}\n[[device]]\nname = \"b\"\nhost = \"127.0.0.1\"\nport = {}\n",
        a.addr.port(),
        b.addr.port()
    ));
    let shared = std::sync::Arc::new(Shared::new(Settings::default()));
    let reports = tokio::time::timeout(
        Duration::from_secs(30),
        engine::run_all(&list, shared, None),
    )
    .await
    .unwrap();
    assert_eq!(reports[0].host_key.as_ref().unwrap().shared_with, ["b"]);
    assert_eq!(reports[1].host_key.as_ref().unwrap().shared_with, ["a"]);
}

#[tokio::test]
async fn an_absurd_timeout_is_not_a_panic() {
    let dev = spawn(ios("r9")).await;
    let mut d = device(&dev, &with_password("admin"));
    // Sources refuse such a timeout; a device built in code is capped by the engine.
    d.timeout = Duration::MAX;
    let report = tokio::time::timeout(Duration::from_secs(60), probe_one(&d))
        .await
        .expect("the probe ends");
    assert_eq!(report.failure, None, "{report:?}");
}

#[tokio::test]
async fn a_key_file_that_is_a_device_is_refused_not_read() {
    let mut spec = ios("pk2");
    spec.auth_methods = vec![AuthMethod::PublicKey];
    let dev = spawn(spec).await;
    // Reading /dev/zero to its end would never finish and take all memory.
    let report = probe_one(&device(&dev, "key_file = \"/dev/zero\"")).await;
    assert_failure(&report, Stage::Auth, "key_unreadable");
    let message = &report.failure.as_ref().unwrap().message;
    assert!(message.contains("not a regular file"), "{message}");
}
