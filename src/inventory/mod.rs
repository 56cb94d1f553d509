//! The device list: a TOML inventory and `--host` arguments, resolved into `Device`s with
//! defaults applied, secrets read from their references and allow-lists validated.
//! Every error names the file, the line and the key.

mod defaults;
mod raw;
pub mod target;

use crate::algorithms::allowlist::{self, Category, ClientOffer};
use crate::secret::Secret;
use raw::{RawAlgorithms, RawDevice, RawInventory};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

pub use target::parse_host_arg;

/// The per-stage timeout when nothing else is said.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest per-stage timeout anything may set (ssh_config's ConnectTimeout has the same
/// cap): beyond it a timeout is a typo, and timers built from it would overflow.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// A per-stage timeout from a file or the command line, checked against `MAX_TIMEOUT`.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    if d.is_zero() || d > MAX_TIMEOUT {
        return Err("must be more than 0 and at most 24h".into());
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
    pub enable_secret: Option<Secret>,
    /// known_hosts files to check; empty means the user's and the system's defaults.
    pub known_hosts: Vec<PathBuf>,
    pub host_key_policy: HostKeyPolicy,
    /// Platform profile name or alias; `auto` detects from banner and prompt.
    pub profile: String,
    pub timeout: Duration,
    /// Our client's offer after the device's allow-list.
    pub offer: ClientOffer,
    /// The allow-list as the user wrote it, per category key.
    pub allowlist: Vec<(Category, String)>,
    /// Where the device was defined, for messages.
    pub origin: Origin,
    /// A jump host: another device's name, or `[user@]host[:port]`.
    pub jump: Option<String>,
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

/// A problem with an inventory file, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {key}{}{message}", file.display(), if key.is_empty() { "" } else { ": " })]
pub struct InventoryError {
    pub file: PathBuf,
    pub line: usize,
    pub key: String,
    pub message: String,
}

/// The resolved inventory plus what the user should be warned about.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub devices: Vec<Device>,
    pub warnings: Vec<String>,
    /// The `[defaults]` table, for laying over devices imported from other sources
    /// (Containerlab, Ansible): it replaces built-in defaults, never what a source file set.
    pub defaults: Option<crate::sources::Overrides>,
}

impl Inventory {
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|e| InventoryError {
            file: path.to_owned(),
            line: 0,
            key: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        Inventory::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Inventory, InventoryError> {
        let at = Locator { path, text };
        let raw: RawInventory = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| at.line(s.start)).unwrap_or(0);
            InventoryError {
                file: path.to_owned(),
                line,
                key: String::new(),
                message: e.message().trim().to_owned(),
            }
        })?;
        let mut inventory = Inventory::default();
        let base_dir = path.parent().unwrap_or(Path::new("."));
        if let Some(table) = &raw.defaults {
            inventory.defaults = Some(defaults::overrides(table, &at, base_dir)?);
        }
        let defaults = raw.defaults.unwrap_or_default();
        for (key, value) in [("name", &defaults.name), ("host", &defaults.host)] {
            if let Some(v) = value {
                return Err(at.error(v.span().start, key, "not allowed in [defaults]"));
            }
        }
        for entry in &raw.device {
            let line = at.line(entry.span().start);
            let merged = entry.get_ref().clone().over(&defaults);
            let device = resolve(&merged, &at, base_dir, line, &mut inventory.warnings)?;
            if let Some(other) = inventory.devices.iter().find(|d| d.name == device.name) {
                return Err(at.error(
                    entry.span().start,
                    "name",
                    &format!(
                        "duplicate device name `{}` (first at {})",
                        device.name, other.origin
                    ),
                ));
            }
            inventory.devices.push(device);
        }
        Ok(inventory)
    }
}

/// Turns byte offsets into line numbers for messages.
struct Locator<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn error(&self, offset: usize, key: &str, message: &str) -> InventoryError {
        InventoryError {
            file: self.path.to_owned(),
            line: self.line(offset),
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }
}

