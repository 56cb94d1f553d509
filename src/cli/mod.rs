//! Command line: every flag also reads an environment variable; CLI beats file beats default.

mod fix;
mod inventory;
mod known_hosts;
mod targets;
mod wait;
mod watching;

pub use targets::Targets;
pub use watching::{ReloadArgs, WatchArgs};

use crate::algorithms::local::LocalClients;
use crate::device::Device;
use crate::engine::{self, Settings, Shared};
use crate::report;
use crate::sources;
use clap::{Args, Parser, Subcommand};
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
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub watch: WatchArgs,
    #[command(flatten)]
    pub reload: ReloadArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Probe every device headless and print one line each (or JSON); exit 1 if any failed.
    Check(CheckArgs),
    /// Start a simulated fleet on loopback and open the dashboard on it.
    Demo(DemoArgs),
    /// Apply a proven fix to a device (legacy-algorithm allow-list), verified by probing again.
    #[command(subcommand)]
    Fix(fix::FixCommand),
    /// Repair known_hosts: prune stale entries, accept presented keys.
    #[command(subcommand, name = "known-hosts")]
    KnownHosts(known_hosts::KnownHostsCommand),
    /// Print the devices as sshtriage understood them, and where each value came from.
    Inventory(inventory::InventoryArgs),
    /// Probe devices again and again until each is ready (or the time is up); for pipelines.
    Wait(wait::WaitArgs),
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Print the fleet's results headless (like `check`) instead of opening the dashboard.
    #[arg(long)]
    pub check: bool,
    /// With --check: print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub watch: WatchArgs,
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
    #[arg(long, env = "SSHTRIAGE_TIMEOUT", value_parser = crate::device::parse_timeout)]
    pub timeout: Option<Duration>,
    /// Send credentials even to hosts whose key contradicts known_hosts, for this run only.
    #[arg(long, env = "SSHTRIAGE_TRUST_CHANGED_HOST_KEYS")]
    pub trust_changed_host_keys: bool,
    /// After login, check whether SFTP and SCP are available on every device (as the
    /// inventory's `check_transfer = true`); nothing is read or written on the devices.
    #[arg(long, env = "SSHTRIAGE_TRANSFER")]
    pub transfer: bool,
    /// Dashboard: start in watch mode, probing devices that are not ready until they are.
    #[arg(long, env = "SSHTRIAGE_WATCH")]
    pub watch: bool,
    /// The Python that runs your Ansible or Netmiko: its Paramiko and Netmiko versions mark
    /// which compatibility rows are this machine's.
    #[arg(
        long,
        env = "SSHTRIAGE_PYTHON",
        default_value = crate::model::DEFAULT_PYTHON,
        value_name = "PATH"
    )]
    pub python: String,
}

/// What a probing command starts from: the devices, and what every probe of the run shares.
pub struct Setup {
    pub devices: Vec<Device>,
    pub shared: Arc<Shared>,
}

/// Everything that can stop a command before it probes.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Profiles(#[from] crate::profile::ProfileError),
    #[error(transparent)]
    Devices(#[from] crate::sources::AssembleError),
    #[error(transparent)]
    Jumps(#[from] engine::jump::JumpError),
}

/// The user's profiles, then the devices of every source, `--host` and `--cidr` with
/// ssh_config applied, and the run's shared data: once, for every command alike. `local` are
/// this machine's SSH clients, whose versions the verdicts are about.
pub fn load(
    targets: &Targets,
    run: &RunArgs,
    local: &LocalClients,
) -> Result<(Setup, Vec<String>), SetupError> {
    let profiles = crate::profile::Profiles::for_user()?;
    let loaded = sources::assemble(&targets.selection(run.timeout), &profiles)?;
    let mut devices: Vec<Device> = loaded.devices.into_iter().map(|(d, _)| d).collect();
    if run.transfer {
        devices.iter_mut().for_each(|d| d.check_transfer = true);
    }
    let shared = shared_with(run, &devices, profiles, local.clone())?;
    Ok((Setup { devices, shared }, loaded.warnings))
}

/// This machine's SSH clients (`ssh -V`, `--python`'s Paramiko, Netmiko and
/// ansible-pylibssh), asked once per run before probing: each command is bounded.
pub async fn local_clients(run: &RunArgs) -> LocalClients {
    LocalClients::detect(run.python.clone()).await
}

/// Loads as [`load`] does and says what the user must know, for a command named `command`:
/// the error (then the exit code to return), that nothing was given, the warnings, and the
/// override of the host key check.
pub async fn setup(command: &str, targets: &Targets, run: &RunArgs) -> Result<Setup, i32> {
    let local = local_clients(run).await;
    let (setup, warnings) = match load(targets, run, &local) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("sshtriage: {e}");
            return Err(EXIT_USAGE);
        }
    };
    if setup.devices.is_empty() {
        match command {
            "" => eprintln!("{HOW_TO_START}"),
            _ => eprintln!(
                "sshtriage {command}: no devices: give an inventory file or --host [user@]host[:port]"
            ),
        }
        return Err(EXIT_USAGE);
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if run.trust_changed_host_keys && !command.is_empty() {
        eprintln!(
            "WARNING: --trust-changed-host-keys: credentials WILL be sent to hosts whose key contradicts known_hosts in this run"
        );
    }
    Ok(setup)
}

