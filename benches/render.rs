//! Dashboard render cost for a large fleet (issue 4): 1,000 finished devices with mixed
//! outcomes, drawn on ratatui's off-screen TestBackend at 120x40.
//!
//! * `steady`: a frame with nothing changed (the table model is cached).
//! * `after_event`: a frame right after an engine event changed one row, which forces the
//!   table model to be rebuilt over all 1,000 rows.
//! * `drilldown`: a frame of one device's drill-down.
//! * `dashboard_100_devices_120x40/steady`: the steady frame for 100 devices, for scale.
//!
//! Run: `cargo bench --bench render`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sshtriage::model::{
    AlgorithmEvidence, AlgorithmLists, BannerEvidence, DeviceReport, Direction, Event, Failure,
    HostKeyEvidence, HostKeyVerdict, Negotiated, Reason, Stage, StageResult, Status,
    TranscriptLine,
};
use sshtriage::tui::{self, App, ManualClock, Screen};

const DEVICES: usize = 1_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn stage(stage: Stage, status: Status, ms: f64, reason: Option<&str>, detail: &str) -> StageResult {
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

fn ok(s: Stage, ms: f64, detail: &str) -> StageResult {
    stage(s, Status::Ok, ms, None, detail)
}

fn line(at_ms: f64, direction: Direction, text: &str) -> TranscriptLine {
    TranscriptLine {
        at_ms,
        direction,
        text: text.to_string(),
    }
}

fn algorithms() -> AlgorithmEvidence {
    let lists = AlgorithmLists {
        kex: strings(&[
            "curve25519-sha256",
            "ecdh-sha2-nistp256",
            "diffie-hellman-group14-sha256",
        ]),
        host_key: strings(&["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"]),
        cipher_c2s: strings(&["aes128-gcm@openssh.com", "aes256-ctr", "aes128-ctr"]),
        cipher_s2c: strings(&["aes128-gcm@openssh.com", "aes256-ctr", "aes128-ctr"]),
        mac_c2s: strings(&["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"]),
        mac_s2c: strings(&["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"]),
        compression_c2s: strings(&["none"]),
        compression_s2c: strings(&["none"]),
    };
    AlgorithmEvidence {
        server: lists.clone().into(),
        client: lists.into(),
        negotiated: Negotiated {
            kex: Some("curve25519-sha256".into()),
            host_key: Some("ssh-ed25519".into()),
            cipher_c2s: Some("aes128-gcm@openssh.com".into()),
            cipher_s2c: Some("aes128-gcm@openssh.com".into()),
            mac_c2s: Some("hmac-sha2-256-etm@openssh.com".into()),
            mac_s2c: Some("hmac-sha2-256-etm@openssh.com".into()),
        },
        // Newer evidence fields (notes, compatibility) stay empty: a modern device has none.
        ..AlgorithmEvidence::default()
    }
}

fn host_key(verdict: HostKeyVerdict) -> HostKeyEvidence {
    HostKeyEvidence {
        algorithm: "ssh-ed25519".into(),
        fingerprint: "SHA256:q0dI3YdJ4n0H2X8m7cVb1kP9s5Zr6tWq2eLx4uNaQyE".into(),
        verdict,
        entries: Vec::new(),
        openssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0bZ3rQ2u9H8dYc0FZr2tC1vKx5bYqS1Wm8Xo4nLpQe"
            .into(),
        shared_with: Vec::new(),
        shared_count: 0,
        announced: Vec::new(),
    }
}

/// The stages every device that speaks SSH passes.
fn transport(addr: &str) -> Vec<StageResult> {
    vec![
        ok(
            Stage::Dns,
            0.02,
            &format!("{addr} is an IP address; no lookup"),
        ),
        ok(
            Stage::Tcp,
            0.4,
            &format!("connected to {addr}:22 in 0.4 ms"),
        ),
        ok(Stage::Banner, 2.1, "SSH-2.0-Cisco-1.25"),
        ok(
            Stage::Kex,
            9.8,
            "curve25519-sha256, ssh-ed25519, aes128-gcm@openssh.com",
        ),
    ]
}

fn failed(mut report: DeviceReport, at: Stage, reason: &str, message: &str) -> DeviceReport {
    report.failure = Some(Failure {
        stage: at,
        reason: Reason::parse(at, reason).expect("a catalogued reason"),
        message: message.into(),
    });
    report
}

/// One device's finished report; `kind` picks one of six outcomes seen in real fleets.
fn report(index: usize, kind: usize) -> DeviceReport {
    let addr = format!(
        "10.{}.{}.{}",
        index / 65_536,
        (index / 256) % 256,
        index % 256
    );
    let base = DeviceReport {
        name: format!("dev-{index:04}"),
        host: addr.clone(),
        port: 22,
        address: Some(addr.clone()),
        elapsed_ms: 300.0 + (index % 97) as f64 * 13.0,
        ..DeviceReport::default()
    };
    let mut ssh = DeviceReport {
        banner: Some(BannerEvidence {
            raw: "SSH-2.0-Cisco-1.25".into(),
            protocol: "2.0".into(),
            software: "Cisco-1.25".into(),
            ..BannerEvidence::default()
        }),
        algorithms: Some(algorithms()),
        stages: transport(&addr),
        ..base.clone()
    };
    match kind {
        // Healthy IOS device reaching the privileged prompt.
        0 | 1 => {
            ssh.stages.extend([
                ok(Stage::HostKey, 0.3, "ssh-ed25519 matches known_hosts:3"),
                ok(
                    Stage::AuthMethods,
                    3.9,
                    "the server accepts password, publickey",
                ),
                ok(Stage::Auth, 180.0, "password accepted for admin"),
                ok(Stage::Prompt, 420.0, "prompt r1> (profile cisco_ios)"),
                ok(
                    Stage::Enable,
                    300.0,
                    "enable accepted; privileged prompt r1#",
                ),
            ]);
            ssh.host_key = Some(host_key(HostKeyVerdict::Match));
            ssh.auth_methods = Some(strings(&["password", "publickey"]));
            ssh.reached = Some(Stage::Enable);
            ssh.prompt = Some(format!("dev-{index:04}#"));
            ssh.privileged = Some(true);
            ssh.profile = Some("cisco_ios (auto: banner Cisco-1.25)".into());
            ssh.transcript = vec![
                line(1.0, Direction::Received, "SSH-2.0-Cisco-1.25"),
                line(300.0, Direction::Note, "shell opened (pty vt100 511x24)"),
                line(620.0, Direction::Received, &format!("dev-{index:04}>")),
                line(622.0, Direction::Sent, "terminal length 0"),
                line(701.0, Direction::Sent, "enable"),
                line(760.0, Direction::Received, "Password:"),
                line(761.0, Direction::Sent, "[enable secret redacted]"),
                line(1058.0, Direction::Received, &format!("dev-{index:04}#")),
            ];
            ssh
        }
        // Unknown host key under accept-new: passes with a warning.
        2 => {
            ssh.stages.extend([
                stage(
                    Stage::HostKey,
                    Status::Warn,
                    0.3,
                    Some("unknown"),
                    "ssh-ed25519 SHA256:q0dI3Yd… is not in known_hosts (accept-new)",
                ),
                ok(Stage::AuthMethods, 3.9, "the server accepts password"),
                ok(Stage::Auth, 170.0, "password accepted for admin"),
                ok(Stage::Prompt, 380.0, "prompt A:srl# (profile nokia_srl)"),
            ]);
            ssh.host_key = Some(host_key(HostKeyVerdict::Unknown));
            ssh.reached = Some(Stage::Prompt);
            ssh.prompt = Some("A:srl#".into());
            ssh
        }
        // Wrong password.
        3 => {
            let message =
                "password rejected for admin; the server can continue with publickey, password";
            ssh.stages.extend([
                ok(Stage::HostKey, 0.3, "ssh-ed25519 matches known_hosts:3"),
                ok(
                    Stage::AuthMethods,
                    3.2,
                    "the server accepts publickey, password",
                ),
                stage(Stage::Auth, Status::Fail, 2105.0, Some("rejected"), message),
            ]);
            ssh.host_key = Some(host_key(HostKeyVerdict::Match));
            ssh.reached = Some(Stage::AuthMethods);
            ssh.transcript = vec![
                line(2.3, Direction::Received, "SSH-2.0-Cisco-1.25"),
                line(24.0, Direction::Sent, "password for admin: [redacted]"),
                line(
                    2130.0,
                    Direction::Note,
                    "USERAUTH_FAILURE: can continue publickey,password",
                ),
            ];
            failed(ssh, Stage::Auth, "rejected", message)
        }
        // Closed port.
        4 => {
            let message = format!("connection refused by {addr}:22");
            let mut closed = DeviceReport {
                stages: vec![
                    ok(
                        Stage::Dns,
                        0.02,
                        &format!("{addr} is an IP address; no lookup"),
                    ),
                    stage(Stage::Tcp, Status::Fail, 0.9, Some("refused"), &message),
                ],
                reached: Some(Stage::Dns),
                elapsed_ms: 1.1,
                ..base
            };
            closed = failed(closed, Stage::Tcp, "refused", &message);
            closed
        }
        // Slow-booting image: port open, no banner.
        _ => {
            let message = "port open but no SSH banner within 10s: the SSH daemon is not up yet";
            let booting = DeviceReport {
                stages: vec![
                    ok(
                        Stage::Dns,
                        0.02,
                        &format!("{addr} is an IP address; no lookup"),
                    ),
                    ok(
                        Stage::Tcp,
                        0.3,
                        &format!("connected to {addr}:22 in 0.3 ms"),
                    ),
                    stage(
                        Stage::Banner,
                        Status::Fail,
                        10_000.0,
                        Some("timeout"),
                        message,
                    ),
                ],
                reached: Some(Stage::Tcp),
                transcript: vec![line(10_000.0, Direction::Note, "no bytes received in 10 s")],
                elapsed_ms: 10_001.0,
                ..base
            };
            failed(booting, Stage::Banner, "timeout", message)
        }
    }
}

fn fleet(devices: usize) -> Vec<DeviceReport> {
    (0..devices).map(|i| report(i, (i * 7) % 6)).collect()
}

/// An app over the fleet with every probe finished, as the dashboard looks after a run.
fn finished_app(devices: usize) -> App {
    let reports = fleet(devices);
    let pending = reports
        .iter()
        .map(|r| DeviceReport {
            name: r.name.clone(),
            host: r.host.clone(),
            port: r.port,
            ..DeviceReport::default()
        })
        .collect();
    let mut app = App::new(pending, Box::new(ManualClock::at_ms(60_000)));
    for (device, report) in reports.into_iter().enumerate() {
        app.apply(Event::Started { device });
        app.apply(Event::Finished {
            device,
            report: Box::new(report),
        });
    }
    app
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("the test backend cannot fail")
}

/// The benchmark is only meaningful if the frame really shows the fleet: check once.
fn assert_renders(app: &mut App, expect: &str) {
    let text = tui::render_to_string(app, WIDTH, HEIGHT);
    assert!(
        text.contains(expect),
        "frame does not contain {expect:?}:\n{text}"
    );
}

fn render_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("dashboard_1000_devices_120x40");

    let mut app = finished_app(DEVICES);
    assert_eq!(app.device_count(), DEVICES);
    assert_renders(&mut app, "dev-0000");
    let mut term = terminal();
    group.bench_function("steady", |b| {
        b.iter(|| {
            term.draw(|frame| tui::draw(frame, &mut app))
                .expect("the test backend cannot fail");
            black_box(term.backend().buffer().area);
        })
    });

    // Alternate one device between two outcomes so every frame follows a real change.
    let variants = [report(500, 0), report(500, 3)];
    let mut flip = 0usize;
    group.bench_function("after_event", |b| {
        b.iter(|| {
            flip ^= 1;
            app.apply(Event::Finished {
                device: 500,
                report: Box::new(variants[flip].clone()),
            });
            term.draw(|frame| tui::draw(frame, &mut app))
                .expect("the test backend cannot fail");
            black_box(term.backend().buffer().area);
        })
    });

    let mut app = finished_app(DEVICES);
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(
        matches!(app.ui().screen, Screen::Drilldown(_)),
        "Enter did not open the drill-down"
    );
    assert_renders(&mut app, "dev-0000");
    group.bench_function("drilldown", |b| {
        b.iter(|| {
            term.draw(|frame| tui::draw(frame, &mut app))
                .expect("the test backend cannot fail");
            black_box(term.backend().buffer().area);
        })
    });
    group.finish();

    // The same steady frame over a tenth of the fleet: shows whether frame cost grows with
    // the fleet or only with the screen.
    let mut small = finished_app(DEVICES / 10);
    assert_renders(&mut small, "dev-0000");
    c.bench_function("dashboard_100_devices_120x40/steady", |b| {
        b.iter(|| {
            term.draw(|frame| tui::draw(frame, &mut small))
                .expect("the test backend cannot fail");
            black_box(term.backend().buffer().area);
        })
    });
}

criterion_group!(benches, render_benches);
criterion_main!(benches);
