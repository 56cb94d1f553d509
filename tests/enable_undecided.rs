//! The enable step when auto-detection cannot choose a platform (issue 13, item 3): a prompt
//! such as `r1>` fits cisco_ios and arista_eos alike. With an enable secret configured the
//! candidates' enable step is tried when they agree on it, and `ambiguous_profile` names the
//! `profile = "…"` lines that settle it when they do not. A secret is never skipped silently.

mod support;

use sshtriage::device::Device;
use sshtriage::engine::{self, Settings, Shared};
use sshtriage::lab::{self, DeviceSpec, PromptStyle, RunningDevice};
use sshtriage::model::{DeviceReport, Direction, Stage, Status};
use sshtriage::profile::Profiles;
use std::time::Duration;
use support::*;

/// An SSH identification that points at no platform, so only the prompt's shape is evidence.
const NEUTRAL_SOFTWARE: &str = "RomSShell_4.62";
const SECRET: &str = "undecided-en-9";

async fn spawn(style: PromptStyle, enable_secret: Option<&str>) -> RunningDevice {
    let mut spec = DeviceSpec::new("r1", style, lab::generate_ed25519_host_key().unwrap());
    spec.software = NEUTRAL_SOFTWARE.into();
    spec.enable_secret = enable_secret.map(str::to_owned);
    lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("spawn simulated device")
}

/// The device in an inventory with profile `auto`, admin's password and the enable secret
/// (both through environment variables, as a user would keep them out of the file).
fn device(dev: &RunningDevice, with_secret: bool) -> Device {
    // SAFETY: the variables hold the same values in every test of this binary.
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_UNDECIDED_PW", "admin");
        std::env::set_var("SSHTRIAGE_TEST_UNDECIDED_EN", SECRET);
    }
    let secret = if with_secret {
        "enable_secret_env = \"SSHTRIAGE_TEST_UNDECIDED_EN\"\n"
    } else {
        ""
    };
    devices(&format!(
        "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
         password_env = \"SSHTRIAGE_TEST_UNDECIDED_PW\"\ntimeout = \"5s\"\n\
         known_hosts = [\"/dev/null\"]\nprofile = \"auto\"\n{secret}",
        dev.addr.port()
    ))
    .remove(0)
}

async fn probe_with(device: &Device, profiles: Profiles) -> DeviceReport {
    let mut shared = Shared::new(Settings::default());
    shared.profiles = profiles;
    tokio::time::timeout(
        Duration::from_secs(60),
        engine::probe(device, &shared, 0, None),
    )
    .await
    .expect("the probe must end by itself")
}

fn enable(report: &DeviceReport) -> (Status, Option<&'static str>, String) {
    let r = report.result(Stage::Enable).expect("an enable result");
    (r.status, r.reason.map(|r| r.name()), r.detail.clone())
}

#[tokio::test]
async fn candidates_that_agree_have_their_enable_step_tried() {
    let dev = spawn(PromptStyle::Ios, Some(SECRET)).await;
    let report = probe_with(&device(&dev, true), Profiles::embedded()).await;
    assert_ok_through(&report, Stage::Enable);
    let profile = report.profile.clone().unwrap_or_default();
    assert!(
        profile.starts_with("generic") && profile.contains("cisco_ios and arista_eos alike"),
        "the detection stays undecided: {profile}"
    );
    let (status, reason, detail) = enable(&report);
    assert_eq!((status, reason), (Status::Ok, None), "{detail}");
    assert!(detail.contains("enable secret accepted"), "{detail}");
    assert_eq!(report.prompt.as_deref(), Some("r1#"));
    assert_eq!(report.privileged, Some(true));
    assert_eq!(dev.counters.snapshot().enable_attempts, 1);
    assert!(
        report
            .transcript
            .iter()
            .any(|l| l.direction == Direction::Note
                && l.text.contains("cisco_ios and arista_eos")
                && l.text.contains("enable mode the same way")),
        "the transcript says why enable was tried: {:#?}",
        report.transcript
    );
    let shown = serde_json::to_string(&report).unwrap();
    assert!(!shown.contains(SECRET), "the secret never appears");
}

/// A user profile with the same prompt shape but another enable command: the choice matters,
/// so nothing is sent and the failure names the lines that settle it.
const ACME: &str = r#"
name = "acme_os"
description = "An IOS-shaped prompt with its own enable command"
[prompt]
unprivileged = ['[A-Za-z0-9][\w.\-]*>']
privileged = ['[A-Za-z0-9][\w.\-]*#']
[enable]
command = "super"
password_prompt = '(?i)password: ?'
[detect]
prompt = ['^[A-Za-z0-9][\w.\-]*[>#]$']
"#;

#[tokio::test]
async fn candidates_that_disagree_fail_as_ambiguous_naming_the_profile_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.toml"), ACME).unwrap();
    let profiles = Profiles::with_user_dir(Some(dir.path())).unwrap();
    let dev = spawn(PromptStyle::Ios, Some(SECRET)).await;
    let report = probe_with(&device(&dev, true), profiles).await;
    assert_failure(&report, Stage::Enable, "ambiguous_profile");
    assert_eq!(report.reached, Some(Stage::Prompt));
    let (_, _, detail) = enable(&report);
    for needle in [
        "`r1>` fits cisco_ios, arista_eos and acme_os alike",
        "enter enable mode with `enable`, acme_os `super`",
        "add one of `profile = \"cisco_ios\"`, `profile = \"arista_eos\"`, `profile = \"acme_os\"` to its entry",
        "test.toml:1",
    ] {
        assert!(detail.contains(needle), "{needle:?} in {detail}");
    }
    assert_eq!(
        dev.counters.snapshot().enable_attempts,
        0,
        "no enable command was guessed"
    );

    // The line it names settles it.
    let mut settled = device(&dev, true);
    settled.profile = "cisco_ios".into();
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("acme.toml"), ACME).unwrap();
    let report = probe_with(
        &settled,
        Profiles::with_user_dir(Some(dir2.path())).unwrap(),
    )
    .await;
    assert_ok_through(&report, Stage::Enable);
    assert_eq!(report.prompt.as_deref(), Some("r1#"));
}

#[tokio::test]
async fn without_a_secret_an_undecided_device_skips_enable_and_says_why() {
    let dev = spawn(PromptStyle::Ios, None).await;
    let report = probe_with(&device(&dev, false), Profiles::embedded()).await;
    let (status, reason, detail) = enable(&report);
    assert_eq!((status, reason), (Status::Skip, Some("not_applicable")));
    assert!(
        detail.contains("cisco_ios and arista_eos alike")
            && detail.contains("no enable secret is configured"),
        "{detail}"
    );
    assert_eq!(dev.counters.snapshot().enable_attempts, 0);
}

/// A platform without an enable step, chosen with evidence: the skip says the configured
/// secret is not used instead of passing over it.
#[tokio::test]
async fn a_secret_for_a_platform_without_enable_is_said_to_be_unused() {
    let dev = spawn(PromptStyle::Junos, None).await;
    let report = probe_with(&device(&dev, true), Profiles::embedded()).await;
    let (status, reason, detail) = enable(&report);
    assert_eq!((status, reason), (Status::Skip, Some("not_applicable")));
    assert!(
        detail.contains("juniper_junos has no enable step")
            && detail.contains("the configured enable secret is not used"),
        "{detail}"
    );
}
