//! NetPulse API requests (the bodies of `POST /device/execute` and friends) as JSON: one
//! request, a list of them, or a bulk request whose `devices` each override its
//! `connection_args`. The `driver` says what connects: `paramiko` (Paramiko with its connect
//! arguments, a `proxy_*` jump host), `netmiko` (`ConnectHandler` arguments), `napalm` (its
//! platform's driver), `pyeapi` (HTTP, checked over SSH anyway). `driver_args.sudo_password`
//! is kept as a secret. A request NetPulse would refuse (no driver, no `connection_args.host`)
//! is reported with its file, line and key, and the others still load.

use super::args::{Arg, Args, Ctx, Notes, Reader, error_at, set_client, unique_name};
use super::netmiko::{self, Strictness};
use super::read::located;
use super::yaml::{self, Node};
use super::{Field, Loaded, Provenance, SourceError, ValueSource, napalm, new_device, paramiko};
use crate::device::{ClientKind, Device, HostKeyPolicy, KeySource, Origin, UsedBy};
use crate::profile::Profiles;
use std::collections::HashSet;
use std::path::Path;

const DRIVERS: &str = "paramiko, netmiko, napalm, pyeapi";

/// NetPulse's own `connection_args` for the paramiko driver, besides Paramiko's.
const PARAMIKO_EXTRAS: &[&str] = &[
    "host",
    "host_key_policy",
    "device_type",
    "proxy_host",
    "proxy_port",
    "proxy_username",
    "proxy_password",
    "proxy_key_filename",
    "proxy_pkey",
    "proxy_passphrase",
];

/// One device to build: its arguments and where it is defined.
struct Target {
    args: Args,
    line: usize,
}

pub(super) fn load(path: &Path, text: &str, profiles: &Profiles) -> Result<Loaded, SourceError> {
    let doc = yaml::parse(path, text)?
        .ok_or_else(|| located(path, 0, "", "empty file: no NetPulse request"))?;
    let requests: Vec<&Node> = match &doc {
        d if d.is_seq() => d.items().iter().collect(),
        d if d.is_map() => vec![d],
        d => {
            let message = format!(
                "expected a request object or a list, found {}",
                d.describe()
            );
            return Err(located(path, d.line, "", message));
        }
    };
    let ctx = Ctx::new(path.parent().unwrap_or(Path::new(".")), profiles);
    let mut build = Build {
        path,
        ctx: &ctx,
        loaded: Loaded::default(),
        notes: Notes::default(),
        taken: HashSet::new(),
        bastions: Vec::new(),
    };
    for request in requests {
        if let Err(e) = build.request(request) {
            build.loaded.warnings.push(e.to_string());
        }
    }
    let Build {
        mut loaded, notes, ..
    } = build;
    loaded.warnings.extend(notes.render());
    Ok(loaded)
}

struct Build<'a> {
    path: &'a Path,
    ctx: &'a Ctx<'a>,
    loaded: Loaded,
    notes: Notes,
    taken: HashSet<String>,
    bastions: Vec<(Device, Provenance)>,
}

