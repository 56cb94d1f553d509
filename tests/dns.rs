//! The dns stage: /etc/hosts, literal addresses, and a fake DNS server on loopback answering
//! NXDOMAIN or an empty NOERROR.

mod support;

use sshtriage::engine::stages::dns::Resolver;
use sshtriage::engine::{self, Settings, Shared};
use sshtriage::model::{Stage, Status};
use std::time::Duration;
use support::*;
use tokio::net::UdpSocket;

/// Answers every query with `rcode` and no records, for a bounded number of queries.
async fn fake_dns(rcode: u8) -> std::net::SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        for _ in 0..16 {
            let Ok(Ok((n, from))) =
                tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buf)).await
            else {
                return;
            };
            if n < 12 {
                continue;
            }
            let mut reply = buf[..n].to_vec();
            reply[2] = 0x81; // QR, RD
            reply[3] = 0x80 | rcode; // RA, rcode
            reply[6..12].fill(0); // no answer, authority or additional records
            // Drop any EDNS OPT record the query carried: keep only header and question.
            let question_end = 12 + question_len(&reply[12..]);
            reply.truncate(question_end);
            let _ = socket.send_to(&reply, from).await;
        }
    });
    addr
}

fn question_len(q: &[u8]) -> usize {
    let mut i = 0;
    while i < q.len() && q[i] != 0 {
        i += q[i] as usize + 1;
    }
    (i + 1 + 4).min(q.len())
}

async fn probe_with(server: std::net::SocketAddr, host: &str) -> sshtriage::model::DeviceReport {
    let shared = Shared::with_resolver(Settings::default(), Resolver::with_server(server));
    let device = &devices(&format!(
        "[[device]]\nhost = \"{host}\"\ntimeout = \"3s\"\n"
    ))[0];
    tokio::time::timeout(
        Duration::from_secs(20),
        engine::probe(device, &shared, 0, None),
    )
    .await
    .expect("bounded")
}

#[tokio::test]
async fn nxdomain() {
    let server = fake_dns(3).await;
    let report = probe_with(server, "no-such-device.sshtriage-lab").await;
    assert_failure(&report, Stage::Dns, "nxdomain");
    assert_eq!(status(&report, Stage::Tcp), Status::Skip);
}

#[tokio::test]
async fn name_without_addresses() {
    let server = fake_dns(0).await;
    let report = probe_with(server, "empty.sshtriage-lab").await;
    assert_failure(&report, Stage::Dns, "no_address");
}

#[tokio::test]
async fn etc_hosts_is_honoured_and_literals_skip_the_lookup() {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    if hosts
        .lines()
        .any(|l| l.split_whitespace().skip(1).any(|n| n == "localhost"))
    {
        let port = support::sshd::free_port();
        let device = &devices(&format!(
            "[[device]]\nhost = \"localhost\"\nport = {port}\ntimeout = \"3s\"\n"
        ))[0];
        let report = probe_one(device).await;
        let dns = report.result(Stage::Dns).unwrap();
        assert_eq!(dns.status, Status::Ok, "{}", dns.detail);
        assert!(
            dns.detail.contains("127.0.0.1") || dns.detail.contains("::1"),
            "{}",
            dns.detail
        );
        assert_failure(&report, Stage::Tcp, "refused");
    } else if std::env::var_os("CI").is_some() {
        panic!("CI machines have a localhost entry in /etc/hosts");
    } else {
        eprintln!("SKIP part: /etc/hosts has no localhost entry");
    }
    let device = &devices("[[device]]\nhost = \"::1\"\nport = 1\ntimeout = \"2s\"\n")[0];
    let report = probe_one(device).await;
    assert_eq!(
        report.result(Stage::Dns).unwrap().reason.map(|r| r.name()),
        Some("literal_ip")
    );
}
