//! Splitting ssh_config lines the way OpenSSH does: `Keyword value`, `Keyword=value`, double or
//! single quotes group words, and a word starting with `#` ends the line.

/// A config line's keyword (lower-cased) and its arguments; `None` for blank and comment lines.
pub(crate) fn split_line(line: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let line = line.trim_start_matches([' ', '\t', '\r', '\n']);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_ascii_lowercase();
    let mut rest = line[end..].trim_start();
    // One `=` may separate the keyword from its value.
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start();
    }
    Ok(Some((keyword, split_words(rest)?)))
}

/// Splits arguments on whitespace, honouring quotes and backslash escapes inside them.
pub(crate) fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) if c == '\\' && matches!(chars.peek(), Some('"' | '\'' | '\\')) => {
                    word.extend(chars.next());
                }
                Some(_) => word.push(c),
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() => break,
                None => word.push(c),
            }
        }
        if quote.is_some() {
            return Err("unterminated quote".into());
        }
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> (String, Vec<String>) {
        split_line(text).unwrap().unwrap()
    }

    #[test]
    fn keyword_forms() {
        assert_eq!(
            line("  HostName r1.lab"),
            ("hostname".into(), vec!["r1.lab".into()])
        );
        assert_eq!(line("Port=2222"), ("port".into(), vec!["2222".into()]));
        assert_eq!(
            line("Port = 2222 # lab"),
            ("port".into(), vec!["2222".into()])
        );
        assert_eq!(
            line("IdentityFile \"~/my keys/id\" 'x y'"),
            (
                "identityfile".into(),
                vec!["~/my keys/id".into(), "x y".into()]
            )
        );
        assert_eq!(line("Host a#b"), ("host".into(), vec!["a#b".into()]));
        assert!(split_line("   # comment").unwrap().is_none());
        assert!(split_line("").unwrap().is_none());
        assert!(split_line("User \"open").is_err());
    }
}
