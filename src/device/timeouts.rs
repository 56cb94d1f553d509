//! Each stage's time limit as the engineer's client has them: Paramiko's `conn_timeout`,
//! `banner_timeout` and `auth_timeout`, Ansible's connect and command timeouts, OpenSSH's
//! `ConnectTimeout`, sshtriage's `[device.timeouts]`. A stage without a limit of its own waits
//! the device's overall `timeout`. Every limit keeps the setting's name and where it was set,
//! so a timeout message can say "no SSH banner within 2s (banner_timeout, hosts.yaml:12)".

use super::ValueSource;
use crate::model::Stage;
use std::fmt;
use std::time::Duration;

/// The phases a timeout of its own can bound. `dns` and `host_key` wait the overall timeout;
/// `auth` bounds both authentication stages (the `none` probe is part of logging in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Tcp,
    Banner,
    Kex,
    Auth,
    Prompt,
    Enable,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Tcp,
        Phase::Banner,
        Phase::Kex,
        Phase::Auth,
        Phase::Prompt,
        Phase::Enable,
    ];

    /// The key under `[device.timeouts]`.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Tcp => "tcp",
            Phase::Banner => "banner",
            Phase::Kex => "kex",
            Phase::Auth => "auth",
            Phase::Prompt => "prompt",
            Phase::Enable => "enable",
        }
    }

    /// The phase that bounds `stage`, if it has one.
    pub fn of(stage: Stage) -> Option<Phase> {
        match stage {
            Stage::Dns | Stage::HostKey => None,
            Stage::Tcp => Some(Phase::Tcp),
            Stage::Banner => Some(Phase::Banner),
            Stage::Kex => Some(Phase::Kex),
            Stage::AuthMethods | Stage::Auth => Some(Phase::Auth),
            Stage::Prompt => Some(Phase::Prompt),
            Stage::Enable => Some(Phase::Enable),
        }
    }
}

/// Paramiko's and Netmiko's per-phase connect arguments, for sources that read them (Nornir's
/// netmiko/paramiko plugins, NetPulse's `connection_args`, Netmiko's `ConnectHandler`):
/// Netmiko's `conn_timeout` is what it passes as Paramiko's `timeout`, the TCP connect.
pub const PARAMIKO_TIMEOUTS: &[(&str, Phase)] = &[
    ("conn_timeout", Phase::Tcp),
    ("banner_timeout", Phase::Banner),
    ("auth_timeout", Phase::Auth),
];

/// A time limit and the setting that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub duration: Duration,
    /// The setting as its file spells it: `timeouts.banner`, `banner_timeout`,
    /// `ConnectTimeout`, `ansible_connect_timeout`, `--timeout`.
    pub setting: String,
    pub source: ValueSource,
}

impl Limit {
    pub fn new(duration: Duration, setting: impl Into<String>, source: ValueSource) -> Limit {
        Limit {
            duration,
            setting: setting.into(),
            source,
        }
    }
}

/// The per-phase limits of one device, and where its overall timeout came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeouts {
    phases: [Option<Limit>; 6],
    /// The setting behind the device's overall `timeout`; None: sshtriage's default.
    pub overall: Option<(String, ValueSource)>,
}

impl Timeouts {
    pub fn get(&self, phase: Phase) -> Option<&Limit> {
        self.phases[phase as usize].as_ref()
    }

    pub fn set(&mut self, phase: Phase, limit: Limit) {
        self.phases[phase as usize] = Some(limit);
    }

    /// Sets `phase` unless a limit is already there (the first setting wins, as in ssh_config).
    pub fn set_if_unset(&mut self, phase: Phase, limit: Limit) {
        self.phases[phase as usize].get_or_insert(limit);
    }

    /// Drops every per-phase limit: the command line's `--timeout` bounds each stage alike.
    pub fn clear_phases(&mut self) {
        self.phases = Default::default();
    }

    /// The limits set, in pipeline order.
    pub fn iter(&self) -> impl Iterator<Item = (Phase, &Limit)> {
        Phase::ALL
            .into_iter()
            .filter_map(|phase| self.get(phase).map(|l| (phase, l)))
    }

    /// The durations alone: what decides how a device is probed (not where it was written).
    pub fn durations(&self) -> Vec<(Phase, Duration)> {
        self.iter().map(|(p, l)| (p, l.duration)).collect()
    }

    /// The longest limit set, or `overall` when none is longer.
    pub fn longest(&self, overall: Duration) -> Duration {
        self.iter()
            .map(|(_, l)| l.duration)
            .fold(overall, Duration::max)
    }
}

/// The limit in force for one stage, for the engine and its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageLimit<'a> {
    pub duration: Duration,
    /// The setting and its place; None for sshtriage's default.
    pub set_by: Option<(&'a str, &'a ValueSource)>,
}

impl fmt::Display for StageLimit<'_> {
    /// `2s (timeouts.banner, lab.toml:7)`, `10s (the default timeout)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.duration))?;
        match self.set_by {
            Some((setting, source)) => write!(f, " ({setting}, {source})"),
            None => f.write_str(" (the default timeout)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_but_dns_and_host_key_has_a_phase() {
        let without: Vec<Stage> = Stage::ALL
            .into_iter()
            .filter(|s| Phase::of(*s).is_none())
            .collect();
        assert_eq!(without, [Stage::Dns, Stage::HostKey]);
        assert_eq!(Phase::of(Stage::AuthMethods), Some(Phase::Auth));
    }

    #[test]
    fn the_first_setting_wins_and_the_command_line_clears_them() {
        let mut t = Timeouts::default();
        let source = ValueSource::file("a.conf", 3);
        t.set_if_unset(
            Phase::Tcp,
            Limit::new(Duration::from_secs(4), "ConnectTimeout", source.clone()),
        );
        t.set_if_unset(
            Phase::Tcp,
            Limit::new(Duration::from_secs(9), "ConnectTimeout", source),
        );
        assert_eq!(t.get(Phase::Tcp).unwrap().duration, Duration::from_secs(4));
        assert_eq!(t.longest(Duration::from_secs(2)), Duration::from_secs(4));
        t.clear_phases();
        assert!(t.iter().next().is_none());
    }

    #[test]
    fn a_limit_says_its_setting_and_place() {
        let source = ValueSource::file("hosts.yaml", 12);
        let limit = StageLimit {
            duration: Duration::from_secs(2),
            set_by: Some(("banner_timeout", &source)),
        };
        assert_eq!(limit.to_string(), "2s (banner_timeout, hosts.yaml:12)");
        let default = StageLimit {
            duration: Duration::from_secs(10),
            set_by: None,
        };
        assert_eq!(default.to_string(), "10s (the default timeout)");
    }
}
