//! Which SSH clients this machine has: `ssh -V`, and the Paramiko and Netmiko that a Python
//! (`python3`, or `--python`) would import, so the compatibility rows can say which of the
//! client profiles is the one the engineer's playbook will actually use.
//!
//! Detection runs two short commands, each bounded in time and output, and never fails:
//! a missing client is simply absent.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::clients::{ClientProfile, Family, client_profiles};
use crate::model::DeviceReport;
pub use crate::model::LocalClients;

/// Each command gets this long; a Python that hangs on import must not hold up a report.
const COMMAND_BOUND: Duration = Duration::from_secs(3);
/// Versions are short; anything longer is not what we asked for.
const OUTPUT_CAP: u64 = 4096;

/// Reads installed versions without importing the packages (importing Paramiko takes longer
/// than Python's own start).
const PYTHON_VERSIONS: &str = r#"
import importlib.metadata as m
for p in ("paramiko", "netmiko"):
    try:
        print(p, m.version(p))
    except Exception:
        print(p, "-")
"#;

impl LocalClients {
    /// Asks `ssh` and `python` (both at once, each bounded).
    pub async fn detect(python: String) -> LocalClients {
        let ssh = run("ssh", &["-V"]);
        let py = run(&python, &["-c", PYTHON_VERSIONS]);
        let (ssh, py) = tokio::join!(ssh, py);
        let (paramiko, netmiko) = py.map(|out| python_versions(&out)).unwrap_or_default();
        LocalClients {
            openssh: ssh.and_then(|out| openssh_version(&out)),
            python,
            paramiko,
            netmiko,
        }
    }

    /// What to say next to a client profile's row when it stands for a client on this
    /// machine, e.g. `this machine: Paramiko 3.5.1 (python3)`.
    pub fn note_for(&self, profile_id: &str) -> Option<String> {
        let python = &self.python;
        if let Some(v) = &self.openssh
            && closest(Family::Openssh, v).is_some_and(|p| p.id == profile_id)
        {
            return Some(format!("this machine: OpenSSH {v}"));
        }
        let paramiko = self.paramiko.as_deref()?;
        let (family, version, what) = match &self.netmiko {
            // The Netmiko profile assumes the Paramiko 5 that `pip install netmiko` brings.
            Some(netmiko) if major(paramiko) >= Some(5) => (
                Family::Netmiko,
                netmiko.as_str(),
                format!("Netmiko {netmiko} on Paramiko {paramiko}"),
            ),
            // Under an older Paramiko, Netmiko does what that Paramiko's row says.
            Some(netmiko) => (
                Family::Paramiko,
                paramiko,
                format!("Paramiko {paramiko}, under Netmiko {netmiko}"),
            ),
            None => (Family::Paramiko, paramiko, format!("Paramiko {paramiko}")),
        };
        (closest(family, version)?.id == profile_id)
            .then(|| format!("this machine: {what} ({python})"))
    }

    /// Marks the compatibility rows that stand for a client on this machine.
    pub fn annotate(&self, report: &mut DeviceReport) {
        for row in &mut report.compatibility {
            row.this_machine = self.note_for(&row.client);
        }
    }

    /// The client profiles that stand for clients on this machine.
    pub fn profiles(&self) -> Vec<&'static str> {
        client_profiles()
            .iter()
            .filter(|p| self.note_for(&p.id).is_some())
            .map(|p| p.id.as_str())
            .collect()
    }
}

/// The profile that stands for `version` of a client: same family and major version, the
/// newest not newer than it (else the oldest of that major). None when no profile shares
/// the major version: its defaults may differ in ways we do not know.
pub fn closest(family: Family, version: &str) -> Option<&'static ClientProfile> {
    let wanted = numbers(version);
    let major = *wanted.first()?;
    let same_major: Vec<&ClientProfile> = client_profiles()
        .iter()
        .filter(|p| p.family == family && numbers(&p.version).first() == Some(&major))
        .collect();
    let not_newer = same_major
        .iter()
        .filter(|p| numbers(&p.version) <= wanted)
        .max_by_key(|p| numbers(&p.version));
    not_newer
        .or_else(|| same_major.iter().min_by_key(|p| numbers(&p.version)))
        .copied()
}

/// `9.2p1` → [9, 2, 1]; `3.5.1` → [3, 5, 1].
fn numbers(version: &str) -> Vec<u32> {
    version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(4)
        .filter_map(|s| s.parse().ok())
        .collect()
}

fn major(version: &str) -> Option<u32> {
    numbers(version).first().copied()
}

/// `OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024` → `9.2p1`.
fn openssh_version(out: &str) -> Option<String> {
    let rest = out.split("OpenSSH_").nth(1)?;
    let version: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    (!version.is_empty() && version.len() <= 16).then_some(version)
}

