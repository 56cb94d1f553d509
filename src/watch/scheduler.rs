//! The scheduler loop: one task owns every device's watch state, launches attempts when they
//! are due (oldest first, within the connection budget), folds their results and follows the
//! inventory file.

use super::history;
use super::judge::{Next, judge};
use super::reload::{Stamp, same_device};
use super::{Control, Prober, Roster, WatchOptions};
use crate::device::Device;
use crate::engine::Shared;
use crate::engine::budget::ConnectionBudget;
use crate::model::{Command, DeviceReport, Event, WatchEvent, WatchState, WatchStatus};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::{AbortHandle, Id, JoinError, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};

/// One device's place in the watch. Indices into `slots` never change.
struct Slot {
    /// None once removed from the inventory.
    device: Option<Device>,
    status: WatchStatus,
    /// Attempts since the last progress: picks the backoff delay.
    step: u32,
    /// When the next attempt may start; None: not scheduled (ready, stopped, paused).
    due: Option<Instant>,
    running: Option<Running>,
    lease: LeaseState,
}

/// A fix's hold on the device (see `Control::Lease`).
enum LeaseState {
    Free,
    /// Granted once the running attempt has ended.
    Wanted(oneshot::Sender<Arc<ConnectionBudget>>),
    Held {
        at_ms: u64,
        /// The state before, for a release that learnt nothing.
        before: WatchState,
        /// The device changed or went away meanwhile: the fix's probe no longer counts.
        stale: bool,
    },
}

struct Running {
    id: Id,
    at_ms: u64,
    abort: AbortHandle,
    /// The device changed or went away meanwhile: its result no longer counts. The slot stays
    /// busy until the task has ended, so two connections never overlap.
    stale: bool,
}

pub(super) struct Scheduler {
    slots: Vec<Slot>,
    start: Instant,
    options: WatchOptions,
    /// New connections: every attempt takes a token, and so does every bastion connection
    /// (the jump pool draws from the same budget).
    budget: Arc<ConnectionBudget>,
    /// When a token will be available for a due attempt the budget held back.
    token_wake: Option<Instant>,
    shared: Arc<Shared>,
    prober: Prober,
    events: UnboundedSender<Event>,
    tasks: JoinSet<DeviceReport>,
    task_slots: HashMap<Id, usize>,
    watching: bool,
    stamp: Option<Stamp>,
    /// Every slot's device, for views; written whenever a slot's device changes.
    roster: Roster,
}

impl Scheduler {
    pub(super) fn new(
        devices: Vec<Device>,
        shared: Arc<Shared>,
        prober: Prober,
        options: WatchOptions,
        events: UnboundedSender<Event>,
        roster: Roster,
    ) -> Scheduler {
        let start = Instant::now();
        let slots = devices
            .into_iter()
            .map(|device| Slot {
                status: history::fresh(&device, options.until, 0),
                device: Some(device),
                step: 0,
                due: Some(start),
                running: None,
                lease: LeaseState::Free,
            })
            .collect();
        let budget = Arc::new(ConnectionBudget::new(options.connections_per_second));
        shared.jumps.count_connections_in(budget.clone());
        Scheduler {
            slots,
            start,
            budget,
            token_wake: None,
            shared,
            prober,
            events,
            tasks: JoinSet::new(),
            task_slots: HashMap::new(),
            watching: options.watching,
            stamp: options.reload.as_ref().map(|r| r.stamp()),
            options,
            roster,
        }
    }

    /// The instant `at_ms` counts from.
    pub(super) fn started(&self) -> Instant {
        self.start
    }

