//! Reading a saved run, bounded: a file larger than [`MAX_FILE_BYTES`] is refused before it
//! is read, nesting is limited by the JSON reader, more than [`MAX_DEVICES`] devices are
//! refused, and every error names the file (and the line and column for bad JSON). Text in
//! the file is the device's and the file's: views clean it before it reaches a terminal.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Run, SCHEMA_VERSION};

/// A saved run of 1,000 devices with transcripts is a few MB; this leaves room for the
/// largest fleets the dashboard holds while bounding memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// As many devices as the dashboard's fleet may hold.
pub const MAX_DEVICES: usize = 100_000;

/// Why a run could not be read; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a regular file", .path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: larger than {} MiB: not a saved run", .path.display(), MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge { path: PathBuf },
    #[error("{}:{line}:{column}: not a saved run: {message}", .path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{}: document version {found}; this sshtriage reads version {SCHEMA_VERSION} (`check --json` of the same sshtriage)",
        .path.display()
    )]
    Version { path: PathBuf, found: u64 },
    #[error("{}: {count} devices; at most {MAX_DEVICES} are read", .path.display())]
    TooManyDevices { path: PathBuf, count: usize },
}

/// Reads and checks the run saved in `path`.
pub fn load(path: &Path) -> Result<Run, LoadError> {
    let read_error = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let meta = file.metadata().map_err(read_error)?;
    // A FIFO or a device (/dev/zero) would not end, or not soon.
    if !meta.is_file() {
        return Err(LoadError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never past the limit.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    parse(path, &bytes)
}

/// Checks and reads a run from `bytes`, read from `path` (named in errors).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Run, LoadError> {
    let json_error = |e: serde_json::Error| LoadError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: short(&e.to_string()),
    };
    // The version first, so a future document is refused as such rather than as malformed.
    let head: Head = serde_json::from_slice(bytes).map_err(json_error)?;
    if head.version != u64::from(SCHEMA_VERSION) {
        return Err(LoadError::Version {
            path: path.to_path_buf(),
            found: head.version,
        });
    }
    if head.devices.0 > MAX_DEVICES {
        return Err(LoadError::TooManyDevices {
            path: path.to_path_buf(),
            count: head.devices.0,
        });
    }
    serde_json::from_slice(bytes).map_err(json_error)
}

/// serde_json's message without its own " at line L column C" (the error says it first).
fn short(message: &str) -> String {
    let cut = message.rfind(" at line ").unwrap_or(message.len());
    let mut text: String = message[..cut].chars().take(300).collect();
    if cut > 300 {
        text.push('…');
    }
    text
}

/// What is checked before the devices are read.
#[derive(serde::Deserialize)]
struct Head {
    version: u64,
    devices: Count,
}

/// The length of a JSON array, counted without keeping its elements.
struct Count(usize);

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of devices")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(Path::new("runs/old.json"), text.as_bytes())
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn a_minimal_run_and_an_older_one_without_run_fields_load() {
        let run = parse(Path::new("r.json"), br#"{"version": 1, "devices": []}"#).unwrap();
        assert!(run.devices.is_empty());
        assert_eq!(run.started_at, None);
        let run = parse(
            Path::new("r.json"),
            br#"{"version": 1, "started_at": "2025-06-01T12:00:03Z", "finished_at": "2025-06-01T12:00:05.5Z",
                "sshtriage_version": "0.1.0", "inputs": {"command": "check", "sources": ["lab.toml"]},
                "devices": [{"name": "r1", "host": "10.0.0.1", "port": 22, "address": null, "reached": null,
                 "failure": null, "stages": [], "banner": null, "algorithms": null, "host_key": null,
                 "auth_methods": null, "auth_banner": null, "prompt": null, "privileged": null,
                 "profile": null, "transcript": [], "elapsed_ms": 0.0}]}"#,
        )
        .unwrap();
        assert_eq!(run.devices[0].name, "r1");
        assert_eq!(run.duration_ms(), Some(2500.0));
        assert_eq!(run.taken().as_deref(), Some("2025-06-01 12:00:03 UTC"));
        assert_eq!(run.taken_from().as_deref(), Some("lab.toml"));
    }

    #[test]
    fn wrong_types_name_the_file_line_and_field() {
        let e = error("{\"version\": 1,\n \"devices\": [{\"name\": 7}]}");
        assert!(e.starts_with("runs/old.json:2:"), "{e}");
        assert!(
            e.contains("invalid type: integer `7`, expected a string"),
            "{e}"
        );
        let e = error(r#"{"version": 1, "devices": [{"name": "r1", "host": "h", "port": 70000}]}"#);
        assert!(e.contains("70000"), "{e}");
        let e = error(r#"{"version": 1, "started_at": "yesterday", "devices": []}"#);
        assert!(e.contains("not an RFC 3339 UTC time"), "{e}");
        assert!(
            error("").contains("runs/old.json:1:0: not a saved run: EOF"),
            "{}",
            error("")
        );
        assert!(error("[1, 2]").contains("not a saved run"));
        assert!(error("{\"devices\": []}").contains("missing field `version`"));
    }

    #[test]
    fn another_version_is_refused_as_such() {
        let e = error(r#"{"version": 2, "devices": [{"anything": "new"}]}"#);
        assert!(
            e.contains("document version 2; this sshtriage reads version 1"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_neither_overflows_nor_passes_for_a_value() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        // Where a value is expected, nesting is a type error at once.
        let e = error(&format!(
            "{{\"version\": 1, \"devices\": [{{\"name\": {}}}]}}",
            deep(1_000_000)
        ));
        assert!(
            e.contains(":1:36: not a saved run: invalid type: sequence, expected a string"),
            "{e}"
        );
        // A field this version does not know is skipped without recursion.
        let run = parse(
            Path::new("r.json"),
            format!(
                "{{\"version\": 1, \"extra\": {}, \"devices\": []}}",
                deep(1_000_000)
            )
            .as_bytes(),
        )
        .unwrap();
        assert!(run.devices.is_empty());
    }

    #[test]
    fn too_many_devices_are_refused_before_they_are_read() {
        let devices = vec!["0"; MAX_DEVICES + 1].join(",");
        let e = error(&format!("{{\"version\": 1, \"devices\": [{devices}]}}"));
        assert!(e.contains("100001 devices; at most 100000"), "{e}");
    }

    #[test]
    fn unknown_reasons_and_stages_are_errors() {
        let e = error(
            r#"{"version": 1, "devices": [{"name": "r1", "host": "h", "port": 22, "address": null,
               "reached": "warp", "failure": null, "stages": [], "banner": null, "algorithms": null,
               "host_key": null, "auth_methods": null, "auth_banner": null, "prompt": null,
               "privileged": null, "profile": null, "transcript": [], "elapsed_ms": 1}]}"#,
        );
        assert!(e.contains("unknown variant `warp`"), "{e}");
    }

    #[test]
    fn files_that_are_not_runs_are_refused_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let e = load(&missing).unwrap_err().to_string();
        assert!(
            e.starts_with(&missing.display().to_string()) && e.contains("cannot read"),
            "{e}"
        );
        let e = load(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(e, "/dev/zero: not a regular file");
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        // A sparse file over the limit is refused from its size, without reading it.
        let huge = dir.path().join("huge.json");
        let file = File::create(&huge).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = load(&huge).unwrap_err().to_string();
        assert!(e.contains("larger than 256 MiB"), "{e}");
    }
}
