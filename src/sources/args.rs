//! Keyword arguments of the Python tools whose files sshtriage reads (Netmiko's
//! `ConnectHandler`, Paramiko's `connect`, Nornir's connection options, NetPulse's
//! `connection_args`), each with the file:line that wrote it. A value that cannot be used as
//! written (Jinja, `${VAR}`, a list where one word belongs) is reported once per place for
//! every device it concerns, and never used; secret text is never shown.

use super::read::located;
use super::ssh_config::SshConfig;
use super::yaml::{Kind, Node};
use super::{Field, Provenance, SourceError, ValueSource};
use crate::device::{ClientKind, ClientRequest, Device, MAX_TIMEOUT, UsedBy};
use crate::profile::Profiles;
use crate::secret::Secret;
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::LazyLock;
use std::time::Duration;

/// One argument: its name as messages give it (`connection_args.port`), its value, and where
/// it was written.
#[derive(Debug, Clone)]
pub(super) struct Arg {
    pub key: String,
    pub node: Node,
    pub source: ValueSource,
}

/// Arguments by name in the order written; a later layer replaces an earlier one's value, as
/// Python's `dict.update` does.
#[derive(Debug, Clone, Default)]
pub(super) struct Args {
    entries: Vec<(String, Arg)>,
}

impl Args {
    /// The entries of the mapping `node` in `path`, named `prefix` + key in messages.
    pub fn of(path: &Path, node: &Node, prefix: &str) -> Args {
        let mut args = Args::default();
        for (key, line, value) in node.entries_lined() {
            args.set(
                key,
                Arg {
                    key: format!("{prefix}{key}"),
                    node: value.clone(),
                    source: ValueSource::file(path, line),
                },
            );
        }
        args
    }

    pub fn set(&mut self, name: &str, arg: Arg) {
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = arg,
            None => self.entries.push((name.to_owned(), arg)),
        }
    }

    /// `dict.update(other)`.
    pub fn update(&mut self, other: &Args) {
        for (name, arg) in &other.entries {
            self.set(name, arg.clone());
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Arg> {
        let at = self.entries.iter().position(|(n, _)| n == name)?;
        Some(self.entries.remove(at).1)
    }

    /// The argument unless absent or null (`None` in Python, which every tool treats as unset).
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.entries
            .iter()
            .find(|(n, a)| n == name && !a.node.is_null())
            .map(|(_, a)| a)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arg)> {
        self.entries.iter().map(|(n, a)| (n.as_str(), a))
    }
}

/// Messages for the user, each said once with every device it concerns.
#[derive(Debug, Default)]
pub(super) struct Notes {
    order: Vec<(String, Vec<String>)>,
    index: HashMap<String, usize>,
}

impl Notes {
    /// `message` about `device` (empty: about the file).
    pub fn add(&mut self, message: String, device: &str) {
        let at = match self.index.get(&message) {
            Some(at) => *at,
            None => {
                self.order.push((message.clone(), Vec::new()));
                self.index.insert(message, self.order.len() - 1);
                self.order.len() - 1
            }
        };
        let devices = &mut self.order[at].1;
        if !device.is_empty() && devices.last().map(String::as_str) != Some(device) {
            devices.push(device.to_owned());
        }
    }

    pub fn render(self) -> Vec<String> {
        self.order
            .into_iter()
            .map(|(message, devices)| match devices.len() {
                0 => message,
                1..=5 => format!("{message} [{}]", devices.join(", ")),
                n => format!("{message} [{} and {} more]", devices[..5].join(", "), n - 5),
            })
            .collect()
    }
}

/// `${NAME}`: an environment variable the file expects someone to expand.
fn env_reference(text: &str) -> Option<&str> {
    static ENV: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*$").expect("valid regex")
    });
    ENV.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// Reads argument values for one device, noting the ones it cannot use.
pub(super) struct Reader<'a> {
    pub notes: &'a mut Notes,
    /// The device the values are for, in notes.
    pub device: String,
    /// The tool that reads the file, in notes ("Netmiko", "Nornir", "NetPulse").
    pub tool: &'static str,
}

