//! Screens as snapshots (text of a TestBackend buffer, at 80×24 and 120×40) and the state
//! updates behind them: events in, table model out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

use super::app::{Action, App, Pane, Screen};
use super::device::{Condition, WhyKind};
use super::fixtures::{self, finished_app, index_of, pending_app};
use super::keys::Component;
use super::table_model::{SortKey, TableLine};
use super::theme::Theme;
use super::{ManualClock, render_to_string};
use crate::model::{DeviceReport, Event, FixKind, Stage};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

pub(super) fn press(app: &mut App, code: KeyCode) -> Action {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn char_key(app: &mut App, c: char) -> Action {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    app.handle_key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

pub(super) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        char_key(app, c);
    }
}

fn select(app: &mut App, name: &str) {
    let target = index_of(name);
    char_key(app, 'g');
    for _ in 0..app.device_count() {
        if app.selected_device() == Some(target) {
            return;
        }
        press(app, KeyCode::Down);
    }
    panic!("{name} is not reachable in the table");
}

pub(super) fn snapshot_both_sizes(name: &str, make: impl Fn() -> App) {
    for (w, h) in SIZES {
        let mut app = make();
        let screen = render_to_string(&mut app, w, h);
        // Named without the crate's module path, so the files are the same whichever crate
        // compiles this module.
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

// ---- snapshots -------------------------------------------------------------------------

#[test]
fn snapshot_dashboard_empty() {
    snapshot_both_sizes("dashboard_empty", || {
        App::new(Vec::new(), Box::new(ManualClock::at_ms(0)))
    });
}

#[test]
fn snapshot_dashboard_in_progress() {
    snapshot_both_sizes("dashboard_in_progress", fixtures::in_progress_app);
}

#[test]
fn snapshot_dashboard_finished() {
    snapshot_both_sizes("dashboard_finished", finished_app);
}

#[test]
fn snapshot_dashboard_filtered() {
    snapshot_both_sizes("dashboard_filtered", || {
        let mut app = finished_app();
        char_key(&mut app, '/');
        type_text(&mut app, "ios");
        press(&mut app, KeyCode::Enter);
        app
    });
}

#[test]
fn snapshot_dashboard_filter_typing() {
    snapshot_both_sizes("dashboard_filter_typing", || {
        let mut app = finished_app();
        char_key(&mut app, '/');
        type_text(&mut app, "banner");
        app
    });
}

#[test]
fn snapshot_dashboard_failing_only() {
    snapshot_both_sizes("dashboard_failing_only", || {
        let mut app = finished_app();
        char_key(&mut app, 'f');
        app
    });
}

#[test]
fn snapshot_dashboard_grouped() {
    snapshot_both_sizes("dashboard_grouped", || {
        let mut app = finished_app();
        char_key(&mut app, 'b');
        app
    });
}

fn drilled(name: &str) -> App {
    let mut app = finished_app();
    select(&mut app, name);
    press(&mut app, KeyCode::Enter);
    app
}

#[test]
fn snapshot_drilldown_kex_failure() {
    snapshot_both_sizes("drilldown_kex", || drilled("legacy-r2"));
}

/// The clients on the machine the fixtures pretend to run on.
fn this_machine() -> crate::algorithms::local::LocalClients {
    crate::algorithms::local::LocalClients {
        openssh: Some("9.2p1".into()),
        python: "python3".into(),
        paramiko: Some("3.5.1".into()),
        netmiko: None,
        pylibssh: None,
    }
}

#[test]
fn snapshot_drilldown_kex_marks_this_machines_clients() {
    snapshot_both_sizes("drilldown_kex_this_machine", || {
        let mut app = drilled("legacy-r2");
        app.apply(Event::LocalClients(Box::new(this_machine())));
        app
    });
}

#[test]
fn reports_after_the_local_clients_are_marked_too() {
    let mut app = finished_app();
    app.apply(Event::LocalClients(Box::new(this_machine())));
    let marked = |app: &App| -> Vec<String> {
        app.report(index_of("legacy-r2"))
            .expect("row")
            .compatibility
            .iter()
            .filter(|c| c.this_machine.is_some())
            .map(|c| c.client.clone())
            .collect()
    };
    assert_eq!(marked(&app), ["openssh-9.2", "paramiko-3.5"]);
    // A re-probe's report arrives without marks; the app adds them.
    let device = index_of("legacy-r2");
    let report = fixtures::legacy_kex();
    assert!(
        report
            .compatibility
            .iter()
            .all(|c| c.this_machine.is_none())
    );
    app.apply(Event::Finished {
        device,
        report: Box::new(report),
    });
    assert_eq!(marked(&app), ["openssh-9.2", "paramiko-3.5"]);
}

#[test]
fn snapshot_drilldown_host_key_changed() {
    snapshot_both_sizes("drilldown_host_key", || drilled("junos-r3"));
}

#[test]
fn snapshot_drilldown_enable_failure() {
    snapshot_both_sizes("drilldown_enable", || drilled("ios-r4"));
}

/// The drill-down of `name` with its fix dialog showing `proposal`.
fn proposed(name: &str, key: char, proposal: crate::model::FixProposal) -> App {
    let mut app = drilled(name);
    char_key(&mut app, key);
    app.apply(Event::FixProposed {
        device: index_of(name),
        proposal: Box::new(proposal),
    });
    app
}

#[test]
fn snapshot_fix_dialog_algorithms() {
    snapshot_both_sizes("fix_dialog_algorithms", || {
        proposed("legacy-r2", 'a', fixtures::algorithms_proposal())
    });
}

#[test]
fn snapshot_fix_dialog_known_hosts() {
    snapshot_both_sizes("fix_dialog_known_hosts", || {
        proposed("junos-r3", 'K', fixtures::host_key_proposal())
    });
}

#[test]
fn snapshot_fix_dialog_verified() {
    snapshot_both_sizes("fix_dialog_verified", || {
        let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
        char_key(&mut app, 'y');
        app.apply(Event::FixFinished {
            device: index_of("legacy-r2"),
            outcome: Box::new(fixtures::algorithms_outcome()),
        });
        app
    });
}

/// The evidence pane scrolled until its first line starts with `start`.
fn evidence_at(name: &str, start: &str, w: u16, h: u16) -> App {
    let mut app = drilled(name);
    press(&mut app, KeyCode::Tab);
    for _ in 0..300 {
        let screen = render_to_string(&mut app, w, h);
        let top = screen
            .lines()
            .skip_while(|l| !l.contains("Evidence"))
            .nth(1)
            .unwrap_or_default()
            .to_string();
        // The evidence pane is the last box on its row.
        let cell = top.rsplit('│').nth(1).unwrap_or_default();
        if cell.trim_start().starts_with(start) {
            return app;
        }
        char_key(&mut app, 'j');
    }
    panic!("no line starting {start:?} in the evidence of {name}");
}

#[test]
fn snapshot_algorithm_standing_beside_the_server_lists_and_notes() {
    for (start, name) in [("── Algorithms", "lists"), ("notes", "notes")] {
        for (w, h) in SIZES {
            let mut app = evidence_at("legacy-r2", start, w, h);
            let screen = render_to_string(&mut app, w, h);
            insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(format!("drilldown_algorithm_{name}_{w}x{h}"), screen);
            });
        }
    }
}

#[test]
fn snapshot_help_overlay() {
    snapshot_both_sizes("help_dashboard", || {
        let mut app = finished_app();
        char_key(&mut app, '?');
        app
    });
}

#[test]
fn snapshot_help_over_drilldown() {
    snapshot_both_sizes("help_drilldown", || {
        let mut app = drilled("legacy-r2");
        char_key(&mut app, '?');
        app
    });
}

// ---- state: events in, table model out -------------------------------------------------

#[test]
fn counts_follow_the_events() {
    let mut app = pending_app();
    let counts = app.model().counts.clone();
    assert_eq!(
        (counts.total, counts.waiting, counts.ready, counts.failing),
        (9, 9, 0, 0)
    );

    let mut app = fixtures::in_progress_app();
    let counts = app.model().counts.clone();
    assert_eq!(counts.running, 4, "{counts:?}");
    assert_eq!(counts.failing, 2);
    assert_eq!(counts.failing_at[Stage::Kex.index()], 1);
    assert_eq!(counts.failing_at[Stage::Tcp.index()], 1);
    assert_eq!(counts.waiting, 3);

    let mut app = finished_app();
    let counts = app.model().counts.clone();
    assert_eq!(counts.ready, 2);
    assert_eq!(
        counts.warned, 1,
        "srl-spine1 passed with an unknown host key"
    );
    assert_eq!(counts.failing, 7);
    assert_eq!(counts.running + counts.waiting, 0);
    assert_eq!(
        counts.failing_by_stage(),
        vec![
            (Stage::Banner, 2),
            (Stage::Tcp, 1),
            (Stage::Kex, 1),
            (Stage::HostKey, 1),
            (Stage::Auth, 1),
            (Stage::Enable, 1)
        ]
    );
}

#[test]
fn a_reprobe_resets_the_device_and_unknown_devices_are_ignored() {
    let mut app = finished_app();
    let legacy = index_of("legacy-r2");
    app.apply(Event::Started { device: legacy });
    let report = app.report(legacy).expect("device exists");
    assert!(report.stages.is_empty() && report.failure.is_none());
    assert_eq!(report.name, "legacy-r2");
    assert_eq!(app.model().counts.running, 1);
    assert!(app.is_animating());

    app.apply(Event::Started { device: 999 });
    app.apply(Event::Finished {
        device: 999,
        report: Box::new(DeviceReport::default()),
    });
    assert_eq!(app.device_count(), 9);
}

fn names(app: &mut App) -> Vec<String> {
    app.visible_devices()
        .into_iter()
        .map(|i| app.report(i).expect("shown devices exist").name.clone())
        .collect()
}

#[test]
fn sort_cycles_name_stage_time() {
    let mut app = finished_app();
    assert_eq!(
        names(&mut app),
        [
            "closed-sw9",
            "ios-r1",
            "ios-r4",
            "junos-r3",
            "legacy-r2",
            "nxos-sw2",
            "srl-spine1",
            "tarpit-1",
            "vmx-boot"
        ]
    );
    char_key(&mut app, 's');
    assert_eq!(app.ui().options.sort, SortKey::StageReached);
    let by_stage = names(&mut app);
    assert_eq!(
        by_stage.first().map(String::as_str),
        Some("closed-sw9"),
        "stopped earliest"
    );
    assert_eq!(
        by_stage.last().map(String::as_str),
        Some("ios-r1"),
        "reached enable"
    );
    char_key(&mut app, 's');
    assert_eq!(app.ui().options.sort, SortKey::Time);
    let by_time = names(&mut app);
    assert_eq!(&by_time[..2], ["tarpit-1", "vmx-boot"], "slowest first");
    assert_eq!(by_time.last().map(String::as_str), Some("closed-sw9"));
    char_key(&mut app, 's');
    assert_eq!(app.ui().options.sort, SortKey::Name);
}

#[test]
fn filter_matches_name_host_and_reason_and_esc_clears() {
    let mut app = finished_app();
    char_key(&mut app, '/');
    assert_eq!(app.component(), Component::FilterInput);
    type_text(&mut app, "host key");
    // What the rows show: the changed key's failure and the unknown key's warning.
    assert_eq!(names(&mut app), ["junos-r3", "srl-spine1"]);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.ui().options.filter, "");
    assert_eq!(app.component(), Component::Dashboard);

    char_key(&mut app, '/');
    type_text(&mut app, "172.20.20.19");
    press(&mut app, KeyCode::Enter);
    assert_eq!(names(&mut app), ["closed-sw9"]);
    assert_eq!(app.model().counts.shown, 1);

    char_key(&mut app, '/');
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(app.ui().options.filter, "172.20.20.");
    press(&mut app, KeyCode::Enter);
    assert_eq!(names(&mut app).len(), 9);
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.ui().options.filter,
        "",
        "Esc on the dashboard shows everything"
    );
}

