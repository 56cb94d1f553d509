//! The results every view renders: stages, their outcomes, the evidence, and the events the
//! probe engine streams while it works. Nothing here knows about the network or the terminal.

mod algorithm;
mod interned;
mod reason;
mod shell_command;
mod stage;
mod watch;

pub use algorithm::{AlgorithmKind, AlgorithmNote, Standing};
pub use interned::Interner;
pub use reason::{Policy, Reason, ReasonInfo, ReasonName};
pub use shell_command::{ShellCommand, quote};
pub use stage::{STAGE_FACTS, Stage, StageFacts};
pub use watch::{SlowBanner, running_stage, seconds};

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Passed, with something the engineer should know (an unknown host key under a lenient policy).
    Warn,
    Fail,
    /// Not run: not applicable, or not reached because an earlier stage failed.
    Skip,
}

/// The outcome of one stage for one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StageResultShape")]
pub struct StageResult {
    pub stage: Stage,
    pub status: Status,
    /// Milliseconds, with sub-millisecond precision for fast local stages.
    pub elapsed_ms: f64,
    /// Why it ended so (`refused`, `no_common_kex`, …); None when ok without remark.
    pub reason: Option<Reason>,
    /// One human sentence: what happened, with the figures.
    pub detail: String,
    /// Set when this stage ran past a failure that belongs to the engineer's client (the
    /// stage named here, `kex`): it shows what happens once that failure is fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beyond: Option<Stage>,
    /// Commands that act on this outcome, in the order to run them, each as it works when
    /// pasted (`sshtriage known-hosts prune --host 127.0.0.1:2202 --file lab/known_hosts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<ShellCommand>,
}

/// A `StageResult` as read back, before its stage names its reason.
#[derive(Deserialize)]
struct StageResultShape {
    stage: Stage,
    status: Status,
    elapsed_ms: f64,
    reason: Option<ReasonName>,
    detail: String,
    #[serde(default)]
    beyond: Option<Stage>,
    #[serde(default)]
    commands: Vec<ShellCommand>,
}

impl TryFrom<StageResultShape> for StageResult {
    type Error = String;

    fn try_from(shape: StageResultShape) -> Result<StageResult, String> {
        let reason = match &shape.reason {
            Some(name) => Some(
                Reason::parse(shape.stage, &name.0)
                    .ok_or_else(|| format!("unknown reason `{}` at {}", name.0, shape.stage))?,
            ),
            None => None,
        };
        Ok(StageResult {
            stage: shape.stage,
            status: shape.status,
            elapsed_ms: shape.elapsed_ms,
            reason,
            detail: shape.detail,
            beyond: shape.beyond,
            commands: shape.commands,
        })
    }
}

/// The first failure of a device, as shown in summaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FailureShape")]
pub struct Failure {
    pub stage: Stage,
    pub reason: Reason,
    pub message: String,
}

#[derive(Deserialize)]
struct FailureShape {
    stage: Stage,
    reason: ReasonName,
    message: String,
}

impl TryFrom<FailureShape> for Failure {
    type Error = String;

    fn try_from(shape: FailureShape) -> Result<Failure, String> {
        let reason = Reason::parse(shape.stage, &shape.reason.0)
            .ok_or_else(|| format!("unknown reason `{}` at {}", shape.reason.0, shape.stage))?;
        Ok(Failure {
            stage: shape.stage,
            reason,
            message: shape.message,
        })
    }
}

/// The server's identification line and what came before it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BannerEvidence {
    pub raw: String,
    pub protocol: String,
    pub software: String,
    pub comments: Option<String>,
    /// Text lines the server sent before its identification (RFC 4253 §4.2 allows them).
    pub pre_banner: Vec<String>,
}

/// Algorithm name-lists of one side, by category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AlgorithmLists {
    pub kex: Vec<String>,
    pub host_key: Vec<String>,
    pub cipher_c2s: Vec<String>,
    pub cipher_s2c: Vec<String>,
    pub mac_c2s: Vec<String>,
    pub mac_s2c: Vec<String>,
    pub compression_c2s: Vec<String>,
    pub compression_s2c: Vec<String>,
}

impl AlgorithmLists {
    /// The server's RSA host key signs only with SHA-1 (ssh-rsa, no rsa-sha2-*). Such devices
    /// usually verify RSA user-key signatures only as ssh-rsa too, whatever their
    /// server-sig-algs says.
    pub fn signs_rsa_with_sha1_only(&self) -> bool {
        let has = |name: &str| self.host_key.iter().any(|k| k == name);
        has("ssh-rsa") && !has("rsa-sha2-256") && !has("rsa-sha2-512")
    }
}

