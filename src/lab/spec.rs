//! What a simulated device looks like: identity, credentials, algorithm offer, boot timing.

use std::fmt;
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::keys::ssh_key::{HashAlg, PublicKey};

/// CLI flavour: decides prompts, error messages, `show version` and which setup commands exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromptStyle {
    Ios,
    Eos,
    NxOs,
    Xr,
    Junos,
    SrLinux,
    SrOs,
    Linux,
}

impl PromptStyle {
    /// Whether the CLI has an unprivileged mode left with `enable` (Cisco IOS, Arista EOS).
    pub fn has_enable_mode(self) -> bool {
        matches!(self, PromptStyle::Ios | PromptStyle::Eos)
    }

    /// A plausible identification software part for this kind of box.
    pub fn default_software(self) -> &'static str {
        match self {
            PromptStyle::Ios => "Cisco-1.25",
            PromptStyle::Xr => "Cisco-2.0",
            PromptStyle::Eos | PromptStyle::NxOs => "OpenSSH_8.8",
            PromptStyle::Junos => "OpenSSH_8.6",
            PromptStyle::SrLinux => "OpenSSH_8.4p1 Debian-5+deb11u3",
            PromptStyle::SrOs => "OpenSSH_8.4",
            PromptStyle::Linux => "OpenSSH_9.2p1 Debian-2+deb12u3",
        }
    }
}

/// Authentication methods a device can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    Password,
    PublicKey,
    KeyboardInteractive,
}

/// The server's algorithm offer, by SSH name (e.g. `diffie-hellman-group14-sha1`, `ssh-rsa`,
/// `aes128-cbc`, `hmac-sha1`). An empty list keeps russh's default for that category; an
/// unknown name makes [`spawn_device`](super::spawn_device) fail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlgorithmSpec {
    pub kex: Vec<String>,
    pub host_key: Vec<String>,
    pub cipher: Vec<String>,
    pub mac: Vec<String>,
}

/// Boot timing, measured from spawn: first the port is closed (connection refused) for
/// `closed_for`; then for `silent_for` connections are accepted but no SSH identification is
/// ever sent on them (held open until that phase ends or the client leaves); afterwards the
/// device is a normal SSH server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BootScript {
    pub closed_for: Duration,
    pub silent_for: Duration,
}

impl BootScript {
    /// A device that is up from the start.
    pub const READY: BootScript = BootScript {
        closed_for: Duration::ZERO,
        silent_for: Duration::ZERO,
    };
}

/// Everything that makes up one simulated device. Build with [`DeviceSpec::new`] and adjust
/// fields; `Debug` never shows the password, enable secret or private host key.
#[derive(Clone)]
pub struct DeviceSpec {
    pub hostname: String,
    pub style: PromptStyle,
    pub username: String,
    /// Accepted for password and keyboard-interactive authentication.
    pub password: Option<String>,
    pub authorized_keys: Vec<PublicKey>,
    /// Offered to the client, in this order.
    pub auth_methods: Vec<AuthMethod>,
    /// `None`: `enable` goes straight to privileged mode.
    pub enable_secret: Option<String>,
    /// Land at the privileged prompt (`r1#`) directly.
    pub start_privileged: bool,
    /// Pre-authentication USERAUTH_BANNER.
    pub auth_banner: Option<String>,
    /// Printed after the shell starts, before the first prompt.
    pub motd: Option<String>,
    /// Server algorithm offer; `None` keeps russh's defaults.
    pub algorithms: Option<AlgorithmSpec>,
    pub host_key: PrivateKey,
    pub boot: BootScript,
    /// Reject pty and shell requests, like a NETCONF-only server.
    pub refuse_shell: bool,
    /// A badly-behaved device that echoes the enable secret back (for redaction tests).
    pub echo_enable_secret: bool,
    /// The shell opens but never prints anything (prompt timeout tests).
    pub silent_shell: bool,
    /// Print the MOTD and first prompt before confirming the shell request, as some IOS-like
    /// devices do: the client reads them while it waits for the confirmation.
    pub greeting_before_shell_reply: bool,
    /// End the shell right after its greeting (EOF and close), as a device whose exec dies
    /// at once; the prompt it printed is all a client gets.
    pub close_after_greeting: bool,
    /// Send shell output in SSH packets of at most this many bytes (1: a byte per packet),
    /// as some devices do; for redaction tests. None: one packet per reply.
    pub output_packet_bytes: Option<usize>,
    /// Identification software part: `"Cisco-1.25"` is sent as `SSH-2.0-Cisco-1.25`.
    pub software: String,
    /// Text lines sent before the SSH identification line (RFC 4253 allows them; some boxes
    /// print a notice there). Lines must not start with `SSH-`.
    pub pre_banner_lines: Vec<String>,
    /// Wait this long on every connection before saying anything: a slow device (a loaded
    /// VM, a server doing a reverse DNS lookup first) that a short stage timeout never sees.
    pub banner_delay: Duration,
}

