//! The coordinator of an interactive session: the watch scheduler probes every device, then
//! again on request (and on its own while watching); fixes are served beside it; this
//! machine's SSH clients are identified once. Views talk to it only through `Event`s out and
//! `Command`s in, and know nothing of the engine, the watch or the fixes behind it.

use crate::device::Device;
use crate::engine::Shared;
use crate::fix::FixContext;
use crate::fix::session::{self as fixes, PreparedFix};
use crate::model::{Command, DeviceReport, Event, FixKind, FixOutcome, FixProposal};
use crate::watch::{Lease, Roster, WatchOptions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// A running session: its events for the view, commands back, and the task to end it.
pub struct Session {
    pub events: UnboundedReceiver<Event>,
    pub commands: UnboundedSender<Command>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Starts a session on the current runtime: probes, fixes writing where `fix_context` says,
/// and this machine's SSH clients (`shared.local`) told to the view first, so it marks the
/// compatibility rows that are theirs.
pub fn start(
    devices: Vec<Device>,
    shared: Arc<Shared>,
    options: WatchOptions,
    fix_context: FixContext,
) -> Session {
    let (event_tx, events) = mpsc::unbounded_channel();
    let (commands, command_rx) = mpsc::unbounded_channel();
    let _ = event_tx.send(Event::LocalClients(Box::new(shared.local.clone())));
    let task = tokio::spawn(serve(
        Arc::new(devices),
        shared,
        event_tx,
        command_rx,
        options,
        fix_context,
    ));
    Session {
        events,
        commands,
        task,
    }
}

/// Runs until the command channel closes (the view went away). The scheduler probes every
/// device once, and keeps probing those not ready while watching is on
/// (`Command::SetWatching`, the `w` key); it follows the inventory when `options.reload`
/// says so, and fixes reach the devices a reload added. Fixes write where `fix_context` says.
pub async fn serve(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    mut commands: UnboundedReceiver<Command>,
    options: WatchOptions,
    fix_context: FixContext,
) {
    let latest: Latest = Arc::new(Mutex::new(HashMap::new()));
    let events = remember_reports(events, latest.clone());
    // One fix at a time: two edits of the same file must not race.
    let fixing = Arc::new(tokio::sync::Mutex::new(()));
    // Plans waiting for confirmation; a host-key proposal is filled in by its own task.
    let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
    let watcher = crate::watch::spawn(devices.to_vec(), shared.clone(), options, events.clone());
    // The devices by index as the scheduler has them: a reload may add and remove devices,
    // an applied fix changes one.
    let roster = watcher.roster();
    while let Some(command) = commands.recv().await {
        match command {
            // The scheduler owns probing: one connection per device, backoff, history.
            Command::SetWatching(_) | Command::Reprobe(_) | Command::ReprobeAll => {
                watcher.command(command);
            }
            Command::ProposeFix { device, kind } => {
                let Some(target) = device_at(&roster, device) else {
                    // The dialog waits for an answer: say why there is nothing to apply.
                    let _ = events.send(Event::FixProposed {
                        device,
                        proposal: Box::new(FixProposal {
                            kind,
                            summary: "This device is no longer in the inventory.".into(),
                            remove: Vec::new(),
                            add: Vec::new(),
                            notes: Vec::new(),
                            blocked: Some("the device was removed from the inventory".into()),
                            snippets: Vec::new(),
                        }),
                    });
                    continue;
                };
                let report = latest.lock().ok().and_then(|l| l.get(&device).cloned());
                if kind == FixKind::HostKey {
                    // It connects to the device (one key exchange per other key type): as a
                    // lease, never beside a probe; the dialog waits for its answer.
                    let (shared, events, pending, fixing, scheduler, fix_context) = (
                        shared.clone(),
                        events.clone(),
                        pending.clone(),
                        fixing.clone(),
                        watcher.sender(),
                        fix_context.clone(),
                    );
                    tokio::spawn(async move {
                        let _one_fix = fixing.lock().await;
                        let lease = Lease::take(&scheduler, device).await;
                        lease.connection_token().await;
                        let (proposal, prepared) = fixes::propose_host_key(
                            &target,
                            report.as_ref(),
                            &fix_context,
                            &shared,
                        )
                        .await;
                        drop(lease);
                        remember(&pending, device, kind, prepared);
                        let _ = events.send(Event::FixProposed {
                            device,
                            proposal: Box::new(proposal),
                        });
                    });
                    continue;
                }
                let (proposal, prepared) =
                    fixes::propose(kind, &target, report.as_ref(), &fix_context, &shared.local);
                remember(&pending, device, kind, prepared);
                let _ = events.send(Event::FixProposed {
                    device,
                    proposal: Box::new(proposal),
                });
            }
            Command::ApplyFix { device, kind } => {
                let prepared = pending
                    .lock()
                    .ok()
                    .and_then(|mut p| p.remove(&(device, kind)));
                let Some((prepared, target)) = prepared.zip(device_at(&roster, device)) else {
                    let _ = events.send(Event::FixFinished {
                        device,
                        outcome: Box::new(FixOutcome {
                            kind,
                            verified: false,
                            lines: vec!["Nothing was proposed for this device; ask again.".into()],
                        }),
                    });
                    continue;
                };
                let (shared, events, fixing, scheduler) = (
                    shared.clone(),
                    events.clone(),
                    fixing.clone(),
                    watcher.sender(),
                );
                tokio::spawn(async move {
                    let _one_fix = fixing.lock().await;
                    // The verifying probe is one of the device's attempts: never beside a
                    // scheduled one, and within the connection budget.
                    let lease = Lease::take(&scheduler, device).await;
                    lease.connection_token().await;
                    let applied =
                        fixes::apply(prepared, &target, &shared, device, Some(events.clone()))
                            .await;
                    // Later probes use the fixed definition.
                    lease.release(applied.after, applied.device);
                    let _ = events.send(Event::FixFinished {
                        device,
                        outcome: Box::new(applied.outcome),
                    });
                });
            }
        }
    }
    watcher.stop().await;
}

/// Each device's last finished report, for fix proposals.
type Latest = Arc<Mutex<HashMap<usize, DeviceReport>>>;

/// Proposed plans by device and kind, until confirmed or proposed again.
type Pending = Arc<Mutex<HashMap<(usize, FixKind), PreparedFix>>>;

fn remember(pending: &Pending, device: usize, kind: FixKind, prepared: Option<PreparedFix>) {
    // A poisoned lock only means a panicking writer; the map is still whole.
    let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
    match prepared {
        Some(p) => pending.insert((device, kind), p),
        None => pending.remove(&(device, kind)),
    };
}

// A poisoned lock only means a panicking writer; the list is still whole.
fn read(roster: &Roster) -> std::sync::RwLockReadGuard<'_, Vec<Option<Device>>> {
    roster.read().unwrap_or_else(|poison| poison.into_inner())
}

/// The device at `index`; None past the end or when a reload removed it.
fn device_at(roster: &Roster, index: usize) -> Option<Device> {
    read(roster).get(index).cloned().flatten()
}

/// Passes events through, keeping each device's last finished report for fix proposals.
fn remember_reports(out: UnboundedSender<Event>, latest: Latest) -> UnboundedSender<Event> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let Event::Finished { device, report } = &event
                && let Ok(mut latest) = latest.lock()
            {
                latest.insert(*device, (**report).clone());
            }
            if out.send(event).is_err() {
                break;
            }
        }
    });
    tx
}
