//! Ansible's INI inventory: `[group]` host lines (`name[:port] key=value …`, split like a
//! POSIX shell with `#` comments), `[group:vars]` and `[group:children]` sections; hosts before
//! any section are ungrouped.

use super::super::ValueSource;
use super::super::read::located;
use super::{Graph, Value, Var, hostpattern};
use crate::sources::SourceError;
use std::ops::Range;
use std::path::Path;

enum Section {
    Hosts(usize),
    Vars(usize),
    Children(usize),
}

pub(super) fn parse(path: &Path, text: &str) -> Result<Graph, SourceError> {
    let mut graph = Graph::new(path);
    let mut section = Section::Hosts(graph.group("ungrouped", 0)?);
    // `[x:vars]` may come before `[x]`; Ansible only requires that x exists by the end.
    let mut vars_only: Vec<(String, usize)> = Vec::new();
    let mut declared: Vec<String> = vec!["all".into(), "ungrouped".into()];
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let fail = |message: String| located(path, line, "", message);
        if let Some(header) = section_header(trimmed) {
            let (name, kind) = header.map_err(fail)?;
            let group = graph.group(&name, line)?;
            section = match kind.as_deref() {
                None | Some("hosts") => {
                    declared.push(name);
                    Section::Hosts(group)
                }
                Some("children") => {
                    declared.push(name);
                    Section::Children(group)
                }
                Some("vars") => {
                    vars_only.push((name, line));
                    Section::Vars(group)
                }
                Some(other) => {
                    return Err(fail(format!(
                        "section [{name}:{other}] has an unknown type"
                    )));
                }
            };
            continue;
        }
        match section {
            Section::Hosts(group) => host_line(&mut graph, group, trimmed, line)?,
            Section::Children(group) => {
                let words = shell_words(trimmed).map_err(fail)?;
                let Some(child_name) = words.first() else {
                    continue;
                };
                let child = graph.group(child_name, line)?;
                declared.push(child_name.clone());
                graph.add_child(group, child, line)?;
            }
            Section::Vars(group) => {
                // The line is not echoed: it may be `ansible_password: hunter2`.
                let (key, value) = trimmed
                    .split_once('=')
                    .ok_or_else(|| fail("expected key=value".to_string()))?;
                let var = Var {
                    value: literal(value.trim()),
                    source: ValueSource::file(path, line),
                };
                Graph::set_var(&mut graph.groups[group].vars, key.trim(), var);
            }
        }
    }
    if let Some((name, line)) = vars_only.iter().find(|(n, _)| !declared.contains(n)) {
        return Err(located(
            path,
            *line,
            "",
            format!("section [{name}:vars] is for a group that is never defined"),
        ));
    }
    Ok(graph)
}

/// `[name]` or `[name:kind]`; `None` when the line is not a header.
fn section_header(line: &str) -> Option<Result<(String, Option<String>), String>> {
    let inner = line.strip_prefix('[')?;
    let (inner, rest) = inner.split_once(']')?;
    let rest = rest.trim();
    if !rest.is_empty() && !rest.starts_with('#') && !rest.starts_with(';') {
        return None;
    }
    let (name, kind) = match inner.split_once(':') {
        Some((n, k)) => (n, Some(k.to_owned())),
        None => (inner, None),
    };
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Some(Err(format!("`[{inner}]` is not a valid group name")));
    }
    Some(Ok((name.to_owned(), kind)))
}

fn host_line(graph: &mut Graph, group: usize, text: &str, line: usize) -> Result<(), SourceError> {
    let path = graph.path.clone();
    let fail = |message: String| located(&path, line, "", message);
    let words = shell_words(text).map_err(fail)?;
    let Some((pattern, assignments)) = words.split_first() else {
        return Ok(());
    };
    let (names, port) = hostpattern::expand(pattern).map_err(fail)?;
    let mut vars = Vec::new();
    if let Some(port) = port {
        vars.push(("ansible_port".to_owned(), Value::Text(port.to_string())));
    }
    for (i, word) in assignments.iter().enumerate() {
        // Named by position, not echoed: a stray word may be a password.
        let (key, value) = word.split_once('=').ok_or_else(|| {
            fail(format!(
                "expected key=value host variable assignments; word {} is not one",
                i + 2
            ))
        })?;
        vars.push((key.to_owned(), literal(value)));
    }
    for name in names {
        let host = graph.host(&name, line)?;
        graph.add_host_to(group, host);
        for (key, value) in &vars {
            let var = Var {
                value: value.clone(),
                source: ValueSource::file(&path, line),
            };
            Graph::set_var(&mut graph.hosts[host].vars, key, var);
        }
    }
    Ok(())
}

