//! Which kind of file an inventory path holds, from its name and content; `--format` forces it.

use super::read::{located, read_text};
use super::{json, yaml};
use crate::sources::SourceError;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// sshtriage's own TOML inventory.
    Sshtriage,
    /// A Containerlab topology file (`*.clab.yml`).
    ClabTopology,
    /// A deployed lab's directory (`clab-<lab>/`).
    ClabLabDir,
    /// A lab directory's `topology-data.json`.
    ClabTopologyData,
    /// `clab inspect --format json` output, either shape.
    ClabInspect,
    AnsibleYaml,
    AnsibleIni,
    /// One `[user@]host[:port]` per line.
    AddressList,
    /// A Nornir SimpleInventory `hosts.yaml` (with `groups.yaml` and `defaults.yaml` beside
    /// it), or a Nornir `config.yaml` naming them.
    Nornir,
    /// NetPulse request JSON: one request, a list, or a bulk request with `devices`.
    NetPulse,
    /// Netmiko `ConnectHandler` definitions: a list, or name → arguments.
    Netmiko,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Sshtriage,
        Format::ClabTopology,
        Format::ClabLabDir,
        Format::ClabTopologyData,
        Format::ClabInspect,
        Format::AnsibleYaml,
        Format::AnsibleIni,
        Format::AddressList,
        Format::Nornir,
        Format::NetPulse,
        Format::Netmiko,
    ];

    /// The `--format` name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sshtriage => "sshtriage",
            Format::ClabTopology => "clab",
            Format::ClabLabDir => "clab-dir",
            Format::ClabTopologyData => "clab-data",
            Format::ClabInspect => "clab-inspect",
            Format::AnsibleYaml => "ansible-yaml",
            Format::AnsibleIni => "ansible-ini",
            Format::AddressList => "list",
            Format::Nornir => "nornir",
            Format::NetPulse => "netpulse",
            Format::Netmiko => "netmiko",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Format::Sshtriage => "sshtriage TOML inventory",
            Format::ClabTopology => "Containerlab topology file",
            Format::ClabLabDir => "Containerlab lab directory",
            Format::ClabTopologyData => "Containerlab topology-data.json",
            Format::ClabInspect => "`clab inspect --format json` output",
            Format::AnsibleYaml => "Ansible YAML inventory",
            Format::AnsibleIni => "Ansible INI inventory",
            Format::AddressList => "address list",
            Format::Nornir => "Nornir SimpleInventory",
            Format::NetPulse => "NetPulse request JSON",
            Format::Netmiko => "Netmiko ConnectHandler definitions",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--format` value that names no format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{given}` (one of: {})", names())]
pub struct UnknownFormat {
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        let wanted = s.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "toml" => Some(Format::Sshtriage),
            "containerlab" | "clab-topology" => Some(Format::ClabTopology),
            "topology-data" => Some(Format::ClabTopologyData),
            "yaml" | "ansible-yml" => Some(Format::AnsibleYaml),
            "ini" => Some(Format::AnsibleIni),
            "hosts" | "addresses" => Some(Format::AddressList),
            "nornir-simple" | "simpleinventory" => Some(Format::Nornir),
            _ => None,
        };
        alias
            .or_else(|| Format::ALL.into_iter().find(|f| f.name() == wanted))
            .ok_or_else(|| UnknownFormat {
                given: s.to_owned(),
            })
    }
}

fn names() -> String {
    Format::ALL.map(Format::name).join(", ")
}

fn undetectable(path: &Path, why: &str) -> SourceError {
    located(
        path,
        0,
        "",
        format!("{why}; name the format with --format ({})", names()),
    )
}

