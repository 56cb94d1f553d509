//! Realistic device reports for tests: the stories the demo fleet tells (a healthy IOS device,
//! a legacy-kex device, a changed host key, a wrong password, a tarpit, a closed port, a
//! slow-booting image, a wrong enable secret, an unknown host key under a lenient policy).

use crate::model::{
    AlgorithmEvidence, AlgorithmLists, Attempt, BannerEvidence, DeviceReport, Direction, Event,
    Failure, FileLine, FixKind, FixOutcome, FixProposal, HostKeyEvidence, HostKeyVerdict,
    KnownHostsEntry, Milestones, Negotiated, Reason, Stage, StageResult, Status, TranscriptLine,
    WatchEvent, WatchState, WatchStatus,
};

use super::app::App;
use super::clock::ManualClock;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn result(
    stage: Stage,
    status: Status,
    ms: f64,
    reason: Option<&str>,
    detail: &str,
) -> StageResult {
    StageResult {
        stage,
        status,
        elapsed_ms: ms,
        reason: reason.map(|name| Reason::parse(stage, name).expect("a catalogued reason")),
        detail: detail.to_string(),
        beyond: None,
        commands: Vec::new(),
    }
}

/// A stage result with the commands printed under it, as the engine attaches them.
fn with_commands(mut result: StageResult, commands: &[&str]) -> StageResult {
    result.commands = commands
        .iter()
        .map(|text| crate::model::ShellCommand::parse(text).expect("a fixture command"))
        .collect();
    result
}

fn ok(stage: Stage, ms: f64, detail: &str) -> StageResult {
    result(stage, Status::Ok, ms, None, detail)
}

fn line(at_ms: f64, direction: Direction, text: &str) -> TranscriptLine {
    TranscriptLine {
        at_ms,
        direction,
        text: text.to_string(),
    }
}

fn pending(name: &str, host: &str, port: u16) -> DeviceReport {
    DeviceReport {
        name: name.to_string(),
        host: host.to_string(),
        port,
        ..DeviceReport::default()
    }
}

/// What our client (russh) offers by default.
fn client_lists() -> AlgorithmLists {
    let both = |l: &[&str]| strings(l);
    let ciphers = both(&[
        "chacha20-poly1305@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-ctr",
        "aes192-ctr",
        "aes128-ctr",
    ]);
    let macs = both(&[
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512",
        "hmac-sha2-256",
    ]);
    AlgorithmLists {
        kex: both(&[
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group14-sha256",
            "ext-info-c",
            "kex-strict-c-v00@openssh.com",
        ]),
        host_key: both(&[
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "rsa-sha2-512",
            "rsa-sha2-256",
        ]),
        cipher_c2s: ciphers.clone(),
        cipher_s2c: ciphers,
        mac_c2s: macs.clone(),
        mac_s2c: macs,
        compression_c2s: both(&["none", "zlib@openssh.com"]),
        compression_s2c: both(&["none", "zlib@openssh.com"]),
    }
}

