//! Differential tests against the real OpenSSH `ssh-keygen`: which lines `-F` finds, and
//! what `-R` writes (file and backup), over generated files.

use std::fs;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::super::{EditError, KnownHosts, Target, prune};
use super::{key_b64, ssh_keygen, write};

const HOST_FIELDS: &[&str] = &[
    "alpha",
    "beta",
    "alpha,beta",
    "gamma.lab",
    "*.lab",
    "!gamma.lab,*.lab",
    "al?ha",
    "ALPHA",
    "Beta,delta",
    "10.0.0.1",
    "alpha,10.0.0.1",
    "[alpha]:2222",
    "[10.0.0.1]:2222",
    "[alpha]:2222,alpha",
    "*",
    "!beta,*",
    "[*]:2222",
    "delta",
    "10.0.0.*",
    "!10.0.0.1,10.0.0.*",
    "zeta,,alpha",
    "[alpha]:22",
    "[al*]:2222",
];

const QUERIES: &[&str] = &[
    "alpha",
    "beta",
    "gamma.lab",
    "delta",
    "10.0.0.1",
    "10.0.0.7",
    "zeta",
    "omega",
];

const PORTS: &[u16] = &[22, 2222];

/// (type name written on the line, fixed key whose blob follows)
const KEY_CHOICES: &[(&str, &str)] = &[
    ("ssh-ed25519", "ed1"),
    ("ssh-ed25519", "ed2"),
    ("ssh-ed25519", "ed3"),
    ("ecdsa-sha2-nistp256", "p256"),
    ("ecdsa-sha2-nistp384", "p384"),
    ("ssh-rsa", "rsa"),
    ("rsa-sha2-256", "rsa"),
    ("ssh-dss", "dsa"),
];

fn malformed_lines() -> Vec<String> {
    let ed = key_b64("ed1");
    vec![
        "alpha ssh-ed25519 !!!notbase64".to_string(),
        format!("alpha ssh-foo {ed}"),
        "alpha".to_string(),
        "alpha ssh-ed25519".to_string(),
        "alpha ssh-ed25519 # nothing".to_string(),
        format!("@bogus alpha ssh-ed25519 {ed}"),
        format!("|1|bad|hash ssh-ed25519 {ed}"),
        format!("|1|kh4SocPARI+J2YB5co3/Tgw0Gf8=|wrong ssh-ed25519 {ed}"),
        format!("alpha ssh-rsa {ed}"),
        format!("alpha ecdsa-sha2-nistp384 {}", key_b64("p256")),
        format!("@revoked\talpha ssh-ed25519 {ed}"),
        format!("@revoked @cert-authority alpha ssh-ed25519 {ed}"),
        "1024 35 12345 alpha".to_string(),
        format!("alpha ED25519 {ed}"),
        format!("alpha ssh-ed25519 {}", &ed[..ed.len() - 4]),
    ]
}

struct Style {
    crlf: bool,
    malformed: bool,
    tabs: bool,
}

fn pick<T: Clone>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())].clone()
}

fn entry_line(rng: &mut StdRng, style: &Style) -> String {
    let seps: &[&str] = if style.tabs {
        &[" ", "\t", "  ", " \t", "\t\t"]
    } else {
        &[" "]
    };
    let marker = match rng.random_range(0..10) {
        0 => "@revoked",
        1 => "@cert-authority",
        _ => "",
    };
    let (type_name, key) = pick(rng, KEY_CHOICES);
    let comment = pick(rng, &["", " c", " user@host", "\tx y"]);
    let mut line = String::new();
    if !marker.is_empty() {
        line.push_str(marker);
        line.push_str(pick(rng, seps));
    }
    line.push_str(pick(rng, HOST_FIELDS));
    line.push_str(pick(rng, seps));
    line.push_str(type_name);
    line.push_str(pick(rng, seps));
    line.push_str(key_b64(key));
    line.push_str(comment);
    if rng.random_range(0..8) == 0 {
        line.insert_str(0, pick(rng, seps));
    }
    line
}

fn generate(seed: u64, style: &Style) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let malformed = malformed_lines();
    let count = rng.random_range(5..30);
    let mut out = String::new();
    for _ in 0..count {
        let line = match rng.random_range(0..20) {
            0 => "# alpha comment".to_string(),
            1 => "   # indented".to_string(),
            2 => String::new(),
            3 if style.tabs => " \t".to_string(),
            4 | 5 if style.malformed => pick(&mut rng, &malformed),
            _ => entry_line(&mut rng, style),
        };
        out.push_str(&line);
        out.push_str(if style.crlf && rng.random_range(0..4) != 0 {
            "\r\n"
        } else {
            "\n"
        });
    }
    if rng.random_range(0..5) == 0 {
        out.pop(); // sometimes no final newline
        if out.ends_with('\r') {
            out.pop();
        }
    }
    out.into_bytes()
}

