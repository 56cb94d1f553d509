//! The catalogue of reasons: every way a stage can end other than a plain pass, as a value.
//! Each carries its stage, its JSON name, one plain sentence (what it means and what to do),
//! what the watch does about it, and whether it withholds credentials. Stages build their
//! outcomes from it; the dashboard's diagnosis, the watch, `check` and the tests read it.
//! A reason without a sentence does not compile: `catalogue!` requires one.

use super::Stage;
use Policy::{Retry, Stop, Unconfigured};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// What the watch does after a failure with this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Something may change by itself (an image booting, a busy device): try again later.
    Retry,
    /// Trying again would repeat what failed (a rejected secret, an untrusted key) or cannot
    /// change it (the client's algorithms, the kinds of credential configured): stop until the
    /// user acts. Says why and what to change; the watch adds how to resume.
    Stop(&'static str),
    /// The configuration leaves nothing more to reach: with an automatic target the device
    /// is ready once `ready_at` passed; a target beyond it stops, saying `why` (`{target}`
    /// stands for the target stage).
    Unconfigured { ready_at: Stage, why: &'static str },
}

/// What the catalogue knows of one reason.
#[derive(Debug, PartialEq, Eq)]
pub struct ReasonInfo {
    /// The stage it belongs to; None for reasons any stage can have (`not_reached`).
    pub stage: Option<Stage>,
    /// The JSON name, unique within its stage.
    pub name: &'static str,
    pub policy: Policy,
    /// No credential may be sent after it (a host key that contradicts known_hosts).
    pub withholds_credentials: bool,
    /// For people: what it means and what to do, in one or two short lines.
    pub sentence: &'static str,
}

/// Why credentials of a kind the server does not take stop the watch: the server's methods
/// and the device's credentials are both fixed, so only the user's change makes them meet.
const CREDENTIAL_KIND: &str = "the server accepts none of the kinds of credential configured and retrying cannot change that; configure a credential of a kind it accepts (a key if it offers only publickey)";

macro_rules! catalogue {
    ($( $variant:ident { $($field:ident : $value:expr),* $(,)? } ),* $(,)?) => {
        /// A reason a stage ended as it did; serialises to its JSON name (`refused`, …).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason { $( $variant ),* }

        impl Reason {
            /// Every reason, in pipeline order.
            pub const ALL: &'static [Reason] = &[$( Reason::$variant ),*];

            pub fn info(self) -> &'static ReasonInfo {
                match self {
                    $( Reason::$variant => &ReasonInfo { $($field: $value),* } ),*
                }
            }
        }
    };
}

