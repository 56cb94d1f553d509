//! A YAML (and JSON) document as a tree that remembers each value's line and tag, built from
//! saphyr's event parser. Depth and size are bounded: aliases are expanded against a node
//! budget, so a "billion laughs" file fails cleanly instead of taking the memory.

use super::read::located;
use crate::sources::SourceError;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;
use std::path::Path;

/// Inventories are a few levels deep; anything deeper is a mistake or hostile.
const MAX_DEPTH: usize = 64;
/// Total nodes, counting every alias expansion; a scalar also costs one per `SCALAR_UNIT`
/// bytes, so one huge anchored string repeated by aliases is bounded too.
const MAX_NODES: usize = 2_000_000;
const SCALAR_UNIT: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    /// 1-based line where the value starts.
    pub line: usize,
    /// Local tag as written, e.g. `!vault`, `!unsafe`.
    pub tag: Option<String>,
    /// Nodes in this subtree (scalars weighed by length), for the alias budget.
    size: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `plain` is false for quoted and block scalars, which are never null, bool or number.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    fn new(kind: Kind, line: usize, tag: Option<String>) -> Node {
        let size = 1 + match &kind {
            Kind::Scalar { text, .. } => text.len() / SCALAR_UNIT,
            Kind::Seq(items) => items.iter().map(|n| n.size).sum(),
            Kind::Map(entries) => entries.iter().map(|(k, v)| k.size + v.size).sum(),
        };
        Node {
            kind,
            line,
            tag,
            size,
        }
    }

    /// A quoted scalar made by a reader (a value one tool derives from another's, such as the
    /// Netmiko `device_type` nornir_netmiko passes for a platform).
    pub fn quoted(text: &str, line: usize) -> Node {
        Node::new(
            Kind::Scalar {
                text: text.to_owned(),
                plain: false,
            },
            line,
            None,
        )
    }

    /// YAML's null: an empty plain scalar, `~` or `null`.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind, Kind::Seq(_))
    }

    /// The value under `key` in a mapping; the last one when a key repeats (as PyYAML does).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .next_back()
    }

    /// A mapping's entries with scalar keys, in file order (empty for other nodes).
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = (&str, &Node)> {
        let entries: &[(Node, Node)] = match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        };
        entries.iter().filter_map(|(k, v)| match &k.kind {
            Kind::Scalar { text, .. } => Some((text.as_str(), v)),
            _ => None,
        })
    }

    /// Like `entries`, with each key's own line (a value that is a mapping starts below it).
    pub fn entries_lined(&self) -> impl DoubleEndedIterator<Item = (&str, usize, &Node)> {
        let entries: &[(Node, Node)] = match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        };
        entries.iter().filter_map(|(k, v)| match &k.kind {
            Kind::Scalar { text, .. } => Some((text.as_str(), k.line, v)),
            _ => None,
        })
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// What the value is, for messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            _ if self.is_null() => "empty",
            Kind::Scalar { .. } => "a single value",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// An open collection while its children are being read.
enum Frame {
    Seq {
        items: Vec<Node>,
        line: usize,
        tag: Option<String>,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        line: usize,
        tag: Option<String>,
        anchor: usize,
    },
}

struct Builder<'a> {
    path: &'a Path,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    budget: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn spend(&mut self, nodes: usize, line: usize) -> Result<(), SourceError> {
        self.budget = self.budget.checked_sub(nodes).ok_or_else(|| {
            located(
                self.path,
                line,
                "",
                format!("document expands to more than {MAX_NODES} values (alias loop?)"),
            )
        })?;
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }

    fn open(&mut self, frame: Frame, line: usize) -> Result<(), SourceError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(located(
                self.path,
                line,
                "",
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }
}

