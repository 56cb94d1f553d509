//! The dashboard's fixes, engine side, against real sshd on loopback: a proposal shows the
//! exact lines before anything is written; confirming applies it, probes again and reports;
//! later re-probes use the fixed settings.

mod support;

use sshtriage::engine::{Settings, Shared};
use sshtriage::fix::FixContext;
use sshtriage::model::{
    Command, DeviceReport, Event, FileLine, FixKind, FixOutcome, FixProposal, HostKeyVerdict,
    Stage, WatchEvent, WatchState, WatchStatus,
};
use sshtriage::session;
use sshtriage::sources::sshtriage::Inventory;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::sshd::{Flavour, Sshd, keygen, require_sshd};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

struct Session {
    events: UnboundedReceiver<Event>,
    commands: UnboundedSender<Command>,
    engine: tokio::task::JoinHandle<()>,
}

impl Session {
    fn start(inventory: &Path, fix: FixContext) -> Session {
        Session::with_devices(Inventory::load(inventory).expect("inventory").devices, fix)
    }

    fn with_devices(devices: Vec<sshtriage::device::Device>, fix: FixContext) -> Session {
        let (event_tx, events) = unbounded_channel();
        let (commands, command_rx) = unbounded_channel();
        let shared = Arc::new(Shared::new(Settings::default()));
        // As the dashboard runs without --watch: every device probed once, then on request.
        let options = sshtriage::watch::WatchOptions {
            watching: false,
            ..Default::default()
        };
        let engine = tokio::spawn(session::serve(
            Arc::new(devices),
            shared,
            event_tx,
            command_rx,
            options,
            fix,
        ));
        Session {
            events,
            commands,
            engine,
        }
    }

    /// The next event `pick` accepts, within a bound.
    async fn next<T>(&mut self, mut pick: impl FnMut(Event) -> Option<T>) -> T {
        let wait = async {
            while let Some(event) = self.events.recv().await {
                if let Some(found) = pick(event) {
                    return found;
                }
            }
            panic!("the engine stopped");
        };
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .expect("the engine answers in time")
    }

    async fn finished(&mut self, device: usize) -> DeviceReport {
        self.next(|e| match e {
            Event::Finished { device: d, report } if d == device => Some(*report),
            _ => None,
        })
        .await
    }

    async fn propose(&mut self, device: usize, kind: FixKind) -> FixProposal {
        self.commands
            .send(Command::ProposeFix { device, kind })
            .expect("engine running");
        self.next(|e| match e {
            Event::FixProposed {
                device: d,
                proposal,
            } if d == device => Some(*proposal),
            _ => None,
        })
        .await
    }

    /// Applies and collects the outcome and the verifying probe's report.
    async fn apply(&mut self, device: usize, kind: FixKind) -> (FixOutcome, Option<DeviceReport>) {
        self.commands
            .send(Command::ApplyFix { device, kind })
            .expect("engine running");
        let mut report = None;
        let outcome = self
            .next(|e| match e {
                Event::Finished {
                    device: d,
                    report: r,
                } if d == device => {
                    report = Some(*r);
                    None
                }
                Event::FixFinished { device: d, outcome } if d == device => Some(*outcome),
                _ => None,
            })
            .await;
        (outcome, report)
    }

    /// The device's next watch status that `pick` accepts.
    async fn watch_status(
        &mut self,
        device: usize,
        pick: impl Fn(&WatchStatus) -> bool,
    ) -> WatchStatus {
        self.next(|e| match e {
            Event::Watch(w) => match *w {
                WatchEvent::Device { device: d, status } if d == device && pick(&status) => {
                    Some(status)
                }
                _ => None,
            },
            _ => None,
        })
        .await
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine.abort();
    }
}

