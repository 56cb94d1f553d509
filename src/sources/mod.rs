//! Device lists from the files engineers already have: Containerlab labs (topology, lab
//! directory, `clab inspect` output), Ansible inventories (YAML and INI, with group_vars and
//! host_vars), Nornir SimpleInventory files, NetPulse requests, Netmiko `ConnectHandler`
//! definitions, plain address lists and CIDR ranges; plus `~/.ssh/config` semantics applied
//! to any device. Every value a loader sets is recorded in a `Provenance` (file:line, or which
//! built-in default), so reports can say where a setting came from and overrides know what
//! the user chose.
//!
//! Nothing here touches the network.

pub mod ansible;
mod args;
mod assemble;
mod clab;
mod detect;
mod error;
mod json;
mod jumps;
mod kinds;
mod list;
mod napalm;
mod netmiko;
mod netpulse;
mod nornir;
mod overrides;
mod paramiko;
mod paths;
mod provenance;
mod read;
pub mod ssh_config;
pub mod sshtriage;
mod timeouts;
pub(crate) mod yaml;

pub use assemble::{AssembleError, DEFAULT_INVENTORY, Selection, SshConfigChoice, assemble};
pub use detect::{Format, UnknownFormat, detect, detect_text};
pub use error::SourceError;
pub use kinds::{KindDefaults, KindInfo, lookup as lookup_kind};
pub use list::{MAX_CIDR_HOSTS, expand_cidr};
pub use overrides::{Overrides, apply_overrides};
pub use paths::expand_path;
pub use provenance::{Field, Provenance, ValueSource};
pub use read::MAX_FILE_BYTES;
pub(crate) use read::read_text;

use crate::device::{ClientRequest, DEFAULT_TIMEOUT, Device, HostKeyPolicy, Limit, Origin, Phase};
use crate::profile::Profiles;
use sshtriage::Inventory;
use std::path::Path;

/// No source may produce more devices than this: the engine probes them all at once.
pub const MAX_DEVICES: usize = 65_536;

/// Devices from one source, each with where its values came from, and what the user should
/// be told (vault-encrypted values, templated values, ignored settings, …).
#[derive(Debug, Default)]
pub struct Loaded {
    pub devices: Vec<(Device, Provenance)>,
    pub warnings: Vec<String>,
    /// Each source that gave no device, with why when a warning says it ("hosts.yml held no
    /// devices (hosts.yml:2: skipping `all`: …)"): what to say when nothing is left to probe.
    pub held_none: Vec<String>,
}

impl Loaded {
    /// What to say when no device was loaded: which sources held none and why, or None when
    /// no source was read.
    pub fn why_empty(&self) -> Option<String> {
        (!self.held_none.is_empty()).then(|| self.held_none.join("; "))
    }
}

impl Loaded {
    fn push(&mut self, path: &Path, device: Device, prov: Provenance) -> Result<(), SourceError> {
        if self.devices.len() >= MAX_DEVICES {
            return Err(read::located(
                path,
                0,
                "",
                format!("more than {MAX_DEVICES} devices"),
            ));
        }
        self.devices.push((device, prov));
        Ok(())
    }
}

/// Reads `path` as `format`, or as what `detect` finds. `profiles` resolves platform names
/// such as `ansible_network_os: cisco.ios.ios`.
pub fn load(
    path: &Path,
    format: Option<Format>,
    profiles: &Profiles,
) -> Result<Loaded, SourceError> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    match format {
        Format::Sshtriage => Ok(from_inventory(Inventory::load(path)?)),
        Format::ClabTopology => clab::load_topology(path, profiles),
        Format::ClabLabDir => clab::load_lab_dir(path, profiles),
        Format::ClabTopologyData => clab::load_topology_data(path, &read::read_text(path)?),
        Format::ClabInspect => clab::load_inspect(path, &read::read_text(path)?),
        Format::AnsibleYaml | Format::AnsibleIni => ansible::load(path, format, profiles),
        Format::AddressList => list::load(path, &read::read_text(path)?),
        Format::Nornir => nornir::load(path, profiles),
        Format::NetPulse => netpulse::load(path, &read::read_text(path)?, profiles),
        Format::Netmiko => netmiko::load(path, &read::read_text(path)?, profiles),
    }
}

