//! End to end: the real binary runs `sshtriage demo` (and the dashboard on an inventory file
//! that is edited while it runs) in a detached tmux session;
//! the test reads the screen, drives the dashboard with keys, quits, and checks that the
//! terminal was given back.

use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The demo's slowest stories (tarpit, booting image) end at its 8 s stage timeout.
const RESULTS_LIMIT: Duration = Duration::from_secs(30);
const SCREEN_LIMIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(150);

/// A tmux server of our own (`-L`), killed when the test ends however it ends.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    /// False when tmux is missing outside CI (the test is then skipped with a message);
    /// in CI a missing tmux is a failure.
    fn available() -> bool {
        let found = Command::new("tmux")
            .arg("-V")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found && std::env::var_os("CI").is_some() {
            panic!("tmux is required in CI for the end-to-end dashboard test");
        }
        found
    }

    fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let unique = format!("sshtriage-{name}-{}-{nanos}", std::process::id());
        let tmux = Tmux {
            socket: unique.clone(),
            session: unique,
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            &tmux.session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        // No user configuration: key bindings or a status bar must not change the screen.
        // Under coreutils' `timeout`: a wedged tmux cannot hang the test.
        let mut command = Command::new("timeout");
        command
            .args(["10", "tmux", "-f", "/dev/null", "-L", &self.socket])
            .args(args);
        // The server inherits this environment: the user's settings (a longer timeout)
        // must not change what the demo shows.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SSHTRIAGE_") {
                command.env_remove(key);
            }
        }
        command.output().expect("tmux runs")
    }

    fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", &self.session, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?} failed");
    }

    /// Polls the screen until `done` holds; panics with the last screen after `limit`.
    fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if done(&screen) {
                return screen;
            }
            if started.elapsed() > limit {
                panic!("waited {limit:?} for {what}; the screen shows:\n{screen}");
            }
            sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // After a failed assertion the demo may still run: Ctrl-C lets it drop its fleet and
        // remove its temporary files, which killing the server (SIGHUP) would not.
        if !self.capture().contains("EXITED-") {
            let _ = self.run(&["send-keys", "-t", &self.session, "C-c"]);
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(3) && !self.capture().contains("EXITED-")
            {
                sleep(POLL);
            }
        }
        let _ = self.run(&["kill-server"]);
    }
}

/// The table row of one device.
fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
}

/// Every probe is done: the header counts none running or waiting (the comma keeps
/// "10 probing" from matching).
fn settled(screen: &str) -> bool {
    screen.contains("13 devices") && screen.contains(", 0 probing, 0 waiting")
}

