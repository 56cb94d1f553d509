use super::*;
use crate::algorithms::allowlist::Category;
use crate::device::{ClientRequest, HostKeyPolicy, KeySource, SettingVia};
use crate::sources::Field;
use std::path::PathBuf;
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources/netmiko")
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

/// `file:line` of a field, the fixtures directory left out.
fn from(prov: &Provenance, field: Field) -> String {
    let dir = format!(
        "{}/",
        fixture("").display().to_string().trim_end_matches('/')
    );
    prov.get(field)
        .unwrap_or_else(|| panic!("no provenance for {field}"))
        .to_string()
        .replace(&dir, "")
}

fn warned<'a>(loaded: &'a Loaded, needles: &[&str]) -> &'a str {
    loaded
        .warnings
        .iter()
        .find(|w| needles.iter().all(|n| w.contains(n)))
        .unwrap_or_else(|| panic!("no warning with {needles:?} in {:#?}", loaded.warnings))
}

#[test]
fn a_netmiko_list_gives_devices_with_provenance() {
    let loaded = load_fixture("devices.yml");
    let names: Vec<&str> = loaded
        .devices
        .iter()
        .map(|(d, _)| d.name.as_str())
        .collect();
    assert_eq!(names, ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.5"]);

    let (ios, prov) = find(&loaded, "10.1.0.1");
    assert_eq!((ios.host.as_str(), ios.port), ("10.1.0.1", 2222));
    assert_eq!(ios.username.as_deref(), Some("admin"));
    assert_eq!(
        ios.credentials.password.as_ref().unwrap().expose(),
        "admin-pw"
    );
    assert_eq!(ios.enable_secret.as_ref().unwrap().expose(), "enable-pw");
    assert_eq!(ios.profile, "cisco_ios");
    assert!(ios.credentials.look_for_keys);
    assert_eq!(
        ios.credentials.key,
        Some(KeySource::File(fixture("keys/netmiko_ed25519")))
    );
    for (field, at) in [
        (Field::Profile, "devices.yml:3"),
        (Field::Host, "devices.yml:4"),
        (Field::Password, "devices.yml:6"),
        (Field::EnableSecret, "devices.yml:7"),
        (Field::Port, "devices.yml:8"),
        (Field::LookForKeys, "devices.yml:12"),
        (Field::Key, "devices.yml:13"),
        (Field::Kex, "devices.yml:16"),
        (Field::Client, "devices.yml:3"),
    ] {
        assert_eq!(from(prov, field), at, "{field}");
    }
    // Netmiko's three timeouts, each its phase's limit.
    for (stage, secs) in [
        (crate::model::Stage::Tcp, 8),
        (crate::model::Stage::Banner, 20),
        (crate::model::Stage::Auth, 12),
    ] {
        assert_eq!(
            ios.limit(stage).duration,
            Duration::from_secs(secs),
            "{stage}"
        );
    }
    assert_eq!(
        from(prov, Field::PhaseTimeout(crate::device::Phase::Banner)),
        "devices.yml:10"
    );
    assert_eq!(
        ios.client.request,
        ClientRequest::Fixed {
            kind: ClientKind::Netmiko,
            version: None
        }
    );
    assert_eq!(ios.client.used_by, Some(UsedBy::Netmiko));
    let kex = ios
        .client
        .setting(ClientKind::Netmiko, Category::Kex)
        .expect("disabled_algorithms kex");
    assert_eq!(
        (kex.value.as_str(), kex.via),
        (
            "diffie-hellman-group-exchange-sha256",
            SettingVia::DisabledAlgorithms
        )
    );

    let (junos, prov) = find(&loaded, "10.1.0.2");
    assert_eq!(junos.host, "10.1.0.2", "ip wins over host, as in Netmiko");
    assert_eq!(from(prov, Field::Host), "devices.yml:19");
    assert_eq!(junos.profile, "juniper_junos");
    assert!(
        junos.credentials.password.is_none(),
        "${{VAR}} is not a password"
    );
    warned(
        &loaded,
        &[
            "devices.yml:22: password",
            "JUNOS_PASSWORD",
            "password_env = \"JUNOS_PASSWORD\"",
        ],
    );
    assert_eq!(junos.host_key_policy, HostKeyPolicy::Strict);
    assert!(
        !loaded
            .warnings
            .iter()
            .any(|w| w.contains("rejects every host key"))
    );

    let (telnet, _) = find(&loaded, "10.1.0.3");
    assert_eq!(telnet.profile, "cisco_ios");
    warned(
        &loaded,
        &["devices.yml:26: device_type", "telnet", "[10.1.0.3]"],
    );

    let (linux, _) = find(&loaded, "10.1.0.5");
    assert_eq!(linux.profile, "linux");
    warned(
        &loaded,
        &["devices.yml:38: sock", "connects to 10.1.0.5:22 directly"],
    );
    warned(
        &loaded,
        &[
            "devices.yml:40: tftp_server",
            "not a ConnectHandler argument",
        ],
    );
    assert!(
        !loaded.warnings.iter().any(|w| w.contains("session_log")),
        "a ConnectHandler argument that does not matter to SSH is not warned about"
    );
}

#[test]
fn definitions_connecthandler_refuses_are_errors_and_the_rest_load() {
    let loaded = load_fixture("devices.yml");
    let typo = warned(&loaded, &["devices.yml:31: device_type:"]);
    assert!(
        typo.contains("`cisco_iso` is not a Netmiko device_type")
            && typo.contains("did you mean `cisco_ios`?"),
        "{typo}"
    );
    warned(
        &loaded,
        &[
            "devices.yml:42: device_type:",
            "10.1.0.6 has no device_type",
        ],
    );
    warned(
        &loaded,
        &["devices.yml:47: port: `twenty-two` is not a port number"],
    );
    warned(
        &loaded,
        &[
            "devices.yml:45: device_type",
            "no sshtriage profile for `hp_procurve`",
        ],
    );
    assert!(
        loaded.devices.iter().all(|(d, _)| d.host != "10.1.0.4"),
        "an unknown device_type is not a device"
    );
    let shown = format!("{:?}{:?}", loaded.warnings, loaded.devices);
    assert!(!shown.contains("admin-pw") && !shown.contains("enable-pw"));
}

#[test]
fn a_name_map_in_json_with_ssh_config_file_and_autodetect() {
    let loaded = load_fixture("devices.json");
    let (wan, prov) = find(&loaded, "wan-r1");
    assert_eq!(
        wan.profile, "cisco_ios",
        "cisco_xe is an alias of cisco_ios"
    );
    assert_eq!(wan.enable_secret.as_ref().unwrap().expose(), "wan-enable");
    // Netmiko takes HostName, Port (the port being 22), User (none given) and ProxyJump
    // from ssh_config_file; not the algorithms.
    assert_eq!((wan.host.as_str(), wan.port), ("wan-r1.lab.example", 8022));
    assert_eq!(wan.username.as_deref(), Some("admin"));
    assert_eq!(wan.jump.as_deref(), Some("bastion.lab.example"));
    assert_eq!(from(prov, Field::Host), "ssh_config:2");
    assert!(wan.client.settings.is_empty(), "{:?}", wan.client.settings);
    let (auto, prov) = find(&loaded, "wan-r2");
    assert_eq!(auto.profile, "auto");
    assert_eq!(from(prov, Field::Profile), "devices.json:11");
    assert!(auto.credentials.agent);
}

#[test]
fn one_mapping_is_one_device_and_other_shapes_are_refused() {
    let path = Path::new("one.yml");
    let loaded = load(
        path,
        "device_type: arista_eos\nhost: 127.0.0.1\nusername: admin\n",
        &Profiles::embedded(),
    )
    .unwrap();
    assert_eq!(loaded.devices.len(), 1);
    assert_eq!(loaded.devices[0].0.profile, "arista_eos");
    let err = load(path, "just text\n", &Profiles::embedded()).unwrap_err();
    assert!(err.message.contains("expected a list or mapping"), "{err}");
    let loaded = load(
        path,
        "- 42\n- device_type: linux\n  host: h\n",
        &Profiles::embedded(),
    )
    .unwrap();
    assert_eq!(loaded.devices.len(), 1);
    assert!(
        loaded.warnings[0].starts_with("one.yml:1: expected a mapping"),
        "{:?}",
        loaded.warnings
    );
}
