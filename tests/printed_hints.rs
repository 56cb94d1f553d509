//! Every command sshtriage prints as advice is run here exactly as printed, by `sh -c`, in
//! the environment the engineer printed it in (their HOME, their working directory, sshtriage
//! on PATH), and then checked to do what its sentence says: a host key accepted is trusted by
//! the next check and by the real ssh; a stale entry pruned is gone from the file the device
//! reads; a kex fix makes the real ssh complete the key exchange.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use support::Run;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};

/// The engineer's shell: HOME is a fresh directory (its ~/.ssh is theirs), the working
/// directory is the lab directory, no `SSHTRIAGE_*` variable is set, sshtriage is on PATH.
struct Shell {
    home: tempfile::TempDir,
    lab: tempfile::TempDir,
}

impl Shell {
    fn new() -> Shell {
        let home = tempfile::tempdir().expect("home");
        std::fs::create_dir_all(home.path().join(".ssh")).expect("~/.ssh");
        Shell {
            home,
            lab: tempfile::tempdir().expect("lab dir"),
        }
    }

    fn lab(&self, name: &str) -> PathBuf {
        self.lab.path().join(name)
    }

    fn user_known_hosts(&self) -> PathBuf {
        self.home.path().join(".ssh/known_hosts")
    }

    /// Runs one command line as a shell would, bounded.
    async fn run(&self, line: &str) -> Run {
        let bin = Path::new(env!("CARGO_BIN_EXE_sshtriage"))
            .parent()
            .expect("bin dir")
            .to_path_buf();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = tokio::process::Command::new("sh");
        cmd.args(["-c", line])
            .current_dir(self.lab.path())
            .env("HOME", self.home.path())
            .env("PATH", path)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (var, _) in std::env::vars() {
            if var.starts_with("SSHTRIAGE_") {
                cmd.env_remove(var);
            }
        }
        support::finish(cmd).await
    }

    /// Runs a command printed as advice; it must succeed.
    async fn paste(&self, line: &str) -> Run {
        let run = self.run(line).await;
        assert_eq!(
            run.code,
            0,
            "the printed command `{line}` failed:\n{}",
            run.text()
        );
        run
    }
}

/// The commands `check` printed under a device, in order.
fn printed_commands(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.trim_start().strip_prefix("run: "))
        .map(str::to_owned)
        .collect()
}

/// The status and reason of one stage of the only device in `check --json` output.
fn stage(json: &str, name: &str) -> (String, Option<String>) {
    let value: serde_json::Value = serde_json::from_str(json).expect("check --json output");
    let stages = value["devices"][0]["stages"]
        .as_array()
        .unwrap_or_else(|| panic!("no stages in {json}"));
    let result = stages
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no {name} stage in {json}"));
    (
        result["status"].as_str().expect("status").to_owned(),
        result["reason"].as_str().map(str::to_owned),
    )
}

/// The JSON `commands` of one stage, which must be what `check` printed.
fn json_commands(json: &str, name: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).expect("check --json output");
    value["devices"][0]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == name)
        .and_then(|s| s["commands"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|c| c.as_str().expect("a command is a string").to_owned())
        .collect()
}

/// A key line for `[127.0.0.1]:PORT` that is not the server's.
fn stale_line(port: u16) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("other");
    keygen("ed25519", &key);
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("other.pub");
    let mut fields = public.split_whitespace();
    let (kind, blob) = (fields.next().expect("type"), fields.next().expect("key"));
    format!("[127.0.0.1]:{port} {kind} {blob}\n")
}