#[test]
fn failing_only_and_grouping() {
    let mut app = finished_app();
    char_key(&mut app, 'f');
    let failing = names(&mut app);
    assert_eq!(failing.len(), 7);
    assert!(!failing.contains(&"ios-r1".to_string()));

    char_key(&mut app, 'f');
    char_key(&mut app, 'b');
    let lines = app.model().lines.clone();
    let groups: Vec<(Condition, usize)> = lines
        .iter()
        .filter_map(|l| match l {
            TableLine::Group { outcome, count } => Some((*outcome, *count)),
            TableLine::Device(_) => None,
        })
        .collect();
    assert_eq!(
        groups,
        vec![
            (Condition::Failing(Stage::Tcp), 1),
            (Condition::Failing(Stage::Banner), 2),
            (Condition::Failing(Stage::Kex), 1),
            (Condition::Failing(Stage::HostKey), 1),
            (Condition::Failing(Stage::Auth), 1),
            (Condition::Failing(Stage::Enable), 1),
            (Condition::Ready, 2),
        ]
    );
    assert_eq!(
        lines[0],
        TableLine::Group {
            outcome: Condition::Failing(Stage::Tcp),
            count: 1
        }
    );
    assert_eq!(lines[1], TableLine::Device(index_of("closed-sw9")));
    // Navigation skips the group headers.
    char_key(&mut app, 'g');
    assert_eq!(app.selected_device(), Some(index_of("closed-sw9")));
    char_key(&mut app, 'j');
    assert_eq!(app.selected_device(), Some(index_of("tarpit-1")));
}

#[test]
fn selection_is_kept_across_resort_regroup_and_drilldown() {
    let mut app = finished_app();
    select(&mut app, "nxos-sw2");
    let nxos = index_of("nxos-sw2");
    for key in ['s', 's', 'b', 'f', 's'] {
        char_key(&mut app, key);
        assert_eq!(app.selected_device(), Some(nxos), "after {key}");
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.ui().screen, Screen::Drilldown(nxos));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.ui().screen, Screen::Dashboard);
    assert_eq!(app.selected_device(), Some(nxos));
    // Events for other devices do not move it either.
    app.apply(Event::Started {
        device: index_of("ios-r1"),
    });
    assert!(app.model().line_of_device[nxos].is_some());
    assert_eq!(app.selected_device(), Some(nxos));
}

#[test]
fn a_filtered_out_selection_moves_to_the_nearest_row() {
    let mut app = finished_app();
    select(&mut app, "ios-r1");
    char_key(&mut app, 'f');
    let selected = app.selected_device().expect("something is selected");
    assert_ne!(selected, index_of("ios-r1"));
    assert!(app.visible_devices().contains(&selected));
}

#[test]
fn navigation_stays_in_bounds() {
    let mut app = finished_app();
    render_to_string(&mut app, 80, 12);
    char_key(&mut app, 'k');
    assert_eq!(
        names(&mut app)[0],
        app.report(app.selected_device().unwrap_or(0))
            .map(|r| r.name.clone())
            .unwrap_or_default()
    );
    char_key(&mut app, 'G');
    let last = *app.visible_devices().last().expect("devices");
    assert_eq!(app.selected_device(), Some(last));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.selected_device(), Some(last));
    press(&mut app, KeyCode::PageUp);
    assert_ne!(app.selected_device(), Some(last));
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.selected_device(), Some(last));
    // The selected row is on screen after scrolling to the end of a short window.
    let screen = render_to_string(&mut app, 80, 12);
    assert!(screen.contains("▶ vmx-boot"), "{screen}");
}

#[test]
fn reprobe_keys_name_the_device() {
    let mut app = finished_app();
    select(&mut app, "junos-r3");
    assert_eq!(
        char_key(&mut app, 'r'),
        Action::Reprobe(vec![index_of("junos-r3")])
    );
    assert_eq!(char_key(&mut app, 'R'), Action::ReprobeAll);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        char_key(&mut app, 'r'),
        Action::Reprobe(vec![index_of("junos-r3")])
    );
    assert_eq!(char_key(&mut app, 'q'), Action::Quit);
    assert_eq!(
        App::new(Vec::new(), Box::new(ManualClock::default()))
            .handle_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)),
        Action::None
    );
}

#[test]
fn drilldown_scrolls_the_focused_pane_and_clamps() {
    let mut app = drilled("ios-r1");
    render_to_string(&mut app, 80, 24);
    assert_eq!(app.ui().focus, Pane::Transcript);
    char_key(&mut app, 'G');
    render_to_string(&mut app, 80, 24);
    let bottom = app.ui().transcript_scroll;
    assert!(bottom > 0 && bottom < 20, "clamped to the end: {bottom}");
    char_key(&mut app, 'k');
    assert_eq!(app.ui().transcript_scroll, bottom - 1);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.ui().focus, Pane::Evidence);
    char_key(&mut app, 'j');
    assert_eq!(app.ui().evidence_scroll, 1);
    assert_eq!(app.ui().transcript_scroll, bottom - 1);
}

// ---- the key tables drive dispatch -----------------------------------------------------

/// An app with `component` on top.
fn app_in(component: Component) -> App {
    let mut app = finished_app();
    match component {
        Component::Dashboard => {}
        Component::Drilldown => {
            press(&mut app, KeyCode::Enter);
        }
        Component::FilterInput => {
            char_key(&mut app, '/');
        }
        Component::Dialog => {
            char_key(&mut app, 'a');
        }
        Component::SaveInput => {
            char_key(&mut app, 'S');
        }
        Component::Help => {
            char_key(&mut app, '?');
        }
        Component::Warnings => {
            app = fixtures::warned_app();
            char_key(&mut app, 'W');
        }
    }
    assert_eq!(app.component(), component);
    app.last_key_action = None;
    app
}

#[test]
fn every_key_in_a_table_dispatches_its_action() {
    for component in Component::ALL {
        for binding in component.bindings() {
            for key in binding.keys {
                let mut app = app_in(component);
                app.handle_key(key.example());
                assert_eq!(
                    app.last_key_action,
                    Some(binding.action),
                    "{component:?}: {} did not dispatch",
                    key.label()
                );
            }
        }
    }
}

fn every_key_event() -> Vec<KeyEvent> {
    let modifiers = [
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
        KeyModifiers::ALT,
    ];
    let mut codes: Vec<KeyCode> = (0x20u8..0x7f).map(|b| KeyCode::Char(b as char)).collect();
    codes.extend([
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::F(1),
        KeyCode::F(5),
    ]);
    codes
        .into_iter()
        .flat_map(|code| modifiers.map(|m| KeyEvent::new(code, m)))
        .collect()
}

#[test]
fn every_dispatched_key_is_in_the_table() {
    for component in Component::ALL {
        for event in every_key_event() {
            let mut app = app_in(component);
            let before = app.ui().clone();
            let action = app.handle_key(event);
            match component.lookup(&event) {
                Some(binding) => assert_eq!(app.last_key_action, Some(binding.action)),
                None => {
                    assert_eq!(action, Action::None, "{component:?} acted on {event:?}");
                    assert_eq!(
                        app.ui(),
                        &before,
                        "{component:?} changed state on {event:?}"
                    );
                    assert_eq!(app.last_key_action, None);
                }
            }
        }
    }
}

#[test]
fn hint_bar_and_help_are_generated_from_the_tables() {
    for component in [Component::Dashboard, Component::Drilldown] {
        let mut app = app_in(component);
        let screen = render_to_string(&mut app, 200, 50);
        let bar = screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .to_string();
        for binding in component.bindings() {
            if let Some(hint) = binding.hint {
                let shown = bar.contains(&format!("{} {hint}", binding.first_key_label()));
                assert_eq!(shown, app.can(binding.action), "{hint}: {bar}");
            }
        }
        char_key(&mut app, '?');
        let help = render_to_string(&mut app, 200, 50);
        for binding in component.bindings() {
            // The warnings pane's key only when something warned (see the warnings tests).
            if !app.offers(binding.action) {
                assert!(!help.contains(binding.help), "{} in help", binding.help);
                continue;
            }
            assert!(
                help.contains(&binding.keys_label()),
                "{} missing from help",
                binding.keys_label()
            );
            assert!(
                help.contains(binding.help),
                "{} missing from help",
                binding.help
            );
        }
    }
}

// ---- rendering properties --------------------------------------------------------------

#[test]
fn colour_and_monochrome_themes() {
    let fail_cell = |app: &mut App| {
        let Ok(mut terminal) = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40));
        let Ok(_) = terminal.draw(|f| super::draw(f, app));
        let buffer = terminal.backend().buffer().clone();
        buffer
            .content
            .iter()
            .find(|c| c.symbol() == "✗")
            .cloned()
            .expect("a failure mark is on screen")
    };
    let mut colour = finished_app();
    assert_eq!(fail_cell(&mut colour).fg, Color::Red);
    let mut mono = finished_app().with_theme(Theme::monochrome());
    let cell = fail_cell(&mut mono);
    assert_eq!(cell.fg, Color::Reset);
    assert!(cell.modifier.contains(Modifier::BOLD));
}

#[test]
fn device_text_cannot_reach_the_terminal_as_escapes() {
    let mut report = fixtures::tarpit();
    report.name = "evil\u{1b}]0;pwned\u{7}".into();
    report.transcript[0].text = "\u{1b}[2J\u{1b}[31mred".into();
    let mut app = App::new(vec![report.clone()], Box::new(ManualClock::default()));
    app.apply(Event::Finished {
        device: 0,
        report: Box::new(report),
    });
    let dashboard = render_to_string(&mut app, 120, 40);
    press(&mut app, KeyCode::Enter);
    let drill = render_to_string(&mut app, 120, 40);
    for screen in [dashboard, drill] {
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "{screen:?}"
        );
        assert!(screen.contains("evil␛]0;pwned"), "{screen}");
    }
}

#[test]
fn a_thousand_rows_render_from_a_cached_model() {
    let fleet = fixtures::fleet();
    let rows: Vec<DeviceReport> = (0..1000)
        .map(|i| {
            let mut r = fleet[i % fleet.len()].clone();
            r.name = format!("{}-{i:04}", r.name);
            r
        })
        .collect();
    let mut app = App::new(rows.clone(), Box::new(ManualClock::default()));
    for (device, report) in rows.into_iter().enumerate() {
        app.apply(Event::Finished {
            device,
            report: Box::new(report),
        });
    }
    char_key(&mut app, 'b');
    render_to_string(&mut app, 120, 40);
    let builds = app.model_builds;
    let started = std::time::Instant::now();
    for _ in 0..20 {
        char_key(&mut app, 'j');
        render_to_string(&mut app, 120, 40);
    }
    assert_eq!(
        app.model_builds, builds,
        "moving the selection must not rebuild the model"
    );
    let per_frame = started.elapsed() / 20;
    // Generous for unoptimised test builds; the release target (< 2 ms) is the bench's job.
    assert!(
        per_frame < std::time::Duration::from_millis(50),
        "{per_frame:?} per frame"
    );
    app.apply(Event::Started { device: 3 });
    render_to_string(&mut app, 120, 40);
    assert_eq!(app.model_builds, builds + 1, "an event rebuilds once");
}

