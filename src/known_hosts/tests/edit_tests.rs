//! prune (networks, dry run, crash safety, permissions) and accept.

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::super::atomic::{REAL_STEPS, Steps};
use super::super::edit::{accept_with, prune_with};
use super::super::hostpat::hash_host_name;
use super::super::{
    EditError, HostKeyVerdict, KnownHosts, Target, accept, accept_all, file_hashes_names, prune,
};
use super::{key, key_text, ssh_keygen, write};

fn host(name: &str, port: u16) -> Target {
    Target::Host {
        host: name.to_string(),
        port,
    }
}

fn cidr(net: &str) -> Target {
    Target::Cidr(net.parse().expect("test network"))
}

fn setup(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("known_hosts");
    write(&path, content.as_bytes());
    (dir, path)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).expect("read back")
}

/// Directory entries other than the file and its backup (leftover temporaries).
fn strays(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("list dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "known_hosts" && n != "known_hosts.old")
        .collect()
}

#[test]
fn cidr_removes_addresses_inside_and_keeps_everything_else() {
    let ed = key_text("ed1");
    let content = [
        format!("10.1.2.3 {ed}"),
        format!("r1,10.1.2.4 {ed}"),
        format!("[10.1.2.5]:2222 {ed}"),
        format!("10.1.3.1 {ed}"),
        format!("10.1.2.* {ed}"),
        format!("!10.1.2.6,10.1.2.6 {ed}"),
        format!("@revoked 10.1.2.7 {ed}"),
        format!("{} {ed}", hash_host_name("10.1.2.8")),
        format!("{} {ed}", hash_host_name("10.1.3.8")),
        format!("fd00::1 {ed}"),
        "# 10.1.2.9".to_string(),
    ]
    .join("\n")
        + "\n";
    let (_dir, path) = setup(&content);
    let report = prune(&path, &[cidr("10.1.2.0/24")], false).expect("prune");
    let removed: Vec<usize> = report.removed.iter().map(|r| r.line).collect();
    assert_eq!(removed, vec![1, 2, 3, 8]);
    let kept: Vec<&str> = content
        .split_inclusive('\n')
        .enumerate()
        .filter(|(i, _)| !removed.contains(&(i + 1)))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(read(&path), kept.concat());
    assert_eq!(read(&report.backup.expect("backup")), content);

    let report = prune(&path, &[cidr("fd00::/112")], false).expect("prune v6");
    assert_eq!(report.removed.len(), 1);
    assert!(report.removed[0].text().starts_with("fd00::1 "));
}

#[test]
fn cidr_larger_than_a_slash_16_is_refused() {
    let (_dir, path) = setup(&format!("10.0.0.1 {}\n", key_text("ed1")));
    for net in ["10.0.0.0/15", "0.0.0.0/0", "fd00::/111"] {
        let err = prune(&path, &[cidr(net)], false).expect_err(net);
        assert!(matches!(err, EditError::NetworkTooLarge(_)), "{net}: {err}");
        assert!(err.to_string().contains("65536"));
    }
    assert!(prune(&path, &[cidr("10.0.0.0/16")], true).is_ok());
    assert!(prune(&path, &[cidr("fd00::/112")], true).is_ok());
    assert_eq!(read(&path), format!("10.0.0.1 {}\n", key_text("ed1")));
}

#[test]
fn dry_run_reports_without_touching_anything() {
    let content = format!("r1 {}\nr2 {}\n", key_text("ed1"), key_text("ed2"));
    let (dir, path) = setup(&content);
    let report = prune(&path, &[host("r1", 22)], true).expect("dry run");
    assert_eq!(report.removed.len(), 1);
    assert_eq!(
        report.removed[0].raw,
        format!("r1 {}\n", key_text("ed1")).into_bytes()
    );
    assert_eq!(report.backup, None);
    assert_eq!(read(&path), content);
    assert!(!dir.path().join("known_hosts.old").exists());
}

#[test]
fn nothing_to_remove_leaves_no_backup() {
    let content = format!("r1 {}\n", key_text("ed1"));
    let (dir, path) = setup(&content);
    let report = prune(&path, &[host("r9", 22)], false).expect("prune");
    assert!(report.removed.is_empty());
    assert_eq!(report.backup, None);
    assert!(!dir.path().join("known_hosts.old").exists());
    let missing = prune(&dir.path().join("absent"), &[host("r1", 22)], false).expect("missing");
    assert_eq!(missing, Default::default());
}

#[test]
fn a_file_with_invalid_lines_is_refused_and_left_alone() {
    let content = format!("r1 ssh-foo AAAA\nr1 {}\r\n\r\nr1\n", key_text("ed1"));
    let (dir, path) = setup(&content);
    for dry_run in [true, false] {
        let err = prune(&path, &[host("r1", 22)], dry_run).expect_err("refused");
        let EditError::InvalidLines { lines, .. } = &err else {
            panic!("{err}");
        };
        let numbers: Vec<usize> = lines.iter().map(|l| l.line).collect();
        assert_eq!(
            numbers,
            vec![1, 3, 4],
            "a lone \\r is a host with no key, as in ssh-keygen"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "{}:1: invalid line: unknown key type",
                path.display()
            )),
            "{message}"
        );
        assert!(message.contains("left as it is"), "{message}");
        assert_eq!(read(&path), content);
        assert!(!dir.path().join("known_hosts.old").exists());
    }
    // A NUL byte: ssh-keygen would cut the line there and drop the rest; refused too.
    let content = format!("r1 {}\nr2 {}\0junk\n", key_text("ed1"), key_text("ed2"));
    let (_dir, path) = setup(&content);
    let err = prune(&path, &[host("r1", 22)], false).expect_err("refused");
    assert!(
        err.to_string().contains(":2: invalid line: a NUL byte"),
        "{err}"
    );
    assert!(
        err.to_string().contains("ssh-keygen -R would cut the line"),
        "{err}"
    );
    assert_eq!(read(&path), content);
}

