//! Property tests for the round trips every edit promises: whatever the file looks like, a
//! known_hosts prune or accept, an ssh_config fix and an Ansible inventory fix keep every line
//! they do not name as removed byte for byte (line endings, comments, spacing) and in order.

use proptest::prelude::*;
use sshtriage::fix::{ansible_edit, ssh_config_edit};
use sshtriage::known_hosts::{self, Target};
use std::sync::atomic::{AtomicUsize, Ordering};

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOK67TF4LzF+miz+HdM/y6Md6Ywx1VjqSm+2CMFLJQJj";
const OTHER: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDVe4CfdXd7FC4ORneuXor+3+PEKHLYrw13AxRTEeI3a";

/// Cases that were edited rather than refused (`most_generated_files_are_edited` checks).
static SSH_CONFIG_EDITS: AtomicUsize = AtomicUsize::new(0);
static ANSIBLE_EDITS: AtomicUsize = AtomicUsize::new(0);
static PRUNE_EDITS: AtomicUsize = AtomicUsize::new(0);

/// Lines of a file, each with its own line ending (the last may have none).
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// `lines` without the 1-based line numbers `skip`.
fn without(all: &[Vec<u8>], skip: &[usize]) -> Vec<Vec<u8>> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(&(i + 1)))
        .map(|(_, l)| l.clone())
        .collect()
}

/// True when `kept` appears in `all` in order (other lines may come between).
fn in_order(kept: &[Vec<u8>], all: &[Vec<u8>]) -> bool {
    let mut rest = all.iter();
    kept.iter().all(|line| rest.any(|l| l == line))
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just(" \n"), Just("\t\n")]
}

fn known_hosts_line() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        Just("r1"),
        Just("R1"),
        Just("r2"),
        Just("r1,10.0.0.1"),
        Just("[r1]:2222"),
        Just("r*"),
        Just("!r1,*"),
        Just("10.0.0.1"),
    ];
    let key = prop_oneof![Just(KEY), Just(OTHER)];
    prop_oneof![
        (host, key, ending(), prop::option::of("[a-z ]{0,12}")).prop_map(|(h, k, e, c)| {
            format!(
                "{h} {k}{}{e}",
                c.map(|c| format!(" {c}")).unwrap_or_default()
            )
        }),
        ("[ a-z#]{0,20}", ending()).prop_map(|(c, e)| format!("#{c}{e}")),
        // A line of only "\r" is a host with no key to ssh-keygen: prune refuses such a file
        // (tested against ssh-keygen elsewhere), so blank lines here are the valid kinds.
        prop_oneof![Just("\n"), Just(" \n"), Just("\t\n")].prop_map(str::to_owned),
        ending().prop_map(|e| format!("@revoked * {KEY}{e}")),
    ]
}

fn ssh_config_line() -> impl Strategy<Value = String> {
    let keyword = prop_oneof![
        Just("Port 2222"),
        Just("port=2200"),
        Just("User admin"),
        Just("HostName 127.0.0.1"),
        Just("KexAlgorithms +diffie-hellman-group1-sha1"),
        Just("Ciphers aes128-ctr"),
        Just("IdentityFile ~/.ssh/id_ed25519"),
    ];
    let host = prop_oneof![
        Just("Host lab1"),
        Just("Host lab*"),
        Just("Host other"),
        Just("Host *"),
        Just("Host lab1 !lab2"),
    ];
    prop_oneof![
        3 => ("[ \t]{0,4}", keyword, ending()).prop_map(|(i, k, e)| format!("{i}{k}{e}")),
        1 => (host, ending()).prop_map(|(h, e)| format!("{h}{e}")),
        1 => ("[ a-z#]{0,20}", ending()).prop_map(|(c, e)| format!("# {c}{e}")),
        1 => ending().prop_map(str::to_owned),
    ]
}

