//! File transfer readiness, opt-in (`--transfer`, `check_transfer = true`): after the stages, on
//! an authenticated connection, each protocol on a channel of its own. SFTP: the `sftp`
//! subsystem, and its answer to SSH_FXP_INIT (a forced command accepts any subsystem; only an
//! SFTP server answers with SSH_FXP_VERSION). SCP: its server side, `scp -f`, asked to send a
//! path that cannot exist (below `/dev/null`), so it answers with an SCP error message and
//! nothing is read or written on the device. Not a stage: a device whose transfer is off still
//! logs in; the report carries the evidence and a warning when neither works.

use super::Probe;
use super::client::Client;
use crate::device::MAX_TIMEOUT;
use crate::model::{Direction, Status, TransferCheck, TransferEvidence};
use russh::ChannelMsg;
use russh::client::{Handle, Msg};
use std::future::Future;
use std::time::Duration;

/// SCP's source mode on a path below a file: it cannot exist, whatever the device.
const SCP_COMMAND: &str = "scp -f /dev/null/sshtriage-transfer-check";
/// What is kept of a channel's output: an SFTP VERSION packet or one SCP error line.
const MAX_READ: usize = 4096;

/// Checks SFTP and SCP when the device asks for it and the login succeeded.
pub async fn check(p: &mut Probe<'_>) {
    if !p.device.check_transfer || !p.authenticated {
        return;
    }
    let Some(session) = p.session.as_ref() else {
        return;
    };
    let bound = p.device.timeout.min(MAX_TIMEOUT);
    let sftp = bounded(bound, sftp(session)).await;
    let scp = bounded(bound, scp(session)).await;
    let status = if sftp.available || scp.available {
        Status::Ok
    } else {
        Status::Warn
    };
    let evidence = TransferEvidence {
        sftp,
        scp,
        status,
        hint: hint(p),
    };
    p.transcript(
        Direction::Note,
        &format!("file transfer: {}", evidence.summary()),
    );
    p.report.transfer = Some(evidence);
}

/// The platform's advice: the profile the prompt stage chose, else the configured one.
fn hint(p: &Probe<'_>) -> Option<String> {
    let profiles = &p.shared.profiles;
    p.profile_name
        .as_deref()
        .and_then(|name| profiles.get(name))
        .or_else(|| profiles.get(&p.device.profile))
        .and_then(|profile| profile.transfer_hint.clone())
}

async fn bounded(bound: Duration, check: impl Future<Output = TransferCheck>) -> TransferCheck {
    match tokio::time::timeout(bound, check).await {
        Ok(result) => result,
        Err(_) => no(format!(
            "no answer within {}",
            humantime::format_duration(bound)
        )),
    }
}

fn yes(detail: impl Into<String>) -> TransferCheck {
    TransferCheck {
        available: true,
        detail: detail.into(),
    }
}

fn no(detail: impl Into<String>) -> TransferCheck {
    TransferCheck {
        available: false,
        detail: detail.into(),
    }
}

/// What came back on one channel.
#[derive(Default)]
struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit: Option<u32>,
    closed: bool,
}

impl Output {
    fn push(&mut self, msg: ChannelMsg) {
        let keep = |buf: &mut Vec<u8>, data: &[u8]| {
            let room = MAX_READ.saturating_sub(buf.len());
            buf.extend_from_slice(&data[..data.len().min(room)]);
        };
        match msg {
            ChannelMsg::Data { data } => keep(&mut self.stdout, &data),
            ChannelMsg::ExtendedData { data, .. } => keep(&mut self.stderr, &data),
            ChannelMsg::ExitStatus { exit_status } => self.exit = Some(exit_status),
            ChannelMsg::Eof | ChannelMsg::Close => self.closed = true,
            _ => {}
        }
    }
}

/// The reply to a request on `channel` (true: success), keeping what arrives meanwhile;
/// None when the channel ends first.
async fn reply(channel: &mut russh::Channel<Msg>, out: &mut Output) -> Option<bool> {
    loop {
        match channel.wait().await? {
            ChannelMsg::Success => return Some(true),
            ChannelMsg::Failure => return Some(false),
            ChannelMsg::Close => return None,
            msg => out.push(msg),
        }
    }
}

