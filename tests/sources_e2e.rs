//! End to end from the files engineers already have: an Ansible inventory (group_vars,
//! ansible_network_os, become password) and an ssh_config (HostName, Port, User, IdentityFile)
//! drive a full `check` against simulated devices and a real sshd, all on loopback.

mod support;

use sshtriage::lab::{self, DeviceSpec, PromptStyle};
use std::process::Command;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};

async fn sshtriage(args: &[&str]) -> (i32, String, String) {
    let mut cmd = support::sshtriage_command(args);
    if args.contains(&"--ssh-config") {
        cmd.env_remove("SSHTRIAGE_NO_SSH_CONFIG");
    }
    let run = support::finish(cmd).await;
    (run.code, run.stdout, run.stderr)
}

#[tokio::test]
async fn ansible_inventory_and_ssh_config_drive_a_full_check() {
    let Some(bin) = require_sshd("ansible_inventory_and_ssh_config") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
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

    let user_key = dir.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    // ssh tries every IdentityFile in order, skipping one that is missing; so must we.
    let stranger_key = dir.path().join("stranger");
    keygen("ed25519", &stranger_key);
    let missing_key = dir.path().join("missing");
    std::fs::copy(
        dir.path().join("id_ed25519.pub"),
        dir.path().join("authorized_keys"),
    )
    .unwrap();
    let sshd = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\n",
            dir.path().display()
        ),
    );
    let me = Command::new("id").arg("-un").output().unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_owned();

    std::fs::create_dir_all(dir.path().join("group_vars")).unwrap();
    std::fs::write(
        dir.path().join("group_vars/routers.yml"),
        "ansible_network_os: cisco.ios.ios\nansible_user: admin\nansible_password: lab-pw\nansible_become_password: lab-enable\n",
    )
    .unwrap();
    let inventory = dir.path().join("hosts.yml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  children:\n    routers:\n      hosts:\n        r1:\n          ansible_host: 127.0.0.1\n          ansible_port: {}\n",
            router.addr.port()
        ),
    )
    .unwrap();
    let ssh_config = dir.path().join("ssh_config");
    std::fs::write(
        &ssh_config,
        format!(
            "Host r1\n  UserKnownHostsFile /dev/null\n\nHost lab-linux\n  HostName 127.0.0.1\n  Port {}\n  User {me}\n  IdentityFile {}\n  IdentityFile {}\n  IdentityFile {}\n  UserKnownHostsFile /dev/null\n",
            sshd.addr.port(),
            stranger_key.display(),
            missing_key.display(),
            user_key.display()
        ),
    )
    .unwrap();

    let (code, stdout, stderr) = sshtriage(&[
        "check",
        inventory.to_str().unwrap(),
        "--host",
        "lab-linux",
        "--ssh-config",
        ssh_config.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let devices = doc["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    let r1 = &devices[0];
    assert_eq!(r1["name"], "r1");
    assert_eq!(r1["reached"], "enable", "{r1:#}");
    assert_eq!(r1["privileged"], true);
    assert!(
        r1["profile"]
            .as_str()
            .unwrap()
            .starts_with("cisco_ios (as configured)"),
        "{}",
        r1["profile"]
    );
    let linux = &devices[1];
    assert_eq!(linux["name"], "lab-linux");
    assert_eq!(linux["port"], sshd.addr.port());
    assert_eq!(linux["reached"], "prompt", "{linux:#}");
    let auth = linux["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "auth")
        .expect("auth ran");
    let listed = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(dir.path().join("id_ed25519.pub"))
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let fingerprint = listed.split_whitespace().nth(1).expect("a fingerprint");
    assert!(
        auth["detail"]
            .as_str()
            .is_some_and(|d| d.contains(user_key.to_str().unwrap()) && d.contains(fingerprint)),
        "logged in with the third IdentityFile ({fingerprint}): {auth:#}"
    );
    assert!(!stdout.contains("lab-pw") && !stdout.contains("lab-enable"));

    let (code, stdout, _) = sshtriage(&[
        "inventory",
        inventory.to_str().unwrap(),
        "--host",
        "lab-linux",
        "--ssh-config",
        ssh_config.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let r1 = &doc["devices"][0];
    assert_eq!(r1["profile"], "cisco_ios");
    assert_eq!(
        r1["credentials"],
        serde_json::json!(["password", "enable secret"])
    );
    assert!(
        r1["sources"]["username"]
            .as_str()
            .unwrap()
            .contains("routers.yml:2"),
        "{:#}",
        r1["sources"]
    );
    assert!(!stdout.contains("lab-pw"));
    let linux = &doc["devices"][1];
    assert_eq!(linux["host"], "127.0.0.1");
    assert_eq!(linux["key_file"], stranger_key.to_str().unwrap());
    assert_eq!(
        linux["more_key_files"],
        serde_json::json!([missing_key.to_str().unwrap(), user_key.to_str().unwrap()])
    );
    assert!(
        linux["sources"]["port"]
            .as_str()
            .unwrap()
            .contains("ssh_config:6"),
        "{:#}",
        linux["sources"]
    );
}

#[tokio::test]
async fn inventory_defaults_override_containerlab_kind_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = dir.path().join("mine.toml");
    // SAFETY: unique variable.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_LAB_PW", "my-lab-pw") };
    std::fs::write(
        &defaults,
        "[defaults]\nusername = \"ops\"\npassword_env = \"SSHTRIAGE_TEST_LAB_PW\"\n",
    )
    .unwrap();
    let lab = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sources/clab/clab-mylab"
    );
    let (code, stdout, stderr) = sshtriage(&[
        "inventory",
        defaults.to_str().unwrap(),
        lab,
        "--no-ssh-config",
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let srl = doc["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "srl1")
        .expect("srl1 from the lab");
    assert_eq!(
        srl["username"], "ops",
        "the user's default replaces Containerlab's: {srl:#}"
    );
    assert!(
        srl["sources"]["username"]
            .as_str()
            .unwrap()
            .contains("mine.toml"),
        "{srl:#}"
    );
    assert!(!stdout.contains("my-lab-pw"));
}

/// ansible.cfg's `[persistent_connection]` waits reach the devices that set no variable of
/// their own: connect_timeout bounds the prompt, command_timeout the escalation; a host's
/// `ansible_command_timeout` wins over the file. `inventory` says where each was set.
#[tokio::test]
async fn ansible_cfg_persistent_connection_timeouts_bound_prompt_and_enable() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("ansible.cfg");
    std::fs::write(
        &cfg,
        "[defaults]\nforks = 5\n\n[persistent_connection]\nconnect_timeout = 60\ncommand_timeout = 90\n",
    )
    .unwrap();
    let inventory = dir.path().join("hosts.ini");
    std::fs::write(
        &inventory,
        "[routers]\nr1 ansible_host=127.0.0.1\nr2 ansible_host=127.0.0.2 ansible_command_timeout=15\n",
    )
    .unwrap();
    let mut cmd = support::sshtriage_command(&["inventory", inventory.to_str().unwrap(), "--json"]);
    cmd.env("ANSIBLE_CONFIG", &cfg);
    let run = support::finish(cmd).await;
    assert_eq!(run.code, 0, "{}", run.text());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let timeouts = |i: usize| doc["devices"][i]["timeouts"].clone();
    let r1 = timeouts(0);
    assert_eq!(r1["prompt"]["ms"], 60_000, "{r1}");
    assert_eq!(
        r1["prompt"]["setting"],
        "[persistent_connection] connect_timeout"
    );
    assert!(
        r1["prompt"]["source"]
            .as_str()
            .unwrap()
            .ends_with("ansible.cfg:5"),
        "{r1}"
    );
    assert_eq!(r1["enable"]["ms"], 90_000, "{r1}");
    let r2 = timeouts(1);
    assert_eq!(r2["enable"]["ms"], 15_000, "{r2}");
    assert_eq!(r2["enable"]["setting"], "ansible_command_timeout");
    assert!(r1.get("banner").is_none(), "{r1}");
}