#[test]
fn every_screen_renders_at_any_size() {
    let sizes = [
        (1, 1),
        (12, 3),
        (20, 6),
        (40, 12),
        (79, 23),
        (100, 30),
        (170, 50),
        (250, 80),
    ];
    let screens: Vec<Box<dyn Fn() -> App>> = vec![
        Box::new(|| App::new(Vec::new(), Box::new(ManualClock::default()))),
        Box::new(fixtures::in_progress_app),
        Box::new(|| {
            let mut app = finished_app();
            char_key(&mut app, 'b');
            char_key(&mut app, '/');
            type_text(&mut app, "a");
            app
        }),
        Box::new(|| {
            let mut app = finished_app();
            char_key(&mut app, '?');
            app
        }),
        Box::new(|| proposed("junos-r3", 'K', fixtures::host_key_proposal())),
        Box::new(|| proposed("legacy-r2", 'a', fixtures::algorithms_proposal())),
    ];
    for (w, h) in sizes {
        for make in &screens {
            let mut app = make();
            let screen = render_to_string(&mut app, w, h);
            assert_eq!(screen.lines().count(), h as usize);
        }
        for device in 0..9 {
            let mut app = finished_app();
            app.ui.selected = Some(device);
            press(&mut app, KeyCode::Enter);
            render_to_string(&mut app, w, h);
            char_key(&mut app, 'G');
            press(&mut app, KeyCode::Tab);
            char_key(&mut app, 'G');
            let screen = render_to_string(&mut app, w, h);
            assert_eq!(screen.lines().count(), h as usize);
        }
    }
}

#[test]
fn hostile_report_sizes_stay_bounded() {
    let mut report = fixtures::tarpit();
    report.transcript = (0..20_000)
        .map(|i| crate::model::TranscriptLine {
            at_ms: i as f64,
            direction: crate::model::Direction::Received,
            text: "y".repeat(if i == 0 { 1_000_000 } else { 30 }),
        })
        .collect();
    report.banner = Some(crate::model::BannerEvidence {
        pre_banner: vec!["z".repeat(100_000); 5_000],
        ..Default::default()
    });
    let mut app = App::new(vec![report.clone()], Box::new(ManualClock::default()));
    app.apply(Event::Finished {
        device: 0,
        report: Box::new(report),
    });
    press(&mut app, KeyCode::Enter);
    let started = std::time::Instant::now();
    let screen = render_to_string(&mut app, 120, 40);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        screen.contains("of 5"),
        "the transcript pane says where it is: {screen}"
    );
    press(&mut app, KeyCode::Tab);
    char_key(&mut app, 'G');
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("more lines"), "{screen}");
}

/// The runner can be spawned on a multi-threaded runtime.
#[test]
fn the_runner_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let (_events_tx, events) = tokio::sync::mpsc::unbounded_channel();
    let (commands, _commands_rx) = tokio::sync::mpsc::unbounded_channel();
    let future = super::run(pending_app(), events, commands);
    assert_send(&future);
    drop(future);
}

// ---- fixes: dialogs over the engine's proposals ----------------------------------------

#[test]
fn a_fix_key_asks_for_a_proposal_and_confirming_applies_it() {
    let mut app = drilled("legacy-r2");
    let legacy = index_of("legacy-r2");
    let kind = FixKind::Algorithms;
    assert_eq!(
        char_key(&mut app, 'a'),
        Action::ProposeFix {
            device: legacy,
            kind
        }
    );
    assert_eq!(app.component(), Component::Dialog);
    assert_eq!(
        char_key(&mut app, 'y'),
        Action::None,
        "nothing to confirm yet"
    );
    // A proposal for another device or fix does not land in this dialog.
    app.apply(Event::FixProposed {
        device: index_of("junos-r3"),
        proposal: Box::new(fixtures::host_key_proposal()),
    });
    assert_eq!(
        app.ui().dialog.as_ref().map(|d| &d.state),
        Some(&super::DialogState::Waiting)
    );
    app.apply(Event::FixProposed {
        device: legacy,
        proposal: Box::new(fixtures::algorithms_proposal()),
    });
    assert!(app.can(super::KeyAction::Confirm));
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Action::ApplyFix {
            device: legacy,
            kind
        }
    );
    assert_eq!(char_key(&mut app, 'y'), Action::None, "applied once");
    app.apply(Event::FixFinished {
        device: legacy,
        outcome: Box::new(fixtures::algorithms_outcome()),
    });
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("✓ Fixed and verified"), "{screen}");
    assert_eq!(press(&mut app, KeyCode::Enter), Action::None);
    assert_eq!(app.ui().dialog, None);
    assert_eq!(app.component(), Component::Drilldown);
}

#[test]
fn cancel_and_blocked_proposals_write_nothing() {
    let mut app = drilled("junos-r3");
    char_key(&mut app, 'K');
    app.apply(Event::FixProposed {
        device: index_of("junos-r3"),
        proposal: Box::new(fixtures::host_key_proposal()),
    });
    assert_eq!(char_key(&mut app, 'n'), Action::None);
    assert_eq!(app.ui().dialog, None);

    let mut blocked = fixtures::host_key_proposal();
    blocked.blocked = Some("The presented key is marked @revoked.".into());
    let mut app = proposed("junos-r3", 'K', blocked);
    assert!(!app.can(super::KeyAction::Confirm));
    let screen = render_to_string(&mut app, 80, 24);
    assert!(screen.contains("marked @revoked"), "{screen}");
    assert!(!screen.contains("y apply"), "{screen}");
    assert!(screen.contains("n close"), "{screen}");
    assert_eq!(
        char_key(&mut app, 'y'),
        Action::None,
        "closes, applies nothing"
    );
    assert_eq!(app.ui().dialog, None);
}

#[test]
fn fix_hints_show_only_where_the_fix_applies() {
    let bar = |name: &str| {
        let mut app = drilled(name);
        let screen = render_to_string(&mut app, 200, 40);
        screen.lines().last().unwrap_or_default().to_string()
    };
    let legacy = bar("legacy-r2");
    assert!(legacy.contains("a fix algorithms"), "{legacy}");
    assert!(!legacy.contains("K fix known_hosts"), "{legacy}");
    let junos = bar("junos-r3");
    assert!(junos.contains("K fix known_hosts"), "{junos}");
    assert!(!junos.contains("a fix algorithms"), "{junos}");
    let healthy = bar("ios-r1");
    assert!(!healthy.contains("fix"), "{healthy}");
    // The dashboard acts on the selected row too.
    let mut app = finished_app();
    select(&mut app, "junos-r3");
    assert_eq!(
        char_key(&mut app, 'K'),
        Action::ProposeFix {
            device: index_of("junos-r3"),
            kind: FixKind::HostKey
        }
    );
}

#[test]
fn proposal_text_from_files_cannot_reach_the_terminal_as_escapes() {
    let mut proposal = fixtures::host_key_proposal();
    proposal.remove[0].text = "\u{1b}[2Jevil\u{7}".into();
    proposal.add[0].file = "/tmp/\u{1b}]0;x".into();
    let mut app = proposed("junos-r3", 'K', proposal);
    for (w, h) in [(80, 24), (120, 40), (30, 10)] {
        let screen = render_to_string(&mut app, w, h);
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "{screen:?}"
        );
    }
    // Shown as visible symbols, not dropped: the engineer sees what the file holds.
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("␛[2Jevil"), "{screen}");
    assert!(screen.contains("/tmp/␛]0;x"), "{screen}");
}

// ---- watch mode ------------------------------------------------------------------------

#[test]
fn snapshot_dashboard_watching() {
    snapshot_both_sizes("dashboard_watching", fixtures::watching_app);
}

fn drilled_watching(name: &str) -> App {
    let mut app = fixtures::watching_app();
    select(&mut app, name);
    press(&mut app, KeyCode::Enter);
    app
}

#[test]
fn snapshot_drilldown_history_stuck() {
    snapshot_both_sizes("drilldown_history_stuck", || drilled_watching("vmx-boot"));
}

#[test]
fn snapshot_drilldown_history_ready() {
    let name = fixtures::healthy_ios().name;
    snapshot_both_sizes("drilldown_history_ready", || drilled_watching(&name));
}

#[test]
fn watch_events_reach_their_row_and_unknown_devices_are_ignored() {
    let mut app = fixtures::watching_app();
    let slow = &app.rows()[index_of("vmx-boot")];
    let (_, why) = slow.watch_why().expect("the slow device has watch data");
    assert!(
        why.starts_with("▂▂▂▂▂▂▂▂ waiting 7 s"),
        "strip first: {why}"
    );
    assert!(
        why.contains("port open but no SSH banner for 95 s"),
        "{why}"
    );
    let healthy = &app.rows()[index_of(&fixtures::healthy_ios().name)];
    let (_, why) = healthy.watch_why().expect("watch data");
    assert!(
        why.contains("ready (enable) after 7 s, 3 attempts"),
        "{why}"
    );
    let stopped = &app.rows()[index_of(&fixtures::wrong_password().name)];
    let (_, why) = stopped.watch_why().expect("watch data");
    assert!(
        why.contains("stopped: the credential was rejected"),
        "{why}"
    );
    // Rows without watch data keep the probe's own "why".
    let other = &app.rows()[index_of(&fixtures::closed_port().name)];
    assert!(other.watch_why().is_none());
    // An index far beyond any inventory is refused, not allocated.
    let before = app.rows().len();
    app.apply(Event::Watch(Box::new(crate::model::WatchEvent::Device {
        device: usize::MAX,
        status: fixtures::slow_boot_watch(),
    })));
    assert_eq!(app.rows().len(), before);
}

/// The header counts what the rows say: a device whose row says "waiting 7 s" for its next
/// attempt is counted as waiting, a stopped one as failing, a ready one as ready; groups
/// follow. Watch mode off, the rows and the counts are the probe's again.
#[test]
fn in_watch_mode_the_header_counts_what_the_rows_say() {
    let mut app = fixtures::watching_app();
    let screen = render_to_string(&mut app, 120, 40);
    let header = screen.lines().next().unwrap_or_default();
    let slow = index_of("vmx-boot");
    let (_, why) = app.rows()[slow].shown_why(true);
    assert!(why.contains("waiting 7 s"), "{why}");
    assert_eq!(app.rows()[slow].standing(true), Condition::Waiting);
    assert!(
        header.contains("9 devices: 2 ready (1 with warnings), 6 failing, 0 probing, 1 waiting"),
        "{header}"
    );
    let counts = app.model().counts.clone();
    assert_eq!((counts.waiting, counts.failing, counts.ready), (1, 6, 2));
    // Every row's standing agrees with the words it shows.
    for (i, row) in app.rows().iter().enumerate() {
        let (kind, why) = row.shown_why(true);
        let standing = row.standing(true);
        let agrees = match standing {
            Condition::Waiting => why.contains("waiting ") && kind == WhyKind::Warn,
            Condition::Ready => matches!(kind, WhyKind::Ready | WhyKind::Warn),
            Condition::Failing(_) => kind == WhyKind::Fail,
            Condition::Running | Condition::Pending => false,
        };
        assert!(agrees, "{i}: {standing:?} but the row says {kind:?} {why}");
    }
    // Grouped, the waiting device has its own group, not "fail at banner".
    char_key(&mut app, 'b');
    let groups: Vec<TableLine> = app
        .model()
        .lines
        .iter()
        .copied()
        .filter(|l| matches!(l, TableLine::Group { .. }))
        .collect();
    assert!(
        groups.contains(&TableLine::Group {
            outcome: Condition::Waiting,
            count: 1
        }),
        "{groups:?}"
    );
    char_key(&mut app, 'b');

    // `w` off: the rows say the probe's failure again, and so does the header.
    char_key(&mut app, 'w');
    assert!(!app.watching());
    let screen = render_to_string(&mut app, 120, 40);
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("7 failing, 0 probing, 0 waiting"),
        "{header}"
    );
    assert!(!header.contains("watching"), "{header}");
}

