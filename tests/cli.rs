//! The real binary: exit codes, human lines, the JSON document, usage errors.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn sshtriage(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sshtriage"))
        .args(args)
        .env_remove("SSHTRIAGE_INVENTORY")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sshtriage");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sshtriage did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn refused_device_exits_1_with_a_summary() {
    let port = support::sshd::free_port();
    let out = sshtriage(&[
        "check",
        "--host",
        &format!("127.0.0.1:{port}"),
        "--timeout",
        "2s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL tcp/refused"), "{text}");
    assert!(text.contains("1 device(s): 0 passed, 1 failed"), "{text}");
    assert!(text.contains("fail at tcp"), "{text}");
}

#[test]
fn json_document_is_versioned_and_in_inventory_order() {
    let (a, b) = (support::sshd::free_port(), support::sshd::free_port());
    let out = sshtriage(&[
        "check",
        "--json",
        "--host",
        &format!("127.0.0.1:{a}"),
        "--host",
        &format!("admin@127.0.0.2:{b}"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    let devices = doc["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0]["port"], a);
    assert_eq!(devices[1]["host"], "127.0.0.2");
    assert_eq!(devices[0]["failure"]["stage"], "tcp");
    assert_eq!(devices[0]["failure"]["reason"], "refused");
    assert_eq!(devices[0]["reached"], "dns");
    let stages = devices[0]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["stage"], "dns");
    assert_eq!(stages[0]["status"], "ok");
    assert_eq!(stages[1]["status"], "fail");
    assert_eq!(stages[2]["status"], "skip");
    assert_eq!(stages[2]["reason"], "not_reached");
}

#[test]
fn bad_input_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("lab.toml");
    std::fs::write(&inv, "[[device]]\nhost = \"127.0.0.1\"\nprot = 22\n").unwrap();
    let out = sshtriage(&["check", inv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lab.toml:3"), "{err}");
    assert!(err.contains("prot"), "{err}");

    let out = sshtriage(&["check", "--host", "h:99999"]);
    assert_eq!(out.status.code(), Some(2));
    let out = sshtriage(&["check"]);
    assert_eq!(out.status.code(), Some(2), "no devices is a usage error");
    let out = sshtriage(&["check", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `sshtriage inventory` with `$XDG_CONFIG_HOME` pointing at `config`.
fn inventory_with_config(config: &std::path::Path, inventory: &std::path::Path) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_sshtriage"))
        .args(["inventory", "--json", "--no-ssh-config"])
        .arg(inventory)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("SSHTRIAGE_INVENTORY")
        .stdin(Stdio::null())
        .output();
    child.expect("run sshtriage")
}

#[test]
fn a_users_own_profile_names_devices_from_ansible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = dir.path().join("sshtriage/profiles");
    std::fs::create_dir_all(&profiles).expect("mkdir");
    std::fs::write(
        profiles.join("acme_nos.toml"),
        "name = \"acme_nos\"\ndescription = \"ACME NOS\"\naliases = [\"acme.nos.nos\"]\n\
         paging_off = []\nerrors = []\n[prompt]\nplain = ['acme[>#]']\n",
    )
    .expect("profile");
    let inventory = dir.path().join("hosts.yml");
    std::fs::write(
        &inventory,
        "all:\n  hosts:\n    edge1:\n      ansible_host: 127.0.0.1\n      ansible_network_os: acme.nos.nos\n",
    )
    .expect("inventory");
    let out = inventory_with_config(dir.path(), &inventory);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["devices"][0]["profile"], "acme_nos", "{doc:#}");

    // A broken profile is a usage error that names its file.
    std::fs::write(profiles.join("broken.toml"), "name = \n").expect("profile");
    let out = inventory_with_config(dir.path(), &inventory);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("broken.toml"), "{stderr}");
}
