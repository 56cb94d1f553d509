//! Canary secrets used as password, enable secret and key passphrase never appear in any output
//! of the real binary (human, JSON, warnings), even when the device echoes them.

mod support;

use russh::keys::ssh_key::PublicKey;
use sshtriage::lab::{self, AuthMethod, DeviceSpec, PromptStyle};

const PASSWORD: &str = "CANARY-pw-5150";
const ENABLE: &str = "CANARY-en-5150";
const PASSPHRASE: &str = "CANARY-pp-5150";

async fn run_binary(args: &[&str]) -> (i32, String, String) {
    let run = support::sshtriage(args).await;
    (run.code, run.stdout, run.stderr)
}

fn assert_clean(what: &str, text: &str) {
    for canary in [PASSWORD, ENABLE, PASSPHRASE, "CANARY"] {
        assert!(!text.contains(canary), "{what} leaks {canary}:\n{text}");
    }
}

#[tokio::test]
async fn canaries_never_leave_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("id_canary");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", PASSPHRASE, "-f"])
        .arg(&key_path)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let public = PublicKey::from_openssh(
        &std::fs::read_to_string(dir.path().join("id_canary.pub")).unwrap(),
    )
    .unwrap();

    // A device that echoes the enable secret, logging in by password.
    let mut echoing = DeviceSpec::new(
        "echo1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    echoing.password = Some(PASSWORD.into());
    echoing.enable_secret = Some(ENABLE.into());
    echoing.echo_enable_secret = true;
    let echoing = lab::spawn_device(echoing, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // The same device with a different enable secret: the wrong one is echoed in a failure.
    let mut wrong = DeviceSpec::new(
        "echo2",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    wrong.password = Some(PASSWORD.into());
    wrong.enable_secret = Some("something-else".into());
    wrong.echo_enable_secret = true;
    let wrong = lab::spawn_device(wrong, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // Publickey only, with an encrypted key.
    let mut keyed = DeviceSpec::new(
        "key1",
        PromptStyle::Linux,
        lab::generate_ed25519_host_key().unwrap(),
    );
    keyed.auth_methods = vec![AuthMethod::PublicKey];
    keyed.authorized_keys = vec![public];
    let keyed = lab::spawn_device(keyed, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // Wrong passphrase file: wrong_passphrase must not echo it either.
    let bad_pp = dir.path().join("bad.pp");
    std::fs::write(&bad_pp, "CANARY-wrong-passphrase\n").unwrap();

    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[defaults]\nusername = \"admin\"\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n\
             password = \"{PASSWORD}\"\nenable_secret = \"{ENABLE}\"\n\
             [[device]]\nname = \"echo1\"\nhost = \"127.0.0.1\"\nport = {}\n\
             [[device]]\nname = \"echo2\"\nhost = \"127.0.0.1\"\nport = {}\n\
             [[device]]\nname = \"key1\"\nhost = \"127.0.0.1\"\nport = {}\nkey_file = \"{}\"\npassphrase = \"{PASSPHRASE}\"\n\
             [[device]]\nname = \"key2\"\nhost = \"127.0.0.1\"\nport = {}\nkey_file = \"{}\"\npassphrase_file = \"{}\"\n",
            echoing.addr.port(),
            wrong.addr.port(),
            keyed.addr.port(),
            key_path.display(),
            keyed.addr.port(),
            key_path.display(),
            bad_pp.display(),
        ),
    )
    .unwrap();
    let inv = inventory.to_str().unwrap();

    let (code, stdout, stderr) = run_binary(&["check", inv, "--json"]).await;
    assert_eq!(code, 1, "echo2 and key2 fail: {stdout}\n{stderr}");
    assert_clean("JSON", &stdout);
    assert_clean("stderr", &stderr);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let devices = doc["devices"].as_array().unwrap();
    assert_eq!(
        devices[0]["failure"],
        serde_json::Value::Null,
        "{:#}",
        devices[0]
    );
    assert_eq!(devices[0]["privileged"], true);
    assert_eq!(devices[1]["failure"]["reason"], "bad_secret");
    assert_eq!(
        devices[2]["failure"],
        serde_json::Value::Null,
        "{:#}",
        devices[2]
    );
    assert_eq!(devices[3]["failure"]["reason"], "wrong_passphrase");
    // The echo really happened, and was masked.
    let transcript = devices[0]["transcript"].to_string();
    assert!(transcript.contains("********"), "{transcript}");
    assert!(
        stderr.contains("plaintext `password`"),
        "the plaintext warning names the key: {stderr}"
    );

    let (_, stdout, stderr) = run_binary(&["check", inv]).await;
    assert_clean("human output", &stdout);
    assert_clean("stderr", &stderr);
    assert!(stdout.contains("bad_secret"), "{stdout}");
}

/// Every piece of `secret` of four characters or more.
fn pieces(secret: &str) -> Vec<&str> {
    (0..secret.len())
        .flat_map(|start| (start + 4..=secret.len()).map(move |end| &secret[start..end]))
        .collect()
}

/// A device that echoes the enable secret one byte per packet, or in two halves in two
/// packets: no piece of it reaches the JSON (transcript included) or the human output.
#[tokio::test]
async fn secrets_echoed_in_pieces_are_masked_whole() {
    const SECRET: &str = "Qz9kW7mXvT";
    let mut devices = Vec::new();
    for (name, packet, right) in [("bytes", 1, true), ("halves", SECRET.len() / 2, false)] {
        let mut spec = DeviceSpec::new(
            name,
            PromptStyle::Ios,
            lab::generate_ed25519_host_key().unwrap(),
        );
        spec.password = Some("admin-pw-1".into());
        // The second device expects another secret: ours is echoed, then refused.
        spec.enable_secret = Some(if right { SECRET } else { "other-secret" }.into());
        spec.echo_enable_secret = true;
        spec.output_packet_bytes = Some(packet);
        devices.push(
            lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[defaults]\nusername = \"admin\"\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n\
             password = \"admin-pw-1\"\nenable_secret = \"{SECRET}\"\n\
             [[device]]\nname = \"bytes\"\nhost = \"127.0.0.1\"\nport = {}\n\
             [[device]]\nname = \"halves\"\nhost = \"127.0.0.1\"\nport = {}\n",
            devices[0].addr.port(),
            devices[1].addr.port(),
        ),
    )
    .unwrap();
    let inv = inventory.to_str().unwrap();
    let (code, stdout, stderr) = run_binary(&["check", inv, "--json"]).await;
    assert_eq!(code, 1, "halves fails at enable: {stdout}\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let reports = doc["devices"].as_array().unwrap();
    assert_eq!(reports[0]["privileged"], true, "{:#}", reports[0]);
    assert_eq!(reports[1]["failure"]["reason"], "bad_secret");
    for piece in pieces(SECRET) {
        assert!(!stdout.contains(piece), "JSON leaks {piece:?}:\n{stdout}");
        assert!(!stderr.contains(piece), "stderr leaks {piece:?}");
    }
    for report in reports {
        let transcript = report["transcript"].to_string();
        assert!(
            transcript.contains("the echo is not shown"),
            "the echo happened and is said to be dropped: {transcript}"
        );
        // The prompts around the secret are still there.
        assert!(transcript.contains("Password:"), "{transcript}");
    }
    let (_, human, _) = run_binary(&["check", inv]).await;
    for piece in pieces(SECRET) {
        assert!(
            !human.contains(piece),
            "human output leaks {piece:?}:\n{human}"
        );
    }
}