impl DeviceSpec {
    /// A device that is up at once and accepts `admin`/`admin` by password,
    /// publickey (none authorized yet) or keyboard-interactive.
    pub fn new(hostname: impl Into<String>, style: PromptStyle, host_key: PrivateKey) -> Self {
        DeviceSpec {
            hostname: hostname.into(),
            style,
            username: "admin".to_owned(),
            password: Some("admin".to_owned()),
            authorized_keys: Vec::new(),
            auth_methods: vec![
                AuthMethod::Password,
                AuthMethod::PublicKey,
                AuthMethod::KeyboardInteractive,
            ],
            enable_secret: None,
            start_privileged: false,
            auth_banner: None,
            motd: None,
            algorithms: None,
            host_key,
            boot: BootScript::READY,
            refuse_shell: false,
            echo_enable_secret: false,
            silent_shell: false,
            greeting_before_shell_reply: false,
            close_after_greeting: false,
            output_packet_bytes: None,
            software: style.default_software().to_owned(),
            pre_banner_lines: Vec::new(),
            banner_delay: Duration::ZERO,
        }
    }

    pub(super) fn offers(&self, method: AuthMethod) -> bool {
        self.auth_methods.contains(&method)
    }
}

/// Shows whether secrets are set, never their values.
fn redacted<T>(value: &Option<T>) -> &'static str {
    if value.is_some() {
        "<redacted>"
    } else {
        "<none>"
    }
}

impl fmt::Debug for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host_key = self.host_key.public_key().fingerprint(HashAlg::Sha256);
        let authorized: Vec<String> = self
            .authorized_keys
            .iter()
            .map(|k| k.fingerprint(HashAlg::Sha256).to_string())
            .collect();
        f.debug_struct("DeviceSpec")
            .field("hostname", &self.hostname)
            .field("style", &self.style)
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .field("authorized_keys", &authorized)
            .field("auth_methods", &self.auth_methods)
            .field("enable_secret", &redacted(&self.enable_secret))
            .field("start_privileged", &self.start_privileged)
            .field("auth_banner", &self.auth_banner)
            .field("motd", &self.motd)
            .field("algorithms", &self.algorithms)
            .field("host_key", &host_key.to_string())
            .field("boot", &self.boot)
            .field("refuse_shell", &self.refuse_shell)
            .field("echo_enable_secret", &self.echo_enable_secret)
            .field("silent_shell", &self.silent_shell)
            .field(
                "greeting_before_shell_reply",
                &self.greeting_before_shell_reply,
            )
            .field("close_after_greeting", &self.close_after_greeting)
            .field("output_packet_bytes", &self.output_packet_bytes)
            .field("software", &self.software)
            .field("pre_banner_lines", &self.pre_banner_lines)
            .field("banner_delay", &self.banner_delay)
            .finish()
    }
}
