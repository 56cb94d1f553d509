//! `~/.ssh/config` semantics for a device: Host patterns with negation, Match (`all`, `host`,
//! `originalhost`, `user`, `localuser`; others are reported and never match), first value
//! wins, Include (relative to ~/.ssh, globs, nested up to 16 deep), and the options that
//! change how a connection is made. Each resolved value carries its file:line.
//!
//! A focused parser rather than a crate: the available ones do not keep each value's line,
//! and the triage report must say which line to fix.

mod args;
mod include;
mod lexer;
mod settings;

pub use settings::{HostSettings, Setting};

pub(crate) use args::settings_from_args;
pub(crate) use lexer::{split_line, split_words};
pub(crate) use settings::Tokens;

use super::read::{located, read_text};
use super::{Provenance, ValueSource};
use crate::algorithms::allowlist::wildcard_match;
use crate::device::{Device, SettingVia};
use crate::sources::SourceError;
use settings::{Value, parse_value};
use std::path::{Path, PathBuf};

/// OpenSSH's limit on nested Include.
const MAX_INCLUDE_DEPTH: usize = 16;
/// Bounds what a glob in an Include can pull in.
const MAX_FILES: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Criterion {
    All,
    Host(String),
    OriginalHost(String),
    User(String),
    LocalUser(String),
    /// exec, canonical, final, localnetwork, …: not evaluated, so never true.
    Unsupported(String),
}

#[derive(Debug, Clone)]
enum Entry {
    /// `Host` patterns: (negated, pattern).
    Host(Vec<(bool, String)>),
    Match(Vec<(bool, Criterion)>),
    Set(Value, ValueSource),
    Include(Vec<ConfigFile>),
}

#[derive(Debug, Clone)]
struct ConfigFile {
    entries: Vec<Entry>,
}

/// A parsed ssh_config with everything it includes.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// The file read (its Includes are inside `root`).
    pub path: PathBuf,
    root: ConfigFile,
    home: Option<String>,
    local_user: String,
    /// Problems that do not stop ssh either (unsupported Match criteria, empty Includes).
    pub warnings: Vec<String>,
}

/// Where relative Include paths point and what `~` means.
struct Loader {
    include_dir: PathBuf,
    home: Option<String>,
    files: usize,
    warnings: Vec<String>,
}

impl SshConfig {
    /// Reads a user config; relative Include paths are looked up in ~/.ssh (in /etc/ssh for a
    /// file under /etc/ssh), as ssh does.
    pub fn load(path: &Path) -> Result<SshConfig, SourceError> {
        let home = std::env::var("HOME").ok();
        let include_dir = include_dir_for(path, home.as_deref());
        SshConfig::load_with(path, &include_dir, home.as_deref())
    }

    /// As `load`, with relative Include paths resolved against `include_dir`.
    pub fn load_with(
        path: &Path,
        include_dir: &Path,
        home: Option<&str>,
    ) -> Result<SshConfig, SourceError> {
        let mut loader = Loader {
            include_dir: include_dir.to_owned(),
            home: home.map(str::to_owned),
            files: 0,
            warnings: Vec::new(),
        };
        let root = loader.file(path, 0)?;
        Ok(loader.finish(path, root))
    }

    /// As `load_with`, for text that is not (or not yet) the file at `path`: an editor checks
    /// what its new text would mean before writing it. Included files are read from disk.
    pub fn parse_str(
        path: &Path,
        text: &str,
        include_dir: &Path,
        home: Option<&str>,
    ) -> Result<SshConfig, SourceError> {
        let mut loader = Loader {
            include_dir: include_dir.to_owned(),
            home: home.map(str::to_owned),
            files: 1,
            warnings: Vec::new(),
        };
        let root = loader.entries(path, text, 0)?;
        Ok(loader.finish(path, root))
    }

    /// True when a `Host` line names `name` literally (no wildcard, not negated), in this file
    /// or one it includes: `ssh NAME` then means that block.
    pub fn names_host(&self, name: &str) -> bool {
        fn walk(file: &ConfigFile, name: &str) -> bool {
            file.entries.iter().any(|entry| match entry {
                Entry::Host(patterns) => patterns
                    .iter()
                    .any(|(negated, p)| !negated && p.eq_ignore_ascii_case(name)),
                Entry::Include(files) => files.iter().any(|f| walk(f, name)),
                _ => false,
            })
        }
        !name.contains(['*', '?']) && walk(&self.root, name)
    }