catalogue! {
    DnsLiteralIp {
        stage: Some(Stage::Dns),
        name: "literal_ip",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The host is an IP address: there was no name to look up.",
    },
    DnsViaJump {
        stage: Some(Stage::Dns),
        name: "via_jump",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The name is resolved by the jump host, not here.",
    },
    DnsNxdomain {
        stage: Some(Stage::Dns),
        name: "nxdomain",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The name is in neither DNS nor /etc/hosts; check its spelling in the inventory, or use the management address.",
    },
    DnsNoAddress {
        stage: Some(Stage::Dns),
        name: "no_address",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The name exists but has no address record; use the device's management IP instead.",
    },
    DnsTimeout {
        stage: Some(Stage::Dns),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "No DNS server answered in time; check /etc/resolv.conf, or use an IP address.",
    },
    DnsFailed {
        stage: Some(Stage::Dns),
        name: "failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The name could not be resolved; check /etc/resolv.conf, the name, or use an IP address.",
    },
    TcpRefused {
        stage: Some(Stage::Tcp),
        name: "refused",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Nothing listens on this port: SSH is off, on another port, or the container is still starting.",
    },
    TcpTimeout {
        stage: Some(Stage::Tcp),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Nothing answered: a firewall drops the packets, the address is wrong, or the device is down.",
    },
    TcpUnreachable {
        stage: Some(Stage::Tcp),
        name: "unreachable",
        policy: Retry,
        withholds_credentials: false,
        sentence: "There is no route to this address from here; check the management network or the lab bridge.",
    },
    TcpNoAddress {
        stage: Some(Stage::Tcp),
        name: "no_address",
        policy: Retry,
        withholds_credentials: false,
        sentence: "No address was left to connect to; check the host name or address in the inventory.",
    },
    TcpFailed {
        stage: Some(Stage::Tcp),
        name: "failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The TCP connection failed in a way the detail names; check the address and the network path.",
    },
    JumpFailed {
        stage: Some(Stage::Tcp),
        name: "jump_failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The jump host in front of this device failed (the detail says at which stage); fix the bastion first.",
    },
    BannerTimeout {
        stage: Some(Stage::Banner),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The port is open but no SSH server speaks: an image still booting (wait, then re-probe with r), or a tarpit.",
    },
    BannerClosed {
        stage: Some(Stage::Banner),
        name: "closed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server hung up before identifying itself: often a session limit (MaxStartups, VTY lines) or an access list.",
    },
    BannerReset {
        stage: Some(Stage::Banner),
        name: "reset",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The connection was reset before the server identified itself: a session limit, an access list, or a restarting daemon.",
    },
    BannerNotSsh {
        stage: Some(Stage::Banner),
        name: "not_ssh",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Something other than SSH listens on this port; check the port number in the inventory.",
    },
    BannerSsh1Only {
        stage: Some(Stage::Banner),
        name: "ssh1_only",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The device speaks only SSH version 1, which no current client supports; enable version 2 on it (ip ssh version 2).",
    },
    BannerTooLong {
        stage: Some(Stage::Banner),
        name: "too_long",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The identification line is longer than the protocol allows: this is not a conforming SSH server.",
    },
    BannerFailed {
        stage: Some(Stage::Banner),
        name: "failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The connection failed before the server identified itself; the detail names the network error.",
    },
    NoCommonKex {
        stage: Some(Stage::Kex),
        name: "no_common_kex",
        policy: Stop("your client enables none of the device's key exchanges and retrying cannot change that; change the algorithms your client offers (a, or sshtriage fix algorithms)"),
        withholds_credentials: false,
        sentence: "Your client enables none of the device's key exchanges: add one where it reads them (a, or the command below).",
    },
    NoCommonHostKey {
        stage: Some(Stage::Kex),
        name: "no_common_host_key",
        policy: Stop("your client enables none of the device's host key types and retrying cannot change that; change the algorithms your client offers (a, or sshtriage fix algorithms)"),
        withholds_credentials: false,
        sentence: "Your client accepts none of the device's host key types: add one where it reads them (a, or the command below).",
    },
    NoCommonCipher {
        stage: Some(Stage::Kex),
        name: "no_common_cipher",
        policy: Stop("your client enables none of the device's ciphers and retrying cannot change that; change the algorithms your client offers (a, or sshtriage fix algorithms)"),
        withholds_credentials: false,
        sentence: "Your client enables none of the device's ciphers: add one where it reads them (a, or the command below).",
    },
    NoCommonMac {
        stage: Some(Stage::Kex),
        name: "no_common_mac",
        policy: Stop("your client enables none of the device's MACs and retrying cannot change that; change the algorithms your client offers (a, or sshtriage fix algorithms)"),
        withholds_credentials: false,
        sentence: "Your client enables none of the device's MACs: add one where it reads them (a, or the command below).",
    },
    KexOtherClient {
        stage: Some(Stage::Kex),
        name: "other_client",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Your client negotiates, but another client this inventory may be run with would not: the detail names it and the compatibility rows say what fixes it.",
    },
    KexProbeLimit {
        stage: Some(Stage::Kex),
        name: "probe_limit",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Your client negotiates, but sshtriage's own probe cannot (russh lacks the algorithms), so the stages after kex could not be checked.",
    },
    KexBadPacket {
        stage: Some(Stage::Kex),
        name: "bad_packet",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server sent a malformed packet during key exchange: a server bug, or not really SSH.",
    },
    KexClosed {
        stage: Some(Stage::Kex),
        name: "closed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server hung up during key exchange, usually because it found no algorithm in common and said nothing.",
    },
    KexTimeout {
        stage: Some(Stage::Kex),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The key exchange did not finish in time: an overloaded device, or a large group on slow hardware.",
    },
    KexFailed {
        stage: Some(Stage::Kex),
        name: "failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The key exchange failed; the evidence and transcript show where.",
    },
    HostKeyChanged {
        stage: Some(Stage::HostKey),
        name: "changed",
        policy: Stop("the host key contradicts known_hosts, so no credential is sent; if the device was rebuilt, update known_hosts"),
        withholds_credentials: true,
        sentence: "The key differs from known_hosts: expected after a redeploy, an attack otherwise. If you redeployed, run the commands below.",
    },
    HostKeyRevoked {
        stage: Some(Stage::HostKey),
        name: "revoked",
        policy: Stop("the host key contradicts known_hosts, so no credential is sent; if the device was rebuilt, update known_hosts"),
        withholds_credentials: true,
        sentence: "This key is marked @revoked in known_hosts; do not connect until you know why.",
    },
    HostKeyUnreadable {
        stage: Some(Stage::HostKey),
        name: "unreadable",
        policy: Stop("known_hosts could not be read whole, so no credential is sent; trim the file"),
        withholds_credentials: true,
        sentence: "Part of known_hosts was not read (the file is over the size limit), so the key cannot be checked and no credential is sent; trim the file.",
    },
    HostKeyUnknown {
        stage: Some(Stage::HostKey),
        name: "unknown",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The host is not in known_hosts; it was accepted under a lenient policy. Compare the fingerprint with the device's.",
    },
    HostKeyTimeout {
        stage: Some(Stage::HostKey),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Checking the host key against known_hosts took too long: a very large or slow known_hosts file.",
    },
    HostKeyFailed {
        stage: Some(Stage::HostKey),
        name: "failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The key exchange ended without a host key to check: a server bug, or not really SSH.",
    },
    MethodsNoneAccepted {
        stage: Some(Stage::AuthMethods),
        name: "none_accepted",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server let us in without any authentication: anyone who can reach it can log in.",
    },
    NoUsableMethod {
        stage: Some(Stage::AuthMethods),
        name: "no_usable_method",
        policy: Stop(CREDENTIAL_KIND),
        withholds_credentials: false,
        sentence: "None of this device's credentials is a kind the server accepts; configure what it asks for (a key if it offers only publickey).",
    },
    AuthMethodsTimeout {
        stage: Some(Stage::AuthMethods),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server did not say in time which login methods it accepts: an overloaded device or a slow AAA server.",
    },
    AuthMethodsClosed {
        stage: Some(Stage::AuthMethods),
        name: "closed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server hung up when asked which login methods it accepts: a session limit or an access list.",
    },
    AuthNoneAccepted {
        stage: Some(Stage::Auth),
        name: "none_accepted",
        policy: Retry,
        withholds_credentials: false,
        sentence: "No login was needed: the server accepts anyone without authentication.",
    },
    AuthRejected {
        stage: Some(Stage::Auth),
        name: "rejected",
        policy: Stop("the credential was rejected and is not retried automatically (repeated failures lock accounts); fix it"),
        withholds_credentials: false,
        sentence: "The server refused the credentials: a wrong password or an unauthorised key. Check the username and secret for this device.",
    },
    AuthPartial {
        stage: Some(Stage::Auth),
        name: "partial",
        policy: Stop("the credential was rejected and is not retried automatically (repeated failures lock accounts); fix it"),
        withholds_credentials: false,
        sentence: "The credential was accepted but the server wants another factor, which an automated login cannot give.",
    },
    AuthNoCredentials {
        stage: Some(Stage::Auth),
        name: "no_credentials",
        policy: Unconfigured { ready_at: Stage::AuthMethods, why: "no password, key or agent is configured, so {target} cannot be reached; add one to the inventory" },
        withholds_credentials: false,
        sentence: "No credential is configured for this device; set a password, key_file or agent in the inventory.",
    },
    AuthNoUsableMethod {
        stage: Some(Stage::Auth),
        name: "no_usable_method",
        policy: Stop(CREDENTIAL_KIND),
        withholds_credentials: false,
        sentence: "None of this device's credentials is a kind the server accepts; configure what it asks for (a key if it offers only publickey).",
    },
    AuthKeyUnreadable {
        stage: Some(Stage::Auth),
        name: "key_unreadable",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The private key could not be used: a wrong passphrase or an unsupported format.",
    },
    AuthWrongPassphrase {
        stage: Some(Stage::Auth),
        name: "wrong_passphrase",
        policy: Stop("the key's passphrase is wrong and trying again cannot change that; fix passphrase_env or passphrase_file"),
        withholds_credentials: false,
        sentence: "The private key is encrypted and the configured passphrase does not decrypt it: check passphrase_env or passphrase_file.",
    },
    AuthRsaSha1Only {
        stage: Some(Stage::Auth),
        name: "rsa_sha1_only",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The device verifies RSA keys only with SHA-1 (ssh-rsa): clients that refuse ssh-rsa need it allowed again, as the detail shows.",
    },
    AuthTimeout {
        stage: Some(Stage::Auth),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server did not answer the login in time: often a slow AAA (RADIUS, TACACS+) server behind the device.",
    },
    AuthClosed {
        stage: Some(Stage::Auth),
        name: "closed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The server hung up during login: too many attempts, or an AAA policy.",
    },
    ShellRefused {
        stage: Some(Stage::Prompt),
        name: "shell_refused",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The login worked but the server refused an interactive shell: a NETCONF-only or restricted account.",
    },
    UnknownProfile {
        stage: Some(Stage::Prompt),
        name: "unknown_profile",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The inventory names a platform profile that does not exist; use one of the names the detail lists.",
    },
    PromptTimeout {
        stage: Some(Stage::Prompt),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "No prompt the profile expects appeared: check the device's platform (profile), or a banner waiting for a key press.",
    },
    PromptClosed {
        stage: Some(Stage::Prompt),
        name: "closed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The device closed the session right after login: an account without shell rights, or a session limit.",
    },
    AlreadyPrivileged {
        stage: Some(Stage::Enable),
        name: "already_privileged",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The login landed in privileged mode already; no enable step was needed.",
    },
    EnableBadSecret {
        stage: Some(Stage::Enable),
        name: "bad_secret",
        policy: Stop("the enable secret (or become password) was rejected and is not retried automatically; fix it"),
        withholds_credentials: false,
        sentence: "The enable or become (sudo) password was rejected; check enable_secret.",
    },
    EnableNoSecret {
        stage: Some(Stage::Enable),
        name: "no_secret",
        policy: Unconfigured { ready_at: Stage::Prompt, why: "the device asks for an enable (or sudo) password and none is configured; add enable_secret (become_password) to the inventory" },
        withholds_credentials: false,
        sentence: "Enable (or sudo) asks for a password but no enable secret or become password is configured for this device.",
    },
    AmbiguousProfile {
        stage: Some(Stage::Enable),
        name: "ambiguous_profile",
        policy: Unconfigured { ready_at: Stage::Prompt, why: "the prompt fits platforms that enter enable mode differently, so {target} was not tried; set profile = \"…\" for this device as the detail says" },
        withholds_credentials: false,
        sentence: "An enable secret is set, but the prompt fits platforms that enter enable differently (or none); set the profile the detail names.",
    },
    EnableNotAllowed {
        stage: Some(Stage::Enable),
        name: "not_allowed",
        policy: Stop("the account may not use sudo on this host and retrying cannot change that; give it a sudoers entry or use another account"),
        withholds_credentials: false,
        sentence: "This account may not use sudo on the host (not in sudoers); add a sudoers entry for it, or log in as an account that has one.",
    },
    SudoPasswordless {
        stage: Some(Stage::Enable),
        name: "passwordless",
        policy: Retry,
        withholds_credentials: false,
        sentence: "sudo asked no password (NOPASSWD, or root): escalation works, and a configured become password was not checked.",
    },
    EnableRejected {
        stage: Some(Stage::Enable),
        name: "rejected",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The device refused the enable command itself: this account may not be allowed to raise its privilege.",
    },
    EnableTimeout {
        stage: Some(Stage::Enable),
        name: "timeout",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Timeout waiting for the privilege escalation prompt: enable's prompt differs from the profile's, or sudo is slow to answer.",
    },
    EnableClosed {
        stage: Some(Stage::Enable),
        name: "closed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The device closed the shell during the enable step: an AAA policy or a session limit.",
    },
    EnableFailed {
        stage: Some(Stage::Enable),
        name: "failed",
        policy: Retry,
        withholds_credentials: false,
        sentence: "The enable step could not go on; the transcript shows where it stopped.",
    },
    NotApplicable {
        stage: Some(Stage::Enable),
        name: "not_applicable",
        policy: Retry,
        withholds_credentials: false,
        sentence: "This platform has no enable step, or no privilege escalation (become) is configured for it.",
    },
    NotReached {
        stage: None,
        name: "not_reached",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Not run: an earlier stage failed, and each stage needs the ones before it.",
    },
    HostKeyUntrusted {
        stage: None,
        name: "host_key_untrusted",
        policy: Retry,
        withholds_credentials: false,
        sentence: "Not attempted: no credential is sent to a device whose host key is not trusted.",
    },
    InternalError {
        stage: None,
        name: "internal_error",
        policy: Retry,
        withholds_credentials: false,
        sentence: "sshtriage stopped probing this device unexpectedly: a bug; the detail says where, please report it.",
    }
}

