//! Containerlab: a topology file, a deployed lab's directory (`topology-data.json`, else
//! `ansible-inventory.yml`), and `clab inspect --format json` output in both its shapes
//! (`{"containers": [...]}` up to v0.67, `{"<lab>": [...]}` after).
//!
//! Devices are named by their node name; their kind gives the profile and Containerlab's
//! default credentials (see profiles/containerlab-kinds.toml).

use super::json;
use super::kinds::{self, KindInfo};
use super::read::{located, read_text};
use super::yaml::{self, Node};
use super::{Field, Loaded, Provenance, ValueSource, ansible, new_device};
use crate::device::{Device, Origin};
use crate::profile::Profiles;
use crate::sources::SourceError;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A value and the line that gave it.
type Located<T> = Option<(T, usize)>;

/// A node as any of the sources describe it.
struct ClabNode {
    name: String,
    line: usize,
    /// The kind and the line that gave it.
    kind: Option<(String, usize)>,
    /// The address to reach it and the line that gave it.
    host: Option<(String, usize)>,
    port: Option<(u16, usize)>,
}

fn document(path: &Path, text: &str) -> Result<Node, SourceError> {
    match yaml::parse(path, text)? {
        Some(doc) if doc.is_map() => Ok(doc),
        Some(doc) => Err(located(
            path,
            doc.line,
            "",
            format!("expected a mapping at the top, found {}", doc.describe()),
        )),
        None => Err(located(path, 0, "", "empty file: no nodes")),
    }
}

fn text_of<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key)
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
}

/// The lab directory Containerlab creates beside a topology file.
fn lab_dir_of(topology: &Path, lab: &str) -> PathBuf {
    topology
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("clab-{lab}"))
}

pub(super) fn load_topology(path: &Path, profiles: &Profiles) -> Result<Loaded, SourceError> {
    let text = read_text(path)?;
    let doc = document(path, &text)?;
    if let Some(lab) = text_of(&doc, "name") {
        let dir = lab_dir_of(path, lab);
        if dir.join("topology-data.json").exists() || dir.join("ansible-inventory.yml").exists() {
            // The deployed lab knows the addresses Containerlab actually assigned.
            return load_lab_dir(&dir, profiles);
        }
    }
    topology_devices(path, &doc, true)
}

/// A topology given as text: its lab directory is not looked for.
pub(super) fn parse_topology(path: &Path, text: &str) -> Result<Loaded, SourceError> {
    topology_devices(path, &document(path, text)?, false)
}

fn topology_devices(path: &Path, doc: &Node, looked_for_dir: bool) -> Result<Loaded, SourceError> {
    let lab = text_of(doc, "name")
        .ok_or_else(|| located(path, doc.line, "name", "a topology needs the lab `name`"))?;
    let prefix = doc.get("prefix").map(|p| p.as_str().unwrap_or(""));
    let container = |node: &str| match prefix {
        None => format!("clab-{lab}-{node}"),
        Some("") => node.to_owned(),
        Some("__lab-name") => format!("{lab}-{node}"),
        Some(p) => format!("{p}-{lab}-{node}"),
    };
    let (topology_line, topology) = doc
        .entries_lined()
        .filter(|(k, _, _)| *k == "topology")
        .map(|(_, line, v)| (line, v))
        .next_back()
        .ok_or_else(|| located(path, doc.line, "topology", "missing `topology` section"))?;
    let nodes = topology
        .get("nodes")
        .filter(|n| n.is_map())
        .ok_or_else(|| {
            located(
                path,
                topology_line,
                "topology.nodes",
                "missing `nodes` mapping",
            )
        })?;
    let default_kind = topology.get("defaults").and_then(|d| d.get("kind"));
    let groups = topology.get("groups");
    let mut by_name = Vec::new();
    for (name, line, node) in nodes.entries_lined() {
        let group_kind = text_of(node, "group")
            .and_then(|g| groups.and_then(|gs| gs.get(g)))
            .and_then(|g| g.get("kind"));
        let kind = node
            .get("kind")
            .or(group_kind)
            .or(default_kind)
            .and_then(kind_of);
        let host = ["mgmt-ipv4", "mgmt-ipv6"].iter().find_map(|k| {
            node.get(k)
                .and_then(|v| v.as_str().map(|s| (s.to_owned(), v.line)))
        });
        by_name.push(ClabNode {
            name: name.to_owned(),
            line,
            kind,
            host,
            port: None,
        });
    }
    let mut loaded = Loaded::default();
    let mut by_container = Vec::new();
    for mut node in by_name {
        if node.host.is_none() && is_device(node.kind.as_ref()) {
            by_container.push(node.name.clone());
            node.host = Some((container(&node.name), node.line));
        }
        add_node(path, node, &mut loaded)?;
    }
    if !by_container.is_empty() {
        let why = if looked_for_dir {
            format!("no lab directory clab-{lab}/ beside the topology (is the lab deployed?)")
        } else {
            "the lab directory was not read".to_owned()
        };
        loaded.warnings.push(format!(
            "{}: {why}; {} addressed by container name (e.g. {}), which Containerlab adds to \
             /etc/hosts when it deploys the lab",
            path.display(),
            by_container.join(", "),
            container(&by_container[0])
        ));
    }
    Ok(loaded)
}

