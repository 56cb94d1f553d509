//! Behaviour of the shipped profiles against realistic device output, and of user overrides.

mod platforms;
mod user_dir;

use super::*;

fn profiles() -> Profiles {
    Profiles::embedded()
}

fn prompt_of(platform: &str, output: &str) -> Option<PromptMatch> {
    let all = profiles();
    let profile = all.get(platform).expect("profile exists");
    find_prompt(profile, output)
}

/// Asserts `output` ends in `expected` prompt text with the given privilege.
fn assert_prompt(platform: &str, output: &str, expected: &str, privileged: Option<bool>) {
    let m = prompt_of(platform, output)
        .unwrap_or_else(|| panic!("{platform}: no prompt found in {output:?}"));
    assert_eq!(m.prompt, expected, "{platform}: prompt text for {output:?}");
    assert_eq!(
        m.privileged, privileged,
        "{platform}: privilege for {output:?}"
    );
}

fn assert_no_prompt(platform: &str, output: &str) {
    assert_eq!(
        prompt_of(platform, output),
        None,
        "{platform}: {output:?} is not a prompt"
    );
}