fn resolve(
    raw: &RawDevice,
    at: &Locator,
    base_dir: &Path,
    line: usize,
    warnings: &mut Vec<String>,
) -> Result<Device, InventoryError> {
    let missing = |key: &str| InventoryError {
        file: at.path.to_owned(),
        line,
        key: key.to_owned(),
        message: "required key is missing".into(),
    };
    let host = raw.host.as_ref().ok_or_else(|| missing("host"))?;
    let name = raw
        .name
        .as_ref()
        .map(|n| n.get_ref().clone())
        .unwrap_or_else(|| host.get_ref().clone());
    let secret = |key: &str,
                  plain: &Option<Spanned<String>>,
                  env: &Option<Spanned<String>>,
                  file: &Option<Spanned<String>>,
                  warnings: &mut Vec<String>|
     -> Result<Option<Secret>, InventoryError> {
        if let Some(v) = plain {
            warnings.push(format!(
                "{}:{}: plaintext `{key}` in the inventory; prefer `{key}_env` or `{key}_file`",
                at.path.display(),
                at.line(v.span().start)
            ));
            return Ok(Some(Secret::new(v.get_ref().clone())));
        }
        if let Some(var) = env {
            return match std::env::var(var.get_ref()) {
                Ok(value) => Ok(Some(Secret::new(value))),
                Err(_) => Err(at.error(
                    var.span().start,
                    &format!("{key}_env"),
                    &format!("environment variable `{}` is not set", var.get_ref()),
                )),
            };
        }
        if let Some(p) = file {
            let path = expand_path(base_dir, p.get_ref());
            return match std::fs::read_to_string(&path) {
                Ok(value) => Ok(Some(Secret::new(value.trim_end_matches(['\r', '\n'])))),
                Err(e) => Err(at.error(
                    p.span().start,
                    &format!("{key}_file"),
                    &format!("cannot read {}: {e}", path.display()),
                )),
            };
        }
        Ok(None)
    };
    let password = secret(
        "password",
        &raw.password,
        &raw.password_env,
        &raw.password_file,
        warnings,
    )?;
    let enable_secret = secret(
        "enable_secret",
        &raw.enable_secret,
        &raw.enable_secret_env,
        &raw.enable_secret_file,
        warnings,
    )?;
    let passphrase = secret(
        "passphrase",
        &raw.passphrase,
        &raw.passphrase_env,
        &raw.passphrase_file,
        warnings,
    )?;
    let inline_key = secret("key", &raw.key, &raw.key_env, &None, warnings)?;
    let key = match (&raw.key_file, inline_key) {
        (Some(f), None) => Some(KeySource::File(expand_path(base_dir, f))),
        (None, Some(k)) => Some(KeySource::Inline(k)),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(InventoryError {
                file: at.path.to_owned(),
                line,
                key: "key_file".into(),
                message: "give either `key_file` or `key`, not both".into(),
            });
        }
    };
    let timeout = match &raw.timeout {
        Some(t) => parse_timeout(t.get_ref()).map_err(|e| {
            at.error(
                t.span().start,
                "timeout",
                &format!("`{}`: {e} (try \"10s\")", t.get_ref()),
            )
        })?,
        None => DEFAULT_TIMEOUT,
    };
    let host_key_policy = match &raw.host_key_policy {
        Some(p) => HostKeyPolicy::parse(p.get_ref()).ok_or_else(|| {
            at.error(
                p.span().start,
                "host_key_policy",
                &format!(
                    "`{}` is not one of strict, accept-new, warn (or Paramiko's reject, auto_add, warning)",
                    p.get_ref()
                ),
            )
        })?,
        None => HostKeyPolicy::default(),
    };
    let (offer, allowlist) = algorithms(raw.algorithms.as_ref(), at)?;
    Ok(Device {
        name,
        host: host.get_ref().clone(),
        port: raw.port.unwrap_or(22),
        username: raw.username.clone(),
        credentials: Credentials {
            password,
            key,
            more_key_files: Vec::new(),
            passphrase,
            agent: raw.agent.unwrap_or(false),
            look_for_keys: raw.look_for_keys.unwrap_or(false),
        },
        enable_secret,
        known_hosts: raw
            .known_hosts
            .iter()
            .flatten()
            .map(|p| expand_path(base_dir, p))
            .collect(),
        host_key_policy,
        profile: raw.profile.clone().unwrap_or_else(|| "auto".into()),
        timeout,
        offer,
        allowlist,
        origin: Origin::File {
            path: at.path.to_owned(),
            line,
        },
        jump: raw.jump.clone(),
    })
}

fn algorithms(
    raw: Option<&RawAlgorithms>,
    at: &Locator,
) -> Result<(ClientOffer, Vec<(Category, String)>), InventoryError> {
    let mut offer = ClientOffer::default();
    let mut written = Vec::new();
    let Some(raw) = raw else {
        return Ok((offer, written));
    };
    for category in Category::ALL {
        let Some(spec) = raw.get(category) else {
            continue;
        };
        let list =
            allowlist::apply(category, offer.get(category), spec.get_ref()).map_err(|e| {
                at.error(
                    spec.span().start,
                    &format!("algorithms.{}", category.key()),
                    &e.to_string(),
                )
            })?;
        *offer.get_mut(category) = list;
        written.push((category, spec.get_ref().clone()));
    }
    Ok((offer, written))
}

/// `~/` expands to the home directory; relative paths are relative to the inventory file.
pub fn expand_path(base_dir: &Path, path: &str) -> PathBuf {
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        return PathBuf::from(home).join(rest);
    }
    let p = PathBuf::from(path);
    if p.is_absolute() { p } else { base_dir.join(p) }
}

impl Device {
    /// A device given on the command line, with defaults for everything else.
    pub fn from_target(target: &target::HostArg) -> Device {
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
            known_hosts: Vec::new(),
            host_key_policy: HostKeyPolicy::default(),
            profile: "auto".into(),
            timeout: DEFAULT_TIMEOUT,
            offer: ClientOffer::default(),
            allowlist: Vec::new(),
            origin,
            jump: None,
        }
    }

    /// Every secret configured for this device.
    pub fn secrets(&self) -> Vec<&Secret> {
        let mut out = self.credentials.secrets();
        out.extend(self.enable_secret.iter());
        out
    }
}

#[cfg(test)]
mod tests;