/// Lines `paramiko 3.5.1` / `netmiko -` → (Some("3.5.1"), None).
fn python_versions(out: &str) -> (Option<String>, Option<String>) {
    let find = |name: &str| {
        out.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(name))
                .then(|| words.next())
                .flatten()
                .filter(|v| *v != "-" && v.len() <= 32 && v.chars().all(|c| c.is_ascii_graphic()))
                .map(str::to_owned)
        })
    };
    (find("paramiko"), find("netmiko"))
}

/// Standard output and error of a command, or None when it is missing, fails to finish
/// within the bound, or says nothing.
async fn run(program: &str, args: &[&str]) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?.take(OUTPUT_CAP);
    let mut stderr = child.stderr.take()?.take(OUTPUT_CAP);
    let read = async {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
        let _ = child.wait().await;
        out.extend_from_slice(&err);
        String::from_utf8_lossy(&out).into_owned()
    };
    let text = tokio::time::timeout(COMMAND_BOUND, read).await.ok()?;
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_what_the_commands_print() {
        assert_eq!(
            openssh_version("OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024\n"),
            Some("9.2p1".into())
        );
        assert_eq!(openssh_version("ssh: command not found"), None);
        assert_eq!(
            python_versions("paramiko 3.5.1\nnetmiko -\n"),
            (Some("3.5.1".into()), None)
        );
        assert_eq!(python_versions("Traceback …"), (None, None));
    }

    #[test]
    fn the_closest_profile_shares_the_major_version() {
        let id = |family, v| closest(family, v).map(|p| p.id.as_str());
        assert_eq!(id(Family::Paramiko, "3.5.1"), Some("paramiko-3.5"));
        // Older than every 3.x profile: the oldest 3.x stands for it.
        assert_eq!(id(Family::Paramiko, "3.4.0"), Some("paramiko-3.5"));
        assert_eq!(id(Family::Paramiko, "4.0.0"), Some("paramiko-4.0"));
        assert_eq!(id(Family::Paramiko, "5.2.1"), Some("paramiko-5.1"));
        assert_eq!(id(Family::Paramiko, "2.12.0"), None);
        assert_eq!(id(Family::Openssh, "9.6p1"), Some("openssh-9.2"));
        assert_eq!(id(Family::Openssh, "10.2p1"), Some("openssh-10.0"));
        assert_eq!(id(Family::Openssh, "8.9p1"), None);
        assert_eq!(id(Family::Netmiko, "4.6.0"), Some("netmiko-4"));
        assert_eq!(id(Family::Openssh, "garbage"), None);
    }

    #[test]
    fn the_row_note_follows_the_paramiko_under_netmiko() {
        let here = |paramiko: &str, netmiko: Option<&str>| LocalClients {
            openssh: Some("9.2p1".into()),
            python: "python3".into(),
            paramiko: Some(paramiko.into()),
            netmiko: netmiko.map(str::to_owned),
        };
        let plain = here("3.5.1", None);
        assert_eq!(
            plain.note_for("openssh-9.2").as_deref(),
            Some("this machine: OpenSSH 9.2p1")
        );
        assert_eq!(
            plain.note_for("paramiko-3.5").as_deref(),
            Some("this machine: Paramiko 3.5.1 (python3)")
        );
        assert_eq!(plain.note_for("paramiko-5.0"), None);
        assert_eq!(plain.note_for("netmiko-4"), None);
        // netmiko[par4]: the Paramiko 4.0 row is what Netmiko will do.
        let par4 = here("4.0.0", Some("4.8.0"));
        assert_eq!(
            par4.note_for("paramiko-4.0").as_deref(),
            Some("this machine: Paramiko 4.0.0, under Netmiko 4.8.0 (python3)")
        );
        assert_eq!(par4.note_for("netmiko-4"), None);
        let fresh = here("5.1.0", Some("4.8.0"));
        assert_eq!(
            fresh.note_for("netmiko-4").as_deref(),
            Some("this machine: Netmiko 4.8.0 on Paramiko 5.1.0 (python3)")
        );
        assert_eq!(fresh.note_for("paramiko-5.1"), None);
    }

    #[tokio::test]
    async fn the_python_script_runs() {
        // Whatever is installed, a working python3 answers both lines.
        let Some(out) = run("python3", &["-c", PYTHON_VERSIONS]).await else {
            return;
        };
        assert!(out.lines().any(|l| l.starts_with("paramiko ")), "{out}");
        assert!(out.lines().any(|l| l.starts_with("netmiko ")), "{out}");
    }

    #[tokio::test]
    async fn a_missing_python_or_ssh_is_simply_absent() {
        let here = LocalClients::detect("/nonexistent/python3".into()).await;
        assert_eq!((here.paramiko, here.netmiko), (None, None));
        assert_eq!(here.python, "/nonexistent/python3");
    }
}
