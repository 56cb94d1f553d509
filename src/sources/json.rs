//! JSON files (Containerlab's `topology-data.json`, `clab inspect` output) read in place:
//! the text is checked once (serde_json's syntax, nesting within serde_json's own limit),
//! then a loader decodes only the values it asks for, each with its line. Read as YAML (JSON
//! is YAML), a 16 MiB file took hundreds of MB for the scanner's tokens and a tree of every
//! value; here it costs little beyond its text.
//!
//! Values answer as `yaml::Node` does, so a file reads the same either way: a number or
//! `true` is text as written, `null` is no text, a repeated key's last value wins.

use super::read::located;
use crate::sources::SourceError;
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::path::Path;

/// serde_json's nesting limit, which its skipping of values (all that is done here) lacks.
const MAX_DEPTH: usize = 128;

/// A value of the document, still as text.
#[derive(Clone, Copy)]
pub(crate) struct Value<'a>(&'a RawValue);

/// A mapping's entries in file order, keys as values (so they have lines too).
pub(crate) struct Map<'a>(Vec<(Value<'a>, Value<'a>)>);

/// A checked document and a cursor for lines: loaders ask in file order, so counting line
/// breaks from the last answer is linear over the file.
pub(crate) struct Doc<'a> {
    text: &'a str,
    root: Value<'a>,
    /// The last offset asked for and its line.
    cursor: Cell<(usize, usize)>,
}

impl<'a> Doc<'a> {
    pub fn parse(path: &Path, text: &'a str) -> Result<Doc<'a>, SourceError> {
        let error = |e: serde_json::Error| {
            let full = e.to_string();
            let at = format!(" at line {} column {}", e.line(), e.column());
            let message = full.strip_suffix(&at).unwrap_or(&full);
            located(
                path,
                e.line(),
                "",
                format!("JSON: {message} (column {})", e.column()),
            )
        };
        // First: serde_json's skipping holds a byte per open level, 16 MiB of `[`s included.
        if let Some(at) = too_deep(text) {
            let line = 1 + breaks(text.as_bytes(), 0, at);
            let message = format!("nested more than {MAX_DEPTH} levels deep");
            return Err(located(path, line, "", message));
        }
        Ok(Doc {
            text,
            root: Value(serde_json::from_str(text).map_err(error)?),
            cursor: Cell::new((0, 1)),
        })
    }

    pub fn root(&self) -> Value<'a> {
        self.root
    }

    /// The 1-based line where `value` starts; a line ends at LF, CR or CRLF, as in YAML.
    pub fn line(&self, value: Value<'a>) -> usize {
        let at = value.raw().as_ptr() as usize;
        self.line_at(at.saturating_sub(self.text.as_ptr() as usize))
    }

    fn line_at(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let to = offset.min(bytes.len());
        let (from, line) = self.cursor.get();
        let line = if to >= from {
            line + breaks(bytes, from, to)
        } else {
            line - breaks(bytes, to, from)
        };
        self.cursor.set((to, line));
        line
    }
}

/// Line breaks in `bytes[from..to]`: LF, CR or CRLF, as in YAML.
fn breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    let crlf = |i: usize| bytes.get(i + 1) == Some(&b'\n');
    (from..to)
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && !crlf(i)))
        .count()
}

impl<'a> Value<'a> {
    fn raw(self) -> &'a str {
        self.0.get()
    }

    pub fn is_map(self) -> bool {
        self.raw().starts_with('{')
    }

    pub fn is_seq(self) -> bool {
        self.raw().starts_with('[')
    }

    /// The text of a string, number or boolean (strings decoded); None for null and
    /// collections.
    pub fn as_str(self) -> Option<Cow<'a, str>> {
        let raw = self.raw();
        match raw.as_bytes().first()? {
            b'{' | b'[' | b'n' => None,
            b'"' if !raw.contains('\\') => Some(Cow::Borrowed(&raw[1..raw.len() - 1])),
            b'"' => serde_json::from_str(raw).ok().map(Cow::Owned),
            _ => Some(Cow::Borrowed(raw)),
        }
    }

    /// What the value is, for messages (as `yaml::Node::describe`).
    pub fn describe(self) -> &'static str {
        match self.raw().as_bytes().first() {
            Some(b'{') => "a mapping",
            Some(b'[') => "a list",
            Some(b'n') | None => "empty",
            _ => "a single value",
        }
    }

    /// A mapping's entries; none for other values.
    pub fn map(self) -> Map<'a> {
        // Parts of a checked document parse: an error cannot happen, and would mean no entries.
        let entries = match self.is_map() {
            true => {
                serde_json::from_str::<Entries>(self.raw()).map_or_else(|_| Vec::new(), |e| e.0)
            }
            false => Vec::new(),
        };
        Map(entries)
    }

    /// Calls `f` with a mapping's entries in file order, holding none of them: a mapping of
    /// millions of tiny entries costs nothing beyond its text. Nothing for other values.
    pub fn each_entry<E>(
        self,
        f: impl FnMut(Value<'a>, Value<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut each = Each { f, stopped: None };
        if self.is_map() {
            // An error of serde_json's own cannot happen in a checked document.
            let _ = (&mut each).deserialize(&mut serde_json::Deserializer::from_str(self.raw()));
        }
        each.stopped.map_or(Ok(()), Err)
    }

    /// A list's items; none for other values.
    pub fn items(self) -> Vec<Value<'a>> {
        match self.is_seq() {
            true => serde_json::from_str::<Vec<&RawValue>>(self.raw())
                .map(|items| items.into_iter().map(Value).collect())
                .unwrap_or_default(),
            false => Vec::new(),
        }
    }
}

