//! `kex`: read the server's KEXINIT ourselves (russh keeps it private), say what RFC 4253 would
//! pick in each category, then complete the real key exchange with russh on the same connection.

use super::super::client::{Captured, Client};
use super::super::probe::Transport;
use super::super::{Flow, Outcome, Probe};
use super::banner::io_failure;
use crate::algorithms::allowlist::Category;
use crate::algorithms::negotiate;
use crate::algorithms::{resolve, verdict};
use crate::device::MAX_TIMEOUT;
use crate::model::{AlgorithmEvidence, Negotiated, SHARED_LISTS, SHARED_NOTES};
use crate::model::{DEFAULT_PYTHON, Reason, ShellCommand};
use crate::wire::kexinit::{self, MSG_DEBUG, MSG_DISCONNECT, MSG_IGNORE, MSG_KEXINIT};
use crate::wire::tap::Replay;
use russh::SshId;
use std::borrow::Cow;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// IGNORE and DEBUG packets read past before a KEXINIT (OpenSSH reads any number; each
/// costs us 16 bytes of replay).
const MAX_PACKETS_BEFORE_KEXINIT: usize = 100_000;
/// Characters of server text quoted in a message.
const MAX_QUOTED: usize = 200;

/// What the server sent before the key exchange completed, for a timeout to say.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub ignored: usize,
    pub ignored_bytes: usize,
    pub kexinit: bool,
    pub kexinit_bytes: usize,
}

impl Seen {
    /// " after N IGNORE or DEBUG packets", or nothing.
    fn after(&self) -> String {
        match self.ignored {
            0 => String::new(),
            n => format!(
                " after {n} IGNORE or DEBUG packet{}",
                if n == 1 { "" } else { "s" }
            ),
        }
    }

    /// Why the stage timed out, by what arrived.
    pub fn timed_out(&self, limit: &str) -> String {
        if self.kexinit {
            return format!(
                "the server's KEXINIT arrived, but the key exchange did not complete within {limit}"
            );
        }
        match self.ignored {
            0 => format!(
                "the server sent its identification line and then no packet within {limit}: no KEXINIT"
            ),
            n => format!(
                "the server sent {n} IGNORE or DEBUG packet{} and then nothing within {limit}: no KEXINIT",
                if n == 1 { "" } else { "s" }
            ),
        }
    }
}

