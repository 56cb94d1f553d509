//! Privilege escalation on Linux hosts (issue 15 item 1) against a real sshd and the real
//! sudo on loopback: the enable stage validates sudo (`sudo -k -S -p MARKER -v`) on the login
//! shell with the become password, as Ansible's become and NetPulse's sudo_password do.
//!
//! The accounts come from .ci/run: `SSHTRIAGE_TEST_USER` may sudo `/usr/bin/true` with its
//! password, `SSHTRIAGE_TEST_NOSUDO_USER` has no sudoers entry, `SSHTRIAGE_TEST_NOPASSWD_USER`
//! may sudo `/usr/bin/true` without a password; all share `SSHTRIAGE_TEST_PASSWORD`.

mod support;

use sshtriage::model::{DeviceReport, Stage, Status};
use support::sshd::{Flavour, Sshd, require_sshd};
use support::*;

struct Accounts {
    sudoer: String,
    nosudo: String,
    nopasswd: String,
    password: String,
}

fn accounts(test: &str) -> Option<Accounts> {
    let var = |name: &str| std::env::var(name).ok();
    match (
        var("SSHTRIAGE_TEST_USER"),
        var("SSHTRIAGE_TEST_NOSUDO_USER"),
        var("SSHTRIAGE_TEST_NOPASSWD_USER"),
        var("SSHTRIAGE_TEST_PASSWORD"),
    ) {
        (Some(sudoer), Some(nosudo), Some(nopasswd), Some(password)) => Some(Accounts {
            sudoer,
            nosudo,
            nopasswd,
            password,
        }),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{test}: CI must provide SSHTRIAGE_TEST_USER, _NOSUDO_USER, _NOPASSWD_USER and _PASSWORD (.ci/run)"
        ),
        _ => {
            eprintln!("SKIP {test}: the sudo test accounts are not set up (see .ci/run)");
            None
        }
    }
}

fn sshd_and_accounts(test: &str) -> Option<(Sshd, Accounts)> {
    let bin = require_sshd(test)?;
    let accounts = accounts(test)?;
    Some((Sshd::start(&bin, Flavour::Modern, ""), accounts))
}

/// A Linux device logging in as `user` with the account password; `extra` says how to escalate.
fn device(sshd: &Sshd, user: &str, password_env: &str, extra: &str) -> sshtriage::device::Device {
    devices(&format!(
        "[[device]]\nname = \"host\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{user}\"\n\
         password_env = \"{password_env}\"\nprofile = \"linux\"\ntimeout = \"5s\"\n\
         known_hosts = [\"/dev/null\"]\n{extra}\n",
        sshd.addr.port()
    ))
    .remove(0)
}

fn enable(report: &DeviceReport) -> (Status, Option<&'static str>, String) {
    let r = report.result(Stage::Enable).expect("an enable result");
    (r.status, r.reason.map(|r| r.name()), r.detail.clone())
}

fn json(report: &DeviceReport) -> String {
    serde_json::to_string(report).expect("json")
}

#[tokio::test]
async fn the_right_become_password_validates_sudo() {
    let Some((sshd, a)) = sshd_and_accounts("the_right_become_password_validates_sudo") else {
        return;
    };
    // SAFETY: tests in this file set distinct variables; nothing reads them concurrently.
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_RIGHT", &a.password);
    }
    let d = device(
        &sshd,
        &a.sudoer,
        "SSHTRIAGE_TEST_BECOME_RIGHT",
        "become_password_env = \"SSHTRIAGE_TEST_BECOME_RIGHT\"",
    );
    let report = probe_one(&d).await;
    assert_ok_through(&report, Stage::Enable);
    let (status, reason, detail) = enable(&report);
    assert_eq!((status, reason), (Status::Ok, None), "{detail}");
    assert!(
        detail.contains("sudo accepted the become password"),
        "{detail}"
    );
    assert_eq!(report.privileged, Some(true));
    assert!(
        report
            .transcript
            .iter()
            .any(|l| l.text.contains("sudo -k -S -p") && l.text.contains(" -v;")),
        "only the validation is sent: {:#?}",
        report.transcript
    );
    assert!(!json(&report).contains(&a.password), "the secret leaked");
}

#[tokio::test]
async fn a_wrong_become_password_is_bad_secret_and_never_shown() {
    let Some((sshd, a)) = sshd_and_accounts("a_wrong_become_password_is_bad_secret") else {
        return;
    };
    let wrong = "Wrong-Become-Secret-77";
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_LOGIN", &a.password);
        std::env::set_var("SSHTRIAGE_TEST_BECOME_WRONG", wrong);
    }
    let d = device(
        &sshd,
        &a.sudoer,
        "SSHTRIAGE_TEST_BECOME_LOGIN",
        "become = true\nbecome_password_env = \"SSHTRIAGE_TEST_BECOME_WRONG\"",
    );
    let report = probe_one(&d).await;
    assert_failure(&report, Stage::Enable, "bad_secret");
    let (_, _, detail) = enable(&report);
    assert!(detail.contains("Sorry, try again"), "{detail}");
    assert_eq!(report.reached, Some(Stage::Prompt));
    assert!(!json(&report).contains(wrong), "the wrong secret leaked");
}

