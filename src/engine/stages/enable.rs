//! `enable`: from an unprivileged prompt, send the profile's enable command, answer the
//! password prompt with the enable secret, and check for the privileged prompt.

use super::super::{Outcome, Probe};
use super::prompt::{chosen_profile, last_lines};
use crate::model::Direction;
use crate::model::Reason;
use crate::profile::{self, EnableReply};
use std::time::Duration;

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let Some(profile) = chosen_profile(p) else {
        return Outcome::skip(Reason::NotApplicable, "no platform profile was chosen");
    };
    let name = profile.name.clone();
    let Some(spec) = profile.enable.clone() else {
        return Outcome::skip(Reason::NotApplicable, format!("{name} has no enable step"));
    };
    match p.report.privileged {
        Some(true) => {
            return Outcome::ok_because(
                Reason::AlreadyPrivileged,
                format!(
                    "already at a privileged prompt `{}`",
                    p.report.prompt.clone().unwrap_or_default()
                ),
            );
        }
        None => {
            return Outcome::skip(
                Reason::NotApplicable,
                format!("{name} has no privilege levels"),
            );
        }
        Some(false) => {}
    }
    if let Err(outcome) = send(p, &format!("{}\r", spec.command), &spec.command).await {
        return outcome;
    }
    let start = mark(p);
    match wait_reply(p, &name, start).await {
        Err(outcome) => outcome,
        Ok(EnableReply::Privileged(m)) => privileged(p, &m.prompt, "enable needed no password"),
        Ok(EnableReply::PasswordPrompt) => {
            let Some(secret) = p.device.enable_secret.clone() else {
                // Leave the password prompt cleanly.
                let _ = send(p, "\r", "⏎").await;
                return Outcome::fail(
                    Reason::EnableNoSecret,
                    "the device asks for an enable password and none is configured (enable_secret, enable_secret_env or ansible_become_password)",
                );
            };
            let after_secret = mark(p);
            if let Err(outcome) = send_secret(p, &format!("{}\r", secret.expose())).await {
                return outcome;
            }
            match wait_reply(p, &name, after_secret).await {
                Err(outcome) => outcome,
                Ok(EnableReply::Privileged(m)) => {
                    privileged(p, &m.prompt, "enable secret accepted")
                }
                Ok(EnableReply::PasswordPrompt) => {
                    let _ = send(p, "\r\r", "⏎⏎").await;
                    Outcome::fail(
                        Reason::EnableBadSecret,
                        "the device asked for the enable password again: the enable secret is wrong",
                    )
                }
                Ok(EnableReply::Error(line)) => Outcome::fail(
                    Reason::EnableBadSecret,
                    format!("the enable secret was rejected: the device answered \"{line}\""),
                ),
                Ok(EnableReply::StillUnprivileged(m)) => Outcome::fail(
                    Reason::EnableBadSecret,
                    format!(
                        "still at the unprivileged prompt `{}` after the enable secret",
                        m.prompt
                    ),
                ),
                Ok(EnableReply::Pending) => timed_out(p, "the reply"),
            }
        }
        Ok(EnableReply::Error(line)) => Outcome::fail(
            Reason::EnableRejected,
            format!(
                "`{}` was refused: the device answered \"{line}\"",
                spec.command
            ),
        ),
        Ok(EnableReply::StillUnprivileged(m)) => Outcome::fail(
            Reason::EnableRejected,
            format!("`{}` left the device at `{}`", spec.command, m.prompt),
        ),
        Ok(EnableReply::Pending) => timed_out(p, "the reply"),
    }
}

fn privileged(p: &mut Probe<'_>, prompt: &str, how: &str) -> Outcome {
    p.report.prompt = Some(prompt.to_owned());
    p.report.privileged = Some(true);
    Outcome::ok(format!("{how}; privileged prompt `{prompt}`"))
}

fn mark(p: &Probe<'_>) -> usize {
    p.shell.as_ref().map(|s| s.mark()).unwrap_or(0)
}

async fn send(p: &mut Probe<'_>, text: &str, shown: &str) -> Result<(), Outcome> {
    p.transcript(Direction::Sent, shown);
    match p.shell.as_mut() {
        Some(shell) => shell
            .send(text)
            .await
            .map_err(|_| Outcome::fail(Reason::EnableClosed, "the device closed the shell")),
        None => Err(Outcome::fail(Reason::EnableClosed, "no shell")),
    }
}

/// Sends a secret, shown as a mask; its echo, if the device gives one, is not logged.
async fn send_secret(p: &mut Probe<'_>, text: &str) -> Result<(), Outcome> {
    p.transcript(Direction::Sent, crate::secret::MASK);
    p.shell_log.secret_sent();
    match p.shell.as_mut() {
        Some(shell) => shell
            .send(text)
            .await
            .map_err(|_| Outcome::fail(Reason::EnableClosed, "the device closed the shell")),
        None => Err(Outcome::fail(Reason::EnableClosed, "no shell")),
    }
}

/// Reads until the output since `mark` says something definite.
async fn wait_reply(
    p: &mut Probe<'_>,
    profile_name: &str,
    mark: usize,
) -> Result<EnableReply, Outcome> {
    loop {
        let chunk = match p.shell.as_mut() {
            Some(shell) => shell.next_chunk(Duration::from_millis(250)).await,
            None => return Err(Outcome::fail(Reason::EnableClosed, "no shell")),
        };
        match chunk {
            Ok(Some(data)) => p.log_shell_output(&data),
            Ok(None) => continue,
            Err(_) => {
                return Err(Outcome::fail(
                    Reason::EnableClosed,
                    format!("the device closed the shell{}", last_lines(p)),
                ));
            }
        }
        let since = p
            .shell
            .as_ref()
            .map(|s| s.text_since(mark))
            .unwrap_or_default();
        let Some(profile) = p.shared.profiles.get(profile_name) else {
            return Err(Outcome::fail(Reason::EnableFailed, "profile vanished"));
        };
        match profile::classify_enable_reply(profile, &since) {
            EnableReply::Pending => continue,
            reply => return Ok(reply),
        }
    }
}

pub fn timed_out(p: &mut Probe<'_>, limit: &str) -> Outcome {
    let detail = format!(
        "no privileged prompt or password prompt within {limit} after `enable`{}",
        last_lines(p)
    );
    Outcome::fail(Reason::EnableTimeout, p.redactor.redact(&detail))
}