impl Reason {
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn sentence(self) -> &'static str {
        self.info().sentence
    }

    pub fn policy(self) -> Policy {
        self.info().policy
    }

    pub fn withholds_credentials(self) -> bool {
        self.info().withholds_credentials
    }

    /// The reason named `name` at `stage` (its own or one any stage can have).
    pub fn parse(stage: Stage, name: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| {
            let info = r.info();
            info.name == name && info.stage.is_none_or(|s| s == stage)
        })
    }

    /// `stage` ran out of time.
    pub fn timeout(stage: Stage) -> Reason {
        match stage {
            Stage::Dns => Reason::DnsTimeout,
            Stage::Tcp => Reason::TcpTimeout,
            Stage::Banner => Reason::BannerTimeout,
            Stage::Kex => Reason::KexTimeout,
            Stage::HostKey => Reason::HostKeyTimeout,
            Stage::AuthMethods => Reason::AuthMethodsTimeout,
            Stage::Auth => Reason::AuthTimeout,
            Stage::Prompt => Reason::PromptTimeout,
            Stage::Enable => Reason::EnableTimeout,
        }
    }

    /// One of the `no_common_*` kex failures: a configuration an allow-list can change.
    pub fn is_no_common_algorithm(self) -> bool {
        matches!(
            self,
            Reason::NoCommonKex
                | Reason::NoCommonHostKey
                | Reason::NoCommonCipher
                | Reason::NoCommonMac
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A reason as read back from JSON, before its stage says which one it is (the structs that
/// hold a reason read it so, then `Reason::parse` it with their stage).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ReasonName(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_a_sentence_of_at_most_two_short_lines() {
        for reason in Reason::ALL {
            let sentence = reason.sentence();
            assert!(!sentence.trim().is_empty(), "{reason:?} has no sentence");
            assert!(
                sentence.len() <= 2 * 76,
                "{reason:?}: the sentence is longer than two lines of the diagnosis pane"
            );
            assert!(sentence.ends_with('.'), "{reason:?}: {sentence}");
        }
    }

    #[test]
    fn names_are_unique_per_stage_and_parse_back() {
        for reason in Reason::ALL {
            let stages: Vec<Stage> = match reason.info().stage {
                Some(stage) => vec![stage],
                None => Stage::ALL.to_vec(),
            };
            for stage in stages {
                assert_eq!(Reason::parse(stage, reason.name()), Some(*reason));
            }
        }
    }

    #[test]
    fn a_timeout_belongs_to_its_stage() {
        for stage in Stage::ALL {
            assert_eq!(Reason::timeout(stage).info().stage, Some(stage));
            assert_eq!(Reason::timeout(stage).name(), "timeout");
        }
    }

    #[test]
    fn only_a_contradicted_host_key_withholds_credentials() {
        let withheld: Vec<Reason> = Reason::ALL
            .iter()
            .copied()
            .filter(|r| r.withholds_credentials())
            .collect();
        assert_eq!(
            withheld,
            [
                Reason::HostKeyChanged,
                Reason::HostKeyRevoked,
                Reason::HostKeyUnreadable
            ]
        );
    }

    #[test]
    fn json_is_the_name() {
        assert_eq!(
            serde_json::to_string(&Reason::NoCommonKex).unwrap(),
            "\"no_common_kex\""
        );
    }
}
