//! Command line: every flag also reads an environment variable; CLI beats file beats default.

/// `println!` through the one cleaner (`\n` kept): nothing a device or a file sent reaches the
/// terminal as a control, whatever part of the line it ended up in.
macro_rules! outln {
    () => { println!() };
    ($($arg:tt)*) => { println!("{}", $crate::present::printable_lines(&format!($($arg)*))) };
}

/// `eprintln!` through the one cleaner, as [`outln!`].
macro_rules! errln {
    ($($arg:tt)*) => { eprintln!("{}", $crate::present::printable_lines(&format!($($arg)*))) };
}

mod config;
mod diff;
mod docs;
mod fix;
mod inventory;
mod known_hosts;
mod parse;
mod targets;
mod view;
mod wait;
mod watching;

pub use config::{Config, PRECEDENCE};
pub use parse::{command, parse_from};
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
    /// Read defaults for the options from this TOML file instead of
    /// $XDG_CONFIG_HOME/sshtriage/config.toml (else ~/.config/sshtriage/config.toml).
    #[arg(long, global = true, env = "SSHTRIAGE_CONFIG", value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
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
    /// Probe every device headless and print one line each (or JSON, Markdown, CSV); exit 1
    /// if any failed.
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
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions(docs::CompletionsArgs),
    /// Print the manual page (roff): `sshtriage man > sshtriage.1`, `sshtriage man check`.
    Man(docs::ManArgs),
    /// Open a saved run (`check --json` output, or the dashboard's `S`) in the dashboard,
    /// read-only: nothing is probed or changed.
    View(view::ViewArgs),
    /// What changed between two saved runs; exit 1 when something got worse.
    Diff(diff::DiffArgs),
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
    /// How to print the results: table, json, markdown (for a ticket) or csv (for a
    /// spreadsheet).
    #[arg(
        long,
        env = "SSHTRIAGE_OUTPUT",
        value_name = "FORMAT",
        value_parser = output_parser()
    )]
    pub output: Option<report::Output>,
    /// Print the results as one JSON document: the same as --output json.
    #[arg(long, env = "SSHTRIAGE_JSON", value_parser = boolish())]
    pub json: bool,
    /// Print only the devices that failed (the summary still counts every device).
    #[arg(short, long, env = "SSHTRIAGE_QUIET", value_parser = boolish())]
    pub quiet: bool,
}

impl CheckArgs {
    /// The format asked for: `--output`, else `--json`, else the table. Where both are given
    /// from different places, `parse` keeps the one given closest to the command line.
    pub fn format(&self) -> report::Output {
        match (self.output, self.json) {
            (Some(output), _) => output,
            (None, true) => report::Output::Json,
            (None, false) => report::Output::Table,
        }
    }
}

/// Every boolean flag that reads an environment variable takes 1/0, true/false, yes/no and
/// on/off there, in any case (clap's `BoolishValueParser`); empty is unset; anything else is
/// a usage error, never silently true.
fn boolish() -> EnvBool {
    EnvBool
}

#[derive(Clone, Copy, Debug)]
pub struct EnvBool;

impl clap::builder::TypedValueParser for EnvBool {
    type Value = bool;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<bool, clap::Error> {
        if value.is_empty() {
            return Ok(false);
        }
        clap::builder::BoolishValueParser::new()
            .parse_ref(cmd, arg, value)
            .map_err(|_| {
                let arg = arg.map_or_else(|| "...".to_owned(), ToString::to_string);
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidValue,
                    format!(
                        "invalid value '{}' for '{arg}': write 1/0, true/false, yes/no or on/off\n",
                        value.to_string_lossy()
                    ),
                )
                .with_cmd(cmd)
            })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        clap::builder::TypedValueParser::possible_values(&clap::builder::BoolishValueParser::new())
            .map(|values| {
                Box::new(values.collect::<Vec<_>>().into_iter()) as Box<dyn Iterator<Item = _>>
            })
    }
}

