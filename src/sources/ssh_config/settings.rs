//! The options sshtriage understands, parsed and validated as OpenSSH does (also inside blocks
//! that do not apply), and the settings they resolve to for one host.

use super::super::{Field, Provenance, ValueSource};
use crate::algorithms::allowlist::Category;
use crate::device::{AlgorithmSetting, Device, HostKeyPolicy, KeySource, Limit, Phase, SettingVia};
use std::path::PathBuf;
use std::time::Duration;

/// One parsed option line that sshtriage acts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    HostName(String),
    Port(u16),
    User(String),
    IdentityFile(String),
    IdentitiesOnly(bool),
    ProxyJump(String),
    ProxyCommand(String),
    Algorithms(Category, String),
    PubkeyAcceptedAlgorithms(String),
    UserKnownHostsFile(Vec<String>),
    StrictHostKeyChecking(String),
    ConnectTimeout(Duration),
    HashKnownHosts(bool),
}

fn one<'a>(keyword: &str, args: &'a [String]) -> Result<&'a str, String> {
    match args {
        [value] => Ok(value),
        [] => Err(format!("{keyword}: missing argument")),
        _ => Err(format!("{keyword}: takes one argument")),
    }
}

fn yes_no(keyword: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(format!("{keyword}: `{value}` is not yes or no")),
    }
}

/// Parses an option's arguments; `Ok(None)` for options sshtriage does not use.
pub(crate) fn parse_value(keyword: &str, args: &[String]) -> Result<Option<Value>, String> {
    let value = match keyword {
        "hostname" => Value::HostName(one("HostName", args)?.to_owned()),
        "port" => {
            let text = one("Port", args)?;
            let port = text
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("Port: `{text}` is not a port number"))?;
            Value::Port(port)
        }
        "user" => Value::User(one("User", args)?.to_owned()),
        "identityfile" => Value::IdentityFile(one("IdentityFile", args)?.to_owned()),
        "identitiesonly" => {
            Value::IdentitiesOnly(yes_no("IdentitiesOnly", one("IdentitiesOnly", args)?)?)
        }
        "hashknownhosts" => {
            Value::HashKnownHosts(yes_no("HashKnownHosts", one("HashKnownHosts", args)?)?)
        }
        "proxyjump" => Value::ProxyJump(one("ProxyJump", args)?.to_owned()),
        "proxycommand" if !args.is_empty() => Value::ProxyCommand(args.join(" ")),
        "kexalgorithms" => Value::Algorithms(Category::Kex, one("KexAlgorithms", args)?.to_owned()),
        "hostkeyalgorithms" => Value::Algorithms(
            Category::HostKey,
            one("HostKeyAlgorithms", args)?.to_owned(),
        ),
        "ciphers" => Value::Algorithms(Category::Cipher, one("Ciphers", args)?.to_owned()),
        "macs" => Value::Algorithms(Category::Mac, one("MACs", args)?.to_owned()),
        "pubkeyacceptedalgorithms" | "pubkeyacceptedkeytypes" => {
            Value::PubkeyAcceptedAlgorithms(one("PubkeyAcceptedAlgorithms", args)?.to_owned())
        }
        "userknownhostsfile" if !args.is_empty() => Value::UserKnownHostsFile(args.to_vec()),
        "stricthostkeychecking" => {
            let text = one("StrictHostKeyChecking", args)?.to_ascii_lowercase();
            if !["yes", "no", "off", "ask", "accept-new", "true", "false"].contains(&text.as_str())
            {
                return Err(format!("StrictHostKeyChecking: unknown value `{text}`"));
            }
            Value::StrictHostKeyChecking(text)
        }
        "connecttimeout" => {
            let text = one("ConnectTimeout", args)?;
            let secs = text
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0 && *s <= 24 * 3600)
                .ok_or_else(|| format!("ConnectTimeout: `{text}` is not a number of seconds"))?;
            Value::ConnectTimeout(Duration::from_secs(secs))
        }
        "userknownhostsfile" | "proxycommand" => {
            return Err(format!("{keyword}: missing argument"));
        }
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// A value and the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub source: ValueSource,
}

