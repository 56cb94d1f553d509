//! A long-lived engine for interactive views: probes every device, then re-probes on request.
//! Views talk to it only through `Event`s out and `Command`s in.

use super::{Shared, probe, run_all};
use crate::fix::FixContext;
use crate::fix::session::{self as fixes, PreparedFix};
use crate::inventory::Device;
use crate::model::{Command, DeviceReport, Event, FixKind, FixOutcome};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
/// probing those not ready while watching is on (`Command::SetWatching`, the `w` key). Fixes
/// are served here as in `serve`.
pub async fn serve_watching(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    commands: UnboundedReceiver<Command>,
    options: crate::watch::WatchOptions,
) {
    run(
        devices,
        shared,
        events,
        commands,
        FixContext::from_env(),
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
    let count = devices.len();
    // An applied algorithm fix changes a device's offer: later probes use the new settings.
    let devices: Arc<Mutex<Vec<Device>>> = Arc::new(Mutex::new(devices.to_vec()));
    let latest: Arc<Mutex<Vec<Option<DeviceReport>>>> = Arc::new(Mutex::new(vec![None; count]));
    let events = remember_reports(events, latest.clone());
    let permits = Arc::new(Semaphore::new(shared.settings.concurrency.max(1)));
    // One fix at a time: two edits of the same file must not race.
    let fixing = Arc::new(tokio::sync::Mutex::new(()));
    let mut pending: HashMap<(usize, FixKind), PreparedFix> = HashMap::new();
    let watcher = watch.map(|options| {
        crate::watch::spawn(snapshot(&devices), shared.clone(), options, events.clone())
    });
    if watcher.is_none() {
        let (all, shared, events) = (snapshot(&devices), shared.clone(), events.clone());
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
            Command::Reprobe(i) if i < count => vec![i],
            Command::Reprobe(_) => continue,
            Command::ReprobeAll => (0..count).collect(),
            Command::ProposeFix { device, kind } if device < count => {
                let target = device_at(&devices, device);
                let report = latest.lock().ok().and_then(|l| l[device].clone());
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
            Command::ApplyFix { device, kind } if device < count => {
                let Some(prepared) = pending.remove(&(device, kind)) else {
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
                let (devices, shared, events, fixing, permits) = (
                    devices.clone(),
                    shared.clone(),
                    events.clone(),
                    fixing.clone(),
                    permits.clone(),
                );
                let scheduler = watcher.as_ref().map(|w| w.sender());
                tokio::spawn(async move {
                    let _one_fix = fixing.lock().await;
                    let _permit = permits.acquire_owned().await;
                    let target = device_at(&devices, device);
                    let (outcome, replacement) =
                        fixes::apply(prepared, &target, &shared, device, Some(events.clone()))
                            .await;
                    if let Some(new) = replacement {
                        // Later probes, ours or the scheduler's, use the fixed definition.
                        if let Some(scheduler) = &scheduler {
                            let _ = scheduler.send(crate::watch::Control::Replace {
                                index: device,
                                device: Box::new(new.clone()),
                            });
                        }
                        if let Ok(mut all) = devices.lock() {
                            all[device] = new;
                        }
                    }
                    let _ = events.send(Event::FixFinished {
                        device,
                        outcome: Box::new(outcome),
                    });
                });
                continue;
            }
            Command::ProposeFix { .. } | Command::ApplyFix { .. } => continue,
            // Without a scheduler there is no watch to switch.
            Command::SetWatching(_) => continue,
        };
        for index in indices {
            let (device, shared, events, permits) = (
                device_at(&devices, index),
                shared.clone(),
                events.clone(),
                permits.clone(),
            );
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                probe(&device, &shared, index, Some(events)).await
            });
        }
    }
}

fn snapshot(devices: &Mutex<Vec<Device>>) -> Vec<Device> {
    devices.lock().map(|d| d.clone()).unwrap_or_default()
}

fn device_at(devices: &Mutex<Vec<Device>>, index: usize) -> Device {
    // A poisoned lock only means a panicking writer; the data is still whole.
    let all = devices.lock().unwrap_or_else(|poison| poison.into_inner());
    all[index].clone()
}

/// Passes events through, keeping each device's last finished report for fix proposals.
fn remember_reports(
    out: UnboundedSender<Event>,
    latest: Arc<Mutex<Vec<Option<DeviceReport>>>>,
) -> UnboundedSender<Event> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let Event::Finished { device, report } = &event
                && let Ok(mut latest) = latest.lock()
                && let Some(slot) = latest.get_mut(*device)
            {
                *slot = Some((**report).clone());
            }
            if out.send(event).is_err() {
                break;
            }
        }
    });
    tx
}
