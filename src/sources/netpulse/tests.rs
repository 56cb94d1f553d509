use super::*;
use crate::device::{ClientRequest, Phase};
use crate::model::Stage;
use std::path::PathBuf;
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources/netpulse")
        .join(name)
}

fn load_fixture(name: &str) -> Loaded {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    load(&path, &text, &Profiles::embedded()).expect("loads")
}

fn find<'a>(loaded: &'a Loaded, name: &str) -> &'a (Device, Provenance) {
    loaded
        .devices
        .iter()
        .find(|(d, _)| d.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", loaded.devices))
}

fn from(prov: &Provenance, field: Field) -> String {
    let dir = fixture("").display().to_string();
    prov.get(field)
        .unwrap_or_else(|| panic!("no provenance for {field}"))
        .to_string()
        .replace(&format!("{}/", dir.trim_end_matches('/')), "")
}

fn warned<'a>(loaded: &'a Loaded, needles: &[&str]) -> &'a str {
    loaded
        .warnings
        .iter()
        .find(|w| needles.iter().all(|n| w.contains(n)))
        .unwrap_or_else(|| panic!("no warning with {needles:?} in {:#?}", loaded.warnings))
}

fn client(d: &Device) -> Option<ClientKind> {
    match d.client.request {
        ClientRequest::Fixed { kind, .. } => Some(kind),
        _ => None,
    }
}

#[test]
fn a_paramiko_request_with_a_jump_host_and_sudo() {
    let loaded = load_fixture("request.json");
    let names: Vec<&str> = loaded
        .devices
        .iter()
        .map(|(d, _)| d.name.as_str())
        .collect();
    assert_eq!(names, ["192.168.1.200", "jump@192.168.1.100:2022"]);
    let (d, prov) = find(&loaded, "192.168.1.200");
    assert_eq!((d.host.as_str(), d.port), ("192.168.1.200", 2200));
    assert_eq!(d.username.as_deref(), Some("admin"));
    assert_eq!(
        d.credentials.password.as_ref().unwrap().expose(),
        "target-pw"
    );
    assert_eq!(
        d.credentials.key,
        Some(KeySource::File(fixture("keys/id_ed25519")))
    );
    assert_eq!(
        d.credentials.passphrase.as_ref().unwrap().expose(),
        "key-pp"
    );
    assert!(!d.credentials.look_for_keys);
    assert_eq!(d.host_key_policy, HostKeyPolicy::Strict);
    assert_eq!(d.enable_secret.as_ref().unwrap().expose(), "sudo-pw");
    assert_eq!(d.jump.as_deref(), Some("jump@192.168.1.100:2022"));
    assert_eq!(d.profile, "linux");
    assert!(
        prov.get(Field::Profile).unwrap().is_builtin(),
        "a default, not the file's"
    );
    assert_eq!(
        (client(d), d.client.used_by),
        (Some(ClientKind::Paramiko), Some(UsedBy::NetPulse))
    );
    for (field, at) in [
        (Field::Host, "request.json:4"),
        (Field::Port, "request.json:7"),
        (Field::PhaseTimeout(Phase::Tcp), "request.json:8"),
        (Field::PhaseTimeout(Phase::Banner), "request.json:9"),
        (Field::PhaseTimeout(Phase::Auth), "request.json:10"),
        (Field::HostKeyPolicy, "request.json:11"),
        (Field::LookForKeys, "request.json:12"),
        (Field::Key, "request.json:13"),
        (Field::Jump, "request.json:15"),
        (Field::EnableSecret, "request.json:23"),
        (Field::Client, "request.json:2"),
    ] {
        assert_eq!(from(prov, field), at, "{field}");
    }
    // Paramiko's three timeouts, each its phase's limit.
    for (stage, secs) in [(Stage::Tcp, 20), (Stage::Banner, 45), (Stage::Auth, 15)] {
        assert_eq!(
            d.limit(stage).duration,
            Duration::from_secs(secs),
            "{stage}"
        );
    }
    // The bastion has its own credentials: a device of its own, which the target names.
    let (jump, prov) = find(&loaded, "jump@192.168.1.100:2022");
    assert_eq!((jump.host.as_str(), jump.port), ("192.168.1.100", 2022));
    assert_eq!(jump.username.as_deref(), Some("jump"));
    assert_eq!(
        jump.credentials.password.as_ref().unwrap().expose(),
        "jump-pw"
    );
    assert_eq!(from(prov, Field::Password), "request.json:17");
    assert_eq!(client(jump), Some(ClientKind::Paramiko));
    let shown = format!("{:?}{:?}", loaded.warnings, loaded.devices);
    for secret in ["target-pw", "jump-pw", "sudo-pw", "key-pp"] {
        assert!(!shown.contains(secret), "{secret} shown");
    }
}