/// Applies YAML merge keys (`<<: *base`): merged entries never replace the mapping's own.
fn merge_keys(entries: Vec<(Node, Node)>) -> (Vec<(Node, Node)>, usize) {
    let is_merge = |k: &Node| matches!(&k.kind, Kind::Scalar { text, plain: true } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return (entries, 0);
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    // Scalar keys by set, so a huge merged map costs linear time, not quadratic.
    let scalar = |k: &Node| match &k.kind {
        Kind::Scalar { text, plain } => Some((text.clone(), *plain)),
        _ => None,
    };
    let mut own_scalars: std::collections::HashSet<(String, bool)> =
        own.iter().filter_map(|(k, _)| scalar(k)).collect();
    let mut added = 0;
    for (_, value) in merges {
        let sources: Vec<Node> = match value.kind {
            Kind::Map(_) => vec![value],
            Kind::Seq(items) => items,
            _ => Vec::new(),
        };
        for source in sources {
            if let Kind::Map(more) = source.kind {
                for (k, v) in more {
                    let new = match scalar(&k) {
                        Some(key) => own_scalars.insert(key),
                        None => !own.iter().any(|(o, _)| o.kind == k.kind),
                    };
                    if new {
                        added += k.size + v.size;
                        own.push((k, v));
                    }
                }
            }
        }
    }
    (own, added)
}

fn tag_text(tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Parses the first document of `text`; `None` when the file holds no document or only null.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Option<Node>, SourceError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        path,
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: MAX_NODES,
        root: None,
    };
    while let Some(event) = parser.next_event() {
        let (event, span) = event
            .map_err(|e| located(path, e.marker().line(), "", format!("YAML: {}", e.info())))?;
        let line = span.start.line();
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                b.spend(1, line)?;
                let plain = style == ScalarStyle::Plain;
                let node = Node::new(
                    Kind::Scalar {
                        text: value.into_owned(),
                        plain,
                    },
                    line,
                    tag_text(tag),
                );
                b.finish(node, anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                b.spend(1, line)?;
                let frame = Frame::Seq {
                    items: Vec::new(),
                    line,
                    tag: tag_text(tag),
                    anchor,
                };
                b.open(frame, line)?;
            }
            Event::MappingStart(anchor, tag) => {
                b.spend(1, line)?;
                let frame = Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    line,
                    tag: tag_text(tag),
                    anchor,
                };
                b.open(frame, line)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        line,
                        tag,
                        anchor,
                    }) => (Node::new(Kind::Seq(items), line, tag), anchor),
                    Some(Frame::Map {
                        entries,
                        line,
                        tag,
                        anchor,
                        ..
                    }) => {
                        let (entries, added) = merge_keys(entries);
                        b.spend(added, line)?;
                        (Node::new(Kind::Map(entries), line, tag), anchor)
                    }
                    None => return Err(located(path, line, "", "YAML: unbalanced collection")),
                };
                b.finish(node, anchor);
            }
            Event::Alias(id) => {
                let node =
                    b.anchors.get(&id).cloned().ok_or_else(|| {
                        located(path, line, "", "YAML: alias to an unknown anchor")
                    })?;
                b.spend(node.size, line)?;
                b.finish(node, 0);
            }
            // Only the first document is an inventory.
            Event::DocumentEnd if b.root.is_some() => break,
            Event::DocumentEnd
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::Nothing => {}
        }
    }
    Ok(b.root.filter(|n| !n.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        parse(Path::new("t.yml"), text).unwrap().unwrap()
    }

    #[test]
    fn lines_tags_and_lookup() {
        let n = doc("a: 1\nb:\n  c: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    3338\nd: ~\n");
        assert_eq!(n.get("a").unwrap().as_str(), Some("1"));
        let c = n.get("b").unwrap().get("c").unwrap();
        assert_eq!(c.line, 3);
        assert_eq!(c.tag.as_deref(), Some("!vault"));
        assert!(c.as_str().unwrap().starts_with("$ANSIBLE_VAULT"));
        assert!(n.get("d").unwrap().is_null());
        assert_eq!(n.get("d").unwrap().as_str(), None);
    }

    #[test]
    fn anchors_and_merge_keys() {
        let n = doc("base: &b {user: admin, port: 22}\nr1:\n  <<: *b\n  port: 2222\n");
        let r1 = n.get("r1").unwrap();
        assert_eq!(r1.get("port").unwrap().as_str(), Some("2222"));
        assert_eq!(r1.get("user").unwrap().as_str(), Some("admin"));
        assert!(r1.get("<<").is_none());
    }

    #[test]
    fn hostile_documents_fail_cleanly() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let err = parse(Path::new("d.yml"), &deep).unwrap_err();
        assert!(
            err.message.contains("nested") || err.message.contains("YAML"),
            "{err}"
        );
        let mut laughs = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            let refs = vec![format!("*{prev}"); 10].join(",");
            laughs.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        let err = parse(Path::new("l.yml"), &laughs).unwrap_err();
        assert!(err.message.contains("more than"), "{err}");
        // One big string repeated by aliases: few nodes, but gigabytes once expanded.
        let mut big = format!("s: &s \"{}\"\nl: [", "x".repeat(1 << 20));
        big.push_str(&vec!["*s"; 1000].join(","));
        big.push_str("]\n");
        let err = parse(Path::new("big.yml"), &big).unwrap_err();
        assert!(err.message.contains("more than"), "{err}");
        // A large merged map keeps every key once.
        let keys: Vec<String> = (0..20_000).map(|i| format!("k{i}: {i}")).collect();
        let merged = format!("b: &b {{{}}}\nm:\n  <<: *b\n  k7: own\n", keys.join(", "));
        let m = doc(&merged);
        let m = m.get("m").unwrap();
        assert_eq!(m.get("k7").unwrap().as_str(), Some("own"));
        assert_eq!(m.get("k19999").unwrap().as_str(), Some("19999"));
        let err = parse(Path::new("bad.yml"), "a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(err.file, Path::new("bad.yml"));
        assert!(err.line >= 1 && err.message.starts_with("YAML"), "{err}");
    }

    #[test]
    fn json_is_yaml() {
        let n = doc("{\n  \"nodes\": {\n    \"r1\": {\"kind\": \"srl\"}\n  }\n}\n");
        let kind = n
            .get("nodes")
            .unwrap()
            .get("r1")
            .unwrap()
            .get("kind")
            .unwrap();
        assert_eq!((kind.as_str(), kind.line), (Some("srl"), 3));
    }
}
