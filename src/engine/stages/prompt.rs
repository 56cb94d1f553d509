//! `prompt`: open a shell like a human would, read through banner and MOTD until the profile's
//! prompt pattern matches at the end of the output; if nothing comes, press Enter with growing
//! delays, as Netmiko does.

use super::super::{Outcome, Probe};
use super::shell::Shell;
use crate::model::Direction;
use crate::model::Reason;
use crate::profile::{self, Profile};
use std::time::Duration;

/// How long to wait for output before nudging with a carriage return, growing each time.
const NUDGE_AFTER: [Duration; 6] = [
    Duration::from_millis(800),
    Duration::from_millis(1500),
    Duration::from_secs(2),
    Duration::from_secs(3),
    Duration::from_secs(5),
    Duration::from_secs(8),
];

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let Some(session) = p.session.as_ref() else {
        return Outcome::fail(Reason::PromptClosed, "no SSH session");
    };
    let (shell, early) = match Shell::open(session).await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    p.shell = Some(shell);
    p.log_shell_output(&early);
    let chosen = match p.device.profile.as_str() {
        "auto" => None,
        name => match p.shared.profiles.get(name) {
            Some(profile) => Some(profile.name.clone()),
            None => {
                return Outcome::fail(
                    Reason::UnknownProfile,
                    format!(
                        "no platform profile named `{name}` (known: {})",
                        p.shared.profiles.names().join(", ")
                    ),
                );
            }
        },
    };
    let software = p
        .report
        .banner
        .as_ref()
        .map(|b| b.software.clone())
        .unwrap_or_default();
    let mut nudges = 0;
    let mut quiet_for = Duration::ZERO;
    // The output changes only when a chunk arrives: look for the prompt then, at once (and
    // first in what came with the shell), not on every quiet 250 ms tick.
    let mut fresh = true;
    loop {
        if std::mem::take(&mut fresh) {
            let output = p
                .shell
                .as_ref()
                .map(|s| s.text_since(0))
                .unwrap_or_default();
            if let Some(outcome) = found(p, chosen.as_deref(), &software, &output) {
                return outcome;
            }
        }
        let wait = NUDGE_AFTER[nudges.min(NUDGE_AFTER.len() - 1)];
        if quiet_for >= wait {
            quiet_for = Duration::ZERO;
            nudges += 1;
            p.transcript(Direction::Sent, "⏎");
            let sent = match p.shell.as_mut() {
                Some(shell) => shell.send("\r").await.is_ok(),
                None => false,
            };
            if !sent {
                return Outcome::fail(Reason::PromptClosed, "the device closed the shell");
            }
        }
        let chunk = match p.shell.as_mut() {
            Some(shell) => shell.next_chunk(Duration::from_millis(250)).await,
            None => return Outcome::fail(Reason::PromptClosed, "no shell"),
        };
        match chunk {
            Ok(Some(data)) => {
                quiet_for = Duration::ZERO;
                fresh = true;
                p.log_shell_output(&data);
            }
            Ok(None) => quiet_for += Duration::from_millis(250),
            Err(_) => {
                return Outcome::fail(
                    Reason::PromptClosed,
                    format!(
                        "the device closed the shell before a prompt appeared{}",
                        last_lines(p)
                    ),
                );
            }
        }
    }
}

/// The prompt at the end of `output`, by the chosen profile or by auto-detection.
fn found(p: &mut Probe<'_>, chosen: Option<&str>, software: &str, output: &str) -> Option<Outcome> {
    let (profile_name, prompt, how) = match chosen {
        Some(name) => {
            let profile = p.shared.profiles.get(name)?;
            let m = profile::find_prompt(profile, output)?;
            (profile.name.clone(), m, "as configured".to_owned())
        }
        None => {
            let d = profile::auto_detect(&p.shared.profiles, software, output)?;
            p.undecided = d.undecided;
            (d.profile, d.prompt, format!("auto: {}", d.reason))
        }
    };
    // Multi-line prompts (SR Linux, SR OS) show their context line first; the prompt proper
    // is the line the cursor rests on.
    let shown = prompt
        .prompt
        .lines()
        .last()
        .unwrap_or(&prompt.prompt)
        .trim()
        .to_owned();
    p.report.prompt = Some(shown.clone());
    p.report.privileged = prompt.privileged;
    p.report.profile = Some(format!("{profile_name} ({how})"));
    p.profile_name = Some(profile_name.clone());
    let level = match prompt.privileged {
        Some(true) => ", privileged",
        Some(false) => ", unprivileged",
        None => "",
    };
    Some(Outcome::ok(format!(
        "prompt `{shown}` ({profile_name}{level}) after {:.1}s",
        p.elapsed_ms() / 1000.0
    )))
}

/// The last lines the device printed, for timeout messages.
pub fn last_lines(p: &Probe<'_>) -> String {
    let output = p
        .shell
        .as_ref()
        .map(|s| s.text_since(0))
        .unwrap_or_default();
    let clean = profile::normalize(&output);
    let lines: Vec<&str> = clean
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return " (the device printed nothing)".into();
    }
    let tail: Vec<&str> = lines.iter().rev().take(3).rev().copied().collect();
    format!(
        "; last lines: \"{}\"",
        crate::wire::ident::clip(&tail.join(" ⏎ "), 160)
    )
}

pub fn timed_out(p: &mut Probe<'_>, limit: &str) -> Outcome {
    let detail = format!("no prompt matched within {limit}{}", last_lines(p));
    Outcome::fail(Reason::PromptTimeout, p.redactor.redact(&detail))
}

/// The profile chosen by the prompt stage.
pub fn chosen_profile<'s>(p: &'s Probe<'_>) -> Option<&'s Profile> {
    p.profile_name
        .as_deref()
        .and_then(|n| p.shared.profiles.get(n))
}
