//! Reading profile TOML: schema, validation, regex compilation, and the user directory.

use super::error::{ProfileError, key_at};
use super::{DetectHints, EnableSpec, Origin, Profile, PromptPatterns, SudoSpec};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// A profile is a few dozen lines; anything far larger is a mistake or hostile.
const MAX_FILE_BYTES: u64 = 256 * 1024;
/// Bounds how much a crowded directory can cost at startup.
const MAX_FILES: usize = 256;
/// Compiled-size cap for user regexes, so one pattern cannot take the process's memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Spanned<String>,
    description: String,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    paging_off: Vec<Spanned<String>>,
    #[serde(default)]
    errors: Vec<Spanned<String>>,
    prompt: Spanned<RawPrompt>,
    enable: Option<RawEnable>,
    sudo: Option<RawSudo>,
    transfer: Option<RawTransfer>,
    #[serde(default)]
    detect: RawDetect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSudo {
    bad_secret: Vec<Spanned<String>>,
    not_allowed: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransfer {
    hint: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    #[serde(default)]
    unprivileged: Vec<Spanned<String>>,
    #[serde(default)]
    privileged: Vec<Spanned<String>>,
    #[serde(default)]
    plain: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnable {
    command: Spanned<String>,
    password_prompt: Spanned<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDetect {
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    banner: Vec<String>,
    #[serde(default)]
    output: Vec<Spanned<String>>,
    #[serde(default)]
    prompt: Vec<Spanned<String>>,
}

/// How a data regex is anchored before use.
#[derive(Clone, Copy)]
enum Anchor {
    /// As written (error and hint patterns search within a line or the output).
    None,
    /// Must end the text: `(?:pat)\z`.
    End,
    /// Must start a line and end the text: a prompt is the whole last line(s).
    Prompt,
}

/// Parses and validates one profile file's text. `file` is only used in error messages.
pub(crate) fn parse_profile(
    file: &Path,
    source: &str,
    origin: Origin,
) -> Result<Profile, ProfileError> {
    let ctx = Ctx { file, source };
    let raw: RawProfile = toml::from_str(source).map_err(|e| ctx.toml_error(&e))?;
    let prompt = ctx.prompt(raw.prompt)?;
    let enable = match raw.enable {
        Some(e) => Some(ctx.enable(e, &prompt)?),
        None => None,
    };
    Ok(Profile {
        name: ctx.name(&raw.name)?,
        description: raw.description,
        aliases: ctx.aliases(&raw.aliases)?,
        paging_off: ctx.lines(&raw.paging_off, "paging_off")?,
        errors: ctx.regexes(&raw.errors, "errors", Anchor::None)?,
        prompt,
        enable,
        sudo: match raw.sudo {
            Some(sudo) => Some(SudoSpec {
                bad_secret: ctx.regexes(&sudo.bad_secret, "sudo.bad_secret", Anchor::None)?,
                not_allowed: ctx.regexes(&sudo.not_allowed, "sudo.not_allowed", Anchor::None)?,
            }),
            None => None,
        },
        transfer_hint: match &raw.transfer {
            Some(t) => Some(ctx.single_line(&t.hint, "transfer.hint")?),
            None => None,
        },
        detect: ctx.detect(raw.detect)?,
        origin,
    })
}

/// Reads every `*.toml` in `dir`, in name order. A missing directory holds no profiles.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<Profile>, ProfileError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ProfileError::ReadDir {
                dir: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| ProfileError::ReadDir {
                dir: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            files.push(path);
            if files.len() > MAX_FILES {
                return Err(ProfileError::TooManyFiles {
                    dir: dir.to_path_buf(),
                    limit: MAX_FILES,
                });
            }
        }
    }
    files.sort();

    let mut profiles: Vec<Profile> = Vec::new();
    for file in files {
        let source = read_bounded(&file)?;
        let profile = parse_profile(&file, &source, Origin::File(file.clone()))?;
        if let Some(first) = profiles
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(&profile.name))
        {
            return Err(ProfileError::Duplicate {
                name: profile.name,
                first: first.origin.path().unwrap_or(&file).to_path_buf(),
                second: file,
            });
        }
        profiles.push(profile);
    }
    Ok(profiles)
}

fn read_bounded(file: &Path) -> Result<String, ProfileError> {
    let bytes = crate::files::read_bounded(file, MAX_FILE_BYTES).map_err(|e| match e {
        crate::files::ReadError::TooLarge { path, limit } => {
            ProfileError::TooLarge { file: path, limit }
        }
        e => ProfileError::Read(e),
    })?;
    String::from_utf8(bytes).map_err(|e| ProfileError::Invalid {
        file: file.to_path_buf(),
        line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
        key: String::new(),
        message: "file is not valid UTF-8".to_string(),
    })
}

/// The file being parsed, for turning byte offsets into line numbers and key names.
struct Ctx<'a> {
    file: &'a Path,
    source: &'a str,
}

