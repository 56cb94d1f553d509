//! What the engine needs to know to probe one device, whatever source described it: the
//! address, credentials (as `Secret`s), host key policy, platform profile, timeouts, the
//! algorithm offer and a jump host. Sources build these; the engine, fixes and views read them.

mod client;
mod escalation;
mod host_arg;
mod source;
mod timeouts;

use crate::algorithms::allowlist::{Category, ClientOffer};
use crate::model::ShellCommand;
use crate::secret::Secret;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use client::{
    AlgorithmSetting, ClientKind, ClientRequest, DeviceClient, SettingVia, UnknownClient, UsedBy,
    parse_client,
};
pub use escalation::{BecomeMethod, Escalation, parse_bool};
pub use host_arg::{HostArg, HostArgError, parse_host_arg};
pub use source::ValueSource;
pub use timeouts::{Limit, PARAMIKO_TIMEOUTS, Phase, StageLimit, Timeouts};

/// The per-stage timeout when nothing else is said.
/// Jump chains longer than this are refused (and so are loops), by the sources that build
/// them and by the engine that follows them.
pub const MAX_JUMP_CHAIN: usize = 8;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest per-stage timeout anything may set (ssh_config's ConnectTimeout has the same
/// cap): beyond it a timeout is a typo, and timers built from it would overflow.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Why a timeout was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeoutError {
    #[error(transparent)]
    Syntax(#[from] DurationSyntax),
    #[error("must be more than 0 and at most 24h")]
    OutOfRange,
}

/// Text that is not a duration; says what one looks like (humantime's own message, "expected
/// number at 0", speaks of its parser, not of what to write).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration: write 5s, 500ms or 1m")]
pub struct DurationSyntax(pub String);

/// A duration as people write it: `5s`, `500ms`, `1m30s`, `2h`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationSyntax> {
    humantime::parse_duration(text.trim()).map_err(|_| DurationSyntax(text.to_owned()))
}

/// A per-stage timeout from a file or the command line, checked against `MAX_TIMEOUT`.
pub fn parse_timeout(text: &str) -> Result<Duration, TimeoutError> {
    let d = parse_duration(text)?;
    if d.is_zero() || d > MAX_TIMEOUT {
        return Err(TimeoutError::OutOfRange);
    }
    Ok(d)
}

/// What the engine needs to know to probe one device.
#[derive(Debug, Clone)]
pub struct Device {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub credentials: Credentials,
    /// The enable secret, or on Linux the become (sudo) password.
    pub enable_secret: Option<Secret>,
    /// Whether and how the engineer's tool raises privileges after login.
    pub escalation: Escalation,
    /// known_hosts files to check; empty means the user's and the system's defaults.
    pub known_hosts: Vec<PathBuf>,
    pub host_key_policy: HostKeyPolicy,
    /// Platform profile name or alias; `auto` detects from banner and prompt.
    pub profile: String,
    /// The overall per-stage timeout: every stage without a limit of its own in `timeouts`.
    pub timeout: Duration,
    /// Per-phase limits as the engineer's client has them, each with where it was set.
    pub timeouts: Timeouts,
    /// After authentication, check whether SFTP and SCP are available (`--transfer`,
    /// `check_transfer = true`).
    pub check_transfer: bool,
    /// What sshtriage's probe (russh) offers: everything it implements, strongest first,
    /// unless `[device.algorithms]` narrows it.
    pub offer: ClientOffer,
    /// The probe's allow-list as the user wrote it (`[device.algorithms]`), per category.
    pub allowlist: Vec<(Category, String)>,
    /// The engineer's client and the algorithm settings it reads: the verdicts are its.
    pub client: DeviceClient,
    /// Where the device was defined, for messages.
    pub origin: Origin,
    /// A jump host: another device's name, or `[user@]host[:port]`.
    pub jump: Option<String>,
    /// The arguments that select this device again in `known-hosts accept` and `fix
    /// algorithms`, as the run's command line chose it (its NAME and the SOURCEs, or its
    /// `--host`, with the options that shaped it); empty when no arguments can (a device read
    /// from standard input).
    pub selector: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub password: Option<Secret>,
    pub key: Option<KeySource>,
    /// Further key files tried after `key`, in order: ssh_config's later `IdentityFile`s,
    /// which ssh tries too. Unlike `key`, one that cannot be read is skipped, as ssh does.
    pub more_key_files: Vec<PathBuf>,
    pub passphrase: Option<Secret>,
    pub agent: bool,
    pub look_for_keys: bool,
}

impl Credentials {
    pub fn is_empty(&self) -> bool {
        !self.has_key() && self.password.is_none() && !self.agent && !self.look_for_keys
    }