/// What ssh would use for one host, each value with its file:line. First value wins, as in
/// OpenSSH; `IdentityFile` accumulates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSettings {
    pub hostname: Option<Setting<String>>,
    pub port: Option<Setting<u16>>,
    pub user: Option<Setting<String>>,
    pub identity_files: Vec<Setting<PathBuf>>,
    pub identities_only: Option<Setting<bool>>,
    /// Not followed yet (jump hosts are later work); reported so the user knows.
    pub proxy_jump: Option<Setting<String>>,
    pub proxy_command: Option<Setting<String>>,
    pub kex: Option<Setting<String>>,
    pub host_key_algorithms: Option<Setting<String>>,
    pub ciphers: Option<Setting<String>>,
    pub macs: Option<Setting<String>>,
    pub pubkey_accepted_algorithms: Option<Setting<String>>,
    pub user_known_hosts_files: Option<Setting<Vec<PathBuf>>>,
    /// As written, lower-cased: yes, no, off, ask, accept-new.
    pub strict_host_key_checking: Option<Setting<String>>,
    pub connect_timeout: Option<Setting<Duration>>,
    /// Read for writing accepted keys the way ssh would (`fix::hash_setting`).
    pub hash_known_hosts: Option<Setting<bool>>,
}

/// Values the `%` tokens stand for.
pub(crate) struct Tokens<'a> {
    pub original_host: &'a str,
    pub home: Option<&'a str>,
    pub local_user: &'a str,
}

fn first<T>(slot: &mut Option<Setting<T>>, value: T, source: &ValueSource) {
    if slot.is_none() {
        *slot = Some(Setting {
            value,
            source: source.clone(),
        });
    }
}

impl HostSettings {
    pub fn algorithm(&self, category: Category) -> Option<&Setting<String>> {
        match category {
            Category::Kex => self.kex.as_ref(),
            Category::HostKey => self.host_key_algorithms.as_ref(),
            Category::Cipher => self.ciphers.as_ref(),
            Category::Mac => self.macs.as_ref(),
        }
    }

    /// Takes `value` unless an earlier line already set the option. Paths are expanded later,
    /// once user and host name are final (`finish`).
    pub(crate) fn take(&mut self, value: &Value, source: &ValueSource, tokens: &Tokens) {
        match value.clone() {
            Value::HostName(h) => {
                let expanded = expand_hostname(&h, tokens.original_host);
                first(&mut self.hostname, expanded, source);
            }
            Value::Port(p) => first(&mut self.port, p, source),
            Value::User(u) => first(&mut self.user, u, source),
            Value::IdentityFile(f) => {
                let path = PathBuf::from(f);
                if !self.identity_files.iter().any(|s| s.value == path) {
                    self.identity_files.push(Setting {
                        value: path,
                        source: source.clone(),
                    });
                }
            }
            Value::IdentitiesOnly(b) => first(&mut self.identities_only, b, source),
            // Whichever of the two comes first prevents the other, as in OpenSSH.
            Value::ProxyJump(j) if self.proxy_command.is_none() => {
                first(&mut self.proxy_jump, j, source)
            }
            Value::ProxyCommand(c) if self.proxy_jump.is_none() => {
                first(&mut self.proxy_command, c, source)
            }
            Value::ProxyJump(_) | Value::ProxyCommand(_) => {}
            Value::Algorithms(Category::Kex, s) => first(&mut self.kex, s, source),
            Value::Algorithms(Category::HostKey, s) => {
                first(&mut self.host_key_algorithms, s, source)
            }
            Value::Algorithms(Category::Cipher, s) => first(&mut self.ciphers, s, source),
            Value::Algorithms(Category::Mac, s) => first(&mut self.macs, s, source),
            Value::PubkeyAcceptedAlgorithms(s) => {
                first(&mut self.pubkey_accepted_algorithms, s, source)
            }
            Value::UserKnownHostsFile(files) => {
                let paths = files.into_iter().map(PathBuf::from).collect();
                first(&mut self.user_known_hosts_files, paths, source);
            }
            Value::StrictHostKeyChecking(s) => first(&mut self.strict_host_key_checking, s, source),
            Value::ConnectTimeout(t) => first(&mut self.connect_timeout, t, source),
            Value::HashKnownHosts(b) => first(&mut self.hash_known_hosts, b, source),
        }
    }

