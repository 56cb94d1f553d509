//! The `ansible.cfg` settings sshtriage needs: `[ssh_connection] ssh_args`, which Ansible's
//! ssh connection puts on ssh's command line before the host's own args, and
//! `[persistent_connection]`'s `connect_timeout` and `command_timeout`, network_cli's waits.
//! Found where Ansible looks: `$ANSIBLE_CONFIG`, `./ansible.cfg`, `~/.ansible.cfg`,
//! `/etc/ansible/ansible.cfg` (the first that exists); each setting's environment variable
//! beats the file.

use super::super::ValueSource;
use super::super::read::read_text;
use crate::sources::SourceError;
use std::path::PathBuf;

/// What sshtriage reads of Ansible's configuration, each value with where it was set.
#[derive(Debug, Clone, Default)]
pub(super) struct AnsibleCfg {
    /// `[ssh_connection] ssh_args` (`$ANSIBLE_SSH_ARGS`).
    pub ssh_args: Option<(String, ValueSource)>,
    /// `[persistent_connection] connect_timeout` (`$ANSIBLE_PERSISTENT_CONNECT_TIMEOUT`):
    /// how long network_cli waits for the connection, up to the device's prompt.
    pub connect_timeout: Option<(String, ValueSource)>,
    /// `[persistent_connection] command_timeout` (`$ANSIBLE_PERSISTENT_COMMAND_TIMEOUT`):
    /// how long it waits for a command's reply, `enable` included.
    pub command_timeout: Option<(String, ValueSource)>,
}

/// Reads the configuration file Ansible would, once; the environment beats the file.
pub(super) fn load() -> Result<AnsibleCfg, SourceError> {
    let text = match config_file() {
        Some(path) => Some((read_text(&path)?, path)),
        None => None,
    };
    let setting = |env: &str, section: &str, key: &str| {
        if let Ok(value) = std::env::var(env) {
            return Some((value, ValueSource::BuiltIn(env.to_owned())));
        }
        let (text, path) = text.as_ref()?;
        find(text, section, key).map(|(value, line)| (value, ValueSource::file(path, line)))
    };
    Ok(AnsibleCfg {
        ssh_args: setting("ANSIBLE_SSH_ARGS", "ssh_connection", "ssh_args"),
        connect_timeout: setting(
            "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT",
            "persistent_connection",
            "connect_timeout",
        ),
        command_timeout: setting(
            "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT",
            "persistent_connection",
            "command_timeout",
        ),
    })
}

fn config_file() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ansible.cfg"));
    std::env::var_os("ANSIBLE_CONFIG")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("ansible.cfg")])
        .chain(home)
        .chain([PathBuf::from("/etc/ansible/ansible.cfg")])
        .find(|p| p.is_file())
}

/// The value of `key` in `[section]`, as Python's configparser reads it (`=` or `:`, `;` and
/// `#` comment lines, indented lines continue the value), with its line number.
fn find(text: &str, section: &str, key: &str) -> Option<(String, usize)> {
    let mut in_section = false;
    let mut found: Option<(String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        let continues = line.starts_with([' ', '\t']) && !trimmed.is_empty();
        if let Some(value) = found.as_mut().filter(|_| continues) {
            // ssh args split with shlex: a backslash before the line end continues the line.
            let head = value
                .0
                .trim_end()
                .trim_end_matches('\\')
                .trim_end()
                .to_owned();
            value.0 = format!("{head} {trimmed}");
            continue;
        }
        if found.is_some() {
            break;
        }
        if trimmed.starts_with('[') {
            in_section = trimmed
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .eq_ignore_ascii_case(section);
            continue;
        }
        if !in_section || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some((name, value)) = trimmed.split_once(['=', ':'])
            && name.trim().eq_ignore_ascii_case(key)
        {
            found = Some((value.trim().to_owned(), i + 1));
        }
    }
    found.map(|(value, line)| (value.trim_end_matches('\\').trim().to_owned(), line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_args_are_read_from_their_section_with_continuation_lines() {
        let text = "[defaults]\nssh_args = wrong\n\n[ssh_connection]\n# comment\nssh_args = -o ControlMaster=no \\\n           -o KexAlgorithms=+diffie-hellman-group14-sha1\npipelining = true\n";
        let (value, line) = find(text, "ssh_connection", "ssh_args").expect("found");
        assert_eq!(line, 6);
        assert_eq!(
            value,
            "-o ControlMaster=no -o KexAlgorithms=+diffie-hellman-group14-sha1"
        );
        assert_eq!(find(text, "ssh_connection", "scp_if_ssh"), None);
    }
}
