//! The Paramiko verdicts, proven with real Paramiko against the legacy-only sshd: 3.5 connects
//! as shipped, 5.x cannot, exactly as the client profiles (and so `check` and the dashboard)
//! say. .ci/run installs both into their own virtualenvs.

mod support;

use sshtriage::model::Stage;
use std::process::Command;
use support::sshd::{Flavour, Sshd, require_sshd};
use support::*;

/// Opens a transport and completes the key exchange; prints "connected" or why not.
const SCRIPT: &str = r#"
import sys, paramiko
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
try:
    t.start_client(timeout=10)
    print("connected", paramiko.__version__)
except Exception as e:
    print("failed", paramiko.__version__, type(e).__name__, e)
finally:
    t.close()
"#;

fn python(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(p) => Some(p),
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI must set {var} (.ci/run)"),
        Err(_) => {
            eprintln!("SKIP: set {var} to a python with paramiko (see .ci/run)");
            None
        }
    }
}

fn paramiko_says(python: &str, port: u16) -> String {
    let out = Command::new(python)
        .args(["-c", SCRIPT, &port.to_string()])
        .output()
        .expect("run python");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn paramiko_verdicts_match_real_paramiko() {
    let Some(bin) = require_sshd("paramiko_verdicts") else {
        return;
    };
    let (Some(py3), Some(py5)) = (
        python("SSHTRIAGE_TEST_PARAMIKO3_PYTHON"),
        python("SSHTRIAGE_TEST_PARAMIKO5_PYTHON"),
    ) else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();
    let device = &devices(&format!(
        "[[device]]\nname = \"legacy\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\n"
    ))[0];
    let report = probe_one(device).await;
    assert_failure(&report, Stage::Kex, "no_common_kex");
    let verdict = |id: &str| {
        report
            .compatibility
            .iter()
            .find(|c| c.client == id)
            .unwrap_or_else(|| panic!("a {id} verdict"))
            .connects
    };

    let said = paramiko_says(&py3, port);
    assert!(said.starts_with("connected 3."), "Paramiko 3.5: {said}");
    assert!(
        verdict("paramiko-3.5"),
        "the profile agrees that 3.5 connects as shipped"
    );

    let said = paramiko_says(&py5, port);
    assert!(said.starts_with("failed 5."), "Paramiko 5: {said}");
    assert!(
        said.contains("no acceptable kex"),
        "it fails at kex, as the profile says: {said}"
    );
    let id = if said.starts_with("failed 5.0") {
        "paramiko-5.0"
    } else {
        "paramiko-5.1"
    };
    assert!(!verdict(id), "the profile agrees that {id} cannot connect");
    let cannot = report
        .compatibility
        .iter()
        .find(|c| c.client == id)
        .and_then(|c| c.cannot.clone())
        .expect("a cannot statement");
    assert!(
        cannot.contains("Paramiko 4.0"),
        "it names a client that can: {cannot}"
    );
}
