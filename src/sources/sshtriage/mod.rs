//! The sshtriage TOML inventory, one source among the others: `[[device]]` entries resolved
//! into `Device`s with `[defaults]` applied, secrets read from their references and
//! allow-lists validated. Every error names the file, the line and the key.

mod defaults;
mod raw;

use super::SourceError;
use super::paths::expand_path;
use crate::algorithms::allowlist::{self, Category, ClientOffer};
use crate::device::{
    AlgorithmSetting, BecomeMethod, Credentials, DEFAULT_TIMEOUT, Device, DeviceClient, Escalation,
    HostKeyPolicy, KeySource, Limit, Origin, Phase, SettingVia, TimeoutError, Timeouts,
    ValueSource, parse_client, parse_timeout,
};
use crate::secret::Secret;
use raw::{RawAlgorithms, RawDevice, RawInventory};
use std::path::Path;
use toml::Spanned;

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
    pub fn load(path: &Path) -> Result<Inventory, SourceError> {
        let text = super::read::read_text(path)?;
        Inventory::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Inventory, SourceError> {
        let at = Locator { path, text };
        let raw: RawInventory = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| at.line(s.start)).unwrap_or(0);
            SourceError {
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

    /// The key that starts the line holding `offset` (`become_password_env = …`).
    fn key_on_line(&self, offset: usize) -> &str {
        let end = offset.min(self.text.len());
        let start = self.text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = self.text[start..].trim_start();
        let len = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        &line[..len]
    }

    fn error(&self, offset: usize, key: &str, message: &str) -> SourceError {
        SourceError {
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
) -> Result<Device, SourceError> {
    let missing = |key: &str| SourceError {
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
     -> Result<Option<Secret>, SourceError> {
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
            let fail = |why: String| at.error(p.span().start, &format!("{key}_file"), &why);
            // Bounded and regular only: a FIFO or /dev/zero here must not hang or fill memory.
            let bytes = crate::files::read_bounded(&path, crate::files::SECRET_LIMIT)
                .map_err(|e| fail(e.to_string()))?;
            let value = String::from_utf8(bytes)
                .map_err(|_| fail(format!("{}: not UTF-8 text", path.display())))?;
            return Ok(Some(Secret::new(value.trim_end_matches(['\r', '\n']))));
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
    // Named as written: `become_password` is the Linux spelling of the same key.
    let written = [
        &raw.enable_secret,
        &raw.enable_secret_env,
        &raw.enable_secret_file,
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|v| at.key_on_line(v.span().start));
    let enable_key = match written {
        Some(key) if key.starts_with("become_password") => "become_password",
        _ => "enable_secret",
    };
    let enable_secret = secret(
        enable_key,
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
            return Err(SourceError {
                file: at.path.to_owned(),
                line,
                key: "key_file".into(),
                message: "give either `key_file` or `key`, not both".into(),
            });
        }
    };
    let port = match &raw.port {
        Some(p) => u16::try_from(*p.get_ref())
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                at.error(
                    p.span().start,
                    "port",
                    &format!(
                        "`{}` is not a port: write a number from 1 to 65535",
                        p.get_ref()
                    ),
                )
            })?,
        None => 22,
    };
    let duration = |t: &Spanned<String>, key: &str| {
        parse_timeout(t.get_ref()).map_err(|e| {
            let message = match e {
                TimeoutError::Syntax(syntax) => syntax.to_string(),
                TimeoutError::OutOfRange => format!("`{}`: {e}", t.get_ref()),
            };
            at.error(t.span().start, key, &message)
        })
    };
    let mut timeouts = Timeouts::default();
    let timeout = match &raw.timeout {
        Some(t) => {
            let source = ValueSource::file(at.path, at.line(t.span().start));
            timeouts.overall = Some(("timeout".to_owned(), source));
            duration(t, "timeout")?
        }
        None => DEFAULT_TIMEOUT,
    };
    for phase in Phase::ALL {
        if let Some(t) = raw.timeouts.as_ref().and_then(|table| table.get(phase)) {
            let key = format!("timeouts.{}", phase.key());
            let source = ValueSource::file(at.path, at.line(t.span().start));
            timeouts.set(phase, Limit::new(duration(t, &key)?, key, source));
        }
    }
    let escalation = Escalation {
        wanted: raw.escalate.as_ref().map(|b| *b.get_ref()),
        become_password: enable_secret.is_some() && enable_key == "become_password",
        method: raw
            .become_method
            .as_ref()
            .map(|m| match BecomeMethod::parse(m.get_ref()) {
                BecomeMethod::Other(name) => Err(at.error(
                    m.span().start,
                    "become_method",
                    &format!("`{name}` is not one sshtriage checks: sudo or enable"),
                )),
                method => Ok(method),
            })
            .transpose()?,
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
    let mut client = DeviceClient::default();
    if let Some(text) = &raw.client {
        let (request, used_by) = parse_client(text.get_ref())
            .map_err(|e| at.error(text.span().start, "client", &e.to_string()))?;
        client.request = request;
        client.used_by = used_by;
        client.source = Some(ValueSource::file(at.path, at.line(text.span().start)));
    }
    // The probe's allow-list is also what sshtriage's own client (russh) reads.
    for (category, value) in &allowlist {
        client.add_setting(AlgorithmSetting {
            category: *category,
            value: value.clone(),
            via: SettingVia::Probe,
            source: ValueSource::file(at.path, line),
        });
    }
    Ok(Device {
        name,
        host: host.get_ref().clone(),
        port,
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
        escalation,
        known_hosts: raw
            .known_hosts
            .iter()
            .flatten()
            .map(|p| expand_path(base_dir, p))
            .collect(),
        host_key_policy,
        profile: raw.profile.clone().unwrap_or_else(|| "auto".into()),
        timeout,
        timeouts,
        check_transfer: raw.check_transfer.as_ref().is_some_and(|b| *b.get_ref()),
        offer,
        allowlist,
        client,
        origin: Origin::File {
            path: at.path.to_owned(),
            line,
        },
        jump: raw.jump.clone(),
        selector: Vec::new(),
    })
}

fn algorithms(
    raw: Option<&RawAlgorithms>,
    at: &Locator,
) -> Result<(ClientOffer, Vec<(Category, String)>), SourceError> {
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

#[cfg(test)]
mod tests;
