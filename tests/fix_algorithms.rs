//! Legacy-algorithm fixes proven against real clients and servers on loopback: the OpenSSH
//! snippet logs in with the real `ssh`, `sshtriage fix algorithms` rewrites the inventory
//! (comments intact) and the device passes, and a fix that does not help is rolled back.

mod support;

use sshtriage::fix::algorithms::other_client_snippets;
use sshtriage::model::{AlgorithmLists, Stage};
use sshtriage::wire::kexinit;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Runs a program with a deadline; a hang fails the test instead of stalling it.
async fn run(program: &str, args: &[&str], cwd: &Path) -> Output {
    let child = tokio::process::Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_remove("SSHTRIAGE_INVENTORY")
        .env_remove("SSHTRIAGE_TIMEOUT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} did not exit"))
        .expect("output")
}

async fn sshtriage(args: &[&str], cwd: &Path) -> (i32, String) {
    let mut cmd = sshtriage_command(args);
    cmd.current_dir(cwd);
    let run = finish(cmd).await;
    (run.code, run.text())
}

fn whoami() -> String {
    let out = std::process::Command::new("whoami")
        .output()
        .expect("whoami");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openssh_snippet_logs_in_with_the_real_ssh_client() {
    let Some(bin) = require_sshd("the_openssh_snippet_logs_in") else {
        return;
    };
    let keys = tempfile::tempdir().expect("tempdir");
    let user_key = keys.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    let public = std::fs::read_to_string(keys.path().join("id_ed25519.pub")).expect("pub key");
    let authorized = keys.path().join("authorized_keys");
    std::fs::write(&authorized, public).expect("authorized_keys");
    let sshd = Sshd::start(
        &bin,
        Flavour::LegacyOnly,
        &format!(
            "AuthorizedKeysFile {}\nPubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n",
            authorized.display()
        ),
    );
    let port = sshd.addr.port();
    let user = whoami();
    let device = &devices(&format!(
        "[[device]]\nname = \"legacy\"\nhost = \"127.0.0.1\"\nport = {port}\nusername = \"{user}\"\ntimeout = \"5s\"\n"
    ))[0];
    let report = probe_one(device).await;
    assert_failure(&report, Stage::Kex, "no_common_kex");

    // OpenSSH 9.2: fails at kex; the fix is the SHA-1 group 14 exchange plus host key and cipher.
    let openssh = report
        .compatibility
        .iter()
        .find(|c| c.client == "openssh-9.2")
        .expect("an OpenSSH 9.2 verdict");
    assert!(!openssh.connects);
    assert_eq!(openssh.fails_at.as_deref(), Some("kex"));
    let fix: Vec<(&str, &str)> = openssh
        .fix
        .as_ref()
        .expect("a fix")
        .iter()
        .map(|a| (a.category.as_str(), a.algorithm.as_str()))
        .collect();
    assert_eq!(
        fix,
        vec![
            ("kex", "diffie-hellman-group14-sha1"),
            ("host_key", "ssh-rsa"),
            ("cipher", "aes128-cbc"),
        ]
    );
    // Paramiko 5 cannot, whatever it is told.
    for id in ["paramiko-5.0", "paramiko-5.1"] {
        let c = report
            .compatibility
            .iter()
            .find(|c| c.client == id)
            .unwrap_or_else(|| panic!("a {id} verdict"));
        assert!(!c.connects && c.fix.is_none(), "{c:?}");
        let cannot = c.cannot.as_deref().expect("a cannot statement");
        assert!(cannot.contains("cannot connect"), "{cannot}");
    }

    // The block exactly as `fix algorithms` prints it, handed to the real client.
    let server: &AlgorithmLists = &report.algorithms.as_ref().expect("evidence").server;
    let block = other_client_snippets(device, server)
        .into_iter()
        .find(|(title, _)| title.starts_with("OpenSSH 9.2") && title.ends_with("~/.ssh/config"))
        .map(|(_, text)| text)
        .expect("an ssh_config snippet for OpenSSH 9.2");
    assert!(
        block.contains("    KexAlgorithms +diffie-hellman-group14-sha1\n"),
        "{block}"
    );
    let config = keys.path().join("ssh_config");
    std::fs::write(&config, &block).expect("write config");
    let key = user_key.display().to_string();
    let ssh = |config: String| {
        let key = key.clone();
        async move {
            let mut args = vec!["-F".to_owned(), config];
            args.extend(unattended_ssh(&key));
            args.extend(["legacy".to_owned(), "true".to_owned()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run("ssh", &args, Path::new("/")).await
        }
    };
    let with_block = ssh(config.display().to_string()).await;
    assert_eq!(
        with_block.status.code(),
        Some(0),
        "ssh with the generated block failed: {}\n{block}\nsshd log:\n{}",
        String::from_utf8_lossy(&with_block.stderr),
        sshd.log_text()
    );
    // The control: the same command without the algorithm lines cannot negotiate.
    let bare: String = block
        .lines()
        .filter(|l| !l.contains('+'))
        .map(|l| format!("{l}\n"))
        .collect();
    let bare_config = keys.path().join("ssh_config_bare");
    std::fs::write(&bare_config, bare).expect("write config");
    let without = ssh(bare_config.display().to_string()).await;
    assert_ne!(without.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("no matching"),
        "{}",
        String::from_utf8_lossy(&without.stderr)
    );

    // The Ansible host_vars snippet (ansible_connection: ssh) passes its options to the same
    // client: hand them to the real ssh exactly as Ansible would, on the command line.
    let ansible = other_client_snippets(device, server)
        .into_iter()
        .map(|(_, text)| text)
        .find(|text| text.contains("ansible_ssh_common_args:") && text.contains("KexAlgorithms"))
        .expect("an Ansible snippet with algorithm options");
    let options = ansible
        .split("ansible_ssh_common_args: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the quoted options");
    let mut args: Vec<String> = options.split_whitespace().map(str::to_owned).collect();
    args.extend(["-F".to_owned(), "/dev/null".to_owned()]);
    args.extend(unattended_ssh(&key));
    args.extend([
        "-p".to_owned(),
        port.to_string(),
        format!("{user}@127.0.0.1"),
        "true".to_owned(),
    ]);
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let with_options = run("ssh", &arg_refs, Path::new("/")).await;
    assert_eq!(
        with_options.status.code(),
        Some(0),
        "ssh with the Ansible options failed: {}\n{ansible}",
        String::from_utf8_lossy(&with_options.stderr)
    );
}

/// Options that keep the real ssh client from asking anything or using anything but `key`.
fn unattended_ssh(key: &str) -> Vec<String> {
    [
        "-o",
        "BatchMode=yes",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "IdentityAgent=none",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "ConnectTimeout=10",
        "-i",
        key,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

const INVENTORY_HEAD: &str = "# lab inventory: this comment stays\n\
[defaults]\n\
timeout = \"5s\"   # loopback is fast\n\
\n\
[[device]]\n\
name = \"elsewhere\"  # an unrelated device\n\
host = \"127.0.0.1\"\n\
port = 9\n\
\n\
# the legacy box, kept until the refresh\n\
[[device]]\n\
name = \"legacy\"\n\
client = \"russh\"\n\
host = \"127.0.0.1\"\n";

fn inventory(dir: &Path, port: u16) -> (std::path::PathBuf, String) {
    let text = format!("{INVENTORY_HEAD}port = {port} # odd port\n\n# trailing comment\n");
    let path = dir.join("lab.toml");
    std::fs::write(&path, &text).expect("write inventory");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    (path, text)
}

#[tokio::test(flavor = "multi_thread")]
async fn fix_algorithms_rewrites_the_inventory_and_the_device_passes() {
    let Some(bin) = require_sshd("fix_algorithms_rewrites_the_inventory") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, original) = inventory(dir.path(), port);
    let inv = path.display().to_string();

    // Dry run: the change and the snippets are shown, nothing is written.
    let (code, out) = sshtriage(
        &[
            "fix",
            "algorithms",
            "legacy",
            "--inventory",
            &inv,
            "--dry-run",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("before: dns ✓  tcp ✓  banner ✓  kex ✗ no_common_kex"),
        "{out}"
    );
    assert!(
        out.contains(&format!("+ {inv}:17  [device.algorithms]")),
        "{out}"
    );
    assert!(
        out.contains("KexAlgorithms +diffie-hellman-group14-sha1"),
        "{out}"
    );
    assert!(out.contains("ansible_ssh_common_args"), "{out}");
    assert!(out.contains("Dry run: nothing was written."), "{out}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), original);
    assert!(!dir.path().join("lab.toml.bak").exists());

    let (code, out) = sshtriage(
        &["fix", "algorithms", "legacy", "--inventory", &inv],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("after:  dns ✓  tcp ✓  banner ✓  kex ✓"),
        "{out}"
    );
    assert!(
        out.contains("Verified: the key exchange passes; the change is kept."),
        "{out}"
    );
    let expected = format!(
        "{INVENTORY_HEAD}port = {port} # odd port\n\n\
         [device.algorithms]\n\
         kex = \"+diffie-hellman-group14-sha1\"\n\
         cipher = \"+aes128-cbc\"\n\
         mac = \"+hmac-sha1\"\n\n# trailing comment\n"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), expected);
    let backup = dir.path().join("lab.toml.bak");
    assert_eq!(std::fs::read_to_string(&backup).expect("backup"), original);
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "permissions kept");

    // The edited inventory loads and the device passes the key exchange from now on.
    let (_, out) = sshtriage(&["check", &inv], dir.path()).await;
    let line = out
        .lines()
        .find(|l| l.starts_with("legacy"))
        .unwrap_or_else(|| panic!("no legacy row: {out}"));
    assert!(!line.contains("kex/"), "{out}");
    let again = &support::devices(&expected)[1];
    let report = probe_one(again).await;
    assert_ok_through(&report, Stage::Kex);

    // Run again: nothing to do.
    let (code, out) = sshtriage(
        &["fix", "algorithms", "legacy", "--inventory", &inv],
        dir.path(),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing to change"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_prints_a_verdict_per_client_for_a_kex_failure() {
    let Some(bin) = require_sshd("check_prints_a_verdict_per_client") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let host = format!("127.0.0.1:{}", sshd.addr.port());
    let (code, out) = sshtriage(
        &["check", "--host", &host, "--timeout", "5s"],
        Path::new("/"),
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL kex/no_common_kex"), "{out}");
    let openssh = out
        .lines()
        .find(|l| l.trim_start().starts_with("OpenSSH 9.2p1 (Debian 12)"))
        .unwrap_or_else(|| panic!("no OpenSSH 9.2 line: {out}"));
    assert!(
        openssh.contains("fails at kex; fix: -o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa"),
        "{out}"
    );
    // Both Paramiko 5 versions share one "cannot" paragraph.
    assert!(
        out.contains("Paramiko 5.0, Paramiko 5.1: cannot connect: "),
        "{out}"
    );
    assert!(out.contains("Paramiko 4.0"), "{out}");
}

/// A peer that offers only legacy algorithms in its KEXINIT and hangs up after the client's
/// answer: the allow-list predicts a key exchange, and it still fails.
async fn legacy_liar() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let lists = AlgorithmLists {
        kex: v(&["diffie-hellman-group14-sha1"]),
        host_key: v(&["ssh-rsa"]),
        cipher_c2s: v(&["aes128-cbc"]),
        cipher_s2c: v(&["aes128-cbc"]),
        mac_c2s: v(&["hmac-sha1"]),
        mac_s2c: v(&["hmac-sha1"]),
        compression_c2s: v(&["none"]),
        compression_s2c: v(&["none"]),
    };
    let payload = kexinit::encode(&lists);
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let payload = payload.clone();
            tokio::spawn(async move {
                let mut out = b"SSH-2.0-OpenSSH_7.4\r\n".to_vec();
                out.extend_from_slice(&packet(&payload));
                if stream.write_all(&out).await.is_err() {
                    return;
                }
                let mut buf = vec![0u8; 4096];
                // Read what the client says, then hang up without a key exchange.
                let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
            });
        }
    });
    (port, task)
}

/// An unencrypted SSH packet: length, padding length, payload, padding to a multiple of 8.
fn packet(payload: &[u8]) -> Vec<u8> {
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let length = (1 + payload.len() + padding) as u32;
    let mut out = length.to_be_bytes().to_vec();
    out.push(padding as u8);
    out.extend_from_slice(payload);
    out.extend(std::iter::repeat_n(0u8, padding));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fix_that_does_not_help_is_rolled_back_unless_kept() {
    let (port, peer) = legacy_liar().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, original) = inventory(dir.path(), port);
    let inv = path.display().to_string();
    let (code, out) = sshtriage(
        &["fix", "algorithms", "legacy", "--inventory", &inv],
        dir.path(),
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("before: dns ✓  tcp ✓  banner ✓  kex ✗ no_common_kex"),
        "{out}"
    );
    assert!(
        out.contains("after:  dns ✓  tcp ✓  banner ✓  kex ✗"),
        "{out}"
    );
    assert!(
        out.contains(&format!("Not verified: the key exchange still fails; {inv} was rolled back to its original bytes.")),
        "{out}"
    );
    assert_eq!(std::fs::read(&path).expect("read"), original.as_bytes());
    let backup = dir.path().join("lab.toml.bak");
    assert_eq!(
        std::fs::read(&backup).expect("backup exists"),
        original.as_bytes()
    );
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let (code, out) = sshtriage(
        &["fix", "algorithms", "legacy", "--inventory", &inv, "--keep"],
        dir.path(),
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the change is kept (--keep)"), "{out}");
    let kept = std::fs::read_to_string(&path).expect("read");
    assert!(
        kept.contains("kex = \"+diffie-hellman-group14-sha1\""),
        "{kept}"
    );
    assert!(
        kept.starts_with("# lab inventory: this comment stays\n"),
        "{kept}"
    );
    peer.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_devices_and_other_failures_are_not_edited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = support::sshd::free_port();
    let (path, original) = inventory(dir.path(), closed);
    let inv = path.display().to_string();
    let (code, out) = sshtriage(
        &["fix", "algorithms", "nope", "--inventory", &inv],
        dir.path(),
    )
    .await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no device \"nope\""), "{out}");
    let (code, out) = sshtriage(
        &["fix", "algorithms", "legacy", "--inventory", &inv],
        dir.path(),
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("An allow-list does not help here: it fails at tcp (refused)"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), original);
    assert!(!dir.path().join("lab.toml.bak").exists());
}
