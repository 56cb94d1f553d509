//! Inventory sources: every format gives the expected devices with their provenance; vault and
//! templated values are reported, not used; errors name file and line; hostile files fail
//! cleanly. Nothing here opens a socket: lab addresses are only parsed.

use sshtriage::algorithms::allowlist::Category;
use sshtriage::device::{Device, HostKeyPolicy, KeySource, parse_host_arg};
use sshtriage::model::Stage;
use sshtriage::profile::Profiles;
use sshtriage::sources::ssh_config::SshConfig;
use sshtriage::sources::{
    Field, Format, Loaded, Overrides, Provenance, ValueSource, apply_overrides, detect,
    expand_cidr, load, load_text,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sources")
}

fn load_fixture(rel: &str) -> Loaded {
    load(&fixtures().join(rel), None, &Profiles::embedded())
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn device<'a>(loaded: &'a Loaded, name: &str) -> (&'a Device, &'a Provenance) {
    let (d, p) = loaded
        .devices
        .iter()
        .find(|(d, _)| d.name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = loaded
                .devices
                .iter()
                .map(|(d, _)| d.name.as_str())
                .collect();
            panic!("no device {name} in {names:?}")
        });
    (d, p)
}

fn names(loaded: &Loaded) -> Vec<&str> {
    let mut names: Vec<&str> = loaded
        .devices
        .iter()
        .map(|(d, _)| d.name.as_str())
        .collect();
    names.sort();
    names
}

/// `file:line` of a field, with the fixtures directory left out.
fn from(prov: &Provenance, field: Field) -> String {
    let source = prov
        .get(field)
        .unwrap_or_else(|| panic!("no provenance for {field}"));
    source
        .to_string()
        .replace(&format!("{}/", fixtures().display()), "")
}

fn password(d: &Device) -> Option<&str> {
    d.credentials.password.as_ref().map(|s| s.expose())
}

fn warned(loaded: &Loaded, needles: &[&str]) -> bool {
    loaded
        .warnings
        .iter()
        .any(|w| needles.iter().all(|n| w.contains(n)))
}

/// What OpenSSH 9.2 offers this device with the settings its sources gave it.
fn openssh_offer(device: &Device) -> sshtriage::algorithms::clients::AlgorithmSet {
    let profile = sshtriage::algorithms::clients::client_profile("openssh-9.2").expect("profile");
    sshtriage::algorithms::effective::effective_offer(
        profile,
        sshtriage::device::ClientKind::Openssh,
        &device.client,
        &[],
    )
    .lists
}

#[test]
fn clab_topology_uses_the_deployed_lab_directory() {
    let loaded = load_fixture("clab/mylab.clab.yml");
    assert_eq!(
        names(&loaded),
        ["ceos1", "client1", "crpd1", "iol1", "pe1", "srl1", "xrd1"],
        "the bridge is not a device"
    );
    let (srl, prov) = device(&loaded, "srl1");
    assert_eq!((srl.host.as_str(), srl.port), ("172.20.20.11", 22));
    assert_eq!(srl.profile, "nokia_srl");
    assert_eq!(srl.username.as_deref(), Some("admin"));
    assert_eq!(password(srl), Some("NokiaSrl1!"));
    assert_eq!(
        from(prov, Field::Host),
        "clab/clab-mylab/topology-data.json:146"
    );
    assert_eq!(
        from(prov, Field::Profile),
        "clab/clab-mylab/topology-data.json:142"
    );
    assert!(prov.get(Field::Password).unwrap().is_builtin());
    assert!(from(prov, Field::Password).contains("containerlab default for kind nokia_srlinux"));
    for (name, profile, user, pw) in [
        ("ceos1", "arista_eos", "admin", "admin"),
        ("iol1", "cisco_ios", "admin", "admin"),
        ("xrd1", "cisco_xr", "clab", "clab@123"),
        ("pe1", "nokia_sros", "admin", "admin"),
        ("crpd1", "juniper_junos", "root", "clab123"),
    ] {
        let (d, _) = device(&loaded, name);
        assert_eq!(
            (d.profile.as_str(), d.username.as_deref(), password(d)),
            (profile, Some(user), Some(pw)),
            "{name}"
        );
    }
    let (client, _) = device(&loaded, "client1");
    assert_eq!(
        client.host, "3fff:172:20:20::7",
        "IPv6 when there is no IPv4"
    );
    assert_eq!(
        (client.profile.as_str(), client.username.as_ref()),
        ("linux", None)
    );
    let (crpd, prov) = device(&loaded, "crpd1");
    assert_eq!(
        (crpd.host.as_str(), crpd.port),
        ("127.0.0.1", 2206),
        "published SSH port"
    );
    assert_eq!(
        from(prov, Field::Port),
        "clab/clab-mylab/topology-data.json:94"
    );
}

