//! Transport stages against real OpenSSH servers on loopback.

mod support;

use sshtriage::model::{Stage, Status};
use support::sshd::{Flavour, Sshd, require_sshd};
use support::*;

#[tokio::test]
async fn modern_sshd_passes_transport_stages() {
    let Some(bin) = require_sshd("modern_sshd_passes_transport_stages") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let device = &devices(&format!(
        "[[device]]\nname = \"modern\"\nhost = \"127.0.0.1\"\nport = {}\ntimeout = \"5s\"\n",
        sshd.addr.port()
    ))[0];
    let report = probe_one(device).await;
    assert_ok_through(&report, Stage::Kex);
    let dns = report.result(Stage::Dns).unwrap();
    assert_eq!(dns.reason.map(|r| r.name()), Some("literal_ip"));
    let banner = report.banner.as_ref().expect("banner evidence");
    assert!(banner.software.starts_with("OpenSSH_"), "{banner:?}");
    assert!(banner.raw.starts_with("SSH-2.0-OpenSSH_"));
    let algos = report.algorithms.as_ref().expect("algorithm evidence");
    assert!(
        algos.server.kex.iter().any(|k| k == "curve25519-sha256"),
        "{:?}",
        algos.server.kex
    );
    assert_eq!(
        algos.server.host_key,
        ["ssh-ed25519"],
        "only an ed25519 host key is configured"
    );
    assert_eq!(algos.negotiated.host_key.as_deref(), Some("ssh-ed25519"));
    assert!(algos.negotiated.kex.is_some());
}

#[tokio::test]
async fn legacy_only_sshd_fails_kex_for_openssh_and_passes_for_russh_with_its_allow_list() {
    let Some(bin) = require_sshd("legacy_only_sshd") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let port = sshd.addr.port();
    let plain = &devices(&format!(
        "[[device]]\nname = \"old\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\n"
    ))[0];
    let report = probe_one(plain).await;
    assert_failure(&report, Stage::Kex, "no_common_kex");
    let server = &report.algorithms.as_ref().expect("evidence").server;
    assert_eq!(
        server.kex,
        [
            "diffie-hellman-group14-sha1",
            "kex-strict-s-v00@openssh.com"
        ]
    );
    assert_eq!(server.host_key, ["ssh-rsa"]);
    assert_eq!(server.cipher_c2s, ["aes128-cbc"]);
    assert_eq!(server.mac_s2c, ["hmac-sha1"]);
    let message = &report.failure.as_ref().unwrap().message;
    assert!(
        message.contains("the server offers diffie-hellman-group14-sha1"),
        "{message}"
    );
    // No client named: the verdict is OpenSSH's, and says so.
    assert!(message.starts_with("OpenSSH"), "{message}");
    // The failure is the client's, not the device's: the probe goes on with its own offer.
    let host_key = report.result(Stage::HostKey).expect("host_key ran");
    assert_ne!(host_key.status, Status::Skip, "{host_key:?}");
    assert_eq!(host_key.beyond, Some(Stage::Kex));
    let probe = report.algorithms.as_ref().unwrap().probe_negotiated.clone();
    assert_eq!(
        probe.and_then(|n| n.kex).as_deref(),
        Some("diffie-hellman-group14-sha1"),
        "the probe negotiated the legacy kex itself"
    );

    // sshtriage's own client reads `[device.algorithms]`.
    let allowed = &devices(&format!(
        "[[device]]\nname = \"old\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\n\
         client = \"russh\"\n\
         [device.algorithms]\nkex = \"+diffie-hellman-group14-sha1\"\nhost_key = \"+ssh-rsa\"\n\
         cipher = \"+aes128-cbc\"\nmac = \"+hmac-sha1\"\n"
    ))[0];
    let report = probe_one(allowed).await;
    assert_ok_through(&report, Stage::Kex);
    let n = &report.algorithms.as_ref().unwrap().negotiated;
    assert_eq!(n.kex.as_deref(), Some("diffie-hellman-group14-sha1"));
    assert_eq!(n.host_key.as_deref(), Some("ssh-rsa"));
    assert_eq!(n.cipher_c2s.as_deref(), Some("aes128-cbc"));
    assert_eq!(n.mac_c2s.as_deref(), Some("hmac-sha1"));
}