/// What RFC 4253 §7.1 picks from both offers; None where nothing overlaps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Negotiated {
    pub kex: Option<String>,
    pub host_key: Option<String>,
    pub cipher_c2s: Option<String>,
    pub cipher_s2c: Option<String>,
    pub mac_c2s: Option<String>,
    pub mac_s2c: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlgorithmEvidence {
    pub server: Arc<AlgorithmLists>,
    /// What the engineer's client offers this device, with their own settings applied.
    pub client: Arc<AlgorithmLists>,
    /// What that client would pick (RFC 4253); None where it finds nothing in common.
    pub negotiated: Negotiated,
    /// What sshtriage's probe (russh) offered: everything it implements, strongest first.
    #[serde(default)]
    pub probe: Arc<AlgorithmLists>,
    /// What the probe's key exchange used, when it completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_negotiated: Option<Negotiated>,
    /// What is known of each algorithm the server offers (status and a sourced note).
    #[serde(default, skip_serializing_if = "no_notes")]
    pub notes: Arc<Vec<AlgorithmNote>>,
}

/// Lists and notes repeat across a fleet's devices: reports share one copy of each distinct
/// value (see [`Interner`]).
pub static SHARED_LISTS: Interner<AlgorithmLists> = Interner::new();
pub static SHARED_NOTES: Interner<Vec<AlgorithmNote>> = Interner::new();

impl AlgorithmEvidence {
    /// Replaces the lists and notes by their shared copies (after deserializing).
    pub fn share(&mut self) {
        for lists in [&mut self.server, &mut self.client, &mut self.probe] {
            *lists = SHARED_LISTS.share(std::mem::take(Arc::make_mut(lists)));
        }
        self.notes = SHARED_NOTES.share(std::mem::take(Arc::make_mut(&mut self.notes)));
    }
}

fn no_notes(notes: &Arc<Vec<AlgorithmNote>>) -> bool {
    notes.is_empty()
}

/// The client a device's verdicts are about, and why it is that one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientEvidence {
    /// Client profile id, e.g. `paramiko-5.1`.
    pub id: String,
    /// e.g. `Paramiko 5.1`.
    pub name: String,
    /// `openssh`, `paramiko`, `netmiko`, `libssh`, `scrapli`, `russh`.
    pub kind: String,
    /// Who runs it, as a phrase: `your Ansible network_cli`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_by: Option<String>,
    /// The installed client it stands for, e.g. `OpenSSH 9.2p1 on this machine`; None when
    /// the newest profile of the family is assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub this_machine: Option<String>,
    /// Why this client: what the source said, or that it said nothing.
    pub why: String,
    /// The user's algorithm settings this client reads, as written, with their place.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
    /// Settings the client refuses or reads otherwise than written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Other clients the source might use, each with whether it would negotiate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<OtherClient>,
}

/// Another client a device's source might use, and whether it would negotiate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherClient {
    pub id: String,
    pub name: String,
    pub connects: bool,
    /// The category with nothing in common when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fails_at: Option<String>,
}

/// Would a given SSH client connect to this server as shipped, and if not, what fixes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientCompatibility {
    /// Client profile id, e.g. `openssh-9.2`, `paramiko-5.0`.
    pub client: String,
    pub connects: bool,
    /// First category with nothing in common: kex, host_key, cipher or mac.
    pub fails_at: Option<String>,
    /// Algorithms to add, strongest both sides can do; None when it connects or cannot.
    pub fix: Option<Vec<FixAddition>>,
    /// Why no option of this client can work, and which clients can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cannot: Option<String>,
    /// Set when this profile stands for a client installed on this machine, e.g.
    /// `this machine: Paramiko 3.5.1 (python3)` (see `algorithms::local`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub this_machine: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixAddition {
    pub category: String,
    pub algorithm: String,
}

/// What ssh would conclude about a presented (plain, non-certificate) host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKeyVerdict {
    /// A plain entry for this host holds this key.
    Match,
    /// No plain entry for this host at all.
    Unknown,
    /// Plain entries for this host exist, none with this key. As in OpenSSH this includes
    /// the case where those entries are of *other* key types: ssh then prints "REMOTE HOST
    /// IDENTIFICATION HAS CHANGED" too (checked against OpenSSH 9.2). Use
    /// `known_hosts::HostKeyCheck::same_type_on_file` to tell the two apart.
    Changed,
    /// An `@revoked` line whose host patterns match this host holds this key.
    Revoked,
    /// Part of a file was not read (over the size limit): it might hold this host's key, a
    /// different one or a revocation, so neither `Match` nor `Unknown` can be said. Treated
    /// like `Changed`: no credential is sent.
    Unreadable,
}

