//! Verdicts are the engineer's client's, proven against real servers and real clients on
//! loopback: a hardened OpenSSH that Paramiko cannot negotiate with is red for a Paramiko or
//! network_cli device and green for OpenSSH (real Paramiko 3.5 and 5.x and the real ssh agree);
//! ssh_config `+` lines and Ansible's `-o` args are applied to OpenSSH's own defaults (real
//! `ssh -G` and a real login agree); and a legacy device with a wrong password shows both
//! problems in one run, over one connection.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::{finish, sshtriage_command};

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

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

/// Opens a Paramiko transport and completes the key exchange; prints "connected" or why not.
const PARAMIKO: &str = r#"
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

fn paramiko_says(python: &str, port: u16) -> String {
    let out = Command::new("timeout")
        .args(["60", python, "-c", PARAMIKO, &port.to_string()])
        .output()
        .expect("run python");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The real ssh, unattended and bounded, reading only `config` (or none).
fn ssh(config: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("timeout");
    cmd.args(["30", "ssh"]);
    match config {
        Some(c) => cmd.arg("-F").arg(c),
        None => cmd.args(["-F", "/dev/null"]),
    };
    cmd.args([
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ConnectTimeout=10",
    ])
    .args(args)
    .stdin(std::process::Stdio::null())
    .output()
    .expect("run ssh")
}

/// `sshtriage ARGS` with its JSON parsed; the runner's ssh_config switch is taken off when
/// the test names its own config.
async fn check_json(args: &[&str], own_config: bool) -> (i32, Value, String) {
    let mut cmd = sshtriage_command(args);
    if own_config {
        cmd.env_remove("SSHTRIAGE_NO_SSH_CONFIG");
    }
    let run = finish(cmd).await;
    let doc = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON: {e}\n{}\n{}", run.stdout, run.stderr));
    (run.code, doc, run.stderr)
}

fn device<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {doc:#}"))
}

fn stage<'a>(device: &'a Value, name: &str) -> &'a Value {
    device["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no {name} stage in {device:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hardened_server_is_red_for_paramiko_and_green_for_openssh() {
    let Some(bin) = require_sshd("hardened_server") else {
        return;
    };
    let (Some(py3), Some(py5)) = (
        python("SSHTRIAGE_TEST_PARAMIKO3_PYTHON"),
        python("SSHTRIAGE_TEST_PARAMIKO5_PYTHON"),
    ) else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Hardened, "");
    let port = sshd.addr.port();
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("lab.toml");
    std::fs::write(
        &lab,
        format!(
            "[defaults]\nport = {port}\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n\
             [[device]]\nname = \"via-paramiko\"\nhost = \"127.0.0.1\"\nclient = \"paramiko\"\n\
             [[device]]\nname = \"via-openssh\"\nhost = \"127.0.0.1\"\nclient = \"openssh\"\n\
             [[device]]\nname = \"unnamed\"\nhost = \"127.0.0.1\"\n"
        ),
    )
    .expect("write lab.toml");
    let hosts = dir.path().join("hosts.yml");
    std::fs::write(
        &hosts,
        format!(
            "all:\n  hosts:\n    nc-paramiko:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      \
             ansible_connection: ansible.netcommon.network_cli\n      ansible_network_cli_ssh_type: paramiko\n"
        ),
    )
    .expect("write hosts.yml");

    for (py, major) in [(&py3, "3."), (&py5, "5.")] {
        // Real Paramiko cannot negotiate: the verdict says the same.
        let said = paramiko_says(py, port);
        assert!(said.starts_with(&format!("failed {major}")), "{said}");
        assert!(said.contains("no acceptable kex"), "{said}");

        let (code, doc, stderr) = check_json(
            &[
                "check",
                lab.to_str().unwrap(),
                hosts.to_str().unwrap(),
                "--json",
                "--python",
                py,
            ],
            false,
        )
        .await;
        assert_eq!(code, 1, "{doc:#}\n{stderr}");
        for name in ["via-paramiko", "nc-paramiko"] {
            let d = device(&doc, name);
            assert_eq!(d["failure"]["stage"], "kex", "{name}: {d:#}");
            assert_eq!(d["failure"]["reason"], "no_common_kex", "{name}: {d:#}");
            let message = d["failure"]["message"].as_str().unwrap();
            assert!(message.starts_with("Paramiko "), "{message}");
            assert!(message.contains("(this machine)"), "{message}");
            assert!(
                d["client"]["this_machine"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("Paramiko {major}")),
                "the client is this machine's Paramiko: {d:#}"
            );
        }
        let nc = device(&doc, "nc-paramiko");
        assert_eq!(nc["client"]["used_by"], "your Ansible network_cli");
        assert!(
            nc["failure"]["message"]
                .as_str()
                .unwrap()
                .contains("used by your Ansible network_cli")
        );
        // The same device through OpenSSH is fine, and the real ssh reaches authentication.
        let o = device(&doc, "via-openssh");
        assert_eq!(stage(o, "kex")["status"], "ok", "{o:#}");
        // No credential is configured: it gets as far as the server's methods.
        assert_eq!(o["failure"]["stage"], "auth", "{o:#}");
        // Without a named client: OpenSSH's verdict, and a warning that Paramiko would fail.
        let u = device(&doc, "unnamed");
        let kex = stage(u, "kex");
        assert_eq!(kex["status"], "warn", "{u:#}");
        assert_eq!(kex["reason"], "other_client");
        assert!(
            kex["detail"].as_str().unwrap().contains("Paramiko"),
            "{kex:#}"
        );
    }
    let out = ssh(None, &["-p", &port.to_string(), "nobody@127.0.0.1", "true"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("Permission denied"),
        "OpenSSH negotiated and reached authentication: {said}"
    );
}

