//! `sshtriage fix …`: apply a proven fix to a device and verify it by probing again.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::device::Device;
use crate::engine::{Settings, Shared};
use crate::fix::algorithms::{
    self, Diagnosis, Edit, Prepared, Proof, Rollback, Route, apply_and_verify, bounded_probe,
    other_client_snippets, stage_line,
};
use crate::model::FileLine;
use crate::present::printable;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum FixCommand {
    /// Write the algorithms the device's client needs where that client reads them (ssh_config,
    /// the host's Ansible ssh args, the sshtriage inventory), then probe again and run the real
    /// client; rolled back unless it passes (or --keep). For clients no file can change
    /// (Paramiko, libssh under network_cli), say what does instead.
    Algorithms(FixAlgorithmsArgs),
}

#[derive(Args, Debug)]
pub struct FixAlgorithmsArgs {
    /// The device: its name in any SOURCE (an inventory, a Containerlab node, an Ansible
    /// host), else a host name, as ssh takes it. Optional when the SOURCEs, --host and
    /// --cidr select exactly one device.
    pub device: Option<String>,
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
    /// The Python that runs your Ansible or Netmiko: its Paramiko and ansible-pylibssh say
    /// which client version the fix is for.
    #[arg(
        long,
        env = "SSHTRIAGE_PYTHON",
        default_value = crate::model::DEFAULT_PYTHON,
        value_name = "PATH"
    )]
    pub python: String,
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
            errln!("sshtriage fix algorithms: {message}");
            return EXIT_USAGE;
        }
    };
    if let Some(timeout) = args.timeout {
        device.set_every_timeout(timeout, "--timeout");
    }
    let name = printable(&device.name);
    let local = crate::model::LocalClients::detect(args.python.clone()).await;
    let shared = Shared {
        local: local.clone(),
        ..Shared::new(Settings::default())
    };
    let before = bounded_probe(&device, &shared, 0, None).await;
    outln!("{name} ({}:{})", printable(&device.host), device.port);
    if let Some(client) = &before.client {
        outln!(
            "  client: {} ({})",
            printable(&client.name),
            printable(&client.why)
        );
    }
    outln!("  before: {}", stage_line(&before));
    let fix = match algorithms::diagnose(&device, &before, &local) {
        Diagnosis::Needs(fix) => fix,
        Diagnosis::Passes(detail) => {
            outln!(
                "The key exchange passes already ({}); nothing to change.",
                printable(&detail)
            );
            return EXIT_OK;
        }
        Diagnosis::NotAlgorithms(why) => {
            outln!("{}", printable(&why));
            return EXIT_FAILED;
        }
        Diagnosis::Cannot(cannot) => {
            outln!("{}", printable(&cannot.sentence()));
            // As the dashboard's dialog: another client may be the one to paste into.
            if let Some(evidence) = &before.algorithms {
                print_snippets(&device, evidence);
            }
            return EXIT_FAILED;
        }
    };
    if let Some(f) = &before.failure {
        outln!("  {}", printable(&f.message));
    }
    outln!(
        "{} connects with: {}",
        printable(&fix.client),
        fix.summary()
    );
    if let Route::Advice(advice) = &fix.route {
        outln!("\nNothing is written: no file this client reads can carry that.");
        for line in advice.lines() {
            outln!("{}", printable(line));
        }
        if let Some(evidence) = &before.algorithms {
            print_snippets(&device, evidence);
        }
        return EXIT_FAILED;
    }
    let prepared = match algorithms::prepare(&device, fix) {
        Ok(p) => p,
        Err(e) => {
            errln!("sshtriage fix algorithms: {e}");
            return EXIT_FAILED;
        }
    };
    print_change(&prepared);
    if let Some(evidence) = &before.algorithms {
        print_snippets(&device, evidence);
    }
    if args.dry_run {
        outln!("\nDry run: nothing was written.");
        return EXIT_OK;
    }
    verify(&prepared, &shared, args.keep).await
}

fn load_device(args: &FixAlgorithmsArgs) -> Result<Device, String> {
    let mut targets = args.targets.clone();
    targets.sources.extend(args.inventory.clone());
    match &args.device {
        Some(name) => super::find_device(&targets, name),
        None => super::only_device(&targets),
    }
}

fn print_change(prepared: &Prepared) {
    let Some(edit) = &prepared.edit else {
        return;
    };
    let what = match edit {
        Edit::Inventory(_) => "Inventory change",
        Edit::SshConfig(e) if e.created => "ssh_config change (a new file)",
        Edit::SshConfig(_) => "ssh_config change",
        Edit::AnsibleSsh(e) if e.created => "Ansible change (a new host_vars file)",
        Edit::AnsibleSsh(_) => "Ansible change",
    };
    outln!("\n{what}:");
    let show = |mark: char, lines: &[FileLine]| {
        for l in lines {
            let place = format!("{mark} {}:{}", printable(&l.file), l.line);
            match l.text.is_empty() {
                true => outln!("  {place}"),
                false => outln!("  {place}  {}", printable(&l.text)),
            }
        }
    };
    show('-', edit.removed());
    show('+', edit.added());
}

fn print_snippets(device: &Device, evidence: &crate::model::AlgorithmEvidence) {
    outln!("\nFor other clients:");
    for (title, text) in other_client_snippets(device, &evidence.server) {
        outln!("\n── {} ──", printable(&title));
        for line in text.lines() {
            outln!("{}", printable(line));
        }
    }
}

async fn verify(prepared: &Prepared, shared: &Shared, keep: bool) -> i32 {
    let verification = match apply_and_verify(prepared, shared, 0, None, keep).await {
        Ok(v) => v,
        Err(e) => {
            errln!("sshtriage fix algorithms: nothing was changed: {e}");
            return EXIT_FAILED;
        }
    };
    outln!();
    match (&prepared.edit, &verification.backup) {
        (Some(edit), Some(backup)) => outln!(
            "Wrote {} (the original is kept as {}); probed again:",
            printable(&edit.path().display().to_string()),
            printable(&backup.display().to_string())
        ),
        (Some(edit), None) => outln!(
            "Wrote {} (a new file); probed again:",
            printable(&edit.path().display().to_string())
        ),
        (None, _) => outln!("Changed for this session; probed again:"),
    }
    outln!("  after:  {}", stage_line(&verification.after));
    match &verification.proof {
        Proof::Passed { command } => outln!(
            "  the real client completes the key exchange: {}",
            printable(command)
        ),
        Proof::Failed { command, said } => outln!(
            "  the real client does not: {}\n    {}",
            printable(command),
            printable(said)
        ),
        Proof::NotRun(why) => outln!("  not proven with the real client: {}", printable(why)),
    }
    let path = prepared
        .edit
        .as_ref()
        .map(|e| printable(&e.path().display().to_string()))
        .unwrap_or_default();
    match verification.rollback {
        Rollback::NotNeeded => {
            outln!("Verified: the key exchange passes; the change is kept.");
            EXIT_OK
        }
        Rollback::Kept => {
            outln!("Not verified: the key exchange still fails; the change is kept (--keep).");
            EXIT_FAILED
        }
        Rollback::RolledBack => {
            outln!(
                "Not verified: the key exchange still fails; {path} was rolled back to its original bytes."
            );
            EXIT_FAILED
        }
        Rollback::Failed(why) => {
            outln!(
                "Not verified: the key exchange still fails, and the rollback failed: {}",
                printable(&why)
            );
            EXIT_FAILED
        }
    }
}