fn context(dir: &Path) -> FixContext {
    FixContext {
        known_hosts: dir.join("user_known_hosts"),
        hash_known_hosts: Some(false),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legacy_device_is_fixed_from_the_dashboard() {
    let Some(bin) = require_sshd("a_legacy_device_is_fixed_from_the_dashboard") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("lab.toml");
    let original = format!(
        "# the lab\n[[device]]\nname = \"old\"  # keep\nhost = \"127.0.0.1\"\nport = {}\ntimeout = \"5s\"\nclient = \"russh\"\n",
        sshd.addr.port()
    );
    std::fs::write(&inventory, &original).expect("write");
    let mut session = Session::start(&inventory, context(dir.path()));
    let first = session.finished(0).await;
    assert_eq!(
        first.failure.as_ref().map(|f| (f.stage, f.reason.name())),
        Some((Stage::Kex, "no_common_kex"))
    );

    let proposal = session.propose(0, FixKind::Algorithms).await;
    assert_eq!(proposal.blocked, None, "{proposal:?}");
    // The copy-ready text for each client comes with it (the dialog shows it, `w` writes it).
    let config = proposal
        .snippets
        .iter()
        .find(|s| s.title.ends_with("· ~/.ssh/config"))
        .unwrap_or_else(|| panic!("an ssh_config block: {:#?}", proposal.snippets));
    assert_eq!(config.lines[0].text, "Host old");
    assert!(
        config
            .lines
            .iter()
            .any(|l| l.paste && l.text == "    KexAlgorithms +diffie-hellman-group14-sha1"),
        "{config:#?}"
    );
    let file = inventory.display().to_string();
    let line = |line: usize, text: &str| FileLine {
        file: file.clone(),
        line,
        text: text.into(),
    };
    assert_eq!(proposal.remove, Vec::<FileLine>::new());
    assert_eq!(
        proposal.add,
        vec![
            line(8, ""),
            line(9, "[device.algorithms]"),
            line(10, "kex = \"+diffie-hellman-group14-sha1\""),
            line(11, "cipher = \"+aes128-cbc\""),
            line(12, "mac = \"+hmac-sha1\""),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&inventory).expect("read"),
        original,
        "nothing is written before the confirmation"
    );

    let (outcome, after) = session.apply(0, FixKind::Algorithms).await;
    assert!(outcome.verified, "{outcome:?}");
    assert!(
        outcome
            .lines
            .iter()
            .any(|l| l.starts_with("Verified: the key exchange passes")),
        "{outcome:?}"
    );
    let after = after.expect("the device was probed again");
    assert!(
        after.failure.as_ref().is_none_or(|f| f.stage > Stage::Kex),
        "{after:?}"
    );
    let written = std::fs::read_to_string(&inventory).expect("read");
    assert!(written.starts_with(&original), "{written}");
    assert!(written.ends_with("[device.algorithms]\nkex = \"+diffie-hellman-group14-sha1\"\ncipher = \"+aes128-cbc\"\nmac = \"+hmac-sha1\"\n"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lab.toml.bak")).expect("backup"),
        original
    );

    // Later re-probes use the fixed offer.
    session
        .commands
        .send(Command::Reprobe(0))
        .expect("engine running");
    let again = session.finished(0).await;
    let kex = again.result(Stage::Kex).expect("kex ran");
    assert_eq!(kex.status, sshtriage::model::Status::Ok, "{again:?}");

    // Applying twice without a new proposal does nothing.
    let (outcome, _) = session.apply(0, FixKind::Algorithms).await;
    assert!(!outcome.verified);
    assert_eq!(
        outcome.lines,
        ["Nothing was proposed for this device; ask again."]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_key_device_is_repaired_from_the_dashboard() {
    let Some(bin) = require_sshd("a_changed_key_device_is_repaired_from_the_dashboard") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::Modern, "");
    let port = sshd.addr.port();
    let dir = tempfile::tempdir().expect("tempdir");
    keygen("ed25519", &dir.path().join("stale"));
    let stale: Vec<String> = std::fs::read_to_string(dir.path().join("stale.pub"))
        .expect("pub")
        .split_whitespace()
        .take(2)
        .map(str::to_owned)
        .collect();
    let stale = stale.join(" ");
    let kh = dir.path().join("known_hosts");
    let original = format!("other.example {stale}\n[127.0.0.1]:{port} {stale}\n");
    std::fs::write(&kh, &original).expect("write");
    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[device]]\nname = \"junos\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\nknown_hosts = [\"{}\"]\n",
            kh.display()
        ),
    )
    .expect("write");
    let mut session = Session::start(&inventory, context(dir.path()));
    let first = session.finished(0).await;
    let presented = first.host_key.as_ref().expect("a host key");
    assert_eq!(presented.verdict, HostKeyVerdict::Changed);
    session
        .watch_status(0, |s| matches!(s.state, WatchState::Stopped { .. }))
        .await;

    // The algorithm fix does not apply here, and says why.
    let blocked = session.propose(0, FixKind::Algorithms).await;
    assert!(
        blocked
            .blocked
            .as_deref()
            .is_some_and(|b| b.contains("passes already")),
        "{blocked:?}"
    );
    assert!(blocked.snippets.is_empty(), "{blocked:?}");

    let proposal = session.propose(0, FixKind::HostKey).await;
    assert_eq!(proposal.blocked, None, "{proposal:?}");
    // The repair by hand: the commands `check` prints for the stage (here only the prune: a
    // device not selected through `sources::assemble` has no command line to accept it by).
    let printed: Vec<String> = first
        .result(Stage::HostKey)
        .expect("a host key stage")
        .commands
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        printed.iter().any(|c| c.contains("known-hosts prune")),
        "{printed:?}"
    );
    let by_hand: Vec<String> = proposal
        .snippets
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.text.clone()))
        .collect();
    assert_eq!(by_hand, printed);
    let file = kh.display().to_string();
    let new_line = format!("[127.0.0.1]:{port} {}", presented.openssh.trim());
    assert_eq!(
        proposal.remove,
        vec![FileLine {
            file: file.clone(),
            line: 2,
            text: format!("[127.0.0.1]:{port} {stale}"),
        }]
    );
    assert_eq!(
        proposal.add,
        vec![FileLine {
            file: file.clone(),
            line: 2,
            text: new_line.clone(),
        }]
    );
    assert_eq!(std::fs::read_to_string(&kh).expect("read"), original);

    let (outcome, after) = session.apply(0, FixKind::HostKey).await;
    assert!(outcome.verified, "{outcome:?}");
    let after = after.expect("probed again");
    assert_eq!(
        after.host_key.as_ref().map(|h| h.verdict),
        Some(HostKeyVerdict::Match),
        "{after:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&kh).expect("read"),
        format!("other.example {stale}\n{new_line}\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("known_hosts.old")).expect("backup"),
        original,
        "the backup is the original, not the pruned file"
    );
    // The verifying probe was the device's attempt: the stop for the changed key is lifted,
    // and nothing probes the device beside or after it.
    let status = session
        .watch_status(0, |s| !matches!(s.state, WatchState::Probing))
        .await;
    assert_eq!(status.state, WatchState::Ready, "{status:?}");
    assert_eq!(status.attempts_total, 2, "{status:?}");
}

