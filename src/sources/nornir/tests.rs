use super::*;
use crate::algorithms::allowlist::Category;
use crate::device::{ClientRequest, HostKeyPolicy, KeySource, SettingVia};
use std::path::PathBuf;
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sources/nornir")
}

fn load_fixture(rel: &str) -> Loaded {
    load(&fixtures().join(rel), &Profiles::embedded()).expect("loads")
}

fn find<'a>(loaded: &'a Loaded, name: &str) -> &'a (Device, Provenance) {
    loaded
        .devices
        .iter()
        .find(|(d, _)| d.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", loaded.devices))
}

fn from(prov: &Provenance, field: Field) -> String {
    prov.get(field)
        .unwrap_or_else(|| panic!("no provenance for {field}"))
        .to_string()
        .replace(&format!("{}/", fixtures().display()), "")
}

fn warned<'a>(loaded: &'a Loaded, needles: &[&str]) -> &'a str {
    loaded
        .warnings
        .iter()
        .find(|w| needles.iter().all(|n| w.contains(n)))
        .unwrap_or_else(|| panic!("no warning with {needles:?} in {:#?}", loaded.warnings))
}

fn secret(s: &Option<crate::secret::Secret>) -> Option<&str> {
    s.as_ref().map(|s| s.expose())
}

fn kind(d: &Device) -> Option<ClientKind> {
    match d.client.request {
        ClientRequest::Fixed { kind, .. } => Some(kind),
        _ => None,
    }
}

#[test]
fn attributes_inherit_host_then_extended_groups_then_defaults() {
    let loaded = load_fixture("hosts.yaml");
    let names: Vec<&str> = loaded
        .devices
        .iter()
        .map(|(d, _)| d.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["core-r1", "core-r2", "edge-sw1", "quirk-r7", "vaulted-r6"]
    );

    // core-r1's extended groups: ios_routers, cisco (ios_routers' parent), site_a.
    let (r1, prov) = find(&loaded, "core-r1");
    assert_eq!((r1.host.as_str(), r1.port), ("10.0.0.1", 22));
    assert_eq!(r1.username.as_deref(), Some("cisco-user"));
    assert_eq!(secret(&r1.credentials.password), Some("site-a-pw"));
    assert_eq!(r1.profile, "cisco_ios", "NAPALM `ios` → cisco_ios");
    for (field, at) in [
        (Field::Host, "hosts.yaml:4"),
        (Field::Username, "groups.yaml:16"),
        (Field::Password, "groups.yaml:20"),
        (Field::Profile, "groups.yaml:3"),
    ] {
        assert_eq!(from(prov, field), at, "{field}");
    }
    assert_eq!(
        (kind(r1), r1.client.used_by),
        (Some(ClientKind::Netmiko), Some(UsedBy::Nornir))
    );

    let (r2, prov) = find(&loaded, "core-r2");
    assert_eq!(
        (r2.port, r2.username.as_deref()),
        (2222, Some("local-admin"))
    );
    assert_eq!(secret(&r2.credentials.password), Some("site-a-pw"));
    assert_eq!(r2.profile, "linux");
    assert_eq!(from(prov, Field::Profile), "defaults.yaml:4");

    let (sw1, prov) = find(&loaded, "edge-sw1");
    assert_eq!(sw1.profile, "arista_eos");
    assert_eq!(sw1.username.as_deref(), Some("site-a-user"));
    assert_eq!(
        from(prov, Field::Username),
        "groups.yaml:19",
        "site_b's parent site_a"
    );
}

