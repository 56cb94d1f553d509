//! Platform profiles: what a platform's prompt looks like, how it enters privileged mode, which
//! commands turn paging off, which lines are errors, and how to recognise it.
//!
//! Profiles are TOML data (`profiles/platforms/*.toml`) embedded in the binary; a user directory
//! can replace one (same `name`) or add new ones. Everything else here is pure text logic.

mod agree;
mod detect;
mod error;
mod load;
mod prompt;
mod screen;
mod text;

#[cfg(test)]
mod tests;

pub use agree::{Agreement, agree};
pub use detect::{Detection, Fit, auto_detect};
pub use error::ProfileError;
pub use prompt::{EnableReply, PromptMatch, classify_enable_reply, find_error, find_prompt};
pub use text::normalize;

use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The profiles shipped in the binary, as (file name, TOML text).

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Other names users give the platform: Netmiko `device_type`, Ansible `ansible_network_os`,
    /// Containerlab kinds.
    pub aliases: Vec<String>,
    pub prompt: PromptPatterns,
    /// `None` when the platform has no enable step (Linux, Junos, SR Linux, SR OS, XR, generic).
    pub enable: Option<EnableSpec>,
    /// Set when the platform escalates with sudo (Linux): sudo's replies that end it.
    pub sudo: Option<SudoSpec>,
    /// What turns file transfer on, for the transfer check's advice (`ip scp server enable`).
    pub transfer_hint: Option<String>,
    /// Session setup commands Ansible/Netmiko send after login (paging off, terminal width), in
    /// order. Ansible aborts the connection when one is rejected.
    pub paging_off: Vec<String>,
    /// Matched against each line of a reply; a match means the command failed.
    pub errors: Vec<Regex>,
    pub detect: DetectHints,
    pub origin: Origin,
}

/// Prompt regexes, compiled so that they only match a whole last line (or lines) of output.
#[derive(Debug, Clone)]
pub struct PromptPatterns {
    pub unprivileged: Vec<Regex>,
    /// Privileged exec and configuration modes.
    pub privileged: Vec<Regex>,
    /// Prompts of platforms without privilege levels.
    pub plain: Vec<Regex>,
}

#[derive(Debug, Clone)]
pub struct EnableSpec {
    pub command: String,
    /// Compiled to match only at the end of the output.
    pub password_prompt: Regex,
}

/// How sudo's answers to a validation read: each matched against one line of its reply.
#[derive(Debug, Clone)]
pub struct SudoSpec {
    /// The password was wrong (`Sorry, try again.`).
    pub bad_secret: Vec<Regex>,
    /// The account may not use sudo at all (`… is not in the sudoers file`).
    pub not_allowed: Vec<Regex>,
}

/// Evidence that points at this platform during auto-detection.
#[derive(Debug, Clone, Default)]
pub struct DetectHints {
    /// Breaks ties between profiles with equal evidence.
    pub priority: i32,
    /// Case-insensitive substrings of the SSH identification's software part.
    pub banner: Vec<String>,
    /// Searched in the output before and including the prompt (MOTD, version text).
    pub output: Vec<Regex>,
    /// Matched against the found prompt text; only shapes distinctive to this platform.
    pub prompt: Vec<Regex>,
}

/// Where a profile came from, so reports can say which file to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    File(PathBuf),
}

impl Origin {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::Embedded => None,
            Origin::File(path) => Some(path),
        }
    }
}

/// Where users put their own platform profiles: `$XDG_CONFIG_HOME/sshtriage/profiles` or
/// `~/.config/sshtriage/profiles`.
pub fn user_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("sshtriage").join("profiles"))
}

/// All known profiles, ordered by name.
#[derive(Debug, Clone)]
pub struct Profiles {
    list: Vec<Profile>,
}

impl Profiles {
    /// The profiles shipped in the binary. Parsed once per process: compiling their regexes is
    /// the costly part, and clones share the compiled programs.
    pub fn embedded() -> Profiles {
        static PARSED: LazyLock<Profiles> = LazyLock::new(|| {
            let list = crate::embedded::PLATFORM_PROFILE_FILES
                .iter()
                .map(|(file, source)| {
                    load::parse_profile(Path::new(file), source, Origin::Embedded)
                        .expect("embedded profiles are valid (checked by tests)")
                })
                .collect();
            Profiles::sorted(list)
        });
        PARSED.clone()
    }

    /// The embedded profiles, with those in `dir` (`*.toml`, one profile per file) replacing
    /// same-named ones and adding new ones. A missing directory adds nothing.
    pub fn with_user_dir(dir: Option<&Path>) -> Result<Profiles, ProfileError> {
        let mut profiles = Profiles::embedded();
        let Some(dir) = dir else {
            return Ok(profiles);
        };
        for user in load::read_dir(dir)? {
            profiles
                .list
                .retain(|p| !p.name.eq_ignore_ascii_case(&user.name));
            profiles.list.push(user);
        }
        Ok(Profiles::sorted(profiles.list))
    }

    /// The embedded profiles with the user's own (see [`user_dir`]).
    pub fn for_user() -> Result<Profiles, ProfileError> {
        Profiles::with_user_dir(user_dir().as_deref())
    }

    fn sorted(mut list: Vec<Profile>) -> Profiles {
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Profiles { list }
    }

    /// Looks a profile up by name, then by alias, ignoring case. User profiles' aliases win over
    /// embedded ones, so a user can claim e.g. `ios` for their own profile.
    pub fn get(&self, name_or_alias: &str) -> Option<&Profile> {
        let wanted = name_or_alias.trim();
        let has_alias = |p: &&Profile| p.aliases.iter().any(|a| a.eq_ignore_ascii_case(wanted));
        self.list
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(wanted))
            .or_else(|| {
                self.list
                    .iter()
                    .filter(|p| p.origin != Origin::Embedded)
                    .find(has_alias)
            })
            .or_else(|| self.list.iter().find(has_alias))
    }

    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.name.as_str()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.list.iter()
    }
}
