use super::*;
use crate::device::Device;

fn devices(format: Format, text: &str) -> Loaded {
    parse_text(Path::new("inv"), text, format, &Profiles::embedded()).expect("parses")
}

fn find<'a>(loaded: &'a Loaded, name: &str) -> &'a Device {
    &loaded
        .devices
        .iter()
        .find(|(d, _)| d.name == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", loaded.devices))
        .0
}

#[test]
fn deeper_groups_win_and_hosts_win_over_groups() {
    let loaded = devices(
        Format::AnsibleYaml,
        "all:\n  vars:\n    ansible_user: all\n    ansible_port: 1\n  children:\n    \
         network:\n      vars:\n        ansible_user: network\n        ansible_port: 2\n      \
         children:\n        core:\n          vars:\n            ansible_user: core\n          \
         hosts:\n            r1:\n              ansible_port: 3\n            r2:\n    \
         aaa:\n      vars:\n        ansible_user: aaa\n      hosts:\n        r2:\n",
    );
    let r1 = find(&loaded, "r1");
    assert_eq!((r1.username.as_deref(), r1.port), (Some("core"), 3));
    // r2 is in aaa (depth 1) and core (depth 2): the deeper group wins.
    assert_eq!(find(&loaded, "r2").username.as_deref(), Some("core"));
}

#[test]
fn same_depth_sorts_by_priority_then_name() {
    let text = "[b]\nr1\n[a]\nr1\n[a:vars]\nansible_user=from-a\n[b:vars]\nansible_user=from-b\n";
    assert_eq!(
        find(&devices(Format::AnsibleIni, text), "r1")
            .username
            .as_deref(),
        Some("from-b")
    );
    let text = format!("{text}ansible_group_priority=0\n");
    assert_eq!(
        find(&devices(Format::AnsibleIni, &text), "r1")
            .username
            .as_deref(),
        Some("from-a")
    );
}

#[test]
fn child_loops_are_errors() {
    let err = parse_text(
        Path::new("inv"),
        "[a:children]\nb\n[b:children]\na\n",
        Format::AnsibleIni,
        &Profiles::embedded(),
    )
    .unwrap_err();
    assert_eq!(err.line, 4);
    assert!(err.message.contains("loop"), "{err}");
}

#[test]
fn local_connections_are_not_devices() {
    let loaded = devices(
        Format::AnsibleIni,
        "localhost ansible_connection=local\nr1\n",
    );
    assert_eq!(loaded.devices.len(), 1);
    assert!(loaded.warnings.iter().any(|w| w.contains("localhost")));
}

#[test]
fn malformed_lines_are_located_without_echoing_values() {
    let parse = |text: &str| {
        parse_text(
            Path::new("inv"),
            text,
            Format::AnsibleIni,
            &Profiles::embedded(),
        )
        .unwrap_err()
    };
    let err = parse("[all:vars]\nansible_password: Hunter2-secret\n");
    assert_eq!(err.line, 2);
    assert!(!err.message.contains("Hunter2"), "{err}");
    let err = parse("[routers]\nr1 ansible_host=127.0.0.1 Hunter2-secret\n");
    assert_eq!(err.line, 2);
    assert!(err.message.contains("word 3"), "{err}");
    assert!(!err.message.contains("Hunter2"), "{err}");
}

#[test]
fn ssh_args_paths_expand_as_ssh_would() {
    let loaded = devices(
        Format::AnsibleYaml,
        "all:\n  hosts:\n    r1:\n      ansible_host: 127.0.0.1\n      \
         ansible_ssh_common_args: \"-i ~/.ssh/lab_key -o UserKnownHostsFile=~/.ssh/lab_hosts\"\n",
    );
    let r1 = find(&loaded, "r1");
    let home = std::path::PathBuf::from(std::env::var("HOME").expect("HOME"));
    assert_eq!(
        r1.credentials.key,
        Some(crate::device::KeySource::File(home.join(".ssh/lab_key")))
    );
    assert_eq!(r1.known_hosts, vec![home.join(".ssh/lab_hosts")]);
}

