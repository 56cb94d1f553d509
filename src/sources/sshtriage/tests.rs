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