fn modern_server() -> AlgorithmLists {
    let ciphers = strings(&[
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr",
        "aes192-ctr",
        "aes256-ctr",
    ]);
    let macs = strings(&[
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha2-256",
        "hmac-sha2-512",
    ]);
    AlgorithmLists {
        kex: strings(&[
            "curve25519-sha256",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "diffie-hellman-group14-sha256",
            "kex-strict-s-v00@openssh.com",
        ]),
        host_key: strings(&["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]),
        cipher_c2s: ciphers.clone(),
        cipher_s2c: ciphers,
        mac_c2s: macs.clone(),
        mac_s2c: macs,
        compression_c2s: strings(&["none"]),
        compression_s2c: strings(&["none"]),
    }
}

fn modern_algorithms() -> AlgorithmEvidence {
    AlgorithmEvidence {
        server: modern_server().into(),
        client: client_lists().into(),
        negotiated: Negotiated {
            kex: Some("curve25519-sha256".into()),
            host_key: Some("rsa-sha2-512".into()),
            cipher_c2s: Some("aes256-gcm@openssh.com".into()),
            cipher_s2c: Some("aes256-gcm@openssh.com".into()),
            mac_c2s: Some("hmac-sha2-512-etm@openssh.com".into()),
            mac_s2c: Some("hmac-sha2-512-etm@openssh.com".into()),
        },
        notes: Default::default(),
        ..Default::default()
    }
}

fn cisco_banner(software: &str) -> BannerEvidence {
    BannerEvidence {
        raw: format!("SSH-2.0-{software}"),
        protocol: "2.0".into(),
        software: software.into(),
        comments: None,
        pre_banner: Vec::new(),
    }
}

fn transport_ok(host: &str) -> Vec<StageResult> {
    vec![
        ok(
            Stage::Dns,
            0.02,
            &format!("{host} is an IP address; no lookup"),
        ),
        ok(
            Stage::Tcp,
            0.41,
            &format!("connected to {host}:22 in 0.4 ms"),
        ),
        ok(Stage::Banner, 2.3, "SSH-2.0-Cisco-1.25"),
        ok(
            Stage::Kex,
            18.6,
            "curve25519-sha256, rsa-sha2-512, aes256-gcm@openssh.com",
        ),
    ]
}

fn matching_key() -> HostKeyEvidence {
    HostKeyEvidence {
        algorithm: "rsa-sha2-512".into(),
        fingerprint: "SHA256:4rT0mN1wq8x5N2bC3ZpYv7uKQeLr9sHd0gJfA6iWkXo".into(),
        verdict: HostKeyVerdict::Match,
        entries: vec![KnownHostsEntry {
            file: "/home/netops/.ssh/known_hosts".into(),
            line: 3,
            algorithm: "ssh-rsa".into(),
            fingerprint: "SHA256:4rT0mN1wq8x5N2bC3ZpYv7uKQeLr9sHd0gJfA6iWkXo".into(),
            marker: None,
        }],
        openssh: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ".into(),
        shared_with: Vec::new(),
        shared_count: 0,
        announced: Vec::new(),
    }
}

/// A healthy Cisco IOS device that goes all the way through enable.
pub fn healthy_ios() -> DeviceReport {
    let mut stages = transport_ok("172.20.20.11");
    stages.extend([
        ok(
            Stage::HostKey,
            0.3,
            "rsa-sha2-512 SHA256:4rT0mN1w… matches /home/netops/.ssh/known_hosts:3",
        ),
        ok(
            Stage::AuthMethods,
            4.1,
            "the server accepts password, keyboard-interactive, publickey",
        ),
        ok(Stage::Auth, 212.0, "password accepted for admin"),
        ok(
            Stage::Prompt,
            640.0,
            "prompt ios-r1> after 640 ms (profile cisco_ios)",
        ),
        result(
            Stage::Enable,
            Status::Ok,
            361.0,
            None,
            "enable accepted; privileged prompt ios-r1#",
        ),
    ]);
    DeviceReport {
        address: Some("172.20.20.11".into()),
        reached: Some(Stage::Enable),
        stages,
        banner: Some(cisco_banner("Cisco-1.25")),
        algorithms: Some(modern_algorithms()),
        host_key: Some(matching_key()),
        auth_methods: Some(strings(&["password", "keyboard-interactive", "publickey"])),
        auth_banner: Some("Authorized access only.\nAll sessions are logged.".into()),
        prompt: Some("ios-r1#".into()),
        privileged: Some(true),
        profile: Some("cisco_ios (auto: banner Cisco-1.25, prompt shape)".into()),
        transcript: vec![
            line(1.1, Direction::Received, "SSH-2.0-Cisco-1.25"),
            line(300.0, Direction::Note, "shell opened (pty vt100 511x24)"),
            line(620.0, Direction::Received, ""),
            line(621.0, Direction::Received, "ios-r1>"),
            line(622.0, Direction::Sent, "terminal length 0"),
            line(700.0, Direction::Received, "ios-r1>"),
            line(701.0, Direction::Sent, "enable"),
            line(760.0, Direction::Received, "Password:"),
            line(761.0, Direction::Sent, "[enable secret redacted]"),
            line(1058.0, Direction::Received, "ios-r1#"),
        ],
        elapsed_ms: 1240.0,
        ..pending("ios-r1", "172.20.20.11", 22)
    }
}

/// Nokia SR Linux under accept-new: the host key is unknown (warn), the device still reaches its prompt.
pub fn unknown_key_srl() -> DeviceReport {
    let mut stages = vec![
        ok(Stage::Dns, 0.02, "172.20.20.14 is an IP address; no lookup"),
        ok(Stage::Tcp, 0.38, "connected to 172.20.20.14:22 in 0.4 ms"),
        ok(Stage::Banner, 3.0, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
        ok(
            Stage::Kex,
            9.8,
            "curve25519-sha256, ssh-ed25519, chacha20-poly1305@openssh.com",
        ),
    ];
    stages.extend([
        result(
            Stage::HostKey,
            Status::Warn,
            0.2,
            Some("unknown"),
            "not in known_hosts; accepted under policy accept-new (ssh-ed25519 SHA256:Zx9pQ2r7…)",
        ),
        ok(
            Stage::AuthMethods,
            2.0,
            "the server accepts publickey, password, keyboard-interactive",
        ),
        ok(Stage::Auth, 96.0, "password accepted for admin"),
        ok(
            Stage::Prompt,
            1510.0,
            "prompt A:srl-spine1# after 1.5 s (profile nokia_srl)",
        ),
        result(
            Stage::Enable,
            Status::Skip,
            0.0,
            Some("not_applicable"),
            "nokia_srl has no enable step",
        ),
    ]);
    DeviceReport {
        address: Some("172.20.20.14".into()),
        reached: Some(Stage::Prompt),
        stages,
        banner: Some(BannerEvidence {
            raw: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3".into(),
            protocol: "2.0".into(),
            software: "OpenSSH_9.2p1".into(),
            comments: Some("Debian-2+deb12u3".into()),
            pre_banner: Vec::new(),
        }),
        host_key: Some(HostKeyEvidence {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:Zx9pQ2r7LmN4vB8cK1eT6yH3uJ5wA0sD9fG2hX7iO4k".into(),
            verdict: HostKeyVerdict::Unknown,
            entries: Vec::new(),
            openssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA".into(),
            shared_with: Vec::new(),
            shared_count: 0,
            announced: Vec::new(),
        }),
        auth_methods: Some(strings(&["publickey", "password", "keyboard-interactive"])),
        prompt: Some("A:srl-spine1#".into()),
        privileged: Some(true),
        profile: Some("nokia_srl (inventory)".into()),
        elapsed_ms: 1620.0,
        ..pending("srl-spine1", "172.20.20.14", 22)
    }
}

/// An old IOS image that offers only SHA-1 key exchanges, ssh-rsa, CBC ciphers and hmac-sha1.
pub fn legacy_kex() -> DeviceReport {
    let ciphers = strings(&["aes128-cbc", "3des-cbc", "aes192-cbc", "aes256-cbc"]);
    let macs = strings(&["hmac-sha1", "hmac-sha1-96"]);
    let server = AlgorithmLists {
        kex: strings(&["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"]),
        host_key: strings(&["ssh-rsa"]),
        cipher_c2s: ciphers.clone(),
        cipher_s2c: ciphers,
        mac_c2s: macs.clone(),
        mac_s2c: macs,
        compression_c2s: strings(&["none"]),
        compression_s2c: strings(&["none"]),
    };
    let message = "no common kex (server offers only diffie-hellman-group14-sha1, diffie-hellman-group1-sha1)";
    DeviceReport {
        address: Some("172.20.20.12".into()),
        reached: Some(Stage::Banner),
        failure: Some(Failure {
            stage: Stage::Kex,
            reason: Reason::NoCommonKex,
            message: message.into(),
        }),
        stages: vec![
            ok(Stage::Dns, 0.02, "172.20.20.12 is an IP address; no lookup"),
            ok(Stage::Tcp, 0.52, "connected to 172.20.20.12:22 in 0.5 ms"),
            ok(
                Stage::Banner,
                4.8,
                "SSH-1.99-Cisco-1.25 (speaks 1.5 and 2.0)",
            ),
            with_commands(
                result(
                    Stage::Kex,
                    Status::Fail,
                    31.0,
                    Some("no_common_kex"),
                    message,
                ),
                &["sshtriage fix algorithms legacy-r2 /home/netops/lab/sshtriage.toml"],
            ),
        ],
        banner: Some(BannerEvidence {
            raw: "SSH-1.99-Cisco-1.25".into(),
            protocol: "1.99".into(),
            software: "Cisco-1.25".into(),
            comments: None,
            pre_banner: Vec::new(),
        }),
        compatibility: crate::algorithms::evidence::compatibility(&server),
        algorithms: Some(AlgorithmEvidence {
            notes: crate::algorithms::evidence::notes_for(&server).into(),
            server: server.into(),
            client: client_lists().into(),
            negotiated: Negotiated::default(),
            ..Default::default()
        }),
        transcript: vec![
            line(4.8, Direction::Received, "SSH-1.99-Cisco-1.25"),
            line(
                30.9,
                Direction::Note,
                "server KEXINIT: kex diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
            ),
            line(
                31.0,
                Direction::Note,
                "no key exchange method in common; disconnected",
            ),
        ],
        elapsed_ms: 37.0,
        ..pending("legacy-r2", "172.20.20.12", 22)
    }
}

/// A Junos device redeployed with a new key; known_hosts holds two stale entries.
pub fn changed_host_key() -> DeviceReport {
    let presented = "SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe";
    let message =
        "host key changed: known_hosts lines 14 and 27 hold another key for this host".to_string();
    let untrusted = |stage| {
        result(
            stage,
            Status::Skip,
            0.0,
            Some("host_key_untrusted"),
            "not attempted: the host key is not trusted",
        )
    };
    DeviceReport {
        address: Some("172.20.20.13".into()),
        reached: Some(Stage::Kex),
        failure: Some(Failure {
            stage: Stage::HostKey,
            reason: Reason::HostKeyChanged,
            message: message.clone(),
        }),
        stages: vec![
            ok(Stage::Dns, 0.02, "172.20.20.13 is an IP address; no lookup"),
            ok(Stage::Tcp, 0.44, "connected to 172.20.20.13:22 in 0.4 ms"),
            ok(Stage::Banner, 2.9, "SSH-2.0-OpenSSH_8.6"),
            ok(
                Stage::Kex,
                12.4,
                "curve25519-sha256, ssh-ed25519, aes256-gcm@openssh.com",
            ),
            with_commands(
                result(Stage::HostKey, Status::Fail, 0.6, Some("changed"), &message),
                &[
                    "sshtriage known-hosts prune --host 172.20.20.13",
                    "sshtriage known-hosts accept junos-r3 /home/netops/lab/sshtriage.toml",
                ],
            ),
            untrusted(Stage::AuthMethods),
            untrusted(Stage::Auth),
            untrusted(Stage::Prompt),
            untrusted(Stage::Enable),
        ],
        banner: Some(BannerEvidence {
            raw: "SSH-2.0-OpenSSH_8.6".into(),
            protocol: "2.0".into(),
            software: "OpenSSH_8.6".into(),
            comments: None,
            pre_banner: Vec::new(),
        }),
        host_key: Some(HostKeyEvidence {
            algorithm: "ssh-ed25519".into(),
            fingerprint: presented.into(),
            verdict: HostKeyVerdict::Changed,
            entries: vec![
                KnownHostsEntry {
                    file: "/home/netops/.ssh/known_hosts".into(),
                    line: 14,
                    algorithm: "ssh-ed25519".into(),
                    fingerprint: "SHA256:p0Lk7Yt2Qw9Er4Ty6Ui8Op1As3Df5Gh7Jk9Lz2Xc4V".into(),
                    marker: None,
                },
                KnownHostsEntry {
                    file: "/home/netops/.ssh/known_hosts".into(),
                    line: 27,
                    algorithm: "ecdsa-sha2-nistp256".into(),
                    fingerprint: "SHA256:Mn8Bv6Cx4Za2Sd0Fg9Hj7Kl5Qw3Er1Ty8Ui6Op4As2D".into(),
                    marker: None,
                },
            ],
            openssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA".into(),
            shared_with: Vec::new(),
            shared_count: 0,
            announced: Vec::new(),
        }),
        transcript: vec![
            line(2.9, Direction::Received, "SSH-2.0-OpenSSH_8.6"),
            line(
                16.0,
                Direction::Note,
                "host key changed: no credentials sent",
            ),
        ],
        elapsed_ms: 17.0,
        ..pending("junos-r3", "172.20.20.13", 22)
    }
}

/// An NX-OS switch that rejects the configured password.
pub fn wrong_password() -> DeviceReport {
    let message = "password rejected for admin; the server can continue with publickey, password";
    let mut stages = transport_ok("172.20.20.15");
    stages.extend([
        ok(
            Stage::HostKey,
            0.3,
            "rsa-sha2-512 SHA256:8kLm… matches /home/netops/.ssh/known_hosts:9",
        ),
        ok(
            Stage::AuthMethods,
            3.2,
            "the server accepts publickey, password",
        ),
        result(Stage::Auth, Status::Fail, 2105.0, Some("rejected"), message),
    ]);
    DeviceReport {
        address: Some("172.20.20.15".into()),
        reached: Some(Stage::AuthMethods),
        failure: Some(Failure {
            stage: Stage::Auth,
            reason: Reason::AuthRejected,
            message: message.into(),
        }),
        stages,
        banner: Some(cisco_banner("Cisco-1.25")),
        algorithms: Some(modern_algorithms()),
        host_key: Some(matching_key()),
        auth_methods: Some(strings(&["publickey", "password"])),
        auth_banner: Some("User Access Verification".into()),
        transcript: vec![
            line(2.3, Direction::Received, "SSH-2.0-Cisco-1.25"),
            line(24.0, Direction::Sent, "password for admin: [redacted]"),
            line(
                2130.0,
                Direction::Note,
                "USERAUTH_FAILURE: can continue publickey,password",
            ),
        ],
        elapsed_ms: 2150.0,
        ..pending("nxos-sw2", "172.20.20.15", 22)
    }
}

/// An endlessh-style tarpit: endless text, never an identification line.
pub fn tarpit() -> DeviceReport {
    let message = "no SSH identification within 10s; 23 lines of other text received";
    let junk = [
        "7@qK]3d|Lw:1A",
        "B5u<`e0x~pZ{",
        "n#V$9oR?t6",
        "Wm2;Fy/8hC+Q%",
    ];
    DeviceReport {
        address: Some("172.20.20.66".into()),
        reached: Some(Stage::Tcp),
        failure: Some(Failure {
            stage: Stage::Banner,
            reason: Reason::BannerTimeout,
            message: message.into(),
        }),
        stages: vec![
            ok(Stage::Dns, 0.02, "172.20.20.66 is an IP address; no lookup"),
            ok(Stage::Tcp, 0.35, "connected to 172.20.20.66:22 in 0.4 ms"),
            result(
                Stage::Banner,
                Status::Fail,
                10_001.0,
                Some("timeout"),
                message,
            ),
        ],
        banner: Some(BannerEvidence {
            pre_banner: strings(&junk),
            ..BannerEvidence::default()
        }),
        transcript: junk
            .iter()
            .enumerate()
            .map(|(i, text)| line(400.0 * (i as f64 + 1.0), Direction::Received, text))
            .chain([line(
                10_001.0,
                Direction::Note,
                "gave up waiting for the identification line",
            )])
            .collect(),
        elapsed_ms: 10_002.0,
        ..pending("tarpit-1", "172.20.20.66", 22)
    }
}

/// Nothing listens on the port.
pub fn closed_port() -> DeviceReport {
    let message = "connection refused by 172.20.20.19:22";
    DeviceReport {
        address: Some("172.20.20.19".into()),
        reached: Some(Stage::Dns),
        failure: Some(Failure {
            stage: Stage::Tcp,
            reason: Reason::TcpRefused,
            message: message.into(),
        }),
        stages: vec![
            ok(Stage::Dns, 0.02, "172.20.20.19 is an IP address; no lookup"),
            result(Stage::Tcp, Status::Fail, 0.9, Some("refused"), message),
        ],
        elapsed_ms: 1.1,
        ..pending("closed-sw9", "172.20.20.19", 22)
    }
}

/// A vrnetlab image still booting: the container's port is open, the router is not up yet.
pub fn slow_boot() -> DeviceReport {
    let message = "port open but no SSH banner for 10s (image still booting?)";
    DeviceReport {
        address: Some("172.20.20.17".into()),
        reached: Some(Stage::Tcp),
        failure: Some(Failure {
            stage: Stage::Banner,
            reason: Reason::BannerTimeout,
            message: message.into(),
        }),
        stages: vec![
            ok(Stage::Dns, 0.02, "172.20.20.17 is an IP address; no lookup"),
            ok(Stage::Tcp, 0.31, "connected to 172.20.20.17:22 in 0.3 ms"),
            result(
                Stage::Banner,
                Status::Fail,
                10_000.0,
                Some("timeout"),
                message,
            ),
        ],
        banner: Some(BannerEvidence::default()),
        transcript: vec![line(10_000.0, Direction::Note, "no bytes received in 10 s")],
        elapsed_ms: 10_001.0,
        ..pending("vmx-boot", "172.20.20.17", 22)
    }
}

/// An IOS device whose enable secret is wrong.
pub fn enable_bad_secret() -> DeviceReport {
    let message = "enable secret rejected: the device answered \"% Access denied\"";
    let mut stages = transport_ok("172.20.20.18");
    stages.extend([
        ok(
            Stage::HostKey,
            0.3,
            "rsa-sha2-512 SHA256:4rT0mN1w… matches /home/netops/.ssh/known_hosts:3",
        ),
        ok(
            Stage::AuthMethods,
            3.9,
            "the server accepts password, keyboard-interactive, publickey",
        ),
        ok(Stage::Auth, 188.0, "password accepted for admin"),
        ok(
            Stage::Prompt,
            702.0,
            "prompt ios-r4> after 702 ms (profile cisco_ios)",
        ),
        result(
            Stage::Enable,
            Status::Fail,
            1480.0,
            Some("bad_secret"),
            message,
        ),
    ]);
    DeviceReport {
        address: Some("172.20.20.18".into()),
        reached: Some(Stage::Prompt),
        failure: Some(Failure {
            stage: Stage::Enable,
            reason: Reason::EnableBadSecret,
            message: message.into(),
        }),
        stages,
        banner: Some(cisco_banner("Cisco-1.25")),
        algorithms: Some(modern_algorithms()),
        host_key: Some(matching_key()),
        auth_methods: Some(strings(&["password", "keyboard-interactive", "publickey"])),
        prompt: Some("ios-r4>".into()),
        privileged: Some(false),
        profile: Some("cisco_ios (auto: banner Cisco-1.25)".into()),
        transcript: vec![
            line(2.3, Direction::Received, "SSH-2.0-Cisco-1.25"),
            line(212.0, Direction::Note, "shell opened (pty vt100 511x24)"),
            line(905.0, Direction::Received, "ios-r4>"),
            line(906.0, Direction::Sent, "enable"),
            line(960.0, Direction::Received, "Password:"),
            line(961.0, Direction::Sent, "[enable secret redacted]"),
            line(2380.0, Direction::Received, "% Access denied"),
            line(2381.0, Direction::Received, ""),
            line(2382.0, Direction::Received, "ios-r4>"),
            line(
                2383.0,
                Direction::Note,
                "still unprivileged after the enable secret",
            ),
        ],
        elapsed_ms: 2390.0,
        ..pending("ios-r4", "172.20.20.18", 22)
    }
}

/// The finished fleet, in inventory order.
pub fn fleet() -> Vec<DeviceReport> {
    vec![
        healthy_ios(),
        unknown_key_srl(),
        legacy_kex(),
        changed_host_key(),
        wrong_password(),
        tarpit(),
        closed_port(),
        slow_boot(),
        enable_bad_secret(),
    ]
}

/// Index of a fleet device by name.
pub fn index_of(name: &str) -> usize {
    fleet()
        .iter()
        .position(|d| d.name == name)
        .expect("fixture names are fixed")
}

/// The fleet's rows before anything ran: name, host and port only.
pub fn pending_rows() -> Vec<DeviceReport> {
    fleet()
        .into_iter()
        .map(|d| pending(&d.name, &d.host, d.port))
        .collect()
}

pub fn pending_app() -> App {
    App::new(pending_rows(), Box::new(ManualClock::at_ms(0)))
}

/// Every device probed to the end.
pub fn finished_app() -> App {
    let mut app = pending_app();
    for (device, report) in fleet().into_iter().enumerate() {
        app.apply(Event::Started { device });
        app.apply(Event::Finished {
            device,
            report: Box::new(report),
        });
    }
    app
}

/// `report` as it looked after its first `stages` stages: no failure yet, nothing later.
pub fn partial(report: &DeviceReport, stages: usize) -> DeviceReport {
    let kept: Vec<StageResult> = report.stages.iter().take(stages).cloned().collect();
    DeviceReport {
        reached: kept
            .iter()
            .rev()
            .find(|r| matches!(r.status, Status::Ok | Status::Warn))
            .map(|r| r.stage),
        elapsed_ms: kept.iter().map(|r| r.elapsed_ms).sum(),
        stages: kept,
        failure: None,
        prompt: None,
        privileged: None,
        transcript: Vec::new(),
        ..report.clone()
    }
}

/// A run caught mid-way: some devices done, some at various stages, some not started.
/// The clock reads 4.2 s; the spinner is at frame 3.
pub fn in_progress_app() -> App {
    let clock = ManualClock::at_ms(0);
    let mut app = App::new(pending_rows(), Box::new(clock.clone()));
    let fleet = fleet();
    let finish = |app: &mut App, device: usize| {
        app.apply(Event::Started { device });
        app.apply(Event::Finished {
            device,
            report: Box::new(fleet[device].clone()),
        });
    };
    let run_until = |app: &mut App, device: usize, done: usize| {
        app.apply(Event::Started { device });
        app.apply(Event::StageFinished {
            device,
            report: Box::new(partial(&fleet[device], done)),
        });
        app.apply(Event::StageStarted {
            device,
            stage: Stage::ALL[done],
        });
    };
    finish(&mut app, index_of("legacy-r2"));
    finish(&mut app, index_of("closed-sw9"));
    run_until(&mut app, index_of("ios-r1"), 7);
    run_until(&mut app, index_of("vmx-boot"), 2);
    run_until(&mut app, index_of("nxos-sw2"), 6);
    clock.set_ms(1_500);
    run_until(&mut app, index_of("junos-r3"), 1);
    clock.set_ms(4_200);
    for _ in 0..3 {
        app.on_tick();
    }
    app
}

fn file_line(file: &str, line: usize, text: &str) -> FileLine {
    FileLine {
        file: file.into(),
        line,
        text: text.into(),
    }
}

/// What the engine side proposes for legacy-r2: a new `[device.algorithms]` table.
pub fn algorithms_proposal() -> FixProposal {
    let file = "/home/netops/lab/sshtriage.toml";
    FixProposal {
        kind: FixKind::Algorithms,
        summary: "The key exchange fails for lack of a common algorithm; allow kex +diffie-hellman-group14-sha1, cipher +aes256-cbc, mac +hmac-sha1 for legacy-r2.".into(),
        remove: Vec::new(),
        add: vec![
            file_line(file, 19, ""),
            file_line(file, 20, "[device.algorithms]"),
            file_line(file, 21, "kex = \"+diffie-hellman-group14-sha1\""),
            file_line(file, 22, "cipher = \"+aes256-cbc\""),
            file_line(file, 23, "mac = \"+hmac-sha1\""),
        ],
        notes: vec![
            format!("The original is kept as {file}.bak."),
            "Then the device is probed again; if it still fails the key exchange, the change is rolled back.".into(),
        ],
        blocked: None,
    snippets: legacy_snippets(),
    }
}

/// What the engine side proposes for junos-r3: two stale lines out, the presented key in.
pub fn host_key_proposal() -> FixProposal {
    let file = "/home/netops/.ssh/known_hosts";
    FixProposal {
        kind: FixKind::HostKey,
        summary: "The device presents a new key (SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe); remove the stale entries and accept it.".into(),
        remove: vec![
            file_line(file, 14, "172.20.20.13 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2"),
            file_line(file, 27, "172.20.20.13 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKx9"),
        ],
        add: vec![file_line(
            file,
            29,
            "172.20.20.13 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe",
        )],
        notes: vec![
            format!("The original of {file} is kept as {file}.old."),
            "The name is written hashed (|1|salt|hash instead of 172.20.20.13), as HashKnownHosts or the file asks.".into(),
            "Check the fingerprint out of band first: a changed key may also be an attack.".into(),
            "Then the device is probed again.".into(),
        ],
        blocked: None,
    snippets: host_key_snippets(),
    }
}

/// How the legacy-r2 fix ended: written, probed again, passing.
pub fn algorithms_outcome() -> FixOutcome {
    FixOutcome {
        kind: FixKind::Algorithms,
        verified: true,
        lines: vec![
            "Wrote /home/netops/lab/sshtriage.toml (original kept as /home/netops/lab/sshtriage.toml.bak).".into(),
            "after: dns ✓  tcp ✓  banner ✓  kex ✓  host_key !  auth_methods ✓  auth ✓  prompt ✓".into(),
            "Verified: the key exchange passes with kex +diffie-hellman-group14-sha1, cipher +aes256-cbc, mac +hmac-sha1.".into(),
        ],
    }
}

/// A watch attempt: when it began, how far it got, where it failed.
fn attempt(at_ms: u64, reached: Option<Stage>, failure: Option<(Stage, &str, &str)>) -> Attempt {
    Attempt {
        at_ms,
        reached,
        failure: failure.map(|(stage, reason, message)| Failure {
            stage,
            reason: Reason::parse(stage, reason).expect("a catalogued reason"),
            message: message.into(),
        }),
        elapsed_ms: 1_000.0,
        banner_ms: None,
    }
}

fn watch_status(report: &DeviceReport, state: WatchState, attempts: Vec<Attempt>) -> WatchStatus {
    WatchStatus {
        name: report.name.clone(),
        host: report.host.clone(),
        port: report.port,
        state,
        until: None,
        milestones: Milestones::default(),
        attempts_total: attempts.len() as u64,
        attempts,
        condition_since_ms: None,
    }
}

/// The slow image in watch mode: closed, then port open without a banner for 95 s.
pub fn slow_boot_watch() -> WatchStatus {
    let no_banner = (Stage::Banner, "timeout", "port open but no SSH banner");
    let refused = (Stage::Tcp, "refused", "connection refused");
    let mut attempts = vec![
        attempt(0, Some(Stage::Dns), Some(refused)),
        attempt(2_000, Some(Stage::Dns), Some(refused)),
    ];
    attempts.extend((0..9).map(|i| attempt(5_000 + i * 11_750, Some(Stage::Tcp), Some(no_banner))));
    let mut status = watch_status(
        &slow_boot(),
        WatchState::Waiting {
            next_at_ms: 107_000,
        },
        attempts,
    );
    status.milestones.tcp_open_at_ms = Some(5_000);
    status.condition_since_ms = Some(5_000);
    status
}

/// The healthy device came up after the banner appeared: ready with its times.
pub fn healthy_ios_watch() -> WatchStatus {
    let attempts = vec![
        attempt(
            0,
            Some(Stage::Tcp),
            Some((Stage::Banner, "timeout", "port open but no SSH banner")),
        ),
        attempt(
            3_000,
            Some(Stage::Banner),
            Some((Stage::Kex, "closed", "connection reset during kex")),
        ),
        attempt(6_000, Some(Stage::Enable), None),
    ];
    let mut status = watch_status(&healthy_ios(), WatchState::Ready, attempts);
    status.milestones = Milestones {
        started_at_ms: 0,
        tcp_open_at_ms: Some(0),
        banner_at_ms: Some(3_000),
        auth_ok_at_ms: Some(6_500),
        ready_at_ms: Some(7_000),
    };
    status
}

/// A rejected password stops the watch after one attempt.
pub fn wrong_password_watch() -> WatchStatus {
    let rejected = (Stage::Auth, "rejected", "password rejected");
    let mut status = watch_status(
        &wrong_password(),
        WatchState::Stopped {
            stage: Stage::Auth,
            reason: Reason::AuthRejected,
            why: "the credential was rejected; press r to try it again".into(),
        },
        vec![attempt(0, Some(Stage::AuthMethods), Some(rejected))],
    );
    status.milestones.tcp_open_at_ms = Some(0);
    status.milestones.banner_at_ms = Some(0);
    status
}

/// The finished fleet with watch statuses for three devices.
pub fn watching_app() -> App {
    let mut app = finished_app().with_watching(true);
    for (name, status) in [
        ("vmx-boot", slow_boot_watch()),
        (healthy_ios().name.as_str(), healthy_ios_watch()),
        (wrong_password().name.as_str(), wrong_password_watch()),
    ] {
        app.apply(Event::Watch(Box::new(WatchEvent::Device {
            device: index_of(name),
            status,
        })));
    }
    app
}

/// The watching fleet after its inventory was edited: one device added (a new leaf, its first
/// attempt waiting), the closed-port device removed.
pub fn reloaded_app() -> App {
    let mut app = watching_app();
    reload(&mut app);
    app
}

/// The events of that reload, as the scheduler sends them.
pub fn reload(app: &mut App) {
    let added = fleet().len();
    let leaf = pending("leaf9", "127.0.0.40", 22);
    app.apply(Event::Watch(Box::new(WatchEvent::Device {
        device: added,
        status: watch_status(&leaf, WatchState::Waiting { next_at_ms: 0 }, Vec::new()),
    })));
    let removed = index_of(&closed_port().name);
    app.apply(Event::Watch(Box::new(WatchEvent::Device {
        device: removed,
        status: watch_status(&closed_port(), WatchState::Removed, Vec::new()),
    })));
    app.apply(Event::Watch(Box::new(WatchEvent::Reloaded {
        added: vec![added],
        removed: vec![removed],
        changed: Vec::new(),
        warnings: Vec::new(),
    })));
}

/// What a report says of its client.
fn client(id: &str, name: &str, kind: &str, used_by: Option<&str>) -> crate::model::ClientEvidence {
    crate::model::ClientEvidence {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        used_by: used_by.map(str::to_owned),
        this_machine: None,
        why: "the inventory says client ".to_owned() + kind,
        settings: Vec::new(),
        problems: Vec::new(),
        others: Vec::new(),
    }
}

/// The legacy device as OpenSSH sees it: kex fails for the client, and the probe went on past
/// it to find a wrong password too.
pub fn legacy_for_openssh() -> DeviceReport {
    let mut report = legacy_kex();
    report.name = "legacy-ssh".into();
    report.client = Some(client(
        "openssh-9.2",
        "OpenSSH 9.2p1 (Debian 12)",
        "openssh",
        Some("ssh"),
    ));
    let message = "OpenSSH 9.2p1 (Debian 12), used by ssh, has no key exchange algorithm in common: the server offers diffie-hellman-group14-sha1,diffie-hellman-group1-sha1; it offers curve25519-sha256,…";
    report.failure = Some(Failure {
        stage: Stage::Kex,
        reason: Reason::NoCommonKex,
        message: message.into(),
    });
    report.stages[3].detail = message.into();
    let beyond = |mut r: StageResult| {
        r.beyond = Some(Stage::Kex);
        r
    };
    report.stages.extend([
        beyond(result(
            Stage::HostKey,
            Status::Warn,
            0.2,
            Some("unknown"),
            "ssh-rsa SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE is not in known_hosts",
        )),
        beyond(ok(Stage::AuthMethods, 3.0, "password, publickey")),
        beyond(result(
            Stage::Auth,
            Status::Fail,
            40.0,
            Some("rejected"),
            "authentication failed for admin: the server rejected password",
        )),
        beyond(result(
            Stage::Prompt,
            Status::Skip,
            0.0,
            Some("not_reached"),
            "not run: auth failed",
        )),
        beyond(result(
            Stage::Enable,
            Status::Skip,
            0.0,
            Some("not_reached"),
            "not run: auth failed",
        )),
    ]);
    report
}

/// Two devices whose verdicts are about different clients.
pub fn mixed_clients_app() -> App {
    let mut paramiko = healthy_ios();
    paramiko.name = "nc-r1".into();
    paramiko.client = Some(client(
        "paramiko-5.1",
        "Paramiko 5.1",
        "paramiko",
        Some("your Ansible network_cli"),
    ));
    let reports = vec![legacy_for_openssh(), paramiko];
    let rows: Vec<DeviceReport> = reports
        .iter()
        .map(|r| DeviceReport {
            name: r.name.clone(),
            host: r.host.clone(),
            port: r.port,
            ..Default::default()
        })
        .collect();
    let mut app = App::new(rows, Box::new(ManualClock::at_ms(0)));
    for (device, report) in reports.into_iter().enumerate() {
        app.apply(Event::Started { device });
        app.apply(Event::Finished {
            device,
            report: Box::new(report),
        });
    }
    app
}

/// An App holding `reports`, each probed to the end, in this order.
pub fn app_of(reports: Vec<DeviceReport>) -> App {
    let rows = reports
        .iter()
        .map(|r| pending(&r.name, &r.host, r.port))
        .collect();
    let mut app = App::new(rows, Box::new(ManualClock::at_ms(0)));
    for (device, report) in reports.into_iter().enumerate() {
        app.apply(Event::Started { device });
        app.apply(Event::Finished {
            device,
            report: Box::new(report),
        });
    }
    app
}

/// An auth failure whose message (as `engine::stages::auth` writes it) names every key and
/// method tried: longer than the diagnosis pane at 80×24.
pub fn long_reason() -> DeviceReport {
    let message = "authentication failed for netops: the server rejected publickey \
        /home/netops/.ssh/id_ed25519 (ssh-ed25519 SHA256:Hq3mV8nPz1cK5wX2rT7yB0uL4sE9dF6gJ1aZ3oI8vNe), \
        publickey /home/netops/.ssh/id_rsa (ssh-rsa SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE), \
        password, keyboard-interactive; methods that can continue: publickey,password,keyboard-interactive";
    let mut report = wrong_password();
    report.name = "eos-leaf7".into();
    report.failure = Some(Failure {
        stage: Stage::Auth,
        reason: Reason::AuthRejected,
        message: message.into(),
    });
    if let Some(auth) = report.stages.iter_mut().find(|r| r.stage == Stage::Auth) {
        auth.detail = message.into();
    }
    report
}

/// An OpenSSH server first seen under accept-new that announced its three host keys after
/// login; its proof of the two the key exchange did not verify failed.
pub fn announced_keys() -> DeviceReport {
    let mut report = unknown_key_srl();
    report.name = "deb-jump".into();
    if let Some(hk) = report.host_key.as_mut() {
        let key = |algorithm: &str, fingerprint: &str, proven| crate::model::AnnouncedKey {
            algorithm: algorithm.into(),
            fingerprint: fingerprint.into(),
            openssh: format!("{algorithm} AAAA"),
            proven,
        };
        hk.announced = vec![
            key("ssh-ed25519", &hk.fingerprint, true),
            key(
                "ecdsa-sha2-nistp256",
                "SHA256:Mn8Bv6Cx4Za2Sd0Fg9Hj7Kl5Qw3Er1Ty8Ui6Op4As2D",
                false,
            ),
            key(
                "ssh-rsa",
                "SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE",
                false,
            ),
        ];
    }
    report
}

/// The slow image watched for minutes: attempts whose times, stages and durations differ in
/// width ("5 s" and "2 min 10 s", "0.4ms" and "10s").
pub fn late_boot_watch() -> WatchStatus {
    let refused = (Stage::Tcp, "refused", "connection refused");
    let no_banner = (Stage::Banner, "timeout", "port open but no SSH banner");
    let mut attempts = vec![
        attempt(5_000, Some(Stage::Dns), Some(refused)),
        attempt(65_000, Some(Stage::Tcp), Some(no_banner)),
        attempt(130_000, Some(Stage::Tcp), Some(no_banner)),
        attempt(251_000, Some(Stage::Enable), None),
    ];
    for (attempt, ms) in attempts.iter_mut().zip([0.4, 10_000.0, 10_001.0, 1_240.0]) {
        attempt.elapsed_ms = ms;
    }
    let mut status = watch_status(&slow_boot(), WatchState::Ready, attempts);
    status.milestones.tcp_open_at_ms = Some(65_000);
    status.milestones.banner_at_ms = Some(251_000);
    status.milestones.auth_ok_at_ms = Some(251_500);
    status.milestones.ready_at_ms = Some(252_000);
    status
}

// ---- the fix dialog's copy-ready snippets ----------------------------------------------

/// What the engine side offers legacy-r2's clients to paste, made by the same function as
/// in a live session (`fix::algorithms::dialog_snippets`) from the device and its KEXINIT.
pub fn legacy_snippets() -> Vec<crate::model::FixSnippet> {
    let inventory = crate::sources::sshtriage::Inventory::parse(
        std::path::Path::new("/home/netops/lab/sshtriage.toml"),
        "[[device]]\nname = \"legacy-r2\"\nhost = \"172.20.20.12\"\nusername = \"netops\"\n",
    )
    .expect("a valid inventory");
    let report = legacy_kex();
    let server = &report.algorithms.as_ref().expect("evidence").server;
    crate::fix::algorithms::dialog_snippets(&inventory.devices[0], server)
}

/// junos-r3's repair by hand: the commands its host-key stage prints.
pub fn host_key_snippets() -> Vec<crate::model::FixSnippet> {
    crate::fix::session::by_hand(&changed_host_key())
}

/// What the engine side proposes for legacy-r2 when Netmiko is its client: nothing can be
/// written (no Netmiko option brings back what Paramiko 5 removed), and the snippets say what
/// each other client needs. Made by the real proposal code from the report.
pub fn netmiko_cannot_proposal() -> FixProposal {
    let inventory = crate::sources::sshtriage::Inventory::parse(
        std::path::Path::new("/home/netops/lab/sshtriage.toml"),
        "[[device]]\nname = \"legacy-r2\"\nhost = \"172.20.20.12\"\nusername = \"netops\"\nclient = \"netmiko\"\n",
    )
    .expect("a valid inventory");
    let context = crate::fix::FixContext {
        known_hosts: "/home/netops/.ssh/known_hosts".into(),
        hash_known_hosts: None,
    };
    let (proposal, _) = crate::fix::session::propose(
        FixKind::Algorithms,
        &inventory.devices[0],
        Some(&legacy_kex()),
        &context,
        &crate::model::LocalClients::default(),
    );
    proposal
}

/// Warnings of loading the inventory, as `sources::assemble` words them (file:line first).
pub fn load_warnings() -> Vec<String> {
    vec![
        "hosts.yml:3: skipping `all`: it holds no hosts, only children that are empty".into(),
        "lab.toml:14: device r9: port 0 is not a port (1–65535); the device is skipped".into(),
        "clab.yml:22: kind `vr-unknown` is not known: the device gets the generic profile, so its prompt and enable step may be wrong".into(),
    ]
}

/// The finished fleet, loaded with warnings.
pub fn warned_app() -> App {
    let devices = pending_rows();
    let mut app = finished_app().with_load_warnings(&load_warnings());
    assert_eq!(app.device_count(), devices.len());
    app.refresh();
    app
}

/// The watching fleet after a reload that warned: the load's warnings and the reload's.
pub fn reloaded_with_warnings_app() -> App {
    let mut app = watching_app().with_load_warnings(&load_warnings());
    app.apply(Event::Watch(Box::new(WatchEvent::Reloaded {
        added: Vec::new(),
        removed: Vec::new(),
        changed: vec![index_of(&legacy_kex().name)],
        warnings: (1..=15)
            .map(|n| {
                format!(
                    "lab.toml:{}: unknown key `pasword{n}` (did you mean `password`?)",
                    30 + n
                )
            })
            .collect(),
    })));
    app
}
