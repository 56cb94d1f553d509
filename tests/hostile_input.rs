//! Hostile input from devices and files (issue 14): control characters never reach the
//! terminal (C1 included, in every view and in JSON), every file read is bounded (FIFOs and
//! /dev/zero), and errors name the file and line with the cause.

mod support;

use sshtriage::lab::{self, DeviceSpec, PromptStyle};

/// Bytes that drive a terminal: ESC, BEL, and C1 controls (U+009B is a one-byte CSI, U+009D
/// a one-byte OSC, U+0085 NEL).
const DRIVING: [char; 6] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{9d}', '\u{85}', '\u{9c}'];

fn assert_no_controls(what: &str, text: &str) {
    let found: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        found.is_empty(),
        "{what} carries raw controls {found:?}:\n{text}"
    );
    for c in DRIVING {
        assert!(!text.contains(c), "{what} carries {c:?}:\n{text}");
    }
}

#[tokio::test]
async fn device_banners_with_c1_and_esc_reach_no_view_raw() {
    let hostile = "Authorized \u{9b}2J\u{1b}]0;pwned\u{7} only \u{9d}0;title\u{9c}\u{85}";
    let mut spec = DeviceSpec::new(
        "r1",
        PromptStyle::Ios,
        lab::generate_ed25519_host_key().unwrap(),
    );
    spec.auth_banner = Some(format!("{hostile}\n"));
    spec.motd = Some(format!("motd {hostile}"));
    // Text before the identification line, as RFC 4253 allows it (controls included).
    spec.pre_banner_lines = vec!["notice \u{1b}[2J\u{9b}31m\u{1b}]0;pwned\u{7}".to_owned()];
    spec.start_privileged = true;
    let device = lab::spawn_device(spec, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("lab.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\nport = {}\nusername = \"admin\"\n\
             password = \"admin\"\nknown_hosts = [\"/dev/null\"]\ntimeout = \"5s\"\n",
            device.addr.port()
        ),
    )
    .unwrap();
    let inv = inventory.to_str().unwrap();

    let json = support::sshtriage(&["check", inv, "--json"]).await;
    assert_eq!(json.code, 0, "{}", json.text());
    assert_no_controls("check --json", &json.stdout);
    assert_no_controls("check --json stderr", &json.stderr);
    // Each text is there, escaped: decoding gives the device's characters back.
    assert!(json.stdout.contains("\\u009b2J"), "{}", json.stdout);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let report = &doc["devices"][0];
    assert_eq!(report["failure"], serde_json::Value::Null, "{report:#}");
    let banner = report["auth_banner"].as_str().unwrap();
    assert!(
        banner.contains('\u{9b}') && banner.contains('\u{1b}'),
        "{banner:?}"
    );
    let pre = report["banner"]["pre_banner"].to_string();
    // (The wire keeps the ASCII of these lines; U+009B reaches the views through the
    // pre-auth banner and the MOTD above.)
    assert!(pre.contains("\\u001b[2J"), "{pre}");

    let human = support::sshtriage(&["check", inv]).await;
    assert_eq!(human.code, 0, "{}", human.text());
    assert_no_controls("check", &human.text());
    assert!(human.stdout.contains("r1"), "{}", human.stdout);
}

#[tokio::test]
async fn inventory_names_and_network_os_with_controls_reach_no_view_raw() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts.yml");
    std::fs::write(
        &hosts,
        "all:\n  hosts:\n    \"r1\\e]0;pwned\\a\\u009b2J\":\n      ansible_host: 127.0.0.1\n      \
         ansible_port: 1\n      ansible_network_os: \"ios\\e[2J\\a\\u009b31m\\u009d0;t\\u009c\"\n",
    )
    .unwrap();
    let file = hosts.to_str().unwrap();
    for args in [
        vec!["inventory", file],
        vec!["inventory", file, "--json"],
        vec!["check", file, "--timeout", "2s"],
        vec!["check", file, "--timeout", "2s", "--json"],
    ] {
        let run = support::sshtriage(&args).await;
        assert!(run.code == 0 || run.code == 1, "{args:?}: {}", run.text());
        assert_no_controls(&format!("{args:?}"), &run.text());
        // The name is shown, its controls replaced by visible characters.
        assert!(run.text().contains("r1"), "{args:?}: {}", run.text());
    }
    let warned = support::sshtriage(&["inventory", file]).await;
    assert!(
        warned.stderr.contains("ansible_network_os `ios␛[2J"),
        "the warning quotes the value, cleaned: {}",
        warned.stderr
    );
}