    /// What ssh would use to connect to `host` (the name given on its command line).
    pub fn resolve(&self, host: &str) -> HostSettings {
        self.resolve_as(host, None)
    }

    /// As `resolve`, with the remote user the inventory names (for `Match user`, `%r`).
    pub fn resolve_as(&self, host: &str, user: Option<&str>) -> HostSettings {
        // ssh lower-cases the name for tokens and `Match`, but compares `Host` patterns with
        // the name as given, case-sensitively (`ssh -G R1` ignores `Host r1`; ssh 9.2).
        let original = host.to_ascii_lowercase();
        let tokens = Tokens {
            original_host: &original,
            home: self.home.as_deref(),
            local_user: &self.local_user,
        };
        let mut walk = Walk {
            tokens: &tokens,
            given_host: host,
            user,
            settings: HostSettings::default(),
        };
        let mut active = true;
        walk.file(&self.root, &mut active, false);
        let mut settings = walk.settings;
        settings.finish(&tokens, user);
        settings
    }

    /// Fills `device` from the config for its host: the host name always (it resolves an
    /// alias), other values only where the inventory set none. Returns notes for the user.
    pub fn apply(&self, device: &mut Device, prov: &mut Provenance) -> Vec<String> {
        self.resolve_as(&device.host, device.username.as_deref())
            .apply_to(device, prov, SettingVia::SshConfig)
    }
}

/// Where ssh looks up a relative Include of the config at `path`: ~/.ssh, or /etc/ssh for a
/// file under /etc/ssh.
pub fn include_dir_for(path: &Path, home: Option<&str>) -> PathBuf {
    if path.starts_with("/etc/ssh") {
        PathBuf::from("/etc/ssh")
    } else {
        match home {
            Some(h) => Path::new(h).join(".ssh"),
            None => path.parent().unwrap_or(Path::new(".")).to_owned(),
        }
    }
}

impl Loader {
    fn finish(self, path: &Path, root: ConfigFile) -> SshConfig {
        SshConfig {
            path: path.to_owned(),
            root,
            home: self.home,
            local_user: std::env::var("USER").unwrap_or_else(|_| "root".into()),
            warnings: self.warnings,
        }
    }

    fn file(&mut self, path: &Path, depth: usize) -> Result<ConfigFile, SourceError> {
        self.files += 1;
        if self.files > MAX_FILES {
            return Err(located(
                path,
                0,
                "Include",
                format!("more than {MAX_FILES} files included"),
            ));
        }
        let text = read_text(path)?;
        self.entries(path, &text, depth)
    }

    fn entries(
        &mut self,
        path: &Path,
        text: &str,
        depth: usize,
    ) -> Result<ConfigFile, SourceError> {
        let mut entries = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |message: String| {
                let key = raw.split_whitespace().next().unwrap_or("").to_owned();
                located(path, line, &key, message)
            };
            let Some((keyword, args)) = lexer::split_line(raw).map_err(fail)? else {
                continue;
            };
            let entry = match keyword.as_str() {
                "host" => Entry::Host(host_patterns(&args).map_err(fail)?),
                "match" => {
                    let criteria = match_criteria(&args).map_err(fail)?;
                    for (_, c) in &criteria {
                        if let Criterion::Unsupported(name) = c {
                            self.warnings.push(format!(
                                "{}:{line}: `Match {name}` is not evaluated by sshtriage; \
                                 the block never applies",
                                path.display()
                            ));
                        }
                    }
                    Entry::Match(criteria)
                }
                "include" => {
                    if depth + 1 > MAX_INCLUDE_DEPTH {
                        return Err(fail(format!(
                            "Include nested more than {MAX_INCLUDE_DEPTH} deep"
                        )));
                    }
                    let mut files = Vec::new();
                    for pattern in &args {
                        let found =
                            include::expand(pattern, &self.include_dir, self.home.as_deref());
                        if found.is_empty() {
                            self.warnings.push(format!(
                                "{}:{line}: Include `{pattern}` matches no file",
                                path.display()
                            ));
                        }
                        for f in found {
                            files.push(self.file(&f, depth + 1)?);
                        }
                    }
                    Entry::Include(files)
                }
                _ => match parse_value(&keyword, &args).map_err(fail)? {
                    Some(value) => Entry::Set(value, ValueSource::file(path, line)),
                    None => continue,
                },
            };
            entries.push(entry);
        }
        Ok(ConfigFile { entries })
    }
}

