//! `sshtriage fix …`: apply a proven fix to a device and verify it by probing again.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum FixCommand {
    /// Write the legacy-algorithm allow-list the device needs into its inventory entry, then
    /// probe again; rolled back unless the device passes (or --keep).
    Algorithms(FixAlgorithmsArgs),
}

#[derive(Args, Debug)]
pub struct FixAlgorithmsArgs {
    /// The device's name in the inventory.
    pub device: String,
    /// The inventory file to edit.
    #[arg(long, env = "SSHTRIAGE_INVENTORY", default_value = "sshtriage.toml")]
    pub inventory: PathBuf,
    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(command: FixCommand) -> i32 {
    match command {
        FixCommand::Algorithms(_) => {
            eprintln!("sshtriage fix algorithms: not built yet");
            super::EXIT_USAGE
        }
    }
}
