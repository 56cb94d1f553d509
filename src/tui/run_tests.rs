//! Saved runs in the dashboard: `sshtriage view`'s read-only screens (snapshots at 80×24 and
//! 120×40), and saving a live run with `S`.

use crossterm::event::KeyCode;

use super::app::{Action, App, SaveDialog, Screen};
use super::fixtures::{self, finished_app, index_of};
use super::keys::{Component, KeyAction};
use super::tests::{char_key, press, snapshot_both_sizes, type_text};
use super::{ManualClock, render_to_string};
use crate::model::DeviceReport;
use crate::run::{Run, RunInputs, Timestamp};

/// The fixture fleet as a file says it was taken: 2025-06-01 12:00:03 UTC, 8.4 s, from
/// lab.toml and one --host.
fn saved_run(devices: Vec<DeviceReport>) -> Run {
    Run {
        version: 1,
        started_at: Some(Timestamp::from_unix_ms(1_748_779_203_000)),
        finished_at: Some(Timestamp::from_unix_ms(1_748_779_211_400)),
        sshtriage_version: Some("0.1.0".into()),
        inputs: Some(RunInputs::new(
            "check",
            &["lab.toml".into()],
            &["admin@172.20.20.30".into()],
            &[],
        )),
        devices,
    }
}

fn viewed() -> App {
    App::saved(
        saved_run(fixtures::fleet()),
        std::path::Path::new("runs/monday.json"),
        Box::new(ManualClock::at_ms(0)),
    )
}

#[test]
fn snapshot_view_header() {
    snapshot_both_sizes("view_saved_run", viewed);
}

#[test]
fn snapshot_view_drilldown() {
    snapshot_both_sizes("view_saved_run_drilldown", || {
        let mut app = viewed();
        char_key(&mut app, 'r');
        press(&mut app, KeyCode::Enter);
        app
    });
}

#[test]
fn a_saved_run_shows_every_device_as_it_ended() {
    let mut app = viewed();
    assert!(app.read_only());
    assert_eq!(app.device_count(), fixtures::fleet().len());
    for (i, report) in fixtures::fleet().into_iter().enumerate() {
        assert_eq!(app.report(i), Some(&report));
    }
    assert!(!app.is_animating(), "nothing probes");
    let screen = render_to_string(&mut app, 200, 40);
    assert!(screen.contains("2 ready"), "{screen}");
    assert!(screen.contains("0 probing, 0 waiting"), "{screen}");
    assert!(
        screen.contains(
            "◆ runs/monday.json · taken 2025-06-01 12:00:03 UTC in 8.4s · from lab.toml, --host admin@172.20.20.30 · sshtriage 0.1.0"
        ),
        "{screen}"
    );
}

#[test]
fn an_older_file_without_run_fields_says_so() {
    let run = Run {
        started_at: None,
        finished_at: None,
        sshtriage_version: None,
        inputs: None,
        ..saved_run(fixtures::fleet())
    };
    let mut app = App::saved(run, "old.json".as_ref(), Box::new(ManualClock::default()));
    let screen = render_to_string(&mut app, 120, 40);
    assert!(
        screen.contains("◆ old.json · the file does not say when it was taken"),
        "{screen}"
    );
}

#[test]
fn filter_sort_group_and_drilldown_work_on_a_saved_run() {
    let mut app = viewed();
    char_key(&mut app, 'b');
    assert!(app.ui().options.grouped);
    char_key(&mut app, 's');
    char_key(&mut app, '/');
    type_text(&mut app, "legacy");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.visible_devices(), [index_of("legacy-r2")]);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.ui().screen, Screen::Drilldown(index_of("legacy-r2")));
    let drill = render_to_string(&mut app, 120, 40);
    assert!(drill.contains("no_common_kex"), "{drill}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.ui().screen, Screen::Dashboard);
}

#[test]
fn keys_that_would_probe_fix_or_save_say_read_only() {
    for key in ['r', 'R', 'w', 'a', 'K', 'S'] {
        for drill in [false, true] {
            let mut app = viewed();
            // On the device each fix is for, so only read-only can stop it.
            let name = if key == 'K' { "junos-r3" } else { "legacy-r2" };
            char_key(&mut app, '/');
            type_text(&mut app, name);
            press(&mut app, KeyCode::Enter);
            if drill {
                press(&mut app, KeyCode::Enter);
            }
            let event = crate::tui::keys::Key::Char(key).example();
            if app.component().lookup(&event).is_none() {
                continue;
            }
            let before = app.ui().clone();
            assert_eq!(char_key(&mut app, key), Action::None, "{key}");
            assert_eq!(app.ui(), &before, "{key} changed nothing");
            assert!(!app.watching());
            let screen = render_to_string(&mut app, 120, 40);
            assert!(screen.contains("read-only: a saved run"), "{key}: {screen}");
        }
    }
}

