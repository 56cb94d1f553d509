//! Nornir's SimpleInventory: `hosts.yaml`, with `groups.yaml` and `defaults.yaml` beside it
//! when they exist (`.yml` too), or the files a Nornir `config.yaml` names. Values are
//! inherited as Nornir inherits them (see `inventory`), then handed to the connection plugin
//! the host is set up for, as that plugin's `open()` passes them on:
//!
//! - `connection_options.netmiko` (the default when none is set up): `ConnectHandler` with
//!   `hostname`, `port`, `username`, `password`, the `platform` as `device_type` (NAPALM names
//!   mapped as nornir_netmiko maps them) and `extras` over them (`secret`, `key_file`,
//!   `use_keys`, `conn_timeout`, `disabled_algorithms`, …);
//! - `scrapli`: its `auth_*`, `transport` and timeouts; `napalm`: the platform's driver and
//!   `optional_args`; `paramiko`: `SSHClient.connect` arguments.
//!
//! Containerlab writes a `nornir-simple-inventory.yml` into each lab directory; its
//! credentials complete the lab's devices (see `clab`).

mod files;
mod inventory;
mod scrapli;

use super::args::{Arg, Args, Ctx, Notes, Reader, error_at, set_client};
use super::netmiko::{self, Strictness};
use super::read::located;
use super::yaml::{self, Node};
use super::{Field, Loaded, Provenance, SourceError, ValueSource, napalm, new_device, paramiko};
use crate::device::{ClientKind, Device, Origin, UsedBy};
use crate::profile::Profiles;
pub(super) use files::is_config;
use files::{Files, beside, config_files, document};
use inventory::{ConnectionOptions, Element, Inventory, Resolved};
use std::path::Path;

/// Connection plugins sshtriage follows, in the order it picks one when a host has options
/// for several.
const PLUGINS: [&str; 4] = ["netmiko", "scrapli", "napalm", "paramiko"];

pub(super) fn load(path: &Path, profiles: &Profiles) -> Result<Loaded, SourceError> {
    let doc = document(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut notes = Notes::default();
    let files = match &doc {
        Some(d) if is_config(d) => config_files(path, d, &mut notes)?,
        _ => Files {
            hosts: path.to_owned(),
            groups: beside(dir, "groups"),
            defaults: beside(dir, "defaults"),
            ssh_config_file: None,
        },
    };
    let hosts_doc = if files.hosts == path {
        doc
    } else {
        document(&files.hosts)?
    };
    let groups_doc = files.groups.as_deref().map(document).transpose()?;
    let defaults_doc = files.defaults.as_deref().map(document).transpose()?;
    let mut errors = Vec::new();
    let inv = Inventory::read(
        (&files.hosts, &hosts_doc),
        files.groups.as_deref().zip(groups_doc.as_ref()),
        files.defaults.as_deref().zip(defaults_doc.as_ref()),
        &mut errors,
    )?;
    let base = files.hosts.parent().unwrap_or(Path::new("."));
    build(inv, errors, base, profiles, files.ssh_config_file, notes)
}

/// A hosts file given as text (standard input): no groups or defaults are read.
pub(super) fn parse_text(
    name: &Path,
    text: &str,
    profiles: &Profiles,
) -> Result<Loaded, SourceError> {
    let doc = yaml::parse(name, text)?;
    if doc.as_ref().is_some_and(is_config) {
        return Err(located(
            name,
            0,
            "inventory",
            "a Nornir config names its inventory files: give its path, not standard input",
        ));
    }
    let mut errors = Vec::new();
    let mut inv = Inventory::read((name, &doc), None, None, &mut errors)?;
    inv.groups_unread = true;
    let mut notes = Notes::default();
    notes.add(
        format!(
            "{}: groups and defaults are not read from standard input: only the hosts' own \
             values apply",
            name.display()
        ),
        "",
    );
    build(inv, errors, Path::new("."), profiles, None, notes)
}

fn build(
    mut inv: Inventory,
    errors: Vec<SourceError>,
    base_dir: &Path,
    profiles: &Profiles,
    ssh_config_file: Option<Arg>,
    mut notes: Notes,
) -> Result<Loaded, SourceError> {
    let file_notes = std::mem::take(&mut inv.notes);
    let mut resolved = Resolved::new(&inv)?;
    let ctx = Ctx::new(base_dir, profiles);
    let mut loaded = Loaded::default();
    loaded
        .warnings
        .extend(errors.iter().map(ToString::to_string));
    // The same broken group stops many hosts: one message names them all.
    let mut failed = Notes::default();
    for host in &inv.hosts {
        let built = match resolved.host_groups(host) {
            Ok(groups) => Host {
                element: host,
                groups: &groups,
                ctx: &ctx,
                ssh_config_file: ssh_config_file.as_ref(),
            }
            .device(&mut resolved, &mut notes),
            Err(e) => Err(e),
        };
        match built {
            Ok((device, prov)) => loaded.push(&host.path, device, prov)?,
            Err(e) => failed.add(format!("{e}; skipped"), &host.name),
        }
    }
    loaded.warnings.extend(failed.render());
    loaded.warnings.extend(file_notes.render());
    loaded.warnings.extend(notes.render());
    Ok(loaded)
}

/// One host with its extended groups, being turned into a device.
struct Host<'a, 'b> {
    element: &'a Element,
    groups: &'b [&'a str],
    ctx: &'b Ctx<'b>,
    ssh_config_file: Option<&'b Arg>,
}