impl Build<'_> {
    fn request(&mut self, request: &Node) -> Result<(), SourceError> {
        let path = self.path;
        let at = ValueSource::file(path, request.line);
        if !request.is_map() {
            let message = format!("expected a request object, found {}", request.describe());
            return Err(located(path, request.line, "", message));
        }
        let top = Args::of(path, request, "");
        let driver = top
            .get("driver")
            .and_then(|a| a.node.as_str().map(|d| (d.trim().to_ascii_lowercase(), a)))
            .ok_or_else(|| {
                error_at(
                    &at,
                    "driver",
                    format!("a NetPulse request needs a driver ({DRIVERS})"),
                )
            })?;
        let base = match top.get("connection_args") {
            Some(a) if a.node.is_map() => Args::of(path, &a.node, "connection_args."),
            Some(a) => {
                let message = format!("is {}, not an object", a.node.describe());
                return Err(error_at(&a.source, "connection_args", message));
            }
            None => {
                return Err(error_at(
                    &at,
                    "connection_args",
                    "a NetPulse request needs connection_args".into(),
                ));
            }
        };
        if let Some(arg) = top.get("credential") {
            let message = format!(
                "{}: credential: NetPulse fills connection_args from its credential store, \
                 which sshtriage cannot read; give the password with password_env in an \
                 sshtriage.toml [defaults]",
                arg.source
            );
            self.notes.add(message, "");
        }
        let driver_args = top
            .get("driver_args")
            .filter(|a| a.node.is_map())
            .map(|a| Args::of(path, &a.node, "driver_args."))
            .unwrap_or_default();
        // A bulk request: each entry of `devices` overrides fields of connection_args.
        let targets: Vec<Target> = match top.get("devices") {
            Some(devices) if devices.node.is_seq() => devices
                .node
                .items()
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let mut args = base.clone();
                    args.update(&Args::of(path, item, &format!("devices[{i}].")));
                    Target {
                        args,
                        line: item.line,
                    }
                })
                .collect(),
            _ => vec![Target {
                args: base,
                line: request.line,
            }],
        };
        for target in targets {
            let built = self.device(&driver, &target, &driver_args);
            match built {
                Ok(Some((device, prov))) => self.loaded.push(path, device, prov)?,
                Ok(None) => {}
                Err(e) => self.loaded.warnings.push(e.to_string()),
            }
            // A bastion with its own credentials follows the first device behind it.
            for (bastion, prov) in std::mem::take(&mut self.bastions) {
                self.loaded.push(path, bastion, prov)?;
            }
        }
        Ok(())
    }

    fn device(
        &mut self,
        (driver, driver_arg): &(String, &Arg),
        target: &Target,
        driver_args: &Args,
    ) -> Result<Option<(Device, Provenance)>, SourceError> {
        let path = self.path;
        let at = ValueSource::file(path, target.line);
        let args = &target.args;
        // NAPALM's model takes `hostname` as another name for `host`.
        let host_arg = args
            .get("host")
            .or_else(|| (driver == "napalm").then(|| args.get("hostname")).flatten());
        let label = host_arg
            .and_then(|a| a.node.as_str())
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                error_at(
                    &at,
                    "connection_args.host",
                    "a NetPulse request needs the device's address".into(),
                )
            })?
            .to_owned();
        let name = unique_name(&mut self.taken, &label);
        let origin = Origin::File {
            path: path.to_owned(),
            line: target.line,
        };
        let (mut device, mut prov) = new_device(&name, &label, origin);
        if let Some(arg) = host_arg {
            prov.set(Field::Host, arg.source.clone());
        }
        let mut r = Reader {
            notes: &mut self.notes,
            device: name.clone(),
            tool: "NetPulse",
        };
        let driver_at = driver_arg.source.clone();
        match driver.as_str() {
            "paramiko" => {
                set_client(
                    &mut device,
                    &mut prov,
                    ClientKind::Paramiko,
                    UsedBy::NetPulse,
                    driver_at,
                );
                // NetPulse's default, unlike sshtriage's: try ~/.ssh's keys.
                device.credentials.look_for_keys = true;
                prov.set(
                    Field::LookForKeys,
                    ValueSource::BuiltIn("NetPulse paramiko driver default".into()),
                );
                paramiko::apply(
                    args,
                    &mut device,
                    &mut prov,
                    &mut r,
                    self.ctx,
                    PARAMIKO_EXTRAS,
                    "not a connection argument of NetPulse's paramiko driver",
                )?;
                host_key_policy(args, &mut device, &mut prov, &mut r);
                // NetPulse's paramiko driver is for Linux servers, unless device_type says.
                let named = r
                    .text(args.get("device_type"))
                    .and_then(|(t, s)| self.ctx.profiles.get(&t).map(|p| (p.name.clone(), s)));
                let (profile, source) = named.unwrap_or_else(|| {
                    let why = "NetPulse paramiko driver (Linux servers)";
                    ("linux".to_owned(), ValueSource::BuiltIn(why.into()))
                });
                device.profile = profile;
                prov.set(Field::Profile, source);
                if let Some(jump) = jump(path, args, &device, &mut r)? {
                    device.jump = Some(jump.name.clone());
                    prov.set(Field::Jump, jump.at.clone());
                    if let Some((bastion, bastion_prov)) = jump.device
                        && self.taken.insert(bastion.name.clone())
                    {
                        self.bastions.push((bastion, bastion_prov));
                    }
                }
            }
            "netmiko" => {
                set_client(
                    &mut device,
                    &mut prov,
                    ClientKind::Netmiko,
                    UsedBy::NetPulse,
                    driver_at,
                );
                netmiko::apply(
                    args,
                    &at,
                    &mut device,
                    &mut prov,
                    &mut r,
                    self.ctx,
                    Strictness::ConnectHandler,
                )?;
            }
            "napalm" => {
                credentials(args, &mut device, &mut prov, &mut r);
                napalm::apply(
                    path,
                    args.get("device_type"),
                    args.get("optional_args"),
                    args.get("timeout"),
                    &mut device,
                    &mut prov,
                    &mut r,
                    self.ctx,
                    UsedBy::NetPulse,
                )?;
            }
            "pyeapi" => {
                credentials(args, &mut device, &mut prov, &mut r);
                if let Some(profile) = self.ctx.profiles.get("arista_eos") {
                    device.profile = profile.name.clone();
                    prov.set(Field::Profile, driver_at.clone());
                }
                let message = format!(
                    "{driver_at}: driver pyeapi talks HTTP(S) to Arista eAPI, not SSH; sshtriage \
                     checks SSH on port 22 anyway (connection_args.port is eAPI's)"
                );
                r.notes.add(message, &name);
            }
            other => {
                return Err(error_at(
                    &driver_arg.source,
                    "driver",
                    format!("`{other}` is not a NetPulse driver ({DRIVERS})"),
                ));
            }
        }
        if let Some((secret, source)) =
            r.secret(driver_args.get("sudo_password"), "enable_secret_env")
        {
            device.enable_secret = Some(secret);
            prov.set(Field::EnableSecret, source);
        }
        Ok(Some((device, prov)))
    }
}

