//! `enable`: from an unprivileged prompt, send the profile's enable command, answer the
//! password prompt with the enable secret, and check for the privileged prompt.

use super::super::{Outcome, Probe};
use super::prompt::{chosen_profile, last_lines};
use crate::device::BecomeMethod;
use crate::model::Direction;
use crate::model::Reason;
use crate::profile::{self, Agreement, EnableReply, Fit, Profile};
use std::time::Duration;

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let Some(chosen) = chosen_profile(p) else {
        return Outcome::skip(Reason::NotApplicable, "no platform profile was chosen");
    };
    let chosen = chosen.clone();
    // The become method picks the step; unset, the platform's own (sudo on Linux).
    match (&p.device.escalation.method, &chosen.sudo) {
        (Some(BecomeMethod::Other(method)), _) => {
            return Outcome::skip(
                Reason::NotApplicable,
                format!(
                    "the become method `{method}` is not checked (sshtriage checks sudo and enable)"
                ),
            );
        }
        (None | Some(BecomeMethod::Sudo), Some(spec)) => {
            let spec = spec.clone();
            return super::sudo::run(p, &chosen, &spec).await;
        }
        (Some(BecomeMethod::Sudo), None) => {
            return Outcome::skip(
                Reason::NotApplicable,
                format!(
                    "the become method is sudo, but {} has no sudo step",
                    chosen.name
                ),
            );
        }
        (None | Some(BecomeMethod::Enable), _) => {}
    }
    let profile = match p.undecided.clone() {
        None => chosen,
        Some(fits) => match undecided(p, &chosen, &fits) {
            Ok(profile) => profile,
            Err(outcome) => return outcome,
        },
    };
    let name = profile.name.clone();
    // A configured secret that goes unused is said so: a skip must not hide it.
    let unused = if p.device.enable_secret.is_some() {
        "; the configured enable secret is not used"
    } else {
        ""
    };
    let Some(spec) = profile.enable.clone() else {
        return Outcome::skip(
            Reason::NotApplicable,
            format!("{name} has no enable step{unused}"),
        );
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
                format!("{name} has no privilege levels{unused}"),
            );
        }
        Some(false) => {}
    }
    if let Err(outcome) = send(p, &format!("{}\r", spec.command), &spec.command).await {
        return outcome;
    }
    let start = mark(p);
    match wait_reply(p, &profile, start).await {
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
            match wait_reply(p, &profile, after_secret).await {
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

pub(super) async fn send(p: &mut Probe<'_>, text: &str, shown: &str) -> Result<(), Outcome> {
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
pub(super) async fn send_secret(p: &mut Probe<'_>, text: &str) -> Result<(), Outcome> {
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
    profile: &Profile,
    mark: usize,
) -> Result<EnableReply, Outcome> {
    let (reply, _) = read_until(p, mark, "the device closed the shell", |since| {
        match profile::classify_enable_reply(profile, since) {
            EnableReply::Pending => None,
            reply => Some(reply),
        }
    })
    .await?;
    Ok(reply)
}

/// Reads shell output until `decide` makes something of what arrived since `mark` (the
/// stage's timeout bounds it); returns that and the output it was read from. `closed` says
/// who closed the shell if it ends first.
pub(super) async fn read_until<T>(
    p: &mut Probe<'_>,
    mark: usize,
    closed: &str,
    decide: impl Fn(&str) -> Option<T>,
) -> Result<(T, String), Outcome> {
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
                    format!("{closed}{}", last_lines(p)),
                ));
            }
        }
        let since = p
            .shell
            .as_ref()
            .map(|s| s.text_since(mark))
            .unwrap_or_default();
        if let Some(found) = decide(&since) {
            return Ok((found, since));
        }
    }
}

pub fn timed_out(p: &mut Probe<'_>, limit: &str) -> Outcome {
    if p.sudo_started {
        return super::sudo::timed_out(p, limit);
    }
    let detail = format!(
        "no privileged prompt or password prompt within {limit} after `enable`{}",
        last_lines(p)
    );
    Outcome::fail(Reason::EnableTimeout, p.redactor.redact(&detail))
}

/// The profile to enter enable mode with when auto-detection could not choose a platform
/// (`chosen` is then the generic one): without an enable secret nothing is tried, as before;
/// with one, the candidates' enable step if they all agree on it, else `ambiguous_profile`
/// naming the `profile = "…"` lines that settle it.
fn undecided(p: &mut Probe<'_>, chosen: &Profile, fits: &[Fit]) -> Result<Profile, Outcome> {
    let prompt = p.report.prompt.clone().unwrap_or_default();
    let fit = match fits {
        [] => format!(
            "the prompt `{prompt}` fits no platform profile but {}",
            chosen.name
        ),
        [one] => format!(
            "the prompt `{prompt}` fits {}, though nothing else points to it",
            one.profile
        ),
        _ => format!("the prompt `{prompt}` fits {} alike", names(fits)),
    };
    if p.device.enable_secret.is_none() {
        return Err(Outcome::skip(
            Reason::NotApplicable,
            format!("{fit}; no enable secret is configured, so enable was not tried"),
        ));
    }
    let why = match profile::agree(&p.shared.profiles, fits) {
        Agreement::Enable(profile) => {
            p.transcript(
                Direction::Note,
                &format!(
                    "{fit}; they enter enable mode the same way, so their enable step is tried"
                ),
            );
            // Every candidate reads the prompt as unprivileged.
            p.report.privileged = Some(false);
            return Ok(*profile);
        }
        Agreement::Privileged => {
            return Err(Outcome::ok_because(
                Reason::AlreadyPrivileged,
                format!(
                    "already at a privileged prompt `{prompt}` ({fit}; each reads it as privileged)"
                ),
            ));
        }
        Agreement::NoEnable => {
            return Err(Outcome::skip(
                Reason::NotApplicable,
                format!(
                    "{fit}, and none has an enable step; the configured enable secret is not used"
                ),
            ));
        }
        Agreement::Disagree(_) if fits.is_empty() => {
            "so whether and how it enters enable mode is not known".to_owned()
        }
        Agreement::Disagree(why) => format!("they differ: {why}"),
    };
    let line = |name: &str| format!("`profile = \"{name}\"`");
    let settle = match fits {
        [] => {
            let mut known = p.shared.profiles.names();
            known.retain(|n| *n != chosen.name);
            format!(
                "add `profile = \"NAME\"` with NAME one of {} (`{}` if it has no enable mode)",
                known.join(", "),
                chosen.name
            )
        }
        [one] => format!("add {}", line(&one.profile)),
        _ => {
            let lines: Vec<String> = fits.iter().map(|f| line(&f.profile)).collect();
            format!("add one of {}", lines.join(", "))
        }
    };
    let place = match &p.device.origin {
        crate::device::Origin::File { .. } => {
            format!("to its entry ({})", p.device.origin)
        }
        crate::device::Origin::CommandLine => "to a [[device]] entry for it".to_owned(),
    };
    Err(Outcome::fail(
        Reason::AmbiguousProfile,
        format!(
            "{fit}; {why}. An enable secret is configured but enable was not tried: to say which platform this is, {settle} {place}"
        ),
    ))
}

/// "cisco_ios, arista_eos and acme_os".
fn names(fits: &[Fit]) -> String {
    let names: Vec<&str> = fits.iter().map(|f| f.profile.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}
