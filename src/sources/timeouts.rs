//! The connect, banner and auth timeouts that Paramiko-based clients keep apart (Paramiko
//! `timeout`, Netmiko `conn_timeout`, `banner_timeout`, `auth_timeout`, scrapli's socket and
//! transport timeouts), each laid on the device's limit for that phase.

use super::args::{Args, Reader};
use super::{Provenance, ValueSource};
use crate::device::{Device, Limit, Phase as DevicePhase};
use std::time::Duration;

/// One phase's timeout: the value, the key that set it, where.
#[derive(Debug, Clone)]
pub(super) struct Phase {
    pub value: Duration,
    pub key: String,
    pub source: ValueSource,
}

/// What a client waits for each phase of the login, as written (unset: its default).
#[derive(Debug, Clone, Default)]
pub(super) struct PhaseTimeouts {
    /// TCP connect (Paramiko `timeout`, Netmiko `conn_timeout`).
    pub connect: Option<Phase>,
    /// The identification line (`banner_timeout`).
    pub banner: Option<Phase>,
    /// The authentication response (`auth_timeout`).
    pub auth: Option<Phase>,
}

impl PhaseTimeouts {
    /// Paramiko's three: the TCP connect under `connect_key` (Paramiko `timeout`, Netmiko
    /// `conn_timeout`), then `banner_timeout` and `auth_timeout`.
    pub fn paramiko(args: &Args, r: &mut Reader<'_>, connect_key: &str) -> PhaseTimeouts {
        let mut timeouts = PhaseTimeouts::default();
        for (slot, key) in [
            (&mut timeouts.connect, connect_key),
            (&mut timeouts.banner, "banner_timeout"),
            (&mut timeouts.auth, "auth_timeout"),
        ] {
            PhaseTimeouts::set(slot, key, r.seconds(args.get(key)));
        }
        timeouts
    }

    pub fn set(slot: &mut Option<Phase>, key: &str, value: Option<(Duration, ValueSource)>) {
        if let Some((value, source)) = value {
            *slot = Some(Phase {
                value,
                key: key.to_owned(),
                source,
            });
        }
    }

    /// Gives each phase written its own limit, as the client has it: the TCP connect bounds
    /// tcp, the banner timeout the banner, the auth timeout the login stages. A timeout
    /// message then names the setting and where it was written.
    pub fn apply(&self, device: &mut Device, prov: &mut Provenance) {
        for (slot, phase) in [
            (&self.connect, DevicePhase::Tcp),
            (&self.banner, DevicePhase::Banner),
            (&self.auth, DevicePhase::Auth),
        ] {
            if let Some(p) = slot {
                let limit = Limit::new(p.value, p.key.clone(), p.source.clone());
                super::set_phase_timeout(device, prov, phase, limit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Origin;

    #[test]
    fn each_phase_written_is_the_limit_of_its_stage() {
        let at = |line| ValueSource::file("d.yml", line);
        let mut t = PhaseTimeouts::default();
        PhaseTimeouts::set(
            &mut t.connect,
            "conn_timeout",
            Some((Duration::from_secs(5), at(3))),
        );
        PhaseTimeouts::set(
            &mut t.banner,
            "banner_timeout",
            Some((Duration::from_secs(30), at(4))),
        );
        let mut d = Device::with_defaults("r1".into(), "r1".into(), Origin::CommandLine);
        let mut prov = Provenance::default();
        t.apply(&mut d, &mut prov);
        use crate::model::Stage;
        assert_eq!(d.limit(Stage::Tcp).duration, Duration::from_secs(5));
        assert_eq!(d.limit(Stage::Banner).duration, Duration::from_secs(30));
        assert_eq!(
            d.limit(Stage::Banner)
                .set_by
                .map(|(s, at)| (s.to_owned(), at.to_string())),
            Some(("banner_timeout".to_owned(), "d.yml:4".to_owned()))
        );
        // The phases not written keep the device's timeout.
        assert_eq!(d.limit(Stage::Auth).duration, d.timeout);
        let field = super::super::Field::PhaseTimeout(DevicePhase::Banner);
        assert_eq!(prov.get(field), Some(&at(4)));
    }
}
