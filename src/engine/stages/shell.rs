//! The interactive shell channel shared by `prompt` and `enable`: a PTY like a human's, output
//! kept bounded, reads that give up at a deadline.

use super::super::Outcome;
use super::super::client::Client;
use crate::model::Reason;
use russh::client::{Handle, Msg};
use russh::{Channel, ChannelMsg};
use std::time::Duration;
use tokio::time::Instant;

/// Device output kept for prompt matching; the prompt is always at the end.
const MAX_OUTPUT: usize = 256 * 1024;

pub struct Shell {
    channel: Channel<Msg>,
    output: Vec<u8>,
    /// Bytes dropped from the front to keep `output` bounded; marks stay valid across it.
    dropped: usize,
    pub closed: bool,
}

/// Nothing more will come: the channel or the session ended.
#[derive(Debug)]
pub struct Closed;

impl Shell {
    /// Session channel, PTY (`vt100`, wide, so devices do not wrap long lines) and shell.
    /// Some devices print their MOTD and first prompt before they confirm the requests: that
    /// output is kept for matching and returned too, so the caller logs it like any other.
    pub async fn open(session: &Handle<Client>) -> Result<(Shell, Vec<u8>), Outcome> {
        let channel = session.channel_open_session().await.map_err(|e| {
            Outcome::fail(
                Reason::ShellRefused,
                format!("the server refused a session channel: {e}"),
            )
        })?;
        let mut shell = Shell {
            channel,
            output: Vec::new(),
            dropped: 0,
            closed: false,
        };
        let pty = shell
            .channel
            .request_pty(true, "vt100", 511, 24, 0, 0, &[])
            .await;
        if pty.is_err() || !shell.confirmed().await {
            return Err(Outcome::fail(
                Reason::ShellRefused,
                "the server refused a PTY (a NETCONF- or SFTP-only server, or PTYs disabled for this user)",
            ));
        }
        let sh = shell.channel.request_shell(true).await;
        if sh.is_err() || !shell.confirmed().await {
            return Err(Outcome::fail(
                Reason::ShellRefused,
                "the server refused an interactive shell (exec-only or NETCONF-only access?)",
            ));
        }
        let early = shell.output.clone();
        Ok((shell, early))
    }

    /// Waits for the reply to a request, keeping any data that arrives meanwhile.
    async fn confirmed(&mut self) -> bool {
        loop {
            match self.channel.wait().await {
                Some(ChannelMsg::Success) => return true,
                Some(ChannelMsg::Failure) | Some(ChannelMsg::Close) | None => return false,
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    self.push(&data)
                }
                Some(_) => {}
            }
        }
    }

    fn push(&mut self, data: &[u8]) {
        self.output.extend_from_slice(data);
        if self.output.len() > MAX_OUTPUT {
            let cut = self.output.len() - MAX_OUTPUT;
            self.output.drain(..cut);
            self.dropped += cut;
        }
    }

    /// A position in the output stream, for "what came since".
    pub fn mark(&self) -> usize {
        self.dropped + self.output.len()
    }

    pub fn text_since(&self, mark: usize) -> String {
        let start = mark.saturating_sub(self.dropped).min(self.output.len());
        String::from_utf8_lossy(&self.output[start..]).into_owned()
    }

    pub async fn send(&mut self, text: &str) -> Result<(), Closed> {
        self.channel
            .data_bytes(text.as_bytes().to_vec())
            .await
            .map_err(|_| Closed)
    }

    /// The next chunk of output, or None when `wait` passed without any.
    pub async fn next_chunk(&mut self, wait: Duration) -> Result<Option<Vec<u8>>, Closed> {
        if self.closed {
            return Err(Closed);
        }
        let deadline = Instant::now() + wait;
        loop {
            let msg = match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Ok(msg) => msg,
                Err(_) => return Ok(None),
            };
            match msg {
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    self.push(&data);
                    return Ok(Some(data.to_vec()));
                }
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    self.closed = true;
                    return Err(Closed);
                }
                Some(_) => {}
            }
        }
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_millis(200), self.channel.close()).await;
    }
}