    /// These settings, then what `later` (a file ssh reads after this one) adds: the first
    /// value of each option wins, identity files accumulate, as in OpenSSH.
    pub fn then(mut self, later: HostSettings) -> HostSettings {
        fn keep<T>(slot: &mut Option<Setting<T>>, later: Option<Setting<T>>) {
            if slot.is_none() {
                *slot = later;
            }
        }
        keep(&mut self.hostname, later.hostname);
        keep(&mut self.port, later.port);
        keep(&mut self.user, later.user);
        for file in later.identity_files {
            if !self.identity_files.iter().any(|f| f.value == file.value) {
                self.identity_files.push(file);
            }
        }
        keep(&mut self.identities_only, later.identities_only);
        if self.proxy_jump.is_none() && self.proxy_command.is_none() {
            self.proxy_jump = later.proxy_jump;
            self.proxy_command = later.proxy_command;
        }
        keep(&mut self.kex, later.kex);
        keep(&mut self.host_key_algorithms, later.host_key_algorithms);
        keep(&mut self.ciphers, later.ciphers);
        keep(&mut self.macs, later.macs);
        keep(
            &mut self.pubkey_accepted_algorithms,
            later.pubkey_accepted_algorithms,
        );
        keep(
            &mut self.user_known_hosts_files,
            later.user_known_hosts_files,
        );
        keep(
            &mut self.strict_host_key_checking,
            later.strict_host_key_checking,
        );
        keep(&mut self.connect_timeout, later.connect_timeout);
        keep(&mut self.hash_known_hosts, later.hash_known_hosts);
        self
    }

    /// Expands `~` and `%d %u %h %r %%` in paths now that host and user are known.
    pub(crate) fn finish(&mut self, tokens: &Tokens, remote_user: Option<&str>) {
        let host = self
            .hostname
            .as_ref()
            .map(|h| h.value.clone())
            .unwrap_or_else(|| tokens.original_host.to_owned());
        let user = self
            .user
            .as_ref()
            .map(|u| u.value.as_str())
            .or(remote_user)
            .unwrap_or(tokens.local_user)
            .to_owned();
        let expand = |p: &PathBuf| expand_path(&p.to_string_lossy(), tokens, &host, &user);
        for f in &mut self.identity_files {
            f.value = expand(&f.value);
        }
        if let Some(files) = &mut self.user_known_hosts_files {
            files.value = files.value.iter().map(expand).collect();
        }
    }

