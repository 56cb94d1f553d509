//! Real OpenSSH servers for tests: `sshd -f CFG -D -e` on 127.0.0.1 with generated host keys
//! and their own config. Killed when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn sshd_binary() -> Option<PathBuf> {
    ["/usr/sbin/sshd", "/usr/local/sbin/sshd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// sshd missing is a reason to skip locally, never in CI, where .ci/run installs it.
pub fn require_sshd(test: &str) -> Option<PathBuf> {
    match sshd_binary() {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => {
            panic!("{test}: sshd is required in CI (apt-get install openssh-server)")
        }
        None => {
            eprintln!("SKIP {test}: OpenSSH sshd is not installed");
            None
        }
    }
}

pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    l.local_addr().expect("local addr").port()
}

pub fn keygen(kind: &str, path: &Path) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", "", "-C", "sshtriage-test", "-f"])
        .arg(path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let status = cmd.stdin(Stdio::null()).status().expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen -t {kind} failed");
}

pub struct Sshd {
    child: Child,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub log: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavour {
    Modern,
    /// Only diffie-hellman-group14-sha1, ssh-rsa, aes128-cbc, hmac-sha1.
    LegacyOnly,
    /// Only curve25519-sha256 (no @libssh.org alias), ssh-ed25519, chacha20-poly1305.
    Hardened,
}

impl Sshd {
    /// Starts sshd; `extra` lines are appended to the config (e.g. AuthorizedKeysFile).
    pub fn start(binary: &Path, flavour: Flavour, extra: &str) -> Sshd {
        let dir = tempfile::tempdir().expect("tempdir");
        let (key_kind, key_name) = match flavour {
            Flavour::Modern | Flavour::Hardened => ("ed25519", "host_ed25519"),
            Flavour::LegacyOnly => ("rsa", "host_rsa"),
        };
        let host_key = dir.path().join(key_name);
        keygen(key_kind, &host_key);
        let legacy = match flavour {
            Flavour::Modern => "",
            Flavour::Hardened => {
                "KexAlgorithms curve25519-sha256\nHostKeyAlgorithms ssh-ed25519\nCiphers chacha20-poly1305@openssh.com\n"
            }
            Flavour::LegacyOnly => {
                "KexAlgorithms diffie-hellman-group14-sha1\nHostKeyAlgorithms ssh-rsa\nCiphers aes128-cbc\nMACs hmac-sha1\n"
            }
        };
        // Privilege separation wants this directory when sshd runs as root.
        let _ = std::fs::create_dir_all("/run/sshd");
        // sshd takes the first value of a keyword, so a test's own LogLevel must replace ours.
        let log_level = if extra.contains("LogLevel") {
            ""
        } else {
            "LogLevel VERBOSE\n"
        };
        for attempt in 0..5 {
            let port = free_port();
            let config = dir.path().join("sshd_config");
            let log = dir.path().join(format!("sshd-{attempt}.log"));
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nUsePAM no\nPidFile none\nStrictModes no\n\
                     {log_level}MaxStartups 200\nMaxAuthTries 6\n{legacy}{extra}\n",
                    host_key.display()
                ),
            )
            .expect("write sshd_config");
            let child = Command::new(binary)
                .arg("-f")
                .arg(&config)
                .args(["-D", "-e"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("log file"))
                .spawn()
                .expect("spawn sshd");
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
            let mut child = child;
            if wait_listening(&mut child, addr) {
                return Sshd {
                    child,
                    addr,
                    dir,
                    log,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("sshd did not start on loopback after 5 attempts");
    }

    /// The log once `done` holds for it (sshd's children write with a lag), or after 5 s.
    pub fn log_when(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.log_text();
            if done(&text) || Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn host_key_pub(&self) -> String {
        let name = if self.dir.path().join("host_ed25519.pub").exists() {
            "host_ed25519.pub"
        } else {
            "host_rsa.pub"
        };
        std::fs::read_to_string(self.dir.path().join(name)).expect("host key pub")
    }
}

fn wait_listening(child: &mut Child, addr: SocketAddr) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `HostKey` lines for an ECDSA (P-256) and an RSA host key made in `dir`, for `Sshd::start`'s
/// extra config: with its own ed25519 key the server then has one key of each common type.
pub fn more_host_keys(dir: &Path) -> String {
    let mut lines = String::new();
    for kind in ["ecdsa", "rsa"] {
        let path = dir.join(format!("host_{kind}"));
        keygen(kind, &path);
        lines.push_str(&format!("HostKey {}\n", path.display()));
    }
    lines
}

/// `ssh-keygen -lf`'s SHA256 fingerprint of a public key file.
pub fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public)
        .output()
        .expect("ssh-keygen -l");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_owned()
}

/// The real ssh to 127.0.0.1:`port` offering only the host-key `algorithm`, trusting only
/// `known_hosts` and strictly, with no credential it could use (an unknown user, batch
/// mode): its exit code and standard error. Past the host key it stops at authentication.
pub async fn ssh_with_host_key_algorithm(
    port: u16,
    known_hosts: &Path,
    algorithm: &str,
) -> (i32, String) {
    let child = tokio::process::Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-p",
            &port.to_string(),
            "-l",
            "sshtriage-nobody",
        ])
        .arg("-o")
        .arg(format!("HostKeyAlgorithms={algorithm}"))
        .args(["-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args([
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "UpdateHostKeys=no",
            "-o",
            "ConnectTimeout=5",
            "127.0.0.1",
            "true",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run ssh");
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("ssh ends by itself")
        .expect("ssh output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
