//! Each kind of change on synthetic runs, what counts as worse, and the headline.

use super::*;
use crate::model::{
    AlgorithmEvidence, AnnouncedKey, BannerEvidence, ClientEvidence, HostKeyVerdict, Reason,
};

/// A device that got all the way to `enable`, with every kind of evidence.
fn ready(name: &str, last_octet: u8) -> DeviceReport {
    let server = AlgorithmLists {
        kex: vec![
            "curve25519-sha256".into(),
            "diffie-hellman-group14-sha256".into(),
        ],
        host_key: vec!["ssh-ed25519".into(), "rsa-sha2-512".into()],
        cipher_c2s: vec!["aes128-ctr".into()],
        cipher_s2c: vec!["aes128-ctr".into()],
        mac_c2s: vec!["hmac-sha2-256".into()],
        mac_s2c: vec!["hmac-sha2-256".into()],
        compression_c2s: vec!["none".into()],
        compression_s2c: vec!["none".into()],
    };
    DeviceReport {
        name: name.into(),
        host: format!("10.0.0.{last_octet}"),
        port: 22,
        reached: Some(Stage::Enable),
        banner: Some(BannerEvidence {
            raw: "SSH-2.0-Cisco-1.25".into(),
            protocol: "2.0".into(),
            software: "Cisco-1.25".into(),
            comments: None,
            pre_banner: Vec::new(),
        }),
        algorithms: Some(AlgorithmEvidence {
            server: server.clone().into(),
            client: server.into(),
            negotiated: Negotiated {
                kex: Some("curve25519-sha256".into()),
                host_key: Some("ssh-ed25519".into()),
                cipher_c2s: Some("aes128-ctr".into()),
                cipher_s2c: Some("aes128-ctr".into()),
                mac_c2s: Some("hmac-sha2-256".into()),
                mac_s2c: Some("hmac-sha2-256".into()),
            },
            ..Default::default()
        }),
        host_key: Some(key("ssh-ed25519", "SHA256:old")),
        auth_methods: Some(vec!["publickey".into(), "password".into()]),
        profile: Some("cisco_ios (auto)".into()),
        client: Some(ClientEvidence {
            id: "openssh-9.2".into(),
            name: "OpenSSH 9.2".into(),
            kind: "openssh".into(),
            used_by: None,
            this_machine: None,
            why: "default".into(),
            settings: Vec::new(),
            problems: Vec::new(),
            others: Vec::new(),
        }),
        ..Default::default()
    }
}

fn key(key_type: &str, fingerprint: &str) -> HostKeyEvidence {
    HostKeyEvidence {
        algorithm: key_type.into(),
        fingerprint: fingerprint.into(),
        verdict: HostKeyVerdict::Match,
        entries: Vec::new(),
        openssh: format!("{key_type} AAAAC3Nza"),
        shared_with: Vec::new(),
        shared_count: 0,
        announced: Vec::new(),
    }
}

/// `r` failing at `stage` for `reason`, with nothing passed after the stage before it.
fn failing(mut r: DeviceReport, reason: Reason, stage: Stage) -> DeviceReport {
    r.reached = Stage::ALL.get(stage.index().wrapping_sub(1)).copied();
    r.failure = Some(Failure {
        stage,
        reason,
        message: format!("{stage} failed"),
    });
    r
}

fn one(old: DeviceReport, new: DeviceReport) -> RunDiff {
    diff(&[old], &[new])
}

fn changes(d: &RunDiff) -> &[Change] {
    &d.changed[0].changes
}

#[test]
fn identical_runs_have_nothing_to_say() {
    let run = vec![ready("r1", 1), ready("r2", 2)];
    let d = diff(&run, &run);
    assert_eq!(d.headline, "nothing changed: 2 devices as before");
    assert!(!d.worse);
    assert_eq!((d.compared, d.unchanged), (2, 2));
    assert!(d.changed.is_empty() && d.added.is_empty() && d.removed.is_empty());
}

#[test]
fn a_new_failure_at_auth_is_worse_and_reaching_less_too() {
    let d = one(
        ready("r1", 1),
        failing(ready("r1", 1), Reason::AuthRejected, Stage::Auth),
    );
    assert!(d.worse);
    assert_eq!(d.changed[0].worse, [Worse::EarlierStage, Worse::NewFailure]);
    assert_eq!(
        changes(&d)[0],
        Change::Reached {
            old: Some(Stage::Enable),
            new: Some(Stage::AuthMethods)
        }
    );
    let Change::Failure {
        old: None,
        new: Some(f),
    } = &changes(&d)[1]
    else {
        panic!("{:?}", changes(&d));
    };
    assert_eq!((f.stage, f.reason), (Stage::Auth, Reason::AuthRejected));
    assert_eq!(d.headline, "1 device newly fails at auth");
}

