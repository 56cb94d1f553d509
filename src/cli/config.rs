//! The config file: defaults for flags, one `key = value` per line, each key the name of an
//! environment variable without `SSHTRIAGE_`, in lower case (`timeout = "5s"` is
//! `SSHTRIAGE_TIMEOUT=5s`). It is `--config FILE`, else `$SSHTRIAGE_CONFIG`, else
//! `$XDG_CONFIG_HOME/sshtriage/config.toml`, else `~/.config/sshtriage/config.toml` (these two
//! may be missing).
//!
//! Each value is checked here, with the parser the flag uses, so a mistake names its file and
//! line; then it becomes the flag's default (clap's `default_value`) on every command that has
//! the flag. That gives the precedence: command line, then environment, then this file, then
//! the built-in default.
//!
//! `trust_changed_host_keys` cannot be set here: sending credentials to a host whose key
//! contradicts known_hosts is a decision for one run, never a standing default.

use crate::sources::SourceError;
use clap::Command;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// What precedence `--help` states, under every command.
pub const PRECEDENCE: &str = "Every option also reads its environment variable (SSHTRIAGE_…), and most a config file \
($XDG_CONFIG_HOME/sshtriage/config.toml, else ~/.config/sshtriage/config.toml, or --config FILE). \
Precedence: command line > environment > config file > built-in default.";

/// The kind of value a key takes, and how it is checked.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Count,
    Number(fn(&str) -> Result<(), String>),
    Text(fn(&str) -> Result<(), String>),
    /// A file: `~/` is the home directory, a relative path is relative to the config file.
    Path,
}

/// Every key the file takes: the flags a user sets once for every run.
const KEYS: &[(&str, Kind)] = &[
    ("concurrency", Kind::Count),
    ("timeout", Kind::Text(timeout)),
    ("output", Kind::Text(output)),
    ("json", Kind::Bool),
    ("quiet", Kind::Bool),
    ("no_ssh_config", Kind::Bool),
    ("ssh_config", Kind::Path),
    ("client", Kind::Text(client)),
    ("python", Kind::Text(any)),
    ("known_hosts", Kind::Path),
    ("format", Kind::Text(format)),
    ("until", Kind::Text(until)),
    ("backoff", Kind::Text(positive_duration)),
    ("backoff_max", Kind::Text(positive_duration)),
    ("rate", Kind::Number(rate)),
    ("wait_timeout", Kind::Text(duration)),
    ("watch", Kind::Bool),
    ("no_reload", Kind::Bool),
];

/// Keys that exist as flags but must not come from a file, and why.
const REFUSED: &[(&str, &str)] = &[(
    "trust_changed_host_keys",
    "cannot be set in a config file: sending credentials to a host whose key contradicts \
     known_hosts is decided for one run (--trust-changed-host-keys or \
     SSHTRIAGE_TRUST_CHANGED_HOST_KEYS)",
)];

fn timeout(text: &str) -> Result<(), String> {
    crate::device::parse_timeout(text)
        .map(drop)
        .map_err(|e| match e {
            crate::device::TimeoutError::Syntax(s) => s.to_string(),
            other => format!("`{text}`: {other}"),
        })
}

