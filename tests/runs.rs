//! Saved runs with the real binary: `check --json` (and the demo's) validated against
//! `schema/run.schema.json`, read back by `sshtriage diff`; `sshtriage diff` on synthetic runs
//! (each kind of change, exit codes, JSON), and hostile run files refused, naming the file.

mod support;

use serde_json::{Value, json};
use support::sshtriage;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/run.schema.json"
    ))
    .expect("the schema file");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// Every way `document` departs from the schema, one per line with where.
fn violations(document: &Value) -> Vec<String> {
    schema()
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// A port on loopback that refuses connections (bound, then closed).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test]
async fn check_json_matches_the_schema_and_says_when_and_from_what() {
    let port = closed_port();
    let host = format!("127.0.0.1:{port}");
    let run = sshtriage(&["check", "--json", "--timeout", "3s", "--host", &host]).await;
    assert_eq!(run.code, 1, "{}", run.text());
    let doc = parse(&run.stdout);
    assert_eq!(violations(&doc), Vec::<String>::new(), "{}", run.stdout);
    assert_eq!(
        doc["inputs"],
        json!({"command": "check", "sources": [], "hosts": [host], "cidr": []})
    );
    assert_eq!(doc["sshtriage_version"], env!("CARGO_PKG_VERSION"));
    let (start, end) = (
        doc["started_at"].as_str().unwrap(),
        doc["finished_at"].as_str().unwrap(),
    );
    assert!(start.ends_with('Z') && start.contains('T'), "{start}");
    // Same width and UTC: the text order is the time order.
    assert!(start <= end, "{start} .. {end}");
    assert_eq!(doc["devices"][0]["failure"]["reason"], "refused");
}

/// The demo fleet's thirteen stories carry every kind of evidence (algorithms, notes, host
/// keys, known_hosts entries, transcripts, commands, compatibility, clients).
#[tokio::test]
async fn the_demo_run_matches_the_schema_and_diffs_clean_against_itself() {
    let run = sshtriage(&["demo", "--check", "--json", "--timeout", "3s"]).await;
    assert_eq!(run.code, 1, "the demo has failing stories: {}", run.stderr);
    let doc = parse(&run.stdout);
    assert_eq!(violations(&doc), Vec::<String>::new());
    assert_eq!(doc["inputs"]["command"], "demo");
    assert_eq!(doc["devices"].as_array().map(Vec::len), Some(13));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.json");
    std::fs::write(&file, &run.stdout).unwrap();
    let f = file.to_str().unwrap();
    let same = sshtriage(&["diff", f, f]).await;
    assert_eq!(same.code, 0, "{}", same.text());
    assert_eq!(
        same.stdout.lines().next(),
        Some("nothing changed: 13 devices as before")
    );
}

#[test]
fn the_schema_refuses_what_the_output_does_not_say() {
    let mut doc = json!({
        "version": 1, "started_at": "2025-06-01T12:00:03.000Z",
        "finished_at": "2025-06-01T12:00:05.000Z", "sshtriage_version": "0.1.0",
        "inputs": {"command": "check", "sources": [], "hosts": [], "cidr": []},
        "devices": [device("r1", 1, None, "SHA256:a")]
    });
    assert_eq!(violations(&doc), Vec::<String>::new());
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut copy = doc.clone();
        change(&mut copy);
        violations(&copy)
    };
    assert!(!broken(&|d| d["started_at"] = json!("2025-06-01 12:00")).is_empty());
    assert!(!broken(&|d| d["devices"][0]["port"] = json!("22")).is_empty());
    assert!(!broken(&|d| d["devices"][0]["undocumented"] = json!(1)).is_empty());
    assert!(!broken(&|d| d["devices"][0]["reached"] = json!("warp")).is_empty());
    assert!(!broken(&|d| d["devices"][0]["stages"][0]["reason"] = json!("bogus")).is_empty());
    doc.as_object_mut().unwrap().remove("inputs");
    assert!(!violations(&doc).is_empty());
}

// ---- diff ------------------------------------------------------------------------------