    /// Lays these settings on a device: the host name always (it resolves an alias); every
    /// other value only where the inventory did not set one. Algorithm lines become the
    /// device's client settings, read `via` the config files or ssh's command line: they say
    /// what the engineer's client offers, not what the probe does. Returns what the user
    /// should know.
    pub fn apply_to(
        &self,
        device: &mut Device,
        prov: &mut Provenance,
        via: SettingVia,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(h) = &self.hostname
            && h.value != device.host
        {
            device.host = h.value.clone();
            prov.set(Field::Host, h.source.clone());
        }
        let free = |field: Field, prov: &Provenance| !prov.is_explicit(field);
        if let Some(p) = &self.port
            && free(Field::Port, prov)
        {
            device.port = p.value;
            prov.set(Field::Port, p.source.clone());
        }
        if let Some(u) = &self.user
            && free(Field::Username, prov)
        {
            device.username = Some(u.value.clone());
            prov.set(Field::Username, u.source.clone());
        }
        if let Some(key) = self.identity_files.first()
            && free(Field::Key, prov)
        {
            device.credentials.key = Some(KeySource::File(key.value.clone()));
            // ssh tries every IdentityFile in order; so do we.
            device.credentials.more_key_files = self.identity_files[1..]
                .iter()
                .map(|f| f.value.clone())
                .collect();
            prov.set(Field::Key, key.source.clone());
        }
        for category in Category::ALL {
            if let Some(spec) = self.algorithm(category) {
                let field = Field::for_category(category);
                if free(field, prov) {
                    prov.set(field, spec.source.clone());
                }
                device.client.add_setting(AlgorithmSetting {
                    category,
                    value: spec.value.clone(),
                    via,
                    source: spec.source.clone(),
                });
            }
        }
        if let Some(files) = &self.user_known_hosts_files
            && free(Field::KnownHosts, prov)
        {
            device.known_hosts = files.value.clone();
            prov.set(Field::KnownHosts, files.source.clone());
        }
        if let Some(s) = &self.strict_host_key_checking
            && free(Field::HostKeyPolicy, prov)
        {
            let policy = match s.value.as_str() {
                "yes" | "true" => Some(HostKeyPolicy::Strict),
                "accept-new" => Some(HostKeyPolicy::AcceptNew),
                "no" | "off" | "false" => Some(HostKeyPolicy::Warn),
                _ => None,
            };
            if let Some(policy) = policy {
                device.host_key_policy = policy;
                prov.set(Field::HostKeyPolicy, s.source.clone());
            }
        }
        // OpenSSH bounds the TCP connect, the identification exchange and the key exchange
        // with ConnectTimeout (ssh_config(5)); the stages after it wait as before.
        if let Some(t) = &self.connect_timeout {
            for phase in [Phase::Tcp, Phase::Banner, Phase::Kex] {
                if free(Field::PhaseTimeout(phase), prov) {
                    let limit = Limit::new(t.value, "ConnectTimeout", t.source.clone());
                    crate::sources::set_phase_timeout(device, prov, phase, limit);
                }
            }
        }
        self.apply_jump(device, prov, &mut notes);
        notes
    }

    /// ProxyJump with one hop, or a ProxyCommand that is `ssh -W %h:%p <jump>`, becomes the
    /// device's jump host; anything else is reported as not followed.
    fn apply_jump(&self, device: &mut Device, prov: &mut Provenance, notes: &mut Vec<String>) {
        let (what, setting, jump) = match (&self.proxy_jump, &self.proxy_command) {
            (Some(j), _) => ("ProxyJump", j, Some(j.value.clone())),
            (None, Some(c)) => ("ProxyCommand", c, jump_from_proxy_command(&c.value)),
            (None, None) => return,
        };
        if setting.value.eq_ignore_ascii_case("none") || prov.is_explicit(Field::Jump) {
            return;
        }
        match jump.filter(|j| !j.contains(',')) {
            Some(jump) => {
                device.jump = Some(jump);
                prov.set(Field::Jump, setting.source.clone());
            }
            None => {
                // A ProxyCommand may carry a secret (`sshpass -p …`): named, not echoed.
                let shown = match what {
                    "ProxyJump" => format!(" `{}`", setting.value),
                    _ => String::new(),
                };
                notes.push(format!(
                    "{}: {what}{shown} ({}) is not followed: sshtriage follows one jump host \
                     given as [user@]host[:port], so it connects to {} directly",
                    device.name, setting.source, device.host
                ))
            }
        }
    }
}