/// The dashboard's engine as `sshtriage lab.toml` runs it: the watch scheduler probes and
/// follows the file, the session serves fixes.
fn start_following(inventory: &Path, fix: FixContext) -> Session {
    use sshtriage::watch::{Loaded, Reload, WatchOptions};
    let devices = Inventory::load(inventory).expect("inventory").devices;
    let (event_tx, events) = unbounded_channel();
    let (commands, command_rx) = unbounded_channel();
    let shared = Arc::new(Shared::new(Settings::default()));
    let path = inventory.to_path_buf();
    let options = WatchOptions {
        watching: false,
        reload: Some(Reload {
            paths: vec![path.clone()],
            every: Duration::from_millis(100),
            load: Arc::new(move || {
                let inventory = Inventory::load(&path).map_err(|e| e.to_string())?;
                Ok(Loaded {
                    devices: inventory.devices,
                    warnings: Vec::new(),
                    shared: None,
                })
            }),
        }),
        ..WatchOptions::default()
    };
    let engine = tokio::spawn(session::serve(
        Arc::new(devices),
        shared,
        event_tx,
        command_rx,
        options,
        fix,
    ));
    Session {
        events,
        commands,
        engine,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_added_by_a_reload_can_be_fixed_too() {
    let Some(bin) = require_sshd("a_device_added_by_a_reload_can_be_fixed_too") else {
        return;
    };
    let modern = Sshd::start(&bin, Flavour::Modern, "");
    let legacy = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("lab.toml");
    let entry = |name: &str, port: u16| {
        format!(
            "[[device]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\nclient = \"russh\"\n"
        )
    };
    let first = entry("new1", modern.addr.port());
    std::fs::write(&inventory, &first).expect("write");
    let mut session = start_following(&inventory, context(dir.path()));
    session.finished(0).await;

    // The lab grows: the old device appears as device 1 and fails at kex.
    let grown = format!(
        "{first}# added later\n{}",
        entry("old2", legacy.addr.port())
    );
    std::fs::write(&inventory, &grown).expect("write");
    let report = session.finished(1).await;
    assert_eq!(report.name, "old2");
    assert_eq!(
        report.failure.as_ref().map(|f| (f.stage, f.reason.name())),
        Some((Stage::Kex, "no_common_kex"))
    );

    // Its fix is proposed and applied like any other's: the file gains its allow-list.
    let proposal = session.propose(1, FixKind::Algorithms).await;
    assert_eq!(proposal.blocked, None, "{proposal:?}");
    assert!(
        proposal
            .add
            .iter()
            .any(|l| l.text == "kex = \"+diffie-hellman-group14-sha1\""),
        "{proposal:?}"
    );
    let (outcome, _) = session.apply(1, FixKind::Algorithms).await;
    assert!(outcome.verified, "{outcome:?}");
    let written = std::fs::read_to_string(&inventory).expect("read");
    assert!(written.starts_with(&grown), "{written}");
    assert!(
        written.ends_with("kex = \"+diffie-hellman-group14-sha1\"\ncipher = \"+aes128-cbc\"\nmac = \"+hmac-sha1\"\n"),
        "{written}"
    );

    // A device the reload removed is not fixed: there is nothing to edit.
    std::fs::write(&inventory, &first).expect("write");
    session
        .next(|e| match e {
            Event::Watch(w) => matches!(
                *w,
                sshtriage::model::WatchEvent::Reloaded { ref removed, .. } if removed == &[1]
            )
            .then_some(()),
            _ => None,
        })
        .await;
    let proposal = session.propose(1, FixKind::Algorithms).await;
    assert_eq!(
        proposal.blocked.as_deref(),
        Some("the device was removed from the inventory")
    );
    assert_eq!(std::fs::read_to_string(&inventory).expect("read"), first);
}

/// `a` on an OpenSSH device from an ssh_config Host: the proposal is the lines in that file,
/// applying writes them (with a backup) and the real ssh completes the key exchange.
#[tokio::test(flavor = "multi_thread")]
async fn an_ssh_config_device_is_fixed_in_its_ssh_config_from_the_dashboard() {
    let Some(bin) = require_sshd("dashboard_ssh_config_fix") else {
        return;
    };
    let sshd = Sshd::start(&bin, Flavour::LegacyOnly, "");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    let original = format!(
        "Host oldbox\n  HostName 127.0.0.1\n  Port {}\n  ConnectTimeout 5\n",
        sshd.addr.port()
    );
    std::fs::write(&config, &original).expect("write");
    let selection = sshtriage::sources::Selection {
        hosts: vec!["oldbox".into()],
        ssh_config: sshtriage::sources::SshConfigChoice::File(config.clone()),
        ..Default::default()
    };
    let profiles = sshtriage::profile::Profiles::embedded();
    let devices: Vec<_> = sshtriage::sources::assemble(&selection, &profiles)
        .expect("devices")
        .devices
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    let mut session = Session::with_devices(devices, context(dir.path()));
    let first = session.finished(0).await;
    assert_eq!(
        first.failure.as_ref().map(|f| (f.stage, f.reason.name())),
        Some((Stage::Kex, "no_common_kex"))
    );
    let proposal = session.propose(0, FixKind::Algorithms).await;
    assert_eq!(proposal.blocked, None, "{proposal:?}");
    let added: Vec<&str> = proposal.add.iter().map(|l| l.text.as_str()).collect();
    assert!(
        added.contains(&"  KexAlgorithms +diffie-hellman-group14-sha1"),
        "{proposal:?}"
    );
    assert!(
        proposal
            .add
            .iter()
            .all(|l| l.file == config.display().to_string())
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);

    let (outcome, after) = session.apply(0, FixKind::Algorithms).await;
    assert!(outcome.verified, "{outcome:?}");
    assert!(
        outcome
            .lines
            .iter()
            .any(|l| l.starts_with("The real client completes the key exchange")),
        "{outcome:?}"
    );
    let after = after.expect("probed again");
    assert!(
        after.failure.as_ref().is_none_or(|f| f.stage > Stage::Kex),
        "{after:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.bak")).expect("backup"),
        original
    );
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.starts_with("Host oldbox\n"), "{written}");
    assert!(
        written.contains("KexAlgorithms +diffie-hellman-group14-sha1"),
        "{written}"
    );
}

