//! File transfer readiness, opt-in (issue 15 item 4): after login, on channels of their own,
//! the `sftp` subsystem and SCP's server side (`scp -f` on a path that cannot exist), against
//! a real sshd with and without its sftp subsystem and a simulated IOS device that refuses
//! both. Nothing is read or written on the device.

mod support;

use sshtriage::lab::{self, DeviceSpec, PromptStyle};
use sshtriage::model::{DeviceReport, Stage, Status};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::*;

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// An sshd that takes one user key, with `extra` config (a Subsystem line or none).
fn sshd(bin: &Path, extra: &str) -> (Sshd, PathBuf, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let user_key = keys.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    std::fs::copy(
        keys.path().join("id_ed25519.pub"),
        keys.path().join("authorized_keys"),
    )
    .unwrap();
    let sshd = Sshd::start(
        bin,
        Flavour::Modern,
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\nPermitRootLogin prohibit-password\n{extra}",
            keys.path().display()
        ),
    );
    (sshd, user_key, keys)
}

fn inventory(sshd: &Sshd, key: &Path, check: bool) -> String {
    format!(
        "[[device]]\nname = \"linux\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{}\"\n\
         key_file = \"{}\"\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\ncheck_transfer = {check}\n",
        sshd.addr.port(),
        whoami(),
        key.display()
    )
}

fn transfer(report: &DeviceReport) -> &sshtriage::model::TransferEvidence {
    report
        .transfer
        .as_ref()
        .unwrap_or_else(|| panic!("no transfer evidence: {report:#?}"))
}

#[tokio::test]
async fn sftp_and_scp_are_available_on_an_sshd_with_its_subsystem() {
    let Some(bin) = require_sshd("sftp_and_scp_are_available") else {
        return;
    };
    let (sshd, key, _keys) = sshd(&bin, "Subsystem sftp internal-sftp\n");
    let report = probe_one(&devices(&inventory(&sshd, &key, true))[0]).await;
    assert_ok_through(&report, Stage::Prompt);
    let t = transfer(&report);
    assert!(t.sftp.available, "{:?}", t.sftp);
    assert!(t.sftp.detail.contains("SFTP version 3"), "{:?}", t.sftp);
    assert!(t.scp.available, "{:?}", t.scp);
    assert!(t.scp.detail.contains("Not a directory"), "{:?}", t.scp);
    assert_eq!(t.status, Status::Ok);
    // Opt-in: without it nothing is asked.
    let plain = probe_one(&devices(&inventory(&sshd, &key, false))[0]).await;
    assert!(plain.transfer.is_none());
    // Each on a channel of its own beside the shell, as the server logged them.
    let log =
        sshd.log_when(|log| log.contains("subsystem 'sftp'") && log.contains(": command for"));
    assert!(
        log.contains("Starting session: subsystem 'sftp'")
            && log.contains("Starting session: command for"),
        "{log}"
    );
}

#[tokio::test]
async fn an_sshd_without_its_sftp_subsystem_refuses_it_and_scp_still_works() {
    let Some(bin) = require_sshd("an_sshd_without_its_sftp_subsystem") else {
        return;
    };
    let (sshd, key, _keys) = sshd(&bin, "");
    let report = probe_one(&devices(&inventory(&sshd, &key, true))[0]).await;
    let t = transfer(&report);
    assert!(!t.sftp.available, "{:?}", t.sftp);
    assert!(
        t.sftp.detail.contains("refused the sftp subsystem"),
        "{:?}",
        t.sftp
    );
    assert!(t.scp.available, "{:?}", t.scp);
    assert_eq!(t.status, Status::Ok);
    let hint = t.hint.as_deref().unwrap_or_default();
    assert!(hint.contains("Subsystem sftp"), "{hint}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["transfer"]["sftp"]["available"], false);
    assert_eq!(json["transfer"]["scp"]["available"], true);
}

/// A simulated IOS device refuses subsystems and exec: neither works, the device still
/// passes its stages, and `check --transfer` warns with the platform's way to turn SCP on.
#[tokio::test]
async fn a_device_with_neither_warns_with_the_platforms_hint() {
    let mut spec = DeviceSpec::new(
        "r1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    spec.start_privileged = true;
    let dev = lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("lab.toml");
    std::fs::write(
        &inv,
        format!(
            "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
             password_env = \"SSHTRIAGE_TEST_TRANSFER_PW\"\ntimeout = \"5s\"\n\
             known_hosts = [\"/dev/null\"]\nhost_key_policy = \"warn\"\n",
            dev.addr.port()
        ),
    )
    .unwrap();
    let run_check = |json: bool| {
        let mut args = vec!["check", inv.to_str().unwrap(), "--transfer"];
        if json {
            args.push("--json");
        }
        let mut cmd = support::sshtriage_command(&args);
        cmd.env("SSHTRIAGE_TEST_TRANSFER_PW", "admin");
        support::finish(cmd)
    };
    let run = run_check(false).await;
    assert_eq!(run.code, 0, "a warning, not a failure: {}", run.text());
    assert!(
        run.stdout.contains("ok, warn ")
            && run
                .stdout
                .contains("transfer: neither SFTP nor SCP is available"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ip scp server enable"),
        "the platform's hint: {}",
        run.stdout
    );
    let run = run_check(true).await;
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let t = &doc["devices"][0]["transfer"];
    assert_eq!(t["status"], "warn", "{t}");
    assert_eq!(t["sftp"]["available"], false);
    assert!(
        t["scp"]["detail"]
            .as_str()
            .unwrap()
            .contains("refused to run `scp -f"),
        "{t}"
    );
    assert_eq!(doc["devices"][0]["reached"], "enable");
}