/// Settings and data shared by every probe of a run, with the embedded and user profiles.
pub fn shared(
    run: &RunArgs,
    devices: &[Device],
    local: LocalClients,
) -> Result<Arc<Shared>, SetupError> {
    shared_with(run, devices, crate::profile::Profiles::for_user()?, local)
}

fn shared_with(
    run: &RunArgs,
    devices: &[Device],
    profiles: crate::profile::Profiles,
    local: LocalClients,
) -> Result<Arc<Shared>, SetupError> {
    Ok(Arc::new(Shared {
        settings: settings(run),
        resolver: engine::stages::dns::Resolver::from_system(),
        profiles,
        jumps: engine::jump::JumpPool::new(devices)?,
        local,
        known_hosts: Default::default(),
    }))
}

pub fn settings(run: &RunArgs) -> Settings {
    // A local limit must not show as device failures ("Too many open files"): say it once.
    let (concurrency, capped) = engine::limits::fit_concurrency(run.concurrency.max(1));
    if let Some(sentence) = capped {
        eprintln!("sshtriage: {sentence}");
    }
    Settings {
        concurrency,
        trust_changed_host_keys: run.trust_changed_host_keys,
        ..Settings::default()
    }
}

pub async fn check(args: CheckArgs) -> i32 {
    let setup = match setup("check", &args.targets, &args.run).await {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let local = setup.shared.local.clone();
    let mut reports = engine::run_all(&setup.devices, setup.shared, None).await;
    print_reports(&mut reports, Some(local), args.json);
    report::exit_code(&reports)
}

/// `check`'s output, with the compatibility rows of this machine's clients marked.
fn print_reports(
    reports: &mut [crate::model::DeviceReport],
    local: Option<LocalClients>,
    json: bool,
) {
    if let Some(local) = &local {
        reports.iter_mut().for_each(|r| local.annotate(r));
    }
    if json {
        println!("{}", report::json::render(reports, local.as_ref()));
    } else {
        print!("{}", report::human::render(reports));
    }
}

pub async fn main(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Check(args)) => check(args).await,
        Some(Command::Demo(args)) => demo(args).await,
        Some(Command::Fix(command)) => fix::run(command).await,
        Some(Command::KnownHosts(command)) => known_hosts::run(command).await,
        Some(Command::Inventory(args)) => inventory::run(args),
        Some(Command::Wait(args)) => wait::run(args).await,
        None => dashboard(cli.targets, cli.run, cli.watch, cli.reload).await,
    }
}

/// How to start, for a user who gave nothing to probe.
pub const HOW_TO_START: &str = "sshtriage: nothing to probe. Start with one of:
  sshtriage INVENTORY.toml              an inventory (see assets/example-inventory.toml)
  sshtriage --host [user@]host[:port]   one or more devices
  sshtriage demo                        a simulated fleet on loopback";

async fn dashboard(targets: Targets, run: RunArgs, watch: WatchArgs, reload: ReloadArgs) -> i32 {
    let setup = match setup("", &targets, &run).await {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let options = crate::watch::WatchOptions {
        reload: reload.reload(&targets, &run, &setup.shared.local),
        ..watch.options(run.watch)
    };
    match open_dashboard(setup.devices, setup.shared, options).await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("sshtriage: terminal error: {e}");
            EXIT_USAGE
        }
    }
}

/// Runs the engine in the background and the dashboard in front until the user quits. The
/// watch scheduler probes (every device once, then again while watching: `options.watching`
/// starts in watch mode, `w` switches it) and follows the inventory when `options.reload`
/// says so; the session serves the fixes.
pub async fn open_dashboard(
    devices: Vec<Device>,
    shared: Arc<Shared>,
    options: crate::watch::WatchOptions,
) -> std::io::Result<()> {
    use crate::model::DeviceReport;
    use crate::tui::{App, SystemClock, Theme};
    let rows: Vec<DeviceReport> = devices
        .iter()
        .map(|d| DeviceReport {
            name: d.name.clone(),
            host: d.host.clone(),
            port: d.port,
            ..Default::default()
        })
        .collect();
    let app = App::new(rows, Box::new(SystemClock::new()))
        .with_theme(Theme::from_env())
        .with_watching(options.watching);
    let session =
        crate::session::start(devices, shared, options, crate::fix::FixContext::from_env());
    // A closed terminal (SIGHUP) or a polite kill (SIGTERM) ends the dashboard like `q` does,
    // so the terminal is restored and temporary files (the demo's) are removed.
    let result = tokio::select! {
        result = crate::tui::run(app, session.events, session.commands) => result,
        _ = terminate_signal() => Ok(()),
    };
    session.task.abort();
    result
}

