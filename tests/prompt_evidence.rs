//! What the prompt stage logs and when it looks (issue 13, item 6): output that arrives while
//! the PTY and shell requests are confirmed is evidence like any other, and the prompt in it
//! is recognised before anything more is awaited.

mod support;

use sshtriage::device::Device;
use sshtriage::lab::{self, DeviceSpec, PromptStyle, RunningDevice};
use sshtriage::model::{DeviceReport, Direction, Stage, Status};
use support::*;

const SECRET: &str = "evidence-en-4";

/// An IOS-like device that prints its MOTD and first prompt before it confirms the shell.
async fn spawn(close_after_greeting: bool) -> RunningDevice {
    let mut spec = DeviceSpec::new(
        "r1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    spec.enable_secret = Some(SECRET.into());
    spec.motd = Some("Welcome to r1 (lab)".into());
    spec.greeting_before_shell_reply = true;
    spec.close_after_greeting = close_after_greeting;
    lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("spawn simulated device")
}

fn device(dev: &RunningDevice) -> Device {
    // SAFETY: the variables hold the same values in every test of this binary.
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_EVIDENCE_PW", "admin");
        std::env::set_var("SSHTRIAGE_TEST_EVIDENCE_EN", SECRET);
    }
    devices(&format!(
        "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
         password_env = \"SSHTRIAGE_TEST_EVIDENCE_PW\"\n\
         enable_secret_env = \"SSHTRIAGE_TEST_EVIDENCE_EN\"\ntimeout = \"5s\"\n\
         known_hosts = [\"/dev/null\"]\n",
        dev.addr.port()
    ))
    .remove(0)
}

/// The position of the first transcript line with `direction` and exactly `text`.
fn position(report: &DeviceReport, direction: Direction, text: &str) -> usize {
    report
        .transcript
        .iter()
        .position(|l| l.direction == direction && l.text == text)
        .unwrap_or_else(|| {
            panic!(
                "no {direction:?} line {text:?} in the transcript: {:#?}",
                report.transcript
            )
        })
}

#[tokio::test]
async fn the_first_prompt_is_in_the_transcript_between_login_and_enable() {
    let dev = spawn(false).await;
    let report = probe_one(&device(&dev)).await;
    assert_ok_through(&report, Stage::Enable);
    let accepted = position(&report, Direction::Note, "password: accepted");
    let motd = position(&report, Direction::Received, "Welcome to r1 (lab)");
    let prompt = position(&report, Direction::Received, "r1>");
    let enable = position(&report, Direction::Sent, "enable");
    assert!(
        accepted < motd && motd < prompt && prompt < enable,
        "login, MOTD, first prompt, enable in that order: {:#?}",
        report.transcript
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(SECRET), "the secret never appears");
}

/// The device prints its prompt and ends the shell at once: the prompt was there, so the
/// prompt stage must say so (and enable finds the shell closed), not "closed before a prompt
/// appeared". Only a look at what came with the shell, before waiting for more, sees it.
#[tokio::test]
async fn the_prompt_that_came_with_the_shell_is_recognised_before_waiting() {
    let dev = spawn(true).await;
    let report = probe_one(&device(&dev)).await;
    let prompt = report.result(Stage::Prompt).expect("a prompt result");
    assert_eq!(prompt.status, Status::Ok, "{}", prompt.detail);
    assert!(
        prompt
            .detail
            .starts_with("prompt `r1>` (cisco_ios, unprivileged)"),
        "{}",
        prompt.detail
    );
    assert_eq!(report.prompt.as_deref(), Some("r1>"));
    position(&report, Direction::Received, "r1>");
    assert_failure(&report, Stage::Enable, "closed");
}
