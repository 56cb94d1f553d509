//! Paramiko `SSHClient.connect` keyword arguments on a device: NetPulse's paramiko driver and
//! Nornir's nornir_paramiko pass them through. The address is the caller's (`host` in
//! NetPulse, `hostname` in Paramiko).

use super::args::{Args, Ctx, Reader};
use super::netmiko::disabled_algorithms;
use super::timeouts::PhaseTimeouts;
use super::{Field, Provenance, SourceError, expand_path};
use crate::device::{Device, KeySource};

/// `SSHClient.connect`'s keywords (Paramiko 4.0).
pub(super) const CONNECT_ARGUMENTS: &[&str] = &[
    "hostname",
    "port",
    "username",
    "password",
    "pkey",
    "key_filename",
    "timeout",
    "allow_agent",
    "look_for_keys",
    "compress",
    "sock",
    "gss_auth",
    "gss_kex",
    "gss_deleg_creds",
    "gss_host",
    "banner_timeout",
    "auth_timeout",
    "channel_timeout",
    "gss_trust_dns",
    "passphrase",
    "disabled_algorithms",
    "transport_factory",
    "auth_strategy",
];

/// The keywords Paramiko's `connect` and Netmiko's `ConnectHandler` share: `port`,
/// `username` and `password` (by value or from the environment).
pub(super) fn login(
    args: &Args,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
) -> Result<(), SourceError> {
    if let Some((port, source)) = r.port(args.get("port"))? {
        device.port = port;
        prov.set(Field::Port, source);
    }
    if let Some((user, source)) = r.text(args.get("username")) {
        device.username = Some(user);
        prov.set(Field::Username, source);
    }
    if let Some((password, source)) = r.secret(args.get("password"), "password_env") {
        device.credentials.password = Some(password);
        prov.set(Field::Password, source);
    }
    Ok(())
}

/// Applies the connect arguments in `args` (the address aside) to `device`. `known` are the
/// keys the caller reads itself; any other key outside `CONNECT_ARGUMENTS` is noted with
/// `unknown`'s sentence.
pub(super) fn apply(
    args: &Args,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
    ctx: &Ctx,
    known: &[&str],
    unknown: &str,
) -> Result<(), SourceError> {
    login(args, device, prov, r)?;
    if let Some((passphrase, source)) = r.secret(args.get("passphrase"), "passphrase_env") {
        device.credentials.passphrase = Some(passphrase);
        prov.set(Field::Passphrase, source);
    }
    // Paramiko tries `pkey`, then every `key_filename` (a path or a list), then the agent
    // and ~/.ssh.
    if let Some((key, source)) = r.secret(args.get("pkey"), "key_env") {
        device.credentials.key = Some(KeySource::Inline(key));
        prov.set(Field::Key, source);
    }
    if let Some(arg) = args.get("key_filename") {
        let files: Vec<String> = match arg.node.items() {
            [] => r.text(Some(arg)).map(|(f, _)| f).into_iter().collect(),
            items => items
                .iter()
                .filter_map(|n| n.as_str())
                .map(str::to_owned)
                .collect(),
        };
        for file in files {
            let path = expand_path(ctx.base_dir, &file);
            if device.credentials.key.is_none() {
                device.credentials.key = Some(KeySource::File(path));
                prov.set(Field::Key, arg.source.clone());
            } else {
                device.credentials.more_key_files.push(path);
            }
        }
    }
    if let Some((on, source)) = r.flag(args.get("look_for_keys")) {
        device.credentials.look_for_keys = on;
        prov.set(Field::LookForKeys, source);
    }
    if let Some((on, source)) = r.flag(args.get("allow_agent")) {
        device.credentials.agent = on;
        prov.set(Field::Agent, source);
    }
    PhaseTimeouts::paramiko(args, r, "timeout").apply(device, prov);
    disabled_algorithms(args, device, prov, r);
    if let Some(arg) = args.get("sock") {
        let message = format!(
            "{}: {}: an open socket cannot come from a file; sshtriage connects directly",
            arg.source, arg.key
        );
        r.notes.add(message, &device.name);
    }
    for (name, arg) in args.iter() {
        if !CONNECT_ARGUMENTS.contains(&name) && !known.contains(&name) {
            let message = format!("{}: {}: {unknown}; ignored", arg.source, arg.key);
            r.notes.add(message, &device.name);
        }
    }
    Ok(())
}
