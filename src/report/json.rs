//! `--json`: one document, `{"version": 1, "devices": [...]}`, documented in the README.

use crate::model::DeviceReport;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    devices: &'a [DeviceReport],
}

pub fn render(reports: &[DeviceReport]) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        devices: reports,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
