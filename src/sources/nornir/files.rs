//! Which files make up an inventory: a hosts file with `groups` and `defaults` beside it, or
//! those a Nornir config names.

use crate::sources::SourceError;
use crate::sources::args::{Arg, Notes, error_at};
use crate::sources::read::read_text;
use crate::sources::yaml::{self, Node};
use crate::sources::{ValueSource, expand_path};
use std::path::{Path, PathBuf};

/// The files of one SimpleInventory and what its config adds.
pub(super) struct Files {
    pub hosts: PathBuf,
    pub groups: Option<PathBuf>,
    pub defaults: Option<PathBuf>,
    /// The config's `ssh.config_file`, which the plugins pass to their client.
    pub ssh_config_file: Option<Arg>,
}

pub(super) fn document(path: &Path) -> Result<Option<Node>, SourceError> {
    yaml::parse(path, &read_text(path)?)
}

/// `dir/stem.yaml`, else `dir/stem.yml`, when one exists.
pub(super) fn beside(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["yaml", "yml"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

/// A Nornir `config.yaml` rather than a hosts file.
pub(in crate::sources) fn is_config(doc: &Node) -> bool {
    doc.get("inventory")
        .is_some_and(|i| i.get("plugin").is_some() || i.get("options").is_some())
}

/// The inventory files a Nornir config names (relative to the config, as a script run beside
/// it sees them), with Nornir's defaults.
pub(super) fn config_files(
    path: &Path,
    doc: &Node,
    notes: &mut Notes,
) -> Result<Files, SourceError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let inventory = doc.get("inventory");
    let at = |node: &Node| ValueSource::file(path, node.line);
    if let Some(plugin) = inventory.and_then(|i| i.get("plugin"))
        && let Some(name) = plugin.as_str()
        && !matches!(
            name,
            "SimpleInventory" | "nornir.plugins.inventory.simple.SimpleInventory"
        )
    {
        return Err(error_at(
            &at(plugin),
            "inventory.plugin",
            format!("`{name}`: sshtriage reads Nornir's SimpleInventory files only"),
        ));
    }
    if let Some(t) = inventory.and_then(|i| i.get("transform_function"))
        && !t.is_null()
    {
        notes.add(
            format!(
                "{}: inventory.transform_function: it changes hosts in Python, which sshtriage \
                 does not run; the files are read as written",
                at(t)
            ),
            "",
        );
    }
    let options = inventory.and_then(|i| i.get("options"));
    let file = |key: &str, default: &str| -> PathBuf {
        let named = options
            .and_then(|o| o.get(key))
            .and_then(Node::as_str)
            .unwrap_or(default);
        expand_path(dir, named)
    };
    let existing = |p: PathBuf| p.is_file().then_some(p);
    let ssh_config_file = doc
        .get("ssh")
        .and_then(|s| s.get("config_file"))
        .filter(|c| c.as_str().is_some())
        .map(|c| Arg {
            key: "ssh.config_file".into(),
            node: Node::quoted(
                &expand_path(dir, c.as_str().unwrap_or_default())
                    .display()
                    .to_string(),
                c.line,
            ),
            source: at(c),
        });
    Ok(Files {
        hosts: file("host_file", "hosts.yaml"),
        groups: existing(file("group_file", "groups.yaml")),
        defaults: existing(file("defaults_file", "defaults.yaml")),
        ssh_config_file,
    })
}
