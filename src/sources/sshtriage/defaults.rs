//! The `[defaults]` table as overrides for devices imported from other sources.

use super::raw::RawDevice;
use super::{Locator, SourceError, resolve};
use crate::sources::{Overrides, ValueSource};
use std::path::Path;
use toml::Spanned;

/// Only the keys the table sets; secrets resolved from their references.
pub(super) fn overrides(
    raw: &RawDevice,
    at: &Locator,
    base_dir: &Path,
) -> Result<Overrides, SourceError> {
    let line = raw
        .host
        .as_ref()
        .or(raw.name.as_ref())
        .map(|v| at.line(v.span().start))
        .unwrap_or(1);
    let mut probe = raw.clone();
    // `resolve` wants a host; the defaults table has none of its own.
    probe.host = Some(Spanned::new(0..0, "[defaults]".to_owned()));
    probe.name = None;
    let mut ignored = Vec::new();
    let d = resolve(&probe, at, base_dir, line, &mut ignored)?;
    let mut o = Overrides::new(ValueSource::File {
        path: at.path.to_owned(),
        line,
    });
    let set = |v: bool| v.then_some(());
    o.port = set(raw.port.is_some()).map(|_| d.port);
    o.username = d.username.clone();
    o.password = d.credentials.password.clone();
    o.key = d.credentials.key.clone();
    o.passphrase = d.credentials.passphrase.clone();
    o.enable_secret = d.enable_secret.clone();
    o.agent = raw.agent;
    o.look_for_keys = raw.look_for_keys;
    o.known_hosts = set(raw.known_hosts.is_some()).map(|_| d.known_hosts.clone());
    o.host_key_policy = set(raw.host_key_policy.is_some()).map(|_| d.host_key_policy);
    o.profile = raw.profile.clone();
    o.timeout = set(raw.timeout.is_some()).map(|_| d.timeout);
    o.timeouts = d.timeouts.clone();
    o.escalate = d.escalation.wanted;
    o.enable_secret_is_become_password = d.escalation.become_password;
    o.become_method = d.escalation.method.clone();
    o.check_transfer = raw.check_transfer.as_ref().map(|b| *b.get_ref());
    o.jump = raw.jump.clone();
    o.client = (raw.client.is_some()).then(|| (d.client.request.clone(), d.client.used_by));
    Ok(o)
}