/// Sets the profile and Containerlab's default credentials that follow from a node's kind.
fn apply_kind(
    path: &Path,
    (name, line): (&str, usize),
    device: &mut Device,
    prov: &mut Provenance,
    warnings: &mut Vec<String>,
) {
    let at = ValueSource::file(path, line);
    match kinds::lookup(name) {
        KindInfo::Known(k) => {
            device.profile = k.profile.clone();
            prov.set(Field::Profile, at);
            let default =
                ValueSource::BuiltIn(format!("containerlab default for kind {name} ({})", k.doc));
            if let Some(user) = &k.username
                && !prov.is_explicit(Field::Username)
            {
                device.username = Some(user.clone());
                prov.set(Field::Username, default.clone());
            }
            if let Some(password) = k.password()
                && !prov.is_explicit(Field::Password)
            {
                device.credentials.password = Some(password);
                prov.set(Field::Password, default);
            }
        }
        KindInfo::Prefix { profile } => {
            device.profile = profile;
            prov.set(Field::Profile, at);
        }
        KindInfo::Unknown => warnings.push(format!(
            "{}:{}: kind `{name}` of {} is not one sshtriage knows: its platform is \
             auto-detected and no default credentials apply",
            path.display(),
            line,
            device.name
        )),
        KindInfo::NotDevice => {}
    }
}

fn kind_of(node: &Node) -> Option<(String, usize)> {
    node.as_str().map(|k| (k.to_owned(), node.line))
}

fn is_device(kind: Option<&(String, usize)>) -> bool {
    !matches!(
        kind.map(|(k, _)| kinds::lookup(k)),
        Some(KindInfo::NotDevice)
    )
}

fn add_node(path: &Path, node: ClabNode, loaded: &mut Loaded) -> Result<(), SourceError> {
    if !is_device(node.kind.as_ref()) {
        return Ok(());
    }
    let origin = Origin::File {
        path: path.to_owned(),
        line: node.line,
    };
    let (host, host_line) = node.host.unwrap_or_else(|| (node.name.clone(), node.line));
    let (mut device, mut prov) = new_device(&node.name, &host, origin);
    prov.set(Field::Host, ValueSource::file(path, host_line));
    if let Some((port, line)) = node.port {
        device.port = port;
        prov.set(Field::Port, ValueSource::file(path, line));
    }
    match &node.kind {
        Some((kind, line)) => apply_kind(
            path,
            (kind, *line),
            &mut device,
            &mut prov,
            &mut loaded.warnings,
        ),
        None => loaded.warnings.push(format!(
            "{}:{}: node {} has no kind: its platform is auto-detected",
            path.display(),
            node.line,
            node.name
        )),
    }
    loaded.push(path, device, prov)
}

pub(super) fn load_lab_dir(dir: &Path, profiles: &Profiles) -> Result<Loaded, SourceError> {
    // Present in any form is read: a directory or FIFO there is named, not passed over.
    let data = dir.join("topology-data.json");
    let inventory = dir.join("ansible-inventory.yml");
    let nornir = dir.join("nornir-simple-inventory.yml");
    let mut loaded = if data.exists() {
        load_topology_data(&data, &read_text(&data)?)?
    } else if inventory.exists() {
        lab_ansible_inventory(dir, &inventory, profiles)?
    } else if nornir.exists() {
        return super::nornir::load(&nornir, profiles);
    } else {
        return Err(located(
            dir,
            0,
            "",
            "no topology-data.json, ansible-inventory.yml or nornir-simple-inventory.yml: not a \
             deployed Containerlab lab directory",
        ));
    };
    // The credentials Containerlab configured (the topology's own, not only the kind's
    // defaults) are in its Nornir inventory.
    if nornir.is_file() {
        super::nornir::lab_credentials(&nornir, &mut loaded)?;
    }
    Ok(loaded)
}

