//! Verdicts, evidence, fingerprints and algorithm preference.

use std::path::Path;

use super::super::{EntryRef, HostKeyVerdict, KnownHosts, Marker, fingerprint};
use super::{KEYS, key, key_text, ssh_keygen, write};

fn parse(text: &str) -> KnownHosts {
    KnownHosts::parse_str(Path::new("/home/u/.ssh/known_hosts"), text)
}

#[test]
fn match_lists_the_entry_with_file_line_and_fingerprint() {
    let kh = parse(&format!("# c\nr1,10.0.0.1 {}\n", key_text("ed1")));
    let check = kh.check(&["r1", "10.0.0.1"], 22, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Match);
    assert_eq!(
        check.entries,
        vec![EntryRef {
            file: "/home/u/.ssh/known_hosts".into(),
            line: 2,
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:+w3KMpn9PlTTGW08YGoDXnDs1PednHRpeje/MO66nwc".into(),
            marker: None,
            matches_key: true,
        }]
    );
}

#[test]
fn address_alone_is_enough_to_match() {
    let kh = parse(&format!("10.0.0.1 {}\n", key_text("ed1")));
    assert_eq!(
        kh.check(&["r1", "10.0.0.1"], 22, &key("ed1")).verdict,
        HostKeyVerdict::Match
    );
}

#[test]
fn unknown_when_nothing_is_on_file_for_the_host() {
    let kh = parse(&format!("other {}\n", key_text("ed1")));
    let check = kh.check(&["r1"], 22, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Unknown);
    assert!(check.entries.is_empty());
}

#[test]
fn changed_when_the_same_type_holds_another_key() {
    let kh = parse(&format!("r1 {}\n", key_text("ed2")));
    let presented = key("ed1");
    let check = kh.check(&["r1"], 22, &presented);
    assert_eq!(check.verdict, HostKeyVerdict::Changed);
    assert_eq!(check.entries.len(), 1);
    assert!(!check.entries[0].matches_key);
    assert_eq!(check.entries[0].fingerprint, KEYS[1].2);
    assert!(check.same_type_on_file(&presented));
}

#[test]
fn changed_when_only_other_types_are_on_file_like_openssh() {
    // ssh 9.2 says "REMOTE HOST IDENTIFICATION HAS CHANGED" here too.
    let kh = parse(&format!("r1 {}\n", key_text("rsa")));
    let presented = key("ed1");
    let check = kh.check(&["r1"], 22, &presented);
    assert_eq!(check.verdict, HostKeyVerdict::Changed);
    assert!(!check.same_type_on_file(&presented));
}

#[test]
fn any_matching_entry_wins_over_stale_ones() {
    let kh = parse(&format!(
        "r1 {}\n10.0.0.1 {}\n",
        key_text("ed2"),
        key_text("ed1")
    ));
    let check = kh.check(&["r1", "10.0.0.1"], 22, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Match);
    assert_eq!(check.entries.len(), 2);
}

#[test]
fn revoked_line_for_the_host_wins() {
    let kh = parse(&format!(
        "r1 {}\n@revoked * {}\n",
        key_text("ed1"),
        key_text("ed1")
    ));
    let check = kh.check(&["r1"], 22, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Revoked);
    let revoked: Vec<(usize, Option<Marker>)> =
        check.entries.iter().map(|e| (e.line, e.marker)).collect();
    assert_eq!(revoked, vec![(1, None), (2, Some(Marker::Revoked))]);
}

#[test]
fn revoked_line_for_another_host_does_not_apply_like_openssh() {
    let kh = parse(&format!(
        "r1 {}\n@revoked other {}\n",
        key_text("ed1"),
        key_text("ed1")
    ));
    assert_eq!(
        kh.check(&["r1"], 22, &key("ed1")).verdict,
        HostKeyVerdict::Match
    );
}

#[test]
fn cert_authority_lines_are_listed_but_never_match() {
    let kh = parse(&format!("@cert-authority *.lab {}\n", key_text("ed1")));
    let check = kh.check(&["r1.lab"], 22, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Unknown);
    assert_eq!(check.entries.len(), 1);
    assert_eq!(check.entries[0].marker, Some(Marker::CertAuthority));
}

#[test]
fn non_default_port_uses_bracket_entries() {
    let kh = parse(&format!(
        "r1 {}\n[r1]:2222 {}\n",
        key_text("ed1"),
        key_text("ed2")
    ));
    assert_eq!(
        kh.check(&["r1"], 2222, &key("ed2")).verdict,
        HostKeyVerdict::Match
    );
    let check = kh.check(&["r1"], 2222, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Changed);
    assert_eq!(check.entries.len(), 1);
    assert_eq!(check.entries[0].line, 2);
}

#[test]
fn non_default_port_falls_back_to_a_matching_bare_entry_like_ssh() {
    let kh = parse(&format!("r1 {}\n", key_text("ed1")));
    let check = kh.check(&["r1"], 2222, &key("ed1"));
    assert_eq!(check.verdict, HostKeyVerdict::Match);
    assert_eq!(check.entries.len(), 1);
    assert_eq!(check.entries[0].line, 1);
    // A different key under the bare name does not count as changed for the port.
    let check = kh.check(&["r1"], 2222, &key("ed2"));
    assert_eq!(check.verdict, HostKeyVerdict::Unknown);
    assert!(check.entries.is_empty());
}