/// `sshtriage ARGS` bounded in time (a FIFO read would block forever) and in memory (reading
/// `/dev/zero` whole would take all of it): the child gets a 2 GiB address-space limit.
async fn bounded(args: &[&str]) -> support::Run {
    let mut cmd = support::sshtriage_command(args);
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the program");
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("sshtriage {args:?} must end by itself"))
        .expect("its output");
    support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mkfifo(path: &std::path::Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `args`, expecting exit 2 and an error that names every piece of `names`.
async fn refused(args: &[&str], names: &[&str]) {
    let run = bounded(args).await;
    assert_eq!(run.code, 2, "{args:?}: {}", run.text());
    for name in names {
        assert!(
            run.stderr.contains(name),
            "{args:?}: the error names {name}: {}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn fifos_and_dev_zero_are_refused_by_name_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    if !mkfifo(&fifo) {
        eprintln!("SKIP: mkfifo is not available");
        return;
    }
    let fifo_s = fifo.to_str().unwrap();
    let fifo_msg = format!("{fifo_s}: a FIFO (named pipe), not a regular file");
    let zero_msg = "/dev/zero: a character device, not a regular file";

    // Secret files in an sshtriage inventory: the key, its line, and the file.
    for key in ["password_file", "enable_secret_file", "passphrase_file"] {
        for (target, message) in [(fifo_s, fifo_msg.as_str()), ("/dev/zero", zero_msg)] {
            let inv = dir.path().join(format!("{key}.toml"));
            std::fs::write(
                &inv,
                format!("[[device]]\nname = \"r1\"\nhost = \"127.0.0.1\"\n{key} = \"{target}\"\n"),
            )
            .unwrap();
            let inv_s = inv.to_str().unwrap();
            refused(
                &["inventory", inv_s],
                &[&format!("{inv_s}:4: {key}: {message}")],
            )
            .await;
        }
    }

    // The inventory itself, detected or forced, and /dev/zero forced as TOML.
    refused(&["inventory", fifo_s], &[&fifo_msg]).await;
    refused(&["check", "--format", "sshtriage", fifo_s], &[&fifo_msg]).await;
    refused(
        &["inventory", "--format", "sshtriage", "/dev/zero"],
        &[zero_msg],
    )
    .await;
    refused(
        &["inventory", "--format", "ansible-yaml", "/dev/zero"],
        &[zero_msg],
    )
    .await;

    // --ssh-config names a FIFO.
    let list = dir.path().join("hosts.txt");
    std::fs::write(&list, "127.0.0.1\n").unwrap();
    let list_s = list.to_str().unwrap();
    let run = {
        let mut cmd = support::sshtriage_command(&["inventory", list_s, "--ssh-config", fifo_s]);
        cmd.env_remove("SSHTRIAGE_NO_SSH_CONFIG");
        tokio::time::timeout(std::time::Duration::from_secs(30), support::finish(cmd))
            .await
            .expect("--ssh-config FIFO must not block")
    };
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains(&fifo_msg), "{}", run.stderr);

    // An Ansible inventory whose host_vars file is a FIFO.
    let lab = dir.path().join("ansible");
    std::fs::create_dir_all(lab.join("host_vars")).unwrap();
    std::fs::write(
        lab.join("hosts.yml"),
        "all:\n  hosts:\n    r1:\n      ansible_host: 127.0.0.1\n",
    )
    .unwrap();
    let vars = lab.join("host_vars/r1.yml");
    assert!(mkfifo(&vars));
    let hosts = lab.join("hosts.yml");
    refused(
        &["inventory", hosts.to_str().unwrap()],
        &[&format!(
            "{}: a FIFO (named pipe), not a regular file",
            vars.display()
        )],
    )
    .await;
}

/// Writes `text` as `name` in `dir`, returning the path as text.
fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn errors_name_the_file_the_line_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Jump hosts in a loop: refused by `inventory` too, located.
    let one = write(
        d,
        "loop.toml",
        "[[device]]\nname = \"d1\"\nhost = \"127.0.0.1\"\njump = \"d1\"\n",
    );
    let two = write(
        d,
        "loop2.toml",
        "[[device]]\nname = \"d0\"\nhost = \"127.0.0.1\"\n\
         [[device]]\nname = \"d1\"\nhost = \"127.0.0.1\"\njump = \"d2\"\n\
         [[device]]\nname = \"d2\"\nhost = \"127.0.0.1\"\njump = \"d1\"\n",
    );
    for command in ["inventory", "check"] {
        refused(
            &[command, &one],
            &[&format!("{one}:1: jump: jump hosts form a loop: d1 -> d1")],
        )
        .await;
        refused(
            &[command, &two],
            &[&format!(
                "{two}:4: jump: jump hosts form a loop: d1 -> d2 -> d1"
            )],
        )
        .await;
    }

    // A billion laughs: bounded, and said so at its line.
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, cur) in ('a'..='i').zip('b'..='j') {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{cur}: &{cur} [{refs}]\n"));
    }
    bomb.push_str("all:\n  hosts:\n    r1:\n      ansible_host: 127.0.0.1\n      x: *j\n");
    let bomb = write(d, "bomb.yml", &bomb);
    refused(
        &["inventory", &bomb],
        &[&format!("{bomb}:"), "expands to more than 2000000 values"],
    )
    .await;

    // 50,000-deep nesting.
    let deep = write(
        d,
        "deep.yml",
        &format!(
            "all:\n  vars:\n    x: {}{}\n",
            "[".repeat(50_000),
            "]".repeat(50_000)
        ),
    );
    let run = bounded(&["inventory", &deep]).await;
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stderr.contains(&format!("{deep}:3: YAML")),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("cannot tell"),
        "the cause, not a shrug: {}",
        run.stderr
    );

    // An alias to an anchor that does not exist.
    let anchor = write(
        d,
        "anchor.yml",
        "all:\n  hosts:\n    r1:\n      ansible_host: *nope\n",
    );
    refused(
        &["inventory", &anchor],
        &[&format!("{anchor}:4: YAML:"), "anchor"],
    )
    .await;

    // A list at the top: what was found, at a real line.
    let list = write(d, "list.yml", "- r1\n- r2\n");
    refused(
        &["inventory", &list],
        &[&format!("{list}:1: "), "the YAML holds a list at the top"],
    )
    .await;

    // A hosts.yml cut short: no device is a mistake pointed out, with why.
    let cut = write(d, "cut.yml", "all:\n  hos");
    let held = format!(
        "no devices: {cut} held no devices ({cut}:2: skipping `all`: a group is a mapping, this is a single value)"
    );
    refused(
        &["inventory", &cut],
        &[&format!("sshtriage inventory: {held}")],
    )
    .await;
    refused(&["check", &cut], &[&format!("sshtriage check: {held}")]).await;
    let cut_host = write(
        d,
        "cut_host.yml",
        "all:\n  hosts:\n    r1:\n      ansible_ho",
    );
    refused(
        &["inventory", &cut_host],
        &[&format!(
            "{cut_host}:4: hosts: the variables of host `r1` must be a mapping, found a single value"
        )],
    )
    .await;

    // A lab directory whose topology-data.json is a directory, or a FIFO.
    let lab = d.join("clab-x");
    std::fs::create_dir_all(lab.join("topology-data.json")).unwrap();
    refused(
        &["inventory", lab.to_str().unwrap()],
        &[&format!(
            "{}: a directory, not a regular file",
            lab.join("topology-data.json").display()
        )],
    )
    .await;
    let lab = d.join("clab-y");
    std::fs::create_dir_all(&lab).unwrap();
    if mkfifo(&lab.join("topology-data.json")) {
        refused(
            &["inventory", lab.to_str().unwrap()],
            &[&format!(
                "{}: a FIFO (named pipe), not a regular file",
                lab.join("topology-data.json").display()
            )],
        )
        .await;
    }

    // A missing file says so, without a line 0.
    let missing = d.join("nothere.yml");
    let missing = missing.to_str().unwrap();
    let run = bounded(&["inventory", missing]).await;
    assert_eq!(run.code, 2, "{}", run.text());
    assert_eq!(
        run.stderr.trim(),
        format!("sshtriage: {missing}: no such file")
    );
}

