//! Command line: every flag also reads an environment variable; CLI beats file beats default.

use crate::engine::{self, Settings, Shared};
use crate::inventory::{Device, Inventory, parse_host_arg};
use crate::report;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "sshtriage",
    version,
    about = "Where SSH breaks, device by device, and what fixes it"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub targets: Targets,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Probe every device headless and print one line each (or JSON); exit 1 if any failed.
    Check(CheckArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct Targets {
    /// Inventory file (TOML). Defaults to ./sshtriage.toml when present.
    #[arg(env = "SSHTRIAGE_INVENTORY")]
    pub inventory: Option<PathBuf>,
    /// A device as [user@]host[:port] (IPv6: [::1]:2222). Repeatable.
    #[arg(long = "host", value_name = "[USER@]HOST[:PORT]")]
    pub hosts: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub targets: Targets,
    #[command(flatten)]
    pub run: RunArgs,
    /// Print the results as one JSON document.
    #[arg(long, env = "SSHTRIAGE_JSON")]
    pub json: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Devices probed at once.
    #[arg(long, env = "SSHTRIAGE_CONCURRENCY", default_value_t = engine::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Per-stage timeout for every device (overrides the inventory), e.g. 5s.
    #[arg(long, env = "SSHTRIAGE_TIMEOUT", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Send credentials even to hosts whose key contradicts known_hosts, for this run only.
    #[arg(long, env = "SSHTRIAGE_TRUST_CHANGED_HOST_KEYS")]
    pub trust_changed_host_keys: bool,
}

/// Collects devices from the inventory and `--host` arguments.
pub fn load_devices(
    targets: &Targets,
    run: &RunArgs,
) -> Result<(Vec<Device>, Vec<String>), String> {
    let mut devices = Vec::new();
    let mut warnings = Vec::new();
    let inventory = targets.inventory.clone().or_else(|| {
        let default = PathBuf::from("sshtriage.toml");
        (targets.hosts.is_empty() && default.exists()).then_some(default)
    });
    if let Some(path) = inventory {
        let inv = Inventory::load(&path).map_err(|e| e.to_string())?;
        devices.extend(inv.devices);
        warnings.extend(inv.warnings);
    }
    for arg in &targets.hosts {
        let target = parse_host_arg(arg).map_err(|e| format!("--host {e}"))?;
        devices.push(Device::from_target(&target));
    }
    if let Some(timeout) = run.timeout {
        for d in &mut devices {
            d.timeout = timeout;
        }
    }
    Ok((devices, warnings))
}

pub fn settings(run: &RunArgs) -> Settings {
    Settings {
        concurrency: run.concurrency.max(1),
        trust_changed_host_keys: run.trust_changed_host_keys,
        ..Settings::default()
    }
}

pub async fn check(args: CheckArgs) -> i32 {
    let (devices, warnings) = match load_devices(&args.targets, &args.run) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("sshtriage: {e}");
            return EXIT_USAGE;
        }
    };
    if devices.is_empty() {
        eprintln!(
            "sshtriage check: no devices: give an inventory file or --host [user@]host[:port]"
        );
        return EXIT_USAGE;
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if args.run.trust_changed_host_keys {
        eprintln!(
            "WARNING: --trust-changed-host-keys: credentials WILL be sent to hosts whose key contradicts known_hosts in this run"
        );
    }
    let shared = Arc::new(Shared::new(settings(&args.run)));
    let reports = engine::run_all(&devices, shared, None).await;
    if args.json {
        println!("{}", report::json::render(&reports));
    } else {
        print!("{}", report::human::render(&reports));
    }
    report::exit_code(&reports)
}

pub async fn main(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Check(args)) => check(args).await,
        None => {
            eprintln!(
                "sshtriage: the dashboard is not built yet; use `sshtriage check INVENTORY` or `sshtriage check --host HOST`"
            );
            EXIT_USAGE
        }
    }
}