/// Watch mode is visible: the header says so (also at 80 columns, where the counts give up
/// their title to make room) and the hint bar offers `w`.
#[test]
fn watch_mode_is_visible_in_the_header_and_the_hints() {
    for (w, h) in SIZES {
        let mut app = fixtures::watching_app();
        let screen = render_to_string(&mut app, w, h);
        let header = screen.lines().next().unwrap_or_default();
        assert!(header.contains("◷ watching"), "{w}x{h}: {header}");
        assert!(header.contains("1 waiting"), "{w}x{h}: {header}");
        let hints = screen.lines().last().unwrap_or_default();
        assert!(hints.contains("w watch"), "{w}x{h}: {hints}");
        let mut off = finished_app();
        let screen = render_to_string(&mut off, w, h);
        assert!(!screen.contains("watching"), "{w}x{h}: {screen}");
        char_key(&mut off, 'w');
        let screen = render_to_string(&mut off, w, h);
        assert!(
            screen
                .lines()
                .next()
                .unwrap_or_default()
                .contains("◷ watching")
        );
    }
}

#[test]
fn snapshot_dashboard_reloaded() {
    snapshot_both_sizes("dashboard_reloaded", fixtures::reloaded_app);
}

#[test]
fn a_reload_adds_rows_hides_removed_ones_and_says_so() {
    use crate::model::WatchEvent;
    use crate::tui::app::Notice;
    let mut app = fixtures::watching_app();
    let fleet = fixtures::fleet().len();
    let closed = index_of(&fixtures::closed_port().name);
    select(&mut app, &fixtures::closed_port().name);
    assert_eq!(app.model().counts.total, fleet);

    fixtures::reload(&mut app);
    let shown = app.visible_devices();
    assert!(shown.contains(&fleet), "the added device has a row");
    assert!(!shown.contains(&closed), "the removed device is hidden");
    assert_eq!(app.model().counts.total, fleet, "one in, one out");
    assert_eq!(app.rows()[fleet].report.name, "leaf9");
    assert_eq!(app.rows()[fleet].address(), "127.0.0.40:22");
    let selected = app.selected_device().expect("a selection");
    assert_ne!(selected, closed, "the selection left the removed device");
    assert_eq!(
        app.notice(),
        Some(&Notice::Info(
            "inventory reloaded: 1 added, 1 removed".into()
        ))
    );

    // The device comes back (same index): shown again, with its new address.
    let mut back = fixtures::slow_boot_watch();
    back.name = fixtures::closed_port().name;
    back.host = "127.0.0.99".into();
    app.apply(Event::Watch(Box::new(WatchEvent::Device {
        device: closed,
        status: back,
    })));
    assert!(app.visible_devices().contains(&closed));
    assert_eq!(app.rows()[closed].address(), "127.0.0.99:22");

    // A file that does not parse leaves the rows alone and says why, terminal-safe.
    app.apply(Event::Watch(Box::new(WatchEvent::ReloadFailed {
        error: "lab.toml:3: expected `=`\x1b[2J".into(),
    })));
    match app.notice() {
        Some(Notice::Problem(text)) => {
            assert!(
                text.starts_with("inventory not reloaded: lab.toml:3:"),
                "{text}"
            );
            assert!(!text.contains('\x1b'), "{text:?}");
        }
        other => panic!("a problem notice, got {other:?}"),
    }
    assert_eq!(app.model().counts.total, fleet + 1);
}

#[test]
fn the_strip_keeps_the_last_eight_attempts() {
    let mut status = fixtures::slow_boot_watch();
    assert_eq!(status.attempts.len(), 11);
    let strip = super::device::history_strip(&status, super::device::STRIP_ATTEMPTS);
    assert_eq!(strip.chars().count(), 8);
    assert_eq!(strip, "▂▂▂▂▂▂▂▂");
    // The newest attempt is the strip's last bar.
    let mut newest = status.attempts.last().cloned().expect("an attempt");
    newest.reached = Some(Stage::Banner);
    status.attempts.push(newest);
    let strip = super::device::history_strip(&status, super::device::STRIP_ATTEMPTS);
    assert_eq!(strip, "▂▂▂▂▂▂▂▃");
}

#[test]
fn w_toggles_watch_mode_and_says_so() {
    let mut app = finished_app();
    assert!(!app.watching());
    assert_eq!(char_key(&mut app, 'w'), Action::ToggleWatch);
    assert!(app.watching());
    assert_eq!(char_key(&mut app, 'w'), Action::ToggleWatch);
    assert!(!app.watching());
    let app = finished_app().with_watching(true);
    assert!(app.watching());
}

#[test]
fn the_why_names_the_stage_once() {
    use super::device::stage_says;
    assert_eq!(
        stage_says(
            Stage::Auth,
            "authentication failed for admin: the server rejected password"
        ),
        "auth: authentication failed for admin: the server rejected password"
    );
    assert_eq!(
        stage_says(Stage::HostKey, "host key changed: known_hosts line 3"),
        "host key changed: known_hosts line 3"
    );
    assert_eq!(
        stage_says(Stage::Kex, "no common kex"),
        "kex: no common kex"
    );
}

/// Devices checked as different clients get a client column; stages run past a client
/// failure have their own mark.
#[test]
fn snapshot_dashboard_mixed_clients_and_stages_past_a_client_failure() {
    snapshot_both_sizes("dashboard_mixed_clients", fixtures::mixed_clients_app);
    let screen = render_to_string(&mut fixtures::mixed_clients_app(), 120, 40);
    assert!(screen.contains("client "), "{screen}");
    assert!(screen.contains("paramiko-5.1"), "{screen}");
    let legacy = screen
        .lines()
        .find(|l| l.contains("legacy-ssh"))
        .expect("the legacy row");
    assert!(
        legacy.contains('○') && legacy.contains('◇') && legacy.contains('⊗'),
        "{legacy}"
    );
}

/// The drill-down says which client the verdict is about and shows what the probe found past
/// the client's failure.
#[test]
fn snapshot_drilldown_past_a_client_failure() {
    // legacy-ssh sorts first, so it is selected.
    snapshot_both_sizes("drilldown_beyond", || {
        let mut app = fixtures::mixed_clients_app();
        press(&mut app, KeyCode::Enter);
        app
    });
    let mut app = fixtures::mixed_clients_app();
    press(&mut app, KeyCode::Enter);
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("OpenSSH 9.2p1"), "{screen}");
}

// ---- the dashboard at 80×24, 120×40 and wider (issue 16) -------------------------------

/// The lines under the table about the selected device: from "▶ name · " to the first blank
/// or the hint bar.
fn detail_block(screen: &str, name: &str) -> Vec<String> {
    let mut lines: Vec<&str> = screen.lines().collect();
    lines.pop();
    let start = lines
        .iter()
        .position(|l| l.starts_with(&format!("▶ {name} · ")))
        .unwrap_or_else(|| panic!("no detail for {name}:\n{screen}"));
    lines[start..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.to_string())
        .collect()
}

/// The detail lines joined as one text: equal to the words they wrap only if no word was cut.
fn joined(block: &[String]) -> String {
    block.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
}

/// The selected row's reason, what to do and the commands, wrapped at words at every size.
#[test]
fn the_selected_rows_detail_says_why_and_what_to_do_in_whole_words() {
    let report = fixtures::changed_host_key();
    let why = report.failure.as_ref().map(|f| f.message.clone()).unwrap();
    let sentence = crate::model::Reason::HostKeyChanged.sentence();
    let commands = "$ sshtriage known-hosts prune --host 172.20.20.13 \
                    $ sshtriage known-hosts accept junos-r3 /home/netops/lab/sshtriage.toml";
    for (w, h) in [(80, 24), (120, 40), (160, 40)] {
        let mut app = finished_app();
        select(&mut app, "junos-r3");
        let screen = render_to_string(&mut app, w, h);
        let block = detail_block(&screen, "junos-r3");
        assert_eq!(
            joined(&block),
            format!("▶ junos-r3 · {why} {sentence} {commands}"),
            "{w}x{h}:\n{screen}"
        );
        assert!(block.iter().all(|l| !l.contains('…')), "{w}x{h}: {block:?}");
    }
}

/// Too long for the room left: the last line shown ends in "…" after a whole word.
#[test]
fn a_detail_too_long_for_the_screen_is_cut_after_a_word() {
    // Twelve letters: a full 80-column line leaves no room for " …" after its last word.
    let word = "abcdefghijkl";
    let message = vec![word; 600].join(" ");
    let mut app = finished_app();
    let device = index_of("legacy-r2");
    let mut report = fixtures::legacy_kex();
    if let Some(f) = report.failure.as_mut() {
        f.message = message.clone();
    }
    app.apply(Event::Finished {
        device,
        report: Box::new(report),
    });
    select(&mut app, "legacy-r2");
    for (w, h) in SIZES {
        let screen = render_to_string(&mut app, w, h);
        let block = detail_block(&screen, "legacy-r2");
        let last = block.last().expect("a detail line");
        assert!(last.ends_with(" …"), "{w}x{h}: {last:?}");
        // Every word shown is whole: the text is the message's first words.
        let shown = joined(&block);
        let words = shown
            .trim_start_matches("▶ legacy-r2 · kex: ")
            .trim_end_matches(" …");
        assert!(
            words.split(' ').all(|w| w == word),
            "{w}x{h}: a word was cut: {block:?}"
        );
        // The table keeps its titles and five rows above it.
        let rows = screen.lines().filter(|l| l.contains(":22 ")).count();
        assert!(rows >= 5, "{w}x{h}:\n{screen}");
    }
}

/// The why column takes the free width: at 120 columns and wider a reason shows past where
/// the 3-letter stage titles used to cut it ("the server c…").
#[test]
fn the_why_column_takes_the_free_width() {
    let nxos = fixtures::wrong_password().name;
    for (w, h) in [(120, 40), (160, 40), (200, 40)] {
        let mut app = finished_app();
        let screen = render_to_string(&mut app, w, h);
        let row = screen
            .lines()
            .find(|l| l.contains(&nxos) && !l.starts_with("▶ nxos"))
            .expect("the row");
        assert!(
            row.contains("auth: password rejected for admin; the server can continue with"),
            "{w}x{h}: {row}"
        );
        let title = screen
            .lines()
            .find(|l| l.contains("device") && l.contains("why"))
            .expect("the titles");
        let why = title.find("why").unwrap_or(0);
        let time = title.find("time").unwrap_or(0);
        assert!(
            time - why >= 72,
            "{w}x{h}: the why column is narrow: {title}"
        );
    }
}

/// The bar at 80 columns offers what the selected row needs (its fix keys only when they
/// apply), always help, and says how many keys it left out, which help lists.
#[test]
fn the_hint_bar_offers_the_rows_keys_and_counts_what_it_leaves_out() {
    use super::keys::KeyAction;
    for device in fixtures::fleet() {
        for (w, h) in SIZES {
            let mut app = finished_app();
            select(&mut app, &device.name);
            let screen = render_to_string(&mut app, w, h);
            let bar = screen.lines().last().unwrap_or_default().to_string();
            let applies = |action| app.can(action);
            assert!(bar.contains("? help"), "{}: {bar}", device.name);
            assert!(
                bar.contains("Enter open") && bar.contains("r re-probe"),
                "{bar}"
            );
            assert_eq!(
                bar.contains("a fix algorithms"),
                applies(KeyAction::FixAlgorithms),
                "{} {w}: {bar}",
                device.name
            );
            assert_eq!(
                bar.contains("K fix known_hosts"),
                applies(KeyAction::FixHostKey),
                "{} {w}: {bar}",
                device.name
            );
            let offered: Vec<String> = Component::Dashboard
                .bindings()
                .iter()
                .filter(|b| applies(b.action))
                .filter_map(|b| b.hint.map(|hint| format!("{} {hint}", b.first_key_label())))
                .collect();
            let left_out = offered.iter().filter(|h| !bar.contains(h.as_str())).count();
            if left_out > 0 {
                assert!(
                    bar.contains(&format!("? help ({left_out} more)")),
                    "{} {w}: {bar}",
                    device.name
                );
            } else {
                assert!(!bar.contains("more)"), "{bar}");
            }
        }
    }
    // legacy-r2 needs the algorithm fix: the 80-column bar shows it (it did not before).
    let mut app = finished_app();
    select(&mut app, "legacy-r2");
    let screen = render_to_string(&mut app, 80, 24);
    let bar = screen.lines().last().unwrap_or_default();
    assert!(bar.contains("a fix algorithms"), "{bar}");
}