fn duration(text: &str) -> Result<(), String> {
    crate::device::parse_duration(text)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn positive_duration(text: &str) -> Result<(), String> {
    super::watching::positive_duration(text).map(drop)
}

fn output(text: &str) -> Result<(), String> {
    text.parse::<crate::report::Output>()
        .map(drop)
        .map_err(|e| e.to_string())
}

fn client(text: &str) -> Result<(), String> {
    crate::device::parse_client(text)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn format(text: &str) -> Result<(), String> {
    text.parse::<crate::sources::Format>()
        .map(drop)
        .map_err(|e| e.to_string())
}

fn until(text: &str) -> Result<(), String> {
    super::watching::parse_stage(text).map(drop)
}

fn rate(text: &str) -> Result<(), String> {
    super::watching::positive_rate(text).map(drop)
}

fn any(_: &str) -> Result<(), String> {
    Ok(())
}

/// A config file as read: each key's value as the flag would take it on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub values: Vec<(&'static str, String)>,
}

impl Config {
    /// The file the arguments, the environment and the home directory point at: none when
    /// the default place holds no file; an error when a named file is missing or wrong.
    pub fn find(args: &[OsString]) -> Result<Config, SourceError> {
        let named = config_argument(args).or_else(|| {
            std::env::var_os("SSHTRIAGE_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        match named {
            Some(path) => Config::load(&path),
            None => match default_path().filter(|p| p.exists()) {
                Some(path) => Config::load(&path),
                None => Ok(Config::default()),
            },
        }
    }

    pub fn load(path: &Path) -> Result<Config, SourceError> {
        Config::parse(path, &crate::sources::read_text(path)?)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, SourceError> {
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let error = |offset: usize, key: &str, message: String| SourceError {
            file: path.to_owned(),
            line: line(offset),
            key: key.to_owned(),
            message,
        };
        let map: std::collections::BTreeMap<Spanned<String>, Spanned<toml::Value>> =
            toml::from_str(text).map_err(|e| SourceError {
                file: path.to_owned(),
                line: e.span().map_or(0, |s| line(s.start)),
                key: String::new(),
                message: e.message().trim().to_owned(),
            })?;
        let mut entries: Vec<(Spanned<String>, Spanned<toml::Value>)> = map.into_iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut config = Config {
            path: Some(path.to_owned()),
            values: Vec::new(),
        };
        for (key, value) in &entries {
            let at = key.span().start;
            let name = key.get_ref().as_str();
            if let Some((_, why)) = REFUSED.iter().find(|(k, _)| *k == name) {
                return Err(error(at, name, (*why).to_owned()));
            }
            let Some((known, kind)) = KEYS.iter().find(|(k, _)| *k == name) else {
                let keys: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                return Err(error(
                    at,
                    name,
                    format!("unknown key; the keys are {}", keys.join(", ")),
                ));
            };
            let text = as_flag(kind, value.get_ref(), base_dir)
                .map_err(|message| error(value.span().start, name, message))?;
            config.values.push((known, text));
        }
        let set = |k: &str| entries.iter().find(|(key, _)| key.get_ref() == k);
        if let (Some(_), Some((json, _))) = (set("output"), set("json")) {
            return Err(error(
                json.span().start,
                "json",
                "give `output` or `json`, not both (json = true is output = \"json\")".into(),
            ));
        }
        Ok(config)
    }

    /// `command` with every flag this file sets defaulting to its value, at every depth.
    pub fn apply(&self, command: Command) -> Command {
        if self.values.is_empty() {
            return command;
        }
        let ids: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|arg| {
                let env = arg.get_env()?.to_str()?;
                let key = env.strip_prefix("SSHTRIAGE_")?.to_ascii_lowercase();
                let value = self.values.iter().find(|(k, _)| *k == key)?;
                Some((arg.get_id().to_string(), value.1.clone()))
            })
            .collect();
        let subcommands: Vec<String> = command
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        let mut command = command;
        for (id, value) in ids {
            command = command.mut_arg(id, |arg| arg.default_value(value));
        }
        for name in subcommands {
            command = command.mut_subcommand(name, |sub| self.apply(sub));
        }
        command
    }
}

/// A value as the flag takes it on the command line, checked by the flag's own parser.
fn as_flag(kind: &Kind, value: &toml::Value, base_dir: &Path) -> Result<String, String> {
    use toml::Value;
    match (kind, value) {
        (Kind::Bool, Value::Boolean(b)) => Ok(b.to_string()),
        (Kind::Bool, other) => Err(format!("expected true or false, not {}", shown(other))),
        (Kind::Count, Value::Integer(n)) if *n >= 1 => Ok(n.to_string()),
        (Kind::Count, other) => Err(format!(
            "expected a whole number from 1 up, not {}",
            shown(other)
        )),
        (Kind::Number(check), Value::Integer(n)) => check(&n.to_string()).map(|()| n.to_string()),
        (Kind::Number(check), Value::Float(x)) => check(&x.to_string()).map(|()| x.to_string()),
        (Kind::Number(_), other) => Err(format!("expected a number, not {}", shown(other))),
        (Kind::Text(check), Value::String(s)) => check(s).map(|()| s.clone()),
        (Kind::Path, Value::String(s)) if !s.is_empty() => {
            Ok(crate::sources::expand_path(base_dir, s)
                .display()
                .to_string())
        }
        (Kind::Text(_) | Kind::Path, other) => {
            Err(format!("expected a string, not {}", shown(other)))
        }
    }
}

/// A TOML value as the user wrote it, for messages.
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("\"{}\"", crate::present::printable(s)),
        toml::Value::Table(_) => "a table".to_owned(),
        toml::Value::Array(_) => "a list".to_owned(),
        other => other.to_string(),
    }
}

/// The value of the last `--config FILE` (or `--config=FILE`) before a `--`.
fn config_argument(args: &[OsString]) -> Option<PathBuf> {
    let mut found = None;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        let text = word.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            found = words.next().map(PathBuf::from);
        } else if let Some(value) = text.strip_prefix("--config=") {
            found = Some(PathBuf::from(value));
        }
    }
    found
}

