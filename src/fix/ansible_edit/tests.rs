use super::*;
use crate::algorithms::allowlist::Category;
use crate::atomic::testing::mode;
use crate::device::Device;
use crate::profile::Profiles;

const KEX: &str = "KexAlgorithms=+diffie-hellman-group14-sha1";
const CIPHER: &str = "Ciphers=+aes128-cbc";
/// An inventory that names r1 only in YAML: its args go to host_vars/.
const YAML_R1: &str = "all:\n  hosts:\n    r1:\n";

fn add(options: &[&str]) -> Vec<String> {
    options
        .iter()
        .flat_map(|o| ["-o".to_owned(), (*o).to_owned()])
        .collect()
}

/// A temporary directory holding `files` (path, text); the first is the inventory.
fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, text).expect("write");
    }
    let inventory = dir.path().join(files[0].0);
    (dir, inventory)
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("text")
}

/// The device the project's loader makes of `host` from what is on disk now.
fn device(inventory: &Path, host: &str) -> Device {
    let loaded = crate::sources::load(inventory, None, &Profiles::embedded()).expect("loads");
    loaded
        .devices
        .into_iter()
        .map(|(d, _)| d)
        .find(|d| d.name == host)
        .expect("the host is a device")
}

/// The option the host's ssh reads for `category` (its `-o` args come first).
fn allowlist(device: &Device, category: Category) -> Option<String> {
    device
        .client
        .setting(crate::device::ClientKind::Openssh, category)
        .map(|s| s.value.clone())
}