/// `812 bytes`, `1.2 KiB`.
fn size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let Some(mut stream) = p.stream.take() else {
        return Outcome::fail(Reason::KexClosed, "no connection");
    };
    let mut pending = std::mem::take(&mut p.received);
    let mut raw_packets = Vec::new();
    let payload = loop {
        let packet = match read_packet(&mut stream, &mut pending).await {
            Ok(packet) => packet,
            Err(outcome) => return outcome,
        };
        match packet.payload.first().copied() {
            Some(MSG_KEXINIT) => {
                raw_packets.extend_from_slice(&packet.raw);
                p.kex_seen.kexinit = true;
                p.kex_seen.kexinit_bytes = packet.raw.len();
                break packet.payload;
            }
            Some(MSG_DISCONNECT) => {
                let why = kexinit::disconnect_reason(&packet.payload).unwrap_or_default();
                return Outcome::fail(
                    Reason::KexClosed,
                    format!(
                        "the server disconnected before key exchange: {}",
                        crate::wire::ident::clip(&why, MAX_QUOTED)
                    ),
                );
            }
            Some(MSG_IGNORE | MSG_DEBUG) => {
                if p.kex_seen.ignored >= MAX_PACKETS_BEFORE_KEXINIT {
                    return Outcome::fail(
                        Reason::KexBadPacket,
                        format!(
                            "the server sent {} IGNORE or DEBUG packets ({}) and no KEXINIT: \
                             stopped reading",
                            p.kex_seen.ignored,
                            size(p.kex_seen.ignored_bytes)
                        ),
                    );
                }
                p.kex_seen.ignored += 1;
                p.kex_seen.ignored_bytes += packet.raw.len();
                // The probe replays what it read to russh, which counts packets for the
                // sequence numbers; a minimal IGNORE counts the same and bounds the memory.
                raw_packets.extend_from_slice(&kexinit::MINIMAL_IGNORE_PACKET);
            }
            other => {
                return Outcome::fail(
                    Reason::KexBadPacket,
                    format!(
                        "expected KEXINIT (message 20){}, got message {}",
                        p.kex_seen.after(),
                        other.unwrap_or(0)
                    ),
                );
            }
        }
    };
    if p.kex_seen.ignored > 0 {
        let text = format!(
            "the server sent {} IGNORE or DEBUG packet{} ({}) before its KEXINIT",
            p.kex_seen.ignored,
            if p.kex_seen.ignored == 1 { "" } else { "s" },
            size(p.kex_seen.ignored_bytes)
        );
        p.transcript(crate::model::Direction::Note, &text);
    }
    let server = match kexinit::parse(&payload) {
        Ok(k) => k.lists,
        Err(e) => {
            return Outcome::fail(
                Reason::KexBadPacket,
                format!("the server's KEXINIT is malformed: {e}"),
            );
        }
    };
    p.transcript(
        crate::model::Direction::Received,
        &format!(
            "KEXINIT kex={} host_key={} cipher={} mac={}",
            server.kex.join(","),
            server.host_key.join(","),
            server.cipher_c2s.join(","),
            server.mac_c2s.join(",")
        ),
    );
    let known = p.host_key_types_on_file();
    let mut offer = p.device.offer.clone();
    offer.prefer_host_keys(&known);
    let probe = offer.as_lists();
    let clients = resolve::resolve(&p.device.client, &p.shared.local);
    let verdict = verdict::kex_verdict(&clients, &p.device.client, &known, &server);
    p.report.client = Some(verdict.client.clone());
    p.report.algorithms = Some(AlgorithmEvidence {
        server: SHARED_LISTS.share(server.clone()),
        client: SHARED_LISTS.share(verdict.lists.clone()),
        negotiated: verdict.negotiated.clone(),
        probe: SHARED_LISTS.share(probe.clone()),
        probe_negotiated: None,
        notes: SHARED_NOTES.share(crate::algorithms::evidence::notes_for(&server)),
    });
    p.report.compatibility = verdict.compatibility.clone();
    let fix = fix_commands(p);
    // The probe is an instrument: where it cannot negotiate, nothing after kex can be seen.
    if let Some(gap) = verdict::first_gap(&probe, &server, false) {
        let probe_says = gap.sentence("sshtriage's probe (russh)");
        return match &verdict.failure {
            Some((gap, sentence)) => Outcome::fail(
                no_common(gap.category),
                format!("{sentence}; and {probe_says}, so nothing after kex could be checked"),
            )
            .with_commands(fix),
            None => Outcome::warn(
                Reason::KexProbeLimit,
                format!(
                    "{} negotiates ({}), but {probe_says}: the stages after kex were not run",
                    verdict::who(&clients.primary),
                    chosen(&verdict.negotiated)
                ),
            )
            .with_flow(Flow::Halt),
        };
    }
    if let Some((_, sentence)) = &verdict.failure {
        p.transcript(
            crate::model::Direction::Note,
            &format!(
                "{sentence}; the probe goes on with its own offer to show what happens once this is fixed"
            ),
        );
    }

    let mut replay = p.server_ident.clone();
    replay.extend_from_slice(b"\r\n");
    replay.extend_from_slice(&raw_packets);
    replay.extend_from_slice(&pending);
    let ident = p.shared.settings.client_ident.clone();
    let already_sent = format!("{ident}\r\n").into_bytes();
    let config = russh::client::Config {
        client_id: SshId::Standard(Cow::Owned(ident)),
        preferred: offer.to_preferred(),
        // Sources cap timeouts at MAX_TIMEOUT; a device built in code is capped here, or
        // russh's timer would overflow.
        inactivity_timeout: Some(
            p.device
                .timeouts
                .longest(p.device.timeout)
                .min(MAX_TIMEOUT)
                .saturating_mul(3),
        ),
        nodelay: true,
        ..Default::default()
    };
    p.captured = Arc::default();
    let handler = Client {
        captured: p.captured.clone(),
    };
    let tap = Replay::new(stream, replay, already_sent);
    match russh::client::connect_stream(Arc::new(config), tap, handler).await {
        Ok(handle) => {
            p.session = Some(handle);
            let captured: Captured = p.captured.lock().map(|c| c.clone()).unwrap_or_default();
            if let (Some(names), Some(evidence)) = (&captured.negotiated, &mut p.report.algorithms)
            {
                // What russh actually used is the truth about the probe.
                evidence.probe_negotiated = Some(Negotiated {
                    kex: Some(names.kex.clone()),
                    host_key: Some(names.host_key.clone()),
                    cipher_c2s: Some(names.cipher.clone()),
                    cipher_s2c: Some(names.cipher.clone()),
                    mac_c2s: Some(mac_name(&names.cipher, &names.mac_c2s)),
                    mac_s2c: Some(mac_name(&names.cipher, &names.mac_s2c)),
                });
            }
            client_outcome(&verdict, &clients.primary, fix)
        }
        Err(russh::Error::SshEncoding(e)) if verdict.failure.is_none() => {
            // We read the KEXINIT ourselves; russh could not: the probe's limit.
            Outcome::warn(
                Reason::KexProbeLimit,
                format!(
                    "{} negotiates ({}), but sshtriage's probe (russh) cannot read this server's \
                     {} KEXINIT ({e}): the stages after kex were not run",
                    verdict::who(&clients.primary),
                    chosen(&verdict.negotiated),
                    size(p.kex_seen.kexinit_bytes)
                ),
            )
            .with_flow(Flow::Halt)
        }
        Err(e) => {
            let probe = russh_failure(&e);
            match &verdict.failure {
                // The client's own verdict is what the engineer needs; the probe's is a note.
                Some((gap, sentence)) => Outcome::fail(
                    no_common(gap.category),
                    format!(
                        "{sentence}; the probe could not complete a key exchange either: {}",
                        probe.detail
                    ),
                )
                .with_commands(fix),
                None => probe,
            }
        }
    }
}

