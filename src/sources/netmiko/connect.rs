//! Netmiko `ConnectHandler` keyword arguments on a device, as Netmiko's `BaseConnection`
//! reads them. Netmiko definition files, NetPulse's netmiko driver, Nornir's netmiko
//! connection options and NAPALM's Netmiko-based drivers all come through here.

use super::types::{DeviceType, classify};
use crate::algorithms::allowlist::Category;
use crate::device::{AlgorithmSetting, Device, HostKeyPolicy, KeySource, SettingVia};
use crate::sources::args::{Args, Ctx, Reader, error_at};
use crate::sources::ssh_config::HostSettings;
use crate::sources::timeouts::PhaseTimeouts;
use crate::sources::{Field, Provenance, SourceError, ValueSource, expand_path};

/// Every keyword `BaseConnection.__init__` takes (Netmiko 4.8); anything else makes
/// `ConnectHandler` raise TypeError.
const ARGUMENTS: &[&str] = &[
    "ip",
    "host",
    "username",
    "password",
    "secret",
    "port",
    "device_type",
    "verbose",
    "global_delay_factor",
    "global_cmd_verify",
    "use_keys",
    "key_file",
    "pkey",
    "passphrase",
    "disabled_algorithms",
    "disable_sha2_fix",
    "allow_agent",
    "ssh_strict",
    "system_host_keys",
    "alt_host_keys",
    "alt_key_file",
    "ssh_config_file",
    "conn_timeout",
    "auth_timeout",
    "banner_timeout",
    "blocking_timeout",
    "timeout",
    "session_timeout",
    "read_timeout_override",
    "keepalive",
    "default_enter",
    "response_return",
    "serial_settings",
    "fast_cli",
    "_legacy_mode",
    "session_log",
    "session_log_record_writes",
    "session_log_file_mode",
    "allow_auto_change",
    "encoding",
    "sock",
    "sock_telnet",
    "auto_connect",
    "delay_factor_compat",
    "disable_lf_normalization",
];

/// Paramiko's `disabled_algorithms` keys that sshtriage models, by category (`pubkeys` and
/// `compression` are not part of a client's offer).
const DISABLED: &[(&str, Category)] = &[
    ("kex", Category::Kex),
    ("keys", Category::HostKey),
    ("ciphers", Category::Cipher),
    ("macs", Category::Mac),
];

/// How a missing or unknown `device_type` is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sources) enum Strictness {
    /// `ConnectHandler` itself would fail: an error for the device.
    ConnectHandler,
    /// The value may be meant for another plugin (a Nornir `platform`): a note, and the
    /// platform is auto-detected.
    Lenient,
    /// The caller (NAPALM) chose the driver: `device_type`, unknown keys and the address are
    /// not read here.
    OptionalArgs,
}

/// Applies `args` (ConnectHandler's keywords as written) to `device`; `at` is where the
/// device is defined, for errors about what is missing.
pub(in crate::sources) fn apply(
    args: &Args,
    at: &ValueSource,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
    ctx: &Ctx,
    strictness: Strictness,
) -> Result<(), SourceError> {
    if strictness != Strictness::OptionalArgs {
        device_type(args, at, device, prov, r, ctx, strictness)?;
        address(args, at, device, prov, r)?;
    }
    crate::sources::paramiko::login(args, device, prov, r)?;
    if let Some((secret, source)) = r.secret(args.get("secret"), "enable_secret_env") {
        device.enable_secret = Some(secret);
        prov.set(Field::EnableSecret, source);
    }
    if let Some((passphrase, source)) = r.secret(args.get("passphrase"), "passphrase_env") {
        device.credentials.passphrase = Some(passphrase);
        prov.set(Field::Passphrase, source);
    }
    keys(args, device, prov, r, ctx);
    if let Some((on, source)) = r.flag(args.get("use_keys")) {
        device.credentials.look_for_keys = on;
        prov.set(Field::LookForKeys, source);
    }
    if let Some((on, source)) = r.flag(args.get("allow_agent")) {
        device.credentials.agent = on;
        prov.set(Field::Agent, source);
    }
    PhaseTimeouts::paramiko(args, r, "conn_timeout").apply(device, prov);
    disabled_algorithms(args, device, prov, r);
    host_keys(args, device, prov, r, ctx);
    ssh_config_file(args, device, prov, r, ctx)?;
    for key in ["sock", "sock_telnet"] {
        if let Some(arg) = args.get(key) {
            let message = format!(
                "{}: {}: an open socket or proxy object cannot come from a file, and sshtriage \
                 does not follow one; it connects to {}:{} directly",
                arg.source, arg.key, device.host, device.port
            );
            r.notes.add(message, &device.name);
        }
    }
    if strictness != Strictness::OptionalArgs {
        for (name, arg) in args.iter() {
            if !ARGUMENTS.contains(&name) {
                let message = format!(
                    "{}: {}: not a ConnectHandler argument (Netmiko raises TypeError for it); \
                     ignored",
                    arg.source, arg.key
                );
                r.notes.add(message, &device.name);
            }
        }
    }
    Ok(())
}