fn ansible_line() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => ("h[1-4]", prop::option::of("ansible_port=22[0-9]{2}"), ending())
            .prop_map(|(h, v, e)| format!("{h}{}{e}", v.map(|v| format!(" {v}")).unwrap_or_default())),
        1 => prop_oneof![Just("[routers]"), Just("[switches]"), Just("[all:vars]")]
            .prop_map(|g| format!("{g}\n")),
        1 => ("[ a-z]{0,20}", ending()).prop_map(|(c, e)| format!("# {c}{e}")),
        1 => ("[ a-z]{0,20}", ending()).prop_map(|(c, e)| format!("; {c}{e}")),
        1 => ending().prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_prune_keeps_every_line_it_does_not_remove(file in prop::collection::vec(known_hosts_line(), 0..24)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        let original = file.concat().into_bytes();
        std::fs::write(&path, &original).unwrap();
        let targets = [Target::Host { host: "r1".into(), port: 22 }];
        let report = match known_hosts::prune(&path, &targets, false) {
            Ok(report) => report,
            Err(known_hosts::EditError::InvalidLines { lines: bad, .. }) => {
                // Refusing, as ssh-keygen -R does, leaves the file as it was.
                prop_assert!(!bad.is_empty());
                prop_assert_eq!(std::fs::read(&path).unwrap(), original);
                return Ok(());
            }
            Err(e) => panic!("{e}"),
        };
        PRUNE_EDITS.fetch_add(1, Ordering::Relaxed);
        let removed: Vec<usize> = report.removed.iter().map(|r| r.line).collect();
        let after = std::fs::read(&path).unwrap();
        prop_assert_eq!(lines(&after), without(&lines(&original), &removed));
        for line in &report.removed {
            prop_assert_eq!(&lines(&original)[line.line - 1], &line.raw);
        }
    }

    #[test]
    fn an_ssh_config_fix_keeps_every_line_it_does_not_replace(file in prop::collection::vec(ssh_config_line(), 0..24)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let original = file.concat();
        std::fs::write(&path, &original).unwrap();
        let options = [(ssh_config_edit::Keyword::KexAlgorithms, "+diffie-hellman-group14-sha1".to_owned())];
        let Ok(edit) = ssh_config_edit::plan_with(&path, "lab1", &options, dir.path(), None) else {
            // Refusing is allowed (it says why); rewriting unrelated lines is not.
            return Ok(());
        };
        SSH_CONFIG_EDITS.fetch_add(1, Ordering::Relaxed);
        // Every line not reported removed is still there, byte for byte, in order; the new
        // text has exactly the reported number of lines more.
        let removed: Vec<usize> = edit.removed.iter().map(|l| l.line).collect();
        let kept = without(&lines(original.as_bytes()), &removed);
        prop_assert!(in_order(&kept, &lines(&edit.updated)), "{:?}", String::from_utf8_lossy(&edit.updated));
        prop_assert_eq!(lines(&edit.updated).len(), kept.len() + edit.added.len());
        prop_assert!(String::from_utf8_lossy(&edit.updated).contains("diffie-hellman-group14-sha1"));
    }

    #[test]
    fn an_ansible_fix_keeps_every_line_it_does_not_replace(file in prop::collection::vec(ansible_line(), 0..20)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts.ini");
        let original = format!("[routers]\nh1 ansible_host=127.0.0.1\n{}", file.concat());
        std::fs::write(&path, &original).unwrap();
        let add = ["-o".to_owned(), "KexAlgorithms=+diffie-hellman-group14-sha1".to_owned()];
        let Ok(edit) = ansible_edit::plan_ssh_args(&path, "h1", &add) else {
            return Ok(());
        };
        ANSIBLE_EDITS.fetch_add(1, Ordering::Relaxed);
        if edit.path != path {
            // A host_vars file: the inventory itself is not touched.
            prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
            return Ok(());
        }
        let removed: Vec<usize> = edit.removed.iter().map(|l| l.line).collect();
        let kept = without(&lines(original.as_bytes()), &removed);
        prop_assert!(in_order(&kept, &lines(&edit.updated)), "{:?}", String::from_utf8_lossy(&edit.updated));
        prop_assert_eq!(lines(&edit.updated).len(), kept.len() + edit.added.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn an_accept_only_appends(file in prop::collection::vec(known_hosts_line(), 0..16), cut in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        let mut original = file.concat().into_bytes();
        if cut && original.ends_with(b"\n") {
            original.pop();
        }
        std::fs::write(&path, &original).unwrap();
        let key = russh::keys::ssh_key::PublicKey::from_openssh(KEY).unwrap();
        known_hosts::accept(&path, "r3", 2222, &key, false).unwrap();
        let after = std::fs::read(&path).unwrap();
        prop_assert!(after.starts_with(&original));
        let tail = String::from_utf8_lossy(&after[original.len()..]).into_owned();
        let expected = format!("[r3]:2222 {KEY}\n");
        prop_assert!(tail == expected || tail == format!("\n{expected}"), "{:?}", tail);
    }
}

/// The properties above would hold vacuously if every generated file were refused: most are
/// edited (this runs them again, in this thread, and counts).
#[test]
fn most_generated_files_are_edited() {
    an_ssh_config_fix_keeps_every_line_it_does_not_replace();
    an_ansible_fix_keeps_every_line_it_does_not_replace();
    a_prune_keeps_every_line_it_does_not_remove();
    let (ssh, ansible, prune) = (
        SSH_CONFIG_EDITS.load(Ordering::Relaxed),
        ANSIBLE_EDITS.load(Ordering::Relaxed),
        PRUNE_EDITS.load(Ordering::Relaxed),
    );
    assert!(
        ssh >= 2 * 96 / 3 && ansible >= 2 * 96 / 3 && prune >= 2 * 96 / 3,
        "edited: ssh_config {ssh}, Ansible {ansible}, known_hosts prune {prune}"
    );
}
