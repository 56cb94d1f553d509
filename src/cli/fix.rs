//! `sshtriage fix …`: apply a proven fix to a device and verify it by probing again.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::device::Device;
use crate::engine::{Settings, Shared};
use crate::fix::algorithms::{
    self, Diagnosis, Prepared, Rollback, apply_and_verify, bounded_probe, other_client_snippets,
    stage_line,
};
use crate::model::FileLine;
use crate::present::printable;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum FixCommand {
    /// Write the legacy-algorithm allow-list the device needs into its inventory entry, then
    /// probe again; rolled back unless the device passes (or --keep).
    Algorithms(FixAlgorithmsArgs),
}

#[derive(Args, Debug)]
pub struct FixAlgorithmsArgs {
    /// The device: its name in any SOURCE (an inventory, a Containerlab node, an Ansible
    /// host), else a host name, as ssh takes it.
    pub device: String,
    #[command(flatten)]
    pub targets: super::Targets,
    /// The inventory file to edit (the same as giving it as a SOURCE).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the change even when the device still fails the key exchange afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Per-stage timeout for the probes, e.g. 5s.
    #[arg(long, env = "SSHTRIAGE_TIMEOUT", value_parser = crate::device::parse_timeout)]
    pub timeout: Option<Duration>,
}

pub async fn run(command: FixCommand) -> i32 {
    match command {
        FixCommand::Algorithms(args) => fix_algorithms(args).await,
    }
}

async fn fix_algorithms(args: FixAlgorithmsArgs) -> i32 {
    let mut device = match load_device(&args) {
        Ok(d) => d,
        Err(message) => {
            eprintln!("sshtriage fix algorithms: {message}");
            return EXIT_USAGE;
        }
    };
    if let Some(timeout) = args.timeout {
        device.timeout = timeout;
    }
    let name = printable(&device.name);
    let shared = Shared::new(Settings::default());
    let before = bounded_probe(&device, &shared, 0, None).await;
    println!("{name} ({}:{})", printable(&device.host), device.port);
    println!("  before: {}", stage_line(&before));
    let fix = match algorithms::diagnose(&device, &before) {
        Diagnosis::Needs(fix) => fix,
        Diagnosis::Passes(detail) => {
            println!(
                "The key exchange passes already ({}); nothing to change.",
                printable(&detail)
            );
            return EXIT_OK;
        }
        Diagnosis::NotAlgorithms(why) | Diagnosis::Cannot(why) => {
            println!("{}", printable(&why));
            return EXIT_FAILED;
        }
    };
    if let Some(f) = &before.failure {
        println!("  {}", printable(&f.message));
    }
    println!("sshtriage (russh) connects with: {}", fix.summary());
    let prepared = match algorithms::prepare(&device, fix) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sshtriage fix algorithms: {e}");
            return EXIT_FAILED;
        }
    };
    print_change(&prepared);
    if let Some(evidence) = &before.algorithms {
        print_snippets(&device, evidence);
    }
    if args.dry_run {
        println!("\nDry run: nothing was written.");
        return EXIT_OK;
    }
    verify(&prepared, &shared, args.keep).await
}

fn load_device(args: &FixAlgorithmsArgs) -> Result<Device, String> {
    let mut targets = args.targets.clone();
    targets.sources.extend(args.inventory.clone());
    super::find_device(&targets, &args.device)
}

fn print_change(prepared: &Prepared) {
    let Some(edit) = &prepared.edit else {
        return;
    };
    println!("\nInventory change:");
    let show = |mark: char, lines: &[FileLine]| {
        for l in lines {
            let place = format!("{mark} {}:{}", printable(&l.file), l.line);
            match l.text.is_empty() {
                true => println!("  {place}"),
                false => println!("  {place}  {}", printable(&l.text)),
            }
        }
    };
    show('-', &edit.removed);
    show('+', &edit.added);
}

fn print_snippets(device: &Device, evidence: &crate::model::AlgorithmEvidence) {
    println!("\nFor other clients:");
    for (title, text) in other_client_snippets(device, &evidence.server) {
        println!("\n── {} ──", printable(&title));
        for line in text.lines() {
            println!("{}", printable(line));
        }
    }
}

async fn verify(prepared: &Prepared, shared: &Shared, keep: bool) -> i32 {
    let verification = match apply_and_verify(prepared, shared, 0, None, keep).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("sshtriage fix algorithms: nothing was changed: {e}");
            return EXIT_FAILED;
        }
    };
    println!();
    if let (Some(edit), Some(backup)) = (&prepared.edit, &verification.backup) {
        println!(
            "Wrote {} (the original is kept as {}); probed again:",
            printable(&edit.path.display().to_string()),
            printable(&backup.display().to_string())
        );
    }
    println!("  after:  {}", stage_line(&verification.after));
    let path = prepared
        .edit
        .as_ref()
        .map(|e| printable(&e.path.display().to_string()))
        .unwrap_or_default();
    match verification.rollback {
        Rollback::NotNeeded => {
            println!("Verified: the key exchange passes; the change is kept.");
            EXIT_OK
        }
        Rollback::Kept => {
            println!("Not verified: the key exchange still fails; the change is kept (--keep).");
            EXIT_FAILED
        }
        Rollback::RolledBack => {
            println!(
                "Not verified: the key exchange still fails; {path} was rolled back to its original bytes."
            );
            EXIT_FAILED
        }
        Rollback::Failed(why) => {
            println!(
                "Not verified: the key exchange still fails, and the rollback failed: {}",
                printable(&why)
            );
            EXIT_FAILED
        }
    }
}
