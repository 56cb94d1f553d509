//! A low open-files limit is the machine's, not the devices': with `ulimit -n 256` and
//! `--concurrency 500`, 300 devices that hold their connections open (a tarpit) all end at the
//! banner timeout, none with "Too many open files", and the cap is said once.

mod support;

use std::time::Duration;
use support::{finish, sshtriage_command};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread")]
async fn a_low_open_files_limit_caps_concurrency_instead_of_failing_devices() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accepts and holds every connection, silent, for a bounded time.
    let tarpit = tokio::spawn(async move {
        let mut held = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while let Ok(Ok((socket, _))) = tokio::time::timeout_at(deadline, listener.accept()).await {
            held.push(socket);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inventory =
        format!("[defaults]\nport = {port}\ntimeout = \"1s\"\nknown_hosts = [\"/dev/null\"]\n");
    for i in 0..300 {
        inventory.push_str(&format!(
            "[[device]]\nname = \"d{i}\"\nhost = \"127.0.0.1\"\n"
        ));
    }
    let lab = dir.path().join("lab.toml");
    std::fs::write(&lab, inventory).expect("write");

    let cmd = sshtriage_command(&[]);
    let program = cmd.as_std().get_program().to_owned();
    let mut sh = tokio::process::Command::new("sh");
    sh.arg("-c")
        .arg(format!(
            "ulimit -n 256 && exec {} check --json --concurrency 500 {}",
            program.to_string_lossy(),
            lab.display()
        ))
        .env("SSHTRIAGE_NO_SSH_CONFIG", "true")
        .env_remove("SSHTRIAGE_CONCURRENCY")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let run = finish(sh).await;
    tarpit.abort();

    assert!(
        run.stderr
            .contains("concurrency lowered from 500 to 64: the open-files limit is 256"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("concurrency lowered").count(),
        1,
        "said once: {}",
        run.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let devices = json["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 300);
    for device in devices {
        let failure = &device["failure"];
        assert_eq!(
            (failure["stage"].as_str(), failure["reason"].as_str()),
            (Some("banner"), Some("timeout")),
            "{device}"
        );
        assert!(!device.to_string().contains("open files"), "{device}");
    }
}
