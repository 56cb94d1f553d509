//! Secrets never leave the process in readable form: `Secret` has no Display and a redacted
//! Debug, and `Redactor` scrubs every configured secret from text before it is shown or stored.

use std::fmt;

/// A password, enable secret, passphrase or inline key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The plain value, for the one place that sends it to the device.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

pub const MASK: &str = "********";

/// Replaces every occurrence of any configured secret with a mask.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Redactor {
        let mut list: Vec<String> = secrets
            .into_iter()
            .map(|s| s.0.clone())
            // One- and two-character secrets would mask ordinary text; they are still never
            // written by us, but cannot be told apart from prompts.
            .filter(|s| s.chars().count() >= 3)
            .collect();
        // Longest first, so a secret containing another is masked whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        list.dedup();
        Redactor { secrets: list }
    }

    pub fn add(&mut self, secret: &Secret) {
        let mut more = self.secrets.clone();
        if secret.0.chars().count() >= 3 && !more.contains(&secret.0) {
            more.push(secret.0.clone());
            more.sort_by_key(|s| std::cmp::Reverse(s.len()));
            self.secrets = more;
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Scrubs every string inside a serialisable value (reports, errors) in place.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s)
                if self
                    .secrets
                    .iter()
                    .any(|secret| s.contains(secret.as_str())) =>
            {
                *s = self.redact(s);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.redact_json(v)),
            _ => {}
        }
    }

    /// Whether a secret may appear in this serialized JSON: as itself or as JSON escapes it.
    pub fn appears_in_json(&self, json: &str) -> bool {
        self.secrets.iter().any(|secret| {
            let escaped = serde_json::to_string(secret).unwrap_or_default();
            let inner = escaped
                .strip_prefix('"')
                .and_then(|e| e.strip_suffix('"'))
                .unwrap_or(secret);
            json.contains(secret.as_str()) || json.contains(inner)
        })
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The length in bytes of the longest end of `text` that is the beginning of a secret:
    /// text that may turn out to be a secret once more of the stream arrives, so it must not
    /// be shown yet.
    pub fn unfinished_len(&self, text: &str) -> usize {
        let mut longest = 0;
        for secret in &self.secrets {
            let most = secret.len().saturating_sub(1).min(text.len());
            for n in (longest + 1..=most).rev() {
                let start = text.len() - n;
                if text.is_char_boundary(start) && secret.starts_with(&text[start..]) {
                    longest = n;
                    break;
                }
            }
        }
        longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-canary");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn the_start_of_a_secret_at_the_end_of_text_is_unfinished() {
        let r = Redactor::new(&[Secret::new("hunter2"), Secret::new("abc")]);
        assert_eq!(r.unfinished_len("Password: hun"), 3);
        assert_eq!(r.unfinished_len("Password: hunter"), 6);
        assert_eq!(r.unfinished_len("x ab"), 2);
        assert_eq!(
            r.unfinished_len("hunter2"),
            0,
            "a whole secret is redacted, not held"
        );
        assert_eq!(r.unfinished_len("r1>"), 0);
        assert_eq!(r.unfinished_len(""), 0);
        assert_eq!(r.unfinished_len("é"), 0);
    }

    #[test]
    fn redacts_every_occurrence_longest_first() {
        let r = Redactor::new(&[Secret::new("abc"), Secret::new("abcdef")]);
        assert_eq!(r.redact("x abcdef y abc"), "x ******** y ********");
        let mut v = serde_json::json!({"a": ["pw abcdef"], "b": {"c": "abc"}});
        r.redact_json(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"a":["pw ********"],"b":{"c":"********"}}"#
        );
    }

    #[test]
    fn a_secret_is_found_in_json_however_json_escapes_it() {
        let r = Redactor::new(&[Secret::new("pa\"ss\\w0rd")]);
        let json = serde_json::to_string(&serde_json::json!({"t": "x pa\"ss\\w0rd y"})).unwrap();
        assert!(r.appears_in_json(&json), "{json}");
        assert!(!r.appears_in_json(r#"{"t":"nothing here"}"#));
        let plain = Redactor::new(&[Secret::new("hunter2")]);
        assert!(plain.appears_in_json(r#"{"t":"hunter2"}"#));
    }
}