#[test]
fn hint_bar_and_help_leave_out_what_a_saved_run_cannot_do() {
    for component in [Component::Dashboard, Component::Drilldown] {
        let mut app = viewed();
        if component == Component::Drilldown {
            // A device both fixes would apply to, were the run live.
            char_key(&mut app, '/');
            type_text(&mut app, "legacy");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Enter);
        }
        assert_eq!(app.component(), component);
        let screen = render_to_string(&mut app, 200, 50);
        let bar = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
        // A saved run has no load warnings to show either.
        let offered = |b: &crate::tui::keys::Binding| {
            !b.action.acts() && b.action != crate::tui::KeyAction::ShowWarnings
        };
        for binding in component.bindings() {
            if let Some(hint) = binding.hint {
                let shown = bar.contains(&format!("{} {hint}", binding.first_key_label()));
                assert_eq!(shown, offered(binding), "{hint}: {bar}");
            }
        }
        char_key(&mut app, '?');
        let help = render_to_string(&mut app, 200, 50);
        assert!(
            help.contains("a saved run: nothing is probed, fixed or saved"),
            "{help}"
        );
        for binding in component.bindings() {
            assert_eq!(
                help.contains(binding.help),
                offered(binding),
                "{}: {help}",
                binding.help
            );
        }
    }
}

#[test]
fn text_from_a_saved_run_cannot_reach_the_terminal_as_escapes() {
    let mut report = fixtures::tarpit();
    report.name = "evil\u{1b}]0;pwned\u{7}".into();
    let mut run = saved_run(vec![report]);
    run.inputs = Some(RunInputs::new(
        "check",
        &["lab\u{1b}[2J.toml".into()],
        &[],
        &[],
    ));
    run.sshtriage_version = Some("0.1\u{9b}31m".into());
    let mut app = App::saved(
        run,
        "runs/\u{1b}[31mred.json".as_ref(),
        Box::new(ManualClock::default()),
    );
    let dashboard = render_to_string(&mut app, 200, 40);
    press(&mut app, KeyCode::Enter);
    let drill = render_to_string(&mut app, 120, 40);
    for screen in [&dashboard, &drill] {
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "{screen:?}"
        );
    }
    assert!(dashboard.contains("runs/␛[31mred.json"), "{dashboard}");
    assert!(dashboard.contains("from lab␛[2J.toml"), "{dashboard}");
    assert!(dashboard.contains("evil␛]0;pwned"), "{dashboard}");
}

// ---- saving a live run -----------------------------------------------------------------

#[test]
fn s_opens_the_save_dialog_with_a_default_name_and_enter_asks_to_save_it() {
    let mut app = finished_app();
    assert!(app.can(KeyAction::SaveRun));
    assert_eq!(char_key(&mut app, 'S'), Action::None);
    assert_eq!(app.component(), Component::SaveInput);
    let Some(SaveDialog::Editing(name)) = app.ui().save.clone() else {
        panic!("{:?}", app.ui().save);
    };
    let stamp = name
        .strip_prefix("sshtriage-run-")
        .and_then(|n| n.strip_suffix(".json"))
        .expect("sshtriage-run-YYYYMMDD-HHMMSS.json");
    assert!(
        stamp.len() == 15
            && stamp.char_indices().all(|(i, c)| if i == 8 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }),
        "{name}"
    );
    let screen = render_to_string(&mut app, 80, 24);
    assert!(screen.contains("Save run · 9 devices"), "{screen}");
    assert!(screen.contains(&format!("File › {name}")), "{screen}");
    // Ctrl-U clears, then a name of one's own.
    app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    type_text(&mut app, "monday.jsonx");
    press(&mut app, KeyCode::Backspace);
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Action::SaveRun("monday.json".into())
    );
    // An empty name takes the default.
    app.ui.save = Some(SaveDialog::Editing("  ".into()));
    let Action::SaveRun(path) = press(&mut app, KeyCode::Enter) else {
        panic!("no save");
    };
    assert!(path.to_string_lossy().starts_with("sshtriage-run-"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.ui().save, None);
    assert_eq!(app.component(), Component::Dashboard);
}

