//! The one `ansible.cfg` setting sshtriage needs: `[ssh_connection] ssh_args`, which Ansible's
//! ssh connection puts on ssh's command line before the host's own args. Found where Ansible
//! looks: `$ANSIBLE_CONFIG`, `./ansible.cfg`, `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`
//! (the first that exists); `$ANSIBLE_SSH_ARGS` beats the file.

use super::super::ValueSource;
use super::super::read::read_text;
use crate::sources::SourceError;
use std::path::PathBuf;

/// `ssh_args` and where it was set, when anything sets it.
pub(super) fn ssh_args() -> Result<Option<(String, ValueSource)>, SourceError> {
    if let Ok(args) = std::env::var("ANSIBLE_SSH_ARGS") {
        return Ok(Some((
            args,
            ValueSource::BuiltIn("ANSIBLE_SSH_ARGS".into()),
        )));
    }
    let Some(path) = config_file() else {
        return Ok(None);
    };
    let text = read_text(&path)?;
    Ok(find(&text, "ssh_connection", "ssh_args")
        .map(|(value, line)| (value, ValueSource::file(&path, line))))
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