/// A JSON document whose top is a mapping (as `document` for YAML).
fn json_document<'a>(
    path: &Path,
    text: &'a str,
) -> Result<(json::Doc<'a>, json::Map<'a>), SourceError> {
    if text.trim_start_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Err(located(path, 0, "", "empty file: no nodes"));
    }
    let doc = json::Doc::parse(path, text)?;
    let root = doc.root();
    match root.describe() {
        "a mapping" => Ok((doc, root.map())),
        "empty" => Err(located(path, 0, "", "empty file: no nodes")),
        what => Err(located(
            path,
            doc.line(root),
            "",
            format!("expected a mapping at the top, found {what}"),
        )),
    }
}

/// A value's text and line.
fn json_text(doc: &json::Doc, value: json::Value) -> Option<(String, usize)> {
    value.as_str().map(|s| (s.into_owned(), doc.line(value)))
}

/// The address to use from a node's `mgmt-ipv4-address` / `mgmt-ipv6-address`, or a published
/// SSH port when the node has no management address.
fn data_address(doc: &json::Doc, node: &json::Map) -> (Located<String>, Located<u16>) {
    for key in ["mgmt-ipv4-address", "mgmt-ipv6-address"] {
        if let Some(v) = node.get(key)
            && let Some(addr) = v.as_str().filter(|a| !a.is_empty())
        {
            return (Some((addr.into_owned(), doc.line(v))), None);
        }
    }
    let bindings = node
        .get("port-bindings")
        .map(|b| b.items())
        .unwrap_or_default();
    let ssh = bindings.into_iter().map(|b| (b, b.map())).find(|(_, p)| {
        p.get("port").and_then(|v| v.as_str()).as_deref() == Some("22")
            && p.get("protocol")
                .and_then(|v| v.as_str())
                .as_deref()
                .unwrap_or("tcp")
                == "tcp"
    });
    if let Some((at, binding)) = ssh
        && let Some(port) = binding.get("host-port").and_then(|v| v.as_str())
        && let Ok(port) = port.parse::<u16>()
    {
        let ip = binding.get("host-ip").and_then(|v| v.as_str());
        let host = match ip.as_deref().unwrap_or("") {
            "" | "0.0.0.0" => "127.0.0.1",
            "::" => "::1",
            other => other,
        };
        let line = doc.line(at);
        return (Some((host.to_owned(), line)), Some((port, line)));
    }
    (None, None)
}

/// Read as JSON, not YAML: only the values used are decoded (see `json`).
pub(super) fn load_topology_data(path: &Path, text: &str) -> Result<Loaded, SourceError> {
    let (doc, root) = json_document(path, text)?;
    let nodes = root.get("nodes").filter(|n| n.is_map()).ok_or_else(|| {
        located(
            path,
            doc.line(doc.root()),
            "nodes",
            "missing `nodes` mapping",
        )
    })?;
    // Counted first: devices are reserved at once (not a doubling vector's peak of two), and
    // too many are refused before any is built.
    let mut devices = 0;
    nodes.each_entry(|_, node| {
        let kind = node.map().get("kind").and_then(|k| k.as_str());
        let kind = kind.map(|k| (k.into_owned(), 0));
        devices += usize::from(is_device(kind.as_ref()));
        Ok::<_, SourceError>(())
    })?;
    if devices > super::MAX_DEVICES {
        let too_many = format!("more than {} devices", super::MAX_DEVICES);
        return Err(located(path, 0, "", too_many));
    }
    let mut loaded = Loaded::default();
    loaded.devices.reserve(devices);
    let mut unaddressed = Vec::new();
    nodes.each_entry(|key, node| {
        let name = key.as_str().unwrap_or_default().into_owned();
        let line = doc.line(key);
        let node = node.map();
        let (mut host, port) = data_address(&doc, &node);
        let kind = node.get("kind").and_then(|k| json_text(&doc, k));
        if host.is_none() && is_device(kind.as_ref()) {
            let long = node
                .text("longname")
                .map_or_else(|| name.clone(), Cow::into_owned);
            unaddressed.push(long.clone());
            host = Some((long, line));
        }
        let node = ClabNode {
            name,
            line,
            kind,
            host,
            port,
        };
        add_node(path, node, &mut loaded)
    })?;
    if !unaddressed.is_empty() {
        loaded.warnings.push(format!(
            "{}: no management address for {}: addressed by container name",
            path.display(),
            unaddressed.join(", ")
        ));
    }
    Ok(loaded)
}

