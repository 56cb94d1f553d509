//! The real binary: exit codes, human lines, the JSON document, usage errors.

mod support;

use support::{Run, finish, sshtriage, sshtriage_command};

#[tokio::test]
async fn refused_device_exits_1_with_a_summary() {
    let port = support::sshd::free_port();
    let out = sshtriage(&[
        "check",
        "--host",
        &format!("127.0.0.1:{port}"),
        "--timeout",
        "2s",
    ])
    .await;
    assert_eq!(out.code, 1);
    let text = &out.stdout;
    assert!(text.contains("FAIL tcp/refused"), "{text}");
    assert!(text.contains("1 device(s): 0 passed, 1 failed"), "{text}");
    assert!(text.contains("fail at tcp"), "{text}");
}

#[tokio::test]
async fn json_document_is_versioned_and_in_inventory_order() {
    let (a, b) = (support::sshd::free_port(), support::sshd::free_port());
    let out = sshtriage(&[
        "check",
        "--json",
        "--host",
        &format!("127.0.0.1:{a}"),
        "--host",
        &format!("admin@127.0.0.2:{b}"),
    ])
    .await;
    assert_eq!(out.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    let devices = doc["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0]["port"], a);
    assert_eq!(devices[1]["host"], "127.0.0.2");
    assert_eq!(devices[0]["failure"]["stage"], "tcp");
    assert_eq!(devices[0]["failure"]["reason"], "refused");
    assert_eq!(devices[0]["reached"], "dns");
    let stages = devices[0]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["stage"], "dns");
    assert_eq!(stages[0]["status"], "ok");
    assert_eq!(stages[1]["status"], "fail");
    assert_eq!(stages[2]["status"], "skip");
    assert_eq!(stages[2]["reason"], "not_reached");
}

#[tokio::test]
async fn bad_input_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("lab.toml");
    std::fs::write(&inv, "[[device]]\nhost = \"127.0.0.1\"\nprot = 22\n").unwrap();
    let out = sshtriage(&["check", inv.to_str().unwrap()]).await;
    assert_eq!(out.code, 2);
    let err = &out.stderr;
    assert!(err.contains("lab.toml:3"), "{err}");
    assert!(err.contains("prot"), "{err}");

    let out = sshtriage(&["check", "--host", "h:99999"]).await;
    assert_eq!(out.code, 2);
    let out = sshtriage(&["check"]).await;
    assert_eq!(out.code, 2, "no devices is a usage error");
    let out = sshtriage(&["check", "--no-such-flag"]).await;
    assert_eq!(out.code, 2);
}

/// `sshtriage inventory` with `$XDG_CONFIG_HOME` pointing at `config`.
async fn inventory_with_config(config: &std::path::Path, inventory: &std::path::Path) -> Run {
    let mut cmd = sshtriage_command(&["inventory", "--json", "--no-ssh-config"]);
    cmd.arg(inventory).env("XDG_CONFIG_HOME", config);
    finish(cmd).await
}

#[tokio::test]
async fn a_users_own_profile_names_devices_from_ansible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = dir.path().join("sshtriage/profiles");
    std::fs::create_dir_all(&profiles).expect("mkdir");
    std::fs::write(
        profiles.join("acme_nos.toml"),
        "name = \"acme_nos\"\ndescription = \"ACME NOS\"\naliases = [\"acme.nos.nos\"]\n\
         paging_off = []\nerrors = []\n[prompt]\nplain = ['acme[>#]']\n",
    )
    .expect("profile");
    let inventory = dir.path().join("hosts.yml");
    std::fs::write(
        &inventory,
        "all:\n  hosts:\n    edge1:\n      ansible_host: 127.0.0.1\n      ansible_network_os: acme.nos.nos\n",
    )
    .expect("inventory");
    let out = inventory_with_config(dir.path(), &inventory).await;
    assert_eq!(out.code, 0, "{}", out.text());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(doc["devices"][0]["profile"], "acme_nos", "{doc:#}");

    // A broken profile is a usage error that names its file.
    std::fs::write(profiles.join("broken.toml"), "name = \n").expect("profile");
    let out = inventory_with_config(dir.path(), &inventory).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("broken.toml"), "{}", out.stderr);
}

/// `check --host 127.0.0.1:PORT` (a closed port) with one environment variable set.
async fn check_with_env(var: &str, value: &str) -> Run {
    let port = support::sshd::free_port();
    let host = format!("127.0.0.1:{port}");
    let mut cmd = sshtriage_command(&["check", "--host", &host, "--timeout", "2s"]);
    cmd.env(var, value);
    finish(cmd).await
}

#[tokio::test]
async fn boolean_environment_variables_take_1_0_yes_no_on_off() {
    for value in ["1", "true", "YES", "on"] {
        let out = check_with_env("SSHTRIAGE_JSON", value).await;
        assert_eq!(out.code, 1, "{value}: {}", out.text());
        assert!(out.stdout.starts_with('{'), "{value}: {}", out.stdout);
    }
    for value in ["0", "false", "no", "Off", ""] {
        let out = check_with_env("SSHTRIAGE_JSON", value).await;
        assert_eq!(out.code, 1, "{value}: {}", out.text());
        assert!(out.stdout.starts_with("device "), "{value}: {}", out.stdout);
    }
    let out = check_with_env("SSHTRIAGE_JSON", "maybe").await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr.contains("'maybe'") && out.stderr.contains("yes/no"),
        "{}",
        out.stderr
    );
    // Never silently true: the override of the host key check is said loudly, or refused.
    let out = check_with_env("SSHTRIAGE_TRUST_CHANGED_HOST_KEYS", "yes").await;
    assert!(
        out.stderr.contains("WARNING: --trust-changed-host-keys"),
        "{}",
        out.stderr
    );
    let out = check_with_env("SSHTRIAGE_TRUST_CHANGED_HOST_KEYS", "sure").await;
    assert_eq!(out.code, 2, "{}", out.text());
    let out = check_with_env("SSHTRIAGE_TRUST_CHANGED_HOST_KEYS", "0").await;
    assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
}

