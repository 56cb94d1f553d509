//! NAPALM platform names: the Netmiko `device_type` each stands for (as nornir_netmiko maps
//! them), and what a NAPALM driver connects with (Nornir's napalm connection, NetPulse's
//! napalm driver).

use super::args::{Arg, Args, Ctx, Reader, set_client};
use super::netmiko::{self, Strictness};
use super::timeouts::PhaseTimeouts;
use super::{Field, Provenance, SourceError, ValueSource};
use crate::device::{ClientKind, Device, UsedBy};
use std::path::Path;

/// nornir_netmiko's `napalm_to_netmiko_map`: a NAPALM platform name used as a Netmiko
/// `device_type`.
const TO_NETMIKO: &[(&str, &str)] = &[
    ("ios", "cisco_ios"),
    ("nxos", "cisco_nxos"),
    ("nxos_ssh", "cisco_nxos"),
    ("eos", "arista_eos"),
    ("junos", "juniper_junos"),
    ("iosxr", "cisco_xr"),
];

/// The Netmiko `device_type` nornir_netmiko passes for `platform`: a NAPALM name mapped, any
/// other unchanged.
pub(super) fn netmiko_name(platform: &str) -> &str {
    TO_NETMIKO
        .iter()
        .find(|(napalm, _)| *napalm == platform)
        .map_or(platform, |(_, netmiko)| netmiko)
}

/// How a NAPALM driver reaches the device.
enum Transport {
    /// The driver runs Netmiko (ios, nxos_ssh; iosxr's XML agent through Netmiko too).
    Netmiko,
    /// NETCONF over SSH through ncclient, which runs Paramiko.
    Netconf,
    /// An HTTP API, not SSH.
    Http(&'static str),
    Unknown,
}

fn transport(driver: &str) -> Transport {
    match driver {
        "ios" | "nxos_ssh" | "iosxr" => Transport::Netmiko,
        "junos" | "iosxr_netconf" => Transport::Netconf,
        "eos" => Transport::Http("eAPI"),
        "nxos" => Transport::Http("NX-API"),
        _ => Transport::Unknown,
    }
}

/// Applies a NAPALM driver name (`driver`), its `optional_args` and `timeout` to `device`:
/// profile, client and the Netmiko-style options NAPALM passes on.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply(
    path: &Path,
    driver: Option<&Arg>,
    optional_args: Option<&Arg>,
    timeout: Option<&Arg>,
    device: &mut Device,
    prov: &mut Provenance,
    r: &mut Reader,
    ctx: &Ctx,
    used_by: UsedBy,
) -> Result<(), SourceError> {
    if let Some((name, source)) = r.text(driver) {
        match ctx.profiles.get(netmiko_name(&name)) {
            Some(profile) => {
                device.profile = profile.name.clone();
                prov.set(Field::Profile, source.clone());
            }
            None => r.notes.add(
                format!(
                    "{source}: no sshtriage profile for NAPALM platform `{name}`; the platform \
                     is auto-detected"
                ),
                &device.name,
            ),
        }
        let note = |what: String| format!("{source}: NAPALM's `{name}` driver {what}");
        match transport(&name) {
            Transport::Netmiko => {
                set_client(device, prov, ClientKind::Netmiko, used_by, source.clone());
            }
            Transport::Netconf => {
                set_client(device, prov, ClientKind::Paramiko, used_by, source.clone());
                let message = note(
                    "logs in over NETCONF (ncclient on Paramiko); sshtriage checks the SSH \
                     login and the CLI prompt"
                        .into(),
                );
                r.notes.add(message, &device.name);
            }
            Transport::Http(api) => {
                let message = note(format!(
                    "talks HTTP(S) to {api}, not SSH; sshtriage checks SSH anyway"
                ));
                r.notes.add(message, &device.name);
            }
            Transport::Unknown => {
                let message =
                    note("is not a NAPALM core driver; its SSH client is not known".into());
                r.notes.add(message, &device.name);
            }
        }
    }
    let mut timeouts = PhaseTimeouts::default();
    PhaseTimeouts::set(&mut timeouts.connect, "timeout", r.seconds(timeout));
    timeouts.apply(device, prov);
    if let Some(arg) = optional_args {
        if !arg.node.is_map() {
            let message = format!(
                "{}: {}: is {}, not a mapping; ignored",
                arg.source,
                arg.key,
                arg.node.describe()
            );
            r.notes.add(message, &device.name);
            return Ok(());
        }
        let args = Args::of(path, &arg.node, &format!("{}.", arg.key));
        let at: ValueSource = arg.source.clone();
        netmiko::apply(&args, &at, device, prov, r, ctx, Strictness::OptionalArgs)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn napalm_names_map_as_nornir_netmiko_maps_them() {
        assert_eq!(netmiko_name("ios"), "cisco_ios");
        assert_eq!(netmiko_name("nxos_ssh"), "cisco_nxos");
        assert_eq!(netmiko_name("iosxr"), "cisco_xr");
        assert_eq!(netmiko_name("eos"), "arista_eos");
        assert_eq!(netmiko_name("junos"), "juniper_junos");
        assert_eq!(netmiko_name("cisco_ios"), "cisco_ios");
    }
}
