//! `enable` on a Linux host: privilege escalation the way Ansible's become and NetPulse's
//! `sudo_password` do it, `sudo -S` with a password prompt of our own, on the same shell.
//! Only the validation runs (`sudo -k -S -p MARKER -v`): cached credentials are ignored and
//! not renewed, no command is run as root. Its exit status is echoed behind a marker so the
//! outcome is read from sudo itself, not guessed from the silence after it.

use super::super::{Outcome, Probe};
use super::enable::{send, send_secret};
use super::prompt::last_lines;
use crate::model::Reason;
use crate::profile::{Profile, SudoSpec};
use regex::Regex;
use std::sync::LazyLock;

/// sudo turns `%%` into `%`: the prompt it prints differs from the command line's echo, so the
/// echo never reads as the prompt.
const SUDO_COMMAND: &str =
    "LC_ALL=C sudo -k -S -p '[sshtriage%%sudo] password:' -v; echo \"sshtriage-sudo-rc=$?\"";
/// The prompt as sudo prints it.
const MARKER: &str = "[sshtriage%sudo] password:";

/// `sshtriage-sudo-rc=1`; the echoed command line has `$?` there, which never matches.
static EXIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"sshtriage-sudo-rc=(\d+)").expect("valid regex"));
/// A password prompt that is not ours: a PAM module or `passprompt_override` asking instead.
static OTHER_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:password|passcode|pin)[^\n]{0,80}:\s*\z").expect("valid regex")
});

/// What sudo said since the last thing we sent.
enum Reply {
    /// Our prompt, at the end of the output: sudo waits for the password.
    Prompt,
    /// sudo ended with this status.
    Exited(u32),
    /// The shell is back at its prompt without sudo's status: sudo could not run, or the
    /// shell has no `$?` (fish, csh).
    Returned,
    Pending,
}

/// Reads the output since the command (or the secret) was sent. The shell's prompt counts
/// only after the first line, the echo of what was sent, is whole: a half-echoed command can
/// end in `$` too.
fn classify(profile: &Profile, since: &str) -> Reply {
    if let Some(status) = EXIT.captures(since).and_then(|c| c[1].parse::<u32>().ok()) {
        return Reply::Exited(status);
    }
    if since.trim_end().ends_with(MARKER) {
        return Reply::Prompt;
    }
    let after_echo = since.split_once('\n').map_or("", |(_, rest)| rest);
    if crate::profile::find_prompt(profile, after_echo).is_some() {
        return Reply::Returned;
    }
    Reply::Pending
}