#[test]
fn a_saved_run_is_check_json_and_opens_again_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    let mut app = finished_app().with_run_inputs(RunInputs::new(
        "dashboard",
        &["lab.toml".into()],
        &[],
        &["172.20.20.0/28".into()],
    ));
    char_key(&mut app, 'S');
    app.save_run(&path);
    let Some(SaveDialog::Saved {
        path: shown,
        devices,
    }) = app.ui().save.clone()
    else {
        panic!("{:?}", app.ui().save);
    };
    assert_eq!(shown, path.display().to_string());
    assert_eq!(devices, 9);
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("✓ Saved 9 devices."), "{screen}");
    assert!(
        screen.contains(&format!("Written to {}", path.display())),
        "{screen}"
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.ui().save, None);

    let run = crate::run::load(&path).expect("the saved run loads");
    assert_eq!(run.devices, fixtures::fleet());
    let inputs = run.inputs.clone().unwrap();
    assert_eq!(inputs.command, "dashboard");
    assert_eq!(inputs.sources, ["lab.toml"]);
    assert_eq!(inputs.cidr, ["172.20.20.0/28"]);
    assert!(run.started_at.unwrap() <= run.finished_at.unwrap());
    assert_eq!(
        run.sshtriage_version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );

    // Viewing it shows the same rows as the live dashboard did.
    let live = render_to_string(&mut finished_app(), 120, 40);
    let viewed = render_to_string(
        &mut App::saved(run, &path, Box::new(ManualClock::at_ms(0))),
        120,
        40,
    );
    for device in fixtures::fleet() {
        let row = |screen: &str| {
            screen
                .lines()
                .find(|l| {
                    l.split_whitespace().nth(1) == Some(device.name.as_str())
                        || l.split_whitespace().next() == Some(device.name.as_str())
                })
                .map(|l| l.trim_start_matches(['▶', ' ']).to_string())
        };
        assert!(row(&live).is_some(), "{}: {live}", device.name);
        assert_eq!(row(&live), row(&viewed), "{}", device.name);
    }
}

#[test]
fn a_save_never_replaces_a_file_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    std::fs::write(&path, "precious").unwrap();
    let mut app = finished_app();
    char_key(&mut app, 'S');
    app.save_run(&path);
    let Some(SaveDialog::Failed { error, name }) = app.ui().save.clone() else {
        panic!("{:?}", app.ui().save);
    };
    assert!(
        error.ends_with("run.json: exists; give another name"),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    let screen = render_to_string(&mut app, 120, 40);
    assert!(screen.contains("✗ Not saved."), "{screen}");
    // Enter goes back to the name, to change it.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.ui().save, Some(SaveDialog::Editing(name)));
}

/// Values no probe writes but a file can hold: inconsistent, extreme, empty. They render at
/// any size without a panic.
#[test]
fn a_saved_run_of_odd_values_renders_at_any_size() {
    let stages: Vec<String> = (0..2_000)
        .map(|i| {
            format!(
                r#"{{"stage": "kex", "status": "fail", "elapsed_ms": {}, "reason": "failed", "detail": "{}"}}"#,
                if i % 2 == 0 { "-1e308" } else { "1e308" },
                "x".repeat(i % 300)
            )
        })
        .collect();
    let json = format!(
        r#"{{"version": 1, "devices": [
          {{"name": "", "host": "", "port": 0, "address": null, "reached": "enable",
            "failure": {{"stage": "dns", "reason": "nxdomain", "message": ""}},
            "stages": [{}], "banner": null, "algorithms": null,
            "host_key": {{"algorithm": "", "fingerprint": "", "verdict": "changed",
              "entries": [{{"file": "", "line": 18446744073709551615, "algorithm": "", "fingerprint": "", "marker": "revoked"}}],
              "openssh": "", "shared_count": 18446744073709551615}},
            "auth_methods": [], "auth_banner": "", "prompt": "", "privileged": false,
            "profile": "", "transcript": [{{"at_ms": -5, "direction": "note", "text": ""}}],
            "elapsed_ms": 1e308}},
          {{"name": "r2", "host": "h", "port": 65535, "address": "h", "reached": null,
            "failure": null, "stages": [], "banner": null, "algorithms": null, "host_key": null,
            "auth_methods": null, "auth_banner": null, "prompt": null, "privileged": null,
            "profile": null, "transcript": [], "elapsed_ms": 0}}]}}"#,
        stages.join(",")
    );
    let run = crate::run::parse("odd.json".as_ref(), json.as_bytes()).expect("well-formed");
    for (w, h) in [(80, 24), (120, 40), (20, 5), (200, 60)] {
        let mut app = App::saved(
            run.clone(),
            "odd.json".as_ref(),
            Box::new(ManualClock::default()),
        );
        render_to_string(&mut app, w, h);
        for device in 0..2 {
            char_key(&mut app, 'g');
            for _ in 0..device {
                press(&mut app, KeyCode::Down);
            }
            press(&mut app, KeyCode::Enter);
            render_to_string(&mut app, w, h);
            char_key(&mut app, 'G');
            press(&mut app, KeyCode::Tab);
            char_key(&mut app, 'G');
            render_to_string(&mut app, w, h);
            press(&mut app, KeyCode::Esc);
        }
        char_key(&mut app, 'b');
        char_key(&mut app, 's');
        char_key(&mut app, '?');
        render_to_string(&mut app, w, h);
    }
}