/// `$XDG_CONFIG_HOME/sshtriage/config.toml`, else `~/.config/sshtriage/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("sshtriage").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("/etc/lab/config.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn values_become_flags_as_typed_on_the_command_line() {
        let config = parse(
            "# defaults for every run\nconcurrency = 8\ntimeout = \"3s\"\nno_ssh_config = true\n\
             ssh_config = \"lab/ssh_config\"\nknown_hosts = \"/tmp/kh\"\nrate = 2.5\n\
             client = \"paramiko-3.5\"\noutput = \"markdown\"\n",
        )
        .expect("config");
        let get = |k: &str| {
            config
                .values
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("concurrency"), Some("8"));
        assert_eq!(get("timeout"), Some("3s"));
        assert_eq!(get("no_ssh_config"), Some("true"));
        // Relative to the config file, as paths in inventories are.
        assert_eq!(get("ssh_config"), Some("/etc/lab/lab/ssh_config"));
        assert_eq!(get("known_hosts"), Some("/tmp/kh"));
        assert_eq!(get("rate"), Some("2.5"));
        assert_eq!(get("output"), Some("markdown"));
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        for (text, expected) in [
            (
                "timeout = \"5s\"\n\ncolour = true\n",
                "/etc/lab/config.toml:3: colour: unknown key; the keys are concurrency,",
            ),
            (
                "timeout = \"abc\"\n",
                "/etc/lab/config.toml:1: timeout: `abc` is not a duration: write 5s, 500ms or 1m",
            ),
            (
                "\njson = \"yes\"\n",
                "/etc/lab/config.toml:2: json: expected true or false, not \"yes\"",
            ),
            (
                "concurrency = 0\n",
                "/etc/lab/config.toml:1: concurrency: expected a whole number from 1 up, not 0",
            ),
            (
                "output = \"yaml\"\n",
                "/etc/lab/config.toml:1: output: `yaml` is not an output format",
            ),
            (
                "output = \"csv\"\njson = true\n",
                "/etc/lab/config.toml:2: json: give `output` or `json`, not both",
            ),
            (
                "until = \"shell\"\n",
                "/etc/lab/config.toml:1: until: unknown stage `shell`",
            ),
            (
                "[check]\ntimeout = \"5s\"\n",
                "/etc/lab/config.toml:1: check: unknown key",
            ),
            ("timeout = \n", "/etc/lab/config.toml:1: "),
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn trusting_changed_host_keys_is_never_a_standing_default() {
        let err = parse("concurrency = 4\ntrust_changed_host_keys = true\n").expect_err("refused");
        assert!(
            err.starts_with(
                "/etc/lab/config.toml:2: trust_changed_host_keys: cannot be set in a config file"
            ),
            "{err}"
        );
        let err = parse("trust_changed_host_keys = false\n").expect_err("refused even off");
        assert!(err.contains("decided for one run"), "{err}");
    }

    #[test]
    fn values_default_every_flag_with_that_environment_variable() {
        let config = parse("timeout = \"3s\"\nknown_hosts = \"/tmp/kh\"\nwait_timeout = \"2m\"\n")
            .expect("config");
        let mut command = config.apply(super::super::command());
        command.build();
        let default = |path: &[&str], id: &str| {
            let mut c = &command;
            for name in path {
                c = c.find_subcommand(name).expect("subcommand");
            }
            let arg = c
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no {id} in {path:?}"));
            arg.get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(default(&[], "timeout"), ["3s"]);
        assert_eq!(default(&["check"], "timeout"), ["3s"]);
        assert_eq!(default(&["wait"], "stage_timeout"), ["3s"]);
        assert_eq!(default(&["wait"], "timeout"), ["2m"]);
        assert_eq!(default(&["fix", "algorithms"], "timeout"), ["3s"]);
        assert_eq!(default(&["known-hosts", "prune"], "file"), ["/tmp/kh"]);
        // Flags without the variable keep their own default.
        assert!(default(&["known-hosts", "accept"], "timeout").is_empty());
    }

    #[test]
    fn the_config_argument_is_found_before_parsing() {
        let args = |words: &[&str]| words.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            config_argument(&args(&["sshtriage", "check", "--config", "a.toml"])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            config_argument(&args(&["sshtriage", "--config=b.toml", "check"])),
            Some(PathBuf::from("b.toml"))
        );
        assert_eq!(
            config_argument(&args(&["sshtriage", "check", "--", "--config", "c"])),
            None
        );
    }
}