#[test]
fn demo_dashboard_shows_the_stories_and_gives_the_terminal_back() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!("sh -c '\"{bin}\" demo; echo EXITED-$?; sleep 30'");
    let tmux = Tmux::start("demo", 120, 40, &command);

    let screen = tmux.wait_for("the probes to finish", RESULTS_LIMIT, settled);
    let legacy = row(&screen, "legacy-r3");
    assert!(legacy.contains(" 127."), "on loopback: {legacy}");
    // The verdict is the client's (this machine's OpenSSH), and the probe went on past it.
    assert!(legacy.contains("kex: OpenSSH"), "{legacy}");
    assert!(
        legacy.contains("○"),
        "stages run past the client failure: {legacy}"
    );
    let rebuilt = row(&screen, "rebuilt-r4");
    assert!(
        rebuilt.contains("host_key: REMOTE HOST IDENTIFICATION HAS CHAN"),
        "{rebuilt}"
    );
    let healthy = row(&screen, "ios-r1");
    assert!(
        healthy.contains("ready at enable, prompt ios-r1#"),
        "{healthy}"
    );
    let closed = row(&screen, "closed-sw3");
    assert!(closed.contains("tcp: 127."), "{closed}");
    assert!(closed.contains("refused"), "{closed}");

    // Filter down to the legacy device and open it.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "legacy"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter to apply", SCREEN_LIMIT, |s| {
        s.contains("filter: legacy") && s.contains("1 of 13 devices match")
    });
    tmux.keys(&["Enter"]);
    let drill = tmux.wait_for("the drill-down", SCREEN_LIMIT, |s| {
        s.contains("Diagnosis") && s.contains("Transcript")
    });
    assert!(drill.contains("legacy-r3"), "{drill}");
    assert!(drill.contains("diffie-hellman-group14-sha1"), "{drill}");
    assert!(drill.contains("failed at kex"), "{drill}");
    assert!(drill.contains("no_common_kex"), "{drill}");

    tmux.keys(&["Escape"]);
    let back = tmux.wait_for("the dashboard again", SCREEN_LIMIT, |s| {
        !s.contains("Diagnosis") && s.contains("legacy-r3")
    });
    assert!(back.contains("sshtriage"), "{back}");

    // Watch mode: the header says so and counts what the rows say (closed-sw3 is refused, so
    // it spends most of its time waiting for the next attempt).
    tmux.keys(&["Escape"]);
    tmux.keys(&["w"]);
    let screen = tmux.wait_for("watch mode, closed-sw3 waiting", RESULTS_LIMIT, |s| {
        s.lines().next().is_some_and(|h| h.contains("◷ watching"))
            && s.lines()
                .any(|l| l.contains("closed-sw3") && l.contains(" waiting "))
    });
    let header = screen.lines().next().unwrap_or_default();
    let counted = |what: &str| -> usize {
        let before = header.split(&format!(" {what}")).next().unwrap_or_default();
        let n = before.rsplit(' ').next().unwrap_or_default();
        n.parse()
            .unwrap_or_else(|_| panic!("no {what} count: {header}"))
    };
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains(" 127.77.")).collect();
    let saying = |what: &str| rows.iter().filter(|l| l.contains(what)).count();
    assert_eq!(counted("waiting"), saying(" waiting "), "{screen}");
    assert_eq!(counted("probing"), saying(" probing…"), "{screen}");
    assert!(
        screen.contains("w watch"),
        "the hint bar offers w: {screen}"
    );

    tmux.keys(&["q"]);
    let after = tmux.wait_for("the process to exit", SCREEN_LIMIT, |s| {
        s.contains("EXITED-")
    });
    assert!(after.contains("EXITED-0"), "exit status:\n{after}");
    assert!(
        !after.contains("legacy-r3") && !after.contains("Enter open"),
        "the dashboard is still on screen:\n{after}"
    );
    assert_eq!(tmux.format("#{alternate_on}"), "0", "alternate screen left");
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "cursor shown again");
}

/// An inventory entry for a simulated device on loopback whose key is in `known_hosts`.
fn entry(name: &str, port: u16, known_hosts: &std::path::Path) -> String {
    format!(
        "[[device]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = {port}\nusername = \"admin\"\n\
         password = \"admin\"\ntimeout = \"3s\"\nprofile = \"cisco_ios\"\nknown_hosts = [\"{}\"]\n",
        known_hosts.display()
    )
}

/// Saves the way editors do: a temporary file renamed over the old one.
fn save(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("swp");
    std::fs::write(&tmp, text).expect("write inventory");
    std::fs::rename(&tmp, path).expect("rename inventory");
}

