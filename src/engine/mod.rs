//! The probe engine: walks each device through the stages in order, one TCP connection per
//! device, stops at the first failure and records the evidence. It streams `Event`s and knows
//! nothing of terminals; `check`, `--json`, the dashboard and `watch` are views of its results.

pub mod backoff;
pub mod budget;
pub(crate) mod client;
pub mod host_keys;
pub mod jump;
pub mod limits;
mod outcome;
mod probe;
pub mod shell_log;
pub mod stages;
pub mod transfer;

pub use outcome::{Flow, Outcome};
pub use probe::Probe;

use crate::device::Device;
use crate::model::{DeviceReport, Event, Stage, Status};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{Semaphore, mpsc::UnboundedSender};

pub const DEFAULT_CONCURRENCY: usize = 64;

/// Settings for a run, shared by every probe.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    /// The user said, for this run, to send credentials to hosts whose key changed.
    pub trust_changed_host_keys: bool,
    /// Our identification line, without CR LF.
    pub client_ident: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: DEFAULT_CONCURRENCY,
            trust_changed_host_keys: false,
            client_ident: format!("SSH-2.0-sshtriage_{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// What all probes share: settings, the resolver, profiles, jump hosts and this machine's
/// SSH clients (which decide the versions verdicts are about).
pub struct Shared {
    pub settings: Settings,
    pub resolver: stages::dns::Resolver,
    pub profiles: crate::profile::Profiles,
    pub jumps: jump::JumpPool,
    pub local: crate::model::LocalClients,
    /// known_hosts files parsed once for every probe of the run.
    pub known_hosts: crate::known_hosts::Cache,
}

impl Shared {
    pub fn new(settings: Settings) -> Shared {
        Shared::with_resolver(settings, stages::dns::Resolver::from_system())
    }

    pub fn with_resolver(settings: Settings, resolver: stages::dns::Resolver) -> Shared {
        Shared {
            settings,
            resolver,
            profiles: crate::profile::Profiles::embedded(),
            jumps: jump::JumpPool::default(),
            local: crate::model::LocalClients::default(),
            known_hosts: crate::known_hosts::Cache::default(),
        }
    }
}

/// Probes every device, at most `concurrency` at once; results come back in inventory order.
pub async fn run_all(
    devices: &[Device],
    shared: Arc<Shared>,
    events: Option<UnboundedSender<Event>>,
) -> Vec<DeviceReport> {
    let permits = Arc::new(Semaphore::new(shared.settings.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(devices.len());
    for (index, device) in devices.iter().enumerate() {
        let device = device.clone();
        let shared = shared.clone();
        let permits = permits.clone();
        let events = events.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            // Boxed: a waiting task holds only its device, not a probe's whole state (about
            // 9 KB; 90 MB for 10,000 devices queued behind the concurrency limit).
            Box::pin(probe(&device, &shared, index, events)).await
        }));
    }
    let mut reports = Vec::with_capacity(tasks.len());
    for (task, device) in tasks.into_iter().zip(devices) {
        reports.push(
            task.await
                .unwrap_or_else(|e| crashed(device, &e.to_string())),
        );
    }
    crate::engine::stages::host_key::flag_shared_keys(&mut reports);
    reports
}

/// A probe that panicked still yields a result, so one device never hides the others.
pub(crate) fn crashed(device: &Device, error: &str) -> DeviceReport {
    DeviceReport {
        name: device.name.clone(),
        host: device.host.clone(),
        port: device.port,
        failure: Some(crate::model::Failure {
            stage: Stage::Dns,
            reason: crate::model::Reason::InternalError,
            message: format!("the probe stopped unexpectedly: {error}"),
        }),
        ..Default::default()
    }
}

/// Walks one device through the pipeline.
pub async fn probe(
    device: &Device,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
) -> DeviceReport {
    let mut probe = Probe::new(device, shared, index, events);
    walk(&mut probe, Stage::Enable).await;
    transfer::check(&mut probe).await;
    host_keys::prove_announced(&mut probe).await;
    stages::close(&mut probe).await;
    probe.finish()
}

/// Runs the stages in order up to `last`, stopping at the first failure.
pub(crate) async fn walk(probe: &mut Probe<'_>, last: Stage) {
    let index = probe.index();
    probe.emit(Event::Started { device: index });
    let mut blocked: Option<Outcome> = None;
    // The first stage whose failure belongs to the client; later stages run beyond it.
    let mut beyond: Option<Stage> = None;
    for stage in Stage::ALL.into_iter().take_while(|s| *s <= last) {
        if let Some(skip) = &blocked {
            probe.record(stage, skip.clone(), 0.0, beyond);
            continue;
        }
        probe.emit(Event::StageStarted {
            device: index,
            stage,
        });
        let started = Instant::now();
        // Each stage waits its own limit, as the engineer's client does.
        let timeout = probe.device.limit(stage).duration;
        let outcome = match tokio::time::timeout(timeout, stages::run(stage, probe)).await {
            Ok(outcome) => outcome,
            Err(_) => stages::timed_out(stage, probe),
        };
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let (status, reason, flow) = (outcome.status, outcome.reason, outcome.flow);
        probe.record(stage, outcome, elapsed, beyond);
        match flow {
            Flow::Next => {}
            Flow::Beyond => {
                beyond.get_or_insert(stage);
            }
            Flow::Halt if status == Status::Fail => {
                blocked = stages::after_failure(stage, reason, probe);
            }
            Flow::Halt => {
                blocked = Some(Outcome::skip(
                    crate::model::Reason::NotReached,
                    format!("not run: the probe cannot go on after {stage}"),
                ));
            }
        }
    }
}