/// The common args the reader finds for `host` on disk now, and where.
fn args_on_disk(inventory: &Path, host: &str) -> (String, ValueSource) {
    let text = fs::read_to_string(inventory).expect("read");
    let format = detect_text(inventory, &text).expect("format");
    let vars = host_variables(inventory, &text, format, host, None)
        .expect("reads")
        .expect("host");
    let var = &vars.vars[COMMON_ARGS];
    match &var.value {
        Value::Text(t) => (t.clone(), var.source.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_ini_line_that_sets_the_args_has_them_rewritten() {
    let inventory = "# lab\n[routers]\nr1 ansible_host=10.0.0.1 ansible_ssh_common_args='-o StrictHostKeyChecking=no -o KexAlgorithms=curve25519-sha256'   # core\nr2 ansible_host=10.0.0.2\n[routers:vars]\nansible_user=admin\n";
    let (_dir, path) = setup(&[("hosts", inventory)]);
    let edit = plan_ssh_args(&path, "r1", &add(&[KEX, CIPHER])).expect("plan");
    assert_eq!(edit.path, path);
    assert_eq!(edit.placement, ArgsPlacement::InventoryValue { line: 3 });
    assert_eq!(
        edit.args,
        "-o StrictHostKeyChecking=no -o KexAlgorithms=+diffie-hellman-group14-sha1 -o Ciphers=+aes128-cbc"
    );
    let expected = inventory.replace(
        "'-o StrictHostKeyChecking=no -o KexAlgorithms=curve25519-sha256'",
        "'-o StrictHostKeyChecking=no -o KexAlgorithms=+diffie-hellman-group14-sha1 -o Ciphers=+aes128-cbc'",
    );
    assert_eq!(text(&edit.updated), expected);
    assert_eq!((edit.removed.len(), edit.added.len()), (1, 1));
    assert_eq!(edit.added[0].line, 3);
    let (before, at) = edit.before.clone().expect("set now");
    assert_eq!(
        before,
        "-o StrictHostKeyChecking=no -o KexAlgorithms=curve25519-sha256"
    );
    assert_eq!(at, ValueSource::file(&path, 3));
    let backup = apply(&edit).expect("applied").expect("backup");
    assert_eq!(fs::read(&backup).expect("read"), inventory.as_bytes());
    let r1 = device(&path, "r1");
    assert_eq!(
        allowlist(&r1, Category::Kex).as_deref(),
        Some("+diffie-hellman-group14-sha1")
    );
    assert_eq!(
        allowlist(&r1, Category::Cipher).as_deref(),
        Some("+aes128-cbc")
    );
    assert_eq!(allowlist(&device(&path, "r2"), Category::Kex), None);
}

#[test]
fn a_group_value_is_merged_onto_the_hosts_ini_line() {
    let inventory = "[routers]\nr1 ansible_host=10.0.0.1 # core\nr2\n\n[routers:vars]\nansible_ssh_common_args=\"-o ProxyJump=ops@bastion -o Ciphers=aes256-ctr\"\n";
    let (_dir, path) = setup(&[("inventory.ini", inventory)]);
    let edit = plan_ssh_args(&path, "r1", &add(&[CIPHER, KEX])).expect("plan");
    assert_eq!(edit.placement, ArgsPlacement::InventoryAdded { line: 2 });
    assert_eq!(
        edit.args,
        "-o ProxyJump=ops@bastion -o Ciphers=+aes128-cbc -o KexAlgorithms=+diffie-hellman-group14-sha1",
        "the group's args, its Ciphers replaced, the new option appended"
    );
    assert_eq!(
        text(&edit.updated),
        inventory.replace(
            "r1 ansible_host=10.0.0.1 # core",
            "r1 ansible_host=10.0.0.1 ansible_ssh_common_args='-o ProxyJump=ops@bastion -o Ciphers=+aes128-cbc -o KexAlgorithms=+diffie-hellman-group14-sha1' # core"
        )
    );
    assert_eq!(
        edit.before.as_ref().map(|(_, s)| s.clone()),
        Some(ValueSource::file(&path, 6))
    );
    apply(&edit).expect("applied");
    let r1 = device(&path, "r1");
    assert_eq!(
        r1.jump.as_deref(),
        Some("ops@bastion"),
        "the group's options stay"
    );
    assert_eq!(
        allowlist(&r1, Category::Cipher).as_deref(),
        Some("+aes128-cbc")
    );
    assert_eq!(
        allowlist(&device(&path, "r2"), Category::Cipher).as_deref(),
        Some("aes256-ctr"),
        "r2 keeps the group's value"
    );
}

#[test]
fn a_yaml_inventory_with_group_vars_gets_a_new_host_vars_file() {
    let inventory = "all:\n  children:\n    routers:\n      hosts:\n        r1:\n          ansible_host: 10.0.0.1\n        r2:\n";
    let group = "# routers\nansible_ssh_common_args: \"-o HostKeyAlgorithms=+ssh-rsa -o KexAlgorithms=curve25519-sha256\"\n";
    let (dir, path) = setup(&[("hosts.yml", inventory), ("group_vars/routers.yml", group)]);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let edit = plan_ssh_args(&path, "r1", &add(&[KEX])).expect("plan");
    let file = dir.path().join("host_vars/r1.yml");
    assert_eq!(edit.path, file);
    assert!(edit.created && edit.creates_dir);
    assert!(
        !dir.path().join("host_vars").exists(),
        "planning writes nothing"
    );
    assert_eq!(edit.placement, ArgsPlacement::HostVarsCreated);
    assert_eq!(
        text(&edit.updated),
        "ansible_ssh_common_args: \"-o HostKeyAlgorithms=+ssh-rsa -o KexAlgorithms=+diffie-hellman-group14-sha1\"\n"
    );
    assert_eq!(apply(&edit).expect("applied"), None);
    assert_eq!(mode(&file), 0o640, "the inventory's mode");
    assert_eq!(
        args_on_disk(&path, "r1"),
        (edit.args.clone(), ValueSource::file(&file, 1))
    );
    let r1 = device(&path, "r1");
    assert_eq!(
        allowlist(&r1, Category::HostKey).as_deref(),
        Some("+ssh-rsa")
    );
    assert_eq!(
        allowlist(&r1, Category::Kex).as_deref(),
        Some("+diffie-hellman-group14-sha1")
    );
    assert_eq!(
        allowlist(&device(&path, "r2"), Category::Kex).as_deref(),
        Some("curve25519-sha256")
    );
    rollback(&edit).expect("rolled back");
    assert!(!file.exists());
}

#[test]
fn an_existing_host_vars_file_keeps_every_other_byte() {
    let vars = "---\n# r1: the old core switch\nansible_host: 10.0.0.1   # mgmt\nansible_ssh_common_args: '-o KexAlgorithms=curve25519-sha256'  # since 2023\nansible_user: admin\n";
    let (dir, path) = setup(&[("hosts.yml", YAML_R1), ("host_vars/r1.yml", vars)]);
    let file = dir.path().join("host_vars/r1.yml");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).expect("chmod");
    let edit = plan_ssh_args(&path, "r1", &add(&[KEX])).expect("plan");
    assert_eq!(edit.path, file);
    assert_eq!(edit.placement, ArgsPlacement::HostVarsValue { line: 4 });
    assert_eq!(
        text(&edit.updated),
        vars.replace(
            "'-o KexAlgorithms=curve25519-sha256'",
            "\"-o KexAlgorithms=+diffie-hellman-group14-sha1\""
        )
    );
    let backup = apply(&edit).expect("applied").expect("backup");
    assert_eq!(fs::read(&backup).expect("read"), vars.as_bytes());
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        args_on_disk(&path, "r1").0,
        "-o KexAlgorithms=+diffie-hellman-group14-sha1"
    );

    // Without the key, it is appended (a missing last line ending added, CRLF kept).
    let vars = "# r1\r\nansible_user: admin";
    fs::write(&file, vars).expect("write");
    let edit = plan_ssh_args(&path, "r1", &add(&[KEX])).expect("plan");
    assert_eq!(edit.placement, ArgsPlacement::HostVarsAppended);
    assert_eq!(
        text(&edit.updated),
        "# r1\r\nansible_user: admin\r\nansible_ssh_common_args: \"-o KexAlgorithms=+diffie-hellman-group14-sha1\"\r\n"
    );
}

#[test]
fn host_vars_are_found_as_ansible_finds_them() {
    let inventory = YAML_R1;
    for (name, written) in [
        ("host_vars/r1.yaml", "host_vars/r1.yaml"),
        ("host_vars/r1", "host_vars/r1"),
        ("host_vars/r1/base.yml", "host_vars/r1/ssh_common_args.yml"),
        ("host_vars/r1.json", "host_vars/r1.yml"),
    ] {
        let body = if name.ends_with("json") {
            "{\"ansible_user\": \"a\"}\n"
        } else {
            "ansible_user: a\n"
        };
        let (dir, path) = setup(&[("hosts.yml", inventory), (name, body)]);
        let edit = plan_ssh_args(&path, "r1", &add(&[KEX])).expect("plan");
        assert_eq!(edit.path, dir.path().join(written), "with {name}");
        apply(&edit).expect("applied");
        assert_eq!(
            args_on_disk(&path, "r1").1,
            ValueSource::file(dir.path().join(written), if edit.created { 1 } else { 2 }),
            "with {name}"
        );
    }
    // A JSON file that sets the value is read last: only it could be edited.
    let (_dir, path) = setup(&[
        ("hosts.yml", inventory),
        (
            "host_vars/r1.json",
            "{\"ansible_ssh_common_args\": \"-o Port=22\"}\n",
        ),
    ]);
    let err = plan_ssh_args(&path, "r1", &add(&[KEX])).expect_err("JSON");
    assert!(err.to_string().contains("host_vars/r1.json"), "{err}");
}

#[test]
fn quoting_round_trips_through_the_reader() {
    // Old args with quotes and spaces, an option given as one quoted word, a `'` inside.
    let old =
        r#"-o ProxyCommand="ssh -W %h:%p -q 'ops'@jump" -o 'UserKnownHostsFile "/tmp/my hosts"'"#;
    let inventory = format!(
        "[routers]\nr1 ansible_ssh_common_args='{}'\n",
        old.replace('\'', r#"'"'"'"#)
    );
    let (_dir, path) = setup(&[("hosts", &inventory)]);
    let (read_old, _) = args_on_disk(&path, "r1");
    assert_eq!(read_old, old);
    let added = vec![
        "-o".to_owned(),
        "Ciphers +aes128-cbc".to_owned(),
        "-oKexAlgorithms=^diffie-hellman-group14-sha1".to_owned(),
    ];
    let edit = plan_ssh_args(&path, "r1", &added).expect("plan");
    assert_eq!(
        edit.args,
        format!("{old} -o 'Ciphers +aes128-cbc' -oKexAlgorithms=^diffie-hellman-group14-sha1")
    );
    apply(&edit).expect("applied");
    assert_eq!(args_on_disk(&path, "r1").0, edit.args);
    let r1 = device(&path, "r1");
    assert_eq!(
        allowlist(&r1, Category::Cipher).as_deref(),
        Some("+aes128-cbc")
    );
    assert_eq!(
        allowlist(&r1, Category::Kex).as_deref(),
        Some("^diffie-hellman-group14-sha1")
    );
    assert_eq!(r1.known_hosts, vec![PathBuf::from("/tmp/my hosts")]);
    assert_eq!(r1.jump.as_deref(), Some("ops@jump"));

    // The same value in a YAML host_vars file.
    let (dir, path) = setup(&[
        ("hosts.yml", YAML_R1),
        ("host_vars/r1.yml", "ansible_user: a\n"),
    ]);
    let edit = plan_ssh_args(&path, "r1", &added).expect("plan");
    apply(&edit).expect("applied");
    let edit = plan_ssh_args(&path, "r1", &add(&["Ciphers=+aes192-cbc"])).expect("plan again");
    assert_eq!(edit.placement, ArgsPlacement::HostVarsValue { line: 2 });
    assert_eq!(
        edit.args, "-o Ciphers=+aes192-cbc -oKexAlgorithms=^diffie-hellman-group14-sha1",
        "the option for the same keyword is replaced, not repeated"
    );
    apply(&edit).expect("applied");
    assert_eq!(
        args_on_disk(&path, "r1"),
        (
            edit.args.clone(),
            ValueSource::file(dir.path().join("host_vars/r1.yml"), 2)
        )
    );
}

#[test]
fn values_that_cannot_be_edited_safely_are_refused_with_file_and_line() {
    let cases = [
        (
            "ansible_ssh_common_args: |\n  -o Port=22\n",
            1,
            "block scalar",
        ),
        (
            "base: &b '-o Port=22'\nansible_ssh_common_args: *b\n",
            2,
            "alias",
        ),
        (
            "ansible_ssh_common_args: &a '-o Port=22'\nother: *a\n",
            1,
            "anchor",
        ),
        ("ansible_ssh_common_args: !unsafe '-o Port=22'\n", 1, "tag"),
        (
            "ansible_ssh_common_args: -o Port=22\n  -o User=x\n",
            1,
            "continue",
        ),
        ("a: 1\n---\nb: 2\n", 2, "second YAML document"),
        ("{ansible_user: a}\n", 1, "flow style"),
        (
            "ansible_ssh_common_args: '-o Port=22'\nansible_ssh_common_args: '-o Port=23'\n",
            2,
            "more than once",
        ),
    ];
    for (vars, line, why) in cases {
        let (dir, path) = setup(&[("hosts.yml", YAML_R1), ("host_vars/r1.yml", vars)]);
        let err = plan_ssh_args(&path, "r1", &add(&[KEX])).expect_err(why);
        let message = err.to_string();
        let file = dir.path().join("host_vars/r1.yml");
        assert!(
            message.starts_with(&format!("{}:{line}: ", file.display())) && message.contains(why),
            "{why}: {message}"
        );
        assert_eq!(fs::read_to_string(&file).expect("read"), vars);
    }
}

#[test]
fn errors_name_the_file_and_line() {
    let (dir, path) = setup(&[("hosts", "[routers]\nr1\n")]);
    let missing = dir.path().join("nope");
    let err = plan_ssh_args(&missing, "r1", &add(&[KEX])).expect_err("missing");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())),
        "{err}"
    );
    let err = plan_ssh_args(dir.path(), "r1", &add(&[KEX])).expect_err("a directory");
    assert!(matches!(err, AnsibleEditError::NotRegularFile(_)), "{err}");
    let err = plan_ssh_args(&path, "r9", &add(&[KEX])).expect_err("no such host");
    assert_eq!(
        err.to_string(),
        format!("{}: no host `r9` in this inventory", path.display())
    );
    fs::write(&path, "[routers]\nr1\n\0\n").expect("write");
    let err = plan_ssh_args(&path, "r1", &add(&[KEX])).expect_err("binary");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3: ", path.display())),
        "{err}"
    );
    fs::write(&path, "[routers]\nr1 ansible_port=x'\n").expect("write");
    let err = plan_ssh_args(&path, "r1", &add(&[KEX])).expect_err("bad line");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2: ", path.display())),
        "{err}"
    );
    fs::write(&path, "[routers]\nr1\n").expect("write");
    let vars = dir.path().join("host_vars/r1.yml");
    fs::create_dir_all(vars.parent().expect("dir")).expect("mkdir");
    fs::write(&vars, "a: [1,\n").expect("write");
    let err = plan_ssh_args(&path, "r1", &add(&[KEX])).expect_err("broken YAML");
    assert!(
        err.to_string().starts_with(&vars.display().to_string()),
        "{err}"
    );
    fs::write(&vars, b"a: 1\n\xff\n").expect("write");
    let err = plan_ssh_args(&path, "r1", &add(&[KEX])).expect_err("not UTF-8");
    assert!(
        err.to_string().contains(&format!("{}:2", vars.display())),
        "{err}"
    );
}

