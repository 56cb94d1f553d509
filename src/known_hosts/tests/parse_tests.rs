//! Reading files and matching host fields.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::super::hostpat::{HostField, ListMatch, glob_match, hash_host_name, match_pattern_list};
use super::super::{KnownHosts, Marker};
use super::{key, key_b64, key_text, write};

fn parse(text: &str) -> KnownHosts {
    KnownHosts::parse_str(Path::new("kh"), text)
}

fn lines(found: &[&super::super::Entry]) -> Vec<usize> {
    found.iter().map(|e| e.line).collect()
}

#[test]
fn reads_plain_lines_with_comments_blank_lines_tabs_and_crlf() {
    let text = format!(
        "# comment\n\n   \n  # indented comment\nalpha {ed1} a comment\r\n\tbeta\t\t{ed2}\n  gamma   {p256}",
        ed1 = key_text("ed1"),
        ed2 = key_text("ed2"),
        p256 = key_text("p256"),
    );
    let kh = parse(&text);
    assert!(kh.warnings().is_empty(), "{:?}", kh.warnings());
    let got: Vec<(usize, &str, String)> = kh
        .entries()
        .iter()
        .map(|e| (e.line, e.hosts.as_str(), e.algorithm()))
        .collect();
    assert_eq!(
        got,
        vec![
            (5, "alpha", "ssh-ed25519".to_string()),
            (6, "beta", "ssh-ed25519".to_string()),
            (7, "gamma", "ecdsa-sha2-nistp256".to_string()),
        ]
    );
    assert_eq!(kh.entries()[0].comment, "a comment");
    assert_eq!(kh.entries()[0].public_key().unwrap(), key("ed1"));
    assert!(!kh.entries()[0].raw.ends_with('\r'));
}

#[test]
fn malformed_lines_are_skipped_with_file_and_line() {
    let ed = key_b64("ed1");
    let text = [
        format!("ok ssh-ed25519 {ed}"),
        "bad ssh-ed25519 !!!notbase64".to_string(),
        format!("bad ssh-foo {ed}"),
        "bad".to_string(),
        "bad ssh-ed25519".to_string(),
        format!("@bogus bad ssh-ed25519 {ed}"),
        format!("|1|bad|hash ssh-ed25519 {ed}"),
        format!("bad ssh-rsa {ed}"),
        format!("bad ecdsa-sha2-nistp384 {}", key_b64("p256")),
        format!("@revoked\tbad ssh-ed25519 {ed}"),
        format!("@revoked @revoked bad ssh-ed25519 {ed}"),
        format!("ok2 ssh-ed25519 {ed}"),
    ]
    .join("\n");
    let kh = parse(&text);
    assert_eq!(
        kh.entries().iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![1, 12]
    );
    let warned: Vec<usize> = kh.warnings().iter().map(|w| w.line).collect();
    assert_eq!(warned, (2..=11).collect::<Vec<_>>());
    assert!(kh.warnings().iter().all(|w| w.file == Path::new("kh")));
    assert!(kh.warnings()[1].message.contains("unknown key type"));
    assert_eq!(
        kh.warnings()[1].to_string(),
        "kh:3: unknown key type \"ssh-foo\""
    );
}

#[test]
fn markers_and_rsa_signature_type_names() {
    let text = format!(
        "@revoked * {}\n@cert-authority *.lab {}\n@revoked\talpha\tssh-ed25519\t{}\nalpha rsa-sha2-512 {}\n",
        key_text("ed1"),
        key_text("p384"),
        key_b64("ed2"),
        key_b64("rsa"),
    );
    let kh = parse(&text);
    assert!(kh.warnings().is_empty(), "{:?}", kh.warnings());
    let markers: Vec<Option<Marker>> = kh.entries().iter().map(|e| e.marker).collect();
    assert_eq!(
        markers,
        vec![
            Some(Marker::Revoked),
            Some(Marker::CertAuthority),
            Some(Marker::Revoked),
            None
        ]
    );
    assert_eq!(kh.entries()[3].algorithm(), "ssh-rsa");
}

#[test]
fn dsa_keys_are_read() {
    let kh = parse(&format!("old {}\n", key_text("dsa")));
    assert!(kh.warnings().is_empty(), "{:?}", kh.warnings());
    assert_eq!(kh.entries()[0].algorithm(), "ssh-dss");
}

#[test]
fn hashed_name_written_by_ssh_keygen_matches_only_that_name() {
    // From `ssh-keygen -H` on a line for "alpha".
    let text = format!(
        "|1|kh4SocPARI+J2YB5co3/Tgw0Gf8=|JEeUR4MZtsVEcy56I0zSguq6FVU= {}\n",
        key_text("ed1")
    );
    let kh = parse(&text);
    assert!(kh.entries()[0].is_hashed());
    assert_eq!(lines(&kh.lookup(&["alpha"], 22)), vec![1]);
    assert_eq!(lines(&kh.lookup(&["ALPHA"], 22)), vec![1], "ssh lowercases");
    assert!(kh.lookup(&["alpha"], 2222).is_empty());
    assert!(kh.lookup(&["beta"], 22).is_empty());
}