/// One known_hosts line that names this host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownHostsEntry {
    pub file: String,
    pub line: usize,
    pub algorithm: String,
    pub fingerprint: String,
    /// `revoked` or `cert-authority`, when the line carries a marker.
    pub marker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostKeyEvidence {
    pub algorithm: String,
    /// SHA256 fingerprint as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    pub verdict: HostKeyVerdict,
    pub entries: Vec<KnownHostsEntry>,
    /// The key in OpenSSH public format, so a fix can write it to known_hosts.
    pub openssh: String,
    /// Names of other devices of this run that presented the same key (cloned images),
    /// the first few of them: `shared_count` says how many there are in all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shared_count: usize,
    /// Every host key the server announced after authentication (OpenSSH's
    /// `hostkeys-00@openssh.com`), the negotiated one included; empty when it announced none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announced: Vec<AnnouncedKey>,
}

/// A host key the server announced on an authenticated connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedKey {
    /// The key type, e.g. `ssh-rsa` (one key for all its signature algorithms).
    pub algorithm: String,
    pub fingerprint: String,
    pub openssh: String,
    /// The server signed for it on this connection (`hostkeys-prove-00@openssh.com`), or it
    /// is the key the key exchange itself verified. Only proven keys are evidence.
    pub proven: bool,
}

impl HostKeyEvidence {
    /// The files holding a plain entry for the host with another key than the presented one,
    /// in the order ssh reads them: where a prune has to act.
    pub fn stale_files(&self) -> Vec<std::path::PathBuf> {
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for entry in self
            .entries
            .iter()
            .filter(|e| e.marker.is_none() && e.fingerprint != self.fingerprint)
        {
            let file = std::path::PathBuf::from(&entry.file);
            if !files.contains(&file) {
                files.push(file);
            }
        }
        files
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Whether files can be copied to and from the device: the SFTP subsystem and SCP's server
/// side, each asked for on a channel of its own after authentication. Nothing is read or
/// written on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferEvidence {
    pub sftp: TransferCheck,
    pub scp: TransferCheck,
    /// `warn` when neither is available, else `ok`.
    pub status: Status,
    /// What turns transfer on for this platform (`ip scp server enable`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl TransferEvidence {
    /// One line for summaries: `sftp available; scp refused: …`.
    pub fn summary(&self) -> String {
        let one = |name: &str, c: &TransferCheck| {
            if c.available {
                format!("{name} available")
            } else {
                format!("{name} not available ({})", c.detail)
            }
        };
        let mut text = format!("{}; {}", one("sftp", &self.sftp), one("scp", &self.scp));
        if self.status == Status::Warn
            && let Some(hint) = &self.hint
        {
            text.push_str(&format!("; {hint}"));
        }
        text
    }
}

/// One transfer protocol: available or not, and what the server said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferCheck {
    pub available: bool,
    /// The server's answer: `SFTP version 3`, `the server refused the sftp subsystem`, …
    pub detail: String,
}

/// Everything known about one device: the stage results so far and the evidence behind them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceReport {
    pub name: String,
    pub host: String,
    pub port: u16,
    /// The address actually connected to, once DNS answered.
    pub address: Option<String>,
    /// The jump host the device was reached through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The last stage that passed (ok or warn).
    pub reached: Option<Stage>,
    pub failure: Option<Failure>,
    pub stages: Vec<StageResult>,
    pub banner: Option<BannerEvidence>,
    pub algorithms: Option<AlgorithmEvidence>,
    pub host_key: Option<HostKeyEvidence>,
    pub auth_methods: Option<Vec<String>>,
    pub auth_banner: Option<String>,
    pub prompt: Option<String>,
    pub privileged: Option<bool>,
    /// The platform profile used for prompt and enable, and how it was chosen.
    pub profile: Option<String>,
    /// The engineer's SSH client the verdicts are about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientEvidence>,
    /// Per SSH client profile: would it connect to this server, and the fix if not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compatibility: Vec<ClientCompatibility>,
    /// File transfer readiness, when it was checked (`--transfer`, `check_transfer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferEvidence>,
    /// Redacted session transcript (what the device printed, what we sent).
    pub transcript: Vec<TranscriptLine>,
    pub elapsed_ms: f64,
}