#[test]
fn the_dashboard_follows_the_inventory_file_while_it_runs() {
    use sshtriage::lab::{self, DeviceSpec, PromptStyle};
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let known_hosts = dir.path().join("known_hosts");
    let mut known = String::new();
    let mut spawn = |name: &str| {
        let key = lab::generate_ed25519_host_key().expect("key");
        let public = key.public_key().to_openssh().expect("openssh key");
        let spec = DeviceSpec::new(name, PromptStyle::Ios, key);
        let device = runtime
            .block_on(lab::spawn_device(
                spec,
                "127.0.0.1:0".parse().expect("addr"),
            ))
            .expect("simulated device");
        known.push_str(&format!("[127.0.0.1]:{} {public}\n", device.addr.port()));
        device
    };
    let (core1, edge2) = (spawn("core1"), spawn("edge2"));
    std::fs::write(&known_hosts, &known).expect("known_hosts");
    let entry = |name: &str, port: u16| entry(name, port, &known_hosts);
    let inventory = dir.path().join("lab.toml");
    save(&inventory, &entry("core1", core1.addr.port()));

    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!(
        "sh -c '\"{bin}\" --no-ssh-config \"{}\"; echo EXITED-$?; sleep 30'",
        inventory.display()
    );
    let tmux = Tmux::start("reload", 120, 30, &command);
    let screen = tmux.wait_for("core1 to be ready", RESULTS_LIMIT, |s| {
        s.contains("1 device: 1 ready")
    });
    assert!(
        row(&screen, "core1").contains("ready at enable, prompt core1#"),
        "{screen}"
    );

    // A device added to the file appears and is probed.
    save(
        &inventory,
        &format!(
            "{}\n# added while the dashboard runs\n{}",
            entry("core1", core1.addr.port()),
            entry("edge2", edge2.addr.port())
        ),
    );
    let screen = tmux.wait_for("edge2 to appear, ready", RESULTS_LIMIT, |s| {
        s.contains("edge2") && s.contains("2 devices: 2 ready")
    });
    assert!(
        screen.contains("inventory reloaded: 1 added"),
        "the header says what changed:\n{screen}"
    );
    assert!(
        row(&screen, "edge2").contains("ready at enable, prompt edge2#"),
        "{screen}"
    );

    // A device removed from the file goes.
    save(&inventory, &entry("edge2", edge2.addr.port()));
    let screen = tmux.wait_for("core1 to go", RESULTS_LIMIT, |s| {
        !s.contains("core1") && s.contains("inventory reloaded: 1 removed")
    });
    assert!(screen.contains("· 1 device: 1 ready"), "{screen}");

    // A broken file keeps the devices and says why.
    save(&inventory, "[[device]]\nname = \"edge2\"\nport = \n");
    let screen = tmux.wait_for("the reload error", RESULTS_LIMIT, |s| {
        s.contains("inventory not reloaded")
    });
    assert!(screen.contains("edge2"), "{screen}");

    tmux.keys(&["q"]);
    let after = tmux.wait_for("the process to exit", SCREEN_LIMIT, |s| {
        s.contains("EXITED-")
    });
    assert!(after.contains("EXITED-0"), "exit status:\n{after}");
    assert_eq!(core1.counters.snapshot().auth_success, 1, "probed once");
    assert_eq!(edge2.counters.snapshot().auth_success, 1, "probed once");
}

/// A run of the demo fleet as `check --json` saves it, in `dir`.
fn saved_demo_run(dir: &std::path::Path) -> std::path::PathBuf {
    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let out = Command::new("timeout")
        .args(["60", bin, "demo", "--check", "--json", "--timeout", "3s"])
        .env_remove("SSHTRIAGE_TIMEOUT")
        .output()
        .expect("sshtriage demo --check --json");
    assert_eq!(out.status.code(), Some(1), "the demo has failing stories");
    let path = dir.join("demo-run.json");
    std::fs::write(&path, &out.stdout).expect("save the run");
    path
}

/// The selected row's name, from the line under the table ("▶ name · why"); None while
/// the screen shows none (a capture mid-redraw).
fn selected(screen: &str) -> Option<String> {
    screen
        .lines()
        .rev()
        .find(|l| l.starts_with("▶ "))
        .and_then(|l| l.split_whitespace().nth(1))
        .map(str::to_string)
}