impl Reader<'_> {
    fn note(&mut self, arg: &Arg, what: String) {
        let message = format!("{}: {}: {what}", arg.source, arg.key);
        self.notes.add(message, &self.device.clone());
    }

    /// Usable scalar text: not a list or mapping, not a template, not an environment
    /// reference. `secret_key` is the sshtriage.toml key that supplies a secret instead
    /// (`password_env`); a secret's text is never part of a message.
    fn usable(&mut self, arg: &Arg, secret_key: Option<&str>) -> Option<String> {
        let text = match &arg.node.kind {
            _ if arg.node.is_null() => return None,
            Kind::Scalar { text, .. } => text.clone(),
            _ => {
                let kind = arg.node.describe();
                self.note(arg, format!("is {kind}, not a single value; ignored"));
                return None;
            }
        };
        let tool = self.tool;
        let instead = |env: &str| match secret_key {
            Some(key) => format!(": set {key} = \"{env}\" in an sshtriage.toml [defaults]"),
            None => String::new(),
        };
        if let Some(env) = env_reference(&text) {
            let what = format!(
                "names environment variable {env}, which {tool} does not expand; not used{}",
                instead(env)
            );
            self.note(arg, what);
            return None;
        }
        if text.contains("{{") || text.contains("{%") {
            let what = match (super::ansible::env_lookup(&text), secret_key) {
                (Some(env), _) => format!(
                    "reads environment variable {env} through Jinja, which {tool} does not \
                     evaluate; not used{}",
                    instead(&env)
                ),
                (None, Some(key)) => format!(
                    "is Jinja, which {tool} does not evaluate; not used (supply it with {key} \
                     in an sshtriage.toml [defaults])"
                ),
                (None, None) => {
                    format!("`{text}` is Jinja, which {tool} does not evaluate; not used")
                }
            };
            self.note(arg, what);
            return None;
        }
        Some(text)
    }

    pub fn text(&mut self, arg: Option<&Arg>) -> Option<(String, ValueSource)> {
        let arg = arg?;
        let text = self.usable(arg, None)?;
        (!text.is_empty()).then(|| (text, arg.source.clone()))
    }

    /// A password, secret or passphrase; `key` names the sshtriage.toml key that supplies it
    /// otherwise (`password_env`).
    pub fn secret(&mut self, arg: Option<&Arg>, key: &str) -> Option<(Secret, ValueSource)> {
        let arg = arg?;
        let text = self.usable(arg, Some(key))?;
        (!text.is_empty()).then(|| (Secret::new(text), arg.source.clone()))
    }

    /// Python truthiness of the spellings YAML and JSON give booleans.
    pub fn flag(&mut self, arg: Option<&Arg>) -> Option<(bool, ValueSource)> {
        let arg = arg?;
        let value = match self.usable(arg, None)?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => true,
            "false" | "no" | "off" | "0" | "" => false,
            other => {
                let what = format!("`{other}` is not true or false; ignored");
                self.note(arg, what);
                return None;
            }
        };
        Some((value, arg.source.clone()))
    }

    /// A number of seconds (integer or not), more than 0 and at most 24 hours.
    pub fn seconds(&mut self, arg: Option<&Arg>) -> Option<(Duration, ValueSource)> {
        let arg = arg?;
        let text = self.usable(arg, None)?;
        match text.trim().parse::<f64>() {
            Ok(s) if s > 0.0 && s <= MAX_TIMEOUT.as_secs_f64() => {
                Some((Duration::from_secs_f64(s), arg.source.clone()))
            }
            _ => {
                let what = format!("`{text}` is not a number of seconds up to 24h; ignored");
                self.note(arg, what);
                None
            }
        }
    }

    /// A TCP port; anything else is an error for the device (the tool fails on it too).
    pub fn port(&mut self, arg: Option<&Arg>) -> Result<Option<(u16, ValueSource)>, SourceError> {
        let Some(arg) = arg else { return Ok(None) };
        let Some(text) = self.usable(arg, None) else {
            return Ok(None);
        };
        match text.trim().parse::<u16>() {
            Ok(port) if port > 0 => Ok(Some((port, arg.source.clone()))),
            _ => Err(error_at(
                &arg.source,
                &arg.key,
                format!("`{text}` is not a port number"),
            )),
        }
    }
}

/// What every reader of a file shares: where relative paths start, the platform profiles, and
/// the ssh_config files devices name (each read once).
pub(super) struct Ctx<'a> {
    pub base_dir: &'a Path,
    pub profiles: &'a Profiles,
    ssh_configs: RefCell<HashMap<PathBuf, Result<Rc<SshConfig>, SourceError>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(base_dir: &'a Path, profiles: &'a Profiles) -> Ctx<'a> {
        Ctx {
            base_dir,
            profiles,
            ssh_configs: RefCell::default(),
        }
    }

    /// The ssh_config at `path`, read once however many devices name it.
    pub fn ssh_config(&self, path: &Path) -> Result<Rc<SshConfig>, SourceError> {
        self.ssh_configs
            .borrow_mut()
            .entry(path.to_owned())
            .or_insert_with(|| SshConfig::load(path).map(Rc::new))
            .clone()
    }
}

