//! Odd but legal packets before and in the key exchange, from raw loopback peers: many IGNORE
//! packets before KEXINIT, one IGNORE and then silence, a KEXINIT larger than the probe
//! reads, an overlong algorithm name. Each says what happened, bounded in size.

mod support;

use sshtriage::model::{AlgorithmLists, DeviceReport, Stage, Status};
use sshtriage::wire::kexinit;
use std::time::Duration;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

const IDENT: &[u8] = b"SSH-2.0-OpenSSH_9.2\r\n";

/// An unencrypted binary packet (RFC 4253 section 6) around `payload`.
fn packet(payload: &[u8]) -> Vec<u8> {
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let length = (1 + payload.len() + padding) as u32;
    let mut out = length.to_be_bytes().to_vec();
    out.push(padding as u8);
    out.extend_from_slice(payload);
    out.resize(out.len() + padding, 0);
    out
}

fn ignore(data: &[u8]) -> Vec<u8> {
    let mut payload = vec![kexinit::MSG_IGNORE];
    payload.extend_from_slice(&(data.len() as u32).to_be_bytes());
    payload.extend_from_slice(data);
    packet(&payload)
}

fn modern() -> AlgorithmLists {
    let list = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    AlgorithmLists {
        kex: list(&["curve25519-sha256"]),
        host_key: list(&["ssh-ed25519"]),
        cipher_c2s: list(&["aes128-ctr"]),
        cipher_s2c: list(&["aes128-ctr"]),
        mac_c2s: list(&["hmac-sha2-256"]),
        mac_s2c: list(&["hmac-sha2-256"]),
        compression_c2s: list(&["none"]),
        compression_s2c: list(&["none"]),
    }
}

/// A peer that sends `bytes` on one connection, then holds it (bounded) without a word.
async fn probe_raw(bytes: Vec<u8>, timeout: &str) -> DeviceReport {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let peer = tokio::spawn(async move {
        let Ok(Ok((mut socket, _))) =
            tokio::time::timeout(Duration::from_secs(30), listener.accept()).await
        else {
            return;
        };
        let _ = socket.write_all(&bytes).await;
        tokio::time::sleep(Duration::from_secs(20)).await;
    });
    let device = devices(&format!(
        "[[device]]\nname = \"peer\"\nhost = \"127.0.0.1\"\nport = {}\ntimeout = \"{timeout}\"\nknown_hosts = [\"/dev/null\"]\n",
        addr.port()
    ))
    .remove(0);
    let report = probe_one(&device).await;
    peer.abort();
    report
}

fn message(report: &DeviceReport) -> String {
    report
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| {
            report
                .result(Stage::Kex)
                .map(|r| r.detail.clone())
                .unwrap_or_default()
        })
}

#[tokio::test]
async fn many_ignore_packets_before_kexinit_are_read_past() {
    let mut bytes = IDENT.to_vec();
    for _ in 0..3000 {
        bytes.extend(ignore(&[0x55; 32]));
    }
    bytes.extend(packet(&kexinit::encode(&modern())));
    let report = probe_raw(bytes, "2s").await;
    let server = &report
        .algorithms
        .as_ref()
        .expect("the KEXINIT was read")
        .server;
    assert_eq!(server.kex, ["curve25519-sha256"]);
    let text = message(&report);
    assert!(!text.contains("got message 2"), "{text}");
    let transcript: Vec<&str> = report.transcript.iter().map(|l| l.text.as_str()).collect();
    assert!(
        transcript
            .iter()
            .any(|l| l.contains("3000 IGNORE or DEBUG packets")),
        "{transcript:#?}"
    );
}

#[tokio::test]
async fn one_ignore_then_silence_says_what_arrived() {
    let mut bytes = IDENT.to_vec();
    bytes.extend(ignore(b"hello"));
    let report = probe_raw(bytes, "1s").await;
    assert_failure(&report, Stage::Kex, "timeout");
    let text = message(&report);
    assert!(
        text.contains("1 IGNORE or DEBUG packet") && text.contains("no KEXINIT"),
        "{text}"
    );
}

#[tokio::test]
async fn silence_after_the_identification_says_no_packet_came() {
    let report = probe_raw(IDENT.to_vec(), "1s").await;
    assert_failure(&report, Stage::Kex, "timeout");
    let text = message(&report);
    assert!(text.contains("no packet"), "{text}");
}

/// 19 KB of KEXINIT, well under the packet limit: the client's verdict comes from our own
/// reading; the probe's failure to read it is the probe's limit, not russh's internal error.
#[tokio::test]
async fn a_large_kexinit_is_read_and_the_probe_limit_said() {
    let mut lists = modern();
    lists
        .kex
        .extend((0..900).map(|i| format!("kex-{i:04}@vendor.example")));
    let payload = kexinit::encode(&lists);
    assert!(payload.len() > 19_000, "{}", payload.len());
    let mut bytes = IDENT.to_vec();
    bytes.extend(packet(&payload));
    let report = probe_raw(bytes, "2s").await;
    let server = &report
        .algorithms
        .as_ref()
        .expect("the KEXINIT was read")
        .server;
    assert_eq!(server.kex.len(), 901);
    let kex = report.result(Stage::Kex).expect("kex");
    assert_eq!(
        (kex.status, kex.reason.map(|r| r.name())),
        (Status::Warn, Some("probe_limit")),
        "{}",
        kex.detail
    );
    let text = message(&report);
    assert!(!text.contains("SshEncoding"), "{text}");
    assert!(text.len() < 2_000, "{} characters: {text}", text.len());
}

/// A 60 KB algorithm name: quoted briefly in the message, the transcript and the JSON.
#[tokio::test]
async fn an_overlong_algorithm_name_is_quoted_briefly() {
    let mut lists = modern();
    lists.kex = vec![format!("x{}", "y".repeat(60_000))];
    let mut bytes = IDENT.to_vec();
    bytes.extend(packet(&kexinit::encode(&lists)));
    let report = probe_raw(bytes, "2s").await;
    assert_eq!(
        report.result(Stage::Kex).map(|r| r.status),
        Some(Status::Fail)
    );
    let json = serde_json::to_string(&report).expect("json");
    assert!(json.len() < 32 * 1024, "{} bytes of JSON", json.len());
    let text = message(&report);
    assert!(text.len() < 2_000, "{} characters", text.len());
}
