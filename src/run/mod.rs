//! A run as a file: what `check --json` prints and the dashboard's `S` saves, read back by
//! `sshtriage view` and `sshtriage diff`. The document is the devices' reports (the model)
//! plus when the run was taken, by which sshtriage and from which inputs. Its shape is
//! written down in `schema/run.schema.json`; [`SCHEMA_VERSION`] changes only when a field
//! changes meaning. Nothing here knows about a terminal.

pub mod diff;
mod load;
mod save;
mod time;

pub use load::{LoadError, MAX_DEVICES, MAX_FILE_BYTES, load, parse};
pub use save::{SaveError, default_file_name, save_new};
pub use time::Timestamp;

use serde::{Deserialize, Serialize};

use crate::model::DeviceReport;

/// The `version` of the document; a reader refuses any other.
pub const SCHEMA_VERSION: u32 = 1;

/// What the document says about the run itself, beside its devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// When the first probe was started (UTC).
    pub started_at: Timestamp,
    /// When the last probe ended, or when the dashboard saved it (UTC).
    pub finished_at: Timestamp,
    pub sshtriage_version: String,
    pub inputs: RunInputs,
}

impl RunInfo {
    /// A run of this sshtriage, from `started_at` until now.
    pub fn until_now(started_at: Timestamp, inputs: RunInputs) -> RunInfo {
        RunInfo {
            started_at,
            finished_at: Timestamp::now(),
            sshtriage_version: env!("CARGO_PKG_VERSION").to_string(),
            inputs,
        }
    }
}

/// What the devices were selected from, as the command line gave it (never a secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInputs {
    /// `check`, `dashboard` or `demo`.
    pub command: String,
    /// The SOURCE arguments (inventory files, lab directories, `-`).
    #[serde(default)]
    pub sources: Vec<String>,
    /// `--host` arguments; a `user:password@` part keeps only the user.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// `--cidr` arguments.
    #[serde(default)]
    pub cidr: Vec<String>,
}

impl RunInputs {
    pub fn new(
        command: &str,
        sources: &[std::path::PathBuf],
        hosts: &[String],
        cidr: &[String],
    ) -> Self {
        RunInputs {
            command: command.to_string(),
            sources: sources.iter().map(|p| p.display().to_string()).collect(),
            hosts: hosts.iter().map(|h| without_password(h)).collect(),
            cidr: cidr.to_vec(),
        }
    }

    /// "lab.toml, --host r1, --cidr 10.0.0.0/30", or the command when nothing was given.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .sources
            .iter()
            .cloned()
            .chain(self.hosts.iter().map(|h| format!("--host {h}")))
            .chain(self.cidr.iter().map(|c| format!("--cidr {c}")))
            .collect();
        match (parts.is_empty(), self.command.as_str()) {
            (true, "demo") => "the demo fleet".to_string(),
            (true, "") => "unknown inputs".to_string(),
            (true, command) => format!("sshtriage {command}"),
            (false, _) => parts.join(", "),
        }
    }
}

/// `user:secret@host` is not a form sshtriage reads, but a user may type it: the part after
/// the first `:` of the user never reaches a file.
fn without_password(host: &str) -> String {
    match host.rsplit_once('@') {
        Some((user, rest)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{name}@{rest}")
        }
        _ => host.to_string(),
    }
}

/// A run as read back: every field a document of [`SCHEMA_VERSION`] may carry; the run's own
/// fields are missing from documents written before they existed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Run {
    pub version: u32,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    #[serde(default)]
    pub sshtriage_version: Option<String>,
    #[serde(default)]
    pub inputs: Option<RunInputs>,
    pub devices: Vec<DeviceReport>,
}

impl Run {
    /// "2025-06-01 12:00:03 UTC", when the run says; the time it started.
    pub fn taken(&self) -> Option<String> {
        self.started_at.map(|t| t.human())
    }

    /// How long the run took, in milliseconds, when it says when it started and ended.
    pub fn duration_ms(&self) -> Option<f64> {
        let (start, end) = (self.started_at?, self.finished_at?);
        Some(end.millis_since(start))
    }

    /// What the run was taken from ("lab.toml, --host r1"), when it says.
    pub fn taken_from(&self) -> Option<String> {
        self.inputs.as_ref().map(RunInputs::describe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_typed_into_host_is_not_kept() {
        let inputs = RunInputs::new(
            "check",
            &[],
            &[
                "admin:hunter2@10.0.0.1:22".into(),
                "ops@[::1]:2222".into(),
                "r1".into(),
            ],
            &[],
        );
        assert_eq!(inputs.hosts, ["admin@10.0.0.1:22", "ops@[::1]:2222", "r1"]);
        assert!(!serde_json::to_string(&inputs).unwrap().contains("hunter2"));
    }

    #[test]
    fn inputs_are_described_as_given() {
        let inputs = RunInputs::new(
            "check",
            &["lab.toml".into()],
            &["r1".into()],
            &["10.0.0.0/30".into()],
        );
        assert_eq!(inputs.describe(), "lab.toml, --host r1, --cidr 10.0.0.0/30");
        assert_eq!(
            RunInputs::new("demo", &[], &[], &[]).describe(),
            "the demo fleet"
        );
    }

    /// The schema names every stage and reason the catalogue has, and no other.
    #[test]
    fn the_schema_lists_the_catalogue() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/run.schema.json")).unwrap();
        let names = |def: &str| -> Vec<String> {
            let mut list: Vec<String> = schema["$defs"][def]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("no enum for {def}"))
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect();
            list.sort();
            list
        };
        let mut reasons: Vec<String> = crate::model::Reason::ALL
            .iter()
            .map(|r| r.name().to_string())
            .collect();
        reasons.sort();
        reasons.dedup();
        assert_eq!(names("reason"), reasons);
        let mut stages: Vec<String> = crate::model::Stage::ALL
            .iter()
            .map(|s| s.name().to_string())
            .collect();
        stages.sort();
        assert_eq!(names("stage"), stages);
        assert_eq!(schema["properties"]["version"]["const"], SCHEMA_VERSION);
    }
}