fn output_parser() -> impl clap::builder::TypedValueParser<Value = report::Output> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(report::Output::ALL.map(|o| o.name()))
        .map(|name| name.parse::<report::Output>().unwrap_or_default())
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
    #[arg(long, env = "SSHTRIAGE_TRUST_CHANGED_HOST_KEYS", value_parser = boolish())]
    pub trust_changed_host_keys: bool,
    /// After login, check whether SFTP and SCP are available on every device (as the
    /// inventory's `check_transfer = true`); nothing is read or written on the devices.
    #[arg(long, env = "SSHTRIAGE_TRANSFER", value_parser = boolish())]
    pub transfer: bool,
    /// Dashboard: start in watch mode, probing devices that are not ready until they are.
    #[arg(long, env = "SSHTRIAGE_WATCH", value_parser = boolish())]
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
    /// Which sources held no device and why (see `sources::Loaded::why_empty`).
    pub why_empty: Option<String>,
    /// What loading warned about (printed by `setup`; the dashboard's `W` lists them too).
    pub warnings: Vec<String>,
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
    let why_empty = loaded.why_empty();
    let mut devices: Vec<Device> = loaded.devices.into_iter().map(|(d, _)| d).collect();
    if run.transfer {
        devices.iter_mut().for_each(|d| d.check_transfer = true);
    }
    let shared = shared_with(run, &devices, profiles, local.clone())?;
    Ok((
        Setup {
            devices,
            shared,
            why_empty,
            warnings: loaded.warnings.clone(),
        },
        loaded.warnings,
    ))
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
            errln!("sshtriage: {e}");
            return Err(EXIT_USAGE);
        }
    };
    if setup.devices.is_empty() {
        // The warnings of the sources that held nothing are in `why_empty`.
        let command = match command {
            "" => "sshtriage".to_owned(),
            c => format!("sshtriage {c}"),
        };
        match &setup.why_empty {
            Some(why) => errln!("{command}: no devices: {why}"),
            None if command == "sshtriage" => errln!("{HOW_TO_START}"),
            None => {
                errln!("{command}: no devices: give an inventory file or --host [user@]host[:port]")
            }
        }
        return Err(EXIT_USAGE);
    }
    for w in &warnings {
        errln!("warning: {w}");
    }
    if run.trust_changed_host_keys && !command.is_empty() {
        errln!(
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
        errln!("sshtriage: {sentence}");
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
    let started = crate::run::Timestamp::now();
    let mut reports = engine::run_all(&setup.devices, setup.shared, None).await;
    let run = crate::run::RunInfo::until_now(started, args.targets.run_inputs("check"));
    let options = stdout_options(args.quiet);
    print_reports(&mut reports, Some(local), args.format(), &options, &run);
    report::exit_code(&reports)
}

/// How the table fits standard output: wrapped and coloured on a terminal only.
fn stdout_options(quiet: bool) -> report::Options {
    use std::io::IsTerminal;
    let terminal = std::io::stdout().is_terminal();
    let columns = terminal
        .then(|| crossterm::terminal::size().ok().map(|(w, _)| w))
        .flatten();
    report::Options::for_stdout(
        quiet,
        terminal,
        columns,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

/// `check`'s output, with the compatibility rows of this machine's clients marked.
fn print_reports(
    reports: &mut [crate::model::DeviceReport],
    local: Option<LocalClients>,
    output: report::Output,
    options: &report::Options,
    run: &crate::run::RunInfo,
) {
    if let Some(local) = &local {
        reports.iter_mut().for_each(|r| local.annotate(r));
    }
    match output {
        report::Output::Json => {
            // Streamed: through the one cleaner's JSON escaping, never held whole in memory.
            let rows: Vec<&crate::model::DeviceReport> = reports
                .iter()
                .filter(|r| !options.quiet || !r.passed())
                .collect();
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
            let written = report::json::write_rows(&rows, local.as_ref(), Some(run), &mut out)
                .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
                .and_then(|()| std::io::Write::flush(&mut out));
            if let Err(e) = written {
                // A closed pipe (`| head`) is not worth a panic.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    errln!("sshtriage: cannot write the JSON: {e}");
                }
            }
        }
        _ => print!(
            "{}",
            report::render(output, reports, local.as_ref(), options)
        ),
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
        Some(Command::Completions(args)) => docs::completions(&args),
        Some(Command::Man(args)) => docs::man(&args),
        Some(Command::View(args)) => view::run(args).await,
        Some(Command::Diff(args)) => diff::run(args),
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
    let inputs = targets.run_inputs("dashboard");
    let opened = open_dashboard(
        setup.devices,
        setup.shared,
        options,
        inputs,
        &setup.warnings,
    );
    match opened.await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            errln!("sshtriage: terminal error: {e}");
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
    inputs: crate::run::RunInputs,
    warnings: &[String],
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
        .with_watching(options.watching)
        .with_run_inputs(inputs)
        .with_load_warnings(warnings);
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
            errln!("sshtriage demo: cannot start the simulated fleet: {e}");
            return EXIT_USAGE;
        }
    };
    let mut devices = match args.run.timeout {
        // Loaded again so that printed commands carry the --timeout too.
        Some(timeout) => match crate::demo::load(&fleet.inventory(), Some(timeout)) {
            Ok(devices) => devices,
            Err(e) => {
                errln!("sshtriage demo: {e}");
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
            errln!("sshtriage: {e}");
            return EXIT_USAGE;
        }
    };
    let inputs = crate::run::RunInputs::new("demo", &[], &[], &[]);
    if args.check || args.json {
        let started = crate::run::Timestamp::now();
        let mut reports = engine::run_all(&devices, shared, None).await;
        let run = crate::run::RunInfo::until_now(started, inputs);
        let output = match args.json {
            true => report::Output::Json,
            false => report::Output::Table,
        };
        print_reports(
            &mut reports,
            Some(local),
            output,
            &stdout_options(false),
            &run,
        );
        drop(fleet);
        return report::exit_code(&reports);
    }
    // The demo's inventory does not change: there is nothing to follow.
    let options = args.watch.options(args.run.watch);
    let result = open_dashboard(devices, shared, options, inputs, &[]).await;
    drop(fleet);
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            errln!("sshtriage: terminal error: {e}");
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
        errln!("warning: {w}");
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
        errln!("warning: {w}");
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