/// A legacy-only sshd and a user key it accepts.
fn legacy_with_user_key(bin: &Path, extra: &str) -> (Sshd, tempfile::TempDir, std::path::PathBuf) {
    let keys = tempfile::tempdir().expect("tempdir");
    let user_key = keys.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    std::fs::copy(
        keys.path().join("id_ed25519.pub"),
        keys.path().join("authorized_keys"),
    )
    .expect("authorized_keys");
    let sshd = Sshd::start(
        bin,
        Flavour::LegacyOnly,
        // sshd takes the first value of a keyword: the test's own lines go first.
        &format!(
            "{extra}AuthorizedKeysFile {}/authorized_keys\nPermitRootLogin prohibit-password\n",
            keys.path().display()
        ),
    );
    (sshd, keys, user_key)
}

#[tokio::test(flavor = "multi_thread")]
async fn ssh_config_plus_lines_and_ansible_args_apply_to_openssh_defaults() {
    let Some(bin) = require_sshd("ssh_config_plus_lines") else {
        return;
    };
    let (sshd, keys, user_key) = legacy_with_user_key(&bin, "");
    let port = sshd.addr.port();
    let user = whoami();
    let config = keys.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host oldbox\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {}\n  \
             UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  \
             KexAlgorithms +diffie-hellman-group14-sha1\n  HostKeyAlgorithms +ssh-rsa\n  Ciphers +aes128-cbc\n",
            user_key.display()
        ),
    )
    .expect("write ssh_config");
    // The real client logs in with this config.
    let out = ssh(Some(&config), &["oldbox", "true"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "ssh oldbox: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, doc, stderr) = check_json(
        &[
            "check",
            "--host",
            "oldbox",
            "--ssh-config",
            config.to_str().unwrap(),
            "--json",
            "--timeout",
            "5s",
        ],
        true,
    )
    .await;
    let d = device(&doc, "oldbox");
    assert_eq!(code, 0, "{d:#}\n{stderr}");
    assert_eq!(stage(d, "kex")["status"], "ok", "{d:#}");
    assert_eq!(d["reached"], "prompt", "{d:#}");
    assert!(d["client"]["id"].as_str().unwrap().starts_with("openssh-"));
    // What sshtriage says the client offers is what `ssh -G` says it offers.
    let g = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(&config)
        .arg("oldbox")
        .output()
        .expect("ssh -G");
    let g = String::from_utf8_lossy(&g.stdout).into_owned();
    let option = |name: &str| -> Vec<String> {
        g.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in ssh -G"))
            .split(',')
            .map(str::to_owned)
            .collect()
    };
    let ours = &d["algorithms"]["client"];
    let list = |key: &str| -> Vec<String> {
        ours[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(list("kex"), option("kexalgorithms"));
    assert_eq!(list("cipher_c2s"), option("ciphers"));
    assert_eq!(list("mac_c2s"), option("macs"));
    // The host key list is ssh's own with ssh-rsa appended (ssh -G shows the same list).
    assert_eq!(list("host_key"), option("hostkeyalgorithms"));
    // No compatibility row proposes what the config already says.
    let rows = d["compatibility"].as_array().unwrap();
    let openssh = rows
        .iter()
        .find(|r| r["client"] == d["client"]["id"])
        .expect("a row for the client");
    assert_eq!(openssh["connects"], true, "{openssh:#}");

    // The same options as Ansible passes them (ansible_connection: ssh).
    let hosts = keys.path().join("hosts.yml");
    std::fs::write(
        &hosts,
        format!(
            "all:\n  hosts:\n    old-ansible:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      \
             ansible_user: {user}\n      ansible_connection: ssh\n      ansible_ssh_private_key_file: {}\n      \
             ansible_ssh_common_args: \"-o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa -o Ciphers=+aes128-cbc\"\n",
            user_key.display()
        ),
    )
    .expect("write hosts.yml");
    let (code, doc, stderr) = check_json(
        &[
            "check",
            hosts.to_str().unwrap(),
            "--json",
            "--timeout",
            "5s",
        ],
        false,
    )
    .await;
    let d = device(&doc, "old-ansible");
    assert_eq!(code, 0, "{d:#}\n{stderr}");
    assert_eq!(stage(d, "kex")["status"], "ok", "{d:#}");
    assert_eq!(d["client"]["used_by"], "your Ansible ssh connection");
    let out = ssh(
        None,
        &[
            "-o",
            "KexAlgorithms=+diffie-hellman-group14-sha1",
            "-o",
            "HostKeyAlgorithms=+ssh-rsa",
            "-o",
            "Ciphers=+aes128-cbc",
            "-i",
            user_key.to_str().unwrap(),
            "-p",
            &port.to_string(),
            &format!("{user}@127.0.0.1"),
            "true",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "ssh with the Ansible args: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legacy_device_with_a_wrong_password_shows_both_problems_over_one_connection() {
    let Some(bin) = require_sshd("both_problems_in_one_pass") else {
        return;
    };
    let (sshd, keys, _) = legacy_with_user_key(
        &bin,
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n",
    );
    let port = sshd.addr.port();
    let lab = keys.path().join("lab.toml");
    std::fs::write(
        &lab,
        format!(
            "[[device]]\nname = \"old\"\nhost = \"127.0.0.1\"\nport = {port}\nusername = \"{}\"\n\
             password = \"definitely-not-it\"\nclient = \"openssh\"\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n",
            whoami()
        ),
    )
    .expect("write lab.toml");
    let (code, doc, stderr) = check_json(&["check", lab.to_str().unwrap(), "--json"], false).await;
    assert_eq!(code, 1, "{stderr}");
    let d = device(&doc, "old");
    assert_eq!(d["failure"]["stage"], "kex", "{d:#}");
    assert_eq!(d["failure"]["reason"], "no_common_kex");
    let auth = stage(d, "auth");
    assert_eq!(auth["status"], "fail", "{d:#}");
    assert_eq!(auth["reason"], "rejected");
    assert_eq!(auth["beyond"], "kex", "marked as past the client failure");
    assert_eq!(stage(d, "host_key")["beyond"], "kex");
    // One connection for both findings (the harness's readiness check also connects, and
    // closes before identifying itself).
    let log = sshd.log_when(|l| l.contains("Failed password"));
    let readiness = log.matches("kex_exchange_identification").count();
    assert_eq!(
        log.matches("Connection from").count() - readiness,
        1,
        "one connection: {log}"
    );
    // The human output says both, in one run.
    let run = finish(sshtriage_command(&["check", lab.to_str().unwrap()])).await;
    assert!(
        run.stdout.contains("FAIL kex/no_common_kex"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("once kex is fixed: FAIL auth/rejected"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn an_unknown_client_name_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("lab.toml");
    std::fs::write(
        &lab,
        "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nclient = \"putty\"\n",
    )
    .expect("write");
    let run = finish(sshtriage_command(&["check", lab.to_str().unwrap()])).await;
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("lab.toml:4"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown client `putty`"),
        "{}",
        run.stderr
    );
    let run = finish(sshtriage_command(&[
        "check",
        "--host",
        "127.0.0.1",
        "--client",
        "telnet",
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("telnet"), "{}", run.stderr);
}