    /// A key configured by file or inline (not the agent's, not ~/.ssh's).
    pub fn has_key(&self) -> bool {
        self.key.is_some() || !self.more_key_files.is_empty()
    }

    /// Every secret a transcript or message might otherwise reveal.
    pub fn secrets(&self) -> Vec<&Secret> {
        let mut out: Vec<&Secret> = self.password.iter().chain(self.passphrase.iter()).collect();
        if let Some(KeySource::Inline(key)) = &self.key {
            out.push(key);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum KeySource {
    File(PathBuf),
    /// PEM or OpenSSH private key text, as Paramiko's `pkey`.
    Inline(Secret),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicy {
    /// Unknown and changed keys fail.
    Strict,
    /// Unknown keys warn (and may be accepted by a fix); changed keys fail.
    #[default]
    AcceptNew,
    /// Unknown keys warn; changed keys fail (credentials are still withheld).
    Warn,
}

impl HostKeyPolicy {
    pub fn parse(text: &str) -> Option<HostKeyPolicy> {
        // Paramiko's policy names are accepted as aliases.
        match text {
            "strict" | "reject" => Some(HostKeyPolicy::Strict),
            "accept-new" | "auto_add" => Some(HostKeyPolicy::AcceptNew),
            "warn" | "warning" => Some(HostKeyPolicy::Warn),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File { path: PathBuf, line: usize },
    CommandLine,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{}:{}", path.display(), line),
            Origin::CommandLine => f.write_str("command line"),
        }
    }
}

impl Device {
    /// A device given on the command line, with defaults for everything else.
    pub fn from_target(target: &HostArg) -> Device {
        Device {
            port: target.port,
            username: target.user.clone(),
            ..Device::with_defaults(target.display(), target.host.clone(), Origin::CommandLine)
        }
    }

    /// A device named `name` at `host`, port 22, with sshtriage's defaults for everything else.
    pub fn with_defaults(name: String, host: String, origin: Origin) -> Device {
        Device {
            name,
            host,
            port: 22,
            username: None,
            credentials: Credentials::default(),
            enable_secret: None,
            escalation: Escalation::default(),
            known_hosts: Vec::new(),
            host_key_policy: HostKeyPolicy::default(),
            profile: "auto".into(),
            timeout: DEFAULT_TIMEOUT,
            timeouts: Timeouts::default(),
            check_transfer: false,
            offer: ClientOffer::default(),
            allowlist: Vec::new(),
            client: DeviceClient::default(),
            origin,
            jump: None,
            selector: Vec::new(),
        }
    }

    /// `sshtriage SUBCOMMAND…` for this device, as it works when pasted; None when no
    /// arguments select it (see `selector`).
    pub fn command(&self, subcommand: &[&str]) -> Option<ShellCommand> {
        (!self.selector.is_empty()).then(|| {
            ShellCommand::sshtriage(subcommand.iter().copied()).args(self.selector.iter().cloned())
        })
    }

    /// The time limit of `stage`: its phase's own, else the overall timeout.
    pub fn limit(&self, stage: crate::model::Stage) -> StageLimit<'_> {
        match Phase::of(stage).and_then(|phase| self.timeouts.get(phase)) {
            Some(limit) => StageLimit {
                duration: limit.duration,
                set_by: Some((limit.setting.as_str(), &limit.source)),
            },
            None => StageLimit {
                duration: self.timeout,
                set_by: self
                    .timeouts
                    .overall
                    .as_ref()
                    .map(|(setting, source)| (setting.as_str(), source)),
            },
        }
    }

    /// Sets the overall timeout for every stage, dropping per-phase limits (`--timeout`).
    pub fn set_every_timeout(&mut self, timeout: Duration, setting: &str) {
        self.timeout = timeout;
        self.timeouts.clear_phases();
        self.timeouts.overall = Some((
            setting.to_owned(),
            ValueSource::BuiltIn("the command line, SSHTRIAGE_TIMEOUT or the config file".into()),
        ));
    }

    /// Every secret configured for this device.
    pub fn secrets(&self) -> Vec<&Secret> {
        let mut out = self.credentials.secrets();
        out.extend(self.enable_secret.iter());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_duration_says_what_one_looks_like() {
        assert_eq!(parse_timeout("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration(" 1m30s "), Ok(Duration::from_secs(90)));
        for bad in ["abc", "5", "5x", ""] {
            assert_eq!(
                parse_timeout(bad).map_err(|e| e.to_string()),
                Err(format!("`{bad}` is not a duration: write 5s, 500ms or 1m"))
            );
        }
        assert_eq!(parse_timeout("0s"), Err(TimeoutError::OutOfRange));
    }
}
