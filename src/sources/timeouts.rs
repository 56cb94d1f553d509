//! The connect, banner and auth timeouts that Paramiko-based clients keep apart, laid on the
//! device's single per-stage timeout. Until stages have their own, the largest written is
//! used for every stage and the separate values are named in a note; a per-phase model only
//! has to replace `PhaseTimeouts::apply`.

use super::args::Notes;
use super::{Field, Provenance, ValueSource};
use crate::device::Device;
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
    pub fn set(slot: &mut Option<Phase>, key: &str, value: Option<(Duration, ValueSource)>) {
        if let Some((value, source)) = value {
            *slot = Some(Phase {
                value,
                key: key.to_owned(),
                source,
            });
        }
    }

    /// Sets the device's timeout to the largest phase written; when phases differ, a note
    /// names them all.
    pub fn apply(&self, device: &mut Device, prov: &mut Provenance, notes: &mut Notes) {
        let phases: Vec<&Phase> = [&self.connect, &self.banner, &self.auth]
            .into_iter()
            .flatten()
            .collect();
        let Some(largest) = phases.iter().max_by_key(|p| p.value) else {
            return;
        };
        device.timeout = largest.value;
        prov.set(Field::Timeout, largest.source.clone());
        if phases.iter().any(|p| p.value != largest.value) {
            let each: Vec<String> = phases
                .iter()
                .map(|p| format!("{} {} ({})", p.key, secs(p.value), p.source))
                .collect();
            notes.add(
                format!(
                    "per-phase timeouts {}: sshtriage has one timeout for every stage and uses \
                     the largest, {}",
                    each.join(", "),
                    secs(largest.value)
                ),
                &device.name,
            );
        }
    }
}

fn secs(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Origin;

    #[test]
    fn the_largest_phase_is_the_timeout_and_the_others_are_named() {
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
        let mut notes = Notes::default();
        t.apply(&mut d, &mut prov, &mut notes);
        assert_eq!(d.timeout, Duration::from_secs(30));
        assert_eq!(prov.get(Field::Timeout), Some(&at(4)));
        let notes = notes.render();
        assert_eq!(
            notes,
            [
                "per-phase timeouts conn_timeout 5s (d.yml:3), banner_timeout 30s (d.yml:4): \
              sshtriage has one timeout for every stage and uses the largest, 30s [r1]"
            ]
        );
        // One phase alone: no note.
        let mut one = PhaseTimeouts::default();
        PhaseTimeouts::set(
            &mut one.connect,
            "timeout",
            Some((Duration::from_secs(7), at(9))),
        );
        let mut notes = Notes::default();
        one.apply(&mut d, &mut prov, &mut notes);
        assert_eq!(d.timeout, Duration::from_secs(7));
        assert!(notes.render().is_empty());
    }
}
