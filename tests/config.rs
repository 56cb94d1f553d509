//! The config file with the real binary: each level of the precedence (command line >
//! environment > config file > built-in default), where the file is looked for, and its
//! errors with file:line.

mod support;

use sshtriage::lab::{self, Misbehaviour};
use std::path::Path;
use support::{Run, finish, sshtriage_command};

/// `sshtriage ARGS` with `$XDG_CONFIG_HOME` at `xdg` and the extra environment `env`.
async fn run(xdg: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = sshtriage_command(args);
    cmd.env("XDG_CONFIG_HOME", xdg);
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(cmd).await
}

fn write_config(xdg: &Path, text: &str) {
    let dir = xdg.join("sshtriage");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("config.toml"), text).expect("config");
}

/// The first line of stdout says which format was printed.
fn format_of(out: &Run) -> &'static str {
    let first = out.stdout.lines().next().unwrap_or("");
    match first {
        f if f.starts_with('{') => "json",
        f if f.starts_with("## ") => "markdown",
        f if f.starts_with("device,") => "csv",
        f if f.starts_with("device ") => "table",
        _ => panic!("no known format: {}", out.text()),
    }
}

#[tokio::test]
async fn command_line_beats_environment_beats_file_beats_default() {
    let xdg = tempfile::tempdir().expect("tempdir");
    let host = format!("127.0.0.1:{}", support::sshd::free_port());
    let check = ["check", "--host", host.as_str(), "--timeout", "2s"];
    // Built-in default.
    let out = run(xdg.path(), &[], &check).await;
    assert_eq!((out.code, format_of(&out)), (1, "table"), "{}", out.text());
    // The file.
    write_config(xdg.path(), "# mine\noutput = \"csv\"\n");
    let out = run(xdg.path(), &[], &check).await;
    assert_eq!((out.code, format_of(&out)), (1, "csv"), "{}", out.text());
    // The environment beats the file.
    let env = [("SSHTRIAGE_OUTPUT", "markdown")];
    let out = run(xdg.path(), &env, &check).await;
    assert_eq!(
        (out.code, format_of(&out)),
        (1, "markdown"),
        "{}",
        out.text()
    );
    // The command line beats both; --json is --output json.
    let mut args = check.to_vec();
    args.extend(["--output", "json"]);
    let out = run(xdg.path(), &env, &args).await;
    assert_eq!((out.code, format_of(&out)), (1, "json"), "{}", out.text());
    let mut args = check.to_vec();
    args.push("--json");
    let out = run(xdg.path(), &env, &args).await;
    assert_eq!(format_of(&out), "json", "{}", out.text());

    // A boolean: the file turns JSON on, the environment off again.
    write_config(xdg.path(), "json = true\n");
    let out = run(xdg.path(), &[], &check).await;
    assert_eq!(format_of(&out), "json", "{}", out.text());
    let out = run(xdg.path(), &[("SSHTRIAGE_JSON", "off")], &check).await;
    assert_eq!(format_of(&out), "table", "{}", out.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timeout_comes_from_the_closest_place_that_sets_it() {
    let tarpit = lab::spawn_misbehaving(Misbehaviour::Tarpit, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("tarpit");
    let xdg = tempfile::tempdir().expect("tempdir");
    write_config(xdg.path(), "timeout = \"1s\"\n");
    let host = format!("127.0.0.1:{}", tarpit.addr.port());
    let banner_wait = |out: &Run| {
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains("FAIL banner/timeout"))
            .unwrap_or_else(|| panic!("no banner timeout: {}", out.text()))
            .to_owned();
        line.split("no SSH banner within ")
            .nth(1)
            .and_then(|rest| rest.split([':', '(']).next())
            .map(str::trim)
            .unwrap_or_else(|| panic!("{line}"))
            .to_owned()
    };
    let out = run(xdg.path(), &[], &["check", "--host", &host]).await;
    assert_eq!(banner_wait(&out), "1s");
    let env = [("SSHTRIAGE_TIMEOUT", "2s")];
    let out = run(xdg.path(), &env, &["check", "--host", &host]).await;
    assert_eq!(banner_wait(&out), "2s");
    let out = run(
        xdg.path(),
        &env,
        &["check", "--host", &host, "--timeout", "1500ms"],
    )
    .await;
    assert_eq!(banner_wait(&out), "1s 500ms");
}

#[tokio::test]
async fn the_command_line_ssh_config_beats_no_ssh_config_from_the_file() {
    let xdg = tempfile::tempdir().expect("tempdir");
    let ssh_config = xdg.path().join("ssh_config");
    std::fs::write(&ssh_config, "Host r1\n  HostName 127.0.0.1\n  Port 2299\n").expect("write");
    let port_of = |out: &Run| {
        let doc: serde_json::Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.text()));
        doc["devices"][0]["port"].as_u64()
    };
    let inventory = ["inventory", "--json", "--host", "r1"];
    // The support turns ssh_config off through the environment; the file does it here.
    let mut cmd = sshtriage_command(&inventory);
    cmd.env("XDG_CONFIG_HOME", xdg.path())
        .env_remove("SSHTRIAGE_NO_SSH_CONFIG")
        .env("HOME", xdg.path());
    write_config(
        xdg.path(),
        &format!("ssh_config = \"{}\"\n", ssh_config.display()),
    );
    let out = finish(cmd).await;
    assert_eq!(port_of(&out), Some(2299), "the file's ssh_config applies");
    write_config(xdg.path(), "no_ssh_config = true\n");
    let mut cmd = sshtriage_command(&inventory);
    cmd.env("XDG_CONFIG_HOME", xdg.path())
        .env_remove("SSHTRIAGE_NO_SSH_CONFIG")
        .env("HOME", xdg.path());
    let out = finish(cmd).await;
    assert_eq!(port_of(&out), Some(22), "{}", out.text());
    let mut args = inventory.to_vec();
    let path = ssh_config.display().to_string();
    args.extend(["--ssh-config", &path]);
    let mut cmd = sshtriage_command(&args);
    cmd.env("XDG_CONFIG_HOME", xdg.path())
        .env_remove("SSHTRIAGE_NO_SSH_CONFIG")
        .env("HOME", xdg.path());
    let out = finish(cmd).await;
    assert_eq!(port_of(&out), Some(2299), "{}", out.text());
}

