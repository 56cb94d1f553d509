//! End to end from the files Nornir, NetPulse and Netmiko users already have: each drives a
//! `check --json` against a real sshd (a password login as the test account) and a simulated
//! IOS device (password, then enable), all on loopback; `inventory --json` says where each
//! value came from. The client of each device is the tool's (Netmiko, Paramiko).

mod support;

use sshtriage::lab::{self, DeviceSpec, PromptStyle};
use support::sshd::{Flavour, Sshd, require_sshd};

/// The password tests need a local account with a known password; .ci/run creates one.
fn test_account(test: &str) -> Option<(String, String)> {
    match (
        std::env::var("SSHTRIAGE_TEST_USER"),
        std::env::var("SSHTRIAGE_TEST_PASSWORD"),
    ) {
        (Ok(u), Ok(p)) => Some((u, p)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{test}: CI must provide SSHTRIAGE_TEST_USER/PASSWORD (.ci/run creates them)")
        }
        _ => {
            eprintln!(
                "SKIP {test}: set SSHTRIAGE_TEST_USER and SSHTRIAGE_TEST_PASSWORD (see .ci/run)"
            );
            None
        }
    }
}

/// A real sshd taking passwords and a simulated IOS router (admin / lab-pw, enable lab-enable).
struct Peers {
    sshd: Sshd,
    router: lab::RunningDevice,
    user: String,
    password: String,
}

async fn peers(test: &str) -> Option<Peers> {
    let bin = require_sshd(test)?;
    let (user, password) = test_account(test)?;
    let sshd = Sshd::start(&bin, Flavour::Modern, "PasswordAuthentication yes\n");
    let mut spec = DeviceSpec::new(
        "r1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    spec.password = Some("lab-pw".into());
    spec.enable_secret = Some("lab-enable".into());
    let router = lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Some(Peers {
        sshd,
        router,
        user,
        password,
    })
}

/// `[defaults]` every source's devices take where their file said nothing: no known_hosts
/// of this machine (a stale entry must not decide a test), and the test account's password
/// from the environment, as the warnings about `{{ lookup('env', …) }}` advise.
fn defaults(dir: &std::path::Path, password: &str) -> std::path::PathBuf {
    // SAFETY: tests in this file set this variable to the same value.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_TOOLS_PW", password) };
    let path = dir.join("mine.toml");
    std::fs::write(
        &path,
        "[defaults]\nknown_hosts = [\"/dev/null\"]\npassword_env = \"SSHTRIAGE_TEST_TOOLS_PW\"\n",
    )
    .unwrap();
    path
}

async fn run(args: &[&str]) -> (serde_json::Value, String) {
    let out = support::sshtriage(args).await;
    let doc = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.text()));
    (doc, out.text())
}

fn device<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {doc:#}"))
}