/// The watch indicator: the header says "◷ watching" while watch mode is on (the hint bar
/// keeps `w` at 80 columns), and nothing of it otherwise.
#[test]
fn the_watch_indicator_stays_visible_at_80_columns() {
    let mut app = fixtures::watching_app();
    select(&mut app, "legacy-r2");
    let screen = render_to_string(&mut app, 80, 24);
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .contains("◷ watching")
    );
    let bar = screen.lines().last().unwrap_or_default();
    assert!(
        bar.contains("a fix algorithms") && bar.contains("w watch"),
        "{bar}"
    );
    // The detail says where the watch stands, in full: the policy's sentence for a stop.
    let stopped = fixtures::wrong_password().name;
    select(&mut app, &stopped);
    let screen = render_to_string(&mut app, 80, 24);
    let block = joined(&detail_block(&screen, &stopped));
    let crate::model::WatchState::Stopped { why, .. } = fixtures::wrong_password_watch().state
    else {
        panic!("the fixture's watch stopped");
    };
    assert!(block.contains(&format!("◷ stopped: {why}")), "{block}");
}

/// The filter matches the text the row shows, in any case; watch mode's rows match what the
/// watch says, and `f` keeps the rows that say they fail.
#[test]
fn the_filter_matches_what_the_row_shows() {
    let mut app = finished_app();
    char_key(&mut app, '/');
    type_text(&mut app, "HOST KEY");
    assert_eq!(names(&mut app), ["junos-r3", "srl-spine1"]);
    press(&mut app, KeyCode::Esc);
    // The stage a row stands at, as its group says it.
    char_key(&mut app, '/');
    type_text(&mut app, "enable");
    let shown = names(&mut app);
    assert!(shown.contains(&"ios-r4".to_string()), "{shown:?}");
    press(&mut app, KeyCode::Esc);

    let mut app = fixtures::watching_app();
    let stopped = fixtures::wrong_password().name;
    char_key(&mut app, '/');
    type_text(&mut app, "stopped");
    assert_eq!(names(&mut app), std::slice::from_ref(&stopped));
    press(&mut app, KeyCode::Enter);
    // Out of watch mode the row says the probe's failure, which does not say "stopped".
    char_key(&mut app, 'w');
    assert!(names(&mut app).is_empty());
    char_key(&mut app, 'w');
    press(&mut app, KeyCode::Esc);

    // `f` in watch mode: vmx-boot's probe failed, but its row says it waits for the next
    // attempt; the stopped device fails.
    char_key(&mut app, 'f');
    let failing = names(&mut app);
    assert!(!failing.contains(&"vmx-boot".to_string()), "{failing:?}");
    assert!(failing.contains(&stopped), "{failing:?}");
    assert_eq!(
        failing.len(),
        app.model().counts.failing,
        "as the header counts"
    );
    // Out of watch mode it fails again, as its row then says.
    char_key(&mut app, 'w');
    assert!(names(&mut app).contains(&"vmx-boot".to_string()));
}

/// Every help entry shows whole at 80×24 (the warnings key too, when it is offered), and the
/// legend calls the stages stages.
#[test]
fn help_entries_are_whole_at_80x24() {
    for component in [Component::Dashboard, Component::Drilldown] {
        let mut app = fixtures::warned_app();
        if component == Component::Drilldown {
            press(&mut app, KeyCode::Enter);
        }
        char_key(&mut app, '?');
        let help = render_to_string(&mut app, 80, 24);
        let inside: Vec<&str> = help
            .lines()
            .filter_map(|l| l.split_once('│').map(|(_, rest)| rest))
            .collect();
        let flat = inside
            .iter()
            .map(|l| l.trim_end_matches(|c: char| c != '│').trim_end_matches('│'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!flat.contains('…'), "{component:?} cut an entry:\n{help}");
        for binding in component.bindings() {
            // Wrapped entries read whole once the lines are joined.
            let words: Vec<&str> = binding.help.split(' ').collect();
            assert!(
                words.iter().all(|w| flat.contains(w)),
                "{component:?}: {} is cut:\n{help}",
                binding.help
            );
        }
        if component == Component::Dashboard {
            for binding in component.bindings() {
                assert!(
                    help.contains(binding.help),
                    "{} not on one line:\n{help}",
                    binding.help
                );
            }
            assert!(help.contains("Stages   ban banner"), "{help}");
            assert!(!help.contains("Columns"), "{help}");
        }
    }
}

// ---- the warnings pane -------------------------------------------------------------------

#[test]
fn snapshot_warnings_pane() {
    snapshot_both_sizes("warnings_pane", || {
        let mut app = fixtures::reloaded_with_warnings_app();
        char_key(&mut app, 'W');
        app
    });
}

/// `W` is offered (bar and help) only when something warned; the pane lists every warning
/// with its file:line, scrolls, and closes with Esc.
#[test]
fn the_warnings_pane_lists_every_load_and_reload_warning() {
    // Nothing warned: no key, no pane.
    let mut app = finished_app();
    let screen = render_to_string(&mut app, 120, 40);
    assert!(!screen.contains("W warnings"), "{screen}");
    char_key(&mut app, 'W');
    assert_eq!(app.component(), Component::Dashboard);
    char_key(&mut app, '?');
    let help = render_to_string(&mut app, 120, 40);
    assert!(!help.contains("inventory warnings"), "{help}");

    // Loading warned: the header says how many, the bar and help offer W.
    let mut app = fixtures::warned_app();
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("inventory loaded: 3 warnings"), "{screen}");
    assert!(
        screen.lines().last().unwrap().contains("W warnings"),
        "{screen}"
    );
    char_key(&mut app, 'W');
    assert_eq!(app.component(), Component::Warnings);
    let pane = render_to_string(&mut app, 120, 40);
    for warning in fixtures::load_warnings() {
        let place = warning.split(": ").next().unwrap();
        assert!(pane.contains(place), "{place}:\n{pane}");
    }
    assert!(pane.contains("Warnings · 3"), "{pane}");
    assert!(pane.contains("when the inventory was loaded"), "{pane}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.component(), Component::Dashboard);
    assert_eq!(app.ui().warnings, None);

    // A reload adds its own (the header says so); at 80×24 they scroll.
    let mut app = fixtures::reloaded_with_warnings_app();
    let screen = render_to_string(&mut app, 120, 40);
    assert!(
        screen.contains("inventory reloaded: 1 changed, 15 warnings"),
        "{screen}"
    );
    char_key(&mut app, 'W');
    let top = render_to_string(&mut app, 80, 24);
    assert!(top.contains("Warnings · 18"), "{top}");
    assert!(top.contains("hosts.yml:3:"), "{top}");
    assert!(!top.contains("lab.toml:45:"), "the last is below:\n{top}");
    char_key(&mut app, 'G');
    let bottom = render_to_string(&mut app, 80, 24);
    assert!(bottom.contains("lab.toml:45:"), "{bottom}");
    assert!(bottom.contains("at the last reload"), "{bottom}");
    assert!(!bottom.contains("hosts.yml:3:"), "{bottom}");
    char_key(&mut app, 'g');
    assert!(render_to_string(&mut app, 80, 24).contains("hosts.yml:3:"));
    char_key(&mut app, 'W');
    assert_eq!(app.component(), Component::Dashboard);
}

/// A failed reload is in the pane too, with the whole error the header had to cut; text
/// from the files is cleaned.
#[test]
fn warnings_from_files_cannot_reach_the_terminal_as_escapes() {
    use crate::model::WatchEvent;
    let mut app = finished_app().with_load_warnings(&["lab.toml:2: \u{1b}[2Jevil\u{7}".into()]);
    app.apply(Event::Watch(Box::new(WatchEvent::ReloadFailed {
        error: "lab.toml:9: expected `=` after the key `port` in the device table \u{1b}]0;x"
            .into(),
    })));
    char_key(&mut app, 'W');
    for (w, h) in [(80, 24), (120, 40), (30, 10), (19, 5), (1, 1)] {
        let screen = render_to_string(&mut app, w, h);
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "{screen:?}"
        );
    }
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("␛[2Jevil"), "{screen}");
    assert!(screen.contains("the last reload failed"), "{screen}");
    assert!(
        screen.contains("after the key `port` in the device table"),
        "{screen}"
    );
}

/// The header's reload notice, cut to half the width, ends after a whole word; the pane has
/// all of it.
#[test]
fn the_reload_notice_is_cut_after_a_word() {
    let mut app = fixtures::reloaded_with_warnings_app();
    let screen = render_to_string(&mut app, 80, 24);
    let second = screen.lines().nth(1).unwrap_or_default();
    assert!(
        second.ends_with("inventory reloaded: 1 changed, 15 …"),
        "{second}"
    );
}

// ---- the drill-down (issue 16) -----------------------------------------------------------

/// The rows inside the bordered pane titled `title` (the text between its side borders,
/// trailing spaces trimmed) and its bottom border, where the scroll position shows.
fn pane(screen: &str, title: &str) -> (Vec<String>, String) {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    for (i, line) in lines.iter().enumerate() {
        let text: String = line.iter().collect();
        let Some(byte) = [format!("┌ {title} "), format!("┌ ▸ {title} ")]
            .iter()
            .find_map(|t| text.find(t.as_str()))
        else {
            continue;
        };
        let left = text[..byte].chars().count();
        let Some(right) = (left + 1..line.len()).find(|&c| line[c] == '┐') else {
            continue;
        };
        let mut rows = Vec::new();
        for l in &lines[i + 1..] {
            if l.get(left) == Some(&'└') {
                let bottom: String = l[left..=right.min(l.len() - 1)].iter().collect();
                return (rows, bottom);
            }
            let inner: String = l
                .get(left + 1..right.min(l.len()))
                .unwrap_or_default()
                .iter()
                .collect();
            rows.push(inner.trim_end().to_string());
        }
    }
    panic!("no pane titled {title:?} in\n{screen}");
}

/// The evidence rows of the drill-down on screen, each without its one cell of padding.
fn evidence_rows(screen: &str) -> Vec<String> {
    let (rows, _) = pane(screen, "Evidence");
    rows.iter()
        .map(|r| r.strip_prefix(' ').unwrap_or(r).to_string())
        .collect()
}

/// `app` with its evidence pane scrolled until its first row starts with `start`, or as far
/// as it goes with that row in view.
fn scrolled_to(mut app: App, start: &str, w: u16, h: u16) -> App {
    press(&mut app, KeyCode::Tab);
    for _ in 0..300 {
        let screen = render_to_string(&mut app, w, h);
        let rows = evidence_rows(&screen);
        let before = app.ui().evidence_scroll;
        if rows.first().is_some_and(|r| r.starts_with(start)) {
            return app;
        }
        char_key(&mut app, 'j');
        render_to_string(&mut app, w, h);
        if app.ui().evidence_scroll == before && rows.iter().any(|r| r.starts_with(start)) {
            return app;
        }
    }
    panic!("no evidence row starting {start:?}");
}

