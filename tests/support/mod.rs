//! Shared test support: real sshd servers, device builders, bounded runs.
#![allow(dead_code)]

pub mod sshd;

use sshtriage::engine::{self, Settings, Shared};
use sshtriage::inventory::{Device, Inventory};
use sshtriage::model::{DeviceReport, Stage, Status};
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
        (failure.stage, failure.reason.as_str()),
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