#[tokio::test]
async fn become_without_a_password_is_no_secret() {
    let Some((sshd, a)) = sshd_and_accounts("become_without_a_password_is_no_secret") else {
        return;
    };
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_NONE", &a.password);
    }
    let d = device(
        &sshd,
        &a.sudoer,
        "SSHTRIAGE_TEST_BECOME_NONE",
        "become = true",
    );
    let report = probe_one(&d).await;
    assert_failure(&report, Stage::Enable, "no_secret");
    let (_, _, detail) = enable(&report);
    assert!(
        detail.contains("no become password is configured"),
        "{detail}"
    );
}

#[tokio::test]
async fn an_account_without_sudo_is_not_allowed() {
    let Some((sshd, a)) = sshd_and_accounts("an_account_without_sudo_is_not_allowed") else {
        return;
    };
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_NOSUDO", &a.password);
    }
    let d = device(
        &sshd,
        &a.nosudo,
        "SSHTRIAGE_TEST_BECOME_NOSUDO",
        "become_password_env = \"SSHTRIAGE_TEST_BECOME_NOSUDO\"",
    );
    let report = probe_one(&d).await;
    assert_failure(&report, Stage::Enable, "not_allowed");
    let (_, _, detail) = enable(&report);
    assert!(detail.contains("may not run sudo"), "{detail}");
}

#[tokio::test]
async fn passwordless_sudo_is_ok_with_a_note() {
    let Some((sshd, a)) = sshd_and_accounts("passwordless_sudo_is_ok_with_a_note") else {
        return;
    };
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_NOPW", &a.password);
    }
    let d = device(
        &sshd,
        &a.nopasswd,
        "SSHTRIAGE_TEST_BECOME_NOPW",
        "become = true",
    );
    let report = probe_one(&d).await;
    assert_ok_through(&report, Stage::Enable);
    let (status, reason, detail) = enable(&report);
    assert_eq!(
        (status, reason),
        (Status::Ok, Some("passwordless")),
        "{detail}"
    );
    assert!(detail.contains("sudo asked no password"), "{detail}");
}

#[tokio::test]
async fn a_linux_host_without_become_is_not_escalated() {
    let Some((sshd, a)) = sshd_and_accounts("a_linux_host_without_become_is_not_escalated") else {
        return;
    };
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_OFF", &a.password);
    }
    let d = device(&sshd, &a.sudoer, "SSHTRIAGE_TEST_BECOME_OFF", "");
    let report = probe_one(&d).await;
    let (status, reason, detail) = enable(&report);
    assert_eq!(
        (status, reason),
        (Status::Skip, Some("not_applicable")),
        "{detail}"
    );
    assert!(
        detail.contains("no privilege escalation is configured"),
        "{detail}"
    );
    assert!(
        !report.transcript.iter().any(|l| l.text.contains("sudo")),
        "sudo is not tried: {:#?}",
        report.transcript
    );
}

/// An enable secret alone is a network device's (a fleet's `[defaults]` share it): on a
/// Linux host it does not start sudo, and the stage says it is not used.
#[tokio::test]
async fn an_enable_secret_alone_does_not_start_sudo() {
    let Some((sshd, a)) = sshd_and_accounts("an_enable_secret_alone_does_not_start_sudo") else {
        return;
    };
    unsafe {
        std::env::set_var("SSHTRIAGE_TEST_BECOME_ENABLE", &a.password);
    }
    let d = device(
        &sshd,
        &a.sudoer,
        "SSHTRIAGE_TEST_BECOME_ENABLE",
        "enable_secret_env = \"SSHTRIAGE_TEST_BECOME_ENABLE\"",
    );
    let report = probe_one(&d).await;
    let (status, reason, detail) = enable(&report);
    assert_eq!(
        (status, reason),
        (Status::Skip, Some("not_applicable")),
        "{detail}"
    );
    assert!(
        detail.contains("the configured enable secret is not used"),
        "{detail}"
    );
}

/// Ansible's keys, read from an inventory: `ansible_become`, `ansible_become_method: sudo`
/// and `ansible_become_password` escalate through the same stage, and `check` says so.
#[tokio::test]
async fn ansible_become_keys_escalate_with_sudo() {
    let Some((sshd, a)) = sshd_and_accounts("ansible_become_keys_escalate_with_sudo") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("hosts.yml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n    web1:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      \
             ansible_user: {}\n      ansible_password: {}\n      ansible_become: true\n      \
             ansible_become_method: sudo\n      ansible_become_pass: Wrong-Become-Secret-88\n      \
             ansible_host_key_checking: false\n",
            sshd.addr.port(),
            a.sudoer,
            a.password
        ),
    )
    .unwrap();
    let run = sshtriage(&[
        "check",
        inventory.to_str().unwrap(),
        "--timeout",
        "5s",
        "--json",
    ])
    .await;
    assert_eq!(run.code, 1, "{}", run.text());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let failure = &doc["devices"][0]["failure"];
    assert_eq!(failure["stage"], "enable", "{}", run.stdout);
    assert_eq!(failure["reason"], "bad_secret", "{}", run.stdout);
    assert!(
        !run.text().contains("Wrong-Become-Secret-88"),
        "the secret leaked"
    );
    assert!(!run.text().contains(&a.password), "the password leaked");
}