#[test]
fn hosts_and_values_ansible_would_not_use_are_refused() {
    let inventory = "[switches]\nsw1 ansible_connection=ansible.netcommon.network_cli\n[templated]\nt1 ansible_ssh_common_args='{{ lookup(\"env\", \"ARGS\") }}'\n[shadowed]\ns1 ansible_ssh_args='-o KexAlgorithms=curve25519-sha256'\n";
    let (_dir, path) = setup(&[("hosts", inventory)]);
    let err = plan_ssh_args(&path, "sw1", &add(&[KEX])).expect_err("network_cli");
    assert!(matches!(err, AnsibleEditError::NotSsh { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2: ", path.display())),
        "{err}"
    );
    let err = plan_ssh_args(&path, "t1", &add(&[KEX])).expect_err("Jinja");
    assert!(err.to_string().contains("a Jinja template"), "{err}");
    let err = plan_ssh_args(&path, "s1", &add(&[KEX])).expect_err("shadowed");
    assert!(matches!(err, AnsibleEditError::Shadowed { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:6: ", path.display())),
        "{err}"
    );
    for bad in [
        vec![],
        vec!["-C".to_owned()],
        vec!["-o".to_owned()],
        add(&["Kex\n=x"]),
        add(&["=x"]),
    ] {
        let err = plan_ssh_args(&path, "s1", &bad).expect_err("bad args");
        assert!(
            matches!(err, AnsibleEditError::BadArgs(_)),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn secrets_stay_out_of_the_plan() {
    let inventory = "[routers]\nr1 ansible_password=Hunter2-canary ansible_ssh_common_args='-o ProxyCommand=\"sshpass -p Hunter2-canary ssh -W %h:%p jump\" -o Port=22'\n";
    let (_dir, path) = setup(&[("hosts", inventory)]);
    let edit = plan_ssh_args(&path, "r1", &add(&[KEX])).expect("plan");
    assert!(text(&edit.updated).contains("Hunter2-canary"));
    assert!(!format!("{edit:?}").contains("Hunter2"), "{edit:?}");
    for line in edit.removed.iter().chain(&edit.added) {
        assert!(!line.text.contains("Hunter2"), "{}", line.text);
    }
    assert!(edit.added[0].text.contains(KEX), "{}", edit.added[0].text);
}

#[test]
fn a_file_changed_since_planning_is_not_written() {
    let (dir, path) = setup(&[("hosts", "[routers]\nr1\n")]);
    let edit = plan_ssh_args(&path, "r1", &add(&[KEX])).expect("plan");
    fs::write(&path, "[routers]\nr1 ansible_user=other\n").expect("write");
    let err = apply(&edit).expect_err("refused");
    assert!(
        matches!(
            &err,
            AnsibleEditError::Write {
                source: FixError::ChangedMeanwhile(_),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "[routers]\nr1 ansible_user=other\n"
    );
    assert!(!dir.path().join("hosts.bak").exists());
}

#[test]
fn a_host_named_by_a_range_gets_host_vars_instead_of_its_shared_line() {
    let inventory = "[routers]\nr[1:3] ansible_ssh_common_args='-o Port=22'\n";
    let (dir, path) = setup(&[("hosts", inventory)]);
    let edit = plan_ssh_args(&path, "r2", &add(&[KEX])).expect("plan");
    assert_eq!(edit.path, dir.path().join("host_vars/r2.yml"));
    assert_eq!(edit.args, format!("-o Port=22 -o {KEX}"));
    apply(&edit).expect("applied");
    assert_eq!(allowlist(&device(&path, "r1"), Category::Kex), None);
    assert_eq!(
        allowlist(&device(&path, "r2"), Category::Kex).as_deref(),
        Some("+diffie-hellman-group14-sha1")
    );
}

/// How Ansible reads a host line of an INI inventory (ansible/plugins/inventory/ini.py:
/// `shlex_split(line, comments=True)`, `key=value` words, `ast.literal_eval` where it works)
/// and then splits ssh args (plugins/connection/ssh.py: `shlex.split`), run in Python.
const ANSIBLE_INI_READER: &str = r#"
import ast, json, shlex, sys
line = sys.stdin.read()
value = None
for token in shlex.split(line, comments=True)[1:]:
    key, v = token.split("=", 1)
    if key == "ansible_ssh_common_args":
        try:
            v = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            pass
        value = v
print(json.dumps([value, shlex.split(value)]))
"#;

#[test]
fn the_ini_line_reads_back_as_ansible_reads_it() {
    let old =
        r#"-o ProxyCommand="ssh -W %h:%p -q 'ops'@jump" -o 'UserKnownHostsFile "/tmp/my hosts"'"#;
    let inventory = format!(
        "[routers]\nr1 ansible_host=10.0.0.1 ansible_ssh_common_args='{}' # core\n",
        old.replace('\'', r#"'"'"'"#)
    );
    let (_dir, path) = setup(&[("hosts", &inventory)]);
    let added = vec![
        "-o".to_owned(),
        "Ciphers +aes128-cbc".to_owned(),
        "-o".to_owned(),
        KEX.to_owned(),
    ];
    let edit = plan_ssh_args(&path, "r1", &added).expect("plan");
    let line = text(&edit.updated)
        .lines()
        .nth(1)
        .expect("line 2")
        .to_owned();
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(ANSIBLE_INI_READER)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is installed");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(line.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("python3 ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (value, words): (String, Vec<String>) = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value, edit.args);
    assert_eq!(
        words,
        [
            "-o",
            "ProxyCommand=ssh -W %h:%p -q 'ops'@jump",
            "-o",
            "UserKnownHostsFile \"/tmp/my hosts\"",
            "-o",
            "Ciphers +aes128-cbc",
            "-o",
            KEX,
        ]
    );
}
