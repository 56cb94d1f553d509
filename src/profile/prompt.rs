//! Recognising a platform's prompt at the end of output, and reading the reply to `enable`.
//! Pure functions over text: nothing here touches the network or logs what it sees.

use super::Profile;
use super::text::clean_tail;

/// The prompt that ends some output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptMatch {
    /// The prompt text, trimmed. Multi-line prompts (SR Linux, SR OS MD-CLI, Junos `{master:0}`)
    /// keep their `\n`.
    pub prompt: String,
    /// `Some(true)` privileged (or config mode), `Some(false)` unprivileged, `None` when the
    /// platform has no privilege levels in its prompt (Linux, Junos, SR Linux, SR OS, XR).
    pub privileged: Option<bool>,
}

/// What the device said after the enable command was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnableReply {
    /// It asks for the enable secret. If the secret was already sent, a new prompt for it means
    /// the secret was refused (IOS asks three times before `% Bad secrets`).
    PasswordPrompt,
    Privileged(PromptMatch),
    /// Back at an unprivileged prompt without an error line (e.g. wrong level configured).
    StillUnprivileged(PromptMatch),
    /// The line of an error message, such as `% Access denied` or `% Bad secrets`.
    Error(String),
    /// Nothing conclusive yet: keep reading.
    Pending,
}

/// Finds `profile`'s prompt at the very end of `output` (trailing blanks ignored; the end is the
/// line the cursor rests on, so toolbars drawn below it do not count). Only the last 16 KiB are
/// examined. Privileged patterns are tried first, then unprivileged, then plain ones.
pub fn find_prompt(profile: &Profile, output: &str) -> Option<PromptMatch> {
    match_prompt(profile, &clean_tail(output))
}

/// Classifies `output_since_enable`, everything received since the enable command was written.
/// An error line wins over a prompt that follows it, because it says why enable failed.
pub fn classify_enable_reply(profile: &Profile, output_since_enable: &str) -> EnableReply {
    let text = clean_tail(output_since_enable);
    if let Some(spec) = &profile.enable
        && spec.password_prompt.is_match(&text)
    {
        return EnableReply::PasswordPrompt;
    }
    if let Some(line) = error_line(profile, &text) {
        return EnableReply::Error(line);
    }
    match match_prompt(profile, &text) {
        Some(m) if m.privileged == Some(false) => EnableReply::StillUnprivileged(m),
        // No privilege levels means nothing further to gain: treat as privileged.
        Some(m) => EnableReply::Privileged(m),
        None => EnableReply::Pending,
    }
}

/// The first line of `output` that matches one of `profile`'s error patterns, trimmed (for
/// replies to paging-off commands and the like).
pub fn find_error(profile: &Profile, output: &str) -> Option<String> {
    error_line(profile, &clean_tail(output))
}

pub(crate) fn match_prompt(profile: &Profile, text: &str) -> Option<PromptMatch> {
    let p = &profile.prompt;
    let levels = [
        (Some(true), &p.privileged),
        (Some(false), &p.unprivileged),
        (None, &p.plain),
    ];
    levels.into_iter().find_map(|(privileged, patterns)| {
        patterns.iter().find_map(|re| {
            re.find(text).map(|m| PromptMatch {
                prompt: m.as_str().trim().to_string(),
                privileged,
            })
        })
    })
}

fn error_line(profile: &Profile, text: &str) -> Option<String> {
    text.lines()
        .find(|line| profile.errors.iter().any(|re| re.is_match(line)))
        .map(|line| line.trim().to_string())
}
