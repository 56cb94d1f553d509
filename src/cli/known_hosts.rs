//! `sshtriage known-hosts …`: prune stale entries and accept presented keys, atomically and
//! with a backup, the way ssh-keygen does.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::device::{Credentials, Device, HostKeyPolicy, parse_host_arg};
use crate::engine::{self, Settings, Shared};
use crate::fix::algorithms::bounded_probe;
use crate::fix::host_key::{Standing, gather, plan_repair};
use crate::known_hosts::{self, Target};
use crate::model::{DeviceReport, HostKeyVerdict};
use crate::present::printable;
use clap::{ArgGroup, Args, Subcommand};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum KnownHostsCommand {
    /// Remove every entry for the given hosts (hashed ones included), keeping F.old as backup.
    Prune(PruneArgs),
    /// Probe a device up to its host key and append every host key it has (one key exchange
    /// per other key type), saying how each was obtained.
    Accept(AcceptArgs),
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("what").required(true).args(["hosts", "cidr", "inventory"])))]
pub struct PruneArgs {
    /// The known_hosts file to edit [default: ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE", env = "SSHTRIAGE_KNOWN_HOSTS")]
    pub file: Option<PathBuf>,
    /// A host to remove, as ssh-keygen -R takes it: host, host:port, [v6]:port. Repeatable.
    #[arg(long = "host", value_name = "HOST[:PORT]")]
    pub hosts: Vec<String>,
    /// Remove entries for every address in this network (at most a /16). Repeatable.
    #[arg(long, value_name = "NET")]
    pub cidr: Vec<String>,
    /// Remove entries for the devices of this inventory.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// With --inventory: only devices that present a changed host key (probes them).
    #[arg(long, requires = "inventory")]
    pub failing: bool,
    /// Per-stage timeout for the --failing probes, e.g. 5s.
    #[arg(long, value_parser = crate::device::parse_timeout, requires = "failing")]
    pub timeout: Option<Duration>,
    /// Show what would be removed; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct AcceptArgs {
    /// Only this device: its name in any SOURCE (an inventory, a Containerlab node, an
    /// Ansible host), else a host name, as ssh takes it. Without it, every device.
    #[arg(value_name = "NAME")]
    pub device: Option<String>,
    /// The devices whose keys to accept (those known_hosts does not know yet), given as for
    /// `check`: SOURCEs, --host, --cidr.
    #[command(flatten)]
    pub targets: super::Targets,
    /// An inventory (the same as giving it as a SOURCE).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// The known_hosts file to append to [default: the device's own, else ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE", env = "SSHTRIAGE_KNOWN_HOSTS")]
    pub file: Option<PathBuf>,
    /// Write the name hashed [default: as the file already does, or ssh_config's HashKnownHosts].
    #[arg(long, conflicts_with = "no_hash")]
    pub hash: bool,
    /// Write the name in plain text.
    #[arg(long)]
    pub no_hash: bool,
    /// Per-stage timeout for the probe, e.g. 5s.
    #[arg(long, value_parser = crate::device::parse_timeout)]
    pub timeout: Option<Duration>,
}

pub async fn run(command: KnownHostsCommand) -> i32 {
    match command {
        KnownHostsCommand::Prune(args) => prune(args).await,
        KnownHostsCommand::Accept(args) => accept(args).await,
    }
}

fn default_file() -> PathBuf {
    crate::fix::FixContext::from_env().known_hosts
}

async fn prune(args: PruneArgs) -> i32 {
    let jobs = match prune_jobs(&args).await {
        Ok(j) => j,
        Err((code, message)) => {
            errln!("sshtriage known-hosts prune: {message}");
            return code;
        }
    };
    if jobs.is_empty() {
        if args.failing {
            outln!("No device presents a changed host key; nothing to prune.");
        } else {
            outln!("The inventory has no devices; nothing to prune.");
        }
        return EXIT_OK;
    }
    let mut code = EXIT_OK;
    for (file, targets) in &jobs {
        code = code.max(prune_file(file, targets, args.dry_run));
    }
    code
}

