//! `sshtriage known-hosts prune|accept` end to end: the same file as `ssh-keygen -R`, what it
//! prints, exit codes, networks refused above /16, accepted keys that `ssh-keygen -F` finds,
//! and a changed-key device repaired from the CLI.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::{Run, sshtriage};

async fn run(program: &str, args: &[&str]) -> Run {
    let child = tokio::process::Command::new(program)
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("SSHTRIAGE_INVENTORY")
        .env_remove("SSHTRIAGE_KNOWN_HOSTS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} did not exit"))
        .expect("output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `type base64` of a fresh public key.
fn public_key(dir: &Path, name: &str, kind: &str) -> String {
    let path = dir.join(name);
    keygen(kind, &path);
    let text = std::fs::read_to_string(path.with_extension("pub")).expect("pub");
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// Plain, multi-name, marked, commented, blank and hashed lines for 127.0.0.1:2222 and others.
fn known_hosts_text(dir: &Path) -> String {
    let k1 = public_key(dir, "k1", "ed25519");
    let k2 = public_key(dir, "k2", "ecdsa");
    let k3 = public_key(dir, "k3", "ed25519");
    let hashed = dir.join("hashed");
    std::fs::write(
        &hashed,
        format!("[127.0.0.1]:2222 {k3}\nunrelated.example {k3}\n"),
    )
    .expect("write");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-H", "-f"])
        .arg(&hashed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ssh-keygen -H");
    assert!(status.success());
    let hashed = std::fs::read_to_string(&hashed).expect("hashed");
    format!(
        "# lab hosts\n127.0.0.1 {k1}\n[127.0.0.1]:2222 {k1} old key\n\n\
         [127.0.0.1]:2222,10.9.9.9 {k2}\nother.example {k1}\n@revoked [127.0.0.1]:2222 {k2}\n\
         10.9.9.9 {k2}\n{hashed}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_host_gives_the_file_ssh_keygen_gives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = known_hosts_text(dir.path());
    let ours = dir.path().join("ours");
    let theirs = dir.path().join("theirs");
    std::fs::write(&ours, &text).expect("write");
    std::fs::write(&theirs, &text).expect("write");
    std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let dry = sshtriage(&[
        "known-hosts",
        "prune",
        "--file",
        &p(&ours),
        "--host",
        "127.0.0.1:2222",
        "--dry-run",
    ])
    .await;
    assert_eq!(dry.code, 0, "{}{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout
            .contains(&format!("would remove {}:3  [127.0.0.1]:2222", p(&ours))),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains(&format!("Dry run: nothing was written to {}.", p(&ours))),
        "{}",
        dry.stdout
    );
    assert_eq!(std::fs::read_to_string(&ours).expect("read"), text);
    assert!(!dir.path().join("ours.old").exists());

    let run_ours = sshtriage(&[
        "known-hosts",
        "prune",
        "--file",
        &p(&ours),
        "--host",
        "127.0.0.1:2222",
    ])
    .await;
    let keygen = run("ssh-keygen", &["-R", "[127.0.0.1]:2222", "-f", &p(&theirs)]).await;
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    assert_eq!(run_ours.code, 0, "{}{}", run_ours.stdout, run_ours.stderr);
    assert_eq!(
        std::fs::read(&ours).expect("ours"),
        std::fs::read(&theirs).expect("theirs"),
        "same file as ssh-keygen -R"
    );
    assert_eq!(
        std::fs::read(dir.path().join("ours.old")).expect("ours.old"),
        std::fs::read(dir.path().join("theirs.old")).expect("theirs.old"),
        "same backup as ssh-keygen -R"
    );
    let removed: Vec<&str> = run_ours
        .stdout
        .lines()
        .filter(|l| l.starts_with("removed "))
        .collect();
    // The plain line, the multi-name line and the hashed line; not @revoked, not port 22.
    assert_eq!(removed.len(), 3, "{}", run_ours.stdout);
    assert!(removed[0].starts_with(&format!("removed {}:3  [127.0.0.1]:2222 ", p(&ours))));
    assert!(removed[1].starts_with(&format!(
        "removed {}:5  [127.0.0.1]:2222,10.9.9.9 ",
        p(&ours)
    )));
    assert!(removed[2].starts_with(&format!("removed {}:9  |1|", p(&ours))));
    assert!(
        run_ours
            .stdout
            .contains(&format!("the original is kept as {}.old", p(&ours))),
        "{}",
        run_ours.stdout
    );
    let mode = std::fs::metadata(&ours).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);

    let again = sshtriage(&[
        "known-hosts",
        "prune",
        "--file",
        &p(&ours),
        "--host",
        "127.0.0.1:2222",
    ])
    .await;
    assert_eq!(again.code, 0);
    assert!(
        again.stdout.contains("No entries for [127.0.0.1]:2222"),
        "{}",
        again.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cidr_prunes_addresses_inside_and_refuses_more_than_a_slash_16() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = known_hosts_text(dir.path());
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, &text).expect("write");

    let big = sshtriage(&[
        "known-hosts",
        "prune",
        "--file",
        &p(&file),
        "--cidr",
        "10.0.0.0/8",
    ])
    .await;
    assert_eq!(big.code, 2, "{}{}", big.stdout, big.stderr);
    assert!(big.stderr.contains("at most a /16"), "{}", big.stderr);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);

    let bad = sshtriage(&[
        "known-hosts",
        "prune",
        "--file",
        &p(&file),
        "--cidr",
        "nonsense",
    ])
    .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);

    let out = sshtriage(&[
        "known-hosts",
        "prune",
        "--file",
        &p(&file),
        "--cidr",
        "127.0.0.0/24",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let after = std::fs::read_to_string(&file).expect("read");
    let kept: Vec<&str> = after.lines().collect();
    let before: Vec<&str> = text.lines().collect();
    // Every plain 127.0.0.x entry is gone; everything else stays byte for byte, in order.
    let expected: Vec<&str> = before
        .iter()
        .copied()
        .filter(|l| !(l.starts_with("127.0.0.1 ") || l.starts_with("[127.0.0.1]:2222")))
        .collect();
    assert_eq!(kept, expected);
    assert!(after.contains("\nother.example "));
    assert!(after.contains("\n10.9.9.9 "));
    assert!(after.contains("@revoked [127.0.0.1]:2222 "), "markers stay");
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = p(&dir.path().join("kh"));
    for args in [
        vec!["known-hosts", "prune", "--file", &file],
        vec![
            "known-hosts",
            "prune",
            "--file",
            &file,
            "--host",
            "admin@10.0.0.1",
        ],
        vec![
            "known-hosts",
            "prune",
            "--file",
            &file,
            "--host",
            "h",
            "--cidr",
            "10.0.0.0/24",
        ],
        vec!["known-hosts", "prune", "--file", &file, "--failing"],
        vec!["known-hosts", "accept", "--file", &file],
        vec![
            "known-hosts",
            "accept",
            "--host",
            "h",
            "--hash",
            "--no-hash",
        ],
    ] {
        let out = sshtriage(&args).await;
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
    }
    assert!(!dir.path().join("kh").exists());
}

fn fingerprint(public: &Path) -> String {
    let out = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public)
        .output()
        .expect("ssh-keygen -l");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_owned()
}

fn host_pub(sshd: &Sshd) -> PathBuf {
    sshd.dir.path().join("host_ed25519.pub")
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_appends_what_ssh_keygen_finds_and_refuses_a_changed_key() {
    let Some(bin) = require_sshd("accept_appends_what_ssh_keygen_finds") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let host = format!("127.0.0.1:{port}");
    let name = format!("[127.0.0.1]:{port}");
    let dir = tempfile::tempdir().expect("tempdir");
    let fp = fingerprint(&host_pub(&sshd));

    let plain = dir.path().join("plain");
    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &host,
        "--file",
        &p(&plain),
        "--no-hash",
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!("presents ssh-ed25519 {fp}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("added {}:1", p(&plain))),
        "{}",
        out.stdout
    );
    let written = std::fs::read_to_string(&plain).expect("written");
    let key = std::fs::read_to_string(host_pub(&sshd)).expect("pub");
    let key: Vec<&str> = key.split_whitespace().take(2).collect();
    assert_eq!(written, format!("{name} {}\n", key.join(" ")));
    let found = run("ssh-keygen", &["-F", &name, "-f", &p(&plain)]).await;
    assert_eq!(found.code, 0, "ssh-keygen -F finds it: {}", found.stdout);
    let mode = std::fs::metadata(&plain)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let again = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &host,
        "--file",
        &p(&plain),
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again.stdout.contains("already in known_hosts"),
        "{}",
        again.stdout
    );
    assert_eq!(std::fs::read_to_string(&plain).expect("read"), written);

    let hashed = dir.path().join("hashed");
    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &host,
        "--file",
        &p(&hashed),
        "--hash",
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("(name hashed)"), "{}", out.stdout);
    let line = std::fs::read_to_string(&hashed).expect("written");
    assert!(line.starts_with("|1|"), "{line}");
    let found = run("ssh-keygen", &["-F", &name, "-f", &p(&hashed)]).await;
    assert_eq!(found.code, 0, "ssh-keygen -F finds the hashed line");

    let stale_key = public_key(dir.path(), "stale", "ed25519");
    let changed = dir.path().join("changed");
    let stale = format!("{name} {stale_key}\n");
    std::fs::write(&changed, &stale).expect("write");
    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &host,
        "--file",
        &p(&changed),
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("refused"), "{}", out.stdout);
    assert!(
        out.stdout.contains("sshtriage known-hosts prune --host"),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read_to_string(&changed).expect("read"), stale);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_key_device_is_repaired_from_the_cli() {
    let Some(bin) = require_sshd("a_changed_key_device_is_repaired_from_the_cli") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let dir = tempfile::tempdir().expect("tempdir");
    let stale_key = public_key(dir.path(), "stale", "ed25519");
    let kh = dir.path().join("known_hosts");
    let unrelated = format!("other.example {stale_key}\n");
    std::fs::write(&kh, format!("{unrelated}[127.0.0.1]:{port} {stale_key}\n")).expect("write");
    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[device]]\nname = \"redeployed\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\nknown_hosts = [\"{}\"]\n\n\
             [[device]]\nname = \"down\"\nhost = \"127.0.0.1\"\nport = {}\ntimeout = \"2s\"\n",
            p(&kh),
            support::sshd::free_port()
        ),
    )
    .expect("write");
    let inv = p(&inventory);

    let check = sshtriage(&["check", &inv]).await;
    assert!(
        check.stdout.contains("FAIL host_key/changed"),
        "{}",
        check.stdout
    );

    let out = sshtriage(&[
        "known-hosts",
        "prune",
        "--inventory",
        &inv,
        "--failing",
        "--file",
        &p(&kh),
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("removed {}:2  [127.0.0.1]:{port} ", p(&kh))),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read_to_string(&kh).expect("read"), unrelated);

    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--inventory",
        &inv,
        "redeployed",
        "--no-hash",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!("added {}:2", p(&kh))),
        "{}",
        out.stdout
    );

    let check = sshtriage(&["check", &inv]).await;
    let line = check
        .stdout
        .lines()
        .find(|l| l.starts_with("redeployed"))
        .unwrap_or_default();
    assert!(!line.contains("host_key/"), "{}", check.stdout);
    assert!(
        line.contains("auth") || line.contains("ok"),
        "{}",
        check.stdout
    );
}

