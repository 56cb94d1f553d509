//! nornir_scrapli: scrapli's own argument names over Nornir's, its platform names and its
//! transports.

use crate::device::{ClientKind, Device, HostKeyPolicy, KeySource, UsedBy};
use crate::sources::args::{Args, Ctx, Reader, set_client};
use crate::sources::timeouts::PhaseTimeouts;
use crate::sources::{Field, Provenance, SourceError, ValueSource, expand_path};

/// nornir_scrapli's `PLATFORM_MAP`: NAPALM names as scrapli platforms.
pub(super) const PLATFORMS: &[(&str, &str)] = &[
    ("ios", "cisco_iosxe"),
    ("nxos", "cisco_nxos"),
    ("iosxr", "cisco_iosxr"),
    ("eos", "arista_eos"),
    ("junos", "juniper_junos"),
];

/// nornir_scrapli's parameters after `extras`: scrapli's `auth_*` names, `auth_strict_key`
/// (on by default: an unknown host key fails), `transport` (the system's ssh unless it says
/// paramiko) and its timeouts.
pub(super) fn apply(
    args: &Args,
    client_at: ValueSource,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
    ctx: &Ctx,
) -> Result<(), SourceError> {
    if let Some((port, source)) = r.port(args.get("port"))? {
        device.port = port;
        prov.set(Field::Port, source);
    }
    if let Some((user, source)) = r.text(args.get("auth_username")) {
        device.username = Some(user);
        prov.set(Field::Username, source);
    }
    let secrets = [
        ("auth_password", "password_env", Field::Password),
        ("auth_secondary", "enable_secret_env", Field::EnableSecret),
        (
            "auth_private_key_passphrase",
            "passphrase_env",
            Field::Passphrase,
        ),
    ];
    for (key, hint, field) in secrets {
        if let Some((secret, source)) = r.secret(args.get(key), hint) {
            match field {
                Field::Password => device.credentials.password = Some(secret),
                Field::EnableSecret => device.enable_secret = Some(secret),
                _ => device.credentials.passphrase = Some(secret),
            }
            prov.set(field, source);
        }
    }
    if let Some((file, source)) = r.text(args.get("auth_private_key")) {
        device.credentials.key = Some(KeySource::File(expand_path(ctx.base_dir, &file)));
        prov.set(Field::Key, source);
    }
    match r.flag(args.get("auth_strict_key")) {
        Some((false, source)) => {
            device.host_key_policy = HostKeyPolicy::Warn;
            prov.set(Field::HostKeyPolicy, source);
        }
        Some((true, source)) => {
            device.host_key_policy = HostKeyPolicy::Strict;
            prov.set(Field::HostKeyPolicy, source);
        }
        None => {
            device.host_key_policy = HostKeyPolicy::Strict;
            prov.set(
                Field::HostKeyPolicy,
                ValueSource::BuiltIn("scrapli default (auth_strict_key true)".into()),
            );
        }
    }
    if let Some((file, source)) = r.text(args.get("ssh_known_hosts_file")) {
        device.known_hosts = vec![expand_path(ctx.base_dir, &file)];
        prov.set(Field::KnownHosts, source);
    }
    let transport = r.text(args.get("transport"));
    let kind = match transport.as_ref().map(|(t, _)| t.as_str()) {
        None | Some("system") => Some(ClientKind::Scrapli),
        Some("paramiko") => Some(ClientKind::Paramiko),
        Some(other) => {
            let (_, source) = transport.as_ref().expect("matched Some");
            let what = if other.contains("telnet") {
                "is telnet, which sshtriage does not check; it checks SSH instead".to_owned()
            } else {
                format!("`{other}` is an SSH library sshtriage has no client profile for")
            };
            r.notes
                .add(format!("{source}: transport: {what}"), &device.name);
            None
        }
    };
    if let Some(kind) = kind {
        let at = transport.map_or(client_at, |(_, s)| s);
        set_client(device, prov, kind, UsedBy::Nornir, at);
    }
    let mut timeouts = PhaseTimeouts::default();
    PhaseTimeouts::set(
        &mut timeouts.connect,
        "timeout_socket",
        r.seconds(args.get("timeout_socket")),
    );
    PhaseTimeouts::set(
        &mut timeouts.banner,
        "timeout_transport",
        r.seconds(args.get("timeout_transport")),
    );
    timeouts.apply(device, prov);
    Ok(())
}