impl<'a> Host<'a, '_> {
    fn device(
        &self,
        resolved: &mut Resolved<'a>,
        notes: &mut Notes,
    ) -> Result<(Device, Provenance), SourceError> {
        let host = self.element;
        let at = ValueSource::file(&host.path, host.line);
        let mut configured: Vec<(&str, ConnectionOptions)> = PLUGINS
            .iter()
            .map(|p| (*p, resolved.connection(host, p)))
            .filter(|(_, c)| !c.is_empty())
            .collect();
        if configured.len() > 1 {
            let names: Vec<&str> = configured.iter().map(|(p, _)| *p).collect();
            notes.add(
                format!(
                    "connection options for {}: sshtriage checks the {} connection",
                    names.join(", "),
                    names[0]
                ),
                &host.name,
            );
        }
        let explicit = !configured.is_empty();
        let (plugin, conn) = if explicit {
            configured.remove(0)
        } else {
            ("netmiko", ConnectionOptions::default())
        };
        // `get_connection_parameters`: the plugin's own value, else the host's attribute.
        let value = |name: &str| -> Option<Arg> {
            conn.attrs
                .get(name)
                .or_else(|| resolved.attribute(host, self.groups, name))
                .cloned()
        };
        let hostname = value("hostname").ok_or_else(|| {
            error_at(
                &at,
                &format!("{}.hostname", host.name),
                format!(
                    "{} has no hostname in the hosts file, its groups or the defaults: Nornir \
                     opens its connections with hostname None, which fails",
                    host.name
                ),
            )
        })?;
        let (mut device, mut prov) = new_device(&host.name, &host.name, origin(host));
        let client_at = conn_source(&conn).unwrap_or_else(|| at.clone());
        let mut r = Reader {
            notes,
            device: host.name.clone(),
            tool: "Nornir",
        };
        let mut args = Args::default();
        for name in ["username", "password", "port"] {
            if let Some(arg) = value(name) {
                args.set(name, arg);
            }
        }
        let platform = value("platform");
        let extras = match &conn.extras {
            Some(e) if e.node.is_map() => {
                Args::of(path_of(&e.source), &e.node, &format!("{}.", e.key))
            }
            Some(e) => {
                let message = format!(
                    "{}: {}: is {}, not a mapping; ignored",
                    e.source,
                    e.key,
                    e.node.describe()
                );
                r.notes.add(message, &host.name);
                Args::default()
            }
            None => Args::default(),
        };
        match plugin {
            "netmiko" => {
                set_client(
                    &mut device,
                    &mut prov,
                    ClientKind::Netmiko,
                    UsedBy::Nornir,
                    client_at,
                );
                args.set("host", hostname);
                if let Some(p) = &platform
                    && let Some(name) = p.node.as_str()
                {
                    let mapped = napalm::netmiko_name(name.trim());
                    let node = Node::quoted(mapped, p.node.line);
                    args.set("device_type", Arg { node, ..p.clone() });
                }
                if let Some(ssh) = self.ssh_config_file {
                    args.set("ssh_config_file", ssh.clone());
                }
                args.update(&extras);
                if platform.is_none() && explicit {
                    return Err(error_at(
                        &at,
                        &format!("{}.platform", host.name),
                        "nornir_netmiko passes no device_type without a platform, and \
                         ConnectHandler fails (KeyError)"
                            .into(),
                    ));
                }
                let strictness = if explicit {
                    Strictness::ConnectHandler
                } else {
                    Strictness::Lenient
                };
                netmiko::apply(
                    &args,
                    &at,
                    &mut device,
                    &mut prov,
                    &mut r,
                    self.ctx,
                    strictness,
                )?;
            }
            "paramiko" => {
                set_client(
                    &mut device,
                    &mut prov,
                    ClientKind::Paramiko,
                    UsedBy::Nornir,
                    client_at,
                );
                args.set("hostname", hostname);
                args.update(&extras);
                address(&args, "hostname", &mut device, &mut prov, &mut r);
                paramiko::apply(
                    &args,
                    &mut device,
                    &mut prov,
                    &mut r,
                    self.ctx,
                    &[],
                    "not a Paramiko connect argument (SSHClient.connect raises TypeError)",
                )?;
                self.profile(platform.as_ref(), &[], &mut device, &mut prov, &mut r);
            }
            "scrapli" => {
                args.set("host", hostname);
                for (from, to) in [("username", "auth_username"), ("password", "auth_password")] {
                    if let Some(a) = args.remove(from) {
                        args.set(to, a);
                    }
                }
                args.update(&extras);
                if platform.is_none() && explicit {
                    return Err(error_at(
                        &at,
                        &format!("{}.platform", host.name),
                        "nornir_scrapli needs a platform (NornirScrapliInvalidPlatform)".into(),
                    ));
                }
                address(&args, "host", &mut device, &mut prov, &mut r);
                scrapli::apply(&args, client_at, &mut device, &mut prov, &mut r, self.ctx)?;
                self.profile(
                    platform.as_ref(),
                    scrapli::PLATFORMS,
                    &mut device,
                    &mut prov,
                    &mut r,
                );
            }
            _ => {
                // napalm
                args.set("hostname", hostname);
                address(&args, "hostname", &mut device, &mut prov, &mut r);
                if let Some((user, source)) = r.text(args.get("username")) {
                    device.username = Some(user);
                    prov.set(Field::Username, source);
                }
                // nornir_napalm passes the port in optional_args, unless they name one.
                if let Some((port, source)) = r.port(args.get("port"))? {
                    device.port = port;
                    prov.set(Field::Port, source);
                }
                if let Some((password, source)) = r.secret(args.get("password"), "password_env") {
                    device.credentials.password = Some(password);
                    prov.set(Field::Password, source);
                }
                if platform.is_none() {
                    return Err(error_at(
                        &at,
                        &format!("{}.platform", host.name),
                        "nornir_napalm needs a platform to pick the NAPALM driver".into(),
                    ));
                }
                napalm::apply(
                    path_of(&at),
                    platform.as_ref(),
                    extras.get("optional_args"),
                    extras.get("timeout"),
                    &mut device,
                    &mut prov,
                    &mut r,
                    self.ctx,
                    UsedBy::Nornir,
                )?;
            }
        }
        Ok((device, prov))
    }

    /// The profile for a platform a plugin reads itself: through `map` (the plugin's own
    /// names), then as a Netmiko name (NAPALM names mapped).
    fn profile(
        &self,
        platform: Option<&Arg>,
        map: &[(&str, &str)],
        device: &mut Device,
        prov: &mut Provenance,
        r: &mut Reader,
    ) {
        let Some(arg) = platform else { return };
        let Some(name) = arg.node.as_str().map(str::trim) else {
            return;
        };
        let mapped = map
            .iter()
            .find(|(from, _)| *from == name)
            .map_or(name, |(_, to)| to);
        let profiles = self.ctx.profiles;
        match profiles
            .get(mapped)
            .or_else(|| profiles.get(napalm::netmiko_name(name)))
        {
            Some(p) => {
                device.profile = p.name.clone();
                prov.set(Field::Profile, arg.source.clone());
            }
            None => r.notes.add(
                format!(
                    "{}: {}: no sshtriage profile for `{name}`; the platform is auto-detected",
                    arg.source, arg.key
                ),
                &device.name,
            ),
        }
    }
}