#[test]
fn own_hashes_match_and_ports_use_brackets() {
    let text = format!(
        "{} {}\n{} {}\n",
        hash_host_name("alpha"),
        key_text("ed1"),
        hash_host_name("[alpha]:2222"),
        key_text("ed2"),
    );
    let kh = parse(&text);
    assert_eq!(lines(&kh.lookup(&["alpha"], 22)), vec![1]);
    assert_eq!(lines(&kh.lookup(&["alpha"], 2222)), vec![2]);
    assert_eq!(lines(&kh.lookup(&["nope", "alpha"], 2222)), vec![2]);
}

#[test]
fn hashed_field_must_be_canonical_to_match() {
    let good = hash_host_name("alpha");
    let HostField::Hashed { mac: Some(_), .. } =
        HostField::parse(good.as_bytes()).expect("own hash parses")
    else {
        panic!("own hash must be matchable");
    };
    let with_suffix = format!("{good},beta");
    let field = HostField::parse(with_suffix.as_bytes()).expect("salt is still fine");
    assert!(!field.matches(b"alpha"), "OpenSSH compares the whole field");
    assert!(
        HostField::parse(b"|1|c2hvcnQ=|x").is_err(),
        "salt must be 20 bytes"
    );
    assert!(HostField::parse(b"|2|abc|def").is_err());
    assert!(HostField::parse(b"|1|nodelimiter").is_err());
}

#[test]
fn patterns_wildcards_negation_and_case() {
    assert_eq!(
        match_pattern_list(b"alpha", b"beta,alpha"),
        ListMatch::Positive
    );
    assert_eq!(match_pattern_list(b"alpha", b"AL?HA"), ListMatch::Positive);
    assert_eq!(match_pattern_list(b"ALPHA", b"alpha"), ListMatch::Positive);
    assert_eq!(
        match_pattern_list(b"x.lab", b"*.lab,!x.lab"),
        ListMatch::Negated
    );
    assert_eq!(
        match_pattern_list(b"y.lab", b"*.lab,!x.lab"),
        ListMatch::Positive
    );
    assert_eq!(match_pattern_list(b"lab", b"*.lab"), ListMatch::None);
    assert_eq!(
        match_pattern_list(b"[a]:2222", b"[a]:2222"),
        ListMatch::Positive
    );
    assert_eq!(match_pattern_list(b"[a]:2222", b"a"), ListMatch::None);
    let long = "a".repeat(1100);
    assert_eq!(
        match_pattern_list(b"alpha", format!("alpha,{long}").as_bytes()),
        ListMatch::None,
        "OpenSSH gives up on a list with a sub-pattern of 1023+ bytes"
    );
    assert!(glob_match(b"abc", b"a*c"));
    assert!(glob_match(b"abc", b"*"));
    assert!(glob_match(b"", b"*"));
    assert!(!glob_match(b"", b"?"));
    assert!(glob_match(b"aXbYc", b"a*b*c"));
    assert!(!glob_match(b"aXbY", b"a*b*c"));
    assert!(glob_match(b"mississippi", b"*sip*"));
}

#[test]
fn negated_pattern_excludes_the_line() {
    let text = format!(
        "!beta,* {}\n*.lab,!x.lab {}\n",
        key_text("ed1"),
        key_text("ed2")
    );
    let kh = parse(&text);
    assert_eq!(lines(&kh.lookup(&["alpha"], 22)), vec![1]);
    assert!(kh.lookup(&["beta"], 22).is_empty());
    assert_eq!(lines(&kh.lookup(&["y.lab"], 22)), vec![1, 2]);
    assert_eq!(lines(&kh.lookup(&["x.lab"], 22)), vec![1]);
    // A name matching through one hostname is enough, even if another is negated.
    assert_eq!(lines(&kh.lookup(&["beta", "alpha"], 22)), vec![1]);
}

#[test]
fn hostile_patterns_match_in_bounded_time() {
    let pattern = "*a".repeat(500) + "b";
    let host = "a".repeat(255);
    let start = Instant::now();
    assert!(!glob_match(host.as_bytes(), pattern.as_bytes()));
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn missing_file_is_empty_and_directory_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kh = KnownHosts::load(&[dir.path().join("absent"), dir.path().to_path_buf()]);
    assert!(kh.entries().is_empty());
    assert_eq!(kh.warnings().len(), 1);
    assert_eq!(kh.warnings()[0].file, dir.path());
    assert_eq!(kh.warnings()[0].line, 0);
}

