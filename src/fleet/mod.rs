//! The fleet as the views see it: per device, the latest probe report, where its probe is and
//! its watch status; and what the last inventory reload said. The dashboard and `sshtriage
//! wait` fold the same engine events through [`Fleet::apply`], so they cannot disagree about
//! a device. This module knows the model only, never a view.

use crate::algorithms::local::LocalClients;
use crate::model::{DeviceReport, Event, Stage, WatchEvent, WatchState, WatchStatus};

#[cfg(test)]
mod tests;

/// Devices a reload may grow the fleet to: bounds memory against a runaway inventory.
pub const MAX_DEVICES: usize = 100_000;

/// Where a device's probe is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Not started yet.
    Pending,
    /// `stage` is running; None between two stages.
    Running {
        stage: Option<Stage>,
    },
    Done,
}

/// One device. `extra` is what a consumer keeps beside the fleet's state (the dashboard: its
/// filter and sort keys); the fold never touches it.
#[derive(Debug, Clone)]
pub struct Device<X = ()> {
    /// The probe's latest report; its name and address follow the watch (a reload may change
    /// them), and it is marked for this machine's clients once they are known.
    pub report: DeviceReport,
    pub probe: Probe,
    /// The latest watch status, once watch mode has said anything about this device.
    pub watch: Option<WatchStatus>,
    pub extra: X,
}

impl<X: Default> Device<X> {
    fn new(report: DeviceReport) -> Self {
        Device {
            report,
            probe: Probe::Pending,
            watch: None,
            extra: X::default(),
        }
    }
}

impl<X> Device<X> {
    pub fn is_running(&self) -> bool {
        matches!(self.probe, Probe::Running { .. })
    }

    /// Gone from the inventory (a reload removed it): no longer shown or counted.
    pub fn is_removed(&self) -> bool {
        self.watch
            .as_ref()
            .is_some_and(|w| w.state == WatchState::Removed)
    }

    fn probe_event(&mut self, event: Event) {
        match event {
            Event::Started { .. } => {
                self.report = DeviceReport {
                    name: std::mem::take(&mut self.report.name),
                    host: std::mem::take(&mut self.report.host),
                    port: self.report.port,
                    ..DeviceReport::default()
                };
                self.probe = Probe::Running { stage: None };
            }
            Event::StageStarted { stage, .. } => {
                self.probe = Probe::Running { stage: Some(stage) };
            }
            Event::StageFinished { report, .. } => {
                self.report = *report;
                self.probe = Probe::Running { stage: None };
            }
            Event::Finished { report, .. } => {
                self.report = *report;
                self.probe = Probe::Done;
            }
            Event::FixProposed { .. }
            | Event::FixFinished { .. }
            | Event::Watch(_)
            | Event::LocalClients(_) => {}
        }
    }

    /// Keeps the status; the report stays the probe's, except for the name and address,
    /// which follow the inventory.
    fn set_watch(&mut self, status: WatchStatus) {
        self.report.name.clone_from(&status.name);
        self.report.host.clone_from(&status.host);
        self.report.port = status.port;
        self.watch = Some(status);
    }
}

/// What the last inventory reload said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Loaded again (device indices).
    Applied {
        added: Vec<usize>,
        removed: Vec<usize>,
        changed: Vec<usize>,
        warnings: Vec<String>,
    },
    /// The file changed but cannot be used; the devices stay as they were.
    Failed { error: String },
}

/// What one event changed, so a consumer redraws or prints only that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing the fleet keeps: a fix's proposal or outcome, or an unknown device.
    Unchanged,
    /// This device's report or probe.
    Probe(usize),
    /// This device's watch status (devices before it may have been added, hidden).
    Watch(usize),
    /// This machine's clients were identified: every report is marked.
    LocalClients,
    /// See [`Fleet::last_reload`].
    Reload,
}