#[test]
fn comment_differences_do_not_matter() {
    let kh = parse(&format!("r1 {} someone@else\n", key_text("ed1")));
    assert_eq!(
        kh.check(&["r1"], 22, &key("ed1")).verdict,
        HostKeyVerdict::Match
    );
}

#[test]
fn fingerprints_equal_ssh_keygen() {
    for (name, _, expected) in KEYS {
        assert_eq!(fingerprint(&key(name)), *expected, "{name}");
    }
    let Some(mut cmd) = ssh_keygen() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("key.pub");
    write(&path, format!("{}\n", key_text("p384")).as_bytes());
    let out = cmd.arg("-lf").arg(&path).output().expect("run ssh-keygen");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let printed = stdout
        .split(' ')
        .nth(1)
        .expect("ssh-keygen -l prints bits fp ...");
    assert_eq!(printed, fingerprint(&key("p384")));
}

#[test]
fn algorithms_on_file_in_file_order_without_duplicates() {
    let kh = parse(&format!(
        "r1 {}\n@cert-authority r1 {}\nr1 {}\n10.0.0.1 {}\nr1 {}\n",
        key_text("p256"),
        key_text("ed3"),
        key_text("rsa"),
        key_text("ed1"),
        key_text("p256"),
    ));
    assert_eq!(
        kh.algorithms_for(&["r1", "10.0.0.1"], 22),
        vec!["ecdsa-sha2-nistp256", "ssh-rsa", "ssh-ed25519"]
    );
    assert!(kh.algorithms_for(&["r1"], 2222).is_empty());
}

#[test]
fn host_key_algorithms_are_reordered_like_ssh() {
    let defaults = [
        "ssh-ed25519-cert-v01@openssh.com",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "rsa-sha2-512",
        "rsa-sha2-256",
    ];
    let rsa_only = parse(&format!("r1 {}\n", key_text("rsa")));
    assert_eq!(
        rsa_only.order_host_key_algorithms(&["r1"], 22, &defaults),
        vec![
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-ed25519-cert-v01@openssh.com",
            "ssh-ed25519",
            "ecdsa-sha2-nistp256"
        ]
    );
    let ed = parse(&format!("r1 {}\n", key_text("ed1")));
    assert_eq!(
        ed.order_host_key_algorithms(&["r1"], 22, &defaults),
        defaults.to_vec(),
        "the best-preference type is known (cert counts as its plain type): list unchanged"
    );
    let nothing = parse("");
    assert_eq!(
        nothing.order_host_key_algorithms(&["r1"], 22, &defaults),
        defaults.to_vec()
    );
}

/// The name index only narrows a lookup: it finds exactly what matching every line finds,
/// for literal names in any case, lists, ports, patterns, negations and hashed names.
#[test]
fn the_name_index_finds_what_a_full_scan_finds() {
    let hashed = {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("kh");
        std::fs::write(&file, format!("h1.lab {}\n", key_text("ed2"))).expect("write");
        let status = std::process::Command::new("ssh-keygen")
            .arg("-H")
            .arg("-f")
            .arg(&file)
            .output()
            .expect("ssh-keygen -H");
        assert!(status.status.success());
        std::fs::read_to_string(&file).expect("hashed")
    };
    let text = format!(
        "R1.Lab,10.0.0.1 {ed1}\n[r1.lab]:2222 {ed2}\nr*.lab,!r9.lab {p256}\n\
         [10.0.0.?]:* {rsa}\n@revoked * {ed3}\n{hashed}r2.lab,R2.LAB {ed1}\n",
        ed1 = key_text("ed1"),
        ed2 = key_text("ed2"),
        ed3 = key_text("ed3"),
        p256 = key_text("p256"),
        rsa = key_text("rsa"),
    );
    let kh = parse(&text);
    for names in [
        vec!["r1.lab"],
        vec!["R1.LAB", "10.0.0.1"],
        vec!["r9.lab"],
        vec!["r2.lab"],
        vec!["h1.lab"],
        vec!["10.0.0.7"],
        vec!["nothing"],
    ] {
        for port in [22, 2222, 830] {
            let lookup_names: Vec<String> = names
                .iter()
                .map(|n| super::super::lookup_name(n, port))
                .collect();
            let scanned: Vec<usize> = kh
                .entries()
                .iter()
                .filter(|e| lookup_names.iter().any(|n| e.matches_name(n)))
                .map(|e| e.line)
                .collect();
            let indexed: Vec<usize> = kh.lookup(&names, port).iter().map(|e| e.line).collect();
            assert_eq!(indexed, scanned, "{names:?} port {port}");
        }
    }
    assert_eq!(
        kh.lookup(&["R1.LAB"], 22)
            .iter()
            .map(|e| e.line)
            .collect::<Vec<_>>(),
        [1, 3, 5]
    );
}
