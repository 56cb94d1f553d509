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

/// `accept` records every host key the server has, not only the negotiated one: a client
/// that prefers another type (`ssh -o HostKeyAlgorithms=rsa-sha2-512`) passes the host key
/// check too. The keys of the other types come from key exchanges of their own (no
/// credentials); the RSA key is one line whatever it signs with.
#[tokio::test(flavor = "multi_thread")]
async fn accept_records_every_host_key_the_server_has() {
    let Some(bin) = require_sshd("accept_records_every_host_key_the_server_has") else {
        return;
    };
    let keys = tempfile::tempdir().expect("tempdir");
    let sshd = Sshd::start(
        &bin,
        Flavour::Modern,
        &support::sshd::more_host_keys(keys.path()),
    );
    let port = sshd.addr.port();
    let name = format!("[127.0.0.1]:{port}");
    let fp = |file: PathBuf| support::sshd::fingerprint(&file);
    let ed25519 = fp(host_pub(&sshd));
    let ecdsa = fp(keys.path().join("host_ecdsa.pub"));
    let rsa = fp(keys.path().join("host_rsa.pub"));
    let dir = tempfile::tempdir().expect("tempdir");
    let kh = dir.path().join("known_hosts");

    // Before: nothing is trusted, so ssh stops at the host key whatever the type.
    let (_, said) = support::sshd::ssh_with_host_key_algorithm(port, &kh, "rsa-sha2-512").await;
    assert!(said.contains("Host key verification failed"), "{said}");

    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &format!("127.0.0.1:{port}"),
        "--file",
        &p(&kh),
        "--no-hash",
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // The real ssh, strict, with only this file: past the host key for every type.
    for algorithm in [
        "ssh-ed25519",
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ecdsa-sha2-nistp256",
    ] {
        let (code, said) = support::sshd::ssh_with_host_key_algorithm(port, &kh, algorithm).await;
        assert!(
            !said.contains("Host key verification failed"),
            "{algorithm}: {said}"
        );
        assert!(
            said.contains("Permission denied"),
            "{algorithm}: ssh {code}: {said}"
        );
    }

    let file = p(&kh);
    // Each key is named with how it was obtained; the others follow the server's order.
    let mut lines = Vec::new();
    for (how, fingerprint) in [
        ("ssh-ed25519 (negotiated)", &ed25519),
        ("rsa-sha2-512 → ssh-rsa key (separate key exchange)", &rsa),
        ("ecdsa-sha2-nistp256 (separate key exchange)", &ecdsa),
    ] {
        let tail = format!("  {how}  {fingerprint}");
        let line = out
            .stdout
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!("  added {file}:"))?
                    .strip_suffix(&tail)?
                    .parse::<usize>()
                    .ok()
            })
            .unwrap_or_else(|| panic!("added …{tail}\n{}", out.stdout));
        lines.push(line);
    }
    assert_eq!(lines[0], 1, "the presented key first");
    lines.sort();
    assert_eq!(lines, [1, 2, 3]);
    let written = std::fs::read_to_string(&kh).expect("written");
    let mut types: Vec<&str> = written
        .lines()
        .map(|l| {
            assert!(l.starts_with(&format!("{name} ")), "{l}");
            l.split_whitespace().nth(1).unwrap_or_default()
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        ["ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa"],
        "one line per key, the RSA key once: {written}"
    );
    assert!(
        !sshd.log_text().contains("Accepted "),
        "no credential was used: {}",
        sshd.log_text()
    );

    // Accepting again finds every key on file and adds nothing.
    let again = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &format!("127.0.0.1:{port}"),
        "--file",
        &p(&kh),
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again.stdout.contains(&format!(
            "already in known_hosts ({file}:1)  ssh-ed25519 (negotiated)"
        )),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains(")  rsa-sha2-512 → ssh-rsa key (separate key exchange)"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("nothing to add"), "{}", again.stdout);
    assert_eq!(std::fs::read_to_string(&kh).expect("read"), written);
}

/// A key from a separate exchange that contradicts known_hosts (another key of its type for
/// the host) is reported and not added; the others are, and the exit code says so.
#[tokio::test(flavor = "multi_thread")]
async fn accept_reports_a_key_that_contradicts_known_hosts() {
    let Some(bin) = require_sshd("accept_reports_a_key_that_contradicts_known_hosts") else {
        return;
    };
    let keys = tempfile::tempdir().expect("tempdir");
    let sshd = Sshd::start(
        &bin,
        Flavour::Modern,
        &support::sshd::more_host_keys(keys.path()),
    );
    let port = sshd.addr.port();
    let name = format!("[127.0.0.1]:{port}");
    let dir = tempfile::tempdir().expect("tempdir");
    let kh = dir.path().join("known_hosts");
    let old_ecdsa = public_key(dir.path(), "old_ecdsa", "ecdsa");
    let old_fp = support::sshd::fingerprint(&dir.path().join("old_ecdsa.pub"));
    let ed25519 = std::fs::read_to_string(host_pub(&sshd)).expect("pub");
    let ed25519: Vec<&str> = ed25519.split_whitespace().take(2).collect();
    // The presented (ed25519) key matches; the ECDSA line is stale.
    let original = format!("{name} {}\n{name} {old_ecdsa}\n", ed25519.join(" "));
    std::fs::write(&kh, &original).expect("write");

    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &format!("127.0.0.1:{port}"),
        "--file",
        &p(&kh),
        "--no-hash",
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let file = p(&kh);
    assert!(
        out.stdout.contains(&format!(
            "already in known_hosts ({file}:1)  ssh-ed25519 (negotiated)"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("not added: ecdsa-sha2-nistp256 (separate key exchange)") && out.stdout.contains(&format!(
            "known_hosts holds another ecdsa-sha2-nistp256 key for the device ({old_fp} at {file}:2)"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "added {file}:3  rsa-sha2-512 → ssh-rsa key (separate key exchange)  {}",
            support::sshd::fingerprint(&keys.path().join("host_rsa.pub"))
        )),
        "{}",
        out.stdout
    );
    let written = std::fs::read_to_string(&kh).expect("read");
    assert!(written.starts_with(&original), "{written}");
    assert_eq!(written.lines().count(), 3, "{written}");
    // The advice works as printed: prune, then accept again records the server's keys.
    let run_line = out
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("run: "))
        .expect("a prune command");
    let pruned = pasted(run_line).await;
    assert_eq!(
        pruned.code, 0,
        "{run_line}: {}{}",
        pruned.stdout, pruned.stderr
    );
    assert!(pruned.stdout.contains("removed"), "{}", pruned.stdout);
    let out = sshtriage(&[
        "known-hosts",
        "accept",
        "--host",
        &format!("127.0.0.1:{port}"),
        "--file",
        &p(&kh),
        "--no-hash",
        "--timeout",
        "5s",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let (_, said) =
        support::sshd::ssh_with_host_key_algorithm(port, &kh, "ecdsa-sha2-nistp256").await;
    assert!(said.contains("Permission denied"), "{said}");
}

/// A printed command run as pasted into a shell, with this build's sshtriage first on PATH.
async fn pasted(line: &str) -> Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_sshtriage"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = support::sshtriage_command(&[]);
    let cmd = cmd.as_std_mut();
    let mut shell = tokio::process::Command::new("sh");
    shell
        .args(["-c", line])
        .env("PATH", path)
        .kill_on_drop(true);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => shell.env(key, v),
            None => shell.env_remove(key),
        };
    }
    shell.current_dir(std::env::temp_dir()).stdin(Stdio::null());
    support::finish(shell).await
}
