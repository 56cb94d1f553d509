//! Session stages against real OpenSSH servers on loopback: key and password logins reach a
//! Linux prompt; rejected credentials and stale known_hosts entries are named precisely.

mod support;

use sshtriage::model::{HostKeyVerdict, Stage, Status};
use std::path::Path;
use std::process::Command;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::*;

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// An sshd whose authorized keys live in its own directory, with one authorized user key.
fn sshd_with_user_key(bin: &Path) -> (Sshd, std::path::PathBuf) {
    let keys = tempfile::tempdir().unwrap().keep();
    let user_key = keys.join("id_ed25519");
    keygen("ed25519", &user_key);
    std::fs::copy(keys.join("id_ed25519.pub"), keys.join("authorized_keys")).unwrap();
    let sshd = Sshd::start(
        bin,
        Flavour::Modern,
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\nPermitRootLogin prohibit-password\n",
            keys.display()
        ),
    );
    (sshd, user_key)
}

fn inventory(sshd: &Sshd, user: &str, extra: &str, known_hosts: &str) -> String {
    format!(
        "[[device]]\nname = \"linux\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{user}\"\n\
         timeout = \"5s\"\nknown_hosts = [\"{known_hosts}\"]\n{extra}\n",
        sshd.addr.port()
    )
}

#[tokio::test]
async fn ed25519_key_reaches_a_linux_prompt() {
    let Some(bin) = require_sshd("ed25519_key_reaches_a_linux_prompt") else {
        return;
    };
    let (sshd, key) = sshd_with_user_key(&bin);
    let d = &devices(&inventory(
        &sshd,
        &whoami(),
        &format!("key_file = \"{}\"", key.display()),
        "/dev/null",
    ))[0];
    let report = probe_one(d).await;
    assert_ok_through(&report, Stage::Prompt);
    assert!(
        report.profile.as_deref().unwrap_or("").starts_with("linux"),
        "{:?}",
        report.profile
    );
    let enable = report.result(Stage::Enable).unwrap();
    assert_eq!(
        (enable.status, enable.reason.map(|r| r.name())),
        (Status::Skip, Some("not_applicable"))
    );
    let auth = report.result(Stage::Auth).unwrap();
    assert!(auth.detail.contains("publickey"), "{}", auth.detail);
    assert!(
        sshd.log_text().contains("Accepted publickey"),
        "{}",
        sshd.log_text()
    );
}

#[tokio::test]
async fn unauthorized_key_is_rejected() {
    let Some(bin) = require_sshd("unauthorized_key_is_rejected") else {
        return;
    };
    let (sshd, _) = sshd_with_user_key(&bin);
    let other = tempfile::tempdir().unwrap();
    let stranger = other.path().join("stranger");
    keygen("ed25519", &stranger);
    let d = &devices(&inventory(
        &sshd,
        &whoami(),
        &format!("key_file = \"{}\"", stranger.display()),
        "/dev/null",
    ))[0];
    let report = probe_one(d).await;
    assert_failure(&report, Stage::Auth, "rejected");
    let message = &report.failure.as_ref().unwrap().message;
    assert!(
        message.contains("methods that can continue: publickey,password"),
        "{message}"
    );
}

/// The password tests need a local account with a known password; .ci/run creates one.
fn test_account(test: &str) -> Option<(String, String)> {
    match (
        std::env::var("SSHTRIAGE_TEST_USER"),
        std::env::var("SSHTRIAGE_TEST_PASSWORD"),
    ) {
        (Ok(u), Ok(p)) => Some((u, p)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{test}: CI must provide SSHTRIAGE_TEST_USER/PASSWORD (.ci/run creates them)")
        }
        _ => {
            eprintln!(
                "SKIP {test}: set SSHTRIAGE_TEST_USER and SSHTRIAGE_TEST_PASSWORD (see .ci/run)"
            );
            None
        }
    }
}

