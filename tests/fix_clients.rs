//! `fix algorithms` writes where the engineer's client reads, and that client proves it: an
//! ssh_config Host gets its options in the ssh_config (the real ssh logs in afterwards), an
//! Ansible host over ssh gets them in its host_vars (the real ssh with those args logs in), a
//! network_cli host over Paramiko gets advice and nothing written. Backups exist and every
//! unrelated line stays byte for byte; a config that does not parse is refused by file and line.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::{Run, finish, sshtriage_command};

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A legacy-only sshd that accepts one fresh user key.
fn legacy(bin: &Path) -> (Sshd, tempfile::TempDir, std::path::PathBuf) {
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
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\nPermitRootLogin prohibit-password\n",
            keys.path().display()
        ),
    );
    (sshd, keys, user_key)
}

async fn sshtriage(args: &[&str], own_config: bool) -> Run {
    let mut cmd = sshtriage_command(args);
    if own_config {
        cmd.env_remove("SSHTRIAGE_NO_SSH_CONFIG");
    }
    finish(cmd).await
}

fn ssh(args: &[&str]) -> std::process::Output {
    Command::new("timeout")
        .args([
            "30",
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
        ])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssh")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ssh_config_host_is_fixed_in_its_ssh_config_and_ssh_logs_in() {
    let Some(bin) = require_sshd("ssh_config_fix") else {
        return;
    };
    let (sshd, keys, user_key) = legacy(&bin);
    let port = sshd.addr.port();
    let config = keys.path().join("config");
    let original = format!(
        "# my lab\nHost jumpbox\n    HostName 192.0.2.9   # not contacted\n\n\
         Host oldbox\n    HostName 127.0.0.1\n    Port {port}\n    User {}\n    IdentityFile {}\n    \
         UserKnownHostsFile /dev/null\n    StrictHostKeyChecking no\n\n# trailing note\n",
        whoami(),
        user_key.display()
    );
    std::fs::write(&config, &original).expect("write config");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    // Before: the real ssh cannot negotiate.
    let before = ssh(&["-F", config.to_str().unwrap(), "oldbox", "true"]);
    assert_ne!(before.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("no matching"),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );

    let cfg = config.to_str().unwrap();
    let dry = sshtriage(
        &[
            "fix",
            "algorithms",
            "oldbox",
            "--ssh-config",
            cfg,
            "--dry-run",
            "--timeout",
            "5s",
        ],
        true,
    )
    .await;
    assert_eq!(dry.code, 0, "{}", dry.text());
    assert!(dry.stdout.contains("ssh_config change:"), "{}", dry.stdout);
    // For other clients: Paramiko 5.0 and 5.1's long paragraph once, naming both.
    assert_eq!(
        dry.stdout.matches("Paramiko 5 removed the SHA-1").count(),
        1,
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains(
            "── Paramiko 5.0, Paramiko 5.1 · Ansible network_cli ──\n\
             ansible_connection: network_cli (Paramiko): Paramiko 5.0 and Paramiko 5.1 cannot connect: "
        ),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("KexAlgorithms +diffie-hellman-group14-sha1"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        original,
        "dry run"
    );

    let run = sshtriage(
        &[
            "fix",
            "algorithms",
            "oldbox",
            "--ssh-config",
            cfg,
            "--timeout",
            "5s",
        ],
        true,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stdout
            .contains("the real client completes the key exchange"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Verified"), "{}", run.stdout);
    let fixed = std::fs::read_to_string(&config).expect("read");
    // The options sit in the oldbox block; every other line is untouched.
    let added: Vec<&str> = fixed
        .lines()
        .filter(|l| !original.lines().any(|o| o == *l))
        .collect();
    assert_eq!(
        added,
        vec![
            "    KexAlgorithms +diffie-hellman-group14-sha1",
            "    HostKeyAlgorithms +ssh-rsa",
            "    Ciphers +aes128-cbc",
            "    PubkeyAcceptedAlgorithms +ssh-rsa",
        ],
        "{fixed}"
    );
    let kept: Vec<&str> = fixed.lines().filter(|l| !added.contains(l)).collect();
    assert_eq!(kept, original.lines().collect::<Vec<_>>());
    assert_eq!(
        std::fs::read_to_string(keys.path().join("config.bak")).expect("backup"),
        original
    );
    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "permissions kept");
    // After: the real ssh logs in with the user's own config, as printed.
    let after = ssh(&["-F", cfg, "oldbox", "true"]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ansible_ssh_host_is_fixed_in_its_host_vars_and_ssh_logs_in() {
    let Some(bin) = require_sshd("ansible_fix") else {
        return;
    };
    let (sshd, keys, user_key) = legacy(&bin);
    let port = sshd.addr.port();
    let dir = keys.path();
    let hosts = dir.join("hosts.yml");
    let inventory = format!(
        "# lab\nall:\n  hosts:\n    old-ansible:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      \
         ansible_user: {}\n      ansible_connection: ssh\n      ansible_ssh_private_key_file: {}\n      \
         ansible_host_key_checking: false\n",
        whoami(),
        user_key.display()
    );
    std::fs::write(&hosts, &inventory).expect("write hosts.yml");
    let run = sshtriage(
        &[
            "fix",
            "algorithms",
            "old-ansible",
            hosts.to_str().unwrap(),
            "--timeout",
            "5s",
        ],
        false,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(run.stdout.contains("Ansible change"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the real client completes the key exchange"),
        "{}",
        run.stdout
    );
    // The inventory is untouched; the host's own host_vars file carries the args.
    assert_eq!(std::fs::read_to_string(&hosts).unwrap(), inventory);
    let vars = std::fs::read_to_string(dir.join("host_vars/old-ansible.yml")).expect("host_vars");
    let line = vars
        .lines()
        .find(|l| l.starts_with("ansible_ssh_common_args:"))
        .unwrap_or_else(|| panic!("{vars}"));
    assert!(
        line.contains("KexAlgorithms=+diffie-hellman-group14-sha1"),
        "{line}"
    );
    // Ansible's ssh gets exactly these words: the real ssh with them logs in.
    let value = line
        .trim_start_matches("ansible_ssh_common_args:")
        .trim()
        .trim_matches(['"', '\'']);
    let mut args: Vec<&str> = value.split_whitespace().collect();
    let port = port.to_string();
    let target = format!("{}@127.0.0.1", whoami());
    args.extend([
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-i",
        user_key.to_str().unwrap(),
        "-p",
        &port,
        &target,
        "true",
    ]);
    let out = ssh(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And the device now passes kex for its client.
    let check = sshtriage(
        &["check", hosts.to_str().unwrap(), "--timeout", "5s"],
        false,
    )
    .await;
    assert_eq!(check.code, 0, "{}", check.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_cli_paramiko_host_gets_advice_and_nothing_written() {
    let Some(bin) = require_sshd("network_cli_advice") else {
        return;
    };
    let (sshd, keys, _) = legacy(&bin);
    let port = sshd.addr.port();
    let hosts = keys.path().join("hosts.yml");
    let inventory = format!(
        "all:\n  hosts:\n    nc:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      \
         ansible_connection: network_cli\n      ansible_network_cli_ssh_type: paramiko\n"
    );
    std::fs::write(&hosts, &inventory).expect("write");
    let before: Vec<_> = std::fs::read_dir(keys.path()).unwrap().collect();
    // Paramiko 5 (the newest, when this machine's python has none) cannot be told anything.
    let run = sshtriage(
        &[
            "fix",
            "algorithms",
            "nc",
            hosts.to_str().unwrap(),
            "--timeout",
            "5s",
            "--python",
            "/nonexistent/python",
        ],
        false,
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.text());
    // The client is what cannot connect, named as check names it.
    assert!(
        run.stdout.contains(
            "\nParamiko 5.1, used by your Ansible network_cli, cannot connect: the device offers only "
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("sshtriage cannot"), "{}", run.stdout);
    assert!(run.stdout.contains("pip install"), "{}", run.stdout);
    // Then what the other clients need, as the dashboard's dialog shows it.
    assert!(
        run.stdout.contains("\nFor other clients:\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("── Paramiko 5.0, Paramiko 5.1 · Ansible network_cli ──"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(&hosts).unwrap(), inventory);
    let after: Vec<_> = std::fs::read_dir(keys.path()).unwrap().collect();
    assert_eq!(before.len(), after.len(), "no file was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ssh_config_that_does_not_parse_is_named_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    let text = "Host ok\n  HostName 127.0.0.1\nMatch exec\n";
    std::fs::write(&config, text).expect("write");
    let run = sshtriage(
        &[
            "fix",
            "algorithms",
            "ok",
            "--ssh-config",
            config.to_str().unwrap(),
        ],
        true,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stderr.contains(&format!("{}:3", config.display())),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    assert!(!dir.path().join("config.bak").exists());
}