/// The format of the file or directory at `path`.
pub fn detect(path: &Path) -> Result<Format, SourceError> {
    if path.is_dir() {
        // Present in any form: reading it then says what it is (a directory, a FIFO).
        if [
            "topology-data.json",
            "ansible-inventory.yml",
            "nornir-simple-inventory.yml",
        ]
        .iter()
        .any(|f| path.join(f).exists())
        {
            return Ok(Format::ClabLabDir);
        }
        return Err(located(
            path,
            0,
            "",
            "a directory without topology-data.json, ansible-inventory.yml or \
             nornir-simple-inventory.yml: give a Containerlab lab directory (clab-<lab>/) or an \
             inventory file",
        ));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if file_name == "topology-data.json" {
        return Ok(Format::ClabTopologyData);
    }
    if file_name.ends_with(".clab.yml") || file_name.ends_with(".clab.yaml") {
        return Ok(Format::ClabTopology);
    }
    detect_text(path, &read_text(path)?)
}

/// The format of inventory text; `name` (a path or `<stdin>`) helps only by its extension.
pub fn detect_text(name: &Path, text: &str) -> Result<Format, SourceError> {
    let ext = name
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return detect_json(name, text);
    }
    if ext == "toml" {
        return Ok(Format::Sshtriage);
    }
    if let Ok(table) = toml::from_str::<toml::Table>(text)
        && (table.contains_key("device") || table.contains_key("defaults"))
    {
        return Ok(Format::Sshtriage);
    }
    let as_yaml = yaml::parse(name, text);
    if let Ok(Some(doc)) = &as_yaml
        && doc.is_map()
    {
        if doc
            .get("topology")
            .is_some_and(|t| t.get("nodes").is_some())
        {
            return Ok(Format::ClabTopology);
        }
        let group_like = doc.entries().any(|(key, value)| {
            key == "all"
                || ["hosts", "children", "vars"]
                    .iter()
                    .any(|k| value.get(k).is_some())
        });
        if group_like {
            return Ok(Format::AnsibleYaml);
        }
    }
    if let Ok(Some(doc)) = yaml::parse(name, text)
        && let Some(format) = python_tool(&doc)
    {
        return Ok(format);
    }
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .collect();
    if lines.is_empty() {
        return Err(located(name, 0, "", "the file is empty: no devices"));
    }
    let is_section = |l: &&str| l.starts_with('[') && l.ends_with(']') && !l.contains(' ');
    if lines.iter().any(is_section) || lines.iter().any(|l| l.contains('=')) {
        return Ok(Format::AnsibleIni);
    }
    if lines
        .iter()
        .all(|l| !l.contains(char::is_whitespace) && crate::device::parse_host_arg(l).is_ok())
    {
        return Ok(Format::AddressList);
    }
    Err(not_recognised(name, &ext, as_yaml))
}

/// Why text matched no format, as precisely as can be said: YAML's own error (an alias to an
/// unknown anchor, a bomb, nesting too deep) with its line, or what the top level holds.
fn not_recognised(
    name: &Path,
    ext: &str,
    as_yaml: Result<Option<yaml::Node>, SourceError>,
) -> SourceError {
    let yaml_named = matches!(ext, "yml" | "yaml");
    match as_yaml {
        // Broken YAML stays broken whatever --format says: its own error is the cause.
        Err(e) if yaml_named => e,
        Err(e) => located(
            name,
            e.line,
            "",
            format!(
                "cannot tell what kind of inventory this is (read as YAML: {}); name the format \
                 with --format ({})",
                e.message,
                names()
            ),
        ),
        Ok(Some(doc)) if yaml_named || doc.is_seq() || doc.is_map() => located(
            name,
            doc.line.max(1),
            "",
            format!(
                "cannot tell what kind of inventory this is: the YAML holds {} at the top; an \
                 Ansible inventory is a mapping of groups (`all:` with `hosts:` or `children:`), \
                 a Containerlab topology has `topology: nodes:`; name the format with --format \
                 ({})",
                doc.describe(),
                names()
            ),
        ),
        _ => undetectable(name, "cannot tell what kind of inventory this is"),
    }
}

fn detect_json(name: &Path, text: &str) -> Result<Format, SourceError> {
    // Containerlab's files are told apart as JSON: as YAML a 16 MiB file takes hundreds of MB.
    // Anything else (or text that is only YAML) is decided as before.
    if let Ok(doc) = json::Doc::parse(name, text)
        && let Some(format) = clab_json(&doc.root().map())
    {
        return Ok(format);
    }
    let doc = yaml::parse(name, text)?.ok_or_else(|| undetectable(name, "empty JSON document"))?;
    if doc.get("containers").is_some() {
        return Ok(Format::ClabInspect);
    }
    if doc.get("nodes").is_some() && (doc.get("clab").is_some() || doc.get("type").is_some()) {
        return Ok(Format::ClabTopologyData);
    }
    if let Some(format) = python_tool(&doc) {
        return Ok(format);
    }
    let mut values = doc.entries().peekable();
    let lab_lists = values.peek().is_some()
        && values.all(|(_, v)| v.is_seq() && v.items().iter().all(|c| c.get("lab_name").is_some()));
    if lab_lists {
        return Ok(Format::ClabInspect);
    }
    Err(undetectable(
        name,
        "JSON, but none of `clab inspect --format json` output, topology-data.json, a NetPulse \
         request or Netmiko definitions",
    ))
}

/// The Containerlab format of a JSON document, by the same tests as `detect_json` makes on
/// its YAML tree; None where those tests would first ask `python_tool`.
fn clab_json(root: &json::Map) -> Option<Format> {
    if root.get("containers").is_some() {
        return Some(Format::ClabInspect);
    }
    if root.get("nodes").is_some() && (root.get("clab").is_some() || root.get("type").is_some()) {
        return Some(Format::ClabTopologyData);
    }
    // Of `python_tool`'s tests only these two can hold for a mapping of lists.
    if root.get("connection_args").is_some() || root.get("device_type").is_some() {
        return None;
    }
    let lab_lists = !root.is_empty()
        && root.iter().all(|(_, v)| {
            v.is_seq()
                && v.items()
                    .into_iter()
                    .all(|c| c.map().get("lab_name").is_some())
        });
    lab_lists.then_some(Format::ClabInspect)
}