impl DeviceReport {
    pub fn result(&self, stage: Stage) -> Option<&StageResult> {
        self.stages.iter().find(|r| r.stage == stage)
    }

    /// True when no stage failed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Direction of a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// What the device sent.
    Received,
    /// What we sent.
    Sent,
    /// A note of ours (a timeout, a redaction, a stage boundary).
    Note,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Milliseconds since the device's probe started.
    pub at_ms: f64,
    pub direction: Direction,
    pub text: String,
}

/// What the engine streams while probing. Views fold these into their own state.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A device's probe began (again, on a re-probe).
    Started { device: usize },
    /// A stage began running.
    StageStarted { device: usize, stage: Stage },
    /// A stage finished; `report` is the device's whole report so far.
    StageFinished {
        device: usize,
        report: Box<DeviceReport>,
    },
    /// The device's probe is complete.
    Finished {
        device: usize,
        report: Box<DeviceReport>,
    },
    /// What a fix would change, computed before anything is written (answers `ProposeFix`).
    FixProposed {
        device: usize,
        proposal: Box<FixProposal>,
    },
    /// A confirmed fix was applied and verified, or rolled back (answers `ApplyFix`).
    FixFinished {
        device: usize,
        outcome: Box<FixOutcome>,
    },
    /// Watch mode: a device's watch state changed, or the inventory was reloaded.
    Watch(Box<WatchEvent>),
    /// The SSH clients on this machine were identified (once, early in a run); views mark
    /// their compatibility rows.
    LocalClients(Box<LocalClients>),
}

/// The Python asked about Paramiko, Netmiko and ansible-pylibssh when `--python` is not given.
pub const DEFAULT_PYTHON: &str = "python3";

/// The SSH clients found on the machine running sshtriage (`algorithms::local` detects
/// them and marks the compatibility rows they stand for).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LocalClients {
    /// `ssh -V`, e.g. `9.2p1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openssh: Option<String>,
    /// The Python asked for Paramiko and Netmiko (Ansible's network_cli and Netmiko run on it).
    pub python: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paramiko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netmiko: Option<String>,
    /// ansible-pylibssh's version, when that Python can import it (`pylibsshext`): Ansible's
    /// network_cli then uses libssh under `ansible_network_cli_ssh_type: auto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pylibssh: Option<String>,
}

/// The fixes an interactive view can ask the engine side for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixKind {
    /// Add the legacy algorithms the device needs to its `[device.algorithms]` entry.
    Algorithms,
    /// Remove the stale known_hosts entries of a changed-key device and accept its key.
    HostKey,
}

/// One line of a file, as a proposal shows it (untrusted text: clean before display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLine {
    pub file: String,
    /// 1-based; the line number in the file before the change for removed lines, after it
    /// for added ones.
    pub line: usize,
    pub text: String,
}

/// What a fix would change, exactly, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixProposal {
    pub kind: FixKind,
    /// One sentence: what is wrong and what the fix does.
    pub summary: String,
    pub remove: Vec<FileLine>,
    pub add: Vec<FileLine>,
    /// Backups, what happens after, files that are not edited.
    pub notes: Vec<String>,
    /// Why nothing can be applied; None when the user may confirm.
    pub blocked: Option<String>,
    /// Copy-ready text for the device's clients (an ssh_config block, Ansible variables, a
    /// Netmiko argument, the commands of the same repair by hand); empty when there is none.
    pub snippets: Vec<FixSnippet>,
}

/// Copy-ready text for some clients, as the fix dialog shows it and writes it to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixSnippet {
    /// The clients it is for and what it is: `OpenSSH 10.0p1 · ~/.ssh/config`.
    pub title: String,
    pub lines: Vec<SnippetLine>,
}

/// One line of a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetLine {
    pub text: String,
    /// Text to paste (a config line, a command): shown whole, never wrapped. Otherwise a
    /// sentence to read, wrapped like any other.
    pub paste: bool,
}

impl FixSnippet {
    /// The lines as they are pasted, each ending in a newline.
    pub fn text(&self) -> String {
        self.lines.iter().map(|l| format!("{}\n", l.text)).collect()
    }
}