#[test]
fn one_hosts_variables_with_their_lines_and_a_replaced_file() {
    let dir = tempfile::tempdir().expect("dir");
    let inventory = dir.path().join("hosts");
    let text =
        "[routers]\nr1 ansible_host=10.0.0.1\n[routers:vars]\nansible_ssh_common_args='-o A=1'\n";
    std::fs::create_dir(dir.path().join("group_vars")).expect("mkdir");
    std::fs::write(
        dir.path().join("group_vars/routers.yml"),
        "ansible_ssh_common_args: -o B=2\n",
    )
    .expect("write");
    let vars = host_variables(&inventory, text, Format::AnsibleIni, "r1", None)
        .expect("reads")
        .expect("r1 is there");
    assert_eq!(vars.line, 2);
    let args = &vars.vars["ansible_ssh_common_args"];
    assert_eq!(
        args.value,
        Value::Text("-o B=2".into()),
        "group_vars/ over [x:vars]"
    );
    assert_eq!(
        args.source,
        ValueSource::file(dir.path().join("group_vars/routers.yml"), 1)
    );
    let new = dir.path().join("host_vars/r1.yml");
    let replaced = Replaced {
        path: &new,
        text: "# new\nansible_ssh_common_args: -o C=3\n",
    };
    let vars = host_variables(&inventory, text, Format::AnsibleIni, "r1", Some(replaced))
        .expect("reads")
        .expect("r1 is there");
    let args = &vars.vars["ansible_ssh_common_args"];
    assert_eq!(args.value, Value::Text("-o C=3".into()));
    assert_eq!(args.source, ValueSource::file(&new, 2));
    assert!(
        host_variables(&inventory, text, Format::AnsibleIni, "r9", None)
            .expect("reads")
            .is_none()
    );
}

/// Ansible's become keys and network_cli's timeouts: `ansible_connect_timeout` bounds the
/// prompt (the persistent connection waits for it), `ansible_command_timeout` the escalation
/// (enable is a command), `ansible_ssh_timeout` is ssh's ConnectTimeout; each named in
/// messages with its file and line.
#[test]
fn become_and_timeouts_map_to_the_escalation_and_the_phases() {
    use crate::device::{BecomeMethod, Phase};
    use crate::model::Stage;
    let loaded = devices(
        Format::AnsibleYaml,
        "all:\n  hosts:\n    web1:\n      ansible_become: yes\n      ansible_become_method: \
         ansible.builtin.sudo\n      ansible_become_pass: s3cret\n      \
         ansible_connect_timeout: 45\n      ansible_command_timeout: 12\n      \
         ansible_ssh_timeout: 4\n    r1:\n      ansible_become_method: enable\n      \
         ansible_become: off\n",
    );
    let web1 = find(&loaded, "web1");
    assert_eq!(web1.escalation.wanted, Some(true));
    assert_eq!(web1.escalation.method, Some(BecomeMethod::Sudo));
    assert_eq!(
        web1.enable_secret.as_ref().map(|s| s.expose()),
        Some("s3cret")
    );
    assert_eq!(
        web1.limit(Stage::Prompt).to_string(),
        "45s (ansible_connect_timeout, inv:7)"
    );
    assert_eq!(
        web1.limit(Stage::Enable).to_string(),
        "12s (ansible_command_timeout, inv:8)"
    );
    for stage in [Stage::Tcp, Stage::Banner, Stage::Kex] {
        assert_eq!(
            web1.limit(stage).to_string(),
            "4s (ansible_ssh_timeout, inv:9)"
        );
    }
    assert!(web1.timeouts.get(Phase::Auth).is_none());
    let r1 = find(&loaded, "r1");
    assert_eq!(r1.escalation.wanted, Some(false));
    assert_eq!(r1.escalation.method, Some(BecomeMethod::Enable));
}
