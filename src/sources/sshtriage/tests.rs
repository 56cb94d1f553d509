use super::*;
use std::time::Duration;

fn parse(text: &str) -> Result<Inventory, SourceError> {
    Inventory::parse(Path::new("lab.toml"), text)
}

#[test]
fn defaults_apply_and_device_wins() {
    let inv = parse(
        r#"
[defaults]
username = "admin"
timeout = "3s"
port = 2222

[[device]]
name = "r1"
host = "127.0.0.1"

[[device]]
host = "127.0.0.2"
username = "ops"
port = 22
[device.algorithms]
kex = "+diffie-hellman-group14-sha1"
"#,
    )
    .unwrap();
    let r1 = &inv.devices[0];
    assert_eq!(
        (r1.name.as_str(), r1.port, r1.username.as_deref()),
        ("r1", 2222, Some("admin"))
    );
    assert_eq!(r1.timeout, Duration::from_secs(3));
    assert_eq!(r1.origin.to_string(), "lab.toml:7");
    let d2 = &inv.devices[1];
    assert_eq!(
        (d2.name.as_str(), d2.port, d2.username.as_deref()),
        ("127.0.0.2", 22, Some("ops"))
    );
    assert!(
        d2.offer
            .kex
            .contains(&"diffie-hellman-group14-sha1".to_string())
    );
    // The allow-list is d2's alone: r1's probe keeps its full offer and nothing is set for
    // the russh client that reads `[device.algorithms]`.
    assert_eq!(d2.allowlist.len(), 1);
    assert!(r1.allowlist.is_empty());
    assert!(r1.client.settings.is_empty());
    assert_eq!(d2.client.settings.len(), 1);
    assert_eq!(d2.client.settings[0].value, "+diffie-hellman-group14-sha1");
}

#[test]
fn unknown_key_names_file_and_line() {
    let err = parse("[[device]]\nhost = \"h\"\npasword = \"x\"\n").unwrap_err();
    assert_eq!(err.file, Path::new("lab.toml"));
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("pasword"), "{err}");
}

#[test]
fn wrong_type_names_line() {
    let err = parse("[[device]]\nhost = \"h\"\nport = \"twenty-two\"\n").unwrap_err();
    assert_eq!(err.line, 3, "{err}");
}

#[test]
fn unknown_algorithm_names_key_and_line() {
    let err = parse(
        "[[device]]\nhost = \"h\"\n[device.algorithms]\ncipher = \"+aes128-cbc\"\nkex = \"+dh-group-nonsense\"\n",
    )
    .unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (5, "algorithms.kex"), "{err}");
    assert!(
        err.to_string()
            .starts_with("lab.toml:5: algorithms.kex: unknown kex algorithm `dh-group-nonsense`"),
        "{err}"
    );
}

