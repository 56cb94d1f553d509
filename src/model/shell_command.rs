//! A command printed as advice. It is kept as words and shown quoted for a POSIX shell, so
//! that pasted as printed it runs with exactly these words (a `[v6]:port` or a path with a
//! space survives); JSON carries the same text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    words: Vec<String>,
}

impl ShellCommand {
    /// `sshtriage` with these words after it.
    pub fn sshtriage<S: Into<String>>(words: impl IntoIterator<Item = S>) -> ShellCommand {
        ShellCommand {
            words: std::iter::once("sshtriage".to_owned())
                .chain(words.into_iter().map(Into::into))
                .collect(),
        }
    }

    pub fn arg(mut self, word: impl Into<String>) -> ShellCommand {
        self.words.push(word.into());
        self
    }

    pub fn args<S: Into<String>>(mut self, words: impl IntoIterator<Item = S>) -> ShellCommand {
        self.words.extend(words.into_iter().map(Into::into));
        self
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words of a command as `Display` prints it; `None` when the text is not in the
    /// quoting this type writes (an unbalanced quote).
    pub fn parse(text: &str) -> Option<ShellCommand> {
        let mut words = Vec::new();
        let mut word: Option<String> = None;
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                ' ' => words.extend(word.take()),
                '\'' => {
                    let w = word.get_or_insert_with(String::new);
                    loop {
                        match chars.next()? {
                            '\'' => break,
                            c => w.push(c),
                        }
                    }
                }
                '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
                c => word.get_or_insert_with(String::new).push(c),
            }
        }
        words.extend(word);
        (!words.is_empty()).then_some(ShellCommand { words })
    }
}

/// A word as a POSIX shell reads it back unchanged: bare when it has only characters no
/// shell treats specially, else in single quotes (a `'` inside becomes `'\''`).
pub fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

impl fmt::Display for ShellCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted: Vec<String> = self.words.iter().map(|w| quote(w)).collect();
        f.write_str(&quoted.join(" "))
    }
}

impl Serialize for ShellCommand {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ShellCommand {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ShellCommand, D::Error> {
        let text = String::deserialize(d)?;
        ShellCommand::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a command: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWKWARD: [&str; 9] = [
        "[::1]:2202",
        "/tmp/my lab/hosts.yml",
        "it's",
        "",
        "a*b?",
        "$HOME",
        "`x`",
        "r1;rm -rf x",
        "ünï",
    ];

    #[test]
    fn plain_words_stay_bare_and_the_rest_is_quoted() {
        let c = ShellCommand::sshtriage(["known-hosts", "prune", "--host", "127.0.0.1:2202"]);
        assert_eq!(
            c.to_string(),
            "sshtriage known-hosts prune --host 127.0.0.1:2202"
        );
        assert_eq!(quote("[::1]:2202"), "'[::1]:2202'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn parse_reads_back_what_display_wrote() {
        let c = ShellCommand::sshtriage(AWKWARD);
        assert_eq!(ShellCommand::parse(&c.to_string()), Some(c.clone()));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<ShellCommand>(&json).unwrap(), c);
        assert_eq!(ShellCommand::parse("a 'b"), None);
    }

    /// The judge is a real shell: each word arrives as one argument, unchanged.
    #[test]
    fn a_shell_receives_exactly_the_words() {
        let c = ShellCommand {
            words: std::iter::once("printf".to_owned())
                .chain(std::iter::once("%s\\0".to_owned()))
                .chain(AWKWARD.iter().map(|w| (*w).to_owned()))
                .collect(),
        };
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(c.to_string())
            .output()
            .expect("run sh");
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split('\0')
            .map(str::to_owned)
            .collect();
        let mut want: Vec<String> = AWKWARD.iter().map(|w| (*w).to_owned()).collect();
        want.push(String::new());
        assert_eq!(got, want);
    }
}
