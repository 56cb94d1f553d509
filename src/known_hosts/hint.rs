//! The `sshtriage known-hosts` commands printed as advice, built here so that the engine's
//! verdicts, `accept`'s refusals and the tests agree on their form.

use std::path::{Path, PathBuf};

use super::Target;
use crate::model::ShellCommand;

/// The environment variable `known-hosts prune` and `accept` read for `--file`.
pub const FILE_ENV: &str = "SSHTRIAGE_KNOWN_HOSTS";

/// The user's known_hosts, `~/.ssh/known_hosts`.
pub fn user_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".ssh/known_hosts"))
}

/// The file `known-hosts prune` edits when no `--file` is given.
fn prune_default() -> Option<PathBuf> {
    std::env::var_os(FILE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(user_file)
}

/// `sshtriage known-hosts prune --host H:P … [--file F]`: removes the targets' plain entries
/// from `file`. `--file` is left out only when `file` is what prune edits by default.
pub fn prune_command(targets: &[Target], file: &Path) -> ShellCommand {
    let mut command = ShellCommand::sshtriage(["known-hosts", "prune"]);
    for target in targets {
        command = match target {
            Target::Host { host, port } => {
                command.args(["--host".to_owned(), host_arg(host, *port)])
            }
            Target::Cidr(net) => command.args(["--cidr".to_owned(), net.to_string()]),
        };
    }
    if prune_default().as_deref() != Some(file) {
        command = command.args(["--file".to_owned(), file.display().to_string()]);
    }
    command
}

/// `host`, `host:port` or `[v6]:port`, as `--host` takes it.
fn host_arg(host: &str, port: u16) -> String {
    match (port, host.contains(':')) {
        (22, _) => host.to_owned(),
        (p, true) => format!("[{host}]:{p}"),
        (p, false) => format!("{host}:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_names_the_port_and_a_file_that_is_not_the_default() {
        let targets = [
            Target::Host {
                host: "r1.lab".into(),
                port: 2202,
            },
            Target::Host {
                host: "::1".into(),
                port: 2202,
            },
            Target::Host {
                host: "127.0.0.1".into(),
                port: 22,
            },
        ];
        let c = prune_command(&targets, Path::new("/tmp/lab hosts/known_hosts"));
        assert_eq!(
            c.to_string(),
            "sshtriage known-hosts prune --host r1.lab:2202 --host '[::1]:2202' --host 127.0.0.1 --file '/tmp/lab hosts/known_hosts'"
        );
    }
}