/// Escalates with sudo when the device asks for it; `profile` has a `[sudo]` step.
pub async fn run(p: &mut Probe<'_>, profile: &Profile, spec: &SudoSpec) -> Outcome {
    let name = &profile.name;
    let has_secret = p.device.enable_secret.is_some();
    if !p.device.escalation.wanted(has_secret) {
        let why = match (p.device.escalation.wanted, has_secret) {
            (Some(false), true) => "become is turned off; the configured secret is not used",
            (_, true) => {
                "escalation is not asked for (become = true, ansible_become: true); the configured enable secret is not used"
            }
            (_, false) => {
                "no privilege escalation is configured (become = true, or a become password)"
            }
        };
        return Outcome::skip(
            Reason::NotApplicable,
            format!("{name} escalates with sudo, but {why}"),
        );
    }
    p.sudo_started = true;
    let shown = SUDO_COMMAND;
    if let Err(outcome) = send(p, &format!("{SUDO_COMMAND}\r"), shown).await {
        return outcome;
    }
    let start = mark(p);
    let user = account(p);
    match wait(p, profile, start).await {
        Err(outcome) => outcome,
        Ok((Reply::Exited(0), _)) => {
            privileged(p);
            let unchecked = if has_secret {
                "; the configured become password was not checked"
            } else {
                ""
            };
            Outcome::ok_because(
                Reason::SudoPasswordless,
                format!(
                    "sudo asked no password: {user} may use sudo without one (NOPASSWD, or root){unchecked}"
                ),
            )
        }
        Ok((Reply::Exited(status), since)) => refused(p, spec, Some(status), &since, &user),
        Ok((Reply::Returned, since)) => refused(p, spec, None, &since, &user),
        Ok((Reply::Prompt, _)) => {
            let Some(secret) = p.device.enable_secret.clone() else {
                // Leave the password prompt: sudo ends on an interrupt.
                let _ = send(p, "\x03", "^C").await;
                return Outcome::fail(
                    Reason::EnableNoSecret,
                    format!(
                        "sudo asks for {user}'s password and no become password is configured (become_password, enable_secret or ansible_become_password)"
                    ),
                );
            };
            let after = mark(p);
            if let Err(outcome) = send_secret(p, &format!("{}\r", secret.expose())).await {
                return outcome;
            }
            match wait(p, profile, after).await {
                Err(outcome) => outcome,
                Ok((Reply::Exited(0), _)) => {
                    privileged(p);
                    Outcome::ok(format!(
                        "sudo accepted the become password: {user} may escalate (validated with sudo -v; nothing was run)"
                    ))
                }
                Ok((Reply::Prompt, since)) => {
                    let _ = send(p, "\x03", "^C").await;
                    let said = said(&since, &spec.bad_secret)
                        .map(|line| format!(" (\"{line}\")"))
                        .unwrap_or_default();
                    Outcome::fail(
                        Reason::EnableBadSecret,
                        format!(
                            "sudo asked for the password again{said}: the become password is wrong"
                        ),
                    )
                }
                Ok((Reply::Exited(status), since)) => refused(p, spec, Some(status), &since, &user),
                Ok((Reply::Returned, since)) => refused(p, spec, None, &since, &user),
                Ok((Reply::Pending, _)) => unreachable_pending(),
            }
        }
        Ok((Reply::Pending, _)) => unreachable_pending(),
    }
}

/// `wait` never returns `Pending`; an outcome all the same, never a panic.
fn unreachable_pending() -> Outcome {
    Outcome::fail(Reason::EnableFailed, "sudo's reply could not be read")
}

fn privileged(p: &mut Probe<'_>) {
    p.report.privileged = Some(true);
}

/// sudo ended without validating: the account's rights, the password, or no sudo at all.
/// `status` is None when the shell came back without it.
fn refused(
    p: &Probe<'_>,
    spec: &SudoSpec,
    status: Option<u32>,
    since: &str,
    user: &str,
) -> Outcome {
    if let Some(line) = said(since, &spec.not_allowed) {
        return Outcome::fail(
            Reason::EnableNotAllowed,
            format!("{user} may not use sudo here: sudo answered \"{line}\""),
        );
    }
    if let Some(line) = said(since, &spec.bad_secret) {
        return Outcome::fail(
            Reason::EnableBadSecret,
            format!("sudo refused the become password: \"{line}\""),
        );
    }
    let profile = p
        .profile_name
        .as_deref()
        .and_then(|n| p.shared.profiles.get(n));
    if let Some(line) = profile.and_then(|profile| crate::profile::find_error(profile, since)) {
        return Outcome::fail(
            Reason::EnableRejected,
            format!("sudo could not run (is it installed?): the host answered \"{line}\""),
        );
    }
    let detail = match status {
        Some(status) => format!("sudo ended with status {status} without validating"),
        None => "the shell came back to its prompt without sudo's exit status (a shell without `$?`, such as fish or csh?)".to_owned(),
    };
    Outcome::fail(Reason::EnableFailed, format!("{detail}{}", last_lines(p)))
}

/// The first line of `since` one of `patterns` matches, trimmed.
fn said(since: &str, patterns: &[Regex]) -> Option<String> {
    let clean = crate::profile::normalize(since);
    clean
        .lines()
        .map(str::trim)
        .find(|line| patterns.iter().any(|re| re.is_match(line)))
        .map(|line| crate::wire::ident::clip(line, 160))
}