#[test]
fn view_opens_a_saved_run_read_only_and_gives_the_terminal_back() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = saved_demo_run(dir.path());
    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!(
        "sh -c '\"{bin}\" view \"{}\"; echo EXITED-$?; sleep 30'",
        run.display()
    );
    let tmux = Tmux::start("view", 120, 40, &command);
    let screen = tmux.wait_for("the saved run", SCREEN_LIMIT, |s| {
        s.contains("13 devices") && s.contains("read-only")
    });
    let third = screen.lines().nth(2).unwrap_or_default();
    assert!(
        third.contains("demo-run.json · taken ") && third.contains(" UTC in "),
        "the header says when: {screen}"
    );
    assert!(
        third.contains("from the demo fleet"),
        "and from what: {screen}"
    );
    assert!(
        screen.contains(", 0 probing, 0 waiting"),
        "nothing probes: {screen}"
    );
    assert!(
        row(&screen, "rebuilt-r4").contains("host_key: REMOTE HOST IDENTIFICATION HAS CHAN"),
        "{screen}"
    );
    let bar = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    assert!(
        bar.contains("Enter open") && !bar.contains("re-probe") && !bar.contains("S save"),
        "{bar}"
    );

    // Move down twice: the selection follows.
    let first = selected(&screen).expect("a device is selected");
    tmux.keys(&["j"]);
    tmux.keys(&["j"]);
    let moved = tmux.wait_for("the selection to move", SCREEN_LIMIT, |s| {
        selected(s).is_some_and(|name| name != first)
    });
    let name = selected(&moved).expect("a device is selected");
    tmux.keys(&["Enter"]);
    let drill = tmux.wait_for("the drill-down", SCREEN_LIMIT, |s| {
        s.contains("Diagnosis") && s.contains("Transcript")
    });
    assert!(
        drill.lines().next().unwrap_or_default().contains(&name),
        "{drill}"
    );
    tmux.keys(&["r"]);
    tmux.wait_for("r to say read-only", SCREEN_LIMIT, |s| {
        s.contains("read-only: a saved run") && s.contains("Diagnosis")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the dashboard again", SCREEN_LIMIT, |s| {
        !s.contains("Diagnosis") && selected(s).as_ref() == Some(&name)
    });

    tmux.keys(&["q"]);
    let after = tmux.wait_for("the process to exit", SCREEN_LIMIT, |s| {
        s.contains("EXITED-")
    });
    assert!(after.contains("EXITED-0"), "exit status:\n{after}");
    assert_eq!(tmux.format("#{alternate_on}"), "0", "alternate screen left");
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "cursor shown again");
}

#[test]
fn the_dashboard_saves_its_run_where_it_says() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!(
        "sh -c 'cd \"{}\" && \"{bin}\" demo --timeout 3s; echo EXITED-$?; sleep 30'",
        dir.path().display()
    );
    let tmux = Tmux::start("save", 120, 40, &command);
    tmux.wait_for("the probes to finish", RESULTS_LIMIT, settled);
    tmux.keys(&["S"]);
    let dialog = tmux.wait_for("the save dialog", SCREEN_LIMIT, |s| {
        s.contains("Save run · 13 devices") && s.contains("File › sshtriage-run-")
    });
    assert!(dialog.contains("Enter save"), "{dialog}");
    tmux.keys(&["Enter"]);
    let saved = tmux.wait_for("the save", SCREEN_LIMIT, |s| s.contains("Saved 13 devices"));
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(files.len(), 1, "one file, no temporary left: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("sshtriage-run-") && name.ends_with(".json"),
        "{name}"
    );
    let flat: String = saved.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&name), "the dialog says where: {saved}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("read the run")).expect("JSON");
    assert_eq!(doc["devices"].as_array().map(Vec::len), Some(13));
    assert_eq!(doc["inputs"]["command"], "demo");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the dialog to close", SCREEN_LIMIT, |s| {
        !s.contains("Save run")
    });
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the process to exit", SCREEN_LIMIT, |s| {
        s.contains("EXITED-")
    });
    assert!(after.contains("EXITED-0"), "exit status:\n{after}");
}

