//! `sshtriage wait`, the real binary, against simulated devices run by this test process:
//! exit codes, the JSON events, the summary of who is stuck where, Ctrl-C.

mod support;

use serde_json::Value;
use sshtriage::lab::{self, BootScript, DeviceSpec, PromptStyle, RunningDevice};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

async fn spawn(name: &str, boot: BootScript) -> RunningDevice {
    let mut spec = DeviceSpec::new(
        name,
        PromptStyle::Eos,
        lab::generate_ed25519_host_key().expect("key"),
    );
    spec.boot = boot;
    lab::spawn_device(spec, "127.0.0.1:0".parse().expect("literal"))
        .await
        .expect("spawn simulated device")
}

/// The password comes from the child's environment (`WAIT_TEST_PASSWORD`).
fn entry(name: &str, dev: &RunningDevice) -> String {
    format!(
        "[[device]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
         password_env = \"WAIT_TEST_PASSWORD\"\ntimeout = \"1s\"\nknown_hosts = [\"/dev/null\"]\n",
        dev.addr.port()
    )
}

fn inventory(dir: &Path, text: &str) -> String {
    let path = dir.join("lab.toml");
    std::fs::write(&path, text).expect("write inventory");
    path.display().to_string()
}

fn sshtriage(args: &[&str], password: &str) -> Command {
    let mut cmd = support::sshtriage_command(&["wait"]);
    cmd.args(args)
        .args([
            "--backoff",
            "200ms",
            "--backoff-max",
            "800ms",
            "--no-ssh-config",
        ])
        .env("WAIT_TEST_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

async fn run(mut cmd: Command) -> Output {
    let child = cmd.spawn().expect("run sshtriage");
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("sshtriage wait must end by itself")
        .expect("output")
}

fn events(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn named<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exits_0_once_a_slow_device_comes_up_and_reports_json_events() {
    let slow = spawn(
        "r1",
        BootScript {
            closed_for: Duration::from_millis(800),
            silent_for: Duration::from_millis(3000),
        },
    )
    .await;
    let quick = spawn("r2", BootScript::READY).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &(entry("r1", &slow) + &entry("r2", &quick)));
    let out = run(sshtriage(&[&inv, "--json", "--timeout", "40s"], "admin")).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let events = events(&out);

    let progress = named(&events, "progress");
    assert!(
        progress.iter().any(|e| e["device"] == "r1"
            && e["reached"] == "tcp"
            && e["failure"]["stage"] == "banner"
            && e["condition"]
                .as_str()
                .is_some_and(|c| c.starts_with("port open but no SSH banner for"))),
        "a progress event names the silent port: {events:#?}"
    );
    let ready = named(&events, "ready");
    assert_eq!(ready.len(), 2, "{events:#?}");
    let r1 = ready
        .iter()
        .find(|e| e["device"] == "r1")
        .expect("r1 ready");
    assert_eq!(r1["reached"], "enable");
    assert!(r1["time_to_ready_ms"].as_u64().expect("ms") >= 3000, "{r1}");
    assert!(r1["milestones"]["banner_at_ms"].as_u64().is_some(), "{r1}");
    assert!(r1["attempts"].as_u64().expect("count") >= 3, "{r1}");

    let summary = named(&events, "summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["outcome"], "ready");
    assert_eq!(
        (summary[0]["ready"].as_u64(), summary[0]["total"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(events.last(), Some(summary[0]), "the summary comes last");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("admin\""),
        "no password"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exits_1_on_timeout_naming_who_is_stuck_where() {
    let silent = spawn(
        "r3",
        BootScript {
            closed_for: Duration::ZERO,
            silent_for: Duration::from_secs(3600),
        },
    )
    .await;
    let up = spawn("r4", BootScript::READY).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &(entry("r3", &silent) + &entry("r4", &up)));
    let started = std::time::Instant::now();
    let out = run(sshtriage(&[&inv, "--timeout", "4s"], "admin")).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        text.contains("wait: timed out after 4 s: 1 of 2 device(s) ready"),
        "{text}"
    );
    let stuck = text
        .lines()
        .find(|l| l.starts_with("  r3: "))
        .unwrap_or_else(|| panic!("r3 in the summary: {text}"));
    assert!(
        stuck.starts_with("  r3: port open but no SSH banner for "),
        "{stuck}"
    );
    assert!(text.contains("  r4: ready (enable)"), "{text}");
    // Plain lines when stdout is not a terminal: no cursor movement.
    assert!(!text.contains('\x1b'), "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_ends_the_wait_at_once_after_one_attempt() {
    let dev = spawn("r5", BootScript::READY).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry("r5", &dev));
    let out = run(sshtriage(
        &[&inv, "--json", "--timeout", "30s"],
        "wrong-password-1",
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let events = events(&out);
    let stopped = named(&events, "stopped");
    assert_eq!(stopped.len(), 1, "{events:#?}");
    assert_eq!(stopped[0]["stage"], "auth");
    assert_eq!(stopped[0]["reason"], "rejected");
    assert_eq!(named(&events, "summary")[0]["outcome"], "stopped");
    assert_eq!(dev.counters.snapshot().auth_password, 1);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("wrong-password-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.toml").display().to_string();
    for args in [
        vec!["--host", "127.0.0.1:1", "--until", "shell"],
        vec!["--host", "127.0.0.1:1", "--rate", "0"],
        vec!["--host", "127.0.0.1:1", "--timeout", "soon"],
        vec![missing.as_str()],
        vec![],
    ] {
        let out = run(sshtriage(&args, "x")).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_prints_the_summary_and_exits_130() {
    let silent = spawn(
        "r6",
        BootScript {
            closed_for: Duration::ZERO,
            silent_for: Duration::from_secs(3600),
        },
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry("r6", &silent));
    let mut child = sshtriage(&[&inv, "--json", "--timeout", "5m"], "admin")
        .spawn()
        .expect("run sshtriage");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a first event")
        .expect("read")
        .expect("a line");
    assert!(first.contains("\"progress\""), "{first}");
    let pid = child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits after Ctrl-C")
        .expect("status");
    assert_eq!(status.code(), Some(130));
    let mut rest = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push(line);
    }
    let summary: Value = serde_json::from_str(rest.last().expect("a summary")).expect("JSON");
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["outcome"], "interrupted");
    let state = summary["devices"][0]["state"].as_str().unwrap_or("");
    assert!(["waiting", "probing"].contains(&state), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_added_to_the_inventory_while_waiting_is_waited_for() {
    let slow = spawn(
        "r7",
        BootScript {
            closed_for: Duration::ZERO,
            silent_for: Duration::from_millis(3000),
        },
    )
    .await;
    let late = spawn("r8", BootScript::READY).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry("r7", &slow));
    let mut child = sshtriage(&[&inv, "--json", "--timeout", "40s"], "admin")
        .spawn()
        .expect("run sshtriage");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a first event")
        .expect("read")
        .expect("a line");
    assert!(first.contains("\"progress\""), "{first}");
    inventory(dir.path(), &(entry("r7", &slow) + &entry("r8", &late)));
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("ends by itself")
        .expect("status");
    let mut events = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        events.push(serde_json::from_str::<Value>(&line).expect("JSON"));
    }
    assert_eq!(status.code(), Some(0), "{events:#?}");
    let reload = named(&events, "reload");
    assert_eq!(reload.len(), 1, "{events:#?}");
    assert_eq!(reload[0]["added"], serde_json::json!(["r8"]));
    let ready: Vec<&Value> = named(&events, "ready")
        .into_iter()
        .map(|e| &e["device"])
        .collect();
    assert_eq!(ready.len(), 2, "{events:#?}");
    assert!(ready.contains(&&Value::from("r8")), "{events:#?}");
    let summary = named(&events, "summary");
    assert_eq!(summary[0]["total"], 2);
}

/// An entry whose per-stage timeout is `timeout`.
fn entry_with_timeout(name: &str, dev: &RunningDevice, timeout: &str) -> String {
    entry(name, dev).replace("timeout = \"1s\"", &format!("timeout = \"{timeout}\""))
}

/// A port that accepts TCP and never says anything.
async fn tarpit(name: &str) -> RunningDevice {
    spawn(
        name,
        BootScript {
            closed_for: Duration::ZERO,
            silent_for: Duration::from_secs(3600),
        },
    )
    .await
}

/// While the first attempt still waits for the banner, the summary says so: the stage, what
/// it waits for and for how long, not "not probed yet".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_during_the_first_attempt_names_the_stage_it_waits_in() {
    let silent = tarpit("r9").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry_with_timeout("r9", &silent, "60s"));
    let out = run(sshtriage(&[&inv, "--timeout", "3s"], "admin")).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("  r9: "))
        .unwrap_or_else(|| panic!("r9 in the summary: {text}"));
    assert!(
        line.starts_with("  r9: banner: waiting for the identification line, "),
        "{line}"
    );
    assert!(line.ends_with("(attempt 1)"), "{line}");
    assert!(!text.contains("not probed yet"), "{text}");

    // JSON says the same, with the stage as a field.
    let out = run(sshtriage(&[&inv, "--timeout", "3s", "--json"], "admin")).await;
    let events = events(&out);
    let device = &named(&events, "summary")[0]["devices"][0];
    assert_eq!(device["probing"]["stage"], "banner", "{device}");
    let summary = device["summary"].as_str().unwrap_or("");
    assert!(
        summary.starts_with("banner: waiting for the identification line"),
        "{summary}"
    );
}

/// The Ctrl-C summary names the stage of the attempt in progress too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_the_first_attempt_names_the_stage_it_waits_in() {
    let silent = tarpit("r10").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry_with_timeout("r10", &silent, "60s"));
    let child = sshtriage(&[&inv, "--timeout", "5m"], "admin")
        .spawn()
        .expect("run sshtriage");
    // Connected: the banner stage is under way.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while silent.counters.snapshot().connections == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never connected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("exits after Ctrl-C")
        .expect("output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{text}");
    assert!(text.contains("wait: interrupted after "), "{text}");
    assert!(
        text.contains("  r10: banner: waiting for the identification line, "),
        "{text}"
    );
    assert!(!text.contains("not probed yet"), "{text}");
}

async fn slow_banner_device(name: &str) -> RunningDevice {
    let mut spec = DeviceSpec::new(
        name,
        PromptStyle::Eos,
        lab::generate_ed25519_host_key().expect("key"),
    );
    spec.banner_delay = Duration::from_millis(2500);
    lab::spawn_device(spec, "127.0.0.1:0".parse().expect("literal"))
        .await
        .expect("spawn simulated device")
}

/// The dashboard's drill-down advises `--timeout N` (its flag for the per-stage timeout,
/// which `check` shares): with it, the device whose banner takes longer than the
/// inventory's 1 s gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboards_timeout_flag_lets_a_slow_banner_through() {
    let slow = slow_banner_device("r12").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry("r12", &slow));
    let check = |extra: &'static [&'static str]| {
        let mut cmd = support::sshtriage_command(&["check", &inv, "--no-ssh-config"]);
        cmd.args(extra)
            .env("WAIT_TEST_PASSWORD", "admin")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let out = run(check(&[])).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("banner/timeout"), "{text}");
    let out = run(check(&["--timeout", "10s"])).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
}