async fn demo(args: DemoArgs) -> i32 {
    let fleet = match crate::demo::start().await {
        Ok(fleet) => fleet,
        Err(e) => {
            eprintln!("sshtriage demo: cannot start the simulated fleet: {e}");
            return EXIT_USAGE;
        }
    };
    let mut devices = match args.run.timeout {
        // Loaded again so that printed commands carry the --timeout too.
        Some(timeout) => match crate::demo::load(&fleet.inventory(), Some(timeout)) {
            Ok(devices) => devices,
            Err(e) => {
                eprintln!("sshtriage demo: {e}");
                return EXIT_USAGE;
            }
        },
        None => fleet.devices.clone(),
    };
    if args.run.transfer {
        devices.iter_mut().for_each(|d| d.check_transfer = true);
    }
    let local = local_clients(&args.run).await;
    let shared = match shared(&args.run, &devices, local.clone()) {
        Ok(shared) => shared,
        Err(e) => {
            eprintln!("sshtriage: {e}");
            return EXIT_USAGE;
        }
    };
    if args.check || args.json {
        let mut reports = engine::run_all(&devices, shared, None).await;
        print_reports(&mut reports, Some(local), args.json);
        drop(fleet);
        return report::exit_code(&reports);
    }
    // The demo's inventory does not change: there is nothing to follow.
    let options = args.watch.options(args.run.watch);
    let result = open_dashboard(devices, shared, options).await;
    drop(fleet);
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("sshtriage: terminal error: {e}");
            EXIT_USAGE
        }
    }
}

/// Resolves on SIGTERM or SIGHUP (never, where they cannot be watched).
async fn terminate_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

/// The one device the SOURCEs, `--host` and `--cidr` select (a command given no NAME).
pub fn only_device(targets: &Targets) -> Result<Device, String> {
    let profiles = crate::profile::Profiles::for_user().map_err(|e| e.to_string())?;
    let loaded =
        sources::assemble(&targets.selection(None), &profiles).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let mut devices: Vec<Device> = loaded.devices.into_iter().map(|(d, _)| d).collect();
    match devices.len() {
        1 => Ok(devices.remove(0)),
        0 => Err("give the device: NAME, a SOURCE, --host or --cidr".into()),
        n => {
            let names: Vec<String> = devices.iter().take(10).map(|d| d.name.clone()).collect();
            Err(format!(
                "{n} devices are selected; name one (devices: {}{})",
                crate::present::printable(&names.join(", ")),
                if n > 10 { ", …" } else { "" }
            ))
        }
    }
}

/// The device a command names: found by name in the sources (loaded as `check` loads them),
/// else a `Host` of the ssh_config that applies, as `ssh NAME` would take it. Warnings are
/// printed; the error says what was searched.
pub fn find_device(targets: &Targets, name: &str) -> Result<Device, String> {
    let profiles = crate::profile::Profiles::for_user().map_err(|e| e.to_string())?;
    let selection = targets.selection(None);
    let loaded = sources::assemble(&selection, &profiles).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let names: Vec<String> = loaded.devices.iter().map(|(d, _)| d.name.clone()).collect();
    if let Some((device, _)) = loaded.devices.into_iter().find(|(d, _)| d.name == name) {
        return Ok(device);
    }
    let config = selection.ssh_config_path().filter(|p| p.exists());
    let in_config = config
        .as_deref()
        .and_then(|p| sources::ssh_config::SshConfig::load(p).ok())
        .is_some_and(|c| c.names_host(name));
    if in_config {
        let named = sources::Selection {
            sources: Vec::new(),
            hosts: vec![name.to_owned()],
            cidr: Vec::new(),
            ..selection
        };
        let mut loaded = sources::assemble(&named, &profiles).map_err(|e| e.to_string())?;
        return Ok(loaded.devices.remove(0).0);
    }
    let searched: Vec<String> = selection
        .sources_or_default()
        .iter()
        .map(|f| f.display().to_string())
        .chain(config.map(|c| c.display().to_string()))
        .collect();
    Err(format!(
        "no device \"{}\" in {} (devices: {})",
        crate::present::printable(name),
        crate::present::printable(&searched.join(", ")),
        crate::present::printable(&names.join(", "))
    ))
}
