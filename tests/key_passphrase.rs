//! A wrong key passphrase is said as such (issue 14 item 10): keys encrypted by the real
//! ssh-keygen in each format it writes, against the simulated device, with the right
//! passphrase (the key logs in) and a wrong one (`wrong_passphrase`, never the passphrase).

mod support;

use russh::keys::ssh_key::PublicKey;
use sshtriage::lab::{self, AuthMethod, DeviceSpec, PromptStyle};
use sshtriage::model::Stage;
use std::path::Path;

const RIGHT: &str = "right horse battery";
const WRONG: &str = "WRONG-pp-7731";

/// `ssh-keygen -t TYPE [-m FORMAT] -N RIGHT`; None when ssh-keygen is missing.
fn keygen(dir: &Path, name: &str, args: &[&str]) -> Option<(String, PublicKey)> {
    let path = dir.join(name);
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-N", RIGHT, "-C", name])
        .args(args)
        .arg("-f")
        .arg(&path)
        .status()
        .ok()?;
    assert!(status.success(), "ssh-keygen {args:?}");
    let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
    Some((
        path.to_str().unwrap().to_owned(),
        PublicKey::from_openssh(&public).unwrap(),
    ))
}

#[tokio::test]
async fn a_wrong_passphrase_is_named_for_every_key_format() {
    let dir = tempfile::tempdir().unwrap();
    let formats: [(&str, &[&str]); 4] = [
        ("ed25519_openssh", &["-t", "ed25519"]),
        ("rsa_pem", &["-t", "rsa", "-b", "2048", "-m", "PEM"]),
        ("ecdsa_openssh", &["-t", "ecdsa", "-b", "256"]),
        ("ecdsa_pkcs8", &["-t", "ecdsa", "-b", "256", "-m", "PKCS8"]),
    ];
    let mut keys = Vec::new();
    for (name, args) in formats {
        match keygen(dir.path(), name, args) {
            Some(key) => keys.push((name, key)),
            None => {
                eprintln!("SKIP: ssh-keygen is not available");
                return;
            }
        }
    }
    let mut spec = DeviceSpec::new(
        "k1",
        PromptStyle::Linux,
        lab::generate_ed25519_host_key().unwrap(),
    );
    spec.auth_methods = vec![AuthMethod::PublicKey];
    spec.authorized_keys = keys.iter().map(|(_, (_, public))| public.clone()).collect();
    let device = lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let right = dir.path().join("right.pp");
    std::fs::write(&right, format!("{RIGHT}\n")).unwrap();
    let wrong = dir.path().join("wrong.pp");
    std::fs::write(&wrong, format!("{WRONG}\n")).unwrap();
    let mut toml = String::from(
        "[defaults]\nusername = \"admin\"\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n",
    );
    for (name, (path, _)) in &keys {
        for (which, pp) in [("right", &right), ("wrong", &wrong)] {
            toml.push_str(&format!(
                "[[device]]\nname = \"{name}-{which}\"\nhost = \"127.0.0.1\"\nport = {}\n\
                 key_file = \"{path}\"\npassphrase_file = \"{}\"\n",
                device.addr.port(),
                pp.display()
            ));
        }
    }
    let inventory = dir.path().join("lab.toml");
    std::fs::write(&inventory, toml).unwrap();

    let run = support::sshtriage(&["check", inventory.to_str().unwrap(), "--json"]).await;
    assert_eq!(run.code, 1, "the wrong ones fail: {}", run.text());
    assert!(!run.text().contains(WRONG) && !run.text().contains(RIGHT));
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for report in doc["devices"].as_array().unwrap() {
        let name = report["name"].as_str().unwrap();
        if name.ends_with("-right") {
            assert_eq!(report["failure"], serde_json::Value::Null, "{report:#}");
            continue;
        }
        let failure = &report["failure"];
        assert_eq!(failure["stage"], Stage::Auth.name(), "{name}: {failure:#}");
        assert_eq!(failure["reason"], "wrong_passphrase", "{name}: {failure:#}");
        let message = failure["message"].as_str().unwrap();
        assert!(message.contains("wrong passphrase"), "{name}: {message}");
        assert!(
            !message.contains("cryptographic error"),
            "{name}: {message}"
        );
    }

    // A key file that is not encrypted but broken is not called a wrong passphrase.
    let plain = dir.path().join("plain");
    std::fs::write(&plain, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all\n-----END OPENSSH PRIVATE KEY-----\n").unwrap();
    let inventory = dir.path().join("corrupt.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[device]]\nname = \"c\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
             timeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\nkey_file = \"{}\"\npassphrase_file = \"{}\"\n",
            device.addr.port(),
            plain.display(),
            wrong.display()
        ),
    )
    .unwrap();
    let run = support::sshtriage(&["check", inventory.to_str().unwrap(), "--json"]).await;
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc["devices"][0]["failure"]["reason"], "key_unreadable",
        "{}",
        run.stdout
    );
}
