//! One device's walk through the pipeline: the connection state the stages share, the report
//! they fill in, and the events that tell views about it.

use super::Shared;
use super::client::{Captured, Client};
use super::outcome::Outcome;
use crate::device::Device;
use crate::model::{
    DeviceReport, Direction, Event, Failure, Stage, StageResult, Status, TranscriptLine,
};
use crate::secret::Redactor;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// Anything the SSH protocol can run over.
pub trait Transport: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Transport for T {}

/// Transcript lines kept per device; a chatty device cannot grow a report without bound.
pub const MAX_TRANSCRIPT_LINES: usize = 400;

pub struct Probe<'a> {
    pub device: &'a Device,
    pub shared: &'a Shared,
    pub report: DeviceReport,
    pub redactor: Redactor,
    started: Instant,
    index: usize,
    events: Option<UnboundedSender<Event>>,
    // Connection state, filled in by the stages in order.
    pub addresses: Vec<SocketAddr>,
    /// The byte stream to the device: a TCP socket, or a channel through a jump host.
    pub stream: Option<Box<dyn Transport>>,
    /// The connection was reset right after the TCP handshake, before `tcp` had the socket;
    /// the banner stage reports it.
    pub connect_reset: Option<std::io::Error>,
    /// The server's identification line as received, without CR LF.
    pub server_ident: Vec<u8>,
    /// Bytes received after the identification line and not yet consumed.
    pub received: Vec<u8>,
    /// The server's first packet, KEXINIT, exactly as received (length prefix included).
    pub kexinit_packet: Vec<u8>,
    /// What arrived before the key exchange completed (for a timeout to say).
    pub kex_seen: super::stages::kex::Seen,
    pub session: Option<russh::client::Handle<Client>>,
    pub captured: Arc<Mutex<Captured>>,
    pub shell: Option<super::stages::shell::Shell>,
    /// Shell output on its way to the transcript, in whole lines.
    pub shell_log: super::shell_log::ShellLog,
    pub known_hosts: Option<std::sync::Arc<crate::known_hosts::KnownHosts>>,
    /// Set once the server accepted us (`none` or a credential).
    pub authenticated: bool,
    /// The platform profile the prompt stage settled on.
    pub profile_name: Option<String>,
    /// Some when auto-detection settled on the generic profile for want of evidence: the
    /// platform profiles the prompt fits alike (see `profile::Detection::undecided`).
    pub undecided: Option<Vec<crate::profile::Fit>>,
    /// The enable stage escalates with sudo (its timeout then says so).
    pub sudo_started: bool,
    /// Holds a channel slot on the jump host for as long as the probe runs.
    pub jump_permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl<'a> Probe<'a> {
    pub fn new(
        device: &'a Device,
        shared: &'a Shared,
        index: usize,
        events: Option<UnboundedSender<Event>>,
    ) -> Probe<'a> {
        Probe {
            report: DeviceReport {
                name: device.name.clone(),
                host: device.host.clone(),
                port: device.port,
                ..Default::default()
            },
            redactor: Redactor::new(device.secrets()),
            device,
            shared,
            started: Instant::now(),
            index,
            events,
            addresses: Vec::new(),
            stream: None,
            connect_reset: None,
            server_ident: Vec::new(),
            received: Vec::new(),
            kexinit_packet: Vec::new(),
            kex_seen: Default::default(),
            session: None,
            captured: Arc::default(),
            shell: None,
            shell_log: Default::default(),
            known_hosts: None,
            authenticated: false,
            profile_name: None,
            undecided: None,
            sudo_started: false,
            jump_permit: None,
        }
    }

    pub fn elapsed_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }

    pub fn emit(&self, event: Event) {
        if let Some(tx) = &self.events {
            // A view that went away is not the probe's problem.
            let _ = tx.send(event);
        }
    }

    pub fn index(&self) -> usize {
        self.index
    }

    /// Adds a redacted line to the transcript. What the device printed before it, up to now,
    /// goes first.
    pub fn transcript(&mut self, direction: Direction, text: &str) {
        if direction != Direction::Received {
            self.flush_shell_log();
        }
        self.push_transcript(direction, text);
    }

    /// Logs shell output: the lines it completes, normalised and redacted whole.
    pub fn log_shell_output(&mut self, data: &[u8]) {
        let logged = self.shell_log.push(data);
        for line in &logged.lines {
            self.log_received_text(line);
        }
        if logged.echo_dropped {
            self.push_transcript(
                Direction::Note,
                "the device echoed the secret we sent; the echo is not shown",
            );
        }
    }

    /// The shell output still waiting for its line end (a prompt), except any end of it that
    /// could be the start of a secret.
    pub fn flush_shell_log(&mut self) {
        if let Some(text) = self.shell_log.flush(&self.redactor) {
            self.log_received_text(&text);
        }
    }

    fn log_received_text(&mut self, text: &str) {
        let clean = crate::profile::normalize(text);
        for line in clean.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
            self.push_transcript(Direction::Received, line);
        }
    }

    fn push_transcript(&mut self, direction: Direction, text: &str) {
        if self.report.transcript.len() >= MAX_TRANSCRIPT_LINES {
            return;
        }
        let at_ms = round_ms(self.elapsed_ms());
        let text = self.redactor.redact(text);
        self.report.transcript.push(TranscriptLine {
            at_ms,
            direction,
            text,
        });
    }

    /// Records a stage's outcome, redacted, and tells the views.
    /// `beyond` is the stage whose client failure this one ran past, if any.
    pub fn record(
        &mut self,
        stage: Stage,
        outcome: Outcome,
        elapsed_ms: f64,
        beyond: Option<Stage>,
    ) {
        self.flush_shell_log();
        let detail = self.redactor.redact(&outcome.detail);
        // `reached` is how far the engineer's client gets: not past its first failure.
        if matches!(outcome.status, Status::Ok | Status::Warn) && self.report.failure.is_none() {
            self.report.reached = Some(stage);
        }
        if outcome.status == Status::Fail && self.report.failure.is_none() {
            self.report.failure = Some(Failure {
                stage,
                // A failing outcome always names its reason; `internal_error` would say a stage forgot.
                reason: outcome
                    .reason
                    .unwrap_or(crate::model::Reason::InternalError),
                message: detail.clone(),
            });
        }
        self.report.stages.push(StageResult {
            stage,
            status: outcome.status,
            elapsed_ms: round_ms(elapsed_ms),
            reason: outcome.reason,
            detail,
            beyond,
            commands: outcome.commands,
        });
        self.report.elapsed_ms = round_ms(self.elapsed_ms());
        self.emit(Event::StageFinished {
            device: self.index,
            report: Box::new(self.report.clone()),
        });
    }

    /// The final report, with every string scrubbed once more (belt and braces: evidence
    /// fields are filled from device output in several places).
    pub fn finish(mut self) -> DeviceReport {
        self.report.elapsed_ms = round_ms(self.elapsed_ms());
        let report = scrub(&self.redactor, self.report.clone());
        self.emit(Event::Finished {
            device: self.index,
            report: Box::new(report.clone()),
        });
        report
    }
}

fn scrub(redactor: &Redactor, report: DeviceReport) -> DeviceReport {
    if redactor.is_empty() {
        return report;
    }
    // Most reports hold no secret: look before rebuilding (the rebuild costs every string).
    match serde_json::to_string(&report) {
        Ok(json) if !redactor.appears_in_json(&json) => return report,
        Err(_) => return report,
        Ok(_) => {}
    }
    let Ok(mut value) = serde_json::to_value(&report) else {
        return report;
    };
    redactor.redact_json(&mut value);
    match serde_json::from_value::<DeviceReport>(value) {
        Ok(mut scrubbed) => {
            // The rebuild made private copies of what devices share.
            if let Some(algorithms) = scrubbed.algorithms.as_mut() {
                algorithms.share();
            }
            scrubbed
        }
        Err(_) => report,
    }
}

/// Milliseconds to three decimals: enough for loopback, stable in JSON.
pub fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}