impl<'a> Map<'a> {
    /// The value under `key`; the last one when a key repeats.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.as_str().is_some_and(|k| k == key))
            .map(|(_, v)| *v)
    }

    /// The text under `key`, when it is not empty.
    pub fn text(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key)?.as_str().filter(|s| !s.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Value<'a>, Value<'a>)> + '_ {
        self.0.iter().copied()
    }
}

/// `Value::each_entry` as a visitor: `f`'s error stops the walk and is kept.
struct Each<F, E> {
    f: F,
    stopped: Option<E>,
}

impl<'de, F, E> DeserializeSeed<'de> for &mut Each<F, E>
where
    F: FnMut(Value<'de>, Value<'de>) -> Result<(), E>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F, E> Visitor<'de> for &mut Each<F, E>
where
    F: FnMut(Value<'de>, Value<'de>) -> Result<(), E>,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<&RawValue>()? {
            let value = map.next_value::<&RawValue>()?;
            if let Err(e) = (self.f)(Value(key), Value(value)) {
                self.stopped = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// A mapping's entries, each still as text.
struct Entries<'a>(Vec<(Value<'a>, Value<'a>)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<&RawValue>()? {
                    entries.push((Value(key), Value(map.next_value::<&RawValue>()?)));
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

/// Where the text first opens a collection more than `MAX_DEPTH` deep.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' if depth == MAX_DEPTH => return Some(i),
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::yaml;

    /// Every key and value as `(text, line)` in file order, collections by their line, read
    /// as JSON here and as YAML by `yaml::parse`: the two must agree.
    fn walk_json(doc: &Doc, v: Value, out: &mut Vec<(String, usize)>) {
        out.push((v.as_str().map_or("-".into(), Cow::into_owned), doc.line(v)));
        for (k, v) in v.map().iter() {
            out.push((k.as_str().unwrap_or_default().into_owned(), doc.line(k)));
            walk_json(doc, v, out);
        }
        for item in v.items() {
            walk_json(doc, item, out);
        }
    }

    fn walk_yaml(n: &yaml::Node, out: &mut Vec<(String, usize)>) {
        out.push((n.as_str().unwrap_or("-").to_owned(), n.line));
        for (k, line, v) in n.entries_lined() {
            out.push((k.to_owned(), line));
            walk_yaml(v, out);
        }
        for item in n.items() {
            walk_yaml(item, out);
        }
    }

    #[test]
    fn values_and_lines_are_as_yaml_reads_them() {
        let text = "\n{\"nodes\":\n  {\"r\\u0031\": {\"kind\":\r\n \"srl\", \"n\": 1.50e3,\r\"t\": true,\n\
                    \"z\": null, \"e\": \"\", \"q\": \"a\\\"b\\\\\", \"k\": 1, \"k\": \"last\",\n\
                    \"l\": [\n {\"port\": 22}, [], {}\n]}},\n \"x\": \"[{\\\"\"}\n";
        let path = Path::new("t.json");
        let doc = Doc::parse(path, text).unwrap();
        let mut json = Vec::new();
        walk_json(&doc, doc.root(), &mut json);
        let mut yaml = Vec::new();
        walk_yaml(&yaml::parse(path, text).unwrap().unwrap(), &mut yaml);
        assert_eq!(json, yaml);
        // Asked out of file order, lines are still right.
        let r1 = doc.root().map().get("nodes").unwrap().map();
        let (key, node) = r1.iter().next().unwrap();
        let node = node.map();
        assert_eq!(doc.line(node.get("l").unwrap()), 7);
        assert_eq!(doc.line(key), 3);
        assert_eq!(node.text("k").as_deref(), Some("last"));
        assert_eq!(node.text("e"), None);
        assert_eq!(node.get("z").unwrap().as_str(), None);
        assert_eq!(node.text("n").as_deref(), Some("1.50e3"));
        assert_eq!(key.as_str().as_deref(), Some("r1"));
        // Entries one at a time, in order; the caller's error stops the walk.
        let mut seen = Vec::new();
        let stopped = doc.root().each_entry(|k, _| {
            seen.push(k.as_str().unwrap().into_owned());
            if seen.len() == 2 {
                Err("enough")
            } else {
                Ok(())
            }
        });
        assert_eq!(
            (stopped, seen),
            (Err("enough"), vec!["nodes".into(), "x".into()])
        );
        assert_eq!(
            node.get("l").unwrap().each_entry(|_, _| Err("a list")),
            Ok(())
        );
    }

    #[test]
    fn hostile_documents_fail_cleanly() {
        let path = Path::new("h.json");
        let nested = |n: usize| format!("{{\"a\":\n{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
        assert!(Doc::parse(path, &nested(MAX_DEPTH)).is_ok());
        let err = Doc::parse(path, &nested(MAX_DEPTH + 1)).err().unwrap();
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "nested more than 128 levels deep")
        );
        // Brackets and escaped quotes inside strings are text, not nesting.
        let quoted = format!("{{\"a\": \"\\\"{}\"}}", "[".repeat(1000));
        assert!(Doc::parse(path, &quoted).is_ok());
        let err = Doc::parse(path, "{\n\"nodes\": {\"r1\": {\"kind\": \"srl\"")
            .err()
            .unwrap();
        assert_eq!(err.line, 2);
        assert_eq!(err.message, "JSON: EOF while parsing an object (column 30)");
        let err = Doc::parse(path, "{\"a\": 1,}").err().unwrap();
        assert_eq!(
            (err.line, err.message.as_str()),
            (1, "JSON: key must be a string (column 9)")
        );
    }
}