/// `username` and `password`, for the drivers that take no other SSH arguments.
fn credentials(args: &Args, device: &mut Device, prov: &mut Provenance, r: &mut Reader) {
    if let Some((user, source)) = r.text(args.get("username")) {
        device.username = Some(user);
        prov.set(Field::Username, source);
    }
    if let Some((password, source)) = r.secret(args.get("password"), "password_env") {
        device.credentials.password = Some(password);
        prov.set(Field::Password, source);
    }
}

/// `host_key_policy`: auto_add (NetPulse's default, like sshtriage's accept-new), reject,
/// warning.
fn host_key_policy(args: &Args, device: &mut Device, prov: &mut Provenance, r: &mut Reader) {
    let Some((text, source)) = r.text(args.get("host_key_policy")) else {
        return;
    };
    match HostKeyPolicy::parse(&text) {
        Some(policy) => {
            device.host_key_policy = policy;
            prov.set(Field::HostKeyPolicy, source);
        }
        None => {
            let message = format!(
                "{source}: connection_args.host_key_policy: `{text}` is not auto_add, reject or \
                 warning; ignored"
            );
            r.notes.add(message, &device.name);
        }
    }
}

/// The jump host of `proxy_*`, and a device of its own when it has its own credentials.
struct Jump {
    name: String,
    at: ValueSource,
    device: Option<(Device, Provenance)>,
}

fn jump(
    path: &Path,
    args: &Args,
    target: &Device,
    r: &mut Reader,
) -> Result<Option<Jump>, SourceError> {
    let Some((host, at)) = r.text(args.get("proxy_host")) else {
        return Ok(None);
    };
    let port = r.port(args.get("proxy_port"))?;
    // NetPulse: the proxy user may be omitted when it is the target's.
    let user = r
        .text(args.get("proxy_username"))
        .map(|(u, _)| u)
        .or_else(|| target.username.clone());
    let host = host.trim().to_owned();
    let port_n = port.as_ref().map_or(22, |(p, _)| *p);
    let address = match (host.contains(':'), port_n) {
        (true, p) => format!("[{host}]:{p}"),
        (false, 22) => host.clone(),
        (false, p) => format!("{host}:{p}"),
    };
    let name = match &user {
        Some(u) => format!("{u}@{address}"),
        None => address,
    };
    let password = r.secret(args.get("proxy_password"), "password_env");
    let pkey = r.secret(args.get("proxy_pkey"), "key_env");
    let key_file = r.text(args.get("proxy_key_filename"));
    let passphrase = r.secret(args.get("proxy_passphrase"), "passphrase_env");
    if password.is_none() && pkey.is_none() && key_file.is_none() {
        // The jump host is tried with the target's credentials.
        return Ok(Some(Jump {
            name,
            at,
            device: None,
        }));
    }
    let origin = Origin::File {
        path: path.to_owned(),
        line: match &at {
            ValueSource::File { line, .. } => *line,
            ValueSource::BuiltIn(_) => 0,
        },
    };
    let (mut device, mut prov) = new_device(&name, &host, origin);
    device.client = target.client.clone();
    if let Some(source) = &target.client.source {
        prov.set(Field::Client, source.clone());
    }
    if let Some((p, source)) = port {
        device.port = p;
        prov.set(Field::Port, source);
    }
    device.username = user;
    if let Some(source) = args
        .get("proxy_username")
        .map(|a| a.source.clone())
        .or_else(|| args.get("username").map(|a| a.source.clone()))
    {
        prov.set(Field::Username, source);
    }
    if let Some((pw, source)) = password {
        device.credentials.password = Some(pw);
        prov.set(Field::Password, source);
    }
    if let Some((key, source)) = pkey {
        device.credentials.key = Some(KeySource::Inline(key));
        prov.set(Field::Key, source);
    } else if let Some((file, source)) = key_file {
        let base = path.parent().unwrap_or(Path::new("."));
        device.credentials.key = Some(KeySource::File(super::expand_path(base, &file)));
        prov.set(Field::Key, source);
    }
    if let Some((pp, source)) = passphrase {
        device.credentials.passphrase = Some(pp);
        prov.set(Field::Passphrase, source);
    }
    device.host_key_policy = target.host_key_policy;
    device.timeout = target.timeout;
    Ok(Some(Jump {
        name,
        at,
        device: Some((device, prov)),
    }))
}

#[cfg(test)]
mod tests;