impl Ctx<'_> {
    fn name(&self, name: &Spanned<String>) -> Result<String, ProfileError> {
        let text = name.get_ref().trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
        if text.is_empty() || !text.chars().all(allowed) {
            return Err(self.invalid(
                name.span().start,
                "name",
                "must be non-empty and use only letters, digits, '_', '-' and '.'",
            ));
        }
        Ok(text.to_string())
    }

    fn aliases(&self, aliases: &[Spanned<String>]) -> Result<Vec<String>, ProfileError> {
        let mut out = Vec::with_capacity(aliases.len());
        for (i, alias) in aliases.iter().enumerate() {
            let text = alias.get_ref().trim();
            if text.is_empty() {
                let key = format!("aliases[{i}]");
                return Err(self.invalid(alias.span().start, &key, "must not be empty"));
            }
            out.push(text.to_string());
        }
        Ok(out)
    }

    fn lines(&self, values: &[Spanned<String>], key: &str) -> Result<Vec<String>, ProfileError> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.single_line(v, &format!("{key}[{i}]")))
            .collect()
    }

    fn prompt(&self, raw: Spanned<RawPrompt>) -> Result<PromptPatterns, ProfileError> {
        let start = raw.span().start;
        let raw = raw.into_inner();
        let prompt = PromptPatterns {
            unprivileged: self.regexes(&raw.unprivileged, "prompt.unprivileged", Anchor::Prompt)?,
            privileged: self.regexes(&raw.privileged, "prompt.privileged", Anchor::Prompt)?,
            plain: self.regexes(&raw.plain, "prompt.plain", Anchor::Prompt)?,
        };
        if prompt.unprivileged.is_empty() && prompt.privileged.is_empty() && prompt.plain.is_empty()
        {
            return Err(self.invalid(
                start,
                "prompt",
                "needs at least one pattern in unprivileged, privileged or plain",
            ));
        }
        Ok(prompt)
    }

    fn enable(&self, raw: RawEnable, prompt: &PromptPatterns) -> Result<EnableSpec, ProfileError> {
        if prompt.privileged.is_empty() {
            return Err(self.invalid(
                raw.command.span().start,
                "enable",
                "an enable spec needs prompt.privileged patterns to recognise success",
            ));
        }
        Ok(EnableSpec {
            command: self.single_line(&raw.command, "enable.command")?,
            password_prompt: self.regex(
                &raw.password_prompt,
                "enable.password_prompt",
                Anchor::End,
            )?,
        })
    }

    fn detect(&self, raw: RawDetect) -> Result<DetectHints, ProfileError> {
        Ok(DetectHints {
            priority: raw.priority,
            banner: raw
                .banner
                .into_iter()
                .filter(|b| !b.trim().is_empty())
                .collect(),
            output: self.regexes(&raw.output, "detect.output", Anchor::None)?,
            prompt: self.regexes(&raw.prompt, "detect.prompt", Anchor::None)?,
        })
    }

    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        1 + self.source.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
    }

    fn invalid(&self, offset: usize, key: &str, message: &str) -> ProfileError {
        ProfileError::Invalid {
            file: self.file.to_path_buf(),
            line: self.line_of(offset),
            key: key.to_string(),
            message: message.to_string(),
        }
    }

    fn toml_error(&self, err: &toml::de::Error) -> ProfileError {
        let offset = err.span().map(|s| s.start).unwrap_or(0);
        ProfileError::Invalid {
            file: self.file.to_path_buf(),
            line: self.line_of(offset),
            key: key_at(
                self.source,
                offset,
                err.message().starts_with("missing field"),
            ),
            message: err.message().trim().to_string(),
        }
    }

    fn single_line(&self, value: &Spanned<String>, key: &str) -> Result<String, ProfileError> {
        let text = value.get_ref().trim();
        if text.is_empty() || text.contains(['\n', '\r']) {
            return Err(self.invalid(value.span().start, key, "must be one non-empty line"));
        }
        Ok(text.to_string())
    }

    fn regexes(
        &self,
        patterns: &[Spanned<String>],
        key: &str,
        anchor: Anchor,
    ) -> Result<Vec<Regex>, ProfileError> {
        patterns
            .iter()
            .enumerate()
            .map(|(i, p)| self.regex(p, &format!("{key}[{i}]"), anchor))
            .collect()
    }

    fn regex(
        &self,
        pattern: &Spanned<String>,
        key: &str,
        anchor: Anchor,
    ) -> Result<Regex, ProfileError> {
        let pat = pattern.get_ref();
        let fail = |e: regex::Error| {
            self.invalid(pattern.span().start, key, &format!("invalid regex: {e}"))
        };
        // A wrapped pattern must also stand alone, or a stray ')' could close the anchor group
        // early and change what it means.
        if !matches!(anchor, Anchor::None) {
            build(pat).map_err(fail)?;
        }
        match anchor {
            Anchor::None => build(pat),
            Anchor::End => build(&format!(r"(?:{pat})\z")),
            Anchor::Prompt => build(&format!(r"(?:\A|\n)[ \t]*(?:{pat})\z")),
        }
        .map_err(fail)
    }
}

fn build(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}