fn device_type(
    args: &Args,
    at: &ValueSource,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
    ctx: &Ctx,
    strictness: Strictness,
) -> Result<(), SourceError> {
    let Some(arg) = args.get("device_type") else {
        return match strictness {
            Strictness::ConnectHandler => Err(error_at(
                at,
                "device_type",
                format!(
                    "{} has no device_type: ConnectHandler needs one (cisco_ios, arista_eos, \
                     juniper_junos, linux, …)",
                    device.name
                ),
            )),
            _ => Ok(()),
        };
    };
    let Some((name, source)) = r.text(Some(arg)) else {
        return Ok(());
    };
    let lookup = |n: &str| ctx.profiles.get(n).map(|p| p.name.clone());
    let profile = match classify(&name) {
        DeviceType::Ssh { base } => lookup(&name).or_else(|| lookup(&base)),
        DeviceType::Telnet { base } => {
            let message = format!(
                "{source}: {}: `{name}`: Netmiko connects over telnet, which sshtriage does not \
                 check; it checks SSH instead",
                arg.key
            );
            r.notes.add(message, &device.name);
            lookup(&base)
        }
        DeviceType::Serial => {
            return Err(error_at(
                &source,
                &arg.key,
                format!(
                    "`{name}`: Netmiko reaches {} over a serial line, not the network; nothing \
                     to check",
                    device.name
                ),
            ));
        }
        DeviceType::Autodetect => Some("auto".to_owned()),
        DeviceType::TerminalServer => None,
        DeviceType::Unknown { nearest } => {
            let hint = nearest
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            let what = format!(
                "`{name}` is not a Netmiko device_type: ConnectHandler raises \"Unsupported \
                 'device_type'\"{hint}"
            );
            if strictness == Strictness::ConnectHandler {
                return Err(error_at(&source, &arg.key, what));
            }
            r.notes
                .add(format!("{source}: {}: {what}", arg.key), &device.name);
            // Another plugin's name may still name a platform sshtriage knows.
            lookup(&name)
        }
    };
    match profile {
        Some(profile) => {
            device.profile = profile;
            prov.set(Field::Profile, source);
        }
        None => r.notes.add(
            format!(
                "{source}: {}: no sshtriage profile for `{name}`; the platform is auto-detected",
                arg.key
            ),
            &device.name,
        ),
    }
    Ok(())
}

/// `ip` wins over `host`, as in Netmiko.
fn address(
    args: &Args,
    at: &ValueSource,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
) -> Result<(), SourceError> {
    let host = r.text(args.get("ip")).or_else(|| r.text(args.get("host")));
    match host {
        Some((host, source)) => {
            device.host = host.trim().to_owned();
            prov.set(Field::Host, source);
            Ok(())
        }
        None if args.get("ip").is_some() || args.get("host").is_some() => Ok(()),
        None => Err(error_at(
            at,
            "host",
            format!(
                "{} has neither host nor ip: Netmiko raises \"Either ip or host must be set\"",
                device.name
            ),
        )),
    }
}

/// `pkey` (inline key text) first, then `key_file`, as Paramiko tries them.
fn keys(args: &Args, device: &mut Device, prov: &mut Provenance, r: &mut Reader, ctx: &Ctx) {
    if let Some((key, source)) = r.secret(args.get("pkey"), "key_env") {
        device.credentials.key = Some(KeySource::Inline(key));
        prov.set(Field::Key, source);
    }
    if let Some((file, source)) = r.text(args.get("key_file")) {
        let path = expand_path(ctx.base_dir, &file);
        if device.credentials.key.is_some() {
            device.credentials.more_key_files.push(path);
        } else {
            device.credentials.key = Some(KeySource::File(path));
            prov.set(Field::Key, source);
        }
    }
}