#[test]
fn extras_come_whole_from_the_first_level_that_has_them() {
    let loaded = load_fixture("hosts.yaml");
    // ios_routers' extras, whole: the defaults' conn_timeout does not join them.
    let (r1, prov) = find(&loaded, "core-r1");
    assert_eq!(secret(&r1.enable_secret), Some("ios-enable"));
    assert_eq!(from(prov, Field::EnableSecret), "groups.yaml:8");
    assert!(r1.credentials.look_for_keys);
    assert_eq!(
        r1.credentials.key,
        Some(KeySource::File(fixtures().join("keys/ios_ed25519")))
    );
    assert_eq!(
        r1.limit(crate::model::Stage::Banner).duration,
        Duration::from_secs(30)
    );
    assert_eq!(
        from(prov, Field::PhaseTimeout(crate::device::Phase::Banner)),
        "groups.yaml:11"
    );
    let kex = r1
        .client
        .setting(ClientKind::Netmiko, Category::Kex)
        .unwrap();
    assert_eq!(
        (kex.value.as_str(), kex.via),
        ("diffie-hellman-group1-sha1", SettingVia::DisabledAlgorithms)
    );
    assert_eq!(from(prov, Field::Client), "groups.yaml:7");
    // The host's own extras.
    let (r2, prov) = find(&loaded, "core-r2");
    assert_eq!(secret(&r2.enable_secret), Some("host-enable"));
    assert_eq!(
        (
            r2.limit(crate::model::Stage::Tcp).duration,
            from(prov, Field::PhaseTimeout(crate::device::Phase::Tcp))
        ),
        (Duration::from_secs(20), "hosts.yaml:21".into())
    );
    // Through site_b from site_a.
    let (sw1, prov) = find(&loaded, "edge-sw1");
    assert_eq!(secret(&sw1.enable_secret), Some("site-a-enable"));
    assert_eq!(from(prov, Field::EnableSecret), "groups.yaml:24");
    // Nornir resolves each group's options with the defaults: `plain` (no options) already
    // carries the defaults' extras, so site_c's never reach quirk-r7.
    let (r7, prov) = find(&loaded, "quirk-r7");
    assert_eq!(r7.username.as_deref(), Some("site-c-user"));
    assert_eq!(r7.enable_secret, None);
    assert_eq!(
        (
            r7.limit(crate::model::Stage::Tcp).duration,
            from(prov, Field::PhaseTimeout(crate::device::Phase::Tcp))
        ),
        (Duration::from_secs(5), "defaults.yaml:8".into())
    );
}

#[test]
fn broken_hosts_are_named_with_file_line_and_key_and_the_rest_load() {
    let loaded = load_fixture("hosts.yaml");
    let cycle = warned(&loaded, &["groups form a cycle"]);
    assert!(
        cycle.contains(
            "groups.yaml:44: loop_b.groups: groups form a cycle: loop_a -> loop_b -> loop_a"
        ) && cycle.ends_with("skipped [loop-r3]"),
        "{cycle}"
    );
    warned(
        &loaded,
        &[
            "hosts.yaml:38: lost-r4.groups: group `no_such_group` is not in the groups file",
            "[lost-r4]",
        ],
    );
    warned(
        &loaded,
        &[
            "hosts.yaml:40: nameless-r5.hostname: nameless-r5 has no hostname",
            "[nameless-r5]",
        ],
    );
    let (r6, _) = find(&loaded, "vaulted-r6");
    assert_eq!(
        r6.credentials.password, None,
        "the host's own (Jinja) value shadows the group's"
    );
    warned(
        &loaded,
        &[
            "hosts.yaml:45: vaulted-r6.password: reads environment variable R6_PASSWORD",
            "password_env = \"R6_PASSWORD\"",
        ],
    );
    warned(
        &loaded,
        &["hosts.yaml:47: vaulted-r6.hostnmae: not a Nornir inventory key"],
    );
    let shown = format!("{:?}{:?}", loaded.warnings, loaded.devices);
    for s in ["site-a-pw", "ios-enable", "default-pw", "host-enable"] {
        assert!(!shown.contains(s), "{s} shown");
    }
}

#[test]
fn a_config_names_the_files_and_scrapli_options_apply() {
    let loaded = load_fixture("project/config.yaml");
    let (spine, prov) = find(&loaded, "spine1");
    assert_eq!(spine.profile, "arista_eos");
    assert_eq!(
        kind(spine),
        Some(ClientKind::Scrapli),
        "scrapli's default transport is ssh"
    );
    assert_eq!(secret(&spine.enable_secret), Some("arista-enable"));
    assert_eq!(
        spine.host_key_policy,
        HostKeyPolicy::Strict,
        "auth_strict_key defaults to true"
    );
    assert_eq!(
        from(prov, Field::HostKeyPolicy),
        "scrapli default (auth_strict_key true)"
    );
    assert!(from(prov, Field::Password).ends_with("inventory/groups.yml:5"));
    let (leaf, prov) = find(&loaded, "leaf1");
    assert_eq!(kind(leaf), Some(ClientKind::Paramiko));
    assert_eq!(
        leaf.enable_secret, None,
        "the host's extras replace the group's whole"
    );
    assert_eq!(leaf.host_key_policy, HostKeyPolicy::Warn);
    assert_eq!(
        leaf.limit(crate::model::Stage::Tcp).duration,
        Duration::from_secs(7)
    );
    assert!(
        from(prov, Field::PhaseTimeout(crate::device::Phase::Tcp))
            .ends_with("inventory/hosts.yml:13")
    );
}

