//! Guessing the platform from the SSH identification string and what the device printed up to
//! its first prompt, for devices whose inventory does not say what they are.

use super::prompt::{PromptMatch, match_prompt};
use super::text::clean_tail;
use super::{Profile, Profiles};

/// The fallback profile, used when a prompt was found but no platform hint matched.
const GENERIC: &str = "generic";

// Weights: text in which the device names itself (MOTD, version banner) outweighs a prompt
// shape and the SSH software together, since shapes are shared (IOS/EOS/NX-OS all print "r1#")
// and so is the SSH software (OpenSSH runs on most platforms).
const OUTPUT_TEXT: u32 = 7;
const PROMPT_SHAPE: u32 = 4;
const BANNER: u32 = 2;

/// Longest excerpt of device output quoted in a reason.
const EXCERPT_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// Name of the chosen profile.
    pub profile: String,
    /// The prompt as that profile reads it.
    pub prompt: PromptMatch,
    /// Why, in words: "SSH software 'Cisco-1.25' contains 'Cisco-1.'; prompt 'r1>' has the
    /// cisco_ios shape".
    pub reason: String,
    /// Some when the generic profile was chosen for want of evidence: the platform profiles
    /// tied for the best evidence (those that fit the prompt alike or, with no evidence at all,
    /// every one that fits it), best first; possibly none. The enable stage asks whether they
    /// agree.
    pub undecided: Option<Vec<Fit>>,
}

/// A platform profile that recognises a prompt, and how it reads the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub profile: String,
    pub prompt: PromptMatch,
}

/// One profile that recognised the final prompt, with its evidence.
struct Candidate<'a> {
    profile: &'a Profile,
    prompt: PromptMatch,
    score: u32,
    reasons: Vec<String>,
}

/// Picks the profile that best explains `output` (what the shell printed, ending in a prompt)
/// and `banner_software` (the SSH identification, e.g. `Cisco-1.25` or `OpenSSH_9.2p1`). Only
/// profiles that recognise the final prompt compete. Equal evidence is settled by
/// `detect.priority`, unless the evidence is a lone prompt shape or banner: then the guess would
/// be arbitrary, and the generic profile is used instead. Returns `None` when no profile, not even
/// the generic one, sees a prompt.
pub fn auto_detect(profiles: &Profiles, banner_software: &str, output: &str) -> Option<Detection> {
    let text = clean_tail(output);
    let mut fitting: Vec<Candidate<'_>> = profiles
        .iter()
        .filter(|p| !p.name.eq_ignore_ascii_case(GENERIC))
        .filter_map(|profile| {
            let prompt = match_prompt(profile, &text)?;
            let (score, reasons) = score(profile, banner_software, &text, &prompt);
            Some(Candidate {
                profile,
                prompt,
                score,
                reasons,
            })
        })
        .collect();
    // Best first; among equals, higher priority first (the sort is stable, so name order last).
    fitting.sort_by_key(|c| std::cmp::Reverse((c.score, c.profile.detect.priority)));

    let best_score = fitting.first().map_or(0, |c| c.score);
    let tied: Vec<Fit> = fitting
        .iter()
        .take_while(|c| c.score == best_score)
        .map(Candidate::fit)
        .collect();
    let generic = || {
        fallback(profiles, &text).map(|d| Detection {
            undecided: Some(tied.clone()),
            ..d
        })
    };
    let mut ranked = fitting.into_iter().filter(|c| c.score > 0);
    let Some(best) = ranked.next() else {
        return generic();
    };
    let rivals: Vec<Candidate<'_>> = ranked.take_while(|c| c.score == best.score).collect();
    let rival_names = rivals
        .iter()
        .map(|c| c.profile.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if rivals.is_empty() {
        return Some(best.into_detection(String::new()));
    }
    if best.score < PROMPT_SHAPE + BANNER
        && let Some(mut detection) = generic()
    {
        detection.reason = format!(
            "prompt '{}' fits {} and {} alike and nothing in the banner or output tells them apart",
            shown(&detection.prompt.prompt),
            best.profile.name,
            rival_names,
        );
        return Some(detection);
    }
    let rival_priority = rivals.iter().map(|c| c.profile.detect.priority).max();
    let why = if rival_priority < Some(best.profile.detect.priority) {
        "has the higher detect.priority"
    } else {
        "comes first by name"
    };
    let tie = format!(
        "; equally consistent with {rival_names}; {} {why}",
        best.profile.name
    );
    Some(best.into_detection(tie))
}

impl Candidate<'_> {
    fn into_detection(self, suffix: String) -> Detection {
        Detection {
            profile: self.profile.name.clone(),
            prompt: self.prompt,
            reason: self.reasons.join("; ") + &suffix,
            undecided: None,
        }
    }

    fn fit(&self) -> Fit {
        Fit {
            profile: self.profile.name.clone(),
            prompt: self.prompt.clone(),
        }
    }
}

fn fallback(profiles: &Profiles, text: &str) -> Option<Detection> {
    let generic = profiles.get(GENERIC)?;
    let prompt = match_prompt(generic, text)?;
    let reason = format!(
        "no platform hint matched; prompt '{}' only has a generic shape",
        shown(&prompt.prompt)
    );
    Some(Detection {
        profile: generic.name.clone(),
        prompt,
        reason,
        undecided: None,
    })
}

fn score(profile: &Profile, banner: &str, text: &str, prompt: &PromptMatch) -> (u32, Vec<String>) {
    let hints = &profile.detect;
    let mut score = 0;
    let mut reasons = Vec::new();
    if hints.prompt.iter().any(|re| re.is_match(&prompt.prompt)) {
        score += PROMPT_SHAPE;
        reasons.push(format!(
            "prompt '{}' has the {} shape",
            shown(&prompt.prompt),
            profile.name
        ));
    }
    if let Some(m) = hints.output.iter().find_map(|re| re.find(text)) {
        score += OUTPUT_TEXT;
        reasons.push(format!("output mentions '{}'", excerpt(m.as_str())));
    }
    let banner_lower = banner.to_ascii_lowercase();
    if let Some(hint) = hints
        .banner
        .iter()
        .find(|hint| banner_lower.contains(&hint.to_ascii_lowercase()))
    {
        score += BANNER;
        reasons.push(format!(
            "SSH software '{}' contains '{hint}'",
            excerpt(banner.trim())
        ));
    }
    (score, reasons)
}

/// A prompt on one line, with its line breaks visible.
fn shown(prompt: &str) -> String {
    prompt.escape_debug().to_string()
}

fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out.escape_debug().to_string()
}
