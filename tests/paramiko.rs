//! The Paramiko verdicts, proven with real Paramiko against the legacy-only sshd: 3.5 connects
//! as shipped, 5.x cannot, exactly as the client profiles (and so `check` and the dashboard)
//! say. And the Netmiko advice, proven with real Netmiko: installed the way the snippet says,
//! with the `disabled_algorithms` line pasted in, it logs in where it otherwise cannot; and
//! sshtriage's own client names that device's quirk instead of calling the key rejected.
//! .ci/run installs each Python client into its own virtualenv.

mod support;

use sshtriage::algorithms::snippets::NETMIKO_SHA1_PUBKEYS;
use sshtriage::fix::algorithms::other_client_snippets;
use sshtriage::model::{Stage, Status};
use std::process::Command;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
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

/// `python` under coreutils' `timeout`: a client that hangs cannot hang the test.
fn bounded(python: &str) -> Command {
    let mut command = Command::new("timeout");
    command.args(["60", python]);
    command
}

fn paramiko_says(python: &str, port: u16) -> String {
    let out = bounded(python)
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

/// Logs in with Netmiko using an RSA key; `{ARGS}` is replaced by the snippet's argument line,
/// pasted into the ConnectHandler call as a user would.
const NETMIKO: &str = r#"
import sys, netmiko, paramiko
from netmiko import ConnectHandler
port, user, key = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    conn = ConnectHandler(
        device_type="linux", host="127.0.0.1", port=int(port), username=user, key_file=key,
        use_keys=True, allow_agent=False, ssh_strict=False, system_host_keys=False,
        alt_host_keys=False, conn_timeout=10, auth_timeout=10, banner_timeout=10,
        {ARGS}
    )
    print("connected", netmiko.__version__, paramiko.__version__, conn.send_command("echo pasted-$((40+2))"))
    conn.disconnect()
except Exception as e:
    print("failed", netmiko.__version__, paramiko.__version__, type(e).__name__, e)
"#;

fn netmiko_says(python: &str, port: u16, user: &str, key: &std::path::Path, args: &str) -> String {
    let out = bounded(python)
        .args([
            "-c",
            &NETMIKO.replace("{ARGS}", args),
            &port.to_string(),
            user,
        ])
        .arg(key)
        .output()
        .expect("run python");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn whoami() -> String {
    let out = Command::new("whoami").output().expect("whoami");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The legacy-only sshd that verifies RSA user-key signatures only as ssh-rsa (SHA-1), as old
/// device images do, with an authorised RSA key. Returns the server, the key's directory, the
/// key and the login.
fn sha1_only_device(
    bin: &std::path::Path,
) -> (Sshd, tempfile::TempDir, std::path::PathBuf, String) {
    let keys = tempfile::tempdir().expect("tempdir");
    let user_key = keys.path().join("id_rsa");
    keygen("rsa", &user_key);
    let authorized = keys.path().join("authorized_keys");
    std::fs::copy(keys.path().join("id_rsa.pub"), &authorized).expect("authorized_keys");
    let sshd = Sshd::start(
        bin,
        Flavour::LegacyOnly,
        &format!(
            "PubkeyAcceptedAlgorithms ssh-rsa\nAuthorizedKeysFile {}\nPubkeyAuthentication yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n",
            authorized.display()
        ),
    );
    (sshd, keys, user_key, whoami())
}

/// An old device verifies RSA user-key signatures only as ssh-rsa (SHA-1) while Paramiko signs
/// with rsa-sha2-512: the advice shown for Netmiko (install with Paramiko 4, pass
/// `disabled_algorithms`) is exactly what makes real Netmiko log in.
#[tokio::test]
async fn the_netmiko_disabled_algorithms_snippet_logs_in_with_real_netmiko() {
    let Some(bin) = require_sshd("netmiko_snippet") else {
        return;
    };
    let Some(py) = python("SSHTRIAGE_TEST_NETMIKO_PYTHON") else {
        return;
    };
    let (sshd, _keys, user_key, user) = sha1_only_device(&bin);
    let port = sshd.addr.port();
    let device = &devices(&format!(
        "[[device]]\nname = \"legacy\"\nhost = \"127.0.0.1\"\nport = {port}\nusername = \"{user}\"\ntimeout = \"5s\"\n"
    ))[0];
    let report = probe_one(device).await;
    assert_failure(&report, Stage::Kex, "no_common_kex");
    let server = &report.algorithms.as_ref().expect("evidence").server;
    let advice = other_client_snippets(device, server)
        .into_iter()
        .find(|(title, _)| title.starts_with("Netmiko"))
        .map(|(_, text)| text)
        .expect("a Netmiko snippet");
    // Fresh Netmiko brings Paramiko 5, which cannot; the advice says how to get Paramiko 4
    // (which is how .ci/run installed this Netmiko) and then what to pass.
    assert!(advice.contains("pip install \"netmiko[par4]\""), "{advice}");
    let args = advice
        .lines()
        .find(|l| l.starts_with("disabled_algorithms="))
        .unwrap_or_else(|| panic!("a disabled_algorithms line: {advice}"));
    assert_eq!(args, NETMIKO_SHA1_PUBKEYS);

    // The control: without the line, Paramiko signs with rsa-sha2-512 and the device refuses.
    let said = netmiko_says(&py, port, &user, &user_key, "");
    assert!(
        said.starts_with("failed 4."),
        "Netmiko without the snippet: {said}"
    );
    let log = sshd.log_when(|l| l.contains("not in PubkeyAcceptedAlgorithms"));
    assert!(
        log.contains("signature algorithm rsa-sha2-512 not in PubkeyAcceptedAlgorithms"),
        "the device refused the SHA-2 signature: {log}"
    );
    assert!(!log.contains("Accepted publickey"), "{log}");

    let said = netmiko_says(&py, port, &user, &user_key, &format!("{args},"));
    assert!(
        said.starts_with("connected 4.") && said.contains("pasted-42"),
        "Netmiko with the snippet: {said}\nsshd log:\n{}",
        sshd.log_text()
    );
    assert!(
        sshd.log_when(|l| l.contains("Accepted publickey"))
            .contains("Accepted publickey"),
        "the device accepted the ssh-rsa signature"
    );
}

/// sshtriage itself, with the legacy allow-list, meets the same refusal: it logs in as ssh-rsa
/// and says so, naming the fix for each client, instead of calling the key rejected.
#[tokio::test]
async fn a_device_that_takes_only_ssh_rsa_user_signatures_is_named_not_rejected() {
    let Some(bin) = require_sshd("ssh_rsa_user_signatures") else {
        return;
    };
    let (sshd, keys, user_key, user) = sha1_only_device(&bin);
    let port = sshd.addr.port();
    let entry = |key: &std::path::Path| {
        format!(
            "[[device]]\nname = \"legacy\"\nhost = \"127.0.0.1\"\nport = {port}\nusername = \"{user}\"\n\
             key_file = \"{}\"\nprofile = \"linux\"\nknown_hosts = [\"/dev/null\"]\ntimeout = \"5s\"\n\
             client = \"russh\"\n\
             [device.algorithms]\nkex = \"+diffie-hellman-group14-sha1\"\ncipher = \"+aes128-cbc\"\nmac = \"+hmac-sha1\"\n",
            key.display()
        )
    };
    let report = probe_one(&devices(&entry(&user_key))[0]).await;
    let auth = report.result(Stage::Auth).expect("auth ran");
    assert_eq!(
        (auth.status, auth.reason.map(|r| r.name())),
        (Status::Warn, Some("rsa_sha1_only")),
        "{auth:?}"
    );
    assert!(
        auth.detail.contains("refused the rsa-sha2-512 signature"),
        "{}",
        auth.detail
    );
    assert!(
        auth.detail.contains(NETMIKO_SHA1_PUBKEYS),
        "{}",
        auth.detail
    );
    assert!(
        report.failure.is_none() && report.reached == Some(Stage::Prompt),
        "{report:#?}"
    );
    // A key the device does not know is still rejected: the second signature changes nothing.
    let stranger = keys.path().join("stranger_rsa");
    keygen("rsa", &stranger);
    let report = probe_one(&devices(&entry(&stranger))[0]).await;
    assert_failure(&report, Stage::Auth, "rejected");
    let log = sshd.log_when(|l| l.matches("not in PubkeyAcceptedAlgorithms").count() >= 2);
    assert_eq!(
        log.matches("Accepted publickey").count(),
        1,
        "only the authorised key got in:\n{log}"
    );
}

/// `check --json --python PY` against the legacy-only sshd.
fn check_with_python(port: u16, python: &str) -> (serde_json::Value, String) {
    let run = |json: bool| {
        let mut command = Command::new("timeout");
        command
            .args([
                "60",
                env!("CARGO_BIN_EXE_sshtriage"),
                "check",
                "--no-ssh-config",
            ])
            .args(["--host", &format!("127.0.0.1:{port}"), "--timeout", "5s"])
            .args(["--python", python]);
        if json {
            command.arg("--json");
        }
        let out = command.output().expect("run sshtriage");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let doc = serde_json::from_str(&run(true)).expect("json");
    (doc, run(false))
}

/// The note on one client profile's compatibility row.
fn this_machine<'a>(doc: &'a serde_json::Value, client: &str) -> Option<&'a str> {
    doc["devices"][0]["compatibility"]
        .as_array()?
        .iter()
        .find(|c| c["client"] == client)?["this_machine"]
        .as_str()
}

#[tokio::test]
async fn the_rows_of_this_machines_clients_are_marked() {
    let Some(bin) = require_sshd("the_rows_of_this_machines_clients_are_marked") else {
        return;
    };
    let (Some(py3), Some(py5), Some(netmiko)) = (
        python("SSHTRIAGE_TEST_PARAMIKO3_PYTHON"),
        python("SSHTRIAGE_TEST_PARAMIKO5_PYTHON"),
        python("SSHTRIAGE_TEST_NETMIKO_PYTHON"),
    ) else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();

    let (doc, human) = check_with_python(port, &py3);
    let local = &doc["local_clients"];
    assert!(
        local["paramiko"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.5")),
        "{local:#}"
    );
    assert_eq!(local["python"], py3.as_str());
    assert!(local.get("netmiko").is_none(), "{local:#}");
    let profiles: Vec<&str> = local["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(profiles.contains(&"paramiko-3.5"), "{profiles:?}");
    assert!(
        this_machine(&doc, "paramiko-3.5").is_some_and(|n| n.contains("Paramiko 3.5")),
        "{doc:#}"
    );
    assert_eq!(this_machine(&doc, "paramiko-5.0"), None);
    // The ssh the tests run is this machine's too (Debian 12: 9.2p1).
    // .ci/run installs openssh-client.
    if std::env::var_os("CI").is_some() {
        assert!(local["openssh"].is_string(), "{local:#}");
    }
    if local["openssh"]
        .as_str()
        .is_some_and(|v| v.starts_with("9."))
    {
        assert!(profiles.contains(&"openssh-9.2"), "{profiles:?}");
    }
    let row = human
        .lines()
        .find(|l| l.contains("Paramiko 3.5 "))
        .expect("a Paramiko 3.5 row");
    assert!(row.contains("[this machine: Paramiko 3.5"), "{row}");
    assert!(row.ends_with(": connects"), "{row}");

    // Paramiko 5 here: its row, which says it cannot, is the one marked.
    let (doc, _) = check_with_python(port, &py5);
    let marked: Vec<&str> = doc["devices"][0]["compatibility"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|c| c["this_machine"].is_string())
        .filter_map(|c| c["client"].as_str())
        .filter(|c| c.starts_with("paramiko"))
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    assert!(marked[0].starts_with("paramiko-5"), "{marked:?}");

    // netmiko[par4]: Netmiko runs on Paramiko 4.0, so that row is what Netmiko will do.
    let (doc, _) = check_with_python(port, &netmiko);
    assert!(
        this_machine(&doc, "paramiko-4.0").is_some_and(|n| n.contains("under Netmiko 4.")),
        "{doc:#}"
    );
    assert_eq!(this_machine(&doc, "netmiko-4"), None);
}