/// The real ssh's answer on the host key, with that known_hosts file alone.
fn ssh_host_key_verdict(port: u16, known_hosts: &Path) -> String {
    let out = std::process::Command::new("timeout")
        .args(["20", "ssh", "-F", "/dev/null", "-o", "BatchMode=yes"])
        .args(["-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(["-o", "GlobalKnownHostsFile=/dev/null"])
        .args(["-p", &port.to_string(), "nobody-here@127.0.0.1", "true"])
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An inventory in the lab directory whose device reads its own known_hosts file.
fn inventory(shell: &Shell, sshd: &Sshd) -> (PathBuf, PathBuf) {
    let known_hosts = shell.lab("lab_known_hosts");
    std::fs::write(&known_hosts, "").expect("known_hosts");
    let lab = shell.lab("lab.toml");
    std::fs::write(
        &lab,
        format!(
            "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"nobody-here\"\n\
             client = \"openssh\"\ntimeout = \"5s\"\nknown_hosts = [{:?}]\n",
            sshd.addr.port(),
            known_hosts.display().to_string()
        ),
    )
    .expect("lab.toml");
    (lab, known_hosts)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_key_is_accepted_by_the_printed_command() {
    let Some(bin) = require_sshd("an_unknown_key_is_accepted_by_the_printed_command") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let shell = Shell::new();
    let (_lab, known_hosts) = inventory(&shell, &sshd);

    let json = shell.run("sshtriage check --json lab.toml").await;
    assert_eq!(
        stage(&json.stdout, "host_key"),
        ("warn".to_owned(), Some("unknown".to_owned()))
    );
    let check = shell.run("sshtriage check lab.toml").await;
    let commands = printed_commands(&check.stdout);
    assert_eq!(
        commands,
        vec!["sshtriage known-hosts accept r1 lab.toml".to_owned()],
        "{}",
        check.stdout
    );
    assert_eq!(json_commands(&json.stdout, "host_key"), commands);

    for command in &commands {
        shell.paste(command).await;
    }
    // Hashed or not, as HashKnownHosts says: ssh-keygen -F finds it either way.
    let found = std::process::Command::new("ssh-keygen")
        .arg("-F")
        .arg(format!("[127.0.0.1]:{}", sshd.addr.port()))
        .arg("-f")
        .arg(&known_hosts)
        .output()
        .expect("ssh-keygen -F");
    assert!(
        found.status.success(),
        "the key is not in the device's known_hosts"
    );
    assert!(
        !shell.user_known_hosts().exists()
            || std::fs::read_to_string(shell.user_known_hosts())
                .expect("~/.ssh/known_hosts")
                .is_empty(),
        "the key went to ~/.ssh/known_hosts, not the device's file"
    );
    let after = shell.run("sshtriage check --json lab.toml").await;
    assert_eq!(stage(&after.stdout, "host_key").0, "ok", "{}", after.stdout);
    let verdict = ssh_host_key_verdict(sshd.addr.port(), &known_hosts);
    assert!(
        !verdict.contains("Host key verification failed"),
        "ssh does not trust the accepted key: {verdict}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_key_on_another_port_is_pruned_and_accepted_by_the_printed_commands() {
    let Some(bin) = require_sshd("a_changed_key_on_another_port") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let shell = Shell::new();
    let (_lab, known_hosts) = inventory(&shell, &sshd);
    let unrelated = "# lab hosts\nr9.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEssfgHoCrupU2ttwAwVQkC4zo6it9ZUAJv6HPnX7t/P\n";
    std::fs::write(&known_hosts, format!("{unrelated}{}", stale_line(port))).expect("stale");
    // The same host on the default port in ~/.ssh/known_hosts is another host to ssh.
    std::fs::write(
        shell.user_known_hosts(),
        stale_line(22).replace("[127.0.0.1]:22", "127.0.0.1"),
    )
    .expect("user known_hosts");
    let user_before = std::fs::read_to_string(shell.user_known_hosts()).expect("read");

    let json = shell.run("sshtriage check --json lab.toml").await;
    assert_eq!(
        stage(&json.stdout, "host_key"),
        ("fail".to_owned(), Some("changed".to_owned()))
    );
    let check = shell.run("sshtriage check lab.toml").await;
    let commands = printed_commands(&check.stdout);
    assert_eq!(
        commands,
        vec![
            format!(
                "sshtriage known-hosts prune --host 127.0.0.1:{port} --file {}",
                known_hosts.display()
            ),
            "sshtriage known-hosts accept r1 lab.toml".to_owned(),
        ],
        "{}",
        check.stdout
    );
    assert_eq!(json_commands(&json.stdout, "host_key"), commands);

    let prune = shell.paste(&commands[0]).await;
    assert!(
        prune.stdout.contains(&known_hosts.display().to_string()),
        "{}",
        prune.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&known_hosts).expect("read"),
        unrelated,
        "prune left the stale entry or touched another line"
    );
    shell.paste(&commands[1]).await;
    assert_eq!(
        std::fs::read_to_string(shell.user_known_hosts()).expect("read"),
        user_before,
        "~/.ssh/known_hosts was changed for a device that reads another file"
    );
    let after = shell.run("sshtriage check --json lab.toml").await;
    assert_eq!(stage(&after.stdout, "host_key").0, "ok", "{}", after.stdout);
    let verdict = ssh_host_key_verdict(port, &known_hosts);
    assert!(
        !verdict.contains("Host key verification failed")
            && !verdict.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "ssh does not trust the key after the printed commands: {verdict}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_failing_looks_in_the_inventory_known_hosts() {
    let Some(bin) = require_sshd("prune_failing_looks_in_the_inventory_known_hosts") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let shell = Shell::new();
    let (_lab, known_hosts) = inventory(&shell, &sshd);
    std::fs::write(&known_hosts, stale_line(port)).expect("stale");

    let dry = shell
        .paste("sshtriage known-hosts prune --inventory lab.toml --failing --dry-run")
        .await;
    assert!(
        dry.stdout.contains(&format!(
            "would remove {}:1  [127.0.0.1]:{port}",
            known_hosts.display()
        )),
        "{}",
        dry.stdout
    );
    shell
        .paste("sshtriage known-hosts prune --inventory lab.toml --failing")
        .await;
    assert_eq!(std::fs::read_to_string(&known_hosts).expect("read"), "");
    assert!(!shell.user_known_hosts().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_accept_prints_the_prune_that_unblocks_it() {
    let Some(bin) = require_sshd("a_refused_accept_prints_the_prune_that_unblocks_it") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let shell = Shell::new();
    let (_lab, known_hosts) = inventory(&shell, &sshd);
    std::fs::write(&known_hosts, stale_line(port)).expect("stale");

    let refused = shell.run("sshtriage known-hosts accept r1 lab.toml").await;
    assert_ne!(
        refused.code,
        0,
        "accept over a changed key: {}",
        refused.text()
    );
    let commands = printed_commands(&refused.text());
    assert_eq!(
        commands,
        vec![format!(
            "sshtriage known-hosts prune --host 127.0.0.1:{port} --file {}",
            known_hosts.display()
        )],
        "{}",
        refused.text()
    );
    shell.paste(&commands[0]).await;
    shell
        .paste("sshtriage known-hosts accept r1 lab.toml")
        .await;
    let after = shell.run("sshtriage check --json lab.toml").await;
    assert_eq!(stage(&after.stdout, "host_key").0, "ok", "{}", after.stdout);
}

/// A legacy-only sshd named by an ssh_config Host: the kex hint, pasted, writes the options
/// into that ssh_config, and the real ssh then completes the key exchange.
#[tokio::test(flavor = "multi_thread")]
async fn a_kex_failure_is_fixed_by_the_printed_command_for_an_ssh_config_host() {
    let Some(bin) = require_sshd("a_kex_failure_is_fixed_by_the_printed_command") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();
    let shell = Shell::new();
    let config = shell.lab("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host legacy\n    HostName 127.0.0.1\n    Port {port}\n    User nobody-here\n    \
             UserKnownHostsFile /dev/null\n    StrictHostKeyChecking no\n"
        ),
    )
    .expect("ssh_config");

    let check = shell
        .run("sshtriage check --host legacy --ssh-config ssh_config --timeout 5s")
        .await;
    assert!(check.stdout.contains("kex"), "{}", check.text());
    let commands = printed_commands(&check.stdout);
    assert_eq!(
        commands,
        vec!["sshtriage fix algorithms --host legacy --ssh-config ssh_config --timeout 5s"],
        "{}",
        check.stdout
    );
    let fixed = shell.paste(&commands[0]).await;
    assert!(
        std::fs::read_to_string(&config)
            .expect("read")
            .contains("KexAlgorithms +diffie-hellman-group14-sha1"),
        "{}",
        fixed.stdout
    );
    let after = shell
        .run("sshtriage check --json --host legacy --ssh-config ssh_config --timeout 5s")
        .await;
    assert_eq!(stage(&after.stdout, "kex").0, "ok", "{}", after.stdout);
    let ssh = std::process::Command::new("timeout")
        .args(["20", "ssh", "-F"])
        .arg(&config)
        .args(["-o", "BatchMode=yes", "legacy", "true"])
        .stdin(Stdio::null())
        .output()
        .expect("ssh");
    let stderr = String::from_utf8_lossy(&ssh.stderr);
    assert!(
        stderr.contains("Permission denied") && !stderr.contains("Unable to negotiate"),
        "the real ssh does not get past the key exchange: {stderr}"
    );
}

/// Devices given as --cidr print a selector that selects them again: `fix algorithms` with the
/// printed arguments finds the one device and writes its fix to the ssh_config it came with.
/// (An ssh_config given with --ssh-config, because the real ssh reads `~/.ssh/config` from the
/// passwd entry's home, not $HOME, so this test cannot give it a ~ of its own.)
#[tokio::test(flavor = "multi_thread")]
async fn a_cidr_device_is_selected_again_by_its_printed_hint() {
    let Some(bin) = require_sshd("a_cidr_device_is_selected_again_by_its_printed_hint") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();
    let shell = Shell::new();
    let config = shell.lab("lab ssh_config");
    std::fs::write(
        &config,
        format!("Host 127.0.0.1\n    Port {port}\n    UserKnownHostsFile /dev/null\n"),
    )
    .expect("ssh_config");

    let check = shell
        .run("sshtriage check --cidr 127.0.0.1/32 --ssh-config 'lab ssh_config' --client openssh --timeout 5s")
        .await;
    let commands = printed_commands(&check.stdout);
    assert_eq!(
        commands,
        vec![
            "sshtriage fix algorithms --cidr 127.0.0.1/32 --ssh-config 'lab ssh_config' --client openssh --timeout 5s"
        ],
        "{}",
        check.text()
    );
    shell.paste(&commands[0]).await;
    assert!(
        std::fs::read_to_string(&config)
            .expect("read")
            .contains("KexAlgorithms +diffie-hellman-group14-sha1"),
        "the fix is not in the ssh_config the device came with"
    );
    let after = shell
        .run("sshtriage check --json --cidr 127.0.0.1/32 --ssh-config 'lab ssh_config' --client openssh --timeout 5s")
        .await;
    assert_eq!(stage(&after.stdout, "kex").0, "ok", "{}", after.stdout);
}

/// Every `pip install` the client profiles print (their `[[fallback]] how`) names requirements
/// pip accepts, and where the venvs CI builds hold the package, the version the fallback
/// promises satisfies it and the extra exists: `netmiko[par4]` really brings Paramiko 4.
/// Judged offline by pip's own requirement parser in those venvs.
#[test]
fn every_pip_command_in_the_client_profiles_installs_the_client_it_promises() {
    let pythons: Vec<String> = [
        "SSHTRIAGE_TEST_PARAMIKO3_PYTHON",
        "SSHTRIAGE_TEST_PARAMIKO5_PYTHON",
        "SSHTRIAGE_TEST_NETMIKO_PYTHON",
    ]
    .iter()
    .filter_map(|var| std::env::var(var).ok())
    .collect();
    if pythons.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the Paramiko and Netmiko venvs"
        );
        eprintln!("SKIP: no Paramiko or Netmiko venv");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/clients");
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("profiles/clients") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("profile");
        let profile: toml::Table = toml::from_str(&text).expect("profile TOML");
        for fallback in profile
            .get("fallback")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let how = fallback["how"].as_str().expect("how");
            let Some(at) = how.find("pip install ") else {
                continue;
            };
            let target = fallback["profile"].as_str().expect("profile").to_owned();
            specs.push(serde_json::json!({
                "file": path.file_name().unwrap().to_string_lossy(),
                "how": &how[at..],
                "profile": target,
            }));
        }
    }
    assert!(specs.len() >= 10, "found only {} pip commands", specs.len());
    let script = r#"
import json, shlex, sys
from importlib import metadata
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.version import Version
specs = json.loads(sys.argv[1])
problems = []
checked = 0
for spec in specs:
    words = shlex.split(spec["how"].split(" (")[0].split(" beside")[0])
    assert words[:2] == ["pip", "install"], words
    args, i = [], 2
    while i < len(words):
        if words[i] == "--only-binary":
            i += 2
            continue
        args.append(words[i]); i += 1
    if len(args) != 1:
        problems.append(f"{spec['file']}: `{spec['how']}` installs {args}")
        continue
    req = Requirement(args[0])
    family, _, version = spec["profile"].rpartition("-")
    try:
        dist = metadata.distribution(req.name)
    except metadata.PackageNotFoundError:
        continue
    if req.extras:
        extras = dist.metadata.get_all("Provides-Extra") or []
        for extra in req.extras:
            if extra not in extras:
                problems.append(f"{spec['file']}: {req.name} has no extra {extra} (has {extras})")
                continue
            pulled = [Requirement(r) for r in dist.requires or []]
            pulled = [r for r in pulled if r.marker and r.marker.evaluate({"extra": extra}) and r.name == family]
            if not any(r.specifier.contains(version + ".0") for r in pulled):
                problems.append(f"{spec['file']}: {req} does not bring {family} {version}: {[str(r) for r in pulled]}")
        checked += 1
    elif req.name == family:
        if not req.specifier.contains(version + ".0") and not req.specifier.contains(version + ".1"):
            problems.append(f"{spec['file']}: {req} excludes {family} {version}")
        installed = Version(dist.version)
        if f"{installed.major}.{installed.minor}" == version and installed not in req.specifier:
            problems.append(f"{spec['file']}: {req} excludes the installed {req.name} {installed}")
        checked += 1
print(json.dumps({"checked": checked, "problems": problems}))
"#;
    let specs = serde_json::Value::Array(specs).to_string();
    let mut checked = 0;
    for python in &pythons {
        let out = std::process::Command::new(python)
            .args(["-c", script, &specs])
            .output()
            .expect("run the venv's python");
        assert!(
            out.status.success(),
            "{python}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verdict: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the checker's JSON");
        assert_eq!(
            verdict["problems"],
            serde_json::json!([]),
            "{python}: {verdict}"
        );
        checked += verdict["checked"].as_u64().expect("checked");
    }
    assert!(
        checked >= 4,
        "only {checked} pip commands were judged by a venv"
    );
}

/// The OpenSSH options a "cannot" paragraph prints (`… with -o KexAlgorithms=+… -o …`) make
/// the real ssh complete the key exchange with a legacy-only sshd.
#[tokio::test(flavor = "multi_thread")]
async fn the_openssh_options_in_a_cannot_paragraph_work_with_the_real_ssh() {
    let Some(bin) = require_sshd("the_openssh_options_in_a_cannot_paragraph") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();
    let shell = Shell::new();
    let advice = shell
        .run(&format!(
            "sshtriage fix algorithms --host 127.0.0.1:{port} --client paramiko-5.1 --no-ssh-config --timeout 5s"
        ))
        .await;
    let text = advice.text();
    let at = text
        .find(" with -o ")
        .unwrap_or_else(|| panic!("no OpenSSH options in the advice: {text}"));
    // The options end the sentence: up to ". ", a line end or the final full stop.
    let rest = &text[at + " with ".len()..];
    let line = rest.lines().next().expect("options");
    let options = line
        .split(". ")
        .next()
        .expect("options")
        .trim_end_matches('.')
        .to_owned();
    assert!(options.starts_with("-o KexAlgorithms=+"), "{options}");
    let run = shell
        .run(&format!(
            "ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
             {options} -p {port} nobody-here@127.0.0.1 true"
        ))
        .await;
    assert!(
        run.stderr.contains("Permission denied") && !run.stderr.contains("Unable to negotiate"),
        "ssh {options}: {}",
        run.stderr
    );
}