/// A temporary inventory: hosts.yaml and, when given, groups.yaml and defaults.yaml.
fn inventory(
    hosts: &str,
    groups: Option<&str>,
    defaults: Option<&str>,
) -> (tempfile::TempDir, Loaded) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.yaml"), hosts).unwrap();
    if let Some(g) = groups {
        std::fs::write(dir.path().join("groups.yaml"), g).unwrap();
    }
    if let Some(d) = defaults {
        std::fs::write(dir.path().join("defaults.yml"), d).unwrap();
    }
    let loaded = load(&dir.path().join("hosts.yaml"), &Profiles::embedded()).expect("loads");
    (dir, loaded)
}

#[test]
fn extended_groups_follow_nornirs_documented_order() {
    // Nornir's docstring: groups [group_a, group_b], group_a [group_1, group_2], group_b
    // [group_2, group_3], group_1 [group_X] → group_a, group_1, group_X, group_2, group_b,
    // group_3.
    let groups = "group_a: {groups: [group_1, group_2]}\ngroup_b: {groups: [group_2, group_3]}\n\
                  group_1: {groups: [group_X]}\ngroup_2: {}\ngroup_3: {}\ngroup_X: {}\n";
    let hosts = "hostA: {hostname: 127.0.0.1, groups: [group_a, group_b]}\n";
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("groups.yaml");
    let h = dir.path().join("hosts.yaml");
    std::fs::write(&g, groups).unwrap();
    std::fs::write(&h, hosts).unwrap();
    let (gd, hd) = (document(&g).unwrap(), document(&h).unwrap());
    let mut errors = Vec::new();
    let inv = Inventory::read((&h, &hd), Some((&g, &gd)), None, &mut errors).unwrap();
    let resolved = Resolved::new(&inv).unwrap();
    assert_eq!(
        resolved.host_groups(&inv.hosts[0]).unwrap(),
        [
            "group_a", "group_1", "group_X", "group_2", "group_b", "group_3"
        ]
    );
    // So a value in group_2 beats group_b's, and group_X's beats group_2's.
    let groups = groups
        .replace("group_2: {}", "group_2: {username: from-2}")
        .replace("group_b: {groups", "group_b: {username: from-b, groups");
    let (_d, loaded) = inventory(hosts, Some(&groups), None);
    assert_eq!(loaded.devices[0].0.username.as_deref(), Some("from-2"));
    let groups = groups.replace("group_X: {}", "group_X: {username: from-x}");
    let (_d, loaded) = inventory(hosts, Some(&groups), None);
    assert_eq!(loaded.devices[0].0.username.as_deref(), Some("from-x"));
}

#[test]
fn the_default_plugin_is_lenient_about_platform_names_netmiko_lacks() {
    let (_d, loaded) = inventory(
        "srl1: {hostname: 127.0.0.1, platform: nokia_srlinux, username: admin}\n\
         r2: {hostname: 127.0.0.2, platform: cisco_iosxe}\n",
        None,
        Some("password: lab-pw\n"),
    );
    let (srl, _) = find(&loaded, "srl1");
    assert_eq!(
        srl.profile, "nokia_srl",
        "a Containerlab kind name still names a profile"
    );
    assert_eq!(secret(&srl.credentials.password), Some("lab-pw"));
    warned(
        &loaded,
        &["`nokia_srlinux` is not a Netmiko device_type", "[srl1]"],
    );
    assert_eq!(find(&loaded, "r2").0.profile, "cisco_ios");
    // With netmiko options set up, ConnectHandler's refusal is an error for the host.
    let (_d, loaded) = inventory(
        "srl1:\n  hostname: 127.0.0.1\n  platform: nokia_srlinux\n  connection_options:\n    \
         netmiko: {extras: {secret: x}}\n",
        None,
        None,
    );
    assert!(loaded.devices.is_empty());
    warned(
        &loaded,
        &["hosts.yaml:3: srl1.platform: `nokia_srlinux` is not a Netmiko device_type"],
    );
    let (_d, loaded) = inventory(
        "r9:\n  hostname: 127.0.0.9\n  connection_options:\n    netmiko: {extras: {secret: x}}\n",
        None,
        None,
    );
    assert!(loaded.devices.is_empty());
    warned(
        &loaded,
        &["hosts.yaml:1: r9.platform: nornir_netmiko passes no device_type"],
    );
}

