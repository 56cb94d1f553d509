//! Whether the platform profiles a prompt fits alike agree on the enable step, so that an
//! undecided auto-detection can still enter enable mode when the choice would not matter.

use super::detect::Fit;
use super::{Profile, Profiles};

/// What the candidate profiles say about entering enable mode from the prompt they all fit.
#[derive(Debug, Clone)]
pub enum Agreement {
    /// Every candidate reads the prompt as privileged already.
    Privileged,
    /// Every candidate reads it as unprivileged and enters enable mode the same way (command,
    /// password prompt, privileged prompt): this profile does it. It is the first candidate
    /// with every candidate's error lines, so a refusal any of them knows is recognised.
    Enable(Box<Profile>),
    /// None of them has an enable step, or privilege levels in its prompt.
    NoEnable,
    /// They differ, or there are none: why, in words.
    Disagree(String),
}

/// Compares `candidates` (see `Detection::undecided`) by what decides the enable step.
pub fn agree(profiles: &Profiles, candidates: &[Fit]) -> Agreement {
    let found: Vec<(&Profile, &Fit)> = candidates
        .iter()
        .filter_map(|fit| profiles.get(&fit.profile).map(|p| (p, fit)))
        .collect();
    let Some(&(first, first_fit)) = found.first() else {
        return Agreement::Disagree("no platform profile recognises the prompt".into());
    };
    if let Some(why) = differ(&found, "read the prompt", |_, fit| level(fit)) {
        return Agreement::Disagree(why);
    }
    match first_fit.prompt.privileged {
        Some(true) => return Agreement::Privileged,
        None => return Agreement::NoEnable,
        Some(false) => {}
    }
    let checks: [(&str, Answer); 3] = [
        ("enter enable mode with", |p| match &p.enable {
            Some(e) => format!("`{}`", e.command),
            None => "no enable step".into(),
        }),
        ("expect the enable password prompt", |p| match &p.enable {
            Some(e) => format!("/{}/", e.password_prompt.as_str()),
            None => "none".into(),
        }),
        ("expect the privileged prompt", |p| {
            let shapes: Vec<&str> = p.prompt.privileged.iter().map(|r| r.as_str()).collect();
            format!("/{}/", shapes.join("/ or /"))
        }),
    ];
    for (what, key) in checks {
        if let Some(why) = differ(&found, what, |p, _| key(p)) {
            return Agreement::Disagree(why);
        }
    }
    if first.enable.is_none() {
        return Agreement::NoEnable;
    }
    let mut merged = first.clone();
    for (other, _) in &found[1..] {
        for re in &other.errors {
            if !merged.errors.iter().any(|e| e.as_str() == re.as_str()) {
                merged.errors.push(re.clone());
            }
        }
    }
    Agreement::Enable(Box::new(merged))
}

/// One profile's answer to a question the candidates must agree on.
type Answer = fn(&Profile) -> String;

fn level(fit: &Fit) -> String {
    match fit.prompt.privileged {
        Some(true) => "as privileged".into(),
        Some(false) => "as unprivileged".into(),
        None => "without privilege levels".into(),
    }
}

/// "cisco_ios and arista_eos enter enable mode with `enable`, acme_os with `super`", or None
/// when every candidate gives the same answer.
fn differ(
    found: &[(&Profile, &Fit)],
    what: &str,
    key: impl Fn(&Profile, &Fit) -> String,
) -> Option<String> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (profile, fit) in found {
        let answer = key(profile, fit);
        match groups.iter_mut().find(|(a, _)| *a == answer) {
            Some((_, names)) => names.push(&profile.name),
            None => groups.push((answer, vec![&profile.name])),
        }
    }
    if groups.len() < 2 {
        return None;
    }
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (answer, names))| {
            let verb = if i == 0 {
                format!(" {what}")
            } else {
                String::new()
            };
            format!("{}{verb} {answer}", names.join(" and "))
        })
        .collect();
    Some(parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::auto_detect;

    const ACME: &str = r#"
name = "acme_os"
description = "A platform with an IOS-shaped prompt and another enable command"
[prompt]
unprivileged = ['[A-Za-z0-9][\w.\-]*>']
privileged = ['[A-Za-z0-9][\w.\-]*#']
[enable]
command = "super"
password_prompt = '(?i)password: ?'
[detect]
prompt = ['^[A-Za-z0-9][\w.\-]*[>#]$']
"#;

    fn with_acme() -> (tempfile::TempDir, Profiles) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("acme.toml"), ACME).expect("write");
        let all = Profiles::with_user_dir(Some(dir.path())).expect("loads");
        (dir, all)
    }

    fn candidates(profiles: &Profiles, output: &str) -> Vec<Fit> {
        let d = auto_detect(profiles, "RomSShell_4.62", output).expect("a prompt");
        assert_eq!(d.profile, "generic", "{}", d.reason);
        d.undecided.expect("undecided")
    }

    #[test]
    fn ios_and_eos_share_their_enable_step() {
        let all = Profiles::embedded();
        let fits = candidates(&all, "\r\nr1>");
        let names: Vec<&str> = fits.iter().map(|f| f.profile.as_str()).collect();
        assert_eq!(names, ["cisco_ios", "arista_eos"]);
        match agree(&all, &fits) {
            Agreement::Enable(p) => {
                assert_eq!(p.name, "cisco_ios");
                assert_eq!(
                    p.enable.as_ref().map(|e| e.command.as_str()),
                    Some("enable")
                );
                // EOS's own refusal is recognised too.
                assert!(
                    p.errors
                        .iter()
                        .any(|e| e.is_match("% Authorization denied"))
                );
            }
            other => panic!("expected a shared enable step, got {other:?}"),
        }
        let privileged = candidates(&all, "\r\nr1#");
        assert!(matches!(agree(&all, &privileged), Agreement::Privileged));
    }

    #[test]
    fn another_enable_command_is_a_disagreement_that_names_both() {
        let (_dir, all) = with_acme();
        let fits = candidates(&all, "\r\nr1>");
        match agree(&all, &fits) {
            Agreement::Disagree(why) => assert_eq!(
                why,
                "cisco_ios and arista_eos enter enable mode with `enable`, acme_os `super`"
            ),
            other => panic!("expected a disagreement, got {other:?}"),
        }
    }

    #[test]
    fn no_candidates_is_a_disagreement() {
        let all = Profiles::embedded();
        let fits = candidates(&all, "\r\n[admin@MikroTik] > ");
        assert!(fits.is_empty());
        assert!(matches!(agree(&all, &fits), Agreement::Disagree(_)));
    }
}
