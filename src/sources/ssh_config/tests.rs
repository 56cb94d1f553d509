use super::*;
use std::fs;

fn config(files: &[(&str, &str)]) -> (tempfile::TempDir, SshConfig) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        fs::write(&path, text).expect("write");
    }
    let cfg = SshConfig::load_with(&dir.path().join("config"), dir.path(), Some("/home/u"))
        .expect("loads");
    (dir, cfg)
}

#[test]
fn first_value_wins_and_negation_excludes() {
    let (_d, cfg) = config(&[(
        "config",
        "Host r1 r2\n  Port 2201\n  User first\nHost *.lab !bastion.lab\n  User lab\n\
         Host *\n  Port 22\n  User last\n",
    )]);
    // As ssh: `Host` patterns compare with the name as given, case-sensitively.
    assert_eq!(cfg.resolve("R1").port.unwrap().value, 22);
    let r1 = cfg.resolve("r1");
    assert_eq!(r1.port.as_ref().unwrap().value, 2201);
    assert_eq!(r1.user.as_ref().unwrap().value, "first");
    assert!(r1.port.unwrap().source.to_string().ends_with("config:2"));
    assert_eq!(cfg.resolve("x.lab").user.unwrap().value, "lab");
    assert_eq!(cfg.resolve("bastion.lab").user.unwrap().value, "last");
}

#[test]
fn include_inside_an_inactive_block_never_applies() {
    let (_d, cfg) = config(&[
        (
            "config",
            "Host other\n  Include conf.d/*.conf\nHost *\n  User fallback\n",
        ),
        ("conf.d/a.conf", "Host r1\n  User from-include\n"),
    ]);
    assert_eq!(cfg.resolve("r1").user.unwrap().value, "fallback");
    assert_eq!(cfg.resolve("other").user.unwrap().value, "fallback");
}

#[test]
fn include_globs_sorted_and_restores_activity() {
    let (_d, cfg) = config(&[
        ("config", "Include conf.d/*.conf\nPort 2000\n"),
        ("conf.d/b.conf", "Host r1\n  User b\n"),
        ("conf.d/a.conf", "Host r1\n  User a\nHost nothing\n"),
    ]);
    let r1 = cfg.resolve("r1");
    assert_eq!(r1.user.unwrap().value, "a");
    // Activity after the Include is what it was before it (top level: active).
    assert_eq!(r1.port.unwrap().value, 2000);
}

#[test]
fn match_host_uses_the_substituted_name() {
    let (_d, cfg) = config(&[(
        "config",
        "Host r1\n  HostName %h.lab.example\nMatch host *.lab.example !user root\n  Port 830\n\
         Match originalhost r1 exec \"true\"\n  User never\nMatch all\n  User everyone\n",
    )]);
    let r1 = cfg.resolve_as("r1", Some("admin"));
    assert_eq!(r1.hostname.unwrap().value, "r1.lab.example");
    assert_eq!(r1.port.unwrap().value, 830);
    assert_eq!(r1.user.unwrap().value, "everyone");
    assert!(
        cfg.warnings.iter().any(|w| w.contains("Match exec")),
        "{:?}",
        cfg.warnings
    );
    assert!(cfg.resolve_as("r1", Some("root")).port.is_none());
}

#[test]
fn errors_name_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config");
    fs::write(&path, "Host r1\n  Port twenty\n").expect("write");
    let err = SshConfig::load_with(&path, dir.path(), None).unwrap_err();
    assert_eq!((err.file.as_path(), err.line), (path.as_path(), 2));
    assert!(err.message.contains("twenty"), "{err}");
    fs::write(&path, "Include config\n").expect("write");
    let err = SshConfig::load_with(&path, dir.path(), None).unwrap_err();
    assert!(err.message.contains("nested"), "{err}");
}

#[test]
fn every_identity_file_is_kept_in_order_as_ssh_tries_them() {
    let (_d, cfg) = config(&[(
        "config",
        "Host r1\n  IdentityFile ~/.ssh/legacy_rsa\nHost *\n  IdentityFile ~/.ssh/id_ed25519\n  \
         IdentityFile ~/.ssh/legacy_rsa\n",
    )]);
    let target = crate::device::parse_host_arg("r1").expect("target");
    let mut device = crate::device::Device::from_target(&target);
    let mut prov = crate::sources::Provenance::default();
    cfg.apply(&mut device, &mut prov);
    let key = match &device.credentials.key {
        Some(crate::device::KeySource::File(f)) => f.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(key, std::path::PathBuf::from("/home/u/.ssh/legacy_rsa"));
    // The repeated file is offered once, where it first appeared.
    assert_eq!(
        device.credentials.more_key_files,
        vec![std::path::PathBuf::from("/home/u/.ssh/id_ed25519")]
    );
    assert!(device.credentials.has_key());
}

#[test]
fn an_unfollowed_proxy_command_is_named_not_echoed() {
    let (_d, cfg) = config(&[(
        "config",
        "Host r1\n  ProxyCommand sshpass -p Hunter2-secret ssh -W %h:%p bastion\n",
    )]);
    let target = crate::device::parse_host_arg("r1").expect("target");
    let mut device = crate::device::Device::from_target(&target);
    let notes = cfg.apply(&mut device, &mut crate::sources::Provenance::default());
    assert_eq!(device.jump, None);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("ProxyCommand (") && n.contains("config:2")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("Hunter2")), "{notes:?}");
}

#[test]
fn text_reads_as_the_file_would() {
    let (dir, _) = config(&[("config", ""), ("extra.conf", "Host r1\n  User included\n")]);
    let root = dir.path().join("config");
    let text = format!(
        "Include {}\r\nHost r1\r\n  Port 2201\r\n",
        dir.path().join("extra.conf").display()
    );
    let cfg = SshConfig::parse_str(&root, &text, dir.path(), None).expect("parses");
    let r1 = cfg.resolve("r1");
    assert_eq!(r1.user.unwrap().value, "included");
    let port = r1.port.unwrap();
    assert_eq!(
        (port.value, port.source),
        (2201, ValueSource::file(&root, 3))
    );
    let err = SshConfig::parse_str(&root, "Host r1\n  Port x\n", dir.path(), None).unwrap_err();
    assert_eq!((err.file, err.line), (root, 2));
}

/// OpenSSH's ConnectTimeout bounds the TCP connect, the identification exchange and the key
/// exchange (ssh_config(5)): those phases get it, named, with its line; login waits as before.
#[test]
fn connect_timeout_bounds_tcp_banner_and_kex() {
    use crate::device::{Device, Origin};
    use crate::model::Stage;
    let (_d, cfg) = config(&[("config", "Host r1\n  ConnectTimeout 4\n")]);
    let mut device = Device::with_defaults("r1".into(), "r1".into(), Origin::CommandLine);
    let mut prov = Provenance::default();
    cfg.resolve("r1")
        .apply_to(&mut device, &mut prov, crate::device::SettingVia::SshConfig);
    for stage in [Stage::Tcp, Stage::Banner, Stage::Kex] {
        let limit = device.limit(stage);
        assert_eq!(limit.duration, std::time::Duration::from_secs(4), "{stage}");
        assert!(
            limit.to_string().starts_with("4s (ConnectTimeout, ")
                && limit.to_string().ends_with("config:2)"),
            "{limit}"
        );
    }
    assert_eq!(
        device.limit(Stage::Auth).to_string(),
        "10s (the default timeout)"
    );
    let tcp = crate::sources::Field::PhaseTimeout(crate::device::Phase::Tcp);
    assert!(prov.get(tcp).is_some());
}
