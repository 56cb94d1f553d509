//! The demo fleet, probed in-process: every story ends at the stage and reason it is meant to
//! show, everything stays on loopback, and dropping the fleet stops its servers.

use sshtriage::demo::{self, Fleet};
use sshtriage::device::Device;
use sshtriage::engine::{self, Settings, Shared};
use sshtriage::model::{DeviceReport, Stage, Status};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::timeout;

/// Far above the demo's 8 s stage timeout, so only a hung probe trips it.
const RUN_LIMIT: Duration = Duration::from_secs(60);

async fn start() -> Fleet {
    // A bound against hangs only; the start-up time is measured in benches/, not asserted.
    timeout(Duration::from_secs(30), demo::start())
        .await
        .expect("the fleet starts in time")
        .expect("the fleet starts")
}

async fn run(devices: &[Device]) -> Vec<DeviceReport> {
    let shared = Arc::new(Shared::new(Settings::default()));
    timeout(RUN_LIMIT, engine::run_all(devices, shared, None))
        .await
        .expect("every probe ends by itself")
}

fn report<'a>(reports: &'a [DeviceReport], name: &str) -> &'a DeviceReport {
    reports
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no device {name} in the demo fleet"))
}

fn result(report: &DeviceReport, stage: Stage) -> (Status, Option<&str>) {
    let r = report
        .result(stage)
        .unwrap_or_else(|| panic!("{}: no {stage} result", report.name));
    (r.status, r.reason.map(|r| r.name()))
}

fn assert_failure(reports: &[DeviceReport], name: &str, stage: Stage, reason: &str) {
    let r = report(reports, name);
    let failure = r
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("{name} should fail at {stage}/{reason} but passed: {r:#?}"));
    assert_eq!(
        (failure.stage, failure.reason.name()),
        (stage, reason),
        "{name}: {}",
        failure.message
    );
}

fn assert_passes<'a>(reports: &'a [DeviceReport], name: &str) -> &'a DeviceReport {
    let r = report(reports, name);
    assert!(r.passed(), "{name} should pass but failed: {:?}", r.failure);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_story_ends_where_it_should() {
    let fleet = start().await;
    let reports = run(&fleet.devices).await;
    assert_eq!(reports.len(), fleet.devices.len());

    // Healthy boxes.
    let ios = assert_passes(&reports, "ios-r1");
    assert_eq!(ios.privileged, Some(true));
    assert_eq!(ios.prompt.as_deref(), Some("ios-r1#"));
    assert_eq!(result(ios, Stage::Enable), (Status::Ok, None));
    assert_eq!(result(ios, Stage::HostKey), (Status::Ok, None));
    assert!(ios.auth_banner.is_some(), "the pre-auth banner is recorded");
    for name in ["eos-sw1", "junos-r2", "srl-leaf1"] {
        let r = assert_passes(&reports, name);
        assert_eq!(result(r, Stage::Prompt).0, Status::Ok, "{name}");
        assert_eq!(result(r, Stage::HostKey), (Status::Ok, None), "{name}");
    }
    let eos = report(&reports, "eos-sw1");
    assert_eq!(eos.privileged, Some(true));
    assert_eq!(eos.prompt.as_deref(), Some("eos-sw1#"));
    let linux = assert_passes(&reports, "linux-h1");
    assert_eq!(result(linux, Stage::Prompt).0, Status::Ok);
    assert_eq!(
        result(linux, Stage::Enable),
        (Status::Skip, Some("not_applicable"))
    );
    // Never connected to before: the key is unknown, which warns and goes on.
    assert_eq!(
        result(linux, Stage::HostKey),
        (Status::Warn, Some("unknown"))
    );

    // The stories.
    assert_failure(&reports, "legacy-r3", Stage::Kex, "no_common_kex");
    let legacy = report(&reports, "legacy-r3");
    let server = &legacy.algorithms.as_ref().expect("kex evidence").server;
    assert_eq!(server.kex, ["diffie-hellman-group14-sha1"]);
    assert_eq!(server.host_key, ["ssh-rsa"]);

    assert_failure(&reports, "rebuilt-r4", Stage::HostKey, "changed");
    let rebuilt = report(&reports, "rebuilt-r4");
    for stage in [
        Stage::AuthMethods,
        Stage::Auth,
        Stage::Prompt,
        Stage::Enable,
    ] {
        assert_eq!(
            result(rebuilt, stage),
            (Status::Skip, Some("host_key_untrusted")),
            "{stage}"
        );
    }

    assert_failure(&reports, "eos-sw2", Stage::Auth, "rejected");
    assert_failure(
        &reports,
        "srl-leaf2",
        Stage::AuthMethods,
        "no_usable_method",
    );
    assert_failure(&reports, "vmx-boot", Stage::Banner, "timeout");
    assert_failure(&reports, "tarpit-1", Stage::Banner, "timeout");
    assert_failure(&reports, "closed-sw3", Stage::Tcp, "refused");
    assert_failure(&reports, "ios-r5", Stage::Enable, "bad_secret");

    // Loopback only, on the demo's own network.
    for (device, r) in fleet.devices.iter().zip(&reports) {
        let host: IpAddr = device
            .host
            .parse()
            .expect("the demo uses literal addresses");
        assert!(host.is_loopback(), "{} at {host}", device.name);
        if let Some(address) = &r.address {
            let ip: IpAddr = address
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .unwrap_or_else(|_| panic!("{}: address {address}", r.name));
            assert!(ip.is_loopback(), "{} connected to {ip}", r.name);
        }
    }

    // No secret in any result.
    let json = sshtriage::report::json::render(&reports, None, None);
    let human = sshtriage::report::human::render(&reports);
    for device in &fleet.devices {
        for secret in device.secrets() {
            assert!(!json.contains(secret.expose()), "a secret leaked into JSON");
            assert!(
                !human.contains(secret.expose()),
                "a secret leaked into text"
            );
        }
    }
    timeout(Duration::from_secs(10), fleet.shutdown())
        .await
        .expect("the fleet stops in time");
}

