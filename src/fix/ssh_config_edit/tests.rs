use super::*;
use crate::atomic::testing::{leftovers, mode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KEX: (Keyword, &str) = (Keyword::KexAlgorithms, "+diffie-hellman-group14-sha1");
const HOST_KEY: (Keyword, &str) = (Keyword::HostKeyAlgorithms, "+ssh-rsa");
const CIPHER: (Keyword, &str) = (Keyword::Ciphers, "+aes128-cbc");
/// hmac-sha1 is in ssh 9.2's default MACs already; hmac-md5 is not, so `ssh -G` shows the
/// difference.
const MAC: (Keyword, &str) = (Keyword::Macs, "+hmac-md5");

fn opts(list: &[(Keyword, &str)]) -> Vec<(Keyword, String)> {
    list.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// A temporary directory with `config` holding `text`.
fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    crate::atomic::testing::setup("config", text, 0o644)
}

fn plan_in(
    dir: &Path,
    path: &Path,
    host: &str,
    options: &[(Keyword, &str)],
) -> Result<ConfigEdit, ConfigEditError> {
    plan_with(path, host, &opts(options), dir, dir.to_str())
}

fn planned(text: &str, host: &str, options: &[(Keyword, &str)]) -> (tempfile::TempDir, ConfigEdit) {
    let (dir, path) = setup(text);
    let edit = plan_in(dir.path(), &path, host, options)
        .unwrap_or_else(|e| panic!("plan for {host}: {e}\n{text}"));
    (dir, edit)
}

fn updated(edit: &ConfigEdit) -> &str {
    std::str::from_utf8(&edit.updated).expect("text")
}

fn placements(edit: &ConfigEdit) -> Vec<Placement> {
    edit.options.iter().map(|o| o.placement.clone()).collect()
}

/// What `ssh -G -F config host` prints, as option → value; HOME is an empty directory so no
/// user config is read, and a hung ssh is killed.
pub(crate) fn ssh_g_text(config_text: &str, host: &str) -> BTreeMap<String, String> {
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join("config-under-test");
    fs::write(&config, config_text).expect("write");
    let mut child = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(&config)
        .arg(host)
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh is installed");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ssh -G did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("output");
    assert!(
        out.status.success(),
        "ssh -G {host} failed: {}\n{config_text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The real client takes every option: each added algorithm is in the list ssh prints.
fn assert_ssh_uses(edit: &ConfigEdit, options: &[(Keyword, &str)]) {
    let printed = ssh_g_text(updated(edit), &edit.host);
    for (keyword, value) in options {
        let list: Vec<&str> = printed[keyword.spellings()[0]].split(',').collect();
        for name in value.trim_start_matches(['+', '^']).split(',') {
            assert!(
                list.contains(&name),
                "ssh -G {} uses {keyword} {list:?}, without {name}\n{}",
                edit.host,
                updated(edit)
            );
        }
    }
}

fn lines_of(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Every original line is in the new text, in order, byte for byte, except rewritten lines of
/// the options set; every other new line is one of ours: `Host HOST`, `Host *`, a blank line
/// or an option line with its new value. (A last line may gain its line ending.)
fn assert_only_ours(original: &str, new: &str, host: &str, options: &[(Keyword, &str)]) {
    let old = lines_of(original);
    let new_lines = lines_of(new);
    let body = |l: &str| l.trim_end_matches('\n').trim_end_matches('\r').to_owned();
    let same = |i: usize, j: usize| {
        old[i] == new_lines[j]
            || (i + 1 == old.len() && !old[i].ends_with('\n') && body(new_lines[j]) == old[i])
    };
    // Longest common subsequence of lines (configs here are small).
    let (n, m) = (old.len(), new_lines.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if same(i, j) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut kept_old, mut kept_new) = (vec![false; n], vec![false; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if same(i, j) {
            (kept_old[i], kept_new[j]) = (true, true);
            (i, j) = (i + 1, j + 1);
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    let option_of = |l: &str| -> Option<Keyword> {
        let (keyword, _) = split_line(&body(l)).ok()??;
        Keyword::ALL
            .into_iter()
            .find(|k| k.spellings().contains(&keyword.as_str()))
    };
    let context = format!("--- old\n{original}\n--- new\n{new}");
    let dropped: Vec<&str> = (0..n).filter(|i| !kept_old[*i]).map(|i| old[i]).collect();
    assert!(
        dropped.len() <= options.len(),
        "lines lost: {dropped:?}\n{context}"
    );
    for line in dropped {
        assert!(
            options.iter().any(|(k, _)| option_of(line) == Some(*k)),
            "an unrelated line changed: {line:?}\n{context}"
        );
    }
    for (j, line) in new_lines.iter().enumerate().filter(|(j, _)| !kept_new[*j]) {
        let text = body(line);
        let t = text.trim();
        let ours = t.is_empty()
            || t == format!("Host {host}")
            || t == "Host *"
            || options
                .iter()
                .any(|(k, v)| option_of(line) == Some(*k) && t.contains(v));
        assert!(ours, "new line {} is not ours: {line:?}\n{context}", j + 1);
    }
}

#[test]
fn the_hosts_block_without_the_option_gets_a_line_under_its_host_line() {
    let text = "# lab\nHost bastion\n    User jump\n\nHost r1\n    HostName 10.0.0.1   # core\n    User admin\n\nHost *\n    ServerAliveInterval 30\n";
    let (_dir, edit) = planned(text, "r1", &[KEX, CIPHER]);
    let expected = text.replace(
        "Host r1\n",
        "Host r1\n    KexAlgorithms +diffie-hellman-group14-sha1\n    Ciphers +aes128-cbc\n",
    );
    assert_eq!(updated(&edit), expected);
    assert_eq!(
        placements(&edit),
        vec![Placement::UnderHostLine { host_line: 5 }; 2]
    );
    assert!(edit.removed.is_empty() && !edit.created);
    let added: Vec<(usize, &str)> = edit
        .added
        .iter()
        .map(|l| (l.line, l.text.as_str()))
        .collect();
    assert_eq!(
        added,
        vec![
            (6, "    KexAlgorithms +diffie-hellman-group14-sha1"),
            (7, "    Ciphers +aes128-cbc")
        ]
    );
    assert!(edit.options.iter().all(|o| o.before.is_none()));
    assert_ssh_uses(&edit, &[KEX, CIPHER]);
}

#[test]
fn the_hosts_own_option_line_is_rewritten_in_place() {
    let text =
        "Host r1\n  KexAlgorithms=curve25519-sha256   # tried in 2023\n  Ciphers aes256-ctr\n";
    let (dir, edit) = planned(text, "r1", &[KEX]);
    assert_eq!(
        updated(&edit),
        "Host r1\n  KexAlgorithms=+diffie-hellman-group14-sha1   # tried in 2023\n  Ciphers aes256-ctr\n"
    );
    assert_eq!(placements(&edit), vec![Placement::Replaced { line: 2 }]);
    let before = edit.options[0].before.as_ref().expect("set now");
    assert_eq!(before.value, "curve25519-sha256");
    assert_eq!(
        before.source,
        ValueSource::file(dir.path().join("config"), 2)
    );
    assert_eq!(edit.removed.len(), 1);
    assert_eq!((edit.removed[0].line, edit.added[0].line), (2, 2));
    assert_ssh_uses(&edit, &[KEX]);
}

#[test]
fn a_wildcard_block_above_the_hosts_block_gets_a_new_block_before_it() {
    let text = "Host *.lab\n  User ops\n\n# defaults for everything\nHost *\n  KexAlgorithms curve25519-sha256\n  MACs hmac-sha2-256\n\nHost r1\n  HostName 10.0.0.1\n";
    let before = ssh_g_text(text, "r1");
    assert_eq!(before["kexalgorithms"], "curve25519-sha256");
    let (_dir, edit) = planned(text, "r1", &[KEX, MAC]);
    let expected = text.replace(
        "# defaults",
        "Host r1\n  KexAlgorithms +diffie-hellman-group14-sha1\n  MACs +hmac-md5\n\n# defaults",
    );
    assert_eq!(updated(&edit), expected);
    assert_eq!(
        placements(&edit),
        vec![Placement::NewBlockBefore { line: 4 }; 2]
    );
    assert_ssh_uses(&edit, &[KEX, MAC]);
    let after = ssh_g_text(updated(&edit), "r1");
    assert_eq!(
        after["hostname"], "10.0.0.1",
        "the host's own block still applies"
    );
    assert_eq!(
        ssh_g_text(text, "x.lab"),
        ssh_g_text(updated(&edit), "x.lab")
    );
}

#[test]
fn a_global_line_keeps_applying_to_every_host_under_host_star() {
    let text = "KexAlgorithms curve25519-sha256\nUser everyone\n\nHost r1\n  Port 2222\n";
    let (_dir, edit) = planned(text, "r1", &[KEX]);
    assert_eq!(
        updated(&edit),
        format!("Host r1\n  KexAlgorithms +diffie-hellman-group14-sha1\nHost *\n{text}")
    );
    assert_eq!(placements(&edit), vec![Placement::NewBlockAtTop]);
    assert_ssh_uses(&edit, &[KEX]);
    let after = ssh_g_text(updated(&edit), "r1");
    assert_eq!(
        (after["port"].as_str(), after["user"].as_str()),
        ("2222", "everyone")
    );
    assert_eq!(
        ssh_g_text(text, "other"),
        ssh_g_text(updated(&edit), "other")
    );
}

#[test]
fn an_include_that_supplies_the_value_is_preceded_by_the_new_block() {
    let (dir, _) = setup("");
    let legacy = dir.path().join("legacy.conf");
    fs::write(&legacy, "Ciphers aes256-ctr\n").expect("write");
    let inside = format!(
        "Host bastion\n  User jump\n\nHost r1 r2\n  Include {}\n\nHost r1\n  Port 2201\n",
        legacy.display()
    );
    let path = dir.path().join("config");
    fs::write(&path, &inside).expect("write");
    let edit = plan_in(dir.path(), &path, "r1", &[CIPHER]).expect("plan");
    assert_eq!(
        placements(&edit),
        vec![Placement::NewBlockBefore { line: 4 }]
    );
    assert_eq!(
        edit.options[0].before.as_ref().map(|s| s.source.clone()),
        Some(ValueSource::file(&legacy, 1))
    );
    assert_only_ours(&inside, updated(&edit), "r1", &[CIPHER]);
    assert_ssh_uses(&edit, &[CIPHER]);

    let global = format!("Include {}\nHost r1\n  Port 2201\n", legacy.display());
    fs::write(&path, &global).expect("write");
    let edit = plan_in(dir.path(), &path, "r1", &[CIPHER]).expect("plan");
    assert_eq!(placements(&edit), vec![Placement::NewBlockAtTop]);
    assert_eq!(
        updated(&edit),
        format!("Host r1\n  Ciphers +aes128-cbc\nHost *\n{global}")
    );
    assert_ssh_uses(&edit, &[CIPHER]);
}

#[test]
fn match_blocks_count_as_ssh_counts_them() {
    // The reader does not run `exec`; ssh does, so the block may supply the value.
    let exec = "Match exec \"true\"\n  KexAlgorithms curve25519-sha256\nHost r1\n  Port 2201\n";
    let (_dir, edit) = planned(exec, "r1", &[KEX]);
    assert_eq!(
        placements(&edit),
        vec![Placement::NewBlockBefore { line: 1 }]
    );
    assert_ssh_uses(&edit, &[KEX]);

    let applies = "Match originalhost r1\n  Ciphers aes256-ctr\n\nHost r1\n  Port 2201\n";
    let (_dir, edit) = planned(applies, "r1", &[CIPHER, KEX]);
    assert_eq!(
        placements(&edit),
        vec![
            Placement::NewBlockBefore { line: 1 },
            // Nothing sets it: the host's own block takes it.
            Placement::UnderHostLine { host_line: 4 }
        ]
    );
    assert_ssh_uses(&edit, &[CIPHER, KEX]);

    let other = "Match originalhost other\n  Ciphers aes256-ctr\nHost r1\n  Port 2201\n";
    let (_dir, edit) = planned(other, "r1", &[CIPHER]);
    assert_eq!(
        placements(&edit),
        vec![Placement::UnderHostLine { host_line: 3 }]
    );
    assert_ssh_uses(&edit, &[CIPHER]);
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let text = "# office\r\nHost *\r\n\tCiphers aes256-ctr\r\n\r\nHost r1\r\n\tUser admin\r\n";
    let (_dir, edit) = planned(text, "r1", &[CIPHER, HOST_KEY]);
    // Ciphers goes above its supplier; nothing sets HostKeyAlgorithms: the host's block.
    assert_eq!(
        updated(&edit),
        "Host r1\r\n\tCiphers +aes128-cbc\r\n\r\n# office\r\nHost *\r\n\tCiphers aes256-ctr\r\n\r\nHost r1\r\n\tHostKeyAlgorithms +ssh-rsa\r\n\tUser admin\r\n"
    );
    assert_only_ours(text, updated(&edit), "r1", &[CIPHER, HOST_KEY]);
    assert_ssh_uses(&edit, &[CIPHER, HOST_KEY]);
    let (_dir, edit) = planned("Host r1\r\n\tUser admin\r\n", "r1", &[KEX]);
    assert_eq!(
        updated(&edit),
        "Host r1\r\n\tKexAlgorithms +diffie-hellman-group14-sha1\r\n\tUser admin\r\n"
    );
}

#[test]
fn a_missing_file_is_created_private_in_a_new_directory() {
    let home = tempfile::tempdir().expect("home");
    let path = home.path().join(".ssh").join("config");
    let edit = plan_in(home.path(), &path, "r1", &[KEX, CIPHER]).expect("plan");
    assert!(edit.created && edit.creates_dir);
    assert!(
        !path.parent().expect("dir").exists(),
        "planning writes nothing"
    );
    assert_eq!(
        updated(&edit),
        "Host r1\n  KexAlgorithms +diffie-hellman-group14-sha1\n  Ciphers +aes128-cbc\n"
    );
    assert_eq!(placements(&edit), vec![Placement::NewBlockAtEnd; 2]);
    assert_eq!(apply(&edit).expect("applied"), None, "no backup of nothing");
    assert_eq!(mode(path.parent().expect("dir")), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(fs::read(&path).expect("read"), edit.updated);
    assert_ssh_uses(&edit, &[KEX, CIPHER]);
    rollback(&edit).expect("rolled back");
    assert!(!path.exists());

    let deep = home.path().join("a").join("b").join("config");
    let err = plan_in(home.path(), &deep, "r1", &[KEX]).expect_err("no parent");
    assert!(matches!(err, ConfigEditError::NoDirectory { .. }), "{err}");
    assert!(err.to_string().contains("a/b/config"), "{err}");
}

#[test]
fn a_last_line_without_newline_gets_one() {
    let (_dir, edit) = planned("Host bastion\n  User jump", "r1", &[KEX]);
    assert_eq!(
        updated(&edit),
        "Host bastion\n  User jump\n\nHost r1\n  KexAlgorithms +diffie-hellman-group14-sha1\n"
    );
    assert_eq!(placements(&edit), vec![Placement::NewBlockAtEnd]);
    assert_ssh_uses(&edit, &[KEX]);
    let (_dir, edit) = planned("Host r1", "r1", &[KEX]);
    assert_eq!(
        updated(&edit),
        "Host r1\n  KexAlgorithms +diffie-hellman-group14-sha1\n"
    );
    let (_dir, edit) = planned("Host bastion\n\n", "r1", &[KEX]);
    assert_eq!(
        updated(&edit),
        "Host bastion\n\nHost r1\n  KexAlgorithms +diffie-hellman-group14-sha1\n",
        "no second blank line"
    );
}

#[test]
fn a_host_line_naming_other_hosts_too_is_left_alone() {
    let text = "Host r1 r2\n  User shared\n";
    let (_dir, edit) = planned(text, "r1", &[KEX]);
    assert_eq!(placements(&edit), vec![Placement::NewBlockAtEnd]);
    assert_eq!(ssh_g_text(text, "r2"), ssh_g_text(updated(&edit), "r2"));
    assert_ssh_uses(&edit, &[KEX]);
    // ssh compares Host patterns case-sensitively with the name as given.
    let (_dir, edit) = planned("Host r1\n  User admin\n", "R1", &[KEX]);
    assert_eq!(placements(&edit), vec![Placement::NewBlockAtEnd]);
    assert!(updated(&edit).ends_with("\nHost R1\n  KexAlgorithms +diffie-hellman-group14-sha1\n"));
    assert_ssh_uses(&edit, &[KEX]);
}

#[test]
fn applying_keeps_the_mode_writes_a_backup_and_rolls_back() {
    let text = "Host r1\n  User admin\n";
    let (dir, path) = setup(text);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let edit = plan_in(dir.path(), &path, "r1", &[KEX]).expect("plan");
    let backup = apply(&edit).expect("applied").expect("a backup");
    assert_eq!(backup, dir.path().join("config.bak"));
    assert_eq!(fs::read(&backup).expect("read"), text.as_bytes());
    assert_eq!(fs::read(&path).expect("read"), edit.updated);
    assert_eq!((mode(&path), mode(&backup)), (0o640, 0o640));
    assert!(leftovers(dir.path()).is_empty());
    rollback(&edit).expect("rolled back");
    assert_eq!(fs::read(&path).expect("read"), text.as_bytes());
    assert_eq!(mode(&path), 0o640);
}

#[test]
fn a_file_changed_since_planning_is_not_written() {
    let (dir, path) = setup("Host r1\n  User admin\n");
    let edit = plan_in(dir.path(), &path, "r1", &[KEX]).expect("plan");
    fs::write(&path, "Host r1\n  User someone-else\n").expect("write");
    let err = apply(&edit).expect_err("refused");
    assert!(
        matches!(
            &err,
            ConfigEditError::Write {
                source: FixError::ChangedMeanwhile(_),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "Host r1\n  User someone-else\n"
    );
    assert!(!dir.path().join("config.bak").exists());
    // Nor is a file someone created after a plan that found none.
    let new = dir.path().join("new_config");
    let edit = plan_in(dir.path(), &new, "r1", &[KEX]).expect("plan");
    fs::write(&new, "Host x\n").expect("write");
    let err = apply(&edit).expect_err("refused");
    assert!(
        matches!(
            &err,
            ConfigEditError::Write {
                source: FixError::ChangedMeanwhile(_),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&new).expect("read"), "Host x\n");
}

/// Makes a directory unwritable, also for root (which ignores modes): immutable via chattr.
struct Unwritable<'a>(&'a Path);

impl<'a> Unwritable<'a> {
    fn new(dir: &'a Path) -> Unwritable<'a> {
        let root = fs::read_to_string("/proc/self/status")
            .expect("status")
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
        if root {
            let ok = Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "as root, the test needs `chattr +i` to make a directory unwritable"
            );
        } else {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).expect("chmod");
        }
        Unwritable(dir)
    }
}

impl Drop for Unwritable<'_> {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(self.0).status();
        let _ = fs::set_permissions(self.0, fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn an_unwritable_directory_names_the_file_and_writes_nothing() {
    let text = "Host r1\n  User admin\n";
    let (dir, path) = setup(text);
    let edit = plan_in(dir.path(), &path, "r1", &[KEX]).expect("plan");
    let err = {
        let _locked = Unwritable::new(dir.path());
        apply(&edit).expect_err("cannot write")
    };
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot write {}: ", path.display())),
        "{message}"
    );
    assert_eq!(fs::read_to_string(&path).expect("read"), text);
    let names: Vec<String> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["config".to_owned()],
        "no backup, no temporary file"
    );
}

#[test]
fn hostile_input_is_refused_clearly() {
    let (dir, path) = setup("Host r1\n  User a\n  Port 2\0\n");
    let err = plan_in(dir.path(), &path, "r1", &[KEX]).expect_err("binary");
    assert!(
        matches!(err, ConfigEditError::NotText { line: 3, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3: ", path.display()))
    );
    fs::write(&path, b"Host r1\n\xff\xfe\n").expect("write");
    let err = plan_in(dir.path(), &path, "r1", &[KEX]).expect_err("not UTF-8");
    assert!(
        matches!(err, ConfigEditError::NotText { line: 2, .. }),
        "{err}"
    );
    fs::write(&path, "Host r1\n  Port twenty\n").expect("write");
    let err = plan_in(dir.path(), &path, "r1", &[KEX]).expect_err("bad config");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2: ", path.display())),
        "{err}"
    );
    fs::write(&path, "Host r1\n").expect("write");
    for host in [
        "",
        "r1 r2",
        "r1\nHost *",
        "*",
        "!r1",
        "-oProxyCommand=x",
        "r1#",
    ] {
        let err = plan_in(dir.path(), &path, host, &[KEX]).expect_err(host);
        assert!(matches!(err, ConfigEditError::BadHost(_)), "{host}: {err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
    for value in ["", "+a b", "+a\nHost *", "+a#x", "\"+a\"", "+a'"] {
        let err = plan_in(dir.path(), &path, "r1", &[(Keyword::Ciphers, value)]).expect_err(value);
        assert!(
            matches!(err, ConfigEditError::BadValue { .. }),
            "{value}: {err}"
        );
    }
    let err = plan_in(dir.path(), &path, "r1", &[KEX, KEX]).expect_err("twice");
    assert!(
        matches!(err, ConfigEditError::Repeated(Keyword::KexAlgorithms)),
        "{err}"
    );
    let err = plan_in(dir.path(), &path, "r1", &[]).expect_err("nothing");
    assert!(matches!(err, ConfigEditError::NoOptions), "{err}");
    let err = plan_in(dir.path(), dir.path(), "r1", &[KEX]).expect_err("a directory");
    assert!(matches!(err, ConfigEditError::NotRegularFile(_)), "{err}");
    let big = fs::File::create(&path).expect("create");
    big.set_len(MAX_CONFIG_BYTES + 1).expect("grow");
    let err = plan_in(dir.path(), &path, "r1", &[KEX]).expect_err("huge");
    assert!(matches!(err, ConfigEditError::TooLarge(_)), "{err}");
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).expect("symlink");
    let err = plan_in(dir.path(), &dangling, "r1", &[KEX]).expect_err("dangling link");
    assert!(matches!(err, ConfigEditError::NotRegularFile(_)), "{err}");
}

#[test]
fn debug_output_leaves_the_texts_out() {
    let text = "Host r1\n  ProxyCommand sshpass -p Hunter2-canary ssh -W %h:%p jump\n";
    let (_dir, edit) = planned(text, "r1", &[KEX]);
    assert!(updated(&edit).contains("Hunter2-canary"));
    assert!(!format!("{edit:?}").contains("Hunter2"), "{edit:?}");
}

#[test]
fn an_edit_ssh_would_ignore_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("config");
    let text = "Host *\n  KexAlgorithms curve25519-sha256\nHost r1\n  KexAlgorithms +x\n";
    let err = verify(
        &path,
        text,
        "r1",
        &opts(&[(Keyword::KexAlgorithms, "+x")]),
        dir.path(),
        None,
    )
    .expect_err("shadowed");
    assert!(matches!(err, ConfigEditError::CannotPlace { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("from {}:2", path.display())),
        "{err}"
    );
}

/// A config made of random blocks, options, Includes of `includes`, comments, indentation
/// and line endings.
fn generated(rng: &mut StdRng, includes: &[String]) -> String {
    fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
        from[rng.random_range(0..from.len())]
    }
    let newline = if rng.random_bool(0.3) { "\r\n" } else { "\n" };
    let option = |rng: &mut StdRng, indent: &str| -> String {
        let (keyword, values): (&str, &[&str]) = match rng.random_range(0..8) {
            0 => (
                "KexAlgorithms",
                &["curve25519-sha256", "-diffie-hellman-group14-sha256"],
            ),
            1 => ("HostKeyAlgorithms", &["ssh-ed25519", "+rsa-sha2-256"]),
            2 => ("Ciphers", &["aes256-ctr", "-aes128-ctr"]),
            3 => ("MACs", &["hmac-sha2-256", "-umac-64@openssh.com"]),
            4 => ("User", &["ops", "admin"]),
            5 => ("Port", &["22", "2201"]),
            6 => {
                let file = &includes[rng.random_range(0..includes.len())];
                return format!("{indent}Include {file}");
            }
            _ => return pick(rng, &["# note", "", "   "]).to_owned(),
        };
        let sep = pick(rng, &[" ", "=", " = ", "\t"]);
        let comment = pick(rng, &["", "", "  # why"]);
        format!("{indent}{keyword}{sep}{}{comment}", pick(rng, values))
    };
    let mut lines = Vec::new();
    for _ in 0..rng.random_range(0..3) {
        lines.push(option(rng, ""));
    }
    for _ in 0..rng.random_range(0..6) {
        lines.push(
            pick(
                rng,
                &[
                    "Host r1",
                    "Host R1",
                    "Host r2",
                    "Host *",
                    "Host r*",
                    "Host r1 r2",
                    "Host * !r1",
                    "Host !r2 *",
                    "Host *.lab",
                    "Match all",
                    "Match originalhost r1",
                    "Match exec \"true\"",
                    "Match exec \"false\"",
                ],
            )
            .to_owned(),
        );
        let indent = pick(rng, &["  ", "    ", "\t", ""]);
        for _ in 0..rng.random_range(0..4) {
            lines.push(option(rng, indent));
        }
        if rng.random_bool(0.5) {
            lines.push(String::new());
        }
    }
    let mut text = lines.join(newline);
    if !text.is_empty() && rng.random_bool(0.8) {
        text.push_str(newline);
    }
    text
}

#[test]
fn generated_configs_change_only_the_hosts_options() {
    let all = [KEX, HOST_KEY, CIPHER, MAC];
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("config");
    let includes: Vec<String> = [
        ("ciphers.conf", "Ciphers aes256-ctr\n"),
        (
            "blocks.conf",
            "Host r1\n  KexAlgorithms curve25519-sha256\nHost *\n  MACs hmac-sha2-512\n",
        ),
    ]
    .iter()
    .map(|(name, text)| {
        let file = dir.path().join(name);
        fs::write(&file, text).expect("write");
        file.display().to_string()
    })
    .collect();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..100u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let text = generated(&mut rng, &includes);
        let options: Vec<(Keyword, &str)> = all
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.5))
            .collect();
        let options = if options.is_empty() {
            vec![KEX]
        } else {
            options
        };
        fs::write(&path, &text).expect("write");
        let edit = plan_in(dir.path(), &path, "r1", &options)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        let new = updated(&edit);
        for change in &edit.options {
            let kind = format!("{:?}", change.placement);
            seen.insert(kind.split([' ', '{']).next().unwrap_or_default().to_owned());
        }
        assert_only_ours(&text, new, "r1", &options);
        assert_ssh_uses(&edit, &options);
        let (before, after) = (ssh_g_text(&text, "r1"), ssh_g_text(new, "r1"));
        for (key, value) in &before {
            let ours = options.iter().any(|(k, _)| k.spellings()[0] == key);
            assert!(
                ours || after.get(key) == Some(value),
                "seed {seed}: r1's {key} changed\n--- old\n{text}\n--- new\n{new}"
            );
        }
        for other in ["r2", "x.lab"] {
            assert_eq!(
                ssh_g_text(&text, other),
                ssh_g_text(new, other),
                "seed {seed}: {other} changed\n--- old\n{text}\n--- new\n{new}"
            );
        }
    }
    let every: Vec<&str> = vec![
        "NewBlockAtEnd",
        "NewBlockAtTop",
        "NewBlockBefore",
        "Replaced",
        "UnderHostLine",
    ];
    assert_eq!(seen.iter().map(String::as_str).collect::<Vec<_>>(), every);
}