#[test]
fn another_reason_at_the_same_stage_is_a_new_failure_a_later_stage_is_progress() {
    let kex = failing(ready("r1", 1), Reason::NoCommonKex, Stage::Kex);
    let auth = failing(ready("r1", 1), Reason::AuthRejected, Stage::Auth);
    let auth_timeout = failing(ready("r1", 1), Reason::AuthTimeout, Stage::Auth);

    let progress = one(kex.clone(), auth.clone());
    assert!(!progress.worse, "{progress:?}");
    assert_eq!(progress.headline, "1 device fails at a later stage");

    let back = one(auth.clone(), kex);
    assert_eq!(
        back.changed[0].worse,
        [Worse::EarlierStage, Worse::NewFailure]
    );
    assert_eq!(back.headline, "1 device newly fails at kex");

    let same_stage = one(auth, auth_timeout);
    assert_eq!(same_stage.changed[0].worse, [Worse::NewFailure]);
    assert!(same_stage.worse);

    let fixed = one(
        failing(ready("r1", 1), Reason::AuthRejected, Stage::Auth),
        ready("r1", 1),
    );
    assert!(!fixed.worse);
    assert_eq!(fixed.headline, "1 device now passes");
}

#[test]
fn the_same_failure_with_another_message_is_no_change() {
    let mut new = failing(ready("r1", 1), Reason::TcpRefused, Stage::Tcp);
    let old = new.clone();
    if let Some(f) = &mut new.failure {
        f.message = "refused after 0.2ms".into();
    }
    new.elapsed_ms = 99.0;
    assert_eq!(
        one(old, new).headline,
        "nothing changed: 1 device as before"
    );
}

#[test]
fn a_changed_host_key_is_worse_another_key_type_is_not() {
    let mut new = ready("r1", 1);
    new.host_key = Some(key("ssh-ed25519", "SHA256:new"));
    let d = one(ready("r1", 1), new);
    assert!(d.worse);
    assert_eq!(d.changed[0].worse, [Worse::HostKeyChanged]);
    assert_eq!(
        changes(&d),
        [Change::HostKey {
            old: "ssh-ed25519 SHA256:old".into(),
            new: "ssh-ed25519 SHA256:new".into(),
            key_type: Some("ssh-ed25519".into()),
        }]
    );
    assert_eq!(d.headline, "1 device changed host key");

    // Another type negotiated: not a changed key, unless the announced keys say so.
    let mut rsa = ready("r1", 1);
    rsa.host_key = Some(key("ssh-rsa", "SHA256:rsa"));
    let d = one(ready("r1", 1), rsa.clone());
    assert!(!d.worse, "{d:?}");
    assert!(matches!(
        &changes(&d)[0],
        Change::HostKey { key_type: None, .. }
    ));
    if let Some(k) = &mut rsa.host_key {
        k.announced.push(AnnouncedKey {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:other".into(),
            openssh: "ssh-ed25519 AAAA".into(),
            proven: true,
        });
    }
    let d = one(ready("r1", 1), rsa);
    assert_eq!(d.changed[0].worse, [Worse::HostKeyChanged]);
}

#[test]
fn banner_software_algorithms_methods_profile_and_client_are_listed_not_worse() {
    let mut new = ready("r1", 1);
    if let Some(b) = &mut new.banner {
        b.raw = "SSH-2.0-Cisco-2.0".into();
        b.software = "Cisco-2.0".into();
    }
    if let Some(a) = &mut new.algorithms {
        std::sync::Arc::make_mut(&mut a.server).kex =
            vec!["curve25519-sha256".into(), "mlkem768x25519-sha256".into()];
        a.negotiated.kex = Some("mlkem768x25519-sha256".into());
    }
    new.auth_methods = Some(vec!["publickey".into()]);
    new.profile = Some("cisco_xe (auto)".into());
    if let Some(c) = &mut new.client {
        c.id = "paramiko-3.5".into();
    }
    let d = one(ready("r1", 1), new);
    assert!(!d.worse);
    assert_eq!(
        changes(&d),
        [
            Change::Software {
                old: "Cisco-1.25".into(),
                new: "Cisco-2.0".into()
            },
            Change::ServerAlgorithms {
                category: "kex",
                added: vec!["mlkem768x25519-sha256".into()],
                removed: vec!["diffie-hellman-group14-sha256".into()],
            },
            Change::Negotiated {
                category: "kex",
                old: Some("curve25519-sha256".into()),
                new: Some("mlkem768x25519-sha256".into()),
            },
            Change::AuthMethods {
                old: vec!["publickey".into(), "password".into()],
                new: vec!["publickey".into()],
            },
            Change::Profile {
                old: "cisco_ios (auto)".into(),
                new: "cisco_xe (auto)".into()
            },
            Change::Client {
                old: "openssh-9.2".into(),
                new: "paramiko-3.5".into()
            },
        ]
    );
    assert_eq!(d.headline, "1 device changed otherwise");
}

