//! Watch mode: probe devices that are not ready yet again and again until they are, each on
//! its own backoff, one connection per device at a time, under a global cap on new
//! connections per second. Never repeats a rejected credential or talks again to a host whose
//! key changed, and does not retry what only the user's configuration can change (the
//! client's algorithms, the kinds of credential): those devices stop until re-probed by hand
//! or changed in the inventory.
//!
//! Views talk to the scheduler like to `engine::session`: `Event`s out (the probe events of
//! every attempt, plus `Event::Watch` with each device's `WatchStatus`), `Command`s in.
//!
//! ```ignore
//! let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
//! let handle = watch::spawn(devices, shared, WatchOptions::default(), events_tx);
//! handle.command(Command::Reprobe(2));   // clears a stop, probes now
//! handle.set_watching(false);            // dashboard `w`: back to probing on request only
//! ```

mod history;
mod judge;
mod reload;
mod scheduler;

pub use crate::engine::backoff::Backoff;
pub use reload::{LoadError, Loaded, Loader, Reload};

use crate::engine::budget::ConnectionBudget;
use history::DEFAULT_HISTORY;

use crate::device::Device;
use crate::engine::Shared;
use crate::model::{Command, DeviceReport, Event, Stage};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// New connections per second across all devices when nothing else is said.
pub const DEFAULT_CONNECTIONS_PER_SECOND: f64 = 20.0;

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub backoff: Backoff,
    /// Global cap on new connections (probe attempts) per second.
    pub connections_per_second: f64,
    /// The stage that counts as ready; None: automatic (see `WatchStatus::until`).
    pub until: Option<Stage>,
    /// Start watching at once; false probes every device once, then only on request.
    pub watching: bool,
    /// Attempts kept per device.
    pub history: usize,
    /// Follow edits of the inventory file.
    pub reload: Option<Reload>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            backoff: Backoff::default(),
            connections_per_second: DEFAULT_CONNECTIONS_PER_SECOND,
            until: None,
            watching: true,
            history: DEFAULT_HISTORY,
            reload: None,
        }
    }
}

/// What a view can tell a running scheduler.
#[derive(Debug)]
pub enum Control {
    /// `Reprobe(i)` / `ReprobeAll`: probe the device now, also when it was ready or stopped
    /// (its watch goes on: milestones keep counting from its start). `SetWatching`: watch mode on or off (the dashboard's `w`);
    /// off, devices are probed only on request. Fix commands are not the scheduler's and are
    /// ignored.
    Command(Command),
    /// A fix wants the device to itself (its verifying probe): granted, with the connection
    /// budget to draw from, once no attempt runs; a running attempt is cancelled, since the
    /// user asked for the fix now. No attempt starts until `Release`.
    Lease {
        index: usize,
        granted: oneshot::Sender<Arc<ConnectionBudget>>,
    },
    /// The fix is done. `after`, its verifying probe, counts as an attempt of `device` (the
    /// new definition when the fix changed it); with neither, the watch goes on as before.
    Release {
        index: usize,
        after: Option<Box<DeviceReport>>,
        device: Option<Box<Device>>,
    },
}

/// A fix's hold on one device, so its probe never overlaps a scheduled one and draws from
/// the same connection budget. Dropped without `release` (an error, a panic), it gives the
/// device back with nothing learnt.
pub struct Lease {
    index: usize,
    control: UnboundedSender<Control>,
    budget: Option<Arc<ConnectionBudget>>,
    released: bool,
}

impl Lease {
    /// Waits until the scheduler hands the device over; at once when the scheduler is gone
    /// (then nothing else probes it).
    pub async fn take(control: &UnboundedSender<Control>, index: usize) -> Lease {
        let (granted, grant) = oneshot::channel();
        let asked = control.send(Control::Lease { index, granted }).is_ok();
        let budget = if asked { grant.await.ok() } else { None };
        Lease {
            index,
            control: control.clone(),
            budget,
            released: false,
        }
    }

    /// Waits for a connection token, like every scheduled attempt.
    pub async fn connection_token(&self) {
        if let Some(budget) = &self.budget {
            budget.take().await;
        }
    }

    pub fn release(mut self, after: Option<DeviceReport>, device: Option<Device>) {
        self.released = true;
        let _ = self.control.send(Control::Release {
            index: self.index,
            after: after.map(Box::new),
            device: device.map(Box::new),
        });
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.released {
            let _ = self.control.send(Control::Release {
                index: self.index,
                after: None,
                device: None,
            });
        }
    }
}

/// The scheduler's devices by index, as it probes them now: None for an index whose device a
/// reload removed. Views that act on a device (fixes) read its definition here.
pub type Roster = Arc<RwLock<Vec<Option<Device>>>>;

/// A running scheduler. It ends, dropping its probes (which closes their connections), once
/// every control sender is gone: drop the handle (and any `sender()` copies) or call `stop`.
pub struct WatchHandle {
    control: UnboundedSender<Control>,
    task: JoinHandle<()>,
    roster: Roster,
    started: tokio::time::Instant,
}

impl WatchHandle {
    /// When the watch began: every `at_ms` of its statuses counts from here, so a view that
    /// stamps its own lines from here too shows one clock.
    pub fn started(&self) -> tokio::time::Instant {
        self.started
    }

    /// The devices as the scheduler has them, kept current through reloads and replacements.
    pub fn roster(&self) -> Roster {
        self.roster.clone()
    }

    /// False when the scheduler has ended.
    pub fn command(&self, command: Command) -> bool {
        self.control.send(Control::Command(command)).is_ok()
    }

    pub fn set_watching(&self, on: bool) -> bool {
        self.command(Command::SetWatching(on))
    }

    /// A sender for views that keep their own copy.
    pub fn sender(&self) -> UnboundedSender<Control> {
        self.control.clone()
    }

    /// Ends the scheduler and waits (bounded) for it; running probes are dropped, which
    /// closes their connections.
    pub async fn stop(self) {
        let WatchHandle { control, task, .. } = self;
        drop(control);
        let abort = task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// Starts a scheduler on the current runtime. Device `i` of `devices` is device `i` in every
/// event; devices added by an inventory reload get the next free indices.
pub fn spawn(
    devices: Vec<Device>,
    shared: Arc<Shared>,
    options: WatchOptions,
    events: UnboundedSender<Event>,
) -> WatchHandle {
    spawn_with(devices, shared, engine_prober(), options, events)
}

fn spawn_with(
    devices: Vec<Device>,
    shared: Arc<Shared>,
    prober: Prober,
    options: WatchOptions,
    events: UnboundedSender<Event>,
) -> WatchHandle {
    let (control, controls) = unbounded_channel();
    let roster: Roster = Arc::new(RwLock::new(devices.iter().cloned().map(Some).collect()));
    let scheduler =
        scheduler::Scheduler::new(devices, shared, prober, options, events, roster.clone());
    let started = scheduler.started();
    let task = tokio::spawn(scheduler.run(controls));
    WatchHandle {
        control,
        task,
        roster,
        started,
    }
}

/// Runs one attempt: the device, its index, the run's shared data, where its probe events go.
pub(crate) type Prober = Arc<
    dyn Fn(
            Device,
            usize,
            Arc<Shared>,
            UnboundedSender<Event>,
        ) -> Pin<Box<dyn Future<Output = DeviceReport> + Send>>
        + Send
        + Sync,
>;

fn engine_prober() -> Prober {
    Arc::new(|device, index, shared, events| {
        Box::pin(async move { crate::engine::probe(&device, &shared, index, Some(events)).await })
    })
}

#[cfg(test)]
mod tests;