#[test]
fn permissions_are_kept() {
    for mode in [0o600, 0o644, 0o640] {
        let (_dir, path) = setup(&format!("r1 {}\nr2 {}\n", key_text("ed1"), key_text("ed2")));
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        prune(&path, &[host("r1", 22)], false).expect("prune");
        let got = fs::metadata(&path).expect("stat").permissions().mode() & 0o7777;
        assert_eq!(got, mode, "prune");
        accept(&path, "r3", 22, &key("ed3"), false).expect("accept");
        let got = fs::metadata(&path).expect("stat").permissions().mode() & 0o7777;
        assert_eq!(got, mode, "accept");
    }
}

#[test]
fn failed_write_leaves_the_original_intact() {
    let content = format!("r1 {}\nr2 {}\n", key_text("ed1"), key_text("ed2"));
    let (dir, path) = setup(&content);
    let failing = Steps {
        write: &|file, data| {
            // Half the data reaches the temporary file, then the disk "fills up".
            io::Write::write_all(file, &data[..data.len() / 2])?;
            Err(io::Error::other("disk full"))
        },
        rename: REAL_STEPS.rename,
    };
    let err = prune_with(&path, &[host("r1", 22)], false, &failing).expect_err("must fail");
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(read(&path), content);
    assert!(strays(dir.path()).is_empty(), "{:?}", strays(dir.path()));

    let err = accept_with(&path, "r3", 22, &key("ed3"), false, &failing).expect_err("must fail");
    assert!(matches!(err, EditError::Io { .. }));
    assert_eq!(read(&path), content);
    assert!(strays(dir.path()).is_empty());
}

#[test]
fn failed_rename_leaves_the_original_intact() {
    let content = format!("r1 {}\nr2 {}\n", key_text("ed1"), key_text("ed2"));
    let (dir, path) = setup(&content);
    let failing = Steps {
        write: REAL_STEPS.write,
        rename: &|_, _| Err(io::Error::other("rename refused")),
    };
    let err = prune_with(&path, &[host("r1", 22)], false, &failing).expect_err("must fail");
    assert!(err.to_string().contains("rename refused"), "{err}");
    assert_eq!(read(&path), content);
    assert!(strays(dir.path()).is_empty(), "{:?}", strays(dir.path()));
    let err = accept_with(&path, "r3", 22, &key("ed3"), true, &failing).expect_err("must fail");
    assert!(err.to_string().contains("rename refused"));
    assert_eq!(read(&path), content);
    assert!(strays(dir.path()).is_empty());
}

#[test]
fn symlinked_file_is_edited_through_the_link() {
    let (dir, real) = setup(&format!("r1 {}\nr2 {}\n", key_text("ed1"), key_text("ed2")));
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    prune(&link, &[host("r1", 22)], false).expect("prune");
    assert!(
        fs::symlink_metadata(&link)
            .expect("lstat")
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&real), format!("r2 {}\n", key_text("ed2")));
}

#[test]
fn accept_appends_plain_or_hashed_lines_that_lookups_find() {
    let (dir, path) = setup(&format!("r1 {}", key_text("ed1"))); // no final newline
    let added = accept(&path, "R2", 22, &key("ed2"), false).expect("plain");
    assert_eq!(added.line, 2);
    assert_eq!(added.text, format!("r2 {}", key_text("ed2")));
    assert_eq!(added.backup, Some(dir.path().join("known_hosts.old")));
    assert_eq!(
        read(&path),
        format!("r1 {}\nr2 {}\n", key_text("ed1"), key_text("ed2"))
    );
    assert_eq!(
        read(&dir.path().join("known_hosts.old")),
        format!("r1 {}", key_text("ed1"))
    );

    let added = accept(&path, "r3", 2222, &key("p256"), true).expect("hashed");
    assert_eq!(added.line, 3);
    assert!(added.text.starts_with("|1|"));
    assert!(added.text.ends_with(key_text("p256")));
    let kh = KnownHosts::load(std::slice::from_ref(&path));
    assert!(kh.warnings().is_empty());
    assert_eq!(
        kh.check(&["r3"], 2222, &key("p256")).verdict,
        HostKeyVerdict::Match
    );
    assert_eq!(
        kh.check(&["r3"], 22, &key("p256")).verdict,
        HostKeyVerdict::Unknown
    );
    assert!(file_hashes_names(&path));

    // The real ssh-keygen finds the hashed entry we wrote.
    if let Some(mut cmd) = ssh_keygen() {
        let out = cmd
            .args(["-F", "[r3]:2222", "-f"])
            .arg(&path)
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("found: line 3"), "{stdout}");
    }
}

