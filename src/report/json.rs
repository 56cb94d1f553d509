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
    devices: &'a [&'a DeviceReport],
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
    let rows: Vec<&DeviceReport> = reports.iter().collect();
    render_rows(&rows, local, run)
}

/// The document for these devices (all of a run, or its failing ones under `--quiet`).
pub fn render_rows(
    reports: &[&DeviceReport],
    local: Option<&LocalClients>,
    run: Option<&RunInfo>,
) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only if serializing does, which json_pretty reports the same way.
    match write_rows(reports, local, run, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => crate::present::json_pretty(&document(reports, local, run)),
    }
}

/// Writes the document to `out` as it is serialized (a fleet's JSON is never held whole),
/// through the one cleaner's JSON escaping (C1 controls are escaped like C0 ones).
pub fn write_rows(
    reports: &[&DeviceReport],
    local: Option<&LocalClients>,
    run: Option<&RunInfo>,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    crate::present::write_json_pretty(&document(reports, local, run), out)
}

fn document<'a>(
    reports: &'a [&'a DeviceReport],
    local: Option<&'a LocalClients>,
    run: Option<&'a RunInfo>,
) -> Document<'a> {
    Document {
        version: SCHEMA_VERSION,
        run,
        local_clients: local.map(|clients| Local {
            clients,
            profiles: clients.profiles(),
        }),
        devices: reports,
    }
}