#[test]
fn several_files_keep_their_own_names_and_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    write(&a, format!("alpha {}\n", key_text("ed1")).as_bytes());
    write(&b, format!("# x\nalpha {}\n", key_text("ed2")).as_bytes());
    let kh = KnownHosts::load(&[a.clone(), b.clone()]);
    let got: Vec<(PathBuf, usize)> = kh
        .lookup(&["alpha"], 22)
        .iter()
        .map(|e| (e.file.to_path_buf(), e.line))
        .collect();
    assert_eq!(got, vec![(a, 1), (b, 2)]);
}

#[test]
fn huge_lines_and_binary_garbage_do_not_break_the_file() {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(format!("first {}\n", key_text("ed1")).as_bytes());
    bytes.extend(std::iter::repeat_n(b'x', 200 * 1024));
    bytes.push(b'\n');
    bytes.extend((0..=255u8).cycle().take(10_000));
    bytes.push(b'\n');
    bytes.extend_from_slice(format!("last {}\n", key_text("ed2")).as_bytes());
    bytes.extend_from_slice(format!("nul\0{}\n", key_text("ed2")).as_bytes());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kh");
    write(&path, &bytes);
    let kh = KnownHosts::load(std::slice::from_ref(&path));
    let hosts: Vec<&str> = kh.entries().iter().map(|e| e.hosts.as_str()).collect();
    assert_eq!(hosts, vec!["first", "last"]);
    // The 200 KiB line is read whole, like OpenSSH: it is junk, not "too long".
    assert_eq!(kh.warnings()[0].line, 2);
    assert!(
        kh.warnings()[0]
            .message
            .contains("nothing after the host names"),
        "{}",
        kh.warnings()[0].message
    );
    assert!(
        kh.warnings()
            .iter()
            .all(|w| !w.message.chars().any(char::is_control))
    );
}

/// A correct entry is a correct entry however long its comment: OpenSSH reads it (it has no
/// line limit), so a host whose key contradicts it is `changed`, never `unknown`.
#[test]
fn an_entry_with_a_70_kb_comment_still_counts() {
    let comment = "c".repeat(70 * 1024);
    let text = format!("[r1]:2202 {} {comment}\n", key_text("ed2"));
    let kh = KnownHosts::parse_str(Path::new("kh"), &text);
    assert!(kh.warnings().is_empty(), "{:?}", kh.warnings());
    assert!(kh.unread().is_empty());
    let check = kh.check(&["r1"], 2202, &key("ed1"));
    assert_eq!(check.verdict, super::super::HostKeyVerdict::Changed);
    assert_eq!(check.entries.len(), 1);
    assert_eq!(check.entries[0].line, 1);
    assert_eq!(
        kh.check(&["r1"], 2202, &key("ed2")).verdict,
        super::super::HostKeyVerdict::Match
    );
}

#[test]
fn oversized_file_is_read_up_to_the_cap_and_makes_the_verdict_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kh");
    let filler = format!("#{}\n", "x".repeat(1023));
    let cap = super::super::line::MAX_FILE_BYTES as usize;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut put = |s: &str| std::io::Write::write_all(&mut file, s.as_bytes()).expect("write");
    put(&format!("first {}\n", key_text("ed1")));
    for _ in 0..cap / filler.len() {
        put(&filler);
    }
    put(&format!("beyond {}\n", key_text("ed2")));
    drop(file);
    let kh = KnownHosts::load(std::slice::from_ref(&path));
    let hosts: Vec<&str> = kh.entries().iter().map(|e| e.hosts.as_str()).collect();
    assert_eq!(hosts, vec!["first"]);
    assert!(kh.warnings().is_empty(), "{:?}", kh.warnings());
    assert_eq!(kh.unread().len(), 1, "{:?}", kh.unread());
    assert_eq!(kh.unread()[0].line, 0);
    assert!(kh.unread()[0].message.contains("larger than"));
    // What was not read may hold anything: neither "unknown" nor "match" can be said...
    use super::super::HostKeyVerdict;
    assert_eq!(
        kh.check(&["beyond"], 22, &key("ed1")).verdict,
        HostKeyVerdict::Unreadable
    );
    assert_eq!(
        kh.check(&["first"], 22, &key("ed1")).verdict,
        HostKeyVerdict::Unreadable
    );
    // ...but a contradiction in what was read stands.
    assert_eq!(
        kh.check(&["first"], 22, &key("ed2")).verdict,
        HostKeyVerdict::Changed
    );
}

#[test]
fn junk_files_give_a_bounded_number_of_warnings() {
    let junk = "x\n".repeat(100_000);
    let kh = KnownHosts::parse_str(Path::new("junk"), &junk);
    assert_eq!(kh.warnings().len(), 101);
    let last = kh.warnings().last().expect("summary");
    assert_eq!(last.line, 0);
    assert!(last.message.starts_with("99900 more"), "{}", last.message);
}