/// A device that always takes longer to send its banner than the stage timeout: after two
/// attempts that gave up at the same time, `wait` says so and prints this command again with
/// a longer `--stage-timeout`; pasted as printed, that command gets the device ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banner_slower_than_the_stage_timeout_gets_advice_that_works_when_pasted() {
    let slow = slow_banner_device("r11").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = inventory(dir.path(), &entry("r11", &slow));
    let mut child = sshtriage(&[&inv, "--timeout", "60s"], "admin")
        .spawn()
        .expect("run sshtriage");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    let command = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no advice: {seen:#?}"))
            .expect("read")
            .unwrap_or_else(|| panic!("ended without advice: {seen:#?}"));
        if let Some((_, command)) = line.split_once("  run: ") {
            break command.to_owned();
        }
        seen.push(line);
    };
    let advice = seen.last().cloned().unwrap_or_default();
    assert!(
        advice.contains("the banner stage timed out every time at 1 s ("),
        "{seen:#?}"
    );
    assert!(
        advice.contains("raise --stage-timeout above 1 s"),
        "{advice}"
    );
    let pid = child.id().expect("running").to_string();
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;

    let words = sshtriage::model::ShellCommand::parse(&command)
        .unwrap_or_else(|| panic!("not a command: {command}"));
    let words = words.words();
    assert_eq!(words[0], "sshtriage", "{command}");
    assert!(
        command.ends_with("--stage-timeout 10s"),
        "the flag the CLI has, with a value: {command}"
    );
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let mut again = support::sshtriage_command(&args);
    again
        .env("WAIT_TEST_PASSWORD", "admin")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run(again).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("wait: all 1 device(s) ready"), "{text}");
}
