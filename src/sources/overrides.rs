//! The user's own defaults (an sshtriage.toml `[defaults]` table) laid over imported devices:
//! they fill what the source left unset and replace built-in defaults such as Containerlab's
//! per-kind credentials, but never a value the source file set.

use super::{Field, Provenance, ValueSource};
use crate::device::{
    BecomeMethod, ClientRequest, Device, HostKeyPolicy, KeySource, Phase, Timeouts, UsedBy,
};
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// Values to lay over devices; `None` leaves a field alone. `source` says where they came from.
#[derive(Debug, Clone)]
pub struct Overrides {
    pub source: ValueSource,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub key: Option<KeySource>,
    pub passphrase: Option<Secret>,
    pub enable_secret: Option<Secret>,
    /// `enable_secret` was written as `become_password` (see `Escalation::become_password`).
    pub enable_secret_is_become_password: bool,
    /// `become = true|false`.
    pub escalate: Option<bool>,
    pub become_method: Option<BecomeMethod>,
    pub agent: Option<bool>,
    pub look_for_keys: Option<bool>,
    pub known_hosts: Option<Vec<PathBuf>>,
    pub host_key_policy: Option<HostKeyPolicy>,
    pub profile: Option<String>,
    pub timeout: Option<Duration>,
    /// Per-phase limits, each with its own place (`[defaults.timeouts]`).
    pub timeouts: Timeouts,
    pub check_transfer: Option<bool>,
    pub jump: Option<String>,
    /// The engineer's client, with who uses it.
    pub client: Option<(ClientRequest, Option<UsedBy>)>,
}

impl Overrides {
    pub fn new(source: ValueSource) -> Overrides {
        Overrides {
            source,
            port: None,
            username: None,
            password: None,
            key: None,
            passphrase: None,
            enable_secret: None,
            enable_secret_is_become_password: false,
            escalate: None,
            become_method: None,
            agent: None,
            look_for_keys: None,
            known_hosts: None,
            host_key_policy: None,
            profile: None,
            timeout: None,
            timeouts: Timeouts::default(),
            check_transfer: None,
            jump: None,
            client: None,
        }
    }
}

/// Applies `overrides` to every device whose field is unset or holds a built-in default.
pub fn apply_overrides(devices: &mut [(Device, Provenance)], overrides: &Overrides) {
    for (device, prov) in devices.iter_mut() {
        apply_one(device, prov, overrides);
    }
}

fn apply_one(d: &mut Device, prov: &mut Provenance, o: &Overrides) {
    let take = |field: Field, prov: &mut Provenance| -> bool {
        if prov.is_explicit(field) {
            return false;
        }
        prov.set(field, o.source.clone());
        true
    };
    if let Some(v) = o.port
        && take(Field::Port, prov)
    {
        d.port = v;
    }
    if let Some(v) = &o.username
        && take(Field::Username, prov)
    {
        d.username = Some(v.clone());
    }
    if let Some(v) = &o.password
        && take(Field::Password, prov)
    {
        d.credentials.password = Some(v.clone());
    }
    if let Some(v) = &o.key
        && take(Field::Key, prov)
    {
        d.credentials.key = Some(v.clone());
    }
    if let Some(v) = &o.passphrase
        && take(Field::Passphrase, prov)
    {
        d.credentials.passphrase = Some(v.clone());
    }
    if let Some(v) = &o.enable_secret
        && take(Field::EnableSecret, prov)
    {
        d.enable_secret = Some(v.clone());
        d.escalation.become_password = o.enable_secret_is_become_password;
    }
    if let Some(v) = o.escalate
        && take(Field::Become, prov)
    {
        d.escalation.wanted = Some(v);
    }
    if let Some(v) = &o.become_method
        && take(Field::BecomeMethod, prov)
    {
        d.escalation.method = Some(v.clone());
    }
    if let Some(v) = o.agent
        && take(Field::Agent, prov)
    {
        d.credentials.agent = v;
    }
    if let Some(v) = o.look_for_keys
        && take(Field::LookForKeys, prov)
    {
        d.credentials.look_for_keys = v;
    }
    if let Some(v) = &o.known_hosts
        && take(Field::KnownHosts, prov)
    {
        d.known_hosts = v.clone();
    }
    if let Some(v) = o.host_key_policy
        && take(Field::HostKeyPolicy, prov)
    {
        d.host_key_policy = v;
    }
    if let Some(v) = &o.profile
        && take(Field::Profile, prov)
    {
        d.profile = v.clone();
    }
    if let Some(v) = o.timeout
        && take(Field::Timeout, prov)
    {
        d.timeout = v;
        d.timeouts.overall = Some(("timeout".to_owned(), o.source.clone()));
    }
    for phase in Phase::ALL {
        if let Some(limit) = o.timeouts.get(phase)
            && !prov.is_explicit(Field::PhaseTimeout(phase))
        {
            prov.set(Field::PhaseTimeout(phase), limit.source.clone());
            d.timeouts.set(phase, limit.clone());
        }
    }
    if let Some(v) = o.check_transfer
        && take(Field::CheckTransfer, prov)
    {
        d.check_transfer = v;
    }
    if let Some(v) = &o.jump
        && take(Field::Jump, prov)
    {
        d.jump = Some(v.clone());
    }
    if let Some((request, used_by)) = &o.client
        && take(Field::Client, prov)
    {
        d.client.request = request.clone();
        d.client.used_by = *used_by;
        d.client.source = Some(o.source.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Origin;

    #[test]
    fn builtin_defaults_yield_but_file_values_stay() {
        let (mut d, mut prov) = super::super::new_device("r1", "10.0.0.1", Origin::CommandLine);
        d.username = Some("admin".into());
        prov.set(Field::Username, ValueSource::file("inv.yml", 3));
        d.credentials.password = Some(Secret::new("lab-default"));
        prov.set(
            Field::Password,
            ValueSource::BuiltIn("containerlab default".into()),
        );
        let mut o = Overrides::new(ValueSource::file("sshtriage.toml", 2));
        o.username = Some("ops".into());
        o.password = Some(Secret::new("mine"));
        o.port = Some(2222);
        let mut list = vec![(d, prov)];
        apply_overrides(&mut list, &o);
        let (d, prov) = &list[0];
        assert_eq!(d.username.as_deref(), Some("admin"));
        assert_eq!(d.credentials.password.as_ref().unwrap().expose(), "mine");
        assert_eq!(d.port, 2222);
        assert_eq!(
            prov.get(Field::Password).unwrap().to_string(),
            "sshtriage.toml:2"
        );
        assert_eq!(prov.get(Field::Username).unwrap().to_string(), "inv.yml:3");
    }
}
