//! A long-lived engine for interactive views: probes every device, then re-probes on request.
//! Views talk to it only through `Event`s out and `Command`s in.

use super::{Shared, probe, run_all};
use crate::fix::FixContext;
use crate::fix::session::{self as fixes, PreparedFix};
use crate::inventory::Device;
use crate::model::{Command, DeviceReport, Event, FixKind, FixOutcome, FixProposal};
use crate::watch::Roster;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Semaphore;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// Runs until the command channel closes (the view went away). Fixes write to the devices'
/// inventory files and to `~/.ssh/known_hosts`.
pub async fn serve(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    commands: UnboundedReceiver<Command>,
) {
    serve_with(devices, shared, events, commands, FixContext::from_env()).await
}

/// `serve`, with probing done by the watch scheduler: it probes every device once, and keeps
/// probing those not ready while watching is on (`Command::SetWatching`, the `w` key); it
/// follows the inventory when `options.reload` says so, and fixes reach the devices a reload
/// added. Fixes write where `fix_context` says.
pub async fn serve_watching(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    commands: UnboundedReceiver<Command>,
    options: crate::watch::WatchOptions,
    fix_context: FixContext,
) {
    run(
        devices,
        shared,
        events,
        commands,
        fix_context,
        Some(options),
    )
    .await
}

/// `serve`, with the files fixes write to given explicitly.
pub async fn serve_with(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    commands: UnboundedReceiver<Command>,
    fix_context: FixContext,
) {
    run(devices, shared, events, commands, fix_context, None).await
}

async fn run(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    mut commands: UnboundedReceiver<Command>,
    fix_context: FixContext,
    watch: Option<crate::watch::WatchOptions>,
) {
    let latest: Latest = Arc::new(Mutex::new(HashMap::new()));
    let events = remember_reports(events, latest.clone());
    let permits = Arc::new(Semaphore::new(shared.settings.concurrency.max(1)));
    // One fix at a time: two edits of the same file must not race.
    let fixing = Arc::new(tokio::sync::Mutex::new(()));
    let mut pending: HashMap<(usize, FixKind), PreparedFix> = HashMap::new();
    let watcher = watch.map(|options| {
        crate::watch::spawn(devices.to_vec(), shared.clone(), options, events.clone())
    });
    // The devices by index: the scheduler's list when it runs (a reload may add and remove
    // devices), else our own. An applied algorithm fix changes a device's entry: later
    // probes use the new settings.
    let roster: Roster = match &watcher {
        Some(w) => w.roster(),
        None => Arc::new(RwLock::new(devices.iter().cloned().map(Some).collect())),
    };
    if watcher.is_none() {
        let (all, shared, events) = (devices.to_vec(), shared.clone(), events.clone());
        tokio::spawn(async move { run_all(&all, shared, Some(events)).await });
    }
    while let Some(command) = commands.recv().await {
        if let Some(w) = &watcher {
            // The scheduler owns probing: one connection per device, backoff, history.
            match command {
                Command::SetWatching(on) => {
                    w.set_watching(on);
                    continue;
                }
                Command::Reprobe(_) | Command::ReprobeAll => {
                    w.command(command);
                    continue;
                }
                _ => {}
            }
        }
        let indices: Vec<usize> = match command {
            Command::Reprobe(i) => vec![i],
            Command::ReprobeAll => (0..read(&roster).len()).collect(),
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
                        }),
                    });
                    continue;
                };
                let report = latest.lock().ok().and_then(|l| l.get(&device).cloned());
                let (proposal, prepared) =
                    fixes::propose(kind, &target, report.as_ref(), &fix_context);
                match prepared {
                    Some(p) => pending.insert((device, kind), p),
                    None => pending.remove(&(device, kind)),
                };
                let _ = events.send(Event::FixProposed {
                    device,
                    proposal: Box::new(proposal),
                });
                continue;
            }
            Command::ApplyFix { device, kind } => {
                let prepared = pending.remove(&(device, kind));
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
                let (roster, shared, events, fixing, permits) = (
                    roster.clone(),
                    shared.clone(),
                    events.clone(),
                    fixing.clone(),
                    permits.clone(),
                );
                let scheduler = watcher.as_ref().map(|w| w.sender());
                tokio::spawn(async move {
                    let _one_fix = fixing.lock().await;
                    let _permit = permits.acquire_owned().await;
                    let (outcome, replacement) =
                        fixes::apply(prepared, &target, &shared, device, Some(events.clone()))
                            .await;
                    if let Some(new) = replacement {
                        // Later probes, ours or the scheduler's, use the fixed definition.
                        match &scheduler {
                            Some(scheduler) => {
                                let _ = scheduler.send(crate::watch::Control::Replace {
                                    index: device,
                                    device: Box::new(new),
                                });
                            }
                            None => {
                                if let Some(slot) = write(&roster).get_mut(device) {
                                    *slot = Some(new);
                                }
                            }
                        }
                    }
                    let _ = events.send(Event::FixFinished {
                        device,
                        outcome: Box::new(outcome),
                    });
                });
                continue;
            }
            // Without a scheduler there is no watch to switch.
            Command::SetWatching(_) => continue,
        };
        for index in indices {
            let Some(device) = device_at(&roster, index) else {
                continue;
            };
            let (shared, events, permits) = (shared.clone(), events.clone(), permits.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                probe(&device, &shared, index, Some(events)).await
            });
        }
    }
}

/// Each device's last finished report, for fix proposals.
type Latest = Arc<Mutex<HashMap<usize, DeviceReport>>>;

// A poisoned lock only means a panicking writer; the list is still whole.
fn read(roster: &Roster) -> std::sync::RwLockReadGuard<'_, Vec<Option<Device>>> {
    roster.read().unwrap_or_else(|poison| poison.into_inner())
}

fn write(roster: &Roster) -> std::sync::RwLockWriteGuard<'_, Vec<Option<Device>>> {
    roster.write().unwrap_or_else(|poison| poison.into_inner())
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