/// `ssh-keygen ARGS`, bounded; None when it is not installed.
async fn ssh_keygen(args: &[&str]) -> Option<support::Run> {
    let child = tokio::process::Command::new("ssh-keygen")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("ssh-keygen ends")
        .expect("its output");
    Some(support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn known_hosts_prune_refuses_invalid_files_as_ssh_keygen_does() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("k");
    if ssh_keygen(&[
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        key_path.to_str().unwrap(),
    ])
    .await
    .is_none()
    {
        eprintln!("SKIP: ssh-keygen is not available");
        return;
    }
    let public = std::fs::read_to_string(dir.path().join("k.pub")).unwrap();
    let key: String = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");

    // Both refuse: the same file:line, non-zero, the file and its mode untouched, no backup.
    let invalid = [
        ("garbage", "this is garbage"),
        ("marker", &format!("@foo h3 {key}")),
        ("keytype", "h6 ssh-foo AAAAC3Nza"),
        ("hostonly", "h7"),
    ];
    for (name, line) in invalid {
        let text = format!("h1 {key}\n{line}\nh2 {key}\n");
        let [ours, theirs] = ["ours", "theirs"].map(|who| {
            let path = dir.path().join(format!("{name}.{who}"));
            std::fs::write(&path, &text).unwrap();
            set_mode(&path, 0o664);
            path.to_str().unwrap().to_owned()
        });
        let keygen = ssh_keygen(&["-R", "h1", "-f", &theirs]).await.unwrap();
        assert_eq!(keygen.code, 1, "{name}: {}", keygen.text());
        assert!(
            keygen.stderr.contains(&format!("{theirs}:2: invalid line")),
            "{name}: {}",
            keygen.stderr
        );
        let run = bounded(&["known-hosts", "prune", "--file", &ours, "--host", "h1"]).await;
        assert_eq!(run.code, keygen.code, "{name}: {}", run.text());
        assert!(
            run.stderr.contains(&format!("{ours}:2: invalid line")),
            "{name}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("left as it is"),
            "{name}: {}",
            run.stderr
        );
        for (path, who) in [(&ours, "ours"), (&theirs, "ssh-keygen")] {
            assert_eq!(
                std::fs::read_to_string(path).unwrap(),
                text,
                "{name}: {who}"
            );
            assert_eq!(mode(std::path::Path::new(path)), 0o664, "{name}: {who}");
            assert!(
                !std::path::Path::new(&format!("{path}.old")).exists(),
                "{name}: {who}"
            );
        }
        // A dry run says the same.
        let dry = bounded(&[
            "known-hosts",
            "prune",
            "--file",
            &ours,
            "--host",
            "h1",
            "--dry-run",
        ])
        .await;
        assert_eq!(dry.code, 1, "{name}: {}", dry.text());
    }

    // A NUL byte: ssh-keygen cuts the line there and drops the rest; we refuse instead.
    let text = format!("h1 {key}\nh4 {key}\0junk\nh2 {key}\n");
    let [ours, theirs] = ["ours", "theirs"].map(|who| {
        let path = dir.path().join(format!("nul.{who}"));
        std::fs::write(&path, &text).unwrap();
        path.to_str().unwrap().to_owned()
    });
    let keygen = ssh_keygen(&["-R", "h1", "-f", &theirs]).await.unwrap();
    assert_eq!(keygen.code, 0, "{}", keygen.text());
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        format!("h4 {key}\nh2 {key}\n"),
        "ssh-keygen drops the bytes after the NUL"
    );
    let run = bounded(&["known-hosts", "prune", "--file", &ours, "--host", "h1"]).await;
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains(&format!("{ours}:2: invalid line: a NUL byte")),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&ours).unwrap(), text);

    // A valid file: the same bytes as ssh-keygen; the mode kept where ssh-keygen writes
    // mode & 0644.
    let text = format!("h1 {key}\n# note\nh2 {key}\n");
    let [ours, theirs] = ["ours", "theirs"].map(|who| {
        let path = dir.path().join(format!("valid.{who}"));
        std::fs::write(&path, &text).unwrap();
        set_mode(&path, 0o664);
        path.to_str().unwrap().to_owned()
    });
    let keygen = ssh_keygen(&["-R", "h1", "-f", &theirs]).await.unwrap();
    assert_eq!(keygen.code, 0, "{}", keygen.text());
    let run = bounded(&["known-hosts", "prune", "--file", &ours, "--host", "h1"]).await;
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        std::fs::read(&ours).unwrap(),
        std::fs::read(&theirs).unwrap()
    );
    assert_eq!(
        mode(std::path::Path::new(&theirs)),
        0o644,
        "ssh-keygen: 0664 & 0644"
    );
    assert_eq!(
        mode(std::path::Path::new(&ours)),
        0o664,
        "ours: the file's own mode"
    );
}