fn origin(host: &Element) -> Origin {
    Origin::File {
        path: host.path.clone(),
        line: host.line,
    }
}

fn path_of(source: &ValueSource) -> &Path {
    match source {
        ValueSource::File { path, .. } => path,
        ValueSource::BuiltIn(_) => Path::new("."),
    }
}

/// Where the plugin's options were first written.
fn conn_source(conn: &ConnectionOptions) -> Option<ValueSource> {
    conn.extras
        .iter()
        .chain(conn.attrs.0.iter().flatten())
        .map(|a| a.source.clone())
        .next()
}

/// The address under `key`.
fn address(args: &Args, key: &str, device: &mut Device, prov: &mut Provenance, r: &mut Reader) {
    if let Some((host, source)) = r.text(args.get(key)) {
        device.host = host.trim().to_owned();
        prov.set(Field::Host, source);
    }
}

/// Credentials Containerlab wrote into a lab's `nornir-simple-inventory.yml`, laid over the
/// devices of the same names where only a built-in default (a kind's) set them.
pub(super) fn lab_credentials(path: &Path, loaded: &mut Loaded) -> Result<(), SourceError> {
    let doc = document(path)?;
    let mut errors = Vec::new();
    let inv = Inventory::read((path, &doc), None, None, &mut errors)?;
    loaded
        .warnings
        .extend(errors.iter().map(ToString::to_string));
    let mut notes = Notes::default();
    for host in &inv.hosts {
        let Some((device, prov)) = loaded.devices.iter_mut().find(|(d, _)| d.name == host.name)
        else {
            continue;
        };
        let mut r = Reader {
            notes: &mut notes,
            device: host.name.clone(),
            tool: "Nornir",
        };
        if !prov.is_explicit(Field::Username)
            && let Some((user, source)) = r.text(host.attrs.get("username"))
        {
            device.username = Some(user);
            prov.set(Field::Username, source);
        }
        if !prov.is_explicit(Field::Password)
            && let Some((password, source)) = r.secret(host.attrs.get("password"), "password_env")
        {
            device.credentials.password = Some(password);
            prov.set(Field::Password, source);
        }
    }
    loaded.warnings.extend(notes.render());
    Ok(())
}

#[cfg(test)]
mod tests;
