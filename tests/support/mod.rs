//! Shared test support: real sshd servers, device builders, bounded runs.
#![allow(dead_code)]

pub mod sshd;

use sshtriage::device::Device;
use sshtriage::engine::{self, Settings, Shared};
use sshtriage::model::{DeviceReport, Stage, Status};
use sshtriage::sources::sshtriage::Inventory;
use std::path::Path;
use std::time::Duration;

/// Devices from inventory text.
pub fn devices(toml: &str) -> Vec<Device> {
    Inventory::parse(Path::new("test.toml"), toml)
        .unwrap_or_else(|e| panic!("test inventory: {e}"))
        .devices
}

/// Probes one device with a hard bound on the whole run.
pub async fn probe_one(device: &Device) -> DeviceReport {
    let shared = Shared::new(Settings::default());
    let bound = device
        .timeout
        .saturating_mul(12)
        .saturating_add(Duration::from_secs(5))
        .min(Duration::from_secs(120));
    tokio::time::timeout(bound, engine::probe(device, &shared, 0, None))
        .await
        .expect("the probe must end by itself")
}

pub fn status(report: &DeviceReport, stage: Stage) -> Status {
    report
        .result(stage)
        .unwrap_or_else(|| panic!("no {stage} result in {report:#?}"))
        .status
}

/// Asserts the first failure's stage and reason, printing the report when it differs.
pub fn assert_failure(report: &DeviceReport, stage: Stage, reason: &str) {
    let failure = report
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("expected {stage}/{reason}, device passed: {report:#?}"));
    assert_eq!(
        (failure.stage, failure.reason.name()),
        (stage, reason),
        "failure was {}: {}",
        failure.stage,
        failure.message
    );
}

pub fn assert_ok_through(report: &DeviceReport, last: Stage) {
    for stage in Stage::ALL.iter().take_while(|s| **s <= last) {
        let result = report.result(*stage).expect("stage result");
        assert!(
            matches!(result.status, Status::Ok | Status::Warn),
            "{stage} should pass but was {:?}: {} ({:?})",
            result.status,
            result.detail,
            result.reason
        );
    }
}

/// What a finished program printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output, then standard error.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// The binary under test, isolated from the developer's setup: no inherited `SSHTRIAGE_*`
/// settings and no `~/.ssh/config` (a `Host *` ProxyJump there would send probes off the
/// machine; tests that pass `--ssh-config` remove `SSHTRIAGE_NO_SSH_CONFIG` again) and no
/// config file (`XDG_CONFIG_HOME` points where none is). Standard input is closed, the working
/// directory is the temp dir, and the process dies with the test.
pub fn sshtriage_command(args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshtriage"));
    cmd.args(args)
        .current_dir(std::env::temp_dir())
        .env("SSHTRIAGE_NO_SSH_CONFIG", "true")
        .env("XDG_CONFIG_HOME", "/nonexistent/sshtriage-tests")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for var in [
        "SSHTRIAGE_INVENTORY",
        "SSHTRIAGE_TIMEOUT",
        "SSHTRIAGE_JSON",
        "SSHTRIAGE_KNOWN_HOSTS",
        "SSHTRIAGE_SSH_CONFIG",
        "SSHTRIAGE_PYTHON",
        "SSHTRIAGE_CONFIG",
        "SSHTRIAGE_OUTPUT",
        "SSHTRIAGE_QUIET",
        "SSHTRIAGE_CLIENT",
        "SSHTRIAGE_TRANSFER",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd` to its end, at most 90 s: a hang fails the test instead of stalling it.
pub async fn finish(mut cmd: tokio::process::Command) -> Run {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the program");
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .expect("the program must end by itself")
        .expect("its output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `sshtriage ARGS`, isolated and bounded.
pub async fn sshtriage(args: &[&str]) -> Run {
    finish(sshtriage_command(args)).await
}