#[test]
fn secrets_by_reference_and_plaintext_warning() {
    // SAFETY: tests in this module are the only users of this variable.
    unsafe { std::env::set_var("SSHTRIAGE_TEST_PW_1", "from-env-canary") };
    let inv = parse(
        "[[device]]\nhost = \"a\"\npassword_env = \"SSHTRIAGE_TEST_PW_1\"\n[[device]]\nhost = \"b\"\npassword = \"plain-canary\"\n",
    )
    .unwrap();
    assert_eq!(
        inv.devices[0]
            .credentials
            .password
            .as_ref()
            .unwrap()
            .expose(),
        "from-env-canary"
    );
    assert_eq!(inv.warnings.len(), 1);
    assert!(inv.warnings[0].contains("lab.toml:6"), "{:?}", inv.warnings);
    assert!(!inv.warnings[0].contains("plain-canary"));
    assert!(
        !format!("{:?}", inv.devices).contains("canary"),
        "Debug must not show secrets"
    );
    let err =
        parse("[[device]]\nhost = \"a\"\npassword_env = \"SSHTRIAGE_SURELY_UNSET\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (3, "password_env"));
}

#[test]
fn policy_aliases_and_bad_values() {
    let inv = parse("[[device]]\nhost = \"a\"\nhost_key_policy = \"auto_add\"\n").unwrap();
    assert_eq!(inv.devices[0].host_key_policy, HostKeyPolicy::AcceptNew);
    let err = parse("[[device]]\nhost = \"a\"\nhost_key_policy = \"yolo\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (3, "host_key_policy"));
    let err = parse("[[device]]\nhost = \"a\"\ntimeout = \"soon\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (3, "timeout"));
    // Typos like "1000y" would overflow the timers built from them.
    let err = parse("[[device]]\nhost = \"a\"\ntimeout = \"1000y\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (3, "timeout"));
    assert!(err.message.contains("at most 24h"), "{err}");
    let err = parse("[[device]]\nname = \"x\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (1, "host"));
    let err = parse("[defaults]\nhost = \"x\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (2, "host"));
    let err = parse("[[device]]\nhost = \"a\"\n[[device]]\nhost = \"a\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (3, "name"));
}

#[test]
fn malformed_toml_names_line() {
    let err = parse("[[device]]\nhost = \"a\n").unwrap_err();
    assert_eq!(err.line, 2, "{err}");
}

#[test]
fn the_example_inventory_parses() {
    // SAFETY: only this test sets these variables.
    unsafe {
        std::env::set_var("LAB_PASSWORD", "x");
        std::env::set_var("LAB_ENABLE", "y");
        std::env::set_var("LAB_KEY_PASSPHRASE", "z");
    }
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/example-inventory.toml"
    ));
    let inv = Inventory::load(path).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["wan-r1", "old-sw1", "leaf1", "srl1", "bastion-target"]
    );
    assert!(
        inv.devices[1]
            .offer
            .kex
            .contains(&"diffie-hellman-group14-sha1".to_string())
    );
    assert!(inv.devices[4].credentials.agent);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
}

/// `[device.timeouts]` over `timeout`, key by key over `[defaults.timeouts]`, each limit with
/// its setting and line; a bad duration names its key.
#[test]
fn per_phase_timeouts_merge_with_defaults_and_keep_their_place() {
    use crate::device::Phase;
    use crate::model::Stage;
    let inv = parse(
        r#"
[defaults]
timeout = "8s"
[defaults.timeouts]
tcp = "3s"
banner = "20s"

[[device]]
name = "r1"
host = "127.0.0.1"
[device.timeouts]
banner = "2s"
"#,
    )
    .unwrap();
    let r1 = &inv.devices[0];
    let banner = r1.timeouts.get(Phase::Banner).expect("banner");
    assert_eq!(banner.duration, Duration::from_secs(2));
    assert_eq!(
        r1.limit(Stage::Banner).to_string(),
        "2s (timeouts.banner, lab.toml:12)"
    );
    assert_eq!(
        r1.limit(Stage::Tcp).to_string(),
        "3s (timeouts.tcp, lab.toml:5)"
    );
    // Stages without a limit of their own wait the overall timeout, named as such.
    assert_eq!(
        r1.limit(Stage::Auth).to_string(),
        "8s (timeout, lab.toml:3)"
    );
    let err = parse("[[device]]\nhost = \"h\"\n[device.timeouts]\nkex = \"soon\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (4, "timeouts.kex"), "{err}");
    let err = parse("[[device]]\nhost = \"h\"\n[device.timeouts]\nshell = \"1s\"\n").unwrap_err();
    assert_eq!(err.line, 4, "{err}");
}

/// `become_password` is `enable_secret` under its Linux name; `become` and `become_method`
/// say whether and how to escalate; `check_transfer` opts in to the transfer check.
#[test]
fn become_keys_and_transfer_opt_in() {
    use crate::device::BecomeMethod;
    let inv = parse(
        "[defaults]\ncheck_transfer = true\n\n[[device]]\nhost = \"h1\"\nbecome = true\n\
         become_password = \"s3cret-become\"\nbecome_method = \"sudo\"\n\n\
         [[device]]\nhost = \"h2\"\nbecome = false\ncheck_transfer = false\n\n\
         [[device]]\nhost = \"h3\"\nbecome_password_env = \"HOME\"\n\n\
         [[device]]\nhost = \"h4\"\nenable_secret_env = \"HOME\"\n",
    )
    .unwrap();
    let (h1, h2) = (&inv.devices[0], &inv.devices[1]);
    // A become password asks for sudo by itself; an enable secret alone is a router's.
    let (h3, h4) = (&inv.devices[2], &inv.devices[3]);
    assert!(h3.escalation.wanted(h3.enable_secret.is_some()));
    assert!(!h4.escalation.wanted(h4.enable_secret.is_some()));
    assert_eq!(
        h1.enable_secret.as_ref().map(|s| s.expose()),
        Some("s3cret-become")
    );
    assert_eq!(h1.escalation.wanted, Some(true));
    assert_eq!(h1.escalation.method, Some(BecomeMethod::Sudo));
    assert!(h1.check_transfer && !h2.check_transfer);
    assert_eq!(h2.escalation.wanted, Some(false));
    assert!(
        inv.warnings
            .iter()
            .any(|w| w.contains("plaintext `become_password`")),
        "{:?}",
        inv.warnings
    );
    let err = parse("[[device]]\nhost = \"h\"\nbecome_method = \"su\"\n").unwrap_err();
    assert_eq!((err.line, err.key.as_str()), (3, "become_method"), "{err}");
}