/// `accept NAME` and `fix algorithms NAME` find the device in any source, loaded as `check`
/// loads it: an Ansible host, an ssh_config `Host`.
#[tokio::test(flavor = "multi_thread")]
async fn a_device_is_found_by_name_in_any_source() {
    let Some(bin) = require_sshd("a_device_is_found_by_name_in_any_source") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let fp = fingerprint(&host_pub(&sshd));
    let dir = tempfile::tempdir().expect("tempdir");
    let hosts = dir.path().join("hosts.yml");
    std::fs::write(
        &hosts,
        format!(
            "all:\n  hosts:\n    core-sw:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n"
        ),
    )
    .expect("write hosts.yml");
    let config = dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!("Host lab-edge\n  HostName 127.0.0.1\n  Port {port}\n"),
    )
    .expect("write ssh_config");
    let expected = format!("[127.0.0.1]:{port} ssh-ed25519 ");
    for (name, source, file) in [
        ("core-sw", vec![p(&hosts)], dir.path().join("kh-ansible")),
        (
            "lab-edge",
            vec!["--ssh-config".to_owned(), p(&config)],
            dir.path().join("kh-config"),
        ),
    ] {
        let mut args = vec!["known-hosts", "accept", name];
        args.extend(source.iter().map(String::as_str));
        let file_arg = p(&file);
        args.extend(["--file", &file_arg, "--no-hash", "--timeout", "5s"]);
        let mut cmd = support::sshtriage_command(&args);
        // The runner turns ssh_config off; this test names its own.
        cmd.env_remove("SSHTRIAGE_NO_SSH_CONFIG");
        let out = support::finish(cmd).await;
        assert_eq!(out.code, 0, "{name}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains(&format!("presents ssh-ed25519 {fp}")),
            "{name}: {}",
            out.stdout
        );
        let written = std::fs::read_to_string(&file).expect("known_hosts written");
        assert!(written.starts_with(&expected), "{name}: {written}");
    }
    // The same lookup serves `fix algorithms`: the Ansible host is found and probed.
    let out = sshtriage(&[
        "fix",
        "algorithms",
        "core-sw",
        &p(&hosts),
        "--dry-run",
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!("core-sw (127.0.0.1:{port})")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("passes already"), "{}", out.stdout);
    // A name in no source and no ssh_config Host is an error naming what was searched.
    let out = sshtriage(&["known-hosts", "accept", "nope", &p(&hosts)]).await;
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("no device \"nope\""), "{}", out.stderr);
    assert!(out.stderr.contains("hosts.yml"), "{}", out.stderr);
}