/// An error about one value, located where it was written.
pub(super) fn error_at(source: &ValueSource, key: &str, message: String) -> SourceError {
    match source {
        ValueSource::File { path, line } => located(path, *line, key, message),
        ValueSource::BuiltIn(what) => located(Path::new(what), 0, key, message),
    }
}

/// The device's client: `kind`, run by `used_by`, as `source` says.
pub(super) fn set_client(
    device: &mut Device,
    prov: &mut Provenance,
    kind: ClientKind,
    used_by: UsedBy,
    source: ValueSource,
) {
    device.client.request = ClientRequest::Fixed {
        kind,
        version: None,
    };
    device.client.used_by = Some(used_by);
    device.client.source = Some(source.clone());
    prov.set(Field::Client, source);
}

/// A name not yet taken among `taken`: `base`, else `base#2`, `base#3`, …
pub(super) fn unique_name(taken: &mut std::collections::HashSet<String>, base: &str) -> String {
    let mut name = base.to_owned();
    let mut n = 1;
    while taken.contains(&name) {
        n += 1;
        name = format!("{base}#{n}");
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Args {
        let node = super::super::yaml::parse(Path::new("f.yml"), text)
            .unwrap()
            .unwrap();
        Args::of(Path::new("f.yml"), &node, "x.")
    }

    #[test]
    fn unusable_values_are_noted_once_for_every_device_and_secrets_stay_hidden() {
        let a = args(
            "password: '{{ vault_pw }}'\nsecret: ${ENABLE_PW}\nhost: [a, b]\nport: 2222\n\
             conn_timeout: 2.5\nuse_keys: yes\nuser: \"{{ lookup('env', 'OPS_USER') }}\"\n",
        );
        let mut notes = Notes::default();
        for device in ["r1", "r2"] {
            let mut r = Reader {
                notes: &mut notes,
                device: device.into(),
                tool: "Netmiko",
            };
            assert!(r.secret(a.get("password"), "password_env").is_none());
            assert!(r.secret(a.get("secret"), "enable_secret_env").is_none());
            assert!(r.text(a.get("host")).is_none());
            assert!(r.text(a.get("user")).is_none());
            assert_eq!(r.port(a.get("port")).unwrap().unwrap().0, 2222);
            let (t, source) = r.seconds(a.get("conn_timeout")).unwrap();
            assert_eq!(t, Duration::from_millis(2500));
            assert_eq!(source.to_string(), "f.yml:5");
            assert!(r.flag(a.get("use_keys")).unwrap().0);
        }
        let notes = notes.render();
        assert_eq!(notes.len(), 4, "{notes:#?}");
        assert!(
            notes[0].starts_with("f.yml:1: x.password: is Jinja"),
            "{}",
            notes[0]
        );
        assert!(!notes[0].contains("vault_pw"), "{}", notes[0]);
        assert!(notes[0].ends_with("[r1, r2]"), "{}", notes[0]);
        assert!(
            notes[1].contains("environment variable ENABLE_PW")
                && notes[1].contains("enable_secret_env = \"ENABLE_PW\""),
            "{}",
            notes[1]
        );
        assert!(notes[2].contains("is a list"), "{}", notes[2]);
        assert!(
            notes[3].contains("OPS_USER") && notes[3].ends_with("not used [r1, r2]"),
            "no sshtriage.toml key takes a user from the environment: {}",
            notes[3]
        );
    }

    #[test]
    fn a_bad_port_is_an_error_naming_file_line_and_key() {
        let a = args("host: r1\nport: twenty-two\n");
        let mut notes = Notes::default();
        let mut r = Reader {
            notes: &mut notes,
            device: "r1".into(),
            tool: "Netmiko",
        };
        let err = r.port(a.get("port")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.yml:2: x.port: `twenty-two` is not a port number"
        );
    }

    #[test]
    fn later_layers_replace_earlier_values_and_null_is_unset() {
        let mut a = args("host: a\nport: 22\nusername: ~\n");
        a.update(&args("port: 830\n"));
        assert_eq!(a.get("port").unwrap().node.as_str(), Some("830"));
        assert!(a.get("username").is_none());
        let mut taken = Default::default();
        assert_eq!(unique_name(&mut taken, "r1"), "r1");
        assert_eq!(unique_name(&mut taken, "r1"), "r1#2");
    }
}
