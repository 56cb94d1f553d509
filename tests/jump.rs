//! Jump hosts: a real sshd on loopback as the bastion, simulated devices reached only through
//! its direct-tcpip channels; failures attributed to the right hop.

mod support;

use sshtriage::engine::{self, Settings};
use sshtriage::lab::{self, AlgorithmSpec, DeviceSpec, PromptStyle};
use sshtriage::model::Stage;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use support::*;

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn run(inventory: &str) -> Vec<sshtriage::model::DeviceReport> {
    let list = devices(inventory);
    let shared = Arc::new(engine::Shared {
        jumps: engine::jump::JumpPool::new(&list).expect("jump pool"),
        ..engine::Shared::new(Settings::default())
    });
    tokio::time::timeout(
        Duration::from_secs(60),
        engine::run_all(&list, shared, None),
    )
    .await
    .expect("bounded")
}

#[tokio::test]
async fn devices_behind_a_bastion() {
    let Some(bin) = require_sshd("devices_behind_a_bastion") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let user_key = dir.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    std::fs::copy(
        dir.path().join("id_ed25519.pub"),
        dir.path().join("authorized_keys"),
    )
    .unwrap();
    let bastion = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!(
            "AuthorizedKeysFile {}/authorized_keys\nAllowTcpForwarding yes\nLogLevel DEBUG1\n",
            dir.path().display()
        ),
    );
    let healthy = lab::spawn_device(
        DeviceSpec::new(
            "r1",
            PromptStyle::Ios,
            lab::generate_ed25519_host_key().unwrap(),
        ),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut legacy_spec = DeviceSpec::new(
        "old1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    legacy_spec.algorithms = Some(AlgorithmSpec {
        kex: vec!["diffie-hellman-group14-sha1".into()],
        host_key: vec!["ssh-ed25519".into()],
        cipher: vec!["aes128-ctr".into()],
        mac: vec!["hmac-sha2-256".into()],
    });
    let legacy = lab::spawn_device(legacy_spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // SAFETY: unique variable.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_JUMP_PW", "admin") };
    let inventory = format!(
        "[defaults]\ntimeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\n\
         [[device]]\nname = \"bastion\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{}\"\nkey_file = \"{}\"\n\
         [[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\npassword_env = \"SSHTRIAGE_TEST_JUMP_PW\"\njump = \"bastion\"\n\
         [[device]]\nname = \"old1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\npassword_env = \"SSHTRIAGE_TEST_JUMP_PW\"\njump = \"bastion\"\n",
        bastion.addr.port(),
        whoami(),
        user_key.display(),
        healthy.addr.port(),
        legacy.addr.port()
    );
    let reports = run(&inventory).await;
    let (bastion_row, r1, old1) = (&reports[0], &reports[1], &reports[2]);
    assert_ok_through(bastion_row, Stage::Prompt);
    assert_ok_through(r1, Stage::Enable);
    assert_eq!(r1.via.as_deref(), Some("bastion"));
    assert_eq!(
        r1.result(Stage::Dns).unwrap().reason.as_deref(),
        Some("via_jump")
    );
    assert!(
        r1.result(Stage::Tcp)
            .unwrap()
            .detail
            .contains("through bastion")
    );
    assert_failure(old1, Stage::Kex, "no_common_kex");
    assert_eq!(old1.via.as_deref(), Some("bastion"));
    // Both targets were reached through the bastion's forwarding, on one bastion session
    // plus the bastion's own row.
    let log = bastion.log_when(|l| l.matches("server_request_direct_tcpip").count() >= 2);
    let forwarded = log.matches("server_request_direct_tcpip").count();
    assert_eq!(forwarded, 2, "direct-tcpip requests in sshd's log:\n{log}");
    assert_eq!(healthy.counters.snapshot().connections, 1);
    assert_eq!(legacy.counters.snapshot().connections, 1);
}

#[tokio::test]
async fn a_failing_bastion_is_named_as_the_cause() {
    let Some(bin) = require_sshd("a_failing_bastion_is_named_as_the_cause") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger");
    keygen("ed25519", &stranger);
    let bastion = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!("AuthorizedKeysFile {}/none\n", dir.path().display()),
    );
    let target = lab::spawn_device(
        DeviceSpec::new(
            "r2",
            PromptStyle::Ios,
            lab::generate_ed25519_host_key().unwrap(),
        ),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let inventory = format!(
        "[[device]]\nname = \"r2\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{}\"\nkey_file = \"{}\"\n\
         timeout = \"5s\"\nknown_hosts = [\"/dev/null\"]\njump = \"{}@127.0.0.1:{}\"\n",
        target.addr.port(),
        whoami(),
        stranger.display(),
        whoami(),
        bastion.addr.port()
    );
    let reports = run(&inventory).await;
    assert_failure(&reports[0], Stage::Tcp, "jump_failed");
    let message = &reports[0].failure.as_ref().unwrap().message;
    assert!(message.contains("auth rejected"), "{message}");
    assert_eq!(
        target.counters.snapshot().connections,
        0,
        "the target was never reached"
    );
}

#[test]
fn jump_loops_are_refused() {
    let list = devices(
        "[[device]]\nname = \"a\"\nhost = \"127.0.0.1\"\njump = \"b\"\n[[device]]\nname = \"b\"\nhost = \"127.0.0.1\"\njump = \"a\"\n",
    );
    let err = engine::jump::JumpPool::new(&list)
        .err()
        .expect("a loop is an error");
    assert!(err.contains("loop"), "{err}");
}