#[tokio::test]
async fn the_file_is_found_where_it_is_said_to_be() {
    let home = tempfile::tempdir().expect("tempdir");
    let host = format!("127.0.0.1:{}", support::sshd::free_port());
    let check = ["check", "--host", host.as_str(), "--timeout", "2s"];
    // ~/.config when XDG_CONFIG_HOME is not set.
    write_config(&home.path().join(".config"), "output = \"csv\"\n");
    let mut cmd = sshtriage_command(&check);
    cmd.env_remove("XDG_CONFIG_HOME").env("HOME", home.path());
    let out = finish(cmd).await;
    assert_eq!(format_of(&out), "csv", "{}", out.text());
    // --config FILE (anywhere on the line) and SSHTRIAGE_CONFIG name another file.
    let other = home.path().join("other.toml");
    std::fs::write(&other, "output = \"markdown\"\n").expect("write");
    let other = other.display().to_string();
    let mut args = check.to_vec();
    args.extend(["--config", &other]);
    let mut cmd = sshtriage_command(&args);
    cmd.env_remove("XDG_CONFIG_HOME").env("HOME", home.path());
    let out = finish(cmd).await;
    assert_eq!(format_of(&out), "markdown", "{}", out.text());
    let mut cmd = sshtriage_command(&check);
    cmd.env("SSHTRIAGE_CONFIG", &other).env("HOME", home.path());
    let out = finish(cmd).await;
    assert_eq!(format_of(&out), "markdown", "{}", out.text());
    // A file named but missing is an error; the default place may be empty.
    let mut args = check.to_vec();
    args.extend(["--config", "/nonexistent/sshtriage.toml"]);
    let out = finish(sshtriage_command(&args)).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr
            .contains("/nonexistent/sshtriage.toml: no such file"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn mistakes_in_the_file_are_usage_errors_with_file_and_line() {
    let xdg = tempfile::tempdir().expect("tempdir");
    let file = xdg.path().join("sshtriage/config.toml");
    write_config(xdg.path(), "timeout = \"5s\"\ncolour = true\n");
    let out = run(xdg.path(), &[], &["check", "--host", "127.0.0.1:1"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr
            .contains(&format!("{}:2: colour: unknown key", file.display())),
        "{}",
        out.stderr
    );
    write_config(xdg.path(), "\n\ntrust_changed_host_keys = true\n");
    let out = run(xdg.path(), &[], &["check", "--host", "127.0.0.1:1"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr.contains(&format!(
            "{}:3: trust_changed_host_keys: cannot be set in a config file",
            file.display()
        )),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn help_states_the_precedence() {
    let xdg = tempfile::tempdir().expect("tempdir");
    for args in [
        &["--help"][..],
        &["check", "--help"][..],
        &["wait", "--help"][..],
    ] {
        let out = run(xdg.path(), &[], args).await;
        assert_eq!(out.code, 0, "{}", out.text());
        assert!(
            out.stdout.contains(
                "Precedence: command line > environment > config file > built-in default"
            ),
            "{args:?}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("--config <FILE>"), "{}", out.stdout);
    }
}
