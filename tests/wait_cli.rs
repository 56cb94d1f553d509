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