fn account(p: &Probe<'_>) -> String {
    match &p.device.username {
        Some(user) => format!("`{user}`"),
        None => "the account".to_owned(),
    }
}

fn mark(p: &Probe<'_>) -> usize {
    p.shell.as_ref().map(|s| s.mark()).unwrap_or(0)
}

/// Reads until sudo prompts or ends; the stage's timeout bounds it. Returns the reply and
/// the output it was read from.
async fn wait(
    p: &mut Probe<'_>,
    profile: &Profile,
    mark: usize,
) -> Result<(Reply, String), Outcome> {
    super::enable::read_until(p, mark, "the host closed the shell during sudo", |since| {
        match classify(profile, since) {
            Reply::Pending => None,
            reply => Some(reply),
        }
    })
    .await
}

/// The enable stage's timeout during sudo: what appeared, and a password prompt that is not
/// ours named as such (Ansible waits for its own prompt too, and times out the same way).
pub fn timed_out(p: &mut Probe<'_>, limit: &str) -> Outcome {
    let output = p
        .shell
        .as_ref()
        .map(|s| s.text_since(0))
        .unwrap_or_default();
    let clean = crate::profile::normalize(&output);
    let other = if OTHER_PROMPT.is_match(clean.trim_end_matches([' ', '\t'])) {
        ": another password prompt than the one sudo was given appeared (a PAM module, or sudoers' passprompt_override)"
    } else {
        ""
    };
    let detail = format!(
        "no answer from sudo within {limit} (its password prompt or its exit){other}{}",
        last_lines(p)
    );
    Outcome::fail(Reason::EnableTimeout, p.redactor.redact(&detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_echoed_command_is_neither_prompt_nor_exit() {
        let profiles = crate::profile::Profiles::embedded();
        let linux = profiles.get("linux").expect("linux");
        let classify = |text: &str| classify(linux, text);
        let echo = format!("{SUDO_COMMAND}\r\n");
        assert!(matches!(classify(&echo), Reply::Pending));
        // Half an echo may end in `$`: not the shell's prompt.
        let half = &SUDO_COMMAND[..SUDO_COMMAND.find("$?").unwrap() + 1];
        assert!(matches!(classify(half), Reply::Pending));
        assert!(matches!(
            classify(&format!(
                "{echo}-bash: sudo: command not found\r\nadmin@h1:~$ "
            )),
            Reply::Returned
        ));
        assert!(matches!(
            classify(&format!("{echo}{MARKER}")),
            Reply::Prompt
        ));
        assert!(matches!(
            classify(&format!("{echo}{MARKER} ")),
            Reply::Prompt
        ));
        assert!(matches!(
            classify(&format!("{echo}sshtriage-sudo-rc=1\r\n$ ")),
            Reply::Exited(1)
        ));
    }

    #[test]
    fn the_linux_profile_reads_sudos_answers() {
        let profiles = crate::profile::Profiles::embedded();
        let spec = profiles
            .get("linux")
            .and_then(|p| p.sudo.clone())
            .expect("linux escalates with sudo");
        let wrong = "Sorry, try again.\r\n[sshtriage%sudo] password:";
        assert_eq!(
            said(wrong, &spec.bad_secret).as_deref(),
            Some("Sorry, try again.")
        );
        for line in [
            "Sorry, user ops may not run sudo on vm.",
            "ops is not in the sudoers file.  This incident will be reported.",
            "ops is not allowed to run sudo on vm.  This incident will be reported.",
        ] {
            assert!(said(line, &spec.not_allowed).is_some(), "{line}");
            assert!(said(line, &spec.bad_secret).is_none(), "{line}");
        }
        assert!(said(SUDO_COMMAND, &spec.not_allowed).is_none());
        assert!(said(SUDO_COMMAND, &spec.bad_secret).is_none());
    }
}