/// The jump host of the classic `ProxyCommand ssh [-q] [-l user] [-p port] -W %h:%p
/// [user@]jump`, as `[user@]host[:port]`.
fn jump_from_proxy_command(command: &str) -> Option<String> {
    let words = super::lexer::split_words(command).ok()?;
    let (program, args) = words.split_first()?;
    if !(program == "ssh" || program.ends_with("/ssh")) {
        return None;
    }
    let (mut user, mut port, mut dest, mut forwards) = (None, None, None, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-W" => forwards = args.next().is_some_and(|w| w == "%h:%p"),
            "-l" => user = args.next().cloned(),
            "-p" => port = args.next().cloned(),
            "-q" | "-T" | "-A" | "-4" | "-6" | "-C" | "-x" => {}
            a if a.starts_with('-') => return None,
            a if dest.is_none() => dest = Some(a.to_owned()),
            _ => return None,
        }
    }
    let dest = dest.filter(|_| forwards)?;
    let mut jump = match (&user, dest.contains('@')) {
        (Some(u), false) => format!("{u}@{dest}"),
        _ => dest,
    };
    if let Some(p) = port {
        jump = if jump.contains(':') && !jump.contains('[') {
            let (u, h) = jump
                .rsplit_once('@')
                .map_or((None, jump.as_str()), |(u, h)| (Some(u), h));
            match u {
                Some(u) => format!("{u}@[{h}]:{p}"),
                None => format!("[{h}]:{p}"),
            }
        } else {
            format!("{jump}:{p}")
        };
    }
    Some(jump)
}

/// `%h` is the name given to ssh, `%%` a percent sign: the only tokens HostName allows.
fn expand_hostname(value: &str, original: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('%', Some('h')) => {
                out.push_str(original);
                chars.next();
            }
            ('%', Some('%')) => {
                out.push('%');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn expand_path(raw: &str, tokens: &Tokens, host: &str, user: &str) -> PathBuf {
    let mut out = String::new();
    let mut rest = raw;
    if let (Some(after), Some(home)) = (raw.strip_prefix("~/"), tokens.home) {
        out.push_str(home);
        out.push('/');
        rest = after;
    }
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(tokens.home.unwrap_or("~")),
            Some('u') => out.push_str(tokens.local_user),
            Some('h') => out.push_str(host),
            Some('r') => out.push_str(user),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    PathBuf::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn values_are_validated() {
        assert_eq!(
            parse_value("port", &args(&["2222"])),
            Ok(Some(Value::Port(2222)))
        );
        assert!(parse_value("port", &args(&["0"])).is_err());
        assert!(parse_value("port", &args(&["22", "23"])).is_err());
        assert!(parse_value("stricthostkeychecking", &args(&["maybe"])).is_err());
        assert!(parse_value("connecttimeout", &args(&["soon"])).is_err());
        assert_eq!(parse_value("forwardagent", &args(&["yes"])), Ok(None));
    }

    #[test]
    fn jump_hosts_from_proxy_commands() {
        let j = |c: &str| jump_from_proxy_command(c);
        assert_eq!(j("ssh -W %h:%p bastion"), Some("bastion".into()));
        assert_eq!(
            j("ssh -q -l ops -p 2222 -W %h:%p jump.lab"),
            Some("ops@jump.lab:2222".into())
        );
        assert_eq!(
            j("/usr/bin/ssh -W %h:%p -p 22 fd00::1"),
            Some("[fd00::1]:22".into())
        );
        assert_eq!(j("nc -X connect -x proxy:3128 %h %p"), None);
        assert_eq!(j("ssh -W %h:%p -o Foo=bar bastion"), None);
        assert_eq!(j("ssh bastion"), None);
    }

    #[test]
    fn tokens_expand() {
        assert_eq!(expand_hostname("%h.lab.example", "r1"), "r1.lab.example");
        assert_eq!(expand_hostname("100%%", "r1"), "100%");
        let t = Tokens {
            original_host: "r1",
            home: Some("/home/u"),
            local_user: "u",
        };
        assert_eq!(
            expand_path("~/.ssh/id_%r@%h", &t, "10.0.0.1", "admin"),
            PathBuf::from("/home/u/.ssh/id_admin@10.0.0.1")
        );
        assert_eq!(
            expand_path("%d/k", &t, "h", "r"),
            PathBuf::from("/home/u/k")
        );
    }
}