/// Several keys of one host go in one write: the backup is the original, each hashed line
/// has its own salt, and every key matches afterwards.
#[test]
fn accept_all_writes_every_key_at_once() {
    let original = format!("r1 {}\n", key_text("ed1"));
    let (dir, path) = setup(&original);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let keys = [key("ed2"), key("p256"), key("rsa")];
    let added = accept_all(&path, "r2", 2222, &keys, true).expect("accept_all");
    assert_eq!(added.iter().map(|a| a.line).collect::<Vec<_>>(), [2, 3, 4]);
    let backup = dir.path().join("known_hosts.old");
    assert!(
        added
            .iter()
            .all(|a| a.backup.as_deref() == Some(backup.as_path()))
    );
    assert_eq!(read(&backup), original);
    let salts: Vec<&str> = added
        .iter()
        .map(|a| a.text.split('|').nth(2).expect("a salt"))
        .collect();
    assert!(salts[0] != salts[1] && salts[1] != salts[2], "{salts:?}");
    let kh = KnownHosts::load(std::slice::from_ref(&path));
    for key in &keys {
        assert_eq!(kh.check(&["r2"], 2222, key).verdict, HostKeyVerdict::Match);
    }
    let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the mode is kept");
    assert!(accept_all(&path, "r2", 2222, &[], false).is_err());
}

#[test]
fn accept_creates_a_missing_file_and_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("known_hosts");
    let added = accept(&path, "10.0.0.1", 22, &key("rsa"), false).expect("accept");
    assert_eq!(added.line, 1);
    assert_eq!(added.backup, None);
    assert_eq!(read(&path), format!("10.0.0.1 {}\n", key_text("rsa")));
    let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!file_hashes_names(&path));
}

#[test]
fn accept_refuses_names_that_would_change_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("known_hosts");
    for bad in ["", "a b", "a,b", "*.lab", "[a]:22", "a\nb", "|1|x"] {
        let err = accept(&path, bad, 22, &key("ed1"), false).expect_err(bad);
        assert!(matches!(err, EditError::InvalidHost(_)), "{bad}");
    }
    assert!(!path.exists());
}

#[test]
fn file_hashes_names_follows_the_latest_entry() {
    let (_dir, path) = setup(&format!(
        "r1 {}\n{} {}\n@revoked * {}\n",
        key_text("ed1"),
        hash_host_name("r2"),
        key_text("ed2"),
        key_text("ed3"),
    ));
    assert!(file_hashes_names(&path));
    let (_dir2, plain) = setup(&format!(
        "{} {}\nr1 {}\n",
        hash_host_name("r2"),
        key_text("ed2"),
        key_text("ed1")
    ));
    assert!(!file_hashes_names(&plain));
}

/// A FIFO stands for any non-regular file; opening one for reading would block forever.
fn make_fifo(dir: &Path) -> Option<PathBuf> {
    let fifo = dir.join("fifo");
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(status) if status.success() => Some(fifo),
        _ => {
            eprintln!("skipping FIFO checks: mkfifo unavailable");
            None
        }
    }
}

#[test]
fn non_regular_files_are_never_read_or_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(fifo) = make_fifo(dir.path()) else {
        return;
    };
    let path = fifo.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let kh = KnownHosts::load(&[path, PathBuf::from("/dev/null")]);
        let _ = tx.send(kh.warnings().to_vec());
    });
    let warnings = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("load must not block on a FIFO");
    assert_eq!(
        warnings.len(),
        1,
        "FIFO warned, /dev/null silently empty: {warnings:?}"
    );
    assert_eq!(warnings[0].file, fifo);

    let err = accept(&fifo, "r1", 22, &key("ed1"), false).expect_err("fifo");
    assert!(matches!(err, EditError::NotRegularFile { .. }), "{err}");
    let err = prune(&fifo, &[host("r1", 22)], false).expect_err("fifo");
    assert!(matches!(err, EditError::NotRegularFile { .. }), "{err}");
    let err = super::super::atomic::replace(&fifo, b"x\n", 0o600, &REAL_STEPS)
        .expect_err("replace must refuse");
    assert!(matches!(err, EditError::NotRegularFile { .. }), "{err}");
    assert!(
        fs::symlink_metadata(&fifo)
            .expect("lstat")
            .file_type()
            .is_fifo()
    );
}