/// Paramiko's `disabled_algorithms`: `{"kex": [...], "keys": [...], ...}`.
pub(in crate::sources) fn disabled_algorithms(
    args: &Args,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
) {
    let Some(arg) = args.get("disabled_algorithms") else {
        return;
    };
    if !arg.node.is_map() {
        let message = format!(
            "{}: {}: is {}, not a mapping of kind to names (kex, keys, ciphers, macs); ignored",
            arg.source,
            arg.key,
            arg.node.describe()
        );
        r.notes.add(message, &device.name);
        return;
    }
    for (key, category) in DISABLED {
        let Some(value) = arg.node.get(key) else {
            continue;
        };
        let names: Vec<&str> = match value.items() {
            [] => value.as_str().into_iter().collect(),
            items => items.iter().filter_map(|n| n.as_str()).collect(),
        };
        if names.is_empty() {
            continue;
        }
        let source = ValueSource::file(path_of(&arg.source), value.line);
        prov.set(Field::for_category(*category), source.clone());
        device.client.add_setting(AlgorithmSetting {
            category: *category,
            value: names.join(","),
            via: SettingVia::DisabledAlgorithms,
            source,
        });
    }
}

fn path_of(source: &ValueSource) -> std::path::PathBuf {
    match source {
        ValueSource::File { path, .. } => path.clone(),
        ValueSource::BuiltIn(what) => what.into(),
    }
}

/// `ssh_strict` rejects unknown keys; the known ones come from `system_host_keys`
/// (~/.ssh/known_hosts) and `alt_host_keys` + `alt_key_file`. Without `ssh_strict`,
/// Paramiko's AutoAddPolicy takes any unknown key, which sshtriage reports as a warning.
fn host_keys(args: &Args, device: &mut Device, prov: &mut Provenance, r: &mut Reader, ctx: &Ctx) {
    let strict = r.flag(args.get("ssh_strict"));
    let system = r
        .flag(args.get("system_host_keys"))
        .is_some_and(|(on, _)| on);
    let alt = r.flag(args.get("alt_host_keys")).is_some_and(|(on, _)| on);
    let alt_file = r.text(args.get("alt_key_file"));
    if alt && let Some((file, source)) = &alt_file {
        let mut files = vec![expand_path(ctx.base_dir, file)];
        if system && let Some(home) = std::env::var_os("HOME") {
            files.push(std::path::PathBuf::from(home).join(".ssh/known_hosts"));
        }
        device.known_hosts = files;
        prov.set(Field::KnownHosts, source.clone());
    }
    if let Some((true, source)) = strict {
        device.host_key_policy = HostKeyPolicy::Strict;
        prov.set(Field::HostKeyPolicy, source.clone());
        let loads_some = system || (alt && alt_file.is_some());
        if !loads_some {
            let message = format!(
                "{source}: ssh_strict is on but neither system_host_keys nor alt_host_keys \
                 loads a known host: Netmiko rejects every host key"
            );
            r.notes.add(message, &device.name);
        }
    }
}

/// Netmiko reads `HostName`, `Port` (when the port is 22), `User` (when none is given) and
/// `ProxyJump`/`ProxyCommand` from `ssh_config_file`; nothing else in it.
fn ssh_config_file(
    args: &Args,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
    ctx: &Ctx,
) -> Result<(), SourceError> {
    let Some((file, source)) = r.text(args.get("ssh_config_file")) else {
        return Ok(());
    };
    let path = expand_path(ctx.base_dir, &file);
    if !path.is_file() {
        let message = format!(
            "{source}: ssh_config_file {} does not exist; Netmiko goes on without it",
            path.display()
        );
        r.notes.add(message, &device.name);
        return Ok(());
    }
    let config = ctx.ssh_config(&path)?;
    let all = config.resolve_as(&device.host, device.username.as_deref());
    let read = HostSettings {
        hostname: all.hostname,
        port: all.port,
        user: all.user,
        proxy_jump: all.proxy_jump,
        proxy_command: all.proxy_command,
        ..HostSettings::default()
    };
    for note in read.apply_to(device, prov, SettingVia::SshConfig) {
        r.notes.add(note, "");
    }
    Ok(())
}