fn host_patterns(args: &[String]) -> Result<Vec<(bool, String)>, String> {
    if args.is_empty() {
        return Err("Host: missing pattern".into());
    }
    Ok(args
        .iter()
        .map(|a| match a.strip_prefix('!') {
            Some(p) => (true, p.to_owned()),
            None => (false, a.clone()),
        })
        .collect())
}

fn match_criteria(args: &[String]) -> Result<Vec<(bool, Criterion)>, String> {
    let mut out = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let (negated, name) = match word.strip_prefix('!') {
            Some(n) => (true, n.to_ascii_lowercase()),
            None => (false, word.to_ascii_lowercase()),
        };
        let criterion = match name.as_str() {
            "all" => Criterion::All,
            "canonical" | "final" => Criterion::Unsupported(name.clone()),
            _ => {
                let arg = words
                    .next()
                    .ok_or_else(|| format!("Match {name}: missing argument"))?
                    .clone();
                match name.as_str() {
                    "host" => Criterion::Host(arg),
                    "originalhost" => Criterion::OriginalHost(arg),
                    "user" => Criterion::User(arg),
                    "localuser" => Criterion::LocalUser(arg),
                    "exec" | "localnetwork" | "tagged" | "version" | "sessiontype" | "command"
                    | "address" | "localaddress" | "localport" | "rdomain" => {
                        Criterion::Unsupported(format!("{name} {arg}"))
                    }
                    _ => return Err(format!("Match: unsupported attribute `{name}`")),
                }
            }
        };
        out.push((negated, criterion));
    }
    if out.is_empty() {
        return Err("Match: missing criteria".into());
    }
    Ok(out)
}

/// OpenSSH's pattern lists: comma-separated, `!` negates, a negated match wins.
fn match_list(text: &str, list: &str) -> bool {
    let mut matched = false;
    for pattern in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        if wildcard_match(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase()) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

struct Walk<'a> {
    tokens: &'a Tokens<'a>,
    /// The name as given to ssh, for `Host` lines.
    given_host: &'a str,
    user: Option<&'a str>,
    settings: HostSettings,
}

impl Walk<'_> {
    fn file(&mut self, file: &ConfigFile, active: &mut bool, never_match: bool) {
        for entry in &file.entries {
            match entry {
                Entry::Host(patterns) => *active = !never_match && self.host_matches(patterns),
                Entry::Match(criteria) => *active = !never_match && self.criteria_match(criteria),
                Entry::Set(value, source) => {
                    if *active {
                        self.settings.take(value, source, self.tokens);
                    }
                }
                Entry::Include(files) => {
                    // Lines included from an inactive block never apply, even under their own
                    // Host lines; activity is restored after the Include.
                    let saved = *active;
                    for f in files {
                        self.file(f, active, never_match || !saved);
                    }
                    *active = saved;
                }
            }
        }
    }

    fn host_matches(&self, patterns: &[(bool, String)]) -> bool {
        let host = self.given_host;
        let mut matched = false;
        for (negated, pattern) in patterns {
            if wildcard_match(pattern, host) {
                if *negated {
                    return false;
                }
                matched = true;
            }
        }
        matched
    }

    fn criteria_match(&self, criteria: &[(bool, Criterion)]) -> bool {
        criteria.iter().all(|(negated, criterion)| {
            let result = match criterion {
                Criterion::All => true,
                Criterion::Unsupported(_) => return false,
                Criterion::Host(list) => {
                    let current = self
                        .settings
                        .hostname
                        .as_ref()
                        .map(|h| h.value.as_str())
                        .unwrap_or(self.tokens.original_host);
                    match_list(current, list)
                }
                Criterion::OriginalHost(list) => match_list(self.tokens.original_host, list),
                Criterion::User(list) => {
                    let user = self
                        .settings
                        .user
                        .as_ref()
                        .map(|u| u.value.as_str())
                        .or(self.user)
                        .unwrap_or(self.tokens.local_user);
                    match_list(user, list)
                }
                Criterion::LocalUser(list) => match_list(self.tokens.local_user, list),
            };
            result != *negated
        })
    }
}

#[cfg(test)]
mod tests;