/// A device as `check --json` writes it: reached `enable`, or failed at `failure`
/// (stage, reason), with host key `fingerprint`.
fn device(name: &str, octet: u8, failure: Option<(&str, &str)>, fingerprint: &str) -> Value {
    let stages = [
        "dns",
        "tcp",
        "banner",
        "kex",
        "host_key",
        "auth_methods",
        "auth",
        "prompt",
        "enable",
    ];
    let failed_at = failure.and_then(|(s, _)| stages.iter().position(|x| *x == s));
    let results: Vec<Value> = stages
        .iter()
        .enumerate()
        .map(|(i, s)| match failed_at {
            Some(f) if i == f => json!({"stage": s, "status": "fail", "elapsed_ms": 1.0,
                                        "reason": failure.unwrap().1, "detail": "it failed"}),
            Some(f) if i > f => json!({"stage": s, "status": "skip", "elapsed_ms": 0.0,
                                       "reason": "not_reached", "detail": ""}),
            _ => json!({"stage": s, "status": "ok", "elapsed_ms": 1.0, "reason": null, "detail": "ok"}),
        })
        .collect();
    let reached = match failed_at {
        Some(0) => Value::Null,
        Some(f) => json!(stages[f - 1]),
        None => json!("enable"),
    };
    json!({
        "name": name, "host": format!("10.0.0.{octet}"), "port": 22, "address": format!("10.0.0.{octet}"),
        "reached": reached,
        "failure": failure.map(|(s, r)| json!({"stage": s, "reason": r, "message": format!("{s}: {r}")})),
        "stages": results,
        "banner": {"raw": "SSH-2.0-Cisco-1.25", "protocol": "2.0", "software": "Cisco-1.25",
                   "comments": null, "pre_banner": []},
        "algorithms": null,
        "host_key": {"algorithm": "ssh-ed25519", "fingerprint": fingerprint, "verdict": "match",
                     "entries": [], "openssh": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"},
        "auth_methods": ["password"], "auth_banner": null, "prompt": format!("{name}#"),
        "privileged": true, "profile": "cisco_ios", "transcript": [], "elapsed_ms": 9.0
    })
}

fn run_file(dir: &std::path::Path, name: &str, devices: Vec<Value>) -> String {
    let doc = json!({
        "version": 1, "started_at": "2025-06-01T12:00:03.000Z",
        "finished_at": "2025-06-01T12:00:05.000Z", "sshtriage_version": "0.1.0",
        "inputs": {"command": "check", "sources": ["lab.toml"], "hosts": [], "cidr": []},
        "devices": devices
    });
    assert_eq!(
        violations(&doc),
        Vec::<String>::new(),
        "the fixture is a real run"
    );
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn diff_says_what_got_worse_first_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let old = run_file(
        dir.path(),
        "old.json",
        vec![
            device("r1", 1, None, "SHA256:one"),
            device("r2", 2, None, "SHA256:two"),
            device("r3", 3, Some(("auth", "rejected")), "SHA256:three"),
            device("gone", 4, None, "SHA256:four"),
        ],
    );
    let new = run_file(
        dir.path(),
        "new.json",
        vec![
            device("r1", 1, None, "SHA256:ONE"),
            device("r2", 2, Some(("auth", "rejected")), "SHA256:two"),
            device("r3", 3, None, "SHA256:three"),
            device("fresh", 5, None, "SHA256:five"),
        ],
    );
    let out = sshtriage(&["diff", &old, &new]).await;
    assert_eq!(out.code, 1, "{}", out.text());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "1 device changed host key, 1 newly fails at auth, 1 now passes, 1 added, 1 removed"
    );
    assert!(
        lines[1].starts_with(&format!(
            "old: {old}  taken 2025-06-01 12:00:03 UTC · 4 devices"
        )),
        "{}",
        lines[1]
    );
    let text = &out.stdout;
    for expected in [
        "! r1 (10.0.0.1:22)  worse: host key changed",
        "    host key: ssh-ed25519 SHA256:one → ssh-ed25519 SHA256:ONE",
        "! r2 (10.0.0.2:22)  worse: stops earlier, new failure",
        "    reached: enable → auth_methods",
        "    failure: passes → fails at auth: rejected",
        "~ r3 (10.0.0.3:22)",
        "    failure: fails at auth: rejected → passes",
        "+ fresh (10.0.0.5:22)  added: ready at enable",
        "- gone (10.0.0.4:22)  removed (was: ready at enable)",
    ] {
        assert!(
            text.lines().any(|l| l == expected),
            "no line {expected:?}:\n{text}"
        );
    }

    let json_out = sshtriage(&["diff", "--json", &old, &new]).await;
    assert_eq!(json_out.code, 1);
    let doc = parse(&json_out.stdout);
    assert_eq!(doc["worse"], true);
    assert_eq!(doc["headline"], lines[0]);
    assert_eq!(doc["old"]["file"], old.as_str());
    assert_eq!(doc["old"]["devices"], 4);
    assert_eq!(doc["new"]["started_at"], "2025-06-01T12:00:03.000Z");
    assert_eq!(doc["compared"], 3);
    assert_eq!(doc["changed"][0]["name"], "r1");
    assert_eq!(doc["changed"][0]["worse"], json!(["host_key_changed"]));
    assert_eq!(doc["changed"][0]["changes"][0]["what"], "host_key");
    assert_eq!(
        doc["changed"][1]["worse"],
        json!(["earlier_stage", "new_failure"])
    );
    assert_eq!(doc["added"][0]["name"], "fresh");
    assert_eq!(doc["removed"][0]["name"], "gone");
}

