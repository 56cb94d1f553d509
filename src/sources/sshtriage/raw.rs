//! The inventory file as written, before defaults and secret references are resolved.
//! Spans are kept so every error can name its line.

use crate::algorithms::allowlist::Category;
use crate::device::Phase;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInventory {
    pub defaults: Option<RawDevice>,
    #[serde(default)]
    pub device: Vec<Spanned<RawDevice>>,
}

/// Keys of a `[[device]]`; `[defaults]` takes the same keys except name and host.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDevice {
    pub name: Option<Spanned<String>>,
    pub host: Option<Spanned<String>>,
    /// Checked to be 1–65535 when resolved, so the error can name its line.
    pub port: Option<Spanned<i64>>,
    pub username: Option<String>,
    pub password: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    /// The enable secret; on Linux the become (sudo) password, hence the alias.
    #[serde(alias = "become_password")]
    pub enable_secret: Option<Spanned<String>>,
    #[serde(alias = "become_password_env")]
    pub enable_secret_env: Option<Spanned<String>>,
    #[serde(alias = "become_password_file")]
    pub enable_secret_file: Option<Spanned<String>>,
    /// Escalate after login (Ansible's `become`); a secret alone also asks for it.
    #[serde(rename = "become")]
    pub escalate: Option<Spanned<bool>>,
    /// `sudo` or `enable` (Ansible's `become_method`); unset, the platform profile decides.
    pub become_method: Option<Spanned<String>>,
    pub key_file: Option<String>,
    pub key: Option<Spanned<String>>,
    pub key_env: Option<Spanned<String>>,
    pub passphrase: Option<Spanned<String>>,
    pub passphrase_env: Option<Spanned<String>>,
    pub passphrase_file: Option<Spanned<String>>,
    pub agent: Option<bool>,
    pub look_for_keys: Option<bool>,
    pub known_hosts: Option<Vec<String>>,
    pub host_key_policy: Option<Spanned<String>>,
    pub profile: Option<String>,
    pub timeout: Option<Spanned<String>>,
    /// Per-phase limits over `timeout`: `[device.timeouts]`.
    pub timeouts: Option<RawTimeouts>,
    /// Check SFTP and SCP after login (`--transfer` for every device).
    pub check_transfer: Option<Spanned<bool>>,
    pub algorithms: Option<RawAlgorithms>,
    pub jump: Option<String>,
    /// The engineer's SSH client: `openssh`, `paramiko-3.5`, `ansible-libssh`, …
    pub client: Option<Spanned<String>>,
}

/// `[device.timeouts]`: one duration per phase, e.g. `banner = "2s"`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTimeouts {
    pub tcp: Option<Spanned<String>>,
    pub banner: Option<Spanned<String>>,
    pub kex: Option<Spanned<String>>,
    pub auth: Option<Spanned<String>>,
    pub prompt: Option<Spanned<String>>,
    pub enable: Option<Spanned<String>>,
}

impl RawTimeouts {
    pub fn get(&self, phase: Phase) -> Option<&Spanned<String>> {
        match phase {
            Phase::Tcp => self.tcp.as_ref(),
            Phase::Banner => self.banner.as_ref(),
            Phase::Kex => self.kex.as_ref(),
            Phase::Auth => self.auth.as_ref(),
            Phase::Prompt => self.prompt.as_ref(),
            Phase::Enable => self.enable.as_ref(),
        }
    }