/// Keys a Nornir host (`hostname`, …) has and an Ansible group or Netmiko definition lacks.
const NORNIR_KEYS: [&str; 5] = [
    "hostname",
    "groups",
    "platform",
    "connection_options",
    "data",
];

/// Nornir, NetPulse and Netmiko files, by the keys their tools read: NetPulse's
/// `connection_args`, Netmiko's `device_type`, Nornir's `inventory` section (a config.yaml)
/// or hosts that carry Nornir's keys.
fn python_tool(doc: &yaml::Node) -> Option<Format> {
    if doc.is_seq() {
        let items = doc.items();
        if items.iter().any(|i| i.get("connection_args").is_some()) {
            return Some(Format::NetPulse);
        }
        if items.iter().any(|i| i.get("device_type").is_some()) {
            return Some(Format::Netmiko);
        }
        return None;
    }
    if doc.get("connection_args").is_some() {
        return Some(Format::NetPulse);
    }
    if doc.get("device_type").is_some() {
        return Some(Format::Netmiko);
    }
    if super::nornir::is_config(doc) {
        return Some(Format::Nornir);
    }
    let values: Vec<&yaml::Node> = doc.entries().map(|(_, v)| v).collect();
    if values.iter().any(|v| v.get("device_type").is_some()) {
        return Some(Format::Netmiko);
    }
    let hosts = !values.is_empty()
        && values.iter().all(|v| v.is_map() || v.is_null())
        && values
            .iter()
            .any(|v| NORNIR_KEYS.iter().any(|k| v.get(k).is_some()));
    hosts.then_some(Format::Nornir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Format {
        detect_text(Path::new("inv"), text).unwrap()
    }

    #[test]
    fn content_decides() {
        assert_eq!(of("[[device]]\nhost = \"r1\"\n"), Format::Sshtriage);
        assert_eq!(
            of("name: lab\ntopology:\n  nodes:\n    r1: {}\n"),
            Format::ClabTopology
        );
        assert_eq!(of("all:\n  hosts:\n    r1:\n"), Format::AnsibleYaml);
        assert_eq!(of("routers:\n  hosts:\n    r1:\n"), Format::AnsibleYaml);
        assert_eq!(
            of("[routers]\nr1 ansible_host=10.0.0.1\n"),
            Format::AnsibleIni
        );
        assert_eq!(of("r1 ansible_port=2222\n"), Format::AnsibleIni);
        assert_eq!(
            of("# lab\nadmin@r1:2222\n[::1]:22\n10.0.0.1\n"),
            Format::AddressList
        );
        assert_eq!(of("{\"containers\": []}"), Format::ClabInspect);
        assert_eq!(
            of("{\"lab\": [{\"lab_name\": \"lab\"}]}"),
            Format::ClabInspect
        );
        assert_eq!(
            of("{\"name\":\"x\",\"type\":\"clab\",\"nodes\":{}}"),
            Format::ClabTopologyData
        );
        assert_eq!(
            of("r1:\n  hostname: 10.0.0.1\n  groups: [core]\nr2:\n"),
            Format::Nornir
        );
        assert_eq!(
            of("inventory:\n  plugin: SimpleInventory\n  options: {host_file: h.yaml}\n"),
            Format::Nornir
        );
        assert_eq!(
            of("- device_type: cisco_ios\n  host: r1\n"),
            Format::Netmiko
        );
        assert_eq!(
            of("[{\"device_type\": \"linux\", \"host\": \"h\"}]"),
            Format::Netmiko
        );
        assert_eq!(
            of("{\"r1\": {\"device_type\": \"linux\", \"host\": \"h\"}}"),
            Format::Netmiko
        );
        assert_eq!(
            of("{\"driver\": \"paramiko\", \"connection_args\": {\"host\": \"h\"}}"),
            Format::NetPulse
        );
        assert_eq!(
            of("[{\"driver\": \"netmiko\", \"connection_args\": {}}]"),
            Format::NetPulse
        );
        // Ansible groups are still Ansible, however their hosts look.
        assert_eq!(
            of("routers:\n  hosts:\n    r1:\n      hostname: x\n"),
            Format::AnsibleYaml
        );
    }

    #[test]
    fn undetectable_names_the_formats() {
        let err = detect_text(Path::new("x"), "{\"a\": 1}").unwrap_err();
        assert!(err.message.contains("--format"), "{err}");
        assert!(err.message.contains("clab-inspect"), "{err}");
        assert!(detect_text(Path::new("x"), "\n# nothing\n").is_err());
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert_eq!("toml".parse::<Format>(), Ok(Format::Sshtriage));
        assert!(
            "xml"
                .parse::<Format>()
                .unwrap_err()
                .to_string()
                .contains("clab-dir")
        );
    }
}