fn query_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Line numbers from ssh-keygen's "FILE:N: invalid line" messages.
fn invalid_lines(stderr: &[u8]) -> Vec<usize> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|l| l.strip_suffix(": invalid line"))
        .filter_map(|l| l.rsplit(':').next())
        .map(|n| n.parse().expect("ssh-keygen prints a line number"))
        .collect()
}

/// Line numbers from "# Host NAME found: line N ..." lines.
fn found_lines(stdout: &[u8]) -> Vec<usize> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| l.starts_with("# Host "))
        .filter_map(|l| l.split(" found: line ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|n| n.parse().expect("ssh-keygen prints a line number"))
        .collect()
}

/// How much a batch of comparisons exercised, so a generator that stops producing
/// interesting files makes the test fail instead of passing vacuously.
#[derive(Default)]
struct Coverage {
    lookups_found: usize,
    prunes_changed: usize,
    prunes_refused: usize,
}

/// `ssh-keygen -l -F` parses keys like ssh does when it loads known_hosts.
fn compare_lookups(file: &Path, label: &str, coverage: &mut Coverage) {
    let kh = KnownHosts::load(&[file.to_path_buf()]);
    for host in QUERIES {
        for &port in PORTS {
            let Some(mut cmd) = ssh_keygen() else { return };
            let name = query_name(host, port);
            let out = cmd
                .args(["-l", "-F", &name, "-f"])
                .arg(file)
                .output()
                .expect("run ssh-keygen -F");
            let expected = found_lines(&out.stdout);
            coverage.lookups_found += usize::from(!expected.is_empty());
            let ours: Vec<usize> = kh.lookup(&[host], port).iter().map(|e| e.line).collect();
            assert_eq!(
                ours,
                expected,
                "{label}: lookup {name}\nfile:\n{}",
                String::from_utf8_lossy(&fs::read(file).unwrap_or_default())
            );
        }
    }
}

/// Our prune against `ssh-keygen -R` on copies of the same file.
fn compare_prunes(original: &[u8], label: &str, coverage: &mut Coverage) {
    for host in QUERIES {
        for &port in PORTS {
            let Some(mut cmd) = ssh_keygen() else { return };
            let name = query_name(host, port);
            let theirs = tempfile::tempdir().expect("tempdir");
            let ours = tempfile::tempdir().expect("tempdir");
            let their_file = theirs.path().join("kh");
            let our_file = ours.path().join("kh");
            write(&their_file, original);
            write(&our_file, original);
            let out = cmd
                .args(["-R", &name, "-f"])
                .arg(&their_file)
                .output()
                .expect("run ssh-keygen -R");
            let result = prune(
                &our_file,
                &[Target::Host {
                    host: host.to_string(),
                    port,
                }],
                false,
            );
            let context = format!(
                "{label}: -R {name}\nfile:\n{}\nssh-keygen stderr: {}",
                String::from_utf8_lossy(original),
                String::from_utf8_lossy(&out.stderr)
            );
            let refused = String::from_utf8_lossy(&out.stderr).contains("not a valid known_hosts");
            if refused {
                coverage.prunes_refused += 1;
                // ssh-keygen will not edit a file with invalid lines, and neither do we: the
                // same lines are named, both files are left as they were.
                let Err(EditError::InvalidLines { lines, .. }) = &result else {
                    panic!("ssh-keygen refused, we did not: {result:?}\n{context}");
                };
                let named: Vec<usize> = lines.iter().map(|l| l.line).collect();
                assert_eq!(named, invalid_lines(&out.stderr), "{context}");
                assert_eq!(fs::read(&their_file).expect("read"), original, "{context}");
                assert_eq!(fs::read(&our_file).expect("read"), original, "{context}");
                assert!(!ours.path().join("kh.old").exists(), "{context}");
                continue;
            }
            let report = result.unwrap_or_else(|e| panic!("{e}\n{context}"));
            let removed: Vec<usize> = report.removed.iter().map(|r| r.line).collect();
            assert_eq!(removed, found_lines(&out.stdout), "{context}");
            assert!(out.status.success(), "{context}");
            assert_eq!(
                fs::read(&our_file).expect("read ours"),
                fs::read(&their_file).expect("read theirs"),
                "{context}"
            );
            let their_backup = theirs.path().join("kh.old");
            let our_backup = ours.path().join("kh.old");
            assert_eq!(our_backup.exists(), their_backup.exists(), "{context}");
            assert_eq!(report.backup.is_some(), their_backup.exists(), "{context}");
            coverage.prunes_changed += usize::from(their_backup.exists());
            if their_backup.exists() {
                assert_eq!(
                    fs::read(&our_backup).expect("read"),
                    fs::read(&their_backup).expect("read"),
                    "{context}"
                );
            }
        }
    }
}

fn run_generated(seeds: std::ops::Range<u64>, style: &Style, label: &str) -> Coverage {
    let mut coverage = Coverage::default();
    if ssh_keygen().is_none() {
        return coverage;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in seeds {
        let bytes = generate(seed, style);
        let file = dir.path().join(format!("kh{seed}"));
        write(&file, &bytes);
        let label = format!("{label} seed {seed}");
        compare_lookups(&file, &label, &mut coverage);
        compare_prunes(&bytes, &label, &mut coverage);
    }
    coverage
}

#[test]
fn plain_files_match_ssh_keygen() {
    let style = Style {
        crlf: false,
        malformed: false,
        tabs: false,
    };
    let coverage = run_generated(0..10, &style, "plain");
    if ssh_keygen().is_some() {
        assert!(coverage.lookups_found > 30 && coverage.prunes_changed > 30);
    }
}

#[test]
fn whitespace_variants_and_crlf_match_ssh_keygen() {
    let style = Style {
        crlf: true,
        malformed: false,
        tabs: true,
    };
    let coverage = run_generated(100..110, &style, "crlf+tabs");
    if ssh_keygen().is_some() {
        assert!(coverage.lookups_found > 30 && coverage.prunes_changed > 10);
        assert!(
            coverage.prunes_refused > 0,
            "blank CRLF lines make ssh-keygen refuse"
        );
    }
}

#[test]
fn files_with_malformed_lines_match_ssh_keygen() {
    let style = Style {
        crlf: false,
        malformed: true,
        tabs: true,
    };
    let coverage = run_generated(200..210, &style, "malformed");
    if ssh_keygen().is_some() {
        assert!(coverage.lookups_found > 30 && coverage.prunes_refused > 30);
    }
}

#[test]
fn hashed_files_match_ssh_keygen() {
    let Some(_) = ssh_keygen() else { return };
    let style = Style {
        crlf: false,
        malformed: false,
        tabs: false,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let malformed = malformed_lines();
    let mut hashed_lines = 0;
    let mut coverage = Coverage::default();
    for seed in 300..310 {
        let file = dir.path().join(format!("kh{seed}"));
        write(&file, &generate(seed, &style));
        let mut cmd = ssh_keygen().expect("checked above");
        let out = cmd.arg("-H").arg("-f").arg(&file).output().expect("run -H");
        assert!(
            out.status.success(),
            "ssh-keygen -H: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut bytes = fs::read(&file).expect("read hashed");
        hashed_lines += bytes.windows(4).filter(|w| w == b"\n|1|").count();
        if seed % 2 == 0 {
            // Hand-made broken hashes and other junk after ssh-keygen's output.
            for line in malformed.iter().skip(seed as usize % 5).step_by(3) {
                bytes.extend_from_slice(line.as_bytes());
                bytes.push(b'\n');
            }
            write(&file, &bytes);
        }
        let label = format!("hashed seed {seed}");
        compare_lookups(&file, &label, &mut coverage);
        compare_prunes(&bytes, &label, &mut coverage);
    }
    assert!(
        hashed_lines > 20,
        "ssh-keygen -H hashed only {hashed_lines} lines"
    );
    assert!(coverage.lookups_found > 30 && coverage.prunes_changed > 30);
    assert!(
        coverage.prunes_refused > 0,
        "broken hashes make ssh-keygen refuse"
    );
}

/// Entries with comments far past any line limit we once had (64 KiB): ssh-keygen finds and
/// removes them, and so must we.
#[test]
fn lines_of_70_kb_match_ssh_keygen() {
    let Some(_) = ssh_keygen() else { return };
    let long = "c".repeat(70 * 1024);
    let mut bytes = Vec::new();
    for (i, field) in ["[alpha]:2222", "alpha", "beta", "*.lab"]
        .iter()
        .enumerate()
    {
        let key = ["ed1", "ed2", "p256", "rsa"][i];
        let (kind, _) = KEY_CHOICES
            .iter()
            .find(|(_, k)| *k == key)
            .expect("fixed key");
        bytes.extend_from_slice(format!("{field} {kind} {} {long}\n", key_b64(key)).as_bytes());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("kh");
    write(&file, &bytes);
    let mut coverage = Coverage::default();
    compare_lookups(&file, "70 KB lines", &mut coverage);
    compare_prunes(&bytes, "70 KB lines", &mut coverage);
    assert!(coverage.lookups_found >= 4, "{}", coverage.lookups_found);
    assert!(coverage.prunes_changed >= 3, "{}", coverage.prunes_changed);
}