fn snapshot_sizes(name: &str, make: impl Fn(u16, u16) -> App) {
    for (w, h) in SIZES {
        let mut app = make(w, h);
        let screen = render_to_string(&mut app, w, h);
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

/// The drill-down opens on the failing stage's section (watch mode's history after it) and
/// on the transcript's end, where the device said "% Access denied"; the keys scroll from
/// there.
#[test]
fn the_drilldown_opens_on_the_failing_stage_and_the_transcript_end() {
    for (w, h) in SIZES {
        let mut app = drilled("ios-r4");
        let screen = render_to_string(&mut app, w, h);
        let evidence = evidence_rows(&screen);
        assert!(evidence[0].starts_with("── Enable"), "{screen}");
        assert!(evidence[1].starts_with("mode") && evidence[1].ends_with("not privileged"));
        let (transcript, bottom) = pane(&screen, "Transcript");
        assert!(
            transcript.iter().any(|r| r.ends_with("← % Access denied")),
            "{screen}"
        );
        let last = transcript.iter().rev().find(|r| !r.is_empty());
        assert!(
            last.is_some_and(|r| r.ends_with("still unprivileged after the enable secret")),
            "{screen}"
        );
        let scroll = app.ui().transcript_scroll;
        if (w, h) == (80, 24) {
            assert!(bottom.contains("6–10 of 10"), "{bottom}");
            char_key(&mut app, 'k');
            let screen = render_to_string(&mut app, w, h);
            assert_eq!(app.ui().transcript_scroll, scroll - 1);
            assert!(pane(&screen, "Transcript").1.contains("5–9 of 10"));
        }
        press(&mut app, KeyCode::Tab);
        char_key(&mut app, 'j');
        let screen = render_to_string(&mut app, w, h);
        assert!(evidence_rows(&screen)[0].starts_with("mode"), "{screen}");

        // The kex failure's last words: no method in common.
        let mut app = drilled("legacy-r2");
        let screen = render_to_string(&mut app, w, h);
        let (transcript, _) = pane(&screen, "Transcript");
        assert!(
            transcript
                .iter()
                .any(|r| r.contains("no key exchange method in common")),
            "{screen}"
        );

        // In watch mode the failing stage's section still comes first, the history next.
        let mut app = drilled_watching("vmx-boot");
        let screen = render_to_string(&mut app, w, h);
        let evidence = evidence_rows(&screen);
        assert!(evidence[0].starts_with("── Banner"), "{screen}");
        let history = evidence.iter().position(|r| r.starts_with("── History"));
        assert!(history.is_some_and(|i| i > 0), "{screen}");
    }
}

/// A reason longer than the pane at 80×24 is wrapped at word boundaries and scrolls (Tab
/// reaches the pane); every word of it can be read whole. At 120×40 the pane grows to it.
#[test]
fn a_long_reason_wraps_whole_words_and_scrolls_at_80x24() {
    let report = fixtures::long_reason();
    let message = report.failure.as_ref().map(|f| f.message.clone());
    let words: Vec<String> = message
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    for (w, h) in SIZES {
        let mut app = fixtures::app_of(vec![report.clone()]);
        press(&mut app, KeyCode::Enter);
        let mut seen: Vec<String> = Vec::new();
        let screen = render_to_string(&mut app, w, h);
        let (rows, bottom) = pane(&screen, "Diagnosis");
        seen.extend(rows);
        if (w, h) == (80, 24) {
            assert!(bottom.contains("1–4 of 7"), "{screen}");
            // The advice stays in view below the part that scrolls.
            assert!(seen[4].starts_with(" The server refused"), "{screen}");
            // Evidence, then the diagnosis; j shows the rest.
            press(&mut app, KeyCode::Tab);
            press(&mut app, KeyCode::Tab);
            for _ in 0..10 {
                char_key(&mut app, 'j');
                let screen = render_to_string(&mut app, w, h);
                seen.extend(pane(&screen, "Diagnosis").0);
            }
        } else {
            assert!(!bottom.contains(" of "), "{screen}");
        }
        // A list written without spaces may break after its commas, nowhere else.
        let tokens: Vec<&str> = seen
            .iter()
            .flat_map(|r| r.split_whitespace())
            .flat_map(|t| t.split_inclusive(','))
            .collect();
        for word in &words {
            for piece in word.split_inclusive(',') {
                assert!(
                    tokens.contains(&piece),
                    "{piece:?} of {word:?} is not whole in the diagnosis at {w}x{h}: {seen:#?}"
                );
            }
        }
        assert!(!tokens.contains(&"…"), "{seen:#?}");
    }
    // The sentence and the commands stay in view below the headline (whose algorithm list
    // breaks after its commas, so it fits in three lines).
    let mut app = fixtures::mixed_clients_app();
    press(&mut app, KeyCode::Enter);
    let screen = render_to_string(&mut app, 80, 24);
    let (rows, _) = pane(&screen, "Diagnosis");
    assert!(
        rows[1].ends_with("diffie-hellman-group14-sha1,"),
        "{screen}"
    );
    assert!(rows[3].starts_with(" Your client enables none"), "{screen}");
    assert!(
        rows.last()
            .is_some_and(|r| r.contains("$ sshtriage fix algorithms legacy-r2")),
        "{screen}"
    );
}

#[test]
fn snapshot_drilldown_long_reason() {
    let open = || {
        let mut app = fixtures::app_of(vec![fixtures::long_reason()]);
        press(&mut app, KeyCode::Enter);
        app
    };
    snapshot_both_sizes("drilldown_long_reason", open);
    snapshot_sizes("drilldown_long_reason_scrolled", |w, h| {
        let mut app = open();
        render_to_string(&mut app, w, h);
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        char_key(&mut app, 'G');
        app
    });
}

/// A field without a value is left out: the tarpit sent no identification line, so there is
/// no `raw` and no `parsed`, only the text it sent instead.
#[test]
fn no_evidence_field_is_an_empty_label() {
    let bare = [
        "raw",
        "parsed",
        "address",
        "yours",
        "why",
        "reads",
        "problem",
        "offered",
        "banner",
        "profile",
        "prompt",
        "mode",
        "turn on",
        "before it",
        "presented",
        "verdict",
        "on file",
        "shared",
        "announced",
    ];
    let mut reports = fixtures::fleet();
    reports.push(fixtures::legacy_for_openssh());
    reports.push(fixtures::announced_keys());
    for report in reports {
        for w in [80, 120] {
            let mut app = fixtures::app_of(vec![report.clone()]);
            press(&mut app, KeyCode::Enter);
            let screen = render_to_string(&mut app, w, 400);
            for row in evidence_rows(&screen) {
                assert!(
                    !bare.contains(&row.trim()),
                    "{}: a bare label {row:?}\n{screen}",
                    report.name
                );
                assert!(!row.contains("protocol · software"), "{screen}");
            }
        }
    }
}

#[test]
fn snapshot_drilldown_tarpit() {
    snapshot_both_sizes("drilldown_tarpit", || drilled("tarpit-1"));
}

/// The watching app with the slow image's watch over minutes.
fn late_watching() -> App {
    let mut app = fixtures::watching_app();
    app.apply(Event::Watch(Box::new(crate::model::WatchEvent::Device {
        device: index_of("vmx-boot"),
        status: fixtures::late_boot_watch(),
    })));
    select(&mut app, "vmx-boot");
    press(&mut app, KeyCode::Enter);
    app
}

/// The attempts are a table: "at" right-aligned, the stage reached, the time taken
/// right-aligned, the outcome, each column starting in the same cell on every row whatever
/// the widths of "5 s" and "2 min 10 s", "0.4ms" and "10s".
#[test]
fn watch_attempts_line_up() {
    for w in [80, 120] {
        let mut app = late_watching();
        let screen = render_to_string(&mut app, w, 400);
        let rows = evidence_rows(&screen);
        let header = rows
            .iter()
            .position(|r| {
                r.split_whitespace().collect::<Vec<_>>() == ["at", "reached", "took", "outcome"]
            })
            .unwrap_or_else(|| panic!("no attempts header in\n{screen}"));
        let attempts = &rows[header + 1..header + 5];
        let at_end = rows[header].find("at").map(|i| i + 2);
        let took_end = rows[header].find("took").map(|i| i + 4);
        let reached = rows[header].find("reached");
        let outcome = rows[header].find("outcome");
        for row in attempts {
            let cells: Vec<char> = row.chars().collect();
            for end in [at_end, took_end].into_iter().flatten() {
                assert!(
                    cells[end - 1] != ' ' && cells[end] == ' ',
                    "{row:?} ends a column at {end}\n{screen}"
                );
            }
            for start in [reached, outcome].into_iter().flatten() {
                assert!(
                    cells[start] != ' ' && cells[start - 1] == ' ',
                    "{row:?} starts a column at {start}\n{screen}"
                );
            }
        }
        assert!(
            attempts.iter().any(|r| r.contains("2 min 10 s")),
            "{screen}"
        );
        assert!(attempts.iter().any(|r| r.contains("0.4ms")), "{screen}");
    }
}

#[test]
fn snapshot_drilldown_history_attempts() {
    snapshot_sizes("drilldown_history_attempts", |w, h| {
        let app = late_watching();
        let first = if h < 30 { "attempts" } else { "── History" };
        scrolled_to(app, first, w, h)
    });
}

/// Watch data kept after watch mode is switched off is not shown: the drill-down is the
/// probe's, like the row (no history, "failed at banner"); a single run never had any.
#[test]
fn the_history_is_shown_only_in_watch_mode() {
    for (w, h) in SIZES {
        let mut app = fixtures::watching_app();
        char_key(&mut app, 'w');
        assert!(!app.watching());
        select(&mut app, "vmx-boot");
        press(&mut app, KeyCode::Enter);
        let screen = render_to_string(&mut app, w, 400);
        assert!(!screen.contains("History"), "{screen}");
        assert!(
            screen
                .lines()
                .next()
                .is_some_and(|l| l.contains("failed at banner after 10s"))
        );
        let mut app = drilled_watching("vmx-boot");
        let screen = render_to_string(&mut app, w, 400);
        assert!(screen.contains("── History"), "{screen}");
        let _ = h;
    }
}

#[test]
fn snapshot_drilldown_watch_off() {
    snapshot_both_sizes("drilldown_watch_off", || {
        let mut app = fixtures::watching_app();
        char_key(&mut app, 'w');
        select(&mut app, "vmx-boot");
        press(&mut app, KeyCode::Enter);
        app
    });
}

/// A kex failure as the engine reports it: the stages after kex skipped, each saying so.
fn skipped_after_kex() -> DeviceReport {
    let mut report = fixtures::legacy_kex();
    for stage in &Stage::ALL[Stage::HostKey.index()..] {
        report.stages.push(crate::model::StageResult {
            stage: *stage,
            status: crate::model::Status::Skip,
            elapsed_ms: 0.0,
            reason: crate::model::Reason::parse(*stage, "not_reached"),
            detail: "not run: kex failed".into(),
            beyond: None,
            commands: Vec::new(),
        });
    }
    report
}

/// A label is always followed by a space before its value, the longest stage label
/// ("- host key") included.
#[test]
fn every_label_has_a_space_before_its_value() {
    let mut reports = fixtures::fleet();
    reports.extend([
        fixtures::legacy_for_openssh(),
        fixtures::announced_keys(),
        skipped_after_kex(),
    ]);
    for report in reports {
        for w in [80, 120] {
            let mut app = fixtures::app_of(vec![report.clone()]);
            press(&mut app, KeyCode::Enter);
            let screen = render_to_string(&mut app, w, 400);
            for row in evidence_rows(&screen) {
                for stage in Stage::ALL {
                    for glyph in ["✓", "!", "✗", "-", "◇", "○", "⊗"] {
                        let label = format!("{glyph} {}", stage.name());
                        if let Some(rest) = row.strip_prefix(&label) {
                            if rest.starts_with('_') {
                                continue; // "auth" is the start of "auth_methods"
                            }
                            assert!(
                                rest.is_empty() || rest.starts_with(' '),
                                "{}: {row:?}\n{screen}",
                                report.name
                            );
                        }
                    }
                }
            }
            assert!(!screen.contains("host keynot"), "{screen}");
        }
    }
}

#[test]
fn snapshot_drilldown_skipped_labels() {
    snapshot_sizes("drilldown_skipped_labels", |w, h| {
        let mut app = fixtures::app_of(vec![skipped_after_kex()]);
        press(&mut app, KeyCode::Enter);
        scrolled_to(app, "── Host key", w, h)
    });
}

/// In watch mode the title says what the row says (the watch's state), not the last probe's
/// "failed at banner".
#[test]
fn in_watch_mode_the_title_has_the_rows_words() {
    for name in ["vmx-boot", "ios-r1", "nxos-sw2"] {
        let mut app = drilled_watching(name);
        let status = app.rows()[index_of(name)].watch.clone();
        let (_, words) = super::device::watch_state(status.as_ref().expect("watched"));
        let screen = render_to_string(&mut app, 120, 40);
        let title = screen.lines().next().unwrap_or_default().to_string();
        assert!(title.contains(&words), "{title:?} lacks {words:?}");
        assert!(!title.contains("failed at"), "{title}");
    }
    let mut app = drilled_watching("vmx-boot");
    let title = render_to_string(&mut app, 80, 24);
    assert!(
        title.starts_with(" ! vmx-boot  172.20.20.17:22  waiting 7 s"),
        "{title}"
    );
}

/// The host keys the server announced after login: each type and fingerprint, whole, the
/// fingerprints in one column, the presented one and the unproven ones marked.
#[test]
fn the_announced_host_keys_are_shown() {
    let report = fixtures::announced_keys();
    let announced = report
        .host_key
        .as_ref()
        .map(|h| h.announced.clone())
        .unwrap_or_default();
    for w in [80, 120] {
        let mut app = fixtures::app_of(vec![report.clone()]);
        press(&mut app, KeyCode::Enter);
        let screen = render_to_string(&mut app, w, 400);
        let rows = evidence_rows(&screen);
        let at = rows
            .iter()
            .position(|r| r.starts_with("announced"))
            .unwrap_or_else(|| panic!("no announced keys in\n{screen}"));
        assert!(rows[at].contains("3 keys after login"), "{screen}");
        let shown = &rows[at + 1..];
        let mut columns = Vec::new();
        for key in &announced {
            let row = shown
                .iter()
                .position(|r| r.trim_start().starts_with(&key.algorithm))
                .unwrap_or_else(|| panic!("{} not shown\n{screen}", key.algorithm));
            let fp = shown[row..=row + 1]
                .iter()
                .find_map(|r| r.find(&key.fingerprint))
                .unwrap_or_else(|| panic!("{} not whole\n{screen}", key.fingerprint));
            columns.push(fp);
            let marks = shown[row].clone();
            assert_eq!(
                marks.contains("= presented"),
                key.fingerprint
                    == report
                        .host_key
                        .as_ref()
                        .map_or(String::new(), |h| h.fingerprint.clone()),
                "{marks}"
            );
            assert_eq!(marks.contains("not proven"), !key.proven, "{marks}");
        }
        assert!(
            columns.windows(2).all(|c| c[0] == c[1]),
            "{columns:?}\n{screen}"
        );
    }
    // The key types come from the device: cleaned like every device byte.
    let mut hostile = report.clone();
    if let Some(hk) = hostile.host_key.as_mut() {
        hk.announced[1].algorithm = "ecdsa\u{1b}[2J\u{1b}]0;pwned\u{7}".into();
    }
    let mut app = fixtures::app_of(vec![hostile]);
    press(&mut app, KeyCode::Enter);
    let screen = render_to_string(&mut app, 120, 400);
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "{screen:?}"
    );
    assert!(screen.contains("ecdsa␛[2J"), "{screen}");
}

#[test]
fn snapshot_drilldown_announced() {
    snapshot_sizes("drilldown_announced", |w, h| {
        let mut app = fixtures::app_of(vec![fixtures::announced_keys()]);
        press(&mut app, KeyCode::Enter);
        scrolled_to(app, "verdict", w, h)
    });
}

// ---- the fix dialog's copy-ready snippets ----------------------------------------------

/// The fix dialog's body rows as on screen: between its side borders and their padding,
/// trailing spaces trimmed (leading ones kept: they are a snippet's indentation).
fn dialog_rows(screen: &str) -> Vec<String> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, left, right)) = lines.iter().enumerate().find_map(|(i, l)| {
        let left = l
            .windows(6)
            .position(|w| w.iter().collect::<String>() == "┌ Fix ")?;
        let right = l[left..].iter().position(|&c| c == '┐')? + left;
        Some((i, left, right))
    }) else {
        return Vec::new();
    };
    lines[top + 1..]
        .iter()
        .take_while(|l| l.get(left) == Some(&'│'))
        .map(|l| {
            l[left + 2..right.min(l.len()).saturating_sub(1).max(left + 2)]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// From the top, down until the dialog's first row starts with `start`.
fn dialog_at(app: &mut App, start: &str, w: u16, h: u16) {
    char_key(app, 'g');
    for _ in 0..300 {
        let screen = render_to_string(app, w, h);
        if dialog_rows(&screen)
            .first()
            .is_some_and(|r| r.starts_with(start))
        {
            return;
        }
        press(app, KeyCode::Down);
    }
    panic!("no dialog row starts with {start:?}");
}

/// Every body row of the dialog, scrolling from the top to the end.
fn all_dialog_rows(app: &mut App, w: u16, h: u16) -> Vec<String> {
    char_key(app, 'g');
    let mut seen = Vec::new();
    let mut last = None;
    for _ in 0..300 {
        let rows = dialog_rows(&render_to_string(app, w, h));
        seen.extend(rows.clone());
        if last.as_ref() == Some(&rows) {
            return seen;
        }
        last = Some(rows);
        press(app, KeyCode::PageDown);
    }
    panic!("the dialog did not reach its end");
}

fn snapshot_sized(name: &str, make: impl Fn(u16, u16) -> App) {
    for (w, h) in SIZES {
        let mut app = make(w, h);
        let screen = render_to_string(&mut app, w, h);
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

#[test]
fn snapshot_fix_dialog_snippets() {
    snapshot_sized("fix_dialog_snippets", |w, h| {
        let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
        dialog_at(&mut app, "Copy-ready text", w, h);
        app
    });
}

#[test]
fn snapshot_fix_dialog_long_lines() {
    snapshot_sized("fix_dialog_long_lines", |w, h| {
        let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
        dialog_at(
            &mut app,
            "# host_vars/legacy-r2.yml (ansible_connection",
            w,
            h,
        );
        press(&mut app, KeyCode::Right);
        press(&mut app, KeyCode::Right);
        app
    });
}

#[test]
fn snapshot_fix_dialog_known_hosts_snippets() {
    snapshot_sized("fix_dialog_known_hosts_snippets", |_, _| {
        let mut app = proposed("junos-r3", 'K', fixtures::host_key_proposal());
        char_key(&mut app, 'G');
        app
    });
}

#[test]
fn snapshot_fix_dialog_written() {
    snapshot_both_sizes("fix_dialog_written", || {
        let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
        if let Some(dialog) = app.ui.dialog.as_mut() {
            dialog.written = Some(crate::tui::component::fix_dialog::Written::To(
                "/home/netops/lab/sshtriage-fix-legacy-r2-2.txt".into(),
            ));
        }
        app
    });
}

#[test]
fn snapshot_fix_dialog_client_cannot() {
    snapshot_both_sizes("fix_dialog_client_cannot", || {
        proposed("legacy-r2", 'a', fixtures::netmiko_cannot_proposal())
    });
}

#[test]
fn a_proposal_nothing_can_be_written_for_still_offers_the_snippets() {
    let proposal = fixtures::netmiko_cannot_proposal();
    assert!(
        proposal
            .blocked
            .as_deref()
            .is_some_and(|b| b.contains("Netmiko")),
        "{proposal:?}"
    );
    assert_eq!(proposal.snippets, fixtures::legacy_snippets());
    let mut app = proposed("legacy-r2", 'a', proposal);
    assert!(!app.can(super::KeyAction::Confirm));
    assert!(app.can(super::KeyAction::WriteSnippets));
    let rows = all_dialog_rows(&mut app, 120, 40);
    assert!(rows.iter().any(|r| r == "Copy-ready text"), "{rows:#?}");
    assert!(rows.iter().any(|r| r == "Host legacy-r2"), "{rows:#?}");
}

#[test]
fn the_dialog_offers_write_and_scroll_only_where_they_apply() {
    use super::KeyAction as A;
    let bar = |app: &mut App, w, h| {
        let screen = render_to_string(app, w, h);
        screen.lines().last().unwrap_or_default().to_string()
    };
    // junos-r3's repair fits at 120×40: nothing to scroll, nothing too wide.
    let mut app = proposed("junos-r3", 'K', fixtures::host_key_proposal());
    let hints = bar(&mut app, 120, 40);
    assert!(hints.contains("w write"), "{hints}");
    assert!(
        !hints.contains("scroll") && !hints.contains("long lines"),
        "{hints}"
    );
    let top = dialog_rows(&render_to_string(&mut app, 120, 40));
    assert_eq!(press(&mut app, KeyCode::Down), Action::None);
    assert_eq!(dialog_rows(&render_to_string(&mut app, 120, 40)), top);
    // At 80×24 it scrolls, and says where it is.
    let hints = bar(&mut app, 80, 24);
    assert!(hints.contains("↓ scroll"), "{hints}");
    let screen = render_to_string(&mut app, 80, 24);
    assert!(screen.contains("1–20 of 23"), "{screen}");
    char_key(&mut app, 'G');
    let rows = dialog_rows(&render_to_string(&mut app, 80, 24));
    assert_eq!(
        rows.last().map(String::as_str),
        Some("sshtriage known-hosts accept junos-r3 /home/netops/lab/sshtriage.toml")
    );
    char_key(&mut app, 'g');
    let rows = dialog_rows(&render_to_string(&mut app, 80, 24));
    assert_eq!(
        rows.first().map(String::as_str),
        Some("The device presents a new key")
    );

    // legacy-r2's Ansible line is wider than the dialog: cut at a →, never wrapped.
    let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
    let hints = bar(&mut app, 120, 40);
    assert!(hints.contains("→ long lines"), "{hints}");
    let rows = all_dialog_rows(&mut app, 120, 40);
    let ansible = rows
        .iter()
        .find(|r| r.starts_with("ansible_ssh_common_args: "))
        .expect("the Ansible line");
    assert_eq!(crate::tui::text::width(ansible), 96, "{ansible}");
    assert!(ansible.ends_with('→'), "{ansible}");
    let next = &rows[rows.iter().position(|r| r == ansible).unwrap() + 1];
    assert!(
        next.is_empty() || next.starts_with("──"),
        "not wrapped: {next}"
    );
    // → shows the rest, ← the start again.
    dialog_at(&mut app, "ansible_ssh_common_args: ", 120, 40);
    for _ in 0..20 {
        press(&mut app, KeyCode::Right);
    }
    let rows = dialog_rows(&render_to_string(&mut app, 120, 40));
    let end = "-o PubkeyAcceptedAlgorithms=+ssh-rsa -o Ciphers=+aes128-cbc\"";
    assert!(
        rows[0].starts_with('←') && rows[0].ends_with(end),
        "{rows:#?}"
    );
    char_key(&mut app, 'h');
    char_key(&mut app, 'h');
    for _ in 0..20 {
        press(&mut app, KeyCode::Left);
    }
    let rows = dialog_rows(&render_to_string(&mut app, 120, 40));
    assert!(
        rows[0].starts_with("ansible_ssh_common_args: \"-o Kex"),
        "{rows:#?}"
    );

    // No snippets while waiting or once the fix has run: w does nothing.
    let mut app = drilled("legacy-r2");
    char_key(&mut app, 'a');
    assert!(!app.can(A::WriteSnippets));
    assert_eq!(char_key(&mut app, 'w'), Action::None);
    app.apply(Event::FixProposed {
        device: index_of("legacy-r2"),
        proposal: Box::new(fixtures::algorithms_proposal()),
    });
    char_key(&mut app, 'y');
    assert!(app.can(A::WriteSnippets), "still shown while applying");
    app.apply(Event::FixFinished {
        device: index_of("legacy-r2"),
        outcome: Box::new(fixtures::algorithms_outcome()),
    });
    assert!(!app.can(A::WriteSnippets));
    assert_eq!(char_key(&mut app, 'w'), Action::None);
    let hints = bar(&mut app, 120, 40);
    assert!(!hints.contains("write"), "{hints}");
}

#[test]
fn the_paramiko_5_paragraph_is_shown_and_written_once_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
    let file = written_by_w(&mut app, dir.path(), "legacy-r2");
    let paragraph = "Paramiko 5 removed the SHA-1 key exchanges";
    assert_eq!(file.matches(paragraph).count(), 1, "{file}");
    assert!(
        file.contains("\n# ── Paramiko 5.0, Paramiko 5.1 · Ansible network_cli\n\
             ansible_connection: network_cli (Paramiko): Paramiko 5.0 and Paramiko 5.1 cannot connect: "),
        "{file}"
    );
    // On screen at both sizes: one title for both versions, none for either alone.
    for (w, h) in [(80, 24), (120, 40)] {
        let mut titles: Vec<String> = Vec::new();
        for row in all_dialog_rows(&mut app, w, h) {
            if row.starts_with("── Paramiko") && !titles.contains(&row) {
                titles.push(row);
            }
        }
        assert_eq!(
            titles,
            [
                "── Paramiko 3.5, Paramiko 4.0 · Ansible network_cli",
                "── Paramiko 5.0, Paramiko 5.1 · Ansible network_cli"
            ],
            "{w}x{h}"
        );
    }
}

#[test]
fn a_netmiko_device_the_dialog_cannot_fix_is_named_in_its_headline() {
    let mut app = proposed("legacy-r2", 'a', fixtures::netmiko_cannot_proposal());
    for (w, h) in [(80, 24), (120, 40)] {
        let rows = all_dialog_rows(&mut app, w, h);
        assert_eq!(
            rows[0], "Netmiko 4.8 (Paramiko 5.1) cannot connect",
            "{rows:#?}"
        );
        assert!(rows[2].starts_with("The device offers only"), "{rows:#?}");
        assert!(!rows.join(" ").contains("sshtriage cannot"), "{rows:#?}");
    }
}

/// `w` on legacy-r2's dialog, written into `dir`; the file's text.
fn written_by_w(app: &mut App, dir: &std::path::Path, device: &str) -> String {
    let Action::WriteSnippets(name) = char_key(app, 'w') else {
        panic!("w asks for no write");
    };
    assert_eq!(
        name,
        std::path::PathBuf::from(format!("sshtriage-fix-{device}.txt"))
    );
    let path = dir.join(&name);
    app.write_snippets(&path);
    std::fs::read_to_string(&path).expect("the snippets file")
}

#[test]
fn w_writes_exactly_the_snippets_shown() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
    let file = written_by_w(&mut app, dir.path(), "legacy-r2");
    let rows = all_dialog_rows(&mut app, 120, 40);
    let (head, sections) = file.split_once("\n\n# ── ").expect("a first title");
    assert_eq!(
        head,
        "# sshtriage fix · legacy algorithms · legacy-r2 (172.20.20.12:22)\n\
         # Copy-ready text: paste the lines under the title that names your client."
    );
    let sections: Vec<&str> = sections.split("\n\n# ── ").collect();
    let shown = fixtures::legacy_snippets();
    assert_eq!(sections.len(), shown.len(), "{file}");
    for (section, snippet) in sections.iter().zip(&shown) {
        let (title, body) = section.split_once('\n').expect("a title line");
        assert_eq!(title, snippet.title);
        let lines: Vec<&str> = body.lines().collect();
        let want: Vec<&str> = snippet.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines, want, "{title}");
        // On screen: the title, and each line to paste whole, or cut at a → where the
        // dialog ends (96 cells at 120×40).
        let title_row = format!("── {title}");
        assert!(
            rows.iter()
                .any(|r| title_row.starts_with(r.as_str()) && r.len() > 20),
            "{title_row}: {rows:#?}"
        );
        for line in snippet.lines.iter().filter(|l| l.paste) {
            let on_screen = if crate::tui::text::width(&line.text) <= 96 {
                line.text.clone()
            } else {
                format!("{}→", line.text.chars().take(95).collect::<String>())
            };
            assert!(rows.contains(&on_screen), "{on_screen}: {rows:#?}");
        }
    }
    let written = dir.path().join("sshtriage-fix-legacy-r2.txt");
    assert_eq!(
        app.ui().dialog.as_ref().and_then(|d| d.written.clone()),
        Some(crate::tui::component::fix_dialog::Written::To(
            written.display().to_string()
        ))
    );
    let screen = render_to_string(&mut app, 120, 40);
    assert!(
        screen.contains(&format!("✓ Wrote {}", written.display())),
        "{screen}"
    );
    assert_eq!(crate::atomic::testing::mode(&written), 0o644);
    assert_eq!(
        crate::atomic::testing::leftovers(dir.path()),
        Vec::<String>::new()
    );
}

#[test]
fn w_never_replaces_a_file_and_says_where_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let taken = dir.path().join("sshtriage-fix-junos-r3.txt");
    std::fs::write(&taken, "precious").unwrap();
    let mut app = proposed("junos-r3", 'K', fixtures::host_key_proposal());
    let expected = "# sshtriage fix · known_hosts · junos-r3 (172.20.20.13:22)\n\
        # Copy-ready text: paste the lines under the title that names your client.\n\
        \n\
        # ── Shell · by hand, as check prints it\n\
        sshtriage known-hosts prune --host 172.20.20.13\n\
        sshtriage known-hosts accept junos-r3 /home/netops/lab/sshtriage.toml\n";
    for n in 2..=3 {
        char_key(&mut app, 'w');
        app.write_snippets(&taken);
        let next = dir.path().join(format!("sshtriage-fix-junos-r3-{n}.txt"));
        assert_eq!(std::fs::read_to_string(&next).unwrap(), expected);
        assert_eq!(std::fs::read_to_string(&taken).unwrap(), "precious");
        let screen = render_to_string(&mut app, 120, 40);
        assert!(
            screen.contains(&format!("✓ Wrote {}", next.display())),
            "{screen}"
        );
    }
    // A directory that is not there: nothing written, and the dialog says why.
    app.write_snippets(&dir.path().join("gone/sshtriage-fix-junos-r3.txt"));
    let Some(crate::tui::component::fix_dialog::Written::Failed(why)) =
        app.ui().dialog.as_ref().and_then(|d| d.written.clone())
    else {
        panic!("{:?}", app.ui().dialog);
    };
    assert!(
        why.starts_with("cannot create a temporary file in"),
        "{why}"
    );
    let screen = render_to_string(&mut app, 80, 24);
    assert!(screen.contains("✗ Not written: cannot create"), "{screen}");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "sshtriage-fix-junos-r3-2.txt",
            "sshtriage-fix-junos-r3-3.txt",
            "sshtriage-fix-junos-r3.txt"
        ]
    );
}