#[tokio::test]
async fn password_login_and_wrong_password() {
    let Some(bin) = require_sshd("password_login") else {
        return;
    };
    let Some((user, password)) = test_account("password_login") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "PasswordAuthentication yes\n");
    // SAFETY: only this test uses these variables.
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_GOOD_PW", &password);
        std::env::set_var("SSHTRIAGE_TEST_BAD_PW", "definitely-wrong-pw");
    }
    let good = &devices(&inventory(
        &sshd,
        &user,
        "password_env = \"SSHTRIAGE_TEST_GOOD_PW\"",
        "/dev/null",
    ))[0];
    let report = probe_one(good).await;
    assert_ok_through(&report, Stage::Prompt);
    assert!(
        report
            .result(Stage::Auth)
            .unwrap()
            .detail
            .contains("password")
    );

    let bad = &devices(&inventory(
        &sshd,
        &user,
        "password_env = \"SSHTRIAGE_TEST_BAD_PW\"",
        "/dev/null",
    ))[0];
    let report = probe_one(bad).await;
    assert_failure(&report, Stage::Auth, "rejected");
    let message = &report.failure.as_ref().unwrap().message;
    assert!(message.contains("publickey,password"), "{message}");
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("definitely-wrong-pw"));
}

/// A known_hosts that names this server with some other key.
fn stale_known_hosts(sshd: &Sshd, hashed: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other_host_key");
    keygen("ed25519", &other);
    let public = std::fs::read_to_string(dir.path().join("other_host_key.pub")).unwrap();
    let key_text: Vec<&str> = public.split_whitespace().take(2).collect();
    let kh = dir.path().join("known_hosts");
    std::fs::write(
        &kh,
        format!(
            "# lab hosts\nunrelated.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA2J8kLAaCdp0tCvv9E9MVEmzJl0mhtHLBUNNRZdCWZk\n[127.0.0.1]:{} {}\n",
            sshd.addr.port(),
            key_text.join(" ")
        ),
    )
    .unwrap();
    if hashed {
        let status = Command::new("ssh-keygen")
            .arg("-H")
            .arg("-f")
            .arg(&kh)
            .output()
            .unwrap();
        assert!(status.status.success());
        let text = std::fs::read_to_string(&kh).unwrap();
        assert!(text.contains("|1|"), "hashed: {text}");
    }
    dir
}

async fn changed_key_withholds_credentials(hashed: bool) {
    let Some(bin) = require_sshd("changed_key") else {
        return;
    };
    let (sshd, key) = sshd_with_user_key(&bin);
    let kh_dir = stale_known_hosts(&sshd, hashed);
    let kh = kh_dir.path().join("known_hosts");
    // SAFETY: unique variable.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_CANARY_PW", "canary-pw-never-sent") };
    let d = &devices(&inventory(
        &sshd,
        &whoami(),
        &format!(
            "key_file = \"{}\"\npassword_env = \"SSHTRIAGE_TEST_CANARY_PW\"",
            key.display()
        ),
        kh.to_str().unwrap(),
    ))[0];
    let report = probe_one(d).await;
    assert_failure(&report, Stage::HostKey, "changed");
    let hk = report.host_key.as_ref().unwrap();
    assert_eq!(hk.verdict, HostKeyVerdict::Changed);
    let line = 3; // ssh-keygen -H keeps line order
    assert!(
        hk.entries
            .iter()
            .any(|e| e.file == kh.to_str().unwrap() && e.line == line),
        "entries: {:?}",
        hk.entries
    );
    assert!(
        report
            .failure
            .as_ref()
            .unwrap()
            .message
            .contains(&format!("{}:{line}", kh.display()))
    );
    assert_eq!(status(&report, Stage::Auth), Status::Skip);
    // The harness's readiness check is the first connection; ours is the second. Once sshd has
    // logged its end, nothing it logged may be an authentication attempt.
    let log = sshd.log_when(|l| l.matches("Connection closed by 127.0.0.1").count() >= 2);
    assert_eq!(log.matches("Connection from 127.0.0.1").count(), 2, "{log}");
    for offered in ["publickey", "password", "keyboard-interactive", "Postponed"] {
        assert!(
            !log.contains(offered),
            "sshd saw an authentication attempt ({offered}):\n{log}"
        );
    }
    assert!(
        log.contains("Connection from 127.0.0.1"),
        "the probe did connect:\n{log}"
    );
}

#[tokio::test]
async fn changed_host_key_plain_entry() {
    changed_key_withholds_credentials(false).await;
}

#[tokio::test]
async fn changed_host_key_hashed_entry() {
    changed_key_withholds_credentials(true).await;
}