/// How a confirmed fix ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOutcome {
    pub kind: FixKind,
    /// The device passes the stage the fix was for, probed again after the change.
    pub verified: bool,
    /// What happened, in order: written, backup, before → after, kept or rolled back.
    pub lines: Vec<String>,
}

/// What an interactive view asks of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Probe this device (index into the device list) again.
    Reprobe(usize),
    ReprobeAll,
    /// Work out what a fix would change for this device; answered by `Event::FixProposed`.
    ProposeFix {
        device: usize,
        kind: FixKind,
    },
    /// Apply the fix last proposed for this device, then probe it again; answered by
    /// `Event::FixFinished` (the re-probe streams its own events).
    ApplyFix {
        device: usize,
        kind: FixKind,
    },
    /// Watch mode on or off (the dashboard's `w`); engine sides without a watch ignore it.
    SetWatching(bool),
}

/// One probe of a device in watch mode, as its history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// When the attempt began, in milliseconds since the watch began (the clock of
    /// `Milestones`); a fix's verifying probe counts from when the fix took the device.
    pub at_ms: u64,
    /// The last stage that passed.
    pub reached: Option<Stage>,
    pub failure: Option<Failure>,
    pub elapsed_ms: f64,
    /// How long the banner stage ran (until the identification line came, or until it gave
    /// up); None when it did not run. Tells a device slower than the stage timeout apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner_ms: Option<f64>,
}

impl Attempt {
    /// When the attempt ended, in milliseconds since the watch started.
    pub fn end_ms(&self) -> u64 {
        self.at_ms + self.elapsed_ms.max(0.0).round() as u64
    }
}

/// When a watched device first got somewhere. Every time here and in `Attempt::at_ms` is on
/// one clock, milliseconds since the watch began, so a first time never comes after an
/// attempt that already got there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Milestones {
    /// When watching this device began: the watch's start, or the reload that added, changed
    /// or brought it back. Re-probes by hand and fixes go on counting from here;
    /// `time_to_ready_ms` counts from here.
    pub started_at_ms: u64,
    pub tcp_open_at_ms: Option<u64>,
    pub banner_at_ms: Option<u64>,
    pub auth_ok_at_ms: Option<u64>,
    /// When it became ready; None again once an attempt finds it not ready.
    pub ready_at_ms: Option<u64>,
}

impl Milestones {
    pub fn time_to_ready_ms(&self) -> Option<u64> {
        self.ready_at_ms
            .map(|ready| ready.saturating_sub(self.started_at_ms))
    }
}

/// Where a watched device stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WatchState {
    /// Not ready; the next attempt is due at this time (ms since the watch started).
    Waiting { next_at_ms: u64 },
    /// An attempt is running.
    Probing,
    /// Reached its target stage; not probed again unless re-probed by hand.
    Ready,
    /// Not probed again until re-probed by hand or its inventory entry changes: retrying
    /// would repeat a rejected credential or talk to a host whose key changed.
    Stopped {
        stage: Stage,
        /// The failure's reason (`rejected`, `bad_secret`, `changed`, …).
        reason: Reason,
        /// One sentence for the user: what happened and what resumes the watch.
        why: String,
    },
    /// Watching is off: probed only when asked.
    Paused,
    /// Gone from the inventory.
    Removed,
}

/// Everything a view needs to show one watched device: state, target, milestones and the
/// recent attempts (oldest first, bounded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchStatus {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub state: WatchState,
    /// The stage that counts as ready; None means automatic: `enable` where the profile has
    /// it, else `prompt`, or as far as the configured credentials allow.
    pub until: Option<Stage>,
    pub milestones: Milestones,
    pub attempts: Vec<Attempt>,
    /// Attempts made, including those dropped from `attempts`.
    pub attempts_total: u64,
    /// When the first attempt with the latest attempt's result (same stage reached, same
    /// failing stage) began: how long the device has been stuck where it is.
    pub condition_since_ms: Option<u64>,
}

/// What the watch scheduler streams, besides the probe events of each attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A device's watch status changed. `device` is a stable index: devices added by an
    /// inventory reload get new indices past the end, removed ones keep theirs (state
    /// `Removed`), a device that comes back gets its old one.
    Device { device: usize, status: WatchStatus },
    /// The inventory file changed and was loaded again (device indices).
    Reloaded {
        added: Vec<usize>,
        removed: Vec<usize>,
        changed: Vec<usize>,
        warnings: Vec<String>,
    },
    /// The inventory file changed but cannot be used; the devices stay as they were.
    ReloadFailed { error: String },
}