/// The linux server reached its prompt on the test account's password, the router its
/// privileged prompt through enable; the client is the tool's.
fn assert_reached(
    doc: &serde_json::Value,
    (server, router): (&str, &str),
    clients: [&str; 2],
    by: &str,
) {
    let s = device(doc, server);
    assert_eq!(s["reached"], "prompt", "{s:#}");
    let auth = s["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["stage"] == "auth")
        .expect("auth ran");
    assert!(
        auth["detail"].as_str().unwrap_or("").contains("password"),
        "{auth:#}"
    );
    let r = device(doc, router);
    assert_eq!(r["reached"], "enable", "{r:#}");
    assert_eq!(r["privileged"], true, "{r:#}");
    for (d, client) in [s, r].into_iter().zip(clients) {
        assert_eq!(d["client"]["kind"], client, "{d:#}");
        assert_eq!(d["client"]["used_by"], by, "{d:#}");
    }
}

fn assert_no_secrets(text: &str, peers: &Peers) {
    for secret in ["lab-pw", "lab-enable", peers.password.as_str()] {
        assert!(!text.contains(secret), "a secret was printed:\n{text}");
    }
}

#[tokio::test]
async fn a_nornir_inventory_reaches_auth_and_prompt() {
    let Some(p) = peers("nornir_inventory").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts.yaml");
    std::fs::write(
        &hosts,
        format!(
            "linux1:\n  hostname: 127.0.0.1\n  port: {}\n  groups: [servers]\n\
             r1:\n  hostname: 127.0.0.1\n  port: {}\n  groups: [routers]\n",
            p.sshd.addr.port(),
            p.router.addr.port()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("groups.yaml"),
        format!(
            "servers:\n  platform: linux\n  username: {}\n  password: \"{{{{ lookup('env', 'SSHTRIAGE_TEST_TOOLS_PW') }}}}\"\n\
             routers:\n  platform: ios\n  password: lab-pw\n  connection_options:\n    netmiko:\n      extras:\n        secret: lab-enable\n",
            p.user
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("defaults.yaml"), "username: admin\n").unwrap();
    let mine = defaults(dir.path(), &p.password);
    let (mine, hosts) = (mine.to_str().unwrap(), hosts.to_str().unwrap());

    let (doc, text) = run(&["check", mine, hosts, "--no-ssh-config", "--json"]).await;
    assert_reached(&doc, ("linux1", "r1"), ["netmiko"; 2], "your Nornir tasks");
    assert_no_secrets(&text, &p);

    let out = support::sshtriage(&["inventory", mine, hosts, "--no-ssh-config", "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stderr
            .contains("reads environment variable SSHTRIAGE_TEST_TOOLS_PW through Jinja"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let r1 = device(&doc, "r1");
    let src = |d: &serde_json::Value, f: &str| d["sources"][f].as_str().unwrap_or("").to_owned();
    assert!(
        src(r1, "enable_secret").ends_with("groups.yaml:11"),
        "{r1:#}"
    );
    assert!(src(r1, "profile").ends_with("groups.yaml:6"), "{r1:#}");
    assert!(src(r1, "username").ends_with("defaults.yaml:1"), "{r1:#}");
    assert_eq!(r1["profile"], "cisco_ios");
    let linux = device(&doc, "linux1");
    assert!(src(linux, "password").contains("mine.toml:"), "{linux:#}");
    assert!(src(linux, "port").ends_with("hosts.yaml:3"), "{linux:#}");
    assert_no_secrets(&out.text(), &p);
}

#[tokio::test]
async fn netpulse_requests_reach_auth_and_prompt() {
    let Some(p) = peers("netpulse_requests").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let requests = dir.path().join("requests.json");
    std::fs::write(
        &requests,
        format!(
            r#"[
  {{
    "driver": "paramiko",
    "connection_args": {{
      "host": "127.0.0.1",
      "port": {},
      "username": "{}",
      "look_for_keys": false,
      "timeout": 15,
      "host_key_policy": "auto_add"
    }},
    "command": "uname -a"
  }},
  {{
    "driver": "netmiko",
    "connection_args": {{
      "device_type": "cisco_ios",
      "host": "127.0.0.1",
      "port": {},
      "username": "admin",
      "password": "lab-pw",
      "secret": "lab-enable"
    }},
    "command": "show version"
  }}
]
"#,
            p.sshd.addr.port(),
            p.user,
            p.router.addr.port()
        ),
    )
    .unwrap();
    let mine = defaults(dir.path(), &p.password);
    let (mine, requests) = (mine.to_str().unwrap(), requests.to_str().unwrap());
    let (doc, text) = run(&["check", mine, requests, "--no-ssh-config", "--json"]).await;
    // Each request's driver is its client.
    assert_reached(
        &doc,
        ("127.0.0.1", "127.0.0.1#2"),
        ["paramiko", "netmiko"],
        "your NetPulse workers",
    );
    assert_no_secrets(&text, &p);

    let out = support::sshtriage(&["inventory", mine, requests, "--no-ssh-config"]).await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stdout.contains("tcp 15s (timeout, ") && out.stdout.contains("requests.json:9)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("client       paramiko, used by your NetPulse workers"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("enable secret (") && out.stdout.contains("requests.json:22)"),
        "{}",
        out.stdout
    );
    assert_no_secrets(&out.text(), &p);
}

#[tokio::test]
async fn a_netmiko_list_reaches_auth_and_prompt() {
    let Some(p) = peers("netmiko_list").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let devices = dir.path().join("devices.yml");
    std::fs::write(
        &devices,
        format!(
            "- device_type: linux\n  host: 127.0.0.1\n  port: {}\n  username: {}\n  password: ${{SSHTRIAGE_TEST_TOOLS_PW}}\n  conn_timeout: 12\n\
             - device_type: cisco_ios\n  ip: 127.0.0.1\n  port: {}\n  username: admin\n  password: lab-pw\n  secret: lab-enable\n  fast_cli: false\n",
            p.sshd.addr.port(),
            p.user,
            p.router.addr.port()
        ),
    )
    .unwrap();
    let mine = defaults(dir.path(), &p.password);
    let (mine, devices) = (mine.to_str().unwrap(), devices.to_str().unwrap());
    let (doc, text) = run(&["check", mine, devices, "--no-ssh-config", "--json"]).await;
    assert_reached(
        &doc,
        ("127.0.0.1", "127.0.0.1#2"),
        ["netmiko"; 2],
        "your Netmiko scripts",
    );
    assert_no_secrets(&text, &p);

    let out = support::sshtriage(&["inventory", mine, devices, "--no-ssh-config", "--json"]).await;
    assert!(
        out.stderr
            .contains("names environment variable SSHTRIAGE_TEST_TOOLS_PW"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let server = device(&doc, "127.0.0.1");
    // conn_timeout is the limit of the TCP connect.
    assert_eq!(server["timeouts"]["tcp"]["ms"], 12_000, "{server:#}");
    assert_eq!(server["timeouts"]["tcp"]["setting"], "conn_timeout");
    assert!(
        server["timeouts"]["tcp"]["source"]
            .as_str()
            .unwrap()
            .ends_with("devices.yml:6"),
        "{server:#}"
    );
    assert_eq!(server["client"], "netmiko");
    assert_eq!(server["used_by"], "netmiko");
    let router = device(&doc, "127.0.0.1#2");
    assert!(
        router["sources"]["enable_secret"]
            .as_str()
            .unwrap()
            .ends_with("devices.yml:12"),
        "{router:#}"
    );
    assert_no_secrets(&out.text(), &p);
}