/// The verdict of the engineer's client once the probe got through: a failure (with the
/// commands that fix it) that lets the later stages run beyond it, a warning naming the other
/// clients that would fail, or ok.
fn client_outcome(
    verdict: &verdict::KexVerdict,
    primary: &resolve::Resolved,
    fix: Vec<ShellCommand>,
) -> Outcome {
    match &verdict.failure {
        Some((gap, sentence)) => Outcome::fail(no_common(gap.category), sentence.clone())
            .with_flow(Flow::Beyond)
            .with_commands(fix),
        None => client_success(verdict, primary),
    }
}

fn client_success(verdict: &verdict::KexVerdict, primary: &resolve::Resolved) -> Outcome {
    let uses = format!(
        "{} would use {}",
        verdict::who(primary),
        chosen(&verdict.negotiated)
    );
    if verdict.others_failing.is_empty() {
        Outcome::ok(uses)
    } else {
        Outcome::warn(
            Reason::KexOtherClient,
            format!("{uses}; but {}", verdict.others_failing.join("; ")),
        )
    }
}

/// `sshtriage fix algorithms …` for this device: it writes what the engineer's client needs
/// where that client reads it and proves it, or says what does instead. Attached to failures
/// only.
fn fix_commands(p: &Probe<'_>) -> Vec<ShellCommand> {
    let Some(mut command) = p.device.command(&["fix", "algorithms"]) else {
        return Vec::new();
    };
    // The Python whose Paramiko or ansible-pylibssh the verdict was about.
    let python = &p.shared.local.python;
    if !python.is_empty() && python != DEFAULT_PYTHON {
        command = command.args(["--python", python.as_str()]);
    }
    vec![command]
}

/// The reason for a category with nothing in common.
fn no_common(category: Category) -> Reason {
    match category {
        Category::Kex => Reason::NoCommonKex,
        Category::HostKey => Reason::NoCommonHostKey,
        Category::Cipher => Reason::NoCommonCipher,
        Category::Mac => Reason::NoCommonMac,
    }
}

/// `kex X, host key Y, cipher Z, mac W`.
fn chosen(n: &Negotiated) -> String {
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    format!(
        "kex {}, host key {}, cipher {}, mac {}",
        name(&n.kex),
        name(&n.host_key),
        name(&n.cipher_c2s),
        name(&n.mac_c2s)
    )
}

fn mac_name(cipher: &str, mac: &str) -> String {
    if negotiate::is_aead(cipher) || mac == "none" {
        "<implicit>".into()
    } else {
        mac.to_owned()
    }
}

struct Packet {
    raw: Vec<u8>,
    payload: Vec<u8>,
}

/// Reads one unencrypted packet, checking its length before allocating for it.
async fn read_packet(
    stream: &mut Box<dyn Transport>,
    pending: &mut Vec<u8>,
) -> Result<Packet, Outcome> {
    let header = take(stream, pending, 4).await?;
    let length =
        kexinit::check_length([header[0], header[1], header[2], header[3]]).map_err(|e| {
            Outcome::fail(
                Reason::KexBadPacket,
                format!("the server's first packet is invalid: {e}"),
            )
        })?;
    let body = take(stream, pending, length as usize).await?;
    let payload = kexinit::payload(&body)
        .map_err(|e| {
            Outcome::fail(
                Reason::KexBadPacket,
                format!("the server's first packet is invalid: {e}"),
            )
        })?
        .to_vec();
    let mut raw = header;
    raw.extend_from_slice(&body);
    Ok(Packet { raw, payload })
}

/// `n` bytes, from what was already received first, then from the socket.
async fn take(
    stream: &mut Box<dyn Transport>,
    pending: &mut Vec<u8>,
    n: usize,
) -> Result<Vec<u8>, Outcome> {
    if pending.len() < n {
        let have = pending.len();
        pending.resize(n, 0);
        if let Err(e) = stream.read_exact(&mut pending[have..]).await {
            return Err(io_failure(&e, "during key exchange"));
        }
    }
    let rest = pending.split_off(n);
    Ok(std::mem::replace(pending, rest))
}

fn russh_failure(e: &russh::Error) -> Outcome {
    use russh::Error as E;
    match e {
        E::Disconnect | E::HUP => Outcome::fail(
            Reason::KexClosed,
            "the server closed the connection during key exchange",
        ),
        E::ConnectionTimeout | E::InactivityTimeout | E::KeepaliveTimeout => {
            Outcome::fail(Reason::KexTimeout, "the key exchange stalled")
        }
        E::NoCommonAlgo { kind, ours, theirs } => Outcome::fail(
            Reason::KexFailed,
            format!(
                "no common {kind:?} algorithm: the server offers {}; we offer {}",
                theirs.join(","),
                ours.join(",")
            ),
        ),
        E::IO(io) => io_failure(io, "during key exchange"),
        E::WrongServerSig => Outcome::fail(
            Reason::KexFailed,
            "the server's key exchange signature does not verify",
        ),
        other => Outcome::fail(Reason::KexFailed, format!("key exchange failed: {other}")),
    }
}