async fn sftp(session: &Handle<Client>) -> TransferCheck {
    let mut channel = match session.channel_open_session().await {
        Ok(channel) => channel,
        Err(e) => return no(format!("the server refused a session channel for it: {e}")),
    };
    let mut out = Output::default();
    let asked = channel.request_subsystem(true, "sftp").await.is_ok();
    let result = match asked.then_some(()) {
        None => no("the connection ended before the request"),
        Some(()) => match reply(&mut channel, &mut out).await {
            Some(false) => no("the server refused the sftp subsystem"),
            None => no("the server closed the channel instead of answering"),
            Some(true) => sftp_version(&mut channel, &mut out).await,
        },
    };
    let _ = channel.close().await;
    result
}

/// Sends SSH_FXP_INIT (version 3) and reads the SSH_FXP_VERSION answer.
async fn sftp_version(channel: &mut russh::Channel<Msg>, out: &mut Output) -> TransferCheck {
    const INIT: [u8; 9] = [0, 0, 0, 5, 1, 0, 0, 0, 3];
    if channel.data_bytes(INIT.to_vec()).await.is_err() {
        return no("the subsystem started but the channel closed at once");
    }
    while out.stdout.len() < 9 && !out.closed {
        match channel.wait().await {
            Some(msg) => out.push(msg),
            None => out.closed = true,
        }
    }
    match out.stdout.get(..9) {
        Some([_, _, _, _, 2, v @ ..]) => {
            let version = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
            yes(format!(
                "the sftp subsystem answered (SFTP version {version})"
            ))
        }
        _ => no(format!(
            "the server accepted the sftp subsystem but no SFTP server answered{}",
            said(&out.stdout, &out.stderr)
        )),
    }
}

async fn scp(session: &Handle<Client>) -> TransferCheck {
    let mut channel = match session.channel_open_session().await {
        Ok(channel) => channel,
        Err(e) => return no(format!("the server refused a session channel for it: {e}")),
    };
    let mut out = Output::default();
    let asked = channel.exec(true, SCP_COMMAND).await.is_ok();
    let result = match asked.then_some(()) {
        None => no("the connection ended before the request"),
        Some(()) => match reply(&mut channel, &mut out).await {
            Some(false) => no(format!("the server refused to run `{SCP_COMMAND}`")),
            None => no("the server closed the channel instead of answering"),
            Some(true) => scp_answer(&mut channel, &mut out).await,
        },
    };
    let _ = channel.close().await;
    result
}

/// Tells SCP's source to begin (a zero byte) and reads its first line: an SCP error message
/// (`\x01scp: …: Not a directory`) is an SCP server answering; anything else is not.
async fn scp_answer(channel: &mut russh::Channel<Msg>, out: &mut Output) -> TransferCheck {
    if channel.data_bytes(vec![0u8]).await.is_err() {
        return no("the command started but the channel closed at once");
    }
    // A whole first line, or the command ended (its status known, the channel closing).
    let finished = |o: &Output| {
        o.stdout.contains(&b'\n') || o.stdout.len() >= MAX_READ || (o.closed && o.exit.is_some())
    };
    while !finished(out) {
        match channel.wait().await {
            Some(msg) => out.push(msg),
            None => break,
        }
    }
    match out.stdout.first() {
        Some(1 | 2) => {
            let line = printable(out.stdout[1..].split(|b| *b == b'\n').next().unwrap_or(&[]));
            yes(format!("scp answered as an SCP server (\"{line}\")"))
        }
        // A file or directory record: an SCP server, sending. Not expected for this path; the
        // channel is closed without reading it.
        Some(b'C' | b'D' | b'T') => yes("scp answered as an SCP server"),
        _ => {
            let status = out
                .exit
                .map(|s| format!(", exit status {s}"))
                .unwrap_or_default();
            no(format!(
                "no SCP server answered{}{status}",
                said(&out.stdout, &out.stderr)
            ))
        }
    }
}

/// `: "sh: 1: scp: not found"`, from standard error first.
fn said(stdout: &[u8], stderr: &[u8]) -> String {
    let text = [stderr, stdout]
        .into_iter()
        .map(printable)
        .find(|t| !t.is_empty());
    match text {
        Some(text) => format!(": \"{text}\""),
        None => String::new(),
    }
}

/// The first non-empty line, control characters dropped, at most 160 characters.
fn printable(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    crate::wire::ident::clip(&line, 160)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_text_is_one_clean_line() {
        assert_eq!(
            printable(b"\x1b[31msh: 1: scp: not found\r\nmore"),
            "[31msh: 1: scp: not found"
        );
        assert_eq!(
            said(b"", b"\n\nsh: scp: not found\n"),
            ": \"sh: scp: not found\""
        );
        assert_eq!(said(b"", b""), "");
    }
}
