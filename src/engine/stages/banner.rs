//! `banner`: send our identification, read the server's, allowing text lines before it.

use super::super::{Outcome, Probe};
use crate::model::BannerEvidence;
use crate::model::Reason;
use crate::wire::ident::{self, Line, MAX_IDENT_LEN, MAX_PRE_BANNER_LINE, MAX_PRE_BANNER_LINES};
use std::io::ErrorKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    if let Some(reset) = p.connect_reset.take() {
        return io_failure(&reset, "while waiting for the server's identification");
    }
    let Some(mut stream) = p.stream.take() else {
        return Outcome::fail(Reason::BannerClosed, "no connection to read from");
    };
    let ours = format!("{}\r\n", p.shared.settings.client_ident);
    if let Err(e) = stream.write_all(ours.as_bytes()).await {
        return io_failure(&e, "while sending our identification");
    }
    p.transcript(
        crate::model::Direction::Sent,
        &p.shared.settings.client_ident.clone(),
    );
    p.report.banner = Some(BannerEvidence::default());
    let mut buf: Vec<u8> = Vec::with_capacity(512);
    let mut chunk = [0u8; 2048];
    loop {
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line = trim_cr(&buf[..end]).to_vec();
            let rest = buf[end + 1..].to_vec();
            if line.starts_with(b"SSH-") {
                if line.len() + 2 > MAX_IDENT_LEN {
                    return too_long(line.len() + 2);
                }
                let shown = String::from_utf8_lossy(&line).into_owned();
                p.transcript(crate::model::Direction::Received, &shown);
                let outcome = identified(p, &line);
                p.server_ident = line;
                p.received = rest;
                p.stream = Some(stream);
                return outcome;
            }
            if let Some(failure) = not_text(&line, &buf) {
                return failure;
            }
            let pre = pre_banner(p);
            if pre.len() >= MAX_PRE_BANNER_LINES {
                return Outcome::fail(
                    Reason::BannerNotSsh,
                    format!(
                        "{MAX_PRE_BANNER_LINES} lines of text and no SSH identification: {}",
                        ident::describe_non_ssh(&line)
                    ),
                );
            }
            pre.push(String::from_utf8_lossy(&line).into_owned());
            buf = rest;
        }
        if buf.starts_with(b"SSH-") && buf.len() + 2 > MAX_IDENT_LEN {
            return too_long(buf.len());
        }
        if !b"SSH-".starts_with(&buf[..buf.len().min(4)]) || buf.len() > MAX_PRE_BANNER_LINE {
            if let Some(failure) = not_text(&buf, &buf) {
                return failure;
            }
            if buf.len() > MAX_PRE_BANNER_LINE {
                return Outcome::fail(
                    Reason::BannerNotSsh,
                    format!(
                        "a line of more than {MAX_PRE_BANNER_LINE} bytes without an end: {}",
                        ident::describe_non_ssh(&buf)
                    ),
                );
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) if buf.is_empty() && pre_banner(p).is_empty() => {
                return Outcome::fail(
                    Reason::BannerClosed,
                    "the server accepted the TCP connection and closed it without a word (connection limit, ACL, or a login lockout)",
                );
            }
            Ok(0) => {
                return Outcome::fail(
                    Reason::BannerNotSsh,
                    format!(
                        "the server closed the connection after {}",
                        what_was_sent(p, &buf)
                    ),
                );
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return io_failure(&e, "while waiting for the server's identification"),
        }
    }
}

fn pre_banner<'p>(p: &'p mut Probe<'_>) -> &'p mut Vec<String> {
    &mut p
        .report
        .banner
        .get_or_insert_with(BannerEvidence::default)
        .pre_banner
}

fn what_was_sent(p: &mut Probe<'_>, buf: &[u8]) -> String {
    let pre = pre_banner(p);
    let bytes: Vec<u8> = if pre.is_empty() {
        buf.to_vec()
    } else {
        pre.join("\n").into_bytes()
    };
    ident::describe_non_ssh(&bytes)
}

fn identified(p: &mut Probe<'_>, line: &[u8]) -> Outcome {
    let pre_count = pre_banner(p).len();
    match ident::classify(line) {
        Line::Ssh2(id) => {
            let banner = p.report.banner.get_or_insert_with(BannerEvidence::default);
            banner.raw = id.raw.clone();
            banner.protocol = id.protocol.clone();
            banner.software = id.software.clone();
            banner.comments = id.comments.clone();
            let pre = match pre_count {
                0 => String::new(),
                n => format!(" after {n} line(s) of text"),
            };
            Outcome::ok(format!("{}{pre}", id.raw))
        }
        Line::Ssh1(id) => {
            let banner = p.report.banner.get_or_insert_with(BannerEvidence::default);
            banner.raw = id.raw.clone();
            banner.protocol = id.protocol.clone();
            banner.software = id.software.clone();
            Outcome::fail(
                Reason::BannerSsh1Only,
                format!(
                    "{} speaks only SSH protocol {}; enable SSH version 2 on the device (`ip ssh version 2` on IOS)",
                    id.raw, id.protocol
                ),
            )
        }
        Line::BadIdent(raw) | Line::Text(raw) => Outcome::fail(
            Reason::BannerNotSsh,
            format!(
                "malformed SSH identification: \"{}\"",
                ident::clip(&raw, 80)
            ),
        ),
    }
}

/// What OpenSSH refuses in a line before the identification (`kex_exchange_identification`:
/// a NUL, or a CR not followed by LF), or an HTTP answer, is not worth waiting on. Other bytes
/// (escape sequences, other controls, text that is not UTF-8) are legal there: RFC 4253 allows
/// any lines before the identification, and ssh connects; they are kept, and cleaned before
/// they are shown.
fn not_text(line: &[u8], whole: &[u8]) -> Option<Outcome> {
    let body = trim_cr(line);
    let refused = body.contains(&0) || body.contains(&b'\r');
    if refused || line.starts_with(b"HTTP/") {
        return Some(Outcome::fail(
            Reason::BannerNotSsh,
            ident::describe_non_ssh(whole),
        ));
    }
    None
}

fn too_long(len: usize) -> Outcome {
    Outcome::fail(
        Reason::BannerTooLong,
        format!(
            "the identification line is longer than the {MAX_IDENT_LEN} bytes RFC 4253 allows ({len} bytes so far)"
        ),
    )
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub fn io_failure(e: &std::io::Error, when: &str) -> Outcome {
    match e.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Outcome::fail(
            Reason::BannerReset,
            format!(
                "the server reset the connection {when} (a TCP RST: often an ACL, a connection limit, or a daemon that is still starting)"
            ),
        ),
        ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof => Outcome::fail(
            Reason::BannerClosed,
            format!("the server closed the connection {when}"),
        ),
        _ => Outcome::fail(Reason::BannerFailed, format!("network error {when}: {e}")),
    }
}