#[test]
fn a_banner_with_the_same_software_is_a_banner_change() {
    let mut new = ready("r1", 1);
    if let Some(b) = &mut new.banner {
        b.pre_banner = vec!["Authorized use only".into()];
    }
    let d = one(ready("r1", 1), new);
    assert_eq!(
        changes(&d),
        [Change::Banner {
            old: "SSH-2.0-Cisco-1.25".into(),
            new: "SSH-2.0-Cisco-1.25 (after 1 lines of text)".into(),
        }]
    );
}

#[test]
fn evidence_one_run_lacks_is_not_a_change_of_it() {
    // Failing at tcp now: no banner, keys or algorithms to compare; the failure says it.
    let mut new = failing(ready("r1", 1), Reason::TcpRefused, Stage::Tcp);
    new.banner = None;
    new.algorithms = None;
    new.host_key = None;
    new.auth_methods = None;
    let d = one(ready("r1", 1), new);
    let kinds: Vec<&Change> = changes(&d).iter().collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(matches!(kinds[0], Change::Reached { .. }));
    assert!(matches!(kinds[1], Change::Failure { .. }));
}

#[test]
fn devices_match_by_name_then_by_address_and_the_rest_are_added_or_removed() {
    let old = vec![ready("r1", 1), ready("r2", 2), ready("r3", 3)];
    let mut renamed = ready("core-2", 2);
    renamed.profile = Some("cisco_ios (auto)".into());
    let new = vec![
        ready("r1", 1),
        renamed,
        failing(ready("r9", 9), Reason::TcpRefused, Stage::Tcp),
        ready("r10", 10),
    ];
    let d = diff(&old, &new);
    assert_eq!(d.compared, 2);
    assert_eq!(d.unchanged, 1);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].matched_by, MatchedBy::Address);
    assert_eq!(d.changed[0].old_name.as_deref(), Some("r2"));
    assert!(d.changed[0].changes.is_empty());
    let names = |l: &[DeviceSummary]| l.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&d.added), ["r9", "r10"]);
    assert_eq!(names(&d.removed), ["r3"]);
    // r9 is new and fails: a new failure.
    assert!(d.worse);
    assert_eq!(
        d.headline,
        "1 device changed otherwise, 2 added (1 failing), 1 removed"
    );
}

#[test]
fn a_name_that_moved_to_another_address_is_still_the_same_device() {
    let mut moved = ready("r1", 1);
    moved.host = "10.9.9.9".into();
    let d = diff(&[ready("r1", 1)], &[moved]);
    assert_eq!(d.headline, "nothing changed: 1 device as before");
}

#[test]
fn the_headline_counts_worst_news_first() {
    let mut old = Vec::new();
    let mut new = Vec::new();
    for i in 0..7 {
        old.push(ready(&format!("k{i}"), i));
        let mut n = ready(&format!("k{i}"), i);
        n.host_key = Some(key("ssh-ed25519", &format!("SHA256:new{i}")));
        new.push(n);
    }
    for i in 0..2 {
        old.push(ready(&format!("a{i}"), 50 + i));
        new.push(failing(
            ready(&format!("a{i}"), 50 + i),
            Reason::AuthRejected,
            Stage::Auth,
        ));
    }
    // A changed key that known_hosts now refuses is said once, as a changed key.
    old.push(ready("refused", 60));
    let mut refused = failing(ready("refused", 60), Reason::HostKeyChanged, Stage::HostKey);
    refused.host_key = Some(key("ssh-ed25519", "SHA256:rebuilt"));
    new.push(refused);
    let d = diff(&old, &new);
    assert_eq!(
        d.headline,
        "8 devices changed host key, 2 newly fail at auth"
    );
    assert!(d.worse);
    assert_eq!(
        d.changed[9].worse,
        [
            Worse::EarlierStage,
            Worse::NewFailure,
            Worse::HostKeyChanged
        ]
    );
}

#[test]
fn json_names_each_change() {
    let d = one(
        ready("r1", 1),
        failing(ready("r1", 1), Reason::AuthRejected, Stage::Auth),
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["worse"], true);
    assert_eq!(json["changed"][0]["worse"][1], "new_failure");
    assert_eq!(json["changed"][0]["changes"][0]["what"], "reached");
    assert_eq!(json["changed"][0]["changes"][1]["what"], "failure");
    assert_eq!(
        json["changed"][0]["changes"][1]["new"]["reason"],
        "rejected"
    );
    assert_eq!(json["changed"][0]["matched_by"], "name");
}
