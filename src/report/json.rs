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
    let mut out = Vec::new();
    // Writing to memory fails only if serializing does, which json_pretty reports the same way.
    match write_rows(reports, local, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => crate::present::json_pretty(&document(reports, local)),
    }
}

/// Writes the document to `out` as it is serialized (a fleet's JSON is never held whole),
/// through the one cleaner's JSON escaping (C1 controls are escaped like C0 ones).
pub fn write_rows(
    reports: &[&DeviceReport],
    local: Option<&LocalClients>,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    crate::present::write_json_pretty(&document(reports, local), out)
}

fn document<'a>(reports: &'a [&'a DeviceReport], local: Option<&'a LocalClients>) -> Document<'a> {
    Document {
        version: SCHEMA_VERSION,
        local_clients: local.map(|clients| Local {
            clients,
            profiles: clients.profiles(),
        }),
        devices: reports,
    }
}