/// Every device, by the index the engine's events use.
#[derive(Debug, Clone)]
pub struct Fleet<X = ()> {
    devices: Vec<Device<X>>,
    local: Option<LocalClients>,
    last_reload: Option<Reload>,
}

impl<X> Default for Fleet<X> {
    fn default() -> Self {
        Fleet {
            devices: Vec::new(),
            local: None,
            last_reload: None,
        }
    }
}

impl<X: Default> Fleet<X> {
    /// `reports` are the pending devices (name, host and port filled), in inventory order.
    pub fn new(reports: Vec<DeviceReport>) -> Self {
        Fleet {
            devices: reports.into_iter().map(Device::new).collect(),
            ..Fleet::default()
        }
    }

    /// Folds one engine event.
    pub fn apply(&mut self, event: Event) -> Change {
        let device = match event {
            Event::Started { device }
            | Event::StageStarted { device, .. }
            | Event::StageFinished { device, .. }
            | Event::Finished { device, .. } => device,
            Event::FixProposed { .. } | Event::FixFinished { .. } => return Change::Unchanged,
            Event::Watch(watch) => return self.apply_watch(*watch),
            Event::LocalClients(local) => {
                for d in &mut self.devices {
                    local.annotate(&mut d.report);
                }
                self.local = Some(*local);
                return Change::LocalClients;
            }
        };
        let Some(d) = self.devices.get_mut(device) else {
            return Change::Unchanged;
        };
        d.probe_event(event);
        if let Some(local) = &self.local {
            local.annotate(&mut d.report);
        }
        Change::Probe(device)
    }

    /// A device a reload added past the end gets a new entry; indices are stable (removed
    /// devices keep theirs, hidden).
    fn apply_watch(&mut self, event: WatchEvent) -> Change {
        match event {
            WatchEvent::Device { device, status } => {
                if device >= MAX_DEVICES {
                    return Change::Unchanged;
                }
                while self.devices.len() <= device {
                    let mut new = Device::new(DeviceReport {
                        name: status.name.clone(),
                        host: status.host.clone(),
                        port: status.port,
                        ..DeviceReport::default()
                    });
                    // A gap (never expected) stays hidden until its own status arrives.
                    if self.devices.len() < device {
                        new.watch = Some(WatchStatus {
                            state: WatchState::Removed,
                            ..status.clone()
                        });
                    }
                    self.devices.push(new);
                }
                self.devices[device].set_watch(status);
                Change::Watch(device)
            }
            WatchEvent::Reloaded {
                added,
                removed,
                changed,
                warnings,
            } => {
                self.last_reload = Some(Reload::Applied {
                    added,
                    removed,
                    changed,
                    warnings,
                });
                Change::Reload
            }
            WatchEvent::ReloadFailed { error } => {
                self.last_reload = Some(Reload::Failed { error });
                Change::Reload
            }
        }
    }

    /// Sets what the consumer keeps for `device`, computed from the device as it is now.
    pub fn update_extra(&mut self, device: usize, extra: impl FnOnce(&Device<X>) -> X) {
        if let Some(d) = self.devices.get_mut(device) {
            d.extra = extra(d);
        }
    }
}

impl<X> Fleet<X> {
    pub fn devices(&self) -> &[Device<X>] {
        &self.devices
    }

    pub fn device(&self, device: usize) -> Option<&Device<X>> {
        self.devices.get(device)
    }

    pub fn len(&self) -> usize {
        self.devices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// The watch statuses of devices still in the inventory.
    pub fn watched(&self) -> impl Iterator<Item = &WatchStatus> {
        self.devices
            .iter()
            .filter_map(|d| d.watch.as_ref())
            .filter(|s| s.state != WatchState::Removed)
    }

    /// This machine's SSH clients, once identified.
    pub fn local(&self) -> Option<&LocalClients> {
        self.local.as_ref()
    }

    pub fn last_reload(&self) -> Option<&Reload> {
        self.last_reload.as_ref()
    }
}