#[test]
fn napalm_and_paramiko_options() {
    let (_d, loaded) = inventory(
        "r1:\n  hostname: 127.0.0.1\n  platform: ios\n  port: 2022\n  connection_options:\n    \
         napalm:\n      extras:\n        optional_args: {secret: en, conn_timeout: 9}\n\
         r2:\n  hostname: 127.0.0.2\n  connection_options:\n    paramiko:\n      extras:\n        \
         key_filename: [k1, k2]\n        look_for_keys: false\n        banner_timeout: 4\n        \
         gss_kex: true\n        bogus: 1\n",
        None,
        None,
    );
    let (r1, _) = find(&loaded, "r1");
    assert_eq!((r1.profile.as_str(), r1.port), ("cisco_ios", 2022));
    assert_eq!(
        kind(r1),
        Some(ClientKind::Netmiko),
        "NAPALM's ios driver runs Netmiko"
    );
    assert_eq!(secret(&r1.enable_secret), Some("en"));
    assert_eq!(
        r1.limit(crate::model::Stage::Tcp).duration,
        Duration::from_secs(9)
    );
    let (r2, _) = find(&loaded, "r2");
    assert_eq!(kind(r2), Some(ClientKind::Paramiko));
    assert_eq!(r2.credentials.more_key_files.len(), 1);
    assert_eq!(
        r2.limit(crate::model::Stage::Banner).duration,
        Duration::from_secs(4)
    );
    warned(&loaded, &["bogus: not a Paramiko connect argument", "[r2]"]);
    assert!(!loaded.warnings.iter().any(|w| w.contains("gss_kex")));
}

#[test]
fn hostile_group_graphs_stay_bounded() {
    // A chain deeper than a stack would take recursively (Nornir itself stops at about
    // 1000, Python's recursion limit).
    let chain = |n: usize| {
        let mut groups = String::new();
        for i in 0..n {
            groups.push_str(&format!("g{i}: {{groups: [g{}]}}\n", i + 1));
        }
        groups.push_str(&format!("g{n}: {{username: deep}}\n"));
        groups
    };
    let (_d, loaded) = inventory(
        "h: {hostname: 127.0.0.1, groups: [g0]}\n",
        Some(&chain(1500)),
        None,
    );
    assert_eq!(loaded.devices[0].0.username.as_deref(), Some("deep"));
    // Deeper still, the extended-group lists would grow quadratically: a clean error.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.yaml"),
        "h: {hostname: x, groups: [g0]}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("groups.yaml"), chain(5000)).unwrap();
    let err = load(&dir.path().join("hosts.yaml"), &Profiles::embedded()).unwrap_err();
    assert!(err.message.contains("too large"), "{err}");
    assert!(err.file.ends_with("groups.yaml"), "{err}");
    // Every host in a cycle is named, once.
    let (_d, loaded) = inventory(
        "a1: {hostname: x, groups: [a]}\na2: {hostname: y, groups: [b]}\nok: {hostname: z}\n",
        Some("a: {groups: [b]}\nb: {groups: [c]}\nc: {groups: [a]}\n"),
        None,
    );
    assert_eq!(loaded.devices.len(), 1);
    let cycle: Vec<&String> = loaded
        .warnings
        .iter()
        .filter(|w| w.contains("cycle"))
        .collect();
    assert_eq!(cycle.len(), 1, "{:#?}", loaded.warnings);
    assert!(
        cycle[0].contains("a -> b -> c -> a") && cycle[0].ends_with("[a1, a2]"),
        "{}",
        cycle[0]
    );
    // A group named as a string, not a list: Nornir would read each letter as a group.
    let (_d, loaded) = inventory(
        "h: {hostname: x, groups: core}\nok: {hostname: z}\n",
        None,
        None,
    );
    assert_eq!(loaded.devices.len(), 1);
    warned(
        &loaded,
        &["hosts.yaml:1: h.groups: is a single value, not a list"],
    );
}

#[test]
fn a_hosts_file_from_standard_input_reads_no_groups() {
    let loaded = parse_text(
        Path::new("<stdin>"),
        "r1: {hostname: 127.0.0.1, platform: junos}\n",
        &Profiles::embedded(),
    )
    .unwrap();
    assert_eq!(loaded.devices[0].0.profile, "juniper_junos");
    let err = parse_text(
        Path::new("<stdin>"),
        "inventory: {plugin: SimpleInventory}\n",
        &Profiles::embedded(),
    )
    .unwrap_err();
    assert!(err.message.contains("give its path"), "{err}");
}
