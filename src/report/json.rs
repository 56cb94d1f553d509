//! `--json`: one document, `{"version": 1, "devices": [...]}`, documented in the README.

use crate::algorithms::local::LocalClients;
use crate::model::DeviceReport;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_clients: Option<Local<'a>>,
    devices: &'a [&'a DeviceReport],
}

/// The SSH clients on this machine and the client profiles that stand for them.
#[derive(Serialize)]
struct Local<'a> {
    #[serde(flatten)]
    clients: &'a LocalClients,
    profiles: Vec<&'static str>,
}

pub fn render(reports: &[DeviceReport], local: Option<&LocalClients>) -> String {
    let rows: Vec<&DeviceReport> = reports.iter().collect();
    render_rows(&rows, local)
}

/// The document for these devices (all of a run, or its failing ones under `--quiet`).
pub fn render_rows(reports: &[&DeviceReport], local: Option<&LocalClients>) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        local_clients: local.map(|clients| Local {
            clients,
            profiles: clients.profiles(),
        }),
        devices: reports,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