#[tokio::test]
async fn a_bad_duration_says_what_one_looks_like() {
    let out = check_with_env("SSHTRIAGE_TIMEOUT", "abc").await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr
            .contains("`abc` is not a duration: write 5s, 500ms or 1m"),
        "{}",
        out.stderr
    );
    let out = sshtriage(&["wait", "--host", "127.0.0.1:1", "--timeout", "10"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr.contains("`10` is not a duration"),
        "{}",
        out.stderr
    );
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("lab.toml");
    std::fs::write(
        &inv,
        "[[device]]\nhost = \"127.0.0.1\"\ntimeout = \"soon\"\n",
    )
    .unwrap();
    let out = sshtriage(&["check", inv.to_str().unwrap()]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr
            .contains("lab.toml:3: timeout: `soon` is not a duration"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_mistyped_subcommand_or_a_missing_file_says_so() {
    let out = sshtriage(&["chek", "lab.toml"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr.contains("error: unrecognized subcommand 'chek'")
            && out.stderr.contains("tip: did you mean 'check'?"),
        "{}",
        out.stderr
    );
    // A file that is not there is named, without a `:0:` line.
    let out = sshtriage(&["check", "no-such-lab.toml"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr.contains("no-such-lab.toml: no such file") && !out.stderr.contains(":0:"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn ports_out_of_range_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (text, at) in [
        (
            "[[device]]\nhost = \"127.0.0.1\"\nport = 0\n",
            "lab.toml:3: port: `0`",
        ),
        (
            "[[device]]\nhost = \"127.0.0.1\"\n\nport = 65536\n",
            "lab.toml:4: port: `65536`",
        ),
        (
            "[defaults]\nport = -22\n[[device]]\nhost = \"127.0.0.1\"\n",
            "lab.toml:2: port: `-22`",
        ),
    ] {
        let inv = dir.path().join("lab.toml");
        std::fs::write(&inv, text).unwrap();
        let out = sshtriage(&["check", inv.to_str().unwrap()]).await;
        assert_eq!(out.code, 2, "{text}: {}", out.text());
        assert!(
            out.stderr.contains(at) && out.stderr.contains("from 1 to 65535"),
            "{text}: {}",
            out.stderr
        );
    }
}

/// `sshtriage ARGS` on a terminal `columns` wide (util-linux `script` gives it a pty), with
/// the extra environment `env`; None when `script` is not installed.
fn on_a_terminal(columns: u16, env: &[(&str, &str)], args: &[&str]) -> Option<String> {
    let found = std::process::Command::new("sh")
        .args(["-c", "command -v script"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIP on_a_terminal: util-linux script is not installed");
        return None;
    }
    let words: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_sshtriage"))
        .chain(args.iter().copied())
        .map(|w| format!("'{w}'"))
        .collect();
    let line = format!("stty cols {columns} rows 40; exec {}", words.join(" "));
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env("SSHTRIAGE_NO_SSH_CONFIG", "true")
        .env("XDG_CONFIG_HOME", "/nonexistent/sshtriage-tests")
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("SSHTRIAGE_JSON")
        .env_remove("SSHTRIAGE_OUTPUT")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script");
    Some(String::from_utf8_lossy(&out.stdout).replace('\r', ""))
}

fn without_colour(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find('m').map_or(after.len(), |e| e + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn on_a_terminal_check_wraps_and_colours_and_in_a_pipe_it_does_not() {
    let host = format!("127.0.0.1:{}", support::sshd::free_port());
    let args = ["check", "--host", host.as_str(), "--timeout", "2s"];
    let Some(tty) = on_a_terminal(60, &[], &args) else {
        return;
    };
    assert!(tty.contains("\u{1b}[1;31mFAIL\u{1b}[0m"), "{tty:?}");
    let plain = without_colour(&tty);
    assert!(plain.contains("FAIL tcp/refused"), "{plain}");
    for line in plain.lines() {
        assert!(
            line.chars().count() <= 60,
            "wider than 60: {line:?}\n{plain}"
        );
    }
    // The message went on over several lines, cut at words.
    assert!(plain.lines().count() >= 6, "{plain}");
    assert!(plain.split_whitespace().any(|w| w == "booting)"), "{plain}");

    let Some(no_color) = on_a_terminal(60, &[("NO_COLOR", "1")], &args) else {
        return;
    };
    assert!(!no_color.contains('\u{1b}'), "{no_color:?}");

    // A pipe: no escape at all, one line per device, whatever NO_COLOR says.
    let out = sshtriage(&args).await;
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
    let row = out.stdout.lines().nth(1).expect("the device line");
    assert!(row.starts_with(&format!("{host}  -  ")), "{}", out.stdout);
    assert!(row.ends_with("ms)"), "{}", out.stdout);
    // Named by its address, the device shows it once: no address column.
    assert!(
        !out.stdout.lines().next().unwrap_or("").contains("address"),
        "{}",
        out.stdout
    );
}