    /// These keys, falling back to `base` key by key.
    fn over(self, base: &RawTimeouts) -> RawTimeouts {
        RawTimeouts {
            tcp: self.tcp.or_else(|| base.tcp.clone()),
            banner: self.banner.or_else(|| base.banner.clone()),
            kex: self.kex.or_else(|| base.kex.clone()),
            auth: self.auth.or_else(|| base.auth.clone()),
            prompt: self.prompt.or_else(|| base.prompt.clone()),
            enable: self.enable.or_else(|| base.enable.clone()),
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlgorithms {
    pub kex: Option<Spanned<String>>,
    pub host_key: Option<Spanned<String>>,
    pub cipher: Option<Spanned<String>>,
    pub mac: Option<Spanned<String>>,
}

impl RawAlgorithms {
    pub fn get(&self, category: Category) -> Option<&Spanned<String>> {
        match category {
            Category::Kex => self.kex.as_ref(),
            Category::HostKey => self.host_key.as_ref(),
            Category::Cipher => self.cipher.as_ref(),
            Category::Mac => self.mac.as_ref(),
        }
    }
}

type Field = Option<Spanned<String>>;
/// A secret's three forms: plain, `_env`, `_file`.
type SecretForms = (Field, Field, Field);

impl RawDevice {
    /// This device's keys, falling back to `defaults` key by key. A secret given by any of its
    /// three forms on the device replaces all three forms from the defaults.
    pub fn over(self, defaults: &RawDevice) -> RawDevice {
        fn secret(own: SecretForms, base: SecretForms) -> SecretForms {
            if own.0.is_some() || own.1.is_some() || own.2.is_some() {
                own
            } else {
                base
            }
        }
        let d = defaults;
        let (password, password_env, password_file) = secret(
            (self.password, self.password_env, self.password_file),
            (
                d.password.clone(),
                d.password_env.clone(),
                d.password_file.clone(),
            ),
        );
        let (enable_secret, enable_secret_env, enable_secret_file) = secret(
            (
                self.enable_secret,
                self.enable_secret_env,
                self.enable_secret_file,
            ),
            (
                d.enable_secret.clone(),
                d.enable_secret_env.clone(),
                d.enable_secret_file.clone(),
            ),
        );
        let (passphrase, passphrase_env, passphrase_file) = secret(
            (self.passphrase, self.passphrase_env, self.passphrase_file),
            (
                d.passphrase.clone(),
                d.passphrase_env.clone(),
                d.passphrase_file.clone(),
            ),
        );
        let own_key = self.key.is_some() || self.key_env.is_some() || self.key_file.is_some();
        let algorithms = match (self.algorithms, &d.algorithms) {
            (Some(own), Some(base)) => Some(RawAlgorithms {
                kex: own.kex.or_else(|| base.kex.clone()),
                host_key: own.host_key.or_else(|| base.host_key.clone()),
                cipher: own.cipher.or_else(|| base.cipher.clone()),
                mac: own.mac.or_else(|| base.mac.clone()),
            }),
            (own, base) => own.or_else(|| base.clone()),
        };
        let timeouts = match (self.timeouts, &d.timeouts) {
            (Some(own), Some(base)) => Some(own.over(base)),
            (own, base) => own.or_else(|| base.clone()),
        };
        RawDevice {
            name: self.name,
            host: self.host,
            port: self.port.or_else(|| d.port.clone()),
            username: self.username.or_else(|| d.username.clone()),
            password,
            password_env,
            password_file,
            enable_secret,
            enable_secret_env,
            enable_secret_file,
            escalate: self.escalate.or_else(|| d.escalate.clone()),
            become_method: self.become_method.or_else(|| d.become_method.clone()),
            key_file: if own_key {
                self.key_file
            } else {
                d.key_file.clone()
            },
            key: if own_key { self.key } else { d.key.clone() },
            key_env: if own_key {
                self.key_env
            } else {
                d.key_env.clone()
            },
            passphrase,
            passphrase_env,
            passphrase_file,
            agent: self.agent.or(d.agent),
            look_for_keys: self.look_for_keys.or(d.look_for_keys),
            known_hosts: self.known_hosts.or_else(|| d.known_hosts.clone()),
            host_key_policy: self.host_key_policy.or_else(|| d.host_key_policy.clone()),
            profile: self.profile.or_else(|| d.profile.clone()),
            timeout: self.timeout.or_else(|| d.timeout.clone()),
            timeouts,
            check_transfer: self.check_transfer.or_else(|| d.check_transfer.clone()),
            algorithms,
            jump: self.jump.or_else(|| d.jump.clone()),
            client: self.client.or_else(|| d.client.clone()),
        }
    }
}