#[tokio::test]
async fn diff_exits_0_when_nothing_got_worse() {
    let dir = tempfile::tempdir().unwrap();
    let old = run_file(
        dir.path(),
        "old.json",
        vec![device(
            "r1",
            1,
            Some(("kex", "no_common_kex")),
            "SHA256:one",
        )],
    );
    let new = run_file(
        dir.path(),
        "new.json",
        vec![device("r1", 1, Some(("auth", "rejected")), "SHA256:one")],
    );
    let out = sshtriage(&["diff", &old, &new]).await;
    assert_eq!(
        out.code,
        0,
        "a failure at a later stage is progress: {}",
        out.text()
    );
    assert_eq!(
        out.stdout.lines().next(),
        Some("1 device fails at a later stage")
    );
    let same = sshtriage(&["diff", &new, &new]).await;
    assert_eq!(same.code, 0);
    assert_eq!(
        same.stdout.lines().next(),
        Some("nothing changed: 1 device as before")
    );
}

#[tokio::test]
async fn diff_refuses_bad_input_with_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = run_file(
        dir.path(),
        "good.json",
        vec![device("r1", 1, None, "SHA256:a")],
    );
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let deep = write(
        "deep.json",
        &format!(
            "{{\"version\": 1, \"devices\": [{{\"name\": {}{}}}]}}",
            "[".repeat(50_000),
            "]".repeat(50_000)
        ),
    );
    let typed = write(
        "typed.json",
        "{\"version\": 1,\n\"devices\": [{\"name\": 7}]}",
    );
    let future = write("future.json", "{\"version\": 9, \"devices\": []}");
    let missing = dir.path().join("missing.json").display().to_string();
    for (file, says) in [
        (
            deep.as_str(),
            "invalid type: sequence, expected a string".to_string(),
        ),
        (typed.as_str(), format!("{typed}:2:")),
        (future.as_str(), "document version 9".to_string()),
        (missing.as_str(), "cannot read".to_string()),
        ("/dev/zero", "/dev/zero: not a regular file".to_string()),
    ] {
        let out = sshtriage(&["diff", &good, file]).await;
        assert_eq!(out.code, 2, "{file}: {}", out.text());
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(out.stderr.starts_with("sshtriage diff: "), "{}", out.stderr);
        assert!(out.stderr.contains(file), "{}", out.stderr);
        assert!(out.stderr.contains(&says), "{says}: {}", out.stderr);
    }
    let usage = sshtriage(&["diff", &good]).await;
    assert_eq!(usage.code, 2, "{}", usage.text());
}

#[tokio::test]
async fn diff_output_cannot_carry_escapes_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "r1\u{1b}]0;pwned\u{7}";
    let old = run_file(
        dir.path(),
        "old.json",
        vec![device(evil, 1, None, "SHA256:a\u{1b}[2J")],
    );
    let new = run_file(
        dir.path(),
        "new.json",
        vec![device(evil, 1, None, "SHA256:b")],
    );
    let out = sshtriage(&["diff", &old, &new]).await;
    assert_eq!(out.code, 1);
    assert!(
        !out.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stdout
    );
    assert!(
        out.stdout.contains("! r1␛]0;pwned\u{fffd} (10.0.0.1:22)"),
        "{}",
        out.stdout
    );
    let bad = dir.path().join("bad\u{1b}[31m.json");
    std::fs::write(&bad, "{").unwrap();
    let out = sshtriage(&["diff", &old, bad.to_str().unwrap()]).await;
    assert_eq!(out.code, 2);
    assert!(
        !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stderr
    );
    assert!(out.stderr.contains("bad␛[31m.json"), "{}", out.stderr);
}

#[tokio::test]
async fn view_refuses_a_file_that_is_not_a_run_before_taking_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.toml");
    std::fs::write(&path, "[[device]]\nname = \"r1\"\n").unwrap();
    let out = sshtriage(&["view", path.to_str().unwrap()]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr.starts_with(&format!(
            "sshtriage view: {}:1:1: not a saved run",
            path.display()
        )),
        "{}",
        out.stderr
    );
}
