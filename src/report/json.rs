//! `--json`: one document, `{"version": 1, "started_at": …, "devices": [...]}`, documented in
//! the README and `schema/run.schema.json`; `crate::run` reads it back.

use crate::algorithms::local::LocalClients;
use crate::model::DeviceReport;
use crate::run::RunInfo;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = crate::run::SCHEMA_VERSION;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    /// When, by which sshtriage and from what the run was taken.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    run: Option<&'a RunInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_clients: Option<Local<'a>>,
    devices: &'a [DeviceReport],
}

/// The SSH clients on this machine and the client profiles that stand for them.
#[derive(Serialize)]
struct Local<'a> {
    #[serde(flatten)]
    clients: &'a LocalClients,
    profiles: Vec<&'static str>,
}

pub fn render(
    reports: &[DeviceReport],
    local: Option<&LocalClients>,
    run: Option<&RunInfo>,
) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        run,
        local_clients: local.map(|clients| Local {
            clients,
            profiles: clients.profiles(),
        }),
        devices: reports,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
