//! The identification line `SSH-protoversion-softwareversion SP comments CR LF` and the text a
//! server may send before it.

/// RFC 4253 §4.2: the identification line is at most 255 bytes including CR LF.
pub const MAX_IDENT_LEN: usize = 255;
/// Text lines accepted before the identification line. RFC 4253 sets no limit; OpenSSH's client
/// gives up after 1024 lines, we stop earlier because a probe needs none of it.
pub const MAX_PRE_BANNER_LINES: usize = 64;
/// Bytes of one pre-banner line kept and accepted.
pub const MAX_PRE_BANNER_LINE: usize = 1024;

/// A parsed identification line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub raw: String,
    pub protocol: String,
    pub software: String,
    pub comments: Option<String>,
}

/// How a line the server sent reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// An SSH 2.0 (or 1.99, which also speaks 2.0) identification.
    Ssh2(Ident),
    /// An SSH 1.x-only server.
    Ssh1(Ident),
    /// A malformed `SSH-` line.
    BadIdent(String),
    /// Plain text allowed before the identification.
    Text(String),
}

/// Classifies one line (without its CR LF).
pub fn classify(line: &[u8]) -> Line {
    let text = String::from_utf8_lossy(line).into_owned();
    let Some(rest) = text.strip_prefix("SSH-") else {
        return Line::Text(text);
    };
    let Some((protocol, software_and_comments)) = rest.split_once('-') else {
        return Line::BadIdent(text);
    };
    let (software, comments) = match software_and_comments.split_once(' ') {
        Some((s, c)) => (s, Some(c.to_owned())),
        None => (software_and_comments, None),
    };
    if software.is_empty() || protocol.is_empty() {
        return Line::BadIdent(text);
    }
    let ident = Ident {
        raw: text.clone(),
        protocol: protocol.to_owned(),
        software: software.to_owned(),
        comments,
    };
    match protocol {
        "2.0" | "1.99" => Line::Ssh2(ident),
        p if p.starts_with("1.") => Line::Ssh1(ident),
        _ => Line::BadIdent(text),
    }
}

/// What non-SSH bytes look like, for the `not_ssh` message.
pub fn describe_non_ssh(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let first_line = text.lines().next().unwrap_or("").trim();
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count();
    if first_line.starts_with("HTTP/") {
        format!("an HTTP server answered: {}", clip(first_line, 60))
    } else if first_line.starts_with("220") && first_line.contains("FTP") {
        format!("an FTP server answered: {}", clip(first_line, 60))
    } else if first_line.starts_with("RFB ") {
        "a VNC server answered".to_owned()
    } else if bytes.is_empty() || printable * 10 < bytes.len() * 9 {
        let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("binary data, not text (first bytes {})", hex.join(" "))
    } else {
        format!(
            "text that is not an SSH identification: \"{}\"",
            clip(first_line, 60)
        )
    }
}

/// Shortens to `max` characters with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_software_and_comments() {
        let Line::Ssh2(id) = classify(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3") else {
            panic!("not ssh2")
        };
        assert_eq!(id.protocol, "2.0");
        assert_eq!(id.software, "OpenSSH_9.2p1");
        assert_eq!(id.comments.as_deref(), Some("Debian-2+deb12u3"));
        let Line::Ssh2(id) = classify(b"SSH-1.99-Cisco-1.25") else {
            panic!()
        };
        assert_eq!((id.software.as_str(), id.comments), ("Cisco-1.25", None));
    }

    #[test]
    fn other_lines() {
        assert!(matches!(classify(b"SSH-1.5-Cisco-1.25"), Line::Ssh1(_)));
        assert!(matches!(classify(b"SSH-2.0"), Line::BadIdent(_)));
        assert!(matches!(classify(b"SSH-3.0-x"), Line::BadIdent(_)));
        assert!(matches!(
            classify(b"Welcome to the jump host"),
            Line::Text(_)
        ));
        assert!(matches!(classify(&[0xff, 0xfe, 0x00]), Line::Text(_)));
    }

    #[test]
    fn describes_what_answered() {
        assert!(describe_non_ssh(b"HTTP/1.1 400 Bad Request\r\n").contains("HTTP"));
        assert!(describe_non_ssh(&[0, 1, 2, 3, 0xff, 0x80, 7, 9, 10]).contains("binary"));
        assert!(describe_non_ssh(b"hello there\n").contains("hello there"));
    }
}