/// The line under the table that starts the selected device's detail, and those after it up
/// to the first blank line or the hint bar, joined: the reason and advice as words.
fn detail(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(start) = lines
        .iter()
        .rposition(|l| l.starts_with("▶ ") && l.contains(" · "))
    else {
        return String::new();
    };
    lines[start..lines.len().saturating_sub(1)]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `view` at 80×24: the saved run's rows, the filter on what rows show, a device opened from
/// the filtered table, the terminal given back.
#[test]
fn view_filters_a_saved_run_at_80_columns_and_opens_a_device() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = saved_demo_run(dir.path());
    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!(
        "sh -c '\"{bin}\" view \"{}\"; echo EXITED-$?; sleep 30'",
        run.display()
    );
    let tmux = Tmux::start("view80", 80, 24, &command);
    let screen = tmux.wait_for("the saved run", SCREEN_LIMIT, |s| {
        s.contains("13 devices") && s.contains("read-only")
    });
    let bar = screen.lines().last().unwrap_or_default();
    assert!(
        bar.contains("Enter open") && bar.contains("? help"),
        "{screen}"
    );

    // "host key" as the rows show it: the changed key's failure and the unknown key's
    // warning (linux-h1 accepts a new key under the demo's policy).
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "HOST KEY"]);
    tmux.keys(&["Enter"]);
    let filtered = tmux.wait_for("the filter to apply", SCREEN_LIMIT, |s| {
        s.contains("filter: HOST KEY") && s.contains("devices match")
    });
    assert!(filtered.contains("2 of 13 devices match"), "{filtered}");
    row(&filtered, "rebuilt-r4");
    row(&filtered, "linux-h1");

    // Down to rebuilt-r4: its detail says what to do, with the commands, in whole words.
    tmux.keys(&["j"]);
    let chosen = tmux.wait_for("rebuilt-r4 selected", SCREEN_LIMIT, |s| {
        selected(s).as_deref() == Some("rebuilt-r4")
    });
    let words = detail(&chosen);
    assert!(
        words.contains("If you redeployed, run the commands below.")
            && words.contains("$ sshtriage known-hosts"),
        "{chosen}"
    );
    tmux.keys(&["Enter"]);
    let drill = tmux.wait_for("the drill-down", SCREEN_LIMIT, |s| {
        s.contains("Diagnosis") && s.contains("Transcript")
    });
    assert!(
        drill
            .lines()
            .next()
            .unwrap_or_default()
            .contains("rebuilt-r4"),
        "{drill}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filtered table again", SCREEN_LIMIT, |s| {
        !s.contains("Diagnosis") && s.contains("2 of 13 devices match")
    });
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the process to exit", SCREEN_LIMIT, |s| {
        s.contains("EXITED-")
    });
    assert!(after.contains("EXITED-0"), "exit status:\n{after}");
    assert_eq!(tmux.format("#{alternate_on}"), "0", "alternate screen left");
}

/// `diff` in a real terminal: the headline first, each change on its own line, the exit
/// status 1 (something got worse), nothing but text on screen.
#[test]
fn diff_prints_what_changed_in_a_real_terminal() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let old = saved_demo_run(dir.path());
    // The same run after a redeploy: ios-r1 has a new host key, tarpit-1 is gone.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&old).expect("read the run")).expect("JSON");
    let devices = doc["devices"].as_array_mut().expect("devices");
    devices.retain(|d| d["name"] != "tarpit-1");
    let ios = devices
        .iter_mut()
        .find(|d| d["name"] == "ios-r1")
        .expect("ios-r1");
    ios["host_key"]["fingerprint"] = "SHA256:redeployedredeployedredeployedredeployed0".into();
    let new = dir.path().join("after-redeploy.json");
    std::fs::write(&new, serde_json::to_vec_pretty(&doc).expect("JSON")).expect("write");

    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!(
        "sh -c '\"{bin}\" diff \"{}\" \"{}\"; echo EXITED-$?; sleep 30'",
        old.display(),
        new.display()
    );
    let tmux = Tmux::start("diff", 100, 30, &command);
    let screen = tmux.wait_for("the diff", SCREEN_LIMIT, |s| s.contains("EXITED-"));
    assert!(screen.contains("EXITED-1"), "worse, so 1:\n{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(
        lines[0], "1 device changed host key, 1 removed",
        "the headline first:\n{screen}"
    );
    assert!(lines[1].starts_with("old: "), "{screen}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("! ios-r1 (127.77.0.11:")
                && l.ends_with("worse: host key changed")),
        "{screen}"
    );
    // A line longer than the terminal wraps at a word, the rest indented under it: the new
    // fingerprint is whole on the next line.
    let at = lines
        .iter()
        .position(|l| l.starts_with("    host key: ssh-ed25519 SHA256:"))
        .unwrap_or_else(|| panic!("no host key line:\n{screen}"));
    assert!(lines[at].ends_with(" → ssh-ed25519"), "{screen}");
    assert_eq!(
        lines[at + 1],
        "      SHA256:redeployedredeployedredeployedredeployed0",
        "{screen}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("- tarpit-1 (127.77.0.21:")),
        "{screen}"
    );
    // Plain text: no escape sequence reached the screen as text.
    assert!(
        !screen.contains("[0m") && !screen.contains('\u{1b}'),
        "{screen}"
    );
}

