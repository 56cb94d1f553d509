//! Netmiko `ConnectHandler` definitions as scripts keep them: a YAML or JSON list of argument
//! mappings, a mapping of name → arguments, or a single mapping. Each becomes a device whose
//! client is Netmiko (Paramiko underneath); `device_type` gives the profile. A definition
//! `ConnectHandler` would refuse (unknown or serial `device_type`, no host) is reported, with
//! its file, line and key, and the others still load.

mod connect;
mod types;

pub(super) use connect::{Strictness, apply, disabled_algorithms};

use super::args::{Args, Ctx, Notes, Reader, set_client, unique_name};
use super::read::located;
use super::yaml::{self, Node};
use super::{Loaded, Provenance, SourceError, ValueSource, new_device};
use crate::device::{ClientKind, Device, Origin, UsedBy};
use crate::profile::Profiles;
use std::collections::HashSet;
use std::path::Path;

/// One definition as found: its name if the file gives one, where it starts, its arguments.
struct Definition<'a> {
    name: Option<String>,
    line: usize,
    node: &'a Node,
}

pub(super) fn load(path: &Path, text: &str, profiles: &Profiles) -> Result<Loaded, SourceError> {
    let doc = yaml::parse(path, text)?
        .ok_or_else(|| located(path, 0, "", "empty file: no device definitions"))?;
    let definitions: Vec<Definition> = if doc.is_seq() {
        doc.items()
            .iter()
            .map(|node| Definition {
                name: None,
                line: node.line,
                node,
            })
            .collect()
    } else if doc.get("device_type").is_some() {
        vec![Definition {
            name: None,
            line: doc.line,
            node: &doc,
        }]
    } else if doc.is_map() {
        doc.entries_lined()
            .map(|(name, line, node)| Definition {
                name: Some(name.to_owned()),
                line,
                node,
            })
            .collect()
    } else {
        return Err(located(
            path,
            doc.line,
            "",
            format!(
                "expected a list or mapping of ConnectHandler arguments, found {}",
                doc.describe()
            ),
        ));
    };
    let ctx = Ctx::new(path.parent().unwrap_or(Path::new(".")), profiles);
    let mut loaded = Loaded::default();
    let mut notes = Notes::default();
    let mut taken = HashSet::new();
    for def in definitions {
        if !def.node.is_map() {
            let message = format!(
                "expected a mapping of ConnectHandler arguments, found {}",
                def.node.describe()
            );
            loaded
                .warnings
                .push(located(path, def.line, "", message).to_string());
            continue;
        }
        let args = Args::of(path, def.node, "");
        let label = def
            .name
            .clone()
            .or_else(|| scalar(&args, "name"))
            .or_else(|| scalar(&args, "ip"))
            .or_else(|| scalar(&args, "host"))
            .unwrap_or_else(|| format!("line {}", def.line));
        let name = unique_name(&mut taken, &label);
        match device(path, def.line, &name, &args, &ctx, &mut notes) {
            Ok((device, prov)) => loaded.push(path, device, prov)?,
            Err(e) => loaded.warnings.push(e.to_string()),
        }
    }
    loaded.warnings.extend(notes.render());
    Ok(loaded)
}

fn scalar(args: &Args, key: &str) -> Option<String> {
    args.get(key)
        .and_then(|a| a.node.as_str())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn device(
    path: &Path,
    line: usize,
    name: &str,
    args: &Args,
    ctx: &Ctx,
    notes: &mut Notes,
) -> Result<(Device, Provenance), SourceError> {
    let origin = Origin::File {
        path: path.to_owned(),
        line,
    };
    let at = ValueSource::file(path, line);
    let (mut device, mut prov) = new_device(name, name, origin);
    set_client(
        &mut device,
        &mut prov,
        ClientKind::Netmiko,
        UsedBy::Netmiko,
        at.clone(),
    );
    let mut reader = Reader {
        notes,
        device: name.to_owned(),
        tool: "Netmiko",
    };
    apply(
        args,
        &at,
        &mut device,
        &mut prov,
        &mut reader,
        ctx,
        Strictness::ConnectHandler,
    )?;
    Ok((device, prov))
}

#[cfg(test)]
mod tests;
