//! Headless views of the engine's results: human lines and stable JSON.

pub mod human;
pub mod json;

use crate::model::DeviceReport;

/// Exit status of a run: 0 when no device failed a stage it ran, 1 otherwise.
pub fn exit_code(reports: &[DeviceReport]) -> i32 {
    if reports.iter().all(DeviceReport::passed) {
        0
    } else {
        1
    }
}