/// The dashboard's `K` accepts every host key the device has, not only the one its probe
/// negotiated, so a client preferring another type passes too. `linux` logs in (a user key):
/// OpenSSH announces its keys after the login and proves them on that connection, and no
/// other connection is needed. `anonymous` has no credential: each other key type comes
/// from a key exchange of its own. Either way the real ssh then passes the host key check
/// with any of the types.
#[tokio::test(flavor = "multi_thread")]
async fn every_host_key_is_accepted_from_the_dashboard() {
    let Some(bin) = require_sshd("every_host_key_is_accepted_from_the_dashboard") else {
        return;
    };
    let keys = tempfile::tempdir().expect("tempdir");
    let user_key = keys.path().join("id_ed25519");
    keygen("ed25519", &user_key);
    std::fs::copy(
        keys.path().join("id_ed25519.pub"),
        keys.path().join("authorized_keys"),
    )
    .expect("authorize the user key");
    let sshd = Sshd::start(
        &bin,
        Flavour::Modern,
        &format!(
            "{}AuthorizedKeysFile {}/authorized_keys\nPermitRootLogin prohibit-password\n",
            support::sshd::more_host_keys(keys.path()),
            keys.path().display()
        ),
    );
    let port = sshd.addr.port();
    let user = String::from_utf8_lossy(
        &std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id -un")
            .stdout,
    )
    .trim()
    .to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let kh = [dir.path().join("kh-linux"), dir.path().join("kh-anonymous")];
    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[device]]\nname = \"linux\"\nhost = \"127.0.0.1\"\nport = {port}\nusername = \"{user}\"\n\
             key_file = \"{}\"\ntimeout = \"5s\"\nknown_hosts = [\"{}\"]\n\n\
             [[device]]\nname = \"anonymous\"\nhost = \"127.0.0.1\"\nport = {port}\ntimeout = \"5s\"\nknown_hosts = [\"{}\"]\n",
            user_key.display(),
            kh[0].display(),
            kh[1].display()
        ),
    )
    .expect("write");
    let mut session = Session::start(&inventory, context(dir.path()));
    let mut first: [Option<DeviceReport>; 2] = [None, None];
    while first.iter().any(Option::is_none) {
        let (device, report) = session
            .next(|e| match e {
                Event::Finished { device, report } => Some((device, *report)),
                _ => None,
            })
            .await;
        first[device] = Some(report);
    }
    let fingerprints: Vec<String> = ["host_ed25519.pub"]
        .iter()
        .map(|name| sshd.dir.path().join(name))
        .chain(
            ["host_ecdsa.pub", "host_rsa.pub"]
                .iter()
                .map(|name| keys.path().join(name)),
        )
        .map(|public| support::sshd::fingerprint(&public))
        .collect();
    let linux = first[0]
        .as_ref()
        .and_then(|r| r.host_key.clone())
        .expect("a host key");
    assert_eq!(linux.verdict, HostKeyVerdict::Unknown);
    let mut announced: Vec<String> = linux
        .announced
        .iter()
        .inspect(|a| assert!(a.proven, "{a:?}"))
        .map(|a| a.fingerprint.clone())
        .collect();
    announced.sort();
    let mut expected = fingerprints.clone();
    expected.sort();
    assert_eq!(announced, expected, "every key announced and proven");

    for (device, how) in [
        (0, "(announced by the server, proven)"),
        (1, "(separate key exchange)"),
    ] {
        let proposal = session.propose(device, FixKind::HostKey).await;
        assert_eq!(proposal.blocked, None, "{proposal:?}");
        let presented = first[device]
            .as_ref()
            .and_then(|r| r.host_key.as_ref())
            .expect("a host key");
        let mut added: Vec<String> = proposal
            .add
            .iter()
            .map(|l| {
                assert_eq!(l.file, kh[device].display().to_string());
                let key = l
                    .text
                    .strip_prefix(&format!("[127.0.0.1]:{port} "))
                    .expect("the device's name");
                std::fs::write(dir.path().join("one.pub"), key).expect("write");
                support::sshd::fingerprint(&dir.path().join("one.pub"))
            })
            .collect();
        assert_eq!(added[0], presented.fingerprint, "the presented key first");
        added.sort();
        assert_eq!(added, expected, "one line per key: {proposal:?}");
        for type_ in ["ssh-rsa", "ecdsa-sha2-nistp256"] {
            assert!(
                proposal
                    .notes
                    .iter()
                    .any(|n| n.contains(type_) && n.contains(how)),
                "{type_} {how}: {:?}",
                proposal.notes
            );
        }
        assert!(
            !kh[device].exists(),
            "nothing written before the confirmation"
        );

        let (outcome, after) = session.apply(device, FixKind::HostKey).await;
        assert!(outcome.verified, "{outcome:?}");
        assert_eq!(
            after.and_then(|a| a.host_key).map(|h| h.verdict),
            Some(HostKeyVerdict::Match)
        );
        assert_eq!(
            std::fs::read_to_string(&kh[device])
                .expect("written")
                .lines()
                .count(),
            3
        );
        for algorithm in ["rsa-sha2-512", "ecdsa-sha2-nistp256", "ssh-ed25519"] {
            let (_, said) =
                support::sshd::ssh_with_host_key_algorithm(port, &kh[device], algorithm).await;
            assert!(
                !said.contains("Host key verification failed")
                    && said.contains("Permission denied"),
                "{device} {algorithm}: {said}"
            );
        }
    }
}