    /// Runs until every control sender is gone or nobody listens to the events.
    pub(super) async fn run(mut self, mut controls: UnboundedReceiver<Control>) {
        for index in 0..self.slots.len() {
            self.emit_status(index);
        }
        let every = self
            .options
            .reload
            .as_ref()
            .map(|r| r.every.max(Duration::from_millis(50)))
            .unwrap_or(Duration::from_secs(3600));
        let mut reload_tick = tokio::time::interval(every);
        reload_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let reloading = self.options.reload.is_some();
        let events = self.events.clone();
        loop {
            let now = Instant::now();
            self.launch_due(now);
            let wake = self.next_wake(now);
            tokio::select! {
                control = controls.recv() => match control {
                    Some(control) => self.on_control(control),
                    None => break,
                },
                Some(done) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.on_done(done);
                }
                _ = tokio::time::sleep_until(wake.unwrap_or(now + Duration::from_secs(3600))) => {}
                _ = reload_tick.tick(), if reloading => self.check_reload().await,
                _ = events.closed() => break,
            }
        }
        self.tasks.shutdown().await;
    }

    fn ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.start).as_millis() as u64
    }

    fn emit(&self, event: WatchEvent) {
        // A view that went away ends the loop through `closed`.
        let _ = self.events.send(Event::Watch(Box::new(event)));
    }

    /// Copies the slot's device to the roster.
    fn publish(&self, index: usize) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        // A poisoned lock only means a panicking reader; the list is still whole.
        let mut roster = self.roster.write().unwrap_or_else(|p| p.into_inner());
        if roster.len() <= index {
            roster.resize(index + 1, None);
        }
        roster[index] = slot.device.clone();
    }

    fn emit_status(&self, device: usize) {
        if let Some(slot) = self.slots.get(device) {
            self.emit(WatchEvent::Device {
                device,
                status: slot.status.clone(),
            });
        }
    }

    /// Starts due attempts, oldest due first, as far as concurrency and the budget allow.
    fn launch_due(&mut self, now: Instant) {
        self.token_wake = None;
        let mut due: Vec<(Instant, usize)> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.launchable())
            .filter_map(|(i, s)| s.due.filter(|d| *d <= now).map(|d| (d, i)))
            .collect();
        due.sort();
        for (_, index) in due {
            // One task per running slot (a stale one holds its slot until it ends).
            if self.tasks.len() >= self.shared.settings.concurrency.max(1) {
                break;
            }
            if let Err(wait) = self.budget.try_take(now) {
                self.token_wake = Some(now + wait);
                break;
            }
            self.launch(index, now);
        }
    }

    fn launch(&mut self, index: usize, now: Instant) {
        let at_ms = self.ms(now);
        let slot = &mut self.slots[index];
        let Some(device) = slot.device.clone() else {
            return;
        };
        let attempt = (self.prober)(device, index, self.shared.clone(), self.events.clone());
        let abort = self.tasks.spawn(attempt);
        self.task_slots.insert(abort.id(), index);
        slot.running = Some(Running {
            id: abort.id(),
            at_ms,
            abort,
            stale: false,
        });
        slot.due = None;
        slot.status.state = WatchState::Probing;
        self.emit_status(index);
    }

    /// The earliest moment something may become launchable without another event.
    fn next_wake(&self, now: Instant) -> Option<Instant> {
        let future_due = self
            .slots
            .iter()
            .filter(|s| s.launchable())
            .filter_map(|s| s.due)
            .filter(|d| *d > now)
            .min();
        match (future_due, self.token_wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_done(&mut self, done: Result<(Id, DeviceReport), JoinError>) {
        let id = match &done {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let Some(index) = self.task_slots.remove(&id) else {
            return;
        };
        let slot = &mut self.slots[index];
        let Some(running) = slot.running.take_if(|r| r.id == id) else {
            return;
        };
        let report = match (done, &slot.device) {
            (Ok((_, report)), _) => Some(report),
            // An attempt that panicked still counts as one, so one bug never stalls a device.
            (Err(e), Some(device)) if !e.is_cancelled() => {
                Some(crate::engine::crashed(device, &e.to_string()))
            }
            (Err(_), _) => None,
        };
        self.grant_lease(index);
        let Some(report) = report.filter(|_| !running.stale) else {
            // The slot's state was already set when it went stale.
            return;
        };
        self.fold(index, running.at_ms, report);
    }

    /// Folds a finished attempt that began at `at_ms` into the device's watch: history,
    /// then ready, stopped or the next attempt.
    fn fold(&mut self, index: usize, at_ms: u64, report: DeviceReport) {
        let slot = &mut self.slots[index];
        slot.due = None;
        let now = Instant::now();
        let progressed = history::record(&mut slot.status, at_ms, &report, self.options.history);
        let next = judge(&report, self.options.until);
        if next != Next::Ready {
            history::mark_not_ready(&mut slot.status);
        }
        match next {
            Next::Ready => {
                history::mark_ready(&mut slot.status);
                slot.step = 0;
            }
            Next::Stop { stage, reason, why } => {
                slot.status.state = WatchState::Stopped { stage, reason, why };
            }
            Next::Retry if self.watching => {
                if progressed {
                    slot.step = 0;
                }
                let delay = self.options.backoff.delay(slot.step, &slot.status.name);
                slot.step = slot.step.saturating_add(1);
                let due = now + delay;
                slot.due = Some(due);
                slot.status.state = WatchState::Waiting {
                    next_at_ms: due.saturating_duration_since(self.start).as_millis() as u64,
                };
            }
            Next::Retry => slot.status.state = WatchState::Paused,
        }
        self.emit_status(index);
    }

    fn on_control(&mut self, control: Control) {
        match control {
            Control::Command(Command::Reprobe(index)) => self.reprobe(index),
            Control::Command(Command::ReprobeAll) => {
                for index in 0..self.slots.len() {
                    self.reprobe(index);
                }
            }
            Control::Command(Command::SetWatching(on)) => self.set_watching(on),
            // Fixes are the session's.
            Control::Command(Command::ProposeFix { .. } | Command::ApplyFix { .. }) => {}
            Control::Lease { index, granted } => self.lease(index, granted),
            Control::Release {
                index,
                after,
                device,
            } => self.release(index, after.map(|a| *a), device.map(|d| *d)),
        }
    }

    /// Hands the device to a fix once no attempt runs: a running one is cancelled.
    fn lease(&mut self, index: usize, granted: oneshot::Sender<Arc<ConnectionBudget>>) {
        let Some(slot) = self.slots.get_mut(index) else {
            // Nothing here to keep from overlapping.
            let _ = granted.send(self.budget.clone());
            return;
        };
        slot.lease = LeaseState::Wanted(granted);
        if let Some(running) = &mut slot.running {
            running.stale = true;
            running.abort.abort();
            return;
        }
        self.grant_lease(index);
    }

    /// Grants a wanted lease; the slot's attempt must have ended.
    fn grant_lease(&mut self, index: usize) {
        let at_ms = self.ms(Instant::now());
        let slot = &mut self.slots[index];
        if slot.running.is_some() || !matches!(slot.lease, LeaseState::Wanted(_)) {
            return;
        }
        let before = std::mem::replace(&mut slot.status.state, WatchState::Probing);
        let LeaseState::Wanted(granted) = std::mem::replace(
            &mut slot.lease,
            LeaseState::Held {
                at_ms,
                before,
                stale: false,
            },
        ) else {
            return;
        };
        self.emit_status(index);
        if granted.send(self.budget.clone()).is_err() {
            // The fix went away before its turn.
            self.release(index, None, None);
        }
    }

    /// Ends a fix's lease: its probe counts as an attempt of the (new) definition, unless
    /// the device changed meanwhile.
    fn release(&mut self, index: usize, after: Option<DeviceReport>, device: Option<Device>) {
        let now = Instant::now();
        let now_ms = self.ms(now);
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let LeaseState::Held {
            at_ms,
            before,
            stale,
        } = std::mem::replace(&mut slot.lease, LeaseState::Free)
        else {
            return;
        };
        if stale || slot.device.is_none() {
            // Whatever changed the device already set its state.
            return;
        }
        // A fix changes how the device is reached, not when its watch began: the milestones
        // and the time to ready go on counting from that start.
        if let Some(device) = device {
            slot.status.name.clone_from(&device.name);
            slot.status.host.clone_from(&device.host);
            slot.status.port = device.port;
            slot.device = Some(device);
            slot.step = 0;
            self.publish(index);
        }
        match after {
            Some(report) => self.fold(index, at_ms, report),
            None => {
                let slot = &mut self.slots[index];
                slot.status.state = match before {
                    // The fix cancelled an attempt: it runs again now.
                    WatchState::Probing => {
                        slot.due = Some(now);
                        WatchState::Waiting { next_at_ms: now_ms }
                    }
                    before => before,
                };
                self.emit_status(index);
            }
        }
    }

    /// Makes the device due now, also when it was ready or stopped; a running attempt is left
    /// alone. The watch goes on: its start, milestones and attempts stay, so a device the user
    /// fixed is ready after the whole wait, not after the re-probe.
    fn reprobe(&mut self, index: usize) {
        let now = Instant::now();
        let now_ms = self.ms(now);
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.device.is_none()
            || slot.running.is_some()
            || !matches!(slot.lease, LeaseState::Free)
        {
            return;
        }
        slot.step = 0;
        slot.due = Some(now);
        slot.status.state = WatchState::Waiting { next_at_ms: now_ms };
        self.emit_status(index);
    }

    fn set_watching(&mut self, on: bool) {
        if on == self.watching {
            return;
        }
        self.watching = on;
        let now = Instant::now();
        let now_ms = self.ms(now);
        for index in 0..self.slots.len() {
            let slot = &mut self.slots[index];
            let changed = match (&slot.status.state, on) {
                (WatchState::Waiting { .. }, false) if slot.running.is_none() => {
                    slot.due = None;
                    slot.status.state = WatchState::Paused;
                    true
                }
                (WatchState::Paused, true) => {
                    slot.due = Some(now);
                    slot.status.state = WatchState::Waiting { next_at_ms: now_ms };
                    true
                }
                _ => false,
            };
            if changed {
                self.emit_status(index);
            }
        }
    }

    async fn check_reload(&mut self) {
        let Some(reload) = self.options.reload.clone() else {
            return;
        };
        let stamp = reload.stamp();
        if self.stamp.as_ref() == Some(&stamp) {
            return;
        }
        self.stamp = Some(stamp);
        let load = reload.load.clone();
        let loaded = tokio::task::spawn_blocking(move || load())
            .await
            .unwrap_or_else(|e| Err(format!("loading the inventory failed: {e}").into()));
        match loaded {
            Ok(loaded) => {
                if let Some(shared) = loaded.shared {
                    shared.jumps.count_connections_in(self.budget.clone());
                    self.shared = shared;
                }
                self.apply_inventory(loaded.devices, loaded.warnings);
            }
            Err(error) => self.emit(WatchEvent::ReloadFailed {
                error: error.to_string(),
            }),
        }
    }

    /// Matches the new device list to the slots by name (the n-th device of a name to the
    /// n-th slot of that name): new names get new slots, missing ones are removed, changed
    /// ones start over, unchanged ones keep their state.
    fn apply_inventory(&mut self, devices: Vec<Device>, warnings: Vec<String>) {
        let now = Instant::now();
        let now_ms = self.ms(now);
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, slot) in self.slots.iter().enumerate().rev() {
            by_name
                .entry(slot.status.name.clone())
                .or_default()
                .push(index);
        }
        let mut kept = vec![false; self.slots.len()];
        let (mut added, mut changed, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        for device in devices {
            let existing = by_name.get_mut(&device.name).and_then(Vec::pop);
            let Some(index) = existing else {
                let mut status = history::fresh(&device, self.options.until, now_ms);
                status.state = WatchState::Waiting { next_at_ms: now_ms };
                self.slots.push(Slot {
                    status,
                    device: Some(device),
                    step: 0,
                    due: Some(now),
                    running: None,
                    lease: LeaseState::Free,
                });
                kept.push(true);
                added.push(self.slots.len() - 1);
                continue;
            };
            kept[index] = true;
            let slot = &mut self.slots[index];
            match &slot.device {
                Some(old) if same_device(old, &device) => continue,
                Some(_) => changed.push(index),
                None => added.push(index),
            }
            start_over(slot, device, now, now_ms);
        }
        for (index, kept) in kept.into_iter().enumerate() {
            let slot = &mut self.slots[index];
            if kept || slot.device.is_none() {
                continue;
            }
            slot.device = None;
            slot.due = None;
            if let Some(running) = &mut slot.running {
                running.stale = true;
                running.abort.abort();
            }
            slot.lease.go_stale();
            slot.status.state = WatchState::Removed;
            removed.push(index);
        }
        // Statuses first, so a view knows the names of new devices when the summary comes.
        let mut touched: Vec<usize> = added
            .iter()
            .chain(&changed)
            .chain(&removed)
            .copied()
            .collect();
        touched.sort_unstable();
        for index in touched {
            self.publish(index);
            self.emit_status(index);
        }
        self.emit(WatchEvent::Reloaded {
            added,
            removed,
            changed,
            warnings,
        });
    }
}

/// A device that came back or changed: new definition, fresh milestones, due now. A running
/// attempt against the old definition is cancelled and its result ignored.
fn start_over(slot: &mut Slot, device: Device, now: Instant, now_ms: u64) {
    if let Some(running) = &mut slot.running {
        running.stale = true;
        running.abort.abort();
    }
    slot.lease.go_stale();
    history::restart(&mut slot.status, &device, now_ms);
    slot.device = Some(device);
    slot.step = 0;
    slot.due = Some(now);
    slot.status.state = WatchState::Waiting { next_at_ms: now_ms };
}

impl Slot {
    /// May an attempt start (when due)?
    fn launchable(&self) -> bool {
        self.device.is_some() && self.running.is_none() && matches!(self.lease, LeaseState::Free)
    }
}

impl LeaseState {
    fn go_stale(&mut self) {
        if let LeaseState::Held { stale, .. } = self {
            *stale = true;
        }
    }
}