/// Reads text that did not come from a file, e.g. `clab inspect --format json | sshtriage
/// check --inventory -`. `name` is used in messages. Formats that need files beside the
/// inventory (a lab directory, group_vars) read none.
pub fn load_text(
    name: &Path,
    bytes: Vec<u8>,
    format: Option<Format>,
    profiles: &Profiles,
) -> Result<Loaded, SourceError> {
    let text = read::check_text(name, bytes)?;
    let format = match format {
        Some(f) => f,
        None => detect_text(name, &text)?,
    };
    match format {
        Format::Sshtriage => Ok(from_inventory(Inventory::parse(name, &text)?)),
        Format::ClabTopology => clab::parse_topology(name, &text),
        Format::ClabLabDir => Err(read::located(
            name,
            0,
            "",
            "a Containerlab lab directory cannot be read from standard input",
        )),
        Format::ClabTopologyData => clab::load_topology_data(name, &text),
        Format::ClabInspect => clab::load_inspect(name, &text),
        Format::AnsibleYaml | Format::AnsibleIni => {
            ansible::parse_text(name, &text, format, profiles)
        }
        Format::AddressList => list::load(name, &text),
        Format::Nornir => nornir::parse_text(name, &text, profiles),
        Format::NetPulse => netpulse::load(name, &text, profiles),
        Format::Netmiko => netmiko::load(name, &text, profiles),
    }
}

/// An sshtriage TOML inventory, with approximate provenance: every value that differs from
/// sshtriage's default is attributed to the device's `[[device]]` line.
pub fn from_inventory(inventory: Inventory) -> Loaded {
    let devices = inventory
        .devices
        .into_iter()
        .map(|d| {
            let prov = approximate_provenance(&d);
            (d, prov)
        })
        .collect();
    Loaded {
        devices,
        warnings: inventory.warnings,
        held_none: Vec::new(),
    }
}

fn approximate_provenance(d: &Device) -> Provenance {
    let mut prov = Provenance::default();
    let source = match &d.origin {
        Origin::File { path, line } => ValueSource::file(path, *line),
        Origin::CommandLine => ValueSource::BuiltIn("command line".into()),
    };
    let c = &d.credentials;
    let set = [
        (Field::Name, true),
        (Field::Host, true),
        (Field::Port, d.port != 22),
        (Field::Username, d.username.is_some()),
        (Field::Password, c.password.is_some()),
        (Field::Key, c.key.is_some()),
        (Field::Passphrase, c.passphrase.is_some()),
        (Field::EnableSecret, d.enable_secret.is_some()),
        (Field::Agent, c.agent),
        (Field::LookForKeys, c.look_for_keys),
        (Field::KnownHosts, !d.known_hosts.is_empty()),
        (
            Field::HostKeyPolicy,
            d.host_key_policy != HostKeyPolicy::default(),
        ),
        (Field::Profile, d.profile != "auto"),
        (Field::Become, d.escalation.wanted.is_some()),
        (Field::BecomeMethod, d.escalation.method.is_some()),
        (Field::Timeout, d.timeout != DEFAULT_TIMEOUT),
        (Field::CheckTransfer, d.check_transfer),
        (Field::Jump, d.jump.is_some()),
        (
            Field::Client,
            d.client.request != ClientRequest::Unspecified,
        ),
    ];
    for (field, present) in set {
        if present {
            prov.set(field, source.clone());
        }
    }
    for (category, _) in &d.allowlist {
        prov.set(Field::for_category(*category), source.clone());
    }
    for (phase, limit) in d.timeouts.iter() {
        prov.set(Field::PhaseTimeout(phase), limit.source.clone());
    }
    prov
}

/// Sets one phase's own timeout with where it came from: for sources that map a client's
/// per-phase settings (Paramiko's `banner_timeout`, OpenSSH's `ConnectTimeout`, …).
pub fn set_phase_timeout(device: &mut Device, prov: &mut Provenance, phase: Phase, limit: Limit) {
    prov.set(Field::PhaseTimeout(phase), limit.source.clone());
    device.timeouts.set(phase, limit);
}

/// Sets the overall timeout (every stage without a limit of its own), naming its setting.
pub fn set_overall_timeout(
    device: &mut Device,
    prov: &mut Provenance,
    timeout: std::time::Duration,
    setting: &str,
    source: ValueSource,
) {
    device.timeout = timeout;
    device.timeouts.overall = Some((setting.to_owned(), source.clone()));
    prov.set(Field::Timeout, source);
}

/// A device with sshtriage's defaults, defined at `origin`; name and host recorded there.
fn new_device(name: &str, host: &str, origin: Origin) -> (Device, Provenance) {
    let mut prov = Provenance::default();
    if let Origin::File { path, line } = &origin {
        prov.set(Field::Name, ValueSource::file(path, *line));
        prov.set(Field::Host, ValueSource::file(path, *line));
    }
    let device = Device::with_defaults(name.to_owned(), host.to_owned(), origin);
    (device, prov)
}