/// Ansible evaluates INI values as Python literals where it can: a quoted string loses its
/// quotes; anything else stays as written.
fn literal(text: &str) -> Value {
    let unquoted = ['"', '\''].iter().find_map(|q| {
        let inner = text.strip_prefix(*q)?.strip_suffix(*q)?;
        (!inner.contains(*q)).then_some(inner)
    });
    Value::from_text(unquoted.unwrap_or(text), false)
}

/// POSIX shell word splitting (Python's `shlex.split(comments=True)`): quotes group, a
/// backslash escapes, an unquoted `#` ends the line.
fn shell_words(text: &str) -> Result<Vec<String>, String> {
    Ok(shell_word_spans(text)?
        .into_iter()
        .map(|(_, w)| w)
        .collect())
}

/// As `shell_words`, with each word's byte range in `text` (quotes included), so an editor can
/// replace one word and keep the rest of the line as written.
pub(crate) fn shell_word_spans(text: &str) -> Result<Vec<(Range<usize>, String)>, String> {
    let mut words = Vec::new();
    // The word being read and where it started.
    let mut word: Option<(usize, String)> = None;
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            // A comment; `pw=ab#cd` ends at the `#`, as shlex does.
            '#' => return finish(words, word, at),
            c if c.is_whitespace() => {
                if let Some((start, w)) = word.take() {
                    words.push((start..at, w));
                }
            }
            '\'' => {
                let w = &mut word.get_or_insert_with(|| (at, String::new())).1;
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, c)) => w.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                let w = &mut word.get_or_insert_with(|| (at, String::new())).1;
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, e @ ('"' | '\\' | '$' | '`'))) => w.push(e),
                            Some((_, other)) => {
                                w.push('\\');
                                w.push(other);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some((_, c)) => w.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                let w = &mut word.get_or_insert_with(|| (at, String::new())).1;
                w.extend(chars.next().map(|(_, c)| c));
            }
            c => word.get_or_insert_with(|| (at, String::new())).1.push(c),
        }
    }
    finish(words, word, text.len())
}

type Spans = Vec<(Range<usize>, String)>;

fn finish(mut words: Spans, last: Option<(usize, String)>, end: usize) -> Result<Spans, String> {
    if let Some((start, w)) = last {
        words.push((start..end, w));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_splitting() {
        assert_eq!(
            shell_words(r#"r1 a=1 b='x y' c="q\"z" d=e\ f # note"#).unwrap(),
            ["r1", "a=1", "b=x y", "c=q\"z", "d=e f"]
        );
        assert_eq!(shell_words("r1 pw=ab#cd").unwrap(), ["r1", "pw=ab"]);
        assert!(shell_words("r1 a='x").is_err());
        let text = "r1  b='x y' c=\\#d # note";
        let spans = shell_word_spans(text).unwrap();
        let shown: Vec<(&str, &str)> = spans
            .iter()
            .map(|(r, w)| (&text[r.clone()], w.as_str()))
            .collect();
        assert_eq!(
            shown,
            [("r1", "r1"), ("b='x y'", "b=x y"), ("c=\\#d", "c=#d")]
        );
    }

    #[test]
    fn literals() {
        assert_eq!(literal("'admin'"), Value::Text("admin".into()));
        assert_eq!(literal("2222"), Value::Text("2222".into()));
        assert_eq!(literal("\"{{ pw }}\""), Value::Template("{{ pw }}".into()));
        assert_eq!(literal("$ANSIBLE_VAULT;1.1;AES256"), Value::Vault);
    }

    #[test]
    fn headers() {
        assert_eq!(section_header("[wan]"), Some(Ok(("wan".into(), None))));
        assert_eq!(
            section_header("[wan:vars] # x"),
            Some(Ok(("wan".into(), Some("vars".into()))))
        );
        assert!(section_header("[bad name]").unwrap().is_err());
        assert_eq!(section_header("host[1:3] a=b"), None);
    }
}