/// The dashboard's `W`: the warnings of loading the inventory and of a reload, each with its
/// file:line, in a pane that closes with Esc; a reload that fails says why there in full.
#[test]
fn the_dashboard_lists_load_and_reload_warnings() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (set CI to make this a failure)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // Ports nothing listens on: each device fails at tcp at once.
    let closed = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    };
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(&known_hosts, "").expect("known_hosts");
    let inventory = dir.path().join("lab.toml");
    save(&inventory, &entry("sw1", closed(), &known_hosts));

    let bin = env!("CARGO_BIN_EXE_sshtriage");
    let command = format!(
        "sh -c '\"{bin}\" --no-ssh-config \"{}\"; echo EXITED-$?; sleep 30'",
        inventory.display()
    );
    let tmux = Tmux::start("warnings", 100, 30, &command);
    let screen = tmux.wait_for("sw1 to fail", RESULTS_LIMIT, |s| {
        s.contains("1 device: 0 ready, 1 failing")
    });
    assert!(screen.contains("inventory loaded: 1 warning"), "{screen}");
    assert!(
        screen
            .lines()
            .last()
            .unwrap_or_default()
            .contains("W warnings"),
        "{screen}"
    );
    tmux.keys(&["W"]);
    let pane = tmux.wait_for("the warnings pane", SCREEN_LIMIT, |s| {
        s.contains("Warnings · 1")
    });
    let place = format!("{}:6:", inventory.display());
    assert!(
        pane.contains("when the inventory was loaded")
            && pane.contains("plaintext `password` in the inventory"),
        "{pane}"
    );
    assert!(
        pane.contains(&place) || pane.contains("lab.toml:6:"),
        "file:line: {pane}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the pane to close", SCREEN_LIMIT, |s| {
        !s.contains("Warnings · ")
    });

    // A reload warns for both devices; then a broken file says why, in the pane in full.
    save(
        &inventory,
        &format!(
            "{}\n{}",
            entry("sw1", closed(), &known_hosts),
            entry("sw2", closed(), &known_hosts)
        ),
    );
    tmux.wait_for("the reload", RESULTS_LIMIT, |s| {
        s.contains("2 devices") && s.contains("2 warnings")
    });
    save(&inventory, "[[device]]\nname = \"sw1\"\nport = \n");
    tmux.wait_for("the reload error", RESULTS_LIMIT, |s| {
        s.contains("inventory not reloaded")
    });
    tmux.keys(&["W"]);
    let pane = tmux.wait_for("the warnings pane", SCREEN_LIMIT, |s| {
        s.contains("Warnings · 2")
    });
    assert!(pane.contains("the last reload failed"), "{pane}");
    assert!(
        pane.contains("lab.toml:3"),
        "the error names the line: {pane}"
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the process to exit", SCREEN_LIMIT, |s| {
        s.contains("EXITED-")
    });
    assert!(after.contains("EXITED-0"), "exit status:\n{after}");
}
