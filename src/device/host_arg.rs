//! `--host [user@]host[:port]` arguments; IPv6 with a port is written `[::1]:2222`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostArg {
    pub user: Option<String>,
    pub host: String,
    pub port: u16,
}

impl HostArg {
    /// How the device is named in output: `host` or `host:port` (`[v6]:port`).
    pub fn display(&self) -> String {
        match (self.port, self.host.contains(':')) {
            (22, _) => self.host.clone(),
            (p, true) => format!("[{}]:{p}", self.host),
            (p, false) => format!("{}:{p}", self.host),
        }
    }
}

/// Why a `[user@]host[:port]` argument was refused; says the argument as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostArgError {
    #[error("`{0}`: empty user name before @")]
    EmptyUser(String),
    #[error("`{arg}`: port `{port}` is not a number from 1 to 65535")]
    BadPort { arg: String, port: String },
    #[error("`{0}`: missing `]` after an IPv6 address")]
    UnclosedBracket(String),
    #[error("`{arg}`: unexpected `{after}` after `]`")]
    AfterBracket { arg: String, after: String },
    #[error("`{0}`: empty host")]
    EmptyHost(String),
}

pub fn parse_host_arg(arg: &str) -> Result<HostArg, HostArgError> {
    let arg = arg.trim();
    let (user, rest) = match arg.rsplit_once('@') {
        Some((u, r)) if !u.is_empty() => (Some(u.to_owned()), r),
        Some(_) => return Err(HostArgError::EmptyUser(arg.to_owned())),
        None => (None, arg),
    };
    let bad_port = |p: &str| HostArgError::BadPort {
        arg: arg.to_owned(),
        port: p.to_owned(),
    };
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| HostArgError::UnclosedBracket(arg.to_owned()))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad_port(p))?,
            None if after.is_empty() => 22,
            None => {
                return Err(HostArgError::AfterBracket {
                    arg: arg.to_owned(),
                    after: after.to_owned(),
                });
            }
        };
        (host.to_owned(), port)
    } else if rest.matches(':').count() > 1 {
        // A bare IPv6 address: no port can be told apart without brackets.
        (rest.to_owned(), 22)
    } else if let Some((h, p)) = rest.split_once(':') {
        (
            h.to_owned(),
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad_port(p))?,
        )
    } else {
        (rest.to_owned(), 22)
    };
    if host.is_empty() {
        return Err(HostArgError::EmptyHost(arg.to_owned()));
    }
    Ok(HostArg { user, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let h = parse_host_arg("admin@r1.lab:2222").unwrap();
        assert_eq!(
            (h.user.as_deref(), h.host.as_str(), h.port),
            (Some("admin"), "r1.lab", 2222)
        );
        let h = parse_host_arg("[::1]:2222").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("::1", 2222));
        assert_eq!(h.display(), "[::1]:2222");
        let h = parse_host_arg("::1").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("::1", 22));
        assert_eq!(parse_host_arg("127.0.0.1").unwrap().port, 22);
        assert!(parse_host_arg("h:0").is_err());
        assert!(parse_host_arg("h:x").is_err());
        assert!(parse_host_arg("[::1").is_err());
        assert!(parse_host_arg("@h").is_err());
    }
}
