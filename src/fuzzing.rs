//! Entry points for the fuzz targets under `fuzz/` and for replaying their corpora in an
//! ordinary `cargo test` (`tests/fuzz_corpus.rs`), so CI replays every saved input on stable.
//! Each takes arbitrary bytes and must return without panicking, in bounded time and memory;
//! what it returns is thrown away. Not an API: only the fuzz targets and that test use it.

use std::path::Path;

use crate::known_hosts::KnownHosts;
use crate::profile::Profiles;
use crate::sources::Format;

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// Every target, by the name of its fuzz target and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("ident", ident),
    ("packet", packet),
    ("auth_banner", auth_banner),
    ("known_hosts", known_hosts),
    ("host_pattern", host_pattern),
    ("ssh_config", ssh_config),
    ("inventory", inventory),
    ("prompt", prompt),
    ("shell_log", shell_log),
];

/// Runs the target called `name`; false when there is none.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|(n, _)| *n == name) {
        Some((_, target)) => {
            target(data);
            true
        }
        None => false,
    }
}

/// The identification line and pre-banner reader: each line classified, and the text shown
/// for a peer that does not speak SSH.
pub fn ident(data: &[u8]) {
    for line in data.split(|&b| b == b'\n') {
        let _ = crate::wire::ident::classify(line);
    }
    let description = crate::wire::ident::describe_non_ssh(data);
    let _ = crate::wire::ident::clip(&description, 80);
}

/// The packet reader, KEXINIT parser and DISCONNECT decoder: a length header, then a body.
pub fn packet(data: &[u8]) {
    let _ = crate::wire::kexinit::disconnect_reason(data);
    let Some((header, body)) = data.split_first_chunk::<4>() else {
        return;
    };
    if crate::wire::kexinit::check_length(*header).is_err() {
        return;
    }
    if let Ok(payload) = crate::wire::kexinit::payload(body) {
        let _ = crate::wire::kexinit::disconnect_reason(payload);
        if let Ok(kexinit) = crate::wire::kexinit::parse(payload) {
            let _ = crate::wire::kexinit::encode(&kexinit.lists);
        }
    }
}

/// USERAUTH_BANNER messages as the server sends them (RFC 4252 §5.4: the message string and a
/// language tag), one after another, through everything sshtriage does with them: decoded,
/// kept within its limit, shown in a terminal and written as JSON. What is kept is bounded,
/// what a terminal gets has no control character, and JSON reads back as what was kept.
pub fn auth_banner(data: &[u8]) {
    use crate::engine::client::{MAX_AUTH_BANNER, keep_auth_banner};
    let mut kept = None;
    let mut rest = data;
    while let Some((message, after)) = ssh_string(rest) {
        let Some((_language, after)) = ssh_string(after) else {
            break;
        };
        rest = after;
        // russh refuses a message that is not UTF-8, as RFC 4252 requires it to be.
        if let Ok(text) = std::str::from_utf8(message) {
            keep_auth_banner(&mut kept, text);
        }
    }
    let Some(kept) = kept else {
        return;
    };
    assert!(kept.len() <= MAX_AUTH_BANNER);
    let moves_the_terminal = |c: char| c.is_control() || crate::terminal_text::is_bidi_control(c);
    for line in crate::terminal_text::printable_lines(&kept).split('\n') {
        assert!(!line.chars().any(moves_the_terminal), "{line:?}");
    }
    let json = crate::present::json_line(&kept);
    assert!(!json.chars().any(moves_the_terminal), "{json:?}");
    let back: String = serde_json::from_str(&json).expect("JSON reads back");
    assert_eq!(back, kept);
}

/// An SSH `string` (RFC 4251 §5): a 32-bit length, then that many bytes.
fn ssh_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (length, rest) = data.split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_be_bytes(*length)).ok()?;
    (rest.len() >= length).then(|| rest.split_at(length))
}

/// A known_hosts file: parsed, looked up, and pruned (dry run) as `ssh-keygen -R` would.
pub fn known_hosts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = KnownHosts::parse_str(Path::new("known_hosts"), &text);
    for (host, port) in [("r1", 22), ("127.0.0.1", 2222), ("[::1]", 830)] {
        let _ = file.lookup(&[host], port);
        let _ = file.algorithms_for(&[host], port);
    }
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("known_hosts");
    if std::fs::write(&path, data).is_ok() {
        let targets = [crate::known_hosts::Target::Host {
            host: "r1".into(),
            port: 22,
        }];
        let _ = crate::known_hosts::prune(&path, &targets, true);
    }
}

/// The host-pattern matcher: a pattern field, a NUL, then a host name.
pub fn host_pattern(data: &[u8]) {
    let (field, host) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"r1"[..]),
    };
    crate::known_hosts::fuzz_host_field(field, host);
}

/// The ssh_config lexer and its Include handling (two files to include beside it).
pub fn ssh_config(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let _ = std::fs::write(dir.path().join("a.conf"), "Host a\n  Port 2222\n");
    let _ = std::fs::write(dir.path().join("self.conf"), "Include self.conf\n");
    let text = String::from_utf8_lossy(data);
    let _ = crate::sources::ssh_config::SshConfig::parse_str(
        &dir.path().join("config"),
        &text,
        dir.path(),
        None,
    );
}

/// Every inventory reader (sshtriage TOML, Containerlab, Ansible YAML and INI, address lists)
/// and format detection, from text as if read from standard input.
pub fn inventory(data: &[u8]) {
    let profiles = Profiles::embedded();
    let name = Path::new("inventory");
    for format in [
        None,
        Some(Format::Sshtriage),
        Some(Format::ClabTopology),
        Some(Format::ClabTopologyData),
        Some(Format::ClabInspect),
        Some(Format::AnsibleYaml),
        Some(Format::AnsibleIni),
        Some(Format::AddressList),
        Some(Format::Nornir),
        Some(Format::NetPulse),
        Some(Format::Netmiko),
    ] {
        let _ = crate::sources::load_text(name, data.to_vec(), format, &profiles);
    }
}

/// The prompt matcher and the reading of an enable reply, for every platform profile.
pub fn prompt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let profiles = Profiles::embedded();
    for profile in profiles.iter() {
        let _ = crate::profile::find_prompt(profile, &text);
        let _ = crate::profile::classify_enable_reply(profile, &text);
        let _ = crate::profile::find_error(profile, &text);
    }
    let _ = crate::profile::auto_detect(&profiles, "", &text);
}

/// Shell output cut into transcript lines and redacted, fed in chunks of every size.
pub fn shell_log(data: &[u8]) {
    let secret = crate::secret::Secret::new("s3cret-Pa55");
    let redactor = crate::secret::Redactor::new([&secret]);
    let chunk = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut log = crate::engine::shell_log::ShellLog::default();
    for (i, piece) in data.chunks(chunk).enumerate() {
        if i % 3 == 1 {
            log.secret_sent();
        }
        let logged = log.push(piece);
        for line in logged.lines {
            let _ = redactor.redact(&line);
        }
    }
    let _ = log.flush(&redactor);
}
