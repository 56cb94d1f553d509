//! `check --output table|json|markdown|csv` and `--quiet` with the real binary, against
//! simulated devices on loopback: one that passes (with a warning), one whose host key
//! changed (a failure with fix commands) and a closed port.

mod support;

use sshtriage::lab::{self, DeviceSpec, PromptStyle, RunningDevice};
use support::Run;

struct Lab {
    _dir: tempfile::TempDir,
    inventory: String,
    _devices: Vec<RunningDevice>,
}

async fn lab() -> Lab {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devices = Vec::new();
    for name in ["r1", "rebuilt"] {
        let mut spec = DeviceSpec::new(
            name,
            PromptStyle::Ios,
            lab::generate_ed25519_host_key().expect("key"),
        );
        spec.password = Some("lab-pw".into());
        devices.push(
            lab::spawn_device(spec, "127.0.0.1:0".parse().expect("addr"))
                .await
                .expect("device"),
        );
    }
    let stale = lab::generate_ed25519_host_key()
        .expect("key")
        .public_key()
        .to_openssh()
        .expect("openssh");
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(
        &known_hosts,
        format!("[127.0.0.1]:{} {stale}\n", devices[1].addr.port()),
    )
    .expect("known_hosts");
    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[defaults]\nusername = \"admin\"\npassword_env = \"LAB_PW\"\ntimeout = \"5s\"\n\
             [[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nknown_hosts = [\"/dev/null\"]\n\
             [[device]]\nname = \"rebuilt\"\nhost = \"127.0.0.1\"\nport = {}\nknown_hosts = [\"{}\"]\n\
             [[device]]\nname = \"down\"\nhost = \"127.0.0.1\"\nport = {}\n",
            devices[0].addr.port(),
            devices[1].addr.port(),
            known_hosts.display(),
            support::sshd::free_port(),
        ),
    )
    .expect("inventory");
    Lab {
        inventory: inventory.display().to_string(),
        _dir: dir,
        _devices: devices,
    }
}

async fn check(lab: &Lab, args: &[&str]) -> Run {
    let mut all = vec!["check", lab.inventory.as_str()];
    all.extend_from_slice(args);
    let mut cmd = support::sshtriage_command(&all);
    cmd.env("LAB_PW", "lab-pw");
    let run = support::finish(cmd).await;
    assert_eq!(run.code, 1, "two devices fail: {}", run.text());
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_is_a_table_then_each_failure_with_its_fix() {
    let lab = lab().await;
    let md = check(&lab, &["--output", "markdown"]).await.stdout;
    assert!(
        md.starts_with("## sshtriage check: 3 device(s), 1 passed, 2 failed\n"),
        "{md}"
    );
    assert!(
        md.contains("| device | address | client | reached | result |\n|---|---|---|---|---|\n"),
        "{md}"
    );
    let row = |name: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row for {name}: {md}"))
            .to_owned()
    };
    assert!(
        row("r1").ends_with("| enable | ok, warn `host_key/unknown` |"),
        "{md}"
    );
    assert!(
        row("rebuilt").ends_with("| kex | FAIL `host_key/changed` |"),
        "{md}"
    );
    assert!(
        row("down").ends_with("| dns | FAIL `tcp/refused` |"),
        "{md}"
    );
    let failures = md
        .split("### Failures\n")
        .nth(1)
        .expect("a failures section");
    assert!(
        failures.contains(
            "- **rebuilt** failed at `host_key/changed`: REMOTE HOST IDENTIFICATION HAS CHANGED"
        ),
        "{md}"
    );
    assert!(
        failures.contains("  - Run: `sshtriage known-hosts prune --host 127.0.0.1:"),
        "{md}"
    );
    assert!(
        failures.contains("- **down** failed at `tcp/refused`: "),
        "{md}"
    );
    assert!(failures.contains("  - What to do: "), "{md}");
    let warnings = md
        .split("### Warnings\n")
        .nth(1)
        .expect("a warnings section");
    assert!(
        warnings.contains("- **r1** warns: host_key/unknown: "),
        "{md}"
    );
    assert!(
        warnings.contains("  - Run: `sshtriage known-hosts accept r1 "),
        "{md}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_a_header_and_a_row_per_device() {
    let lab = lab().await;
    let csv = check(&lab, &["--output", "csv"]).await.stdout;
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 4, "{csv:?}");
    assert_eq!(
        lines[0],
        "device,address,client,reached,result,stage,reason,message,commands,elapsed_ms"
    );
    assert!(lines[1].starts_with("r1,127.0.0.1:"), "{csv}");
    assert!(lines[1].contains(",enable,warn,,,"), "{csv}");
    assert!(lines[2].starts_with("rebuilt,127.0.0.1:"), "{csv}");
    assert!(lines[2].contains(",kex,fail,host_key,changed,"), "{csv}");
    assert!(
        lines[2].contains("sshtriage known-hosts prune --host"),
        "{csv}"
    );
    assert!(lines[3].contains(",dns,fail,tcp,refused,"), "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_only_the_failures_and_the_summary() {
    let lab = lab().await;
    let table = check(&lab, &["--quiet"]).await.stdout;
    assert!(!table.lines().any(|l| l.starts_with("r1 ")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("rebuilt ")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("down ")), "{table}");
    assert!(table.contains("3 device(s): 1 passed, 2 failed"), "{table}");

    let csv = check(&lab, &["-q", "--output", "csv"]).await.stdout;
    assert_eq!(csv.split_terminator("\r\n").count(), 3, "{csv:?}");
    assert!(!csv.contains("\r\nr1,"), "{csv:?}");

    let md = check(&lab, &["--quiet", "--output", "markdown"])
        .await
        .stdout;
    assert!(!md.contains("| r1 |"), "{md}");
    assert!(md.contains("3 device(s), 1 passed, 2 failed"), "{md}");

    let json = check(&lab, &["--quiet", "--json"]).await.stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    let names: Vec<&str> = doc["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["rebuilt", "down"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn output_json_is_the_json_document() {
    let lab = lab().await;
    let json = check(&lab, &["--output", "json"]).await.stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["devices"].as_array().map(Vec::len), Some(3));
}