#[test]
fn snippet_file_names_keep_to_safe_characters() {
    use crate::tui::component::fix_dialog::default_file_name;
    assert_eq!(
        default_file_name("legacy-r2"),
        "sshtriage-fix-legacy-r2.txt"
    );
    assert_eq!(
        default_file_name("../../etc/passwd"),
        "sshtriage-fix--..-etc-passwd.txt"
    );
    assert_eq!(default_file_name("..."), "sshtriage-fix-device.txt");
    assert_eq!(
        default_file_name("r1\n\u{1b}[2J"),
        "sshtriage-fix-r1---2J.txt"
    );
    assert_eq!(
        default_file_name(&"x".repeat(500)).len(),
        "sshtriage-fix-.txt".len() + 64
    );
}

/// The ssh_config block as written, title line included, is what the real `ssh -G -F FILE
/// legacy-r2` reads: the host, port and user, and every algorithm added.
#[test]
fn the_written_ssh_config_snippet_is_read_by_the_real_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = proposed("legacy-r2", 'a', fixtures::algorithms_proposal());
    let file = written_by_w(&mut app, dir.path(), "legacy-r2");
    let section = file
        .split("\n\n")
        .find(|s| {
            s.starts_with("# ── ")
                && s.lines()
                    .next()
                    .is_some_and(|t| t.ends_with("· ~/.ssh/config"))
        })
        .expect("an ssh_config block");
    let ssh = crate::fix::ssh_config_edit::tests::ssh_g_text;
    let printed = ssh(section, "legacy-r2");
    assert_eq!(printed["hostname"], "172.20.20.12");
    assert_eq!(printed["port"], "22");
    assert_eq!(printed["user"], "netops");
    let without = ssh("", "legacy-r2");
    for (option, name) in [
        ("kexalgorithms", "diffie-hellman-group14-sha1"),
        ("hostkeyalgorithms", "ssh-rsa"),
        ("pubkeyacceptedalgorithms", "ssh-rsa"),
        ("ciphers", "aes128-cbc"),
    ] {
        let list = |printed: &std::collections::BTreeMap<String, String>| {
            printed[option].split(',').any(|n| n == name)
        };
        assert!(list(&printed), "{option} without {name}: {section}");
        assert!(!list(&without), "ssh has {name} in {option} already");
    }
}