#[test]
fn clab_topology_without_lab_directory_addresses_by_container_name() {
    let loaded = load_fixture("clab/nodir.clab.yml");
    assert_eq!(loaded.devices.len(), 7);
    let (srl, prov) = device(&loaded, "srl1");
    assert_eq!(srl.host, "172.20.20.11", "static mgmt-ipv4");
    assert_eq!(from(prov, Field::Host), "clab/nodir.clab.yml:18");
    assert_eq!(srl.profile, "nokia_srl", "kind from topology.defaults");
    assert_eq!(from(prov, Field::Profile), "clab/nodir.clab.yml:10");
    assert_eq!(from(prov, Field::Name), "clab/nodir.clab.yml:17");
    let (ceos, _) = device(&loaded, "ceos1");
    assert_eq!(ceos.host, "clab-nodir-ceos1");
    assert!(
        warned(&loaded, &["clab-nodir/", "clab-nodir-ceos1", "/etc/hosts"]),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn clab_lab_directory_with_only_the_ansible_inventory() {
    let dir = fixtures().join("clab/old/clab-old");
    assert_eq!(detect(&dir).unwrap(), Format::ClabLabDir);
    let loaded = load(&dir, None, &Profiles::embedded()).unwrap();
    assert_eq!(
        names(&loaded),
        ["ceos1", "client1", "crpd1", "iol1", "pe1", "srl1", "xrd1"]
    );
    let (iol, prov) = device(&loaded, "iol1");
    assert_eq!(iol.host, "172.20.20.4");
    assert_eq!(iol.profile, "cisco_ios");
    assert_eq!(
        from(prov, Field::Profile),
        "clab/old/clab-old/ansible-inventory.yml:21"
    );
    assert_eq!(
        (iol.username.as_deref(), password(iol)),
        (Some("admin"), Some("admin"))
    );
    assert!(prov.get(Field::Username).unwrap().is_builtin());
    let (ceos, prov) = device(&loaded, "ceos1");
    assert_eq!(
        from(prov, Field::Password),
        "clab/old/clab-old/ansible-inventory.yml:15"
    );
    assert_eq!(ceos.profile, "arista_eos");
    let (crpd, _) = device(&loaded, "crpd1");
    assert_eq!(
        (crpd.profile.as_str(), password(crpd)),
        ("juniper_junos", Some("clab123"))
    );
    let (srl, prov) = device(&loaded, "srl1");
    assert_eq!(
        from(prov, Field::Password),
        "clab/old/clab-old/ansible-inventory.yml:42"
    );
    assert_eq!(srl.profile, "nokia_srl");
    assert!(
        warned(&loaded, &["httpapi", "clab-old-srl1"]),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn clab_inspect_both_shapes() {
    let old = load_fixture("clab/inspect-v0.67.json");
    assert_eq!(names(&old), ["ceos1", "srl1", "xrd1"]);
    let (srl, prov) = device(&old, "srl1");
    assert_eq!(
        (srl.host.as_str(), srl.profile.as_str()),
        ("172.20.20.11", "nokia_srl")
    );
    assert_eq!(from(prov, Field::Host), "clab/inspect-v0.67.json:23");
    let (xrd, _) = device(&old, "xrd1");
    assert_eq!(
        xrd.host, "clab-mylab-xrd1",
        "no address: the container name"
    );
    assert!(warned(&old, &["not running", "xrd1 (exited)"]));

    let new = load_fixture("clab/inspect-v0.68.json");
    assert_eq!(names(&new), ["client1", "iol1", "pe1"]);
    let (pe, _) = device(&new, "pe1");
    assert_eq!(
        (pe.host.as_str(), pe.profile.as_str()),
        ("172.20.20.5", "nokia_sros")
    );
    // The same output piped in on standard input.
    let bytes = std::fs::read(fixtures().join("clab/inspect-v0.68.json")).unwrap();
    let piped = load_text(Path::new("<stdin>"), bytes, None, &Profiles::embedded()).unwrap();
    assert_eq!(names(&piped), ["client1", "iol1", "pe1"]);
}

#[test]
fn formats_are_detected() {
    for (rel, format) in [
        ("clab/mylab.clab.yml", Format::ClabTopology),
        ("clab/clab-mylab", Format::ClabLabDir),
        (
            "clab/clab-mylab/topology-data.json",
            Format::ClabTopologyData,
        ),
        ("clab/clab-mylab/ansible-inventory.yml", Format::AnsibleYaml),
        ("clab/inspect-v0.67.json", Format::ClabInspect),
        ("clab/inspect-v0.68.json", Format::ClabInspect),
        ("ansible/yaml/inventory.yml", Format::AnsibleYaml),
        ("ansible/ini/hosts", Format::AnsibleIni),
        ("lists/addresses.txt", Format::AddressList),
        ("nornir/hosts.yaml", Format::Nornir),
        ("nornir/project/config.yaml", Format::Nornir),
        ("nornir/project/inventory/hosts.yml", Format::Nornir),
        (
            "clab/clab-creds/nornir-simple-inventory.yml",
            Format::Nornir,
        ),
        ("clab/nornir-only/clab-nlab", Format::ClabLabDir),
        ("netpulse/request.json", Format::NetPulse),
        ("netpulse/requests.json", Format::NetPulse),
        ("netpulse/bulk.json", Format::NetPulse),
        ("netmiko/devices.yml", Format::Netmiko),
        ("netmiko/devices.json", Format::Netmiko),
    ] {
        assert_eq!(detect(&fixtures().join(rel)).unwrap(), format, "{rel}");
    }
}

/// Containerlab's `nornir-simple-inventory.yml` carries the credentials it configured (the
/// topology's own, not only the kind's): they replace the kind defaults; a lab directory
/// with only that file loads it as a Nornir inventory.
#[test]
fn clab_lab_directory_credentials_from_its_nornir_inventory() {
    let loaded = load_fixture("clab/clab-creds");
    let (srl, prov) = device(&loaded, "srl1");
    assert_eq!(srl.host, "172.20.21.2");
    assert_eq!(
        (srl.username.as_deref(), password(srl)),
        (Some("ops"), Some("topology-set-pw"))
    );
    assert_eq!(
        from(prov, Field::Password),
        "clab/clab-creds/nornir-simple-inventory.yml:9"
    );
    assert_eq!(
        from(prov, Field::Profile),
        "clab/clab-creds/topology-data.json:8",
        "the kind still gives the profile"
    );
    let (ceos, prov) = device(&loaded, "ceos1");
    assert_eq!(
        (ceos.username.as_deref(), password(ceos)),
        (Some("admin"), Some("admin"))
    );
    assert_eq!(
        from(prov, Field::Username),
        "clab/clab-creds/nornir-simple-inventory.yml:3"
    );

    let only = load_fixture("clab/nornir-only/clab-nlab");
    let (srl, prov) = device(&only, "srl1");
    assert_eq!(
        (srl.host.as_str(), srl.profile.as_str(), password(srl)),
        ("172.20.22.2", "nokia_srl", Some("NokiaSrl1!"))
    );
    assert_eq!(
        from(prov, Field::Host),
        "clab/nornir-only/clab-nlab/nornir-simple-inventory.yml:6"
    );
}

/// The new sources through `load` and `--format`: each file read as its own format, and
/// forced formats that do not fit fail with the file named.
#[test]
fn python_tool_sources_load_and_can_be_forced() {
    let nornir = load_fixture("nornir/hosts.yaml");
    assert!(names(&nornir).contains(&"core-r1"));
    let netpulse = load_fixture("netpulse/bulk.json");
    assert_eq!(names(&netpulse), ["10.3.0.1", "10.3.0.2", "10.3.0.3"]);
    let netmiko = load(
        &fixtures().join("netmiko/devices.json"),
        Some(Format::Netmiko),
        &Profiles::embedded(),
    )
    .unwrap();
    assert_eq!(names(&netmiko), ["wan-r1", "wan-r2"]);
    for name in ["nornir", "netpulse", "netmiko"] {
        assert_eq!(name.parse::<Format>().unwrap().name(), name);
    }
    let err = load(
        &fixtures().join("lists/addresses.txt"),
        Some(Format::NetPulse),
        &Profiles::embedded(),
    )
    .unwrap_err();
    assert!(err.file.ends_with("addresses.txt"), "{err}");
    // Standard input: the hosts file alone.
    let bytes = std::fs::read(fixtures().join("nornir/hosts.yaml")).unwrap();
    let piped = load_text(Path::new("<stdin>"), bytes, None, &Profiles::embedded()).unwrap();
    let (r1, _) = device(&piped, "core-r1");
    assert_eq!(
        r1.profile, "auto",
        "no groups.yaml is read from standard input"
    );
    assert!(warned(
        &piped,
        &["<stdin>", "groups and defaults are not read"]
    ));
}

#[test]
fn ansible_yaml_inventory_with_group_and_host_vars() {
    let loaded = load_fixture("ansible/yaml/inventory.yml");
    assert_eq!(
        names(&loaded),
        [
            "2001:db8::5",
            "lab-sw1",
            "spine01",
            "spine02",
            "wan-r1",
            "wan-r2"
        ]
    );
    let (r1, prov) = device(&loaded, "wan-r1");
    assert_eq!((r1.host.as_str(), r1.port), ("192.0.2.11", 22));
    assert_eq!(r1.username.as_deref(), Some("netops"));
    assert_eq!(from(prov, Field::Username), "ansible/yaml/inventory.yml:5");
    assert_eq!(r1.profile, "cisco_ios");
    assert_eq!(from(prov, Field::Profile), "ansible/yaml/inventory.yml:9");
    // The -o options are what the host's ssh reads (Ansible's ssh connection), applied to
    // OpenSSH's own defaults.
    let ssh = openssh_offer(r1);
    assert!(ssh.kex.contains(&"diffie-hellman-group14-sha1".to_string()));
    assert!(ssh.host_key.contains(&"ssh-rsa".to_string()));
    assert_eq!(ssh.cipher.last().map(String::as_str), Some("aes128-cbc"));
    assert_eq!(from(prov, Field::Kex), "ansible/yaml/inventory.yml:10");
    assert_eq!(
        from(prov, Field::Ciphers),
        "ansible/yaml/host_vars/wan-r1.yml:2"
    );
    let kex = r1
        .client
        .setting(sshtriage::device::ClientKind::Openssh, Category::Kex)
        .expect("a kex setting");
    assert_eq!(kex.value, "+diffie-hellman-group14-sha1");
    assert_eq!(kex.via, sshtriage::device::SettingVia::CommandLine);
    assert!(r1.allowlist.is_empty(), "the probe's own list is untouched");
    assert_eq!(r1.host_key_policy, HostKeyPolicy::Warn);
    match &r1.credentials.key {
        Some(KeySource::File(p)) => {
            assert!(
                p.ends_with(".ssh/wan_ed25519") && !p.starts_with("~"),
                "{p:?}"
            )
        }
        other => panic!("key: {other:?}"),
    }
    assert_eq!(from(prov, Field::Key), "ansible/yaml/group_vars/wan.yml:5");
    // Encrypted and templated secrets are never used.
    assert!(r1.credentials.password.is_none() && r1.enable_secret.is_none());

    let (r2, prov) = device(&loaded, "wan-r2");
    assert_eq!(
        (r2.port, from(prov, Field::Port).as_str()),
        (2222, "ansible/yaml/inventory.yml:16")
    );
    assert!(r2.credentials.password.is_none());

    let (spine, prov) = device(&loaded, "spine01");
    assert_eq!(
        spine.profile, "arista_eos",
        "host var beats the core group's"
    );
    assert_eq!(
        spine.username.as_deref(),
        Some("core-ops"),
        "later file in group_vars/core/ wins"
    );
    assert_eq!(
        from(prov, Field::Username),
        "ansible/yaml/group_vars/core/20-port.yaml:2"
    );
    assert_eq!(spine.port, 2022);

    let (lab, _) = device(&loaded, "lab-sw1");
    assert_eq!(lab.host, "lab-sw1", "templated ansible_host is not used");
    let (v6, _) = device(&loaded, "2001:db8::5");
    assert_eq!(
        (v6.host.as_str(), v6.port, v6.profile.as_str()),
        ("2001:db8::5", 830, "auto")
    );
}

#[test]
fn ansible_vault_and_templates_are_reported_not_parsed() {
    let loaded = load_fixture("ansible/yaml/inventory.yml");
    assert!(
        warned(
            &loaded,
            &[
                "ansible_password for wan-r2 is vault-encrypted",
                "group_vars/wan.yml:1",
                "password_env"
            ]
        ),
        "{:#?}",
        loaded.warnings
    );
    assert!(warned(
        &loaded,
        &[
            "ansible_become_password for",
            "wan-r1",
            "vault-encrypted",
            "enable_secret_env"
        ]
    ));
    assert!(warned(
        &loaded,
        &[
            "ansible_password for wan-r1 is templated",
            "host_vars/wan-r1.yml:3"
        ]
    ));
    assert!(warned(
        &loaded,
        &[
            "ansible_password for lab-sw1",
            "LAB_SW_PASSWORD",
            "password_env = \"LAB_SW_PASSWORD\""
        ]
    ));
    assert!(warned(
        &loaded,
        &[
            "ansible_host for lab-sw1 is templated",
            "{{ lab_prefix }}.21"
        ]
    ));
    assert!(warned(&loaded, &["made.up.os", "auto-detected"]));
    for w in &loaded.warnings {
        assert!(
            !w.contains("AES256") && !w.contains("6231336539"),
            "vault text leaked: {w}"
        );
        assert!(
            !w.contains("wan_r1_password"),
            "a secret's template text is not shown: {w}"
        );
    }
}

#[test]
fn ansible_ini_inventory() {
    let loaded = load_fixture("ansible/ini/hosts");
    assert_eq!(names(&loaded), ["sw1", "sw2", "sw3", "wan-r1", "wan-r2"]);
    assert!(warned(&loaded, &["bastion.example.net", "skipped"]));
    let (r1, prov) = device(&loaded, "wan-r1");
    assert_eq!(
        r1.username.as_deref(),
        Some("netops"),
        "-o User loses to ansible_user"
    );
    assert_eq!(from(prov, Field::Username), "ansible/ini/hosts:21");
    assert_eq!(password(r1), Some("lab-pass"));
    assert_eq!(from(prov, Field::Password), "ansible/ini/hosts:22");
    assert_eq!(r1.profile, "cisco_ios");
    assert!(
        r1.offer
            .kex
            .contains(&"diffie-hellman-group14-sha1".to_string())
    );
    assert!(r1.enable_secret.is_none());
    assert_eq!(
        r1.jump.as_deref(),
        Some("ops@bastion.example.net"),
        "from ProxyCommand ssh -W"
    );
    assert_eq!(from(prov, Field::Jump), "ansible/ini/hosts:13");
    assert!(warned(
        &loaded,
        &["ansible_become_pass", "vault-encrypted", "hosts:14"]
    ));
    let (r2, prov) = device(&loaded, "wan-r2");
    assert_eq!((r2.port, r2.username.as_deref()), (2222, Some("ops admin")));
    assert_eq!(from(prov, Field::Port), "ansible/ini/hosts:6");
    let (sw1, prov) = device(&loaded, "sw1");
    assert_eq!((sw1.host.as_str(), sw1.port), ("192.0.2.3", 2200));
    assert_eq!(
        from(prov, Field::Port),
        "ansible/ini/group_vars/access.yml:2"
    );
    // `-o ConnectTimeout=5` in ansible_ssh_common_args bounds what OpenSSH bounds with it:
    // the connect, the banner and the key exchange (issue 15 item 3), named with its place.
    assert_eq!(sw1.limit(Stage::Tcp).duration, Duration::from_secs(5));
    let banner = sw1.limit(Stage::Banner).to_string();
    assert!(
        banner.starts_with("5s (ConnectTimeout, ") && banner.ends_with("group_vars/access.yml:2)"),
        "{banner}"
    );
    assert_eq!(sw1.timeout, Duration::from_secs(10));
    assert_eq!(sw1.profile, "arista_eos");
    let (sw2, prov) = device(&loaded, "sw2");
    assert_eq!(sw2.host, "192.0.2.32");
    assert_eq!(from(prov, Field::Host), "ansible/ini/host_vars/sw2.yml:1");
    assert!(warned(
        &loaded,
        &["host_vars/sw3", "whole file is vault-encrypted"]
    ));
}

#[test]
fn ssh_config_resolution() {
    let dir = fixtures().join("ssh");
    let cfg = SshConfig::load_with(&dir.join("config"), &dir, Some("/home/u")).unwrap();
    let rel = |s: &ValueSource| s.to_string().replace(&format!("{}/", dir.display()), "");

    let r1 = cfg.resolve("wan-r1");
    let hostname = r1.hostname.as_ref().unwrap();
    assert_eq!(
        (hostname.value.as_str(), rel(&hostname.source).as_str()),
        ("192.0.2.11", "config.d/20-wan.conf:2")
    );
    assert_eq!(r1.port.as_ref().unwrap().value, 2222);
    let user = r1.user.as_ref().unwrap();
    assert_eq!(
        (user.value.as_str(), rel(&user.source).as_str()),
        ("netops", "config:5")
    );
    assert_eq!(
        r1.kex.as_ref().unwrap().value,
        "+diffie-hellman-group14-sha1"
    );
    let timeout = r1.connect_timeout.as_ref().unwrap();
    assert_eq!(
        (timeout.value, rel(&timeout.source).as_str()),
        (Duration::from_secs(7), "config:23")
    );
    assert_eq!(r1.identities_only.as_ref().map(|s| s.value), Some(true));
    assert!(
        cfg.warnings
            .iter()
            .any(|w| w.contains("20-wan.conf:4") && w.contains("Match exec"))
    );

    let legacy = cfg.resolve("wan-legacy");
    assert_eq!(
        legacy.user.as_ref().unwrap().value,
        "fallback",
        "negated by !wan-legacy"
    );
    let keys: Vec<&Path> = legacy
        .identity_files
        .iter()
        .map(|k| k.value.as_path())
        .collect();
    assert_eq!(
        keys,
        [
            Path::new("/home/u/.ssh/legacy_rsa"),
            Path::new("/home/u/.ssh/id_fallback")
        ]
    );

    let spine = cfg.resolve("spine01");
    assert_eq!(
        spine.hostname.as_ref().unwrap().value,
        "spine01.lab.example"
    );
    assert_eq!(
        (
            spine.port.as_ref().unwrap().value,
            spine.user.as_ref().unwrap().value.as_str()
        ),
        (2201, "admin")
    );
    assert!(
        spine.strict_host_key_checking.is_none(),
        "Host matches the name typed, not HostName"
    );

    let lab = cfg.resolve("r1.lab.example");
    assert_eq!(
        lab.strict_host_key_checking.as_ref().unwrap().value,
        "accept-new"
    );
    assert_eq!(
        lab.proxy_jump.as_ref().unwrap().value,
        "bastion.example.net"
    );
    let known: Vec<&Path> = lab
        .user_known_hosts_files
        .as_ref()
        .unwrap()
        .value
        .iter()
        .map(PathBuf::as_path)
        .collect();
    assert_eq!(
        known,
        [
            Path::new("/home/u/.ssh/known_hosts.lab"),
            Path::new("/dev/null")
        ]
    );
}

#[test]
fn ssh_config_fills_only_what_the_inventory_left_unset() {
    let dir = fixtures().join("ssh");
    let cfg = SshConfig::load_with(&dir.join("config"), &dir, Some("/home/u")).unwrap();
    let target = parse_host_arg("wan-r1").unwrap();
    let mut d = Device::from_target(&target);
    let mut prov = Provenance::default();
    prov.set(Field::Username, ValueSource::file("sshtriage.toml", 3));
    d.username = Some("mine".into());
    let notes = cfg.apply(&mut d, &mut prov);
    assert_eq!((d.host.as_str(), d.port), ("192.0.2.11", 2222));
    assert_eq!(d.username.as_deref(), Some("mine"));
    assert!(
        openssh_offer(&d)
            .kex
            .contains(&"diffie-hellman-group14-sha1".to_string())
    );
    // ConnectTimeout bounds what OpenSSH bounds with it: connect, banner, key exchange.
    for stage in [Stage::Tcp, Stage::Banner, Stage::Kex] {
        assert_eq!(d.limit(stage).duration, Duration::from_secs(7), "{stage}");
    }
    assert_eq!(d.timeout, Duration::from_secs(10));
    assert!(
        prov.get(Field::Port)
            .unwrap()
            .to_string()
            .ends_with("20-wan.conf:3")
    );
    assert!(
        notes.is_empty() || notes.iter().all(|n| !n.contains("wan-r1:")),
        "{notes:?}"
    );

    let mut legacy = Device::from_target(&parse_host_arg("wan-legacy").unwrap());
    let mut prov = Provenance::default();
    let notes = cfg.apply(&mut legacy, &mut prov);
    let legacy_ssh = openssh_offer(&legacy);
    assert_eq!(
        legacy_ssh.cipher.first().map(String::as_str),
        Some("aes128-cbc")
    );
    assert!(!legacy_ssh.mac.iter().any(|m| m.starts_with("hmac-sha1")));
    assert_eq!(legacy.host_key_policy, HostKeyPolicy::Warn);
    assert_eq!(
        legacy.credentials.key,
        Some(KeySource::File("/home/u/.ssh/legacy_rsa".into()))
    );
    // ssh would try the later IdentityFile too, and so do we.
    assert_eq!(
        legacy.credentials.more_key_files,
        vec![std::path::PathBuf::from("/home/u/.ssh/id_fallback")]
    );
    assert!(
        !notes.iter().any(|n| n.contains("id_fallback")),
        "{notes:?}"
    );

    let mut lab = Device::from_target(&parse_host_arg("r1.lab.example").unwrap());
    let mut prov = Provenance::default();
    cfg.apply(&mut lab, &mut prov);
    assert_eq!(lab.host_key_policy, HostKeyPolicy::AcceptNew);
    assert_eq!(lab.jump.as_deref(), Some("bastion.example.net"));
    assert!(from(&prov, Field::Jump).ends_with("ssh/config:20"));
    // An inventory's own jump host is kept.
    let mut own = Device::from_target(&parse_host_arg("r2.lab.example").unwrap());
    own.jump = Some("mine".into());
    let mut prov = Provenance::default();
    prov.set(Field::Jump, ValueSource::file("sshtriage.toml", 9));
    cfg.apply(&mut own, &mut prov);
    assert_eq!(own.jump.as_deref(), Some("mine"));
}

#[test]
fn address_lists_and_cidr() {
    let loaded = load_fixture("lists/addresses.txt");
    assert_eq!(
        loaded
            .devices
            .iter()
            .map(|(d, _)| d.name.as_str())
            .collect::<Vec<_>>(),
        [
            "192.0.2.11",
            "192.0.2.12:2222",
            "[2001:db8::5]:830",
            "2001:db8::6",
            "r1.lab.example"
        ]
    );
    let (d, prov) = device(&loaded, "192.0.2.12:2222");
    assert_eq!((d.username.as_deref(), d.port), (Some("admin"), 2222));
    assert_eq!(from(prov, Field::Port), "lists/addresses.txt:3");
    assert!(warned(&loaded, &["addresses.txt:7", "listed again"]));
    let hosts = expand_cidr("127.0.10.0/28").unwrap();
    assert_eq!(hosts.len(), 14);
    assert!(
        expand_cidr("10.0.0.0/8")
            .unwrap_err()
            .contains("at most 4096")
    );
}

#[test]
fn user_defaults_replace_lab_defaults_only() {
    let mut loaded = load_fixture("clab/old/clab-old");
    let mut o = Overrides::new(ValueSource::file("sshtriage.toml", 2));
    o.password = Some(sshtriage::secret::Secret::new("my-lab-pass"));
    apply_overrides(&mut loaded.devices, &o);
    let (iol, prov) = device(&loaded, "iol1");
    assert_eq!(
        password(iol),
        Some("my-lab-pass"),
        "built-in kind default replaced"
    );
    assert_eq!(from(prov, Field::Password), "sshtriage.toml:2");
    let (ceos, _) = device(&loaded, "ceos1");
    assert_eq!(
        password(ceos),
        Some("admin"),
        "the inventory's own value stays"
    );
    let (client, _) = device(&loaded, "client1");
    assert_eq!(password(client), Some("my-lab-pass"), "unset before");
}

#[test]
fn secrets_never_show_in_debug_output() {
    for rel in ["clab/mylab.clab.yml", "ansible/ini/hosts"] {
        let loaded = load_fixture(rel);
        let dump = format!("{:?}", loaded);
        for secret in ["NokiaSrl1!", "clab@123", "lab-pass"] {
            assert!(!dump.contains(secret), "{rel} leaks {secret}");
        }
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = Profiles::embedded();
    let cases: [(&str, &str, Format, usize, &str); 6] = [
        (
            "bad.yml",
            "all:\n  hosts:\n    r1: [\n",
            Format::AnsibleYaml,
            4,
            "YAML",
        ),
        (
            "list.yml",
            "all:\n  hosts:\n    - r1\n",
            Format::AnsibleYaml,
            3,
            "mapping",
        ),
        (
            "port.ini",
            "[wan]\nr1 ansible_port=abc\n",
            Format::AnsibleIni,
            2,
            "port",
        ),
        (
            "kv.ini",
            "[wan:vars]\nnonsense\n",
            Format::AnsibleIni,
            2,
            "key=value",
        ),
        (
            "hosts.txt",
            "10.0.0.1\nr1 r2\n",
            Format::AddressList,
            2,
            "one [user@]host",
        ),
        (
            "t.clab.yml",
            "name: x\ntopology:\n  links: []\n",
            Format::ClabTopology,
            2,
            "nodes",
        ),
    ];
    for (name, text, format, line, needle) in cases {
        let path = write(dir.path(), name, text.as_bytes());
        let err = load(&path, Some(format), &profiles).unwrap_err();
        assert_eq!(
            (err.file.as_path(), err.line),
            (path.as_path(), line),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(needle), "{name}: {err}");
    }
}

#[test]
fn hostile_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = Profiles::embedded();
    let started = std::time::Instant::now();

    let huge = write(dir.path(), "huge.yml", &vec![b'a'; 16 * 1024 * 1024 + 1]);
    let err = load(&huge, Some(Format::AnsibleYaml), &profiles).unwrap_err();
    assert!(err.message.contains("16 MiB"), "{err}");

    let binary = write(dir.path(), "bin", b"\x7fELF\x02\x01\x01\x00\x00\x00");
    let err = load(&binary, None, &profiles).unwrap_err();
    assert!(err.message.contains("binary"), "{err}");
    let latin1 = write(dir.path(), "latin1.ini", b"[wan]\nr\xe9seau\n");
    let err = load(&latin1, None, &profiles).unwrap_err();
    assert_eq!(err.line, 2, "{err}");

    let deep = format!(
        "all:\n  vars:\n    x: {}1{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let deep = write(dir.path(), "deep.yml", deep.as_bytes());
    let err = load(&deep, Some(Format::AnsibleYaml), &profiles).unwrap_err();
    assert_eq!(err.file, deep);

    let mut nested = String::new();
    for i in 0..2000 {
        nested.push_str(&format!(
            "{}g{i}:\n{}  children:\n",
            "    ".repeat(i),
            "    ".repeat(i)
        ));
    }
    let nested = write(dir.path(), "nested.yml", nested.as_bytes());
    assert!(load(&nested, Some(Format::AnsibleYaml), &profiles).is_err());

    let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        let refs = vec![format!("*{prev}"); 10].join(", ");
        laughs.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    let laughs = write(dir.path(), "laughs.yml", laughs.as_bytes());
    let err = load(&laughs, Some(Format::AnsibleYaml), &profiles).unwrap_err();
    assert!(err.message.contains("more than"), "{err}");

    let range = write(dir.path(), "range.ini", b"[all]\nh[0:999999]\n");
    let err = load(&range, None, &profiles).unwrap_err();
    assert!(err.message.contains("more than 4096"), "{err}");

    assert!(
        started.elapsed() < Duration::from_secs(30),
        "hostile input took too long"
    );
}

#[test]
fn large_group_graphs_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = Profiles::embedded();
    let started = std::time::Instant::now();
    // A 2000-deep chain of groups with 20000 hosts at the bottom: combined once, not per host.
    let mut text: String = (0..2000)
        .map(|i| format!("[g{i}:children]\ng{}\n", i + 1))
        .collect();
    text.push_str("[g1999]\n");
    text.extend((0..20000).map(|i| format!("h{i}\n")));
    text.push_str("[g0:vars]\nansible_user=top\n");
    let chain = write(dir.path(), "chain.ini", text.as_bytes());
    let loaded = load(&chain, None, &profiles).unwrap();
    assert_eq!(loaded.devices.len(), 20000);
    assert_eq!(loaded.devices[19999].0.username.as_deref(), Some("top"));
    // The same chain with every host also in its own group: refused, not ground through.
    let mut text: String = (0..2000)
        .map(|i| format!("[g{i}:children]\ng{}\n", i + 1))
        .collect();
    text.push_str("[g1999]\n");
    text.extend((0..1500).map(|i| format!("h{i}\n")));
    text.extend((0..1500).map(|i| format!("[own{i}]\nh{i}\n")));
    let combos = write(dir.path(), "combos.ini", text.as_bytes());
    let err = load(&combos, None, &profiles).unwrap_err();
    assert!(err.message.contains("too large"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}
