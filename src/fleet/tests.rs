use super::*;
use crate::model::Milestones;

fn report(name: &str) -> DeviceReport {
    DeviceReport {
        name: name.into(),
        host: format!("{name}.lab"),
        port: 22,
        ..DeviceReport::default()
    }
}

fn status(name: &str, state: WatchState) -> WatchStatus {
    WatchStatus {
        name: name.into(),
        host: "10.0.0.9".into(),
        port: 2222,
        state,
        until: None,
        milestones: Milestones::default(),
        attempts: Vec::new(),
        attempts_total: 0,
        condition_since_ms: None,
    }
}

fn watch(device: usize, status: WatchStatus) -> Event {
    Event::Watch(Box::new(WatchEvent::Device { device, status }))
}

#[test]
fn a_probe_runs_stage_by_stage_and_a_restart_keeps_only_the_identity() {
    let mut fleet: Fleet = Fleet::new(vec![report("r1")]);
    assert_eq!(fleet.devices()[0].probe, Probe::Pending);
    let mut done = report("r1");
    done.reached = Some(Stage::Prompt);
    done.elapsed_ms = 12.0;
    let events = [
        Event::Started { device: 0 },
        Event::StageStarted {
            device: 0,
            stage: Stage::Dns,
        },
        Event::Finished {
            device: 0,
            report: Box::new(done),
        },
    ];
    let probes: Vec<Probe> = events
        .into_iter()
        .map(|e| {
            assert_eq!(fleet.apply(e), Change::Probe(0));
            fleet.devices()[0].probe
        })
        .collect();
    assert_eq!(
        probes,
        [
            Probe::Running { stage: None },
            Probe::Running {
                stage: Some(Stage::Dns)
            },
            Probe::Done
        ]
    );
    assert_eq!(fleet.devices()[0].report.reached, Some(Stage::Prompt));

    assert_eq!(fleet.apply(Event::Started { device: 0 }), Change::Probe(0));
    let restarted = &fleet.devices()[0].report;
    assert_eq!(restarted, &report("r1"), "only name, host and port survive");
}

#[test]
fn unknown_devices_and_fix_events_change_nothing() {
    let mut fleet: Fleet = Fleet::new(vec![report("r1")]);
    assert_eq!(fleet.apply(Event::Started { device: 5 }), Change::Unchanged);
    assert_eq!(
        fleet.apply(watch(MAX_DEVICES, status("x", WatchState::Probing))),
        Change::Unchanged
    );
    assert_eq!(fleet.len(), 1);
}

#[test]
fn watch_statuses_grow_the_fleet_and_carry_the_identity() {
    let mut fleet: Fleet = Fleet::default();
    assert_eq!(
        fleet.apply(watch(2, status("leaf9", WatchState::Probing))),
        Change::Watch(2)
    );
    assert_eq!(fleet.len(), 3);
    assert!(fleet.devices()[0].is_removed(), "a gap stays hidden");
    assert!(fleet.devices()[1].is_removed());
    let added = &fleet.devices()[2];
    assert_eq!(
        (
            added.report.name.as_str(),
            added.report.host.as_str(),
            added.report.port
        ),
        ("leaf9", "10.0.0.9", 2222)
    );
    assert_eq!(added.probe, Probe::Pending);
    assert_eq!(fleet.watched().count(), 1);

    // A reload moves the device: the report follows, the probe's results stay.
    let mut moved = status("leaf9", WatchState::Ready);
    moved.host = "10.0.0.10".into();
    fleet.apply(watch(2, moved));
    assert_eq!(fleet.devices()[2].report.host, "10.0.0.10");
    fleet.apply(watch(2, status("leaf9", WatchState::Removed)));
    assert_eq!(fleet.watched().count(), 0);
}

#[test]
fn the_last_reload_is_kept() {
    let mut fleet: Fleet = Fleet::default();
    assert_eq!(fleet.last_reload(), None);
    let change = fleet.apply(Event::Watch(Box::new(WatchEvent::Reloaded {
        added: vec![3],
        removed: vec![],
        changed: vec![1],
        warnings: vec!["w".into()],
    })));
    assert_eq!(change, Change::Reload);
    assert!(matches!(fleet.last_reload(), Some(Reload::Applied { added, .. }) if added == &[3]));
    fleet.apply(Event::Watch(Box::new(WatchEvent::ReloadFailed {
        error: "bad".into(),
    })));
    assert_eq!(
        fleet.last_reload(),
        Some(&Reload::Failed {
            error: "bad".into()
        })
    );
}

#[test]
fn extras_are_the_consumers_and_follow_the_device() {
    let mut fleet: Fleet<String> = Fleet::new(vec![report("r1")]);
    fleet.update_extra(0, |d| d.report.name.to_uppercase());
    fleet.update_extra(7, |_| unreachable!("no such device"));
    fleet.apply(Event::Started { device: 0 });
    assert_eq!(fleet.devices()[0].extra, "R1", "the fold leaves it alone");
}