#[test]
fn each_driver_gives_its_client_and_bad_requests_are_errors() {
    let loaded = load_fixture("requests.json");
    let names: Vec<&str> = loaded
        .devices
        .iter()
        .map(|(d, _)| d.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["172.17.0.1", "172.17.0.3", "172.17.0.4", "172.17.0.6"]
    );

    let (ios, _) = find(&loaded, "172.17.0.1");
    assert_eq!(ios.profile, "cisco_ios");
    assert_eq!(client(ios), Some(ClientKind::Netmiko));
    assert_eq!(ios.enable_secret.as_ref().unwrap().expose(), "enable-pw");
    assert!(
        !loaded.warnings.iter().any(|w| w.contains("keepalive")),
        "keepalive is a ConnectHandler argument"
    );

    warned(
        &loaded,
        &["requests.json:14: connection_args.host: a NetPulse request needs the device's address"],
    );
    warned(
        &loaded,
        &[
            "requests.json:44: driver: `telnetlib` is not a NetPulse driver (paramiko, netmiko, napalm, pyeapi)",
        ],
    );

    let (junos, prov) = find(&loaded, "172.17.0.3");
    assert_eq!((junos.profile.as_str(), junos.port), ("juniper_junos", 830));
    assert_eq!(from(prov, Field::Host), "requests.json:26");
    assert_eq!(client(junos), Some(ClientKind::Paramiko));
    warned(
        &loaded,
        &[
            "NAPALM's `junos` driver logs in over NETCONF",
            "[172.17.0.3]",
        ],
    );

    let (eos, _) = find(&loaded, "172.17.0.4");
    assert_eq!(eos.profile, "arista_eos");
    assert_eq!(
        client(eos),
        None,
        "eAPI is HTTP: the SSH client is not known"
    );
    warned(&loaded, &["requests.json:34: driver pyeapi talks HTTP(S)"]);

    let (keyed, prov) = find(&loaded, "172.17.0.6");
    assert!(matches!(keyed.credentials.key, Some(KeySource::Inline(_))));
    assert!(keyed.credentials.look_for_keys);
    assert_eq!(
        from(prov, Field::LookForKeys),
        "NetPulse paramiko driver default"
    );
    assert!(!format!("{:?}", loaded.devices).contains("not-a-real-key"));
}

#[test]
fn a_bulk_request_overrides_connection_args_per_device() {
    let loaded = load_fixture("bulk.json");
    let got: Vec<(&str, &str, Option<&str>)> = loaded
        .devices
        .iter()
        .map(|(d, _)| (d.name.as_str(), d.profile.as_str(), d.username.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("10.3.0.1", "arista_eos", Some("admin")),
            ("10.3.0.2", "arista_eos", Some("other")),
            ("10.3.0.3", "cisco_nxos", Some("admin")),
        ]
    );
    let (_, prov) = find(&loaded, "10.3.0.2");
    assert_eq!(from(prov, Field::Username), "bulk.json:10");
    assert_eq!(from(prov, Field::Password), "bulk.json:6");
}

#[test]
fn shapes_netpulse_refuses() {
    let p = Path::new("r.json");
    let profiles = Profiles::embedded();
    let loaded = load(p, "{\"connection_args\": {\"host\": \"h\"}}", &profiles).unwrap();
    assert!(loaded.devices.is_empty());
    assert_eq!(
        loaded.warnings,
        ["r.json:1: driver: a NetPulse request needs a driver (paramiko, netmiko, napalm, pyeapi)"]
    );
    let loaded = load(p, "{\"driver\": \"netmiko\"}", &profiles).unwrap();
    assert_eq!(
        loaded.warnings,
        ["r.json:1: connection_args: a NetPulse request needs connection_args"]
    );
    let loaded = load(
        p,
        "{\"driver\": \"netmiko\", \"connection_args\": {\"host\": \"h\", \"device_type\": \"cisco_ios\"},\n \"credential\": {\"name\": \"vault\", \"ref\": \"net/admin\"}}",
        &profiles,
    )
    .unwrap();
    assert_eq!(loaded.devices.len(), 1);
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.starts_with("r.json:2: credential: NetPulse fills")),
        "{:?}",
        loaded.warnings
    );
    assert!(load(p, "42", &profiles).is_err());
}