/// The older lab directories have only the generated Ansible inventory: hosts are grouped by
/// kind, and named `clab-<lab>-<node>`.
fn lab_ansible_inventory(
    dir: &Path,
    inventory: &Path,
    profiles: &Profiles,
) -> Result<Loaded, SourceError> {
    let (mut loaded, groups) = ansible::load_with_groups(inventory, profiles)?;
    let lab = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .and_then(|n| n.strip_prefix("clab-").map(str::to_owned));
    for ((device, prov), groups) in loaded.devices.iter_mut().zip(groups) {
        if let Some(lab) = &lab
            && let Some(short) = device.name.strip_prefix(&format!("clab-{lab}-"))
        {
            device.name = short.to_owned();
        }
        let kind = groups.iter().find_map(|(g, line)| match kinds::lookup(g) {
            KindInfo::Known(_) | KindInfo::Prefix { .. } => Some((g.clone(), *line)),
            _ => None,
        });
        if let Some((kind, line)) = kind {
            let explicit = prov.get(Field::Profile).cloned();
            let profile = device.profile.clone();
            apply_kind(inventory, (&kind, line), device, prov, &mut loaded.warnings);
            if let Some(source) = explicit.filter(|_| profile != "auto") {
                // ansible_network_os in the inventory is more specific than the kind group.
                device.profile = profile;
                prov.set(Field::Profile, source);
            }
        }
    }
    Ok(loaded)
}

/// Read as JSON, not YAML (see `load_topology_data`).
pub(super) fn load_inspect(path: &Path, text: &str) -> Result<Loaded, SourceError> {
    let (doc, root) = json_document(path, text)?;
    let containers: Vec<json::Value> = match root.get("containers") {
        Some(list) => list.items(),
        None => root.iter().flat_map(|(_, v)| v.items()).collect(),
    };
    let labs: std::collections::BTreeSet<Cow<str>> = containers
        .iter()
        .filter_map(|c| c.map().text("lab_name"))
        .collect();
    let mut loaded = Loaded::default();
    let mut stopped = Vec::new();
    for value in containers {
        let c = value.map();
        let line = doc.line(value);
        let container = c
            .text("name")
            .ok_or_else(|| located(path, line, "name", "container without a name"))?;
        // Container names are unique on a host; node names only within a lab.
        let name = match (labs.len(), c.text("lab_name")) {
            (1, Some(lab)) => container
                .strip_prefix(&format!("clab-{lab}-"))
                .or_else(|| container.strip_prefix(&format!("{lab}-")))
                .unwrap_or(&container),
            _ => &container,
        };
        let host = ["ipv4_address", "ipv6_address"].iter().find_map(|k| {
            let v = c.get(k)?;
            let text = v.as_str()?;
            let text = text.trim();
            let addr = text.split('/').next()?.trim();
            (!addr.is_empty() && text != "N/A").then(|| (addr.to_owned(), doc.line(v)))
        });
        if let Some(state) = c.text("state")
            && state != "running"
        {
            stopped.push(format!("{name} ({state})"));
        }
        let node = ClabNode {
            name: name.to_owned(),
            line,
            kind: c.get("kind").and_then(|k| json_text(&doc, k)),
            host: host.or_else(|| Some((container.clone().into_owned(), line))),
            port: None,
        };
        add_node(path, node, &mut loaded)?;
    }
    if !stopped.is_empty() {
        loaded.warnings.push(format!(
            "{}: not running, so they will not answer: {}",
            path.display(),
            stopped.join(", ")
        ));
    }
    if loaded.devices.is_empty() {
        loaded
            .warnings
            .push(format!("{}: no containers listed", path.display()));
    }
    Ok(loaded)
}