/// Prunes one file and says what went.
fn prune_file(file: &Path, targets: &[Target], dry_run: bool) -> i32 {
    let report = match known_hosts::prune(file, targets, dry_run) {
        Ok(r) => r,
        Err(known_hosts::EditError::NetworkTooLarge(net)) => {
            errln!(
                "sshtriage known-hosts prune: --cidr {net} is too large: at most a /16 (65536 addresses) at once; split it"
            );
            return EXIT_USAGE;
        }
        Err(e) => {
            errln!("sshtriage known-hosts prune: {e}");
            return EXIT_FAILED;
        }
    };
    let shown = printable(&file.display().to_string());
    if report.removed.is_empty() {
        outln!("No entries for {} in {shown}.", describe(targets));
        return EXIT_OK;
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    for line in &report.removed {
        outln!("{verb} {shown}:{}  {}", line.line, printable(&line.text()));
    }
    match (&report.backup, dry_run) {
        (_, true) => outln!("Dry run: nothing was written to {shown}."),
        (Some(backup), false) => outln!(
            "{} written; the original is kept as {}",
            shown,
            printable(&backup.display().to_string())
        ),
        (None, false) => {}
    }
    EXIT_OK
}

/// Which entries go from which file: `--host` and `--cidr` from `--file` (else the default);
/// inventory devices from their own known_hosts files (`--file` overrides): with `--failing`
/// the files that hold a stale entry, else the device's first file. `Err` carries the exit
/// code.
async fn prune_jobs(args: &PruneArgs) -> Result<Vec<(PathBuf, Vec<Target>)>, (i32, String)> {
    let usage = |m: String| (EXIT_USAGE, m);
    let mut jobs: Vec<(PathBuf, Vec<Target>)> = Vec::new();
    let mut add =
        |file: PathBuf, targets: Vec<Target>| match jobs.iter_mut().find(|(f, _)| *f == file) {
            Some((_, existing)) => existing.extend(targets),
            None => jobs.push((file, targets)),
        };
    let given = |device_file: Option<PathBuf>| {
        args.file
            .clone()
            .or(device_file)
            .unwrap_or_else(default_file)
    };
    let mut named = Vec::new();
    for host in &args.hosts {
        named.push(host_target(host).map_err(usage)?);
    }
    for net in &args.cidr {
        let net: ipnet::IpNet = net
            .trim()
            .parse()
            .map_err(|_| usage(format!("--cidr `{net}` is not a network like 10.0.0.0/24")))?;
        named.push(Target::Cidr(net));
    }
    if !named.is_empty() {
        add(given(None), named);
    }
    if let Some(path) = &args.inventory {
        // Loaded as `check` loads it: any format, ssh_config applied.
        let sources = super::Targets {
            sources: vec![path.clone()],
            ..super::Targets::default()
        };
        let run = super::RunArgs {
            timeout: args.timeout,
            ..super::RunArgs::default()
        };
        let (setup, warnings) =
            super::load(&sources, &run, &Default::default()).map_err(|e| usage(e.to_string()))?;
        for w in &warnings {
            errln!("warning: {w}");
        }
        let devices = setup.devices;
        if args.failing {
            let reports = probe_without_credentials(&devices).await;
            for (device, report) in devices.iter().zip(&reports) {
                let Some(hk) = report
                    .host_key
                    .as_ref()
                    .filter(|hk| hk.verdict == HostKeyVerdict::Changed)
                else {
                    continue;
                };
                let targets = crate::fix::host_key::targets(device, report);
                for file in hk.stale_files() {
                    add(given(Some(file)), targets.clone());
                }
            }
        } else {
            for d in &devices {
                let target = Target::Host {
                    host: d.host.clone(),
                    port: d.port,
                };
                add(given(d.known_hosts.first().cloned()), vec![target]);
            }
        }
    }
    Ok(jobs)
}

/// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
fn host_target(arg: &str) -> Result<Target, String> {
    let parsed = parse_host_arg(arg).map_err(|e| format!("--host {e}"))?;
    if parsed.user.is_some() {
        return Err(format!("--host `{arg}`: give the host without a user"));
    }
    Ok(Target::Host {
        host: parsed.host,
        port: parsed.port,
    })
}

fn describe(targets: &[Target]) -> String {
    let names: Vec<String> = targets
        .iter()
        .map(|t| match t {
            Target::Host { host, port } => known_hosts::lookup_name(host, *port),
            Target::Cidr(net) => net.to_string(),
        })
        .collect();
    printable(&names.join(", "))
}

/// Probes up to the host key without credentials: a key not yet trusted gets no secrets.
/// Every stage of every probe is bounded by the device's timeout, so the batch is too, and
/// each finished report counts.
async fn probe_without_credentials(devices: &[Device]) -> Vec<DeviceReport> {
    let devices: Vec<Device> = devices.iter().map(without_credentials).collect();
    let shared = Arc::new(Shared::new(Settings::default()));
    engine::run_all(&devices, shared, None).await
}

fn without_credentials(device: &Device) -> Device {
    Device {
        credentials: Credentials::default(),
        enable_secret: None,
        // An unknown key is what accept is for: it must not stop the probe.
        host_key_policy: HostKeyPolicy::Warn,
        ..device.clone()
    }
}

async fn accept(args: AcceptArgs) -> i32 {
    let mut devices = match accept_devices(&args) {
        Ok(d) => d,
        Err(message) => {
            errln!("sshtriage known-hosts accept: {message}");
            return EXIT_USAGE;
        }
    };
    for d in &mut devices {
        if let Some(timeout) = args.timeout {
            d.set_every_timeout(timeout, "--timeout");
        }
        if let Some(file) = &args.file {
            d.known_hosts = vec![file.clone()];
        }
    }
    let hash = match (args.hash, args.no_hash) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let shared = Shared::new(Settings::default());
    // `--file` is each device's first known_hosts by now (above); the dashboard picks the
    // same way.
    let context = crate::fix::FixContext::from_env();
    let mut code = EXIT_OK;
    for (index, device) in devices.iter().enumerate() {
        let probed = without_credentials(device);
        let report = bounded_probe(&probed, &shared, index, None).await;
        let file = context.accept_file(device);
        if !accept_one(device, &report, &file, hash, &shared).await {
            code = EXIT_FAILED;
        }
    }
    code
}

fn accept_devices(args: &AcceptArgs) -> Result<Vec<Device>, String> {
    let mut targets = args.targets.clone();
    targets.sources.extend(args.inventory.clone());
    if let Some(name) = &args.device {
        return super::find_device(&targets, name).map(|d| vec![d]);
    }
    if targets.selection(None).sources_or_default().is_empty()
        && targets.hosts.is_empty()
        && targets.cidr.is_empty()
    {
        return Err("give the devices: NAME, a SOURCE, --host or --cidr".into());
    }
    let (setup, warnings) = super::load(&targets, &super::RunArgs::default(), &Default::default())
        .map_err(|e| e.to_string())?;
    for w in &warnings {
        errln!("warning: {w}");
    }
    Ok(setup.devices)
}

/// Prints what was found and, unless known_hosts contradicts the presented key, appends
/// every key of the server it lacks, saying how each was obtained. False when something was
/// refused or could not be obtained.
async fn accept_one(
    device: &Device,
    report: &DeviceReport,
    file: &Path,
    hash: Option<bool>,
    shared: &Shared,
) -> bool {
    let name = printable(&device.name);
    let Some(hk) = &report.host_key else {
        let why = report
            .failure
            .as_ref()
            .map(|f| format!("{}/{}: {}", f.stage, f.reason, f.message))
            .unwrap_or_else(|| "the probe did not finish".to_owned());
        outln!("{name}: no host key was presented ({})", printable(&why));
        return false;
    };
    outln!(
        "{name}: presents {} {}",
        printable(&hk.algorithm),
        printable(&hk.fingerprint)
    );
    let place = |e: &crate::model::KnownHostsEntry| printable(&format!("{}:{}", e.file, e.line));
    match hk.verdict {
        HostKeyVerdict::Match | HostKeyVerdict::Unknown => {}
        HostKeyVerdict::Unreadable => {
            outln!(
                "  refused: part of known_hosts was not read (over the size limit), so the key cannot be checked against it"
            );
            return false;
        }
        HostKeyVerdict::Changed | HostKeyVerdict::Revoked => {
            let stale: Vec<String> = hk
                .entries
                .iter()
                .filter(|e| e.fingerprint != hk.fingerprint || e.marker.is_some())
                .map(place)
                .collect();
            outln!(
                "  refused: known_hosts holds a different or revoked key for it ({}). If the change is expected (a redeploy), remove the stale entries first, then accept again:",
                stale.join(", "),
            );
            let targets = crate::fix::host_key::targets(device, report);
            for file in hk.stale_files() {
                let command = known_hosts::prune_command(&targets, &file);
                outln!("  run: {}", printable(&command.to_string()));
            }
            return false;
        }
    }
    let gathered = gather::gather(device, report, shared).await;
    let plan = match plan_repair(device, report, file, hash, &gathered) {
        Ok(plan) => plan,
        Err(why) => {
            outln!("  not added: {}", printable(&why));
            return false;
        }
    };
    let done = match plan.is_noop() {
        true => None,
        false => match plan.apply() {
            Ok(done) => Some(done),
            Err(e) => {
                outln!("  not added: {}", printable(&e.to_string()));
                return false;
            }
        },
    };
    let shown = printable(&file.display().to_string());
    let hashed = if plan.hash { " (name hashed)" } else { "" };
    let mut added = done.iter().flat_map(|d| d.added.iter());
    let mut ok = true;
    let mut conflicting_files: Vec<std::path::PathBuf> = Vec::new();
    for planned in &plan.keys {
        let what = printable(&format!(
            "{}  {}",
            planned.key.describe(),
            planned.key.fingerprint
        ));
        match &planned.standing {
            Standing::Add => {
                let line = added.next().map(|a| a.line).unwrap_or_default();
                outln!("  added {shown}:{line}  {what}{hashed}");
            }
            Standing::OnFile(places) => {
                outln!(
                    "  already in known_hosts ({})  {what}",
                    printable(&places.join(", "))
                )
            }
            Standing::Contradicts(conflicts) => {
                ok = false;
                for c in conflicts {
                    if !conflicting_files.contains(&c.file) {
                        conflicting_files.push(c.file.clone());
                    }
                }
                let why = planned.refusal().unwrap_or_default();
                outln!("  not added: {}", printable(&why));
            }
            Standing::Revoked(_) => {
                ok = false;
                let why = planned.refusal().unwrap_or_default();
                outln!("  not added: {}", printable(&why));
            }
        }
    }
    for missed in &plan.missed {
        ok &= !missed.failed;
        outln!(
            "  not obtained: {}: {}",
            printable(&missed.algorithm),
            printable(&missed.why)
        );
    }
    if plan.is_noop() && plan.refused().is_empty() {
        outln!("  nothing to add");
    }
    if !conflicting_files.is_empty() {
        outln!(
            "  Check those keys out of band. If the server's keys changed, remove its entries and accept again:"
        );
        for file in &conflicting_files {
            let command = known_hosts::prune_command(&plan.targets, file);
            outln!("  run: {}", printable(&command.to_string()));
        }
    }
    ok
}
