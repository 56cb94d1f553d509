//! `sshtriage known-hosts …`: prune stale entries and accept presented keys, atomically and
//! with a backup, the way ssh-keygen does.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum KnownHostsCommand {
    /// Remove every entry for the given hosts (hashed ones included), keeping F.old as backup.
    Prune,
    /// Append the key a device presents now.
    Accept,
}

pub async fn run(_command: KnownHostsCommand) -> i32 {
    eprintln!("sshtriage known-hosts: not built yet");
    super::EXIT_USAGE
}