/// The README says: press `r` after the boot and the slow image comes up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slow_image_comes_up_after_its_boot() {
    let started = Instant::now();
    let fleet = start().await;
    let device = fleet
        .devices
        .iter()
        .find(|d| d.name == "vmx-boot")
        .expect("the booting device");
    let first = run(std::slice::from_ref(device)).await;
    assert_failure(&first, "vmx-boot", Stage::Banner, "timeout");
    let booted = demo::BOOT_SILENCE + Duration::from_millis(500);
    tokio::time::sleep(booted.saturating_sub(started.elapsed())).await;
    let again = run(std::slice::from_ref(device)).await;
    let r = assert_passes(&again, "vmx-boot");
    assert_eq!(result(r, Stage::Prompt).0, Status::Ok);
}

async fn refuses(addr: SocketAddr) -> bool {
    matches!(
        timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_fleet_stops_every_listener_and_removes_its_files() {
    let fleet = start().await;
    let addrs: Vec<SocketAddr> = fleet
        .devices
        .iter()
        .map(|d| SocketAddr::new(d.host.parse().expect("literal"), d.port))
        .collect();
    let known_hosts = fleet.known_hosts();
    assert!(known_hosts.exists());
    let mut refusing = Vec::new();
    for addr in &addrs {
        if refuses(*addr).await {
            refusing.push(*addr);
        }
    }
    assert_eq!(
        refusing.len(),
        1,
        "only the closed-port story refuses while running: {refusing:?}"
    );
    drop(fleet);
    for addr in addrs {
        let stopped = timeout(Duration::from_secs(5), async {
            while !refuses(addr).await {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(
            stopped.is_ok(),
            "{addr} still accepts after the fleet dropped"
        );
    }
    assert!(!known_hosts.exists(), "the demo known_hosts is removed");
}

/// Every command the demo prints as advice, run by `sh -c` exactly as printed while the fleet
/// runs (as an engineer pastes it from the dashboard into another terminal), does what its
/// sentence says: the next probe of that device passes the stage that failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_the_demo_prints_works_when_pasted() {
    let fleet = start().await;
    let reports = run(&fleet.devices).await;
    let home = tempfile::tempdir().expect("home");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_sshtriage"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut pasted = Vec::new();
    for report in &reports {
        for result in &report.stages {
            if result.commands.is_empty() {
                continue;
            }
            for command in &result.commands {
                let line = command.to_string();
                let mut sh = tokio::process::Command::new("sh");
                sh.args(["-c", &line])
                    .env("HOME", home.path())
                    .env("PATH", &path)
                    .stdin(std::process::Stdio::null())
                    .kill_on_drop(true);
                for (var, _) in std::env::vars() {
                    if var.starts_with("SSHTRIAGE_") {
                        sh.env_remove(var);
                    }
                }
                let out = timeout(RUN_LIMIT, sh.output())
                    .await
                    .expect("the command ends by itself")
                    .expect("sh");
                assert!(
                    out.status.success(),
                    "`{line}` failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            pasted.push((report.name.clone(), result.stage));
        }
    }
    assert_eq!(
        pasted,
        [
            ("linux-h1".to_owned(), Stage::HostKey),
            ("legacy-r3".to_owned(), Stage::Kex),
            ("rebuilt-r4".to_owned(), Stage::HostKey),
        ],
        "the demo's printed commands"
    );
    let again = demo::load(&fleet.inventory(), None).expect("reload the demo inventory");
    let after = run(&again).await;
    for (name, stage) in pasted {
        let (status, reason) = result(report(&after, &name), stage);
        assert!(
            matches!(status, Status::Ok | Status::Warn)
                && !matches!(reason, Some("unknown" | "changed" | "no_common_kex")),
            "{name} {stage} after its printed command: {status:?} {reason:?}"
        );
    }
    fleet.shutdown().await;
}