#[test]
fn snippet_text_reaches_neither_the_terminal_nor_the_file_as_escapes() {
    let mut proposal = fixtures::host_key_proposal();
    proposal.snippets[0].title = "evil\u{1b}]0;x\u{7}".into();
    proposal.snippets[0].lines[0].text = "\u{1b}[2Jrm -rf\r\n".into();
    let mut app = proposed("junos-r3", 'K', proposal);
    for (w, h) in [(80, 24), (120, 40), (30, 10)] {
        char_key(&mut app, 'G');
        let screen = render_to_string(&mut app, w, h);
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "{screen:?}"
        );
    }
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("␛[2Jrm -rf"), "{screen}");
    let dir = tempfile::tempdir().unwrap();
    let file = written_by_w(&mut app, dir.path(), "junos-r3");
    assert!(
        !file.chars().any(|c| c.is_control() && c != '\n'),
        "{file:?}"
    );
    assert!(file.contains("\n# ── evil␛]0;x"), "{file}");
    assert!(file.contains("\n␛[2Jrm -rf"), "{file}");
}

// ---- the header line on narrow terminals ------------------------------------------------

#[test]
fn the_counts_line_never_cuts_a_word_whatever_the_width() {
    let whole = [
        "sshtriage",
        "·",
        "9",
        "devices:",
        "2",
        "ready,",
        "7",
        "failing,",
        "failing",
        "0",
        "probing,",
        "probing",
        "waiting",
        "sort:",
        "name",
    ];
    for width in 44..=90 {
        let mut app = crate::tui::fixtures::finished_app();
        let screen = render_to_string(&mut app, width, 24);
        let first = screen.lines().next().unwrap_or_default();
        for word in first.split_whitespace() {
            assert!(
                whole.contains(&word),
                "{width} columns: {word:?} in {first:?}"
            );
        }
        assert!(first.contains("7 failing"), "{width} columns: {first:?}");
        assert!(
            first.trim_end().ends_with("sort: name"),
            "{width}: {first:?}"
        );
    }
}
