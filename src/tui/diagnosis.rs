//! One plain sentence per (stage, reason): what it means and what to do. Kept as one table so
//! wording stays consistent and a new reason is one line.

use crate::model::{Stage, Status};

use Stage::*;

static SENTENCES: &[(Stage, &str, &str)] = &[
    (
        Dns,
        "nxdomain",
        "The name is in neither DNS nor /etc/hosts; check its spelling in the inventory, or use the management address.",
    ),
    (
        Dns,
        "no_address",
        "The name exists but has no address record; use the device's management IP instead.",
    ),
    (
        Dns,
        "timeout",
        "No DNS server answered in time; check /etc/resolv.conf, or use an IP address.",
    ),
    (
        Tcp,
        "refused",
        "Nothing listens on this port: SSH is off, on another port, or the container is still starting.",
    ),
    (
        Tcp,
        "timeout",
        "Nothing answered: a firewall drops the packets, the address is wrong, or the device is down.",
    ),
    (
        Tcp,
        "unreachable",
        "There is no route to this address from here; check the management network or the lab bridge.",
    ),
    (
        Banner,
        "timeout",
        "The port is open but no SSH server speaks: an image still booting (wait, then re-probe with r), or a tarpit.",
    ),
    (
        Banner,
        "closed",
        "The server hung up before identifying itself: often a session limit (MaxStartups, VTY lines) or an access list.",
    ),
    (
        Banner,
        "reset",
        "The connection was reset before the server identified itself: a session limit, an access list, or a restarting daemon.",
    ),
    (
        Banner,
        "not_ssh",
        "Something other than SSH listens on this port; check the port number in the inventory.",
    ),
    (
        Banner,
        "ssh1_only",
        "The device speaks only SSH version 1, which no current client supports; enable version 2 on it (ip ssh version 2).",
    ),
    (
        Banner,
        "too_long",
        "The identification line is longer than the protocol allows: this is not a conforming SSH server.",
    ),
    (
        Kex,
        "no_common_kex",
        "The device offers only key exchanges your client does not enable: allow one in the device's algorithms (kex = \"+…\") or upgrade its SSH.",
    ),
    (
        Kex,
        "no_common_host_key",
        "Your client accepts none of the device's host key types: allow one in the device's algorithms (host_key = \"+…\") or give it a modern key.",
    ),
    (
        Kex,
        "no_common_cipher",
        "The device offers only ciphers your client does not enable: allow one in the device's algorithms (cipher = \"+…\") or upgrade its SSH.",
    ),
    (
        Kex,
        "no_common_mac",
        "The device offers only MACs your client does not enable: allow one in the device's algorithms (mac = \"+…\") or upgrade its SSH.",
    ),
    (
        Kex,
        "bad_packet",
        "The server sent a malformed packet during key exchange: a server bug, or not really SSH.",
    ),
    (
        Kex,
        "closed",
        "The server hung up during key exchange, usually because it found no algorithm in common and said nothing.",
    ),
    (
        Kex,
        "timeout",
        "The key exchange did not finish in time: an overloaded device, or a large group on slow hardware.",
    ),
    (
        Kex,
        "failed",
        "The key exchange failed; the evidence and transcript show where.",
    ),
    (
        HostKey,
        "changed",
        "The key differs from known_hosts: expected after a redeploy, an attack otherwise. If you redeployed, remove the old entries (ssh-keygen -R).",
    ),
    (
        HostKey,
        "revoked",
        "This key is marked @revoked in known_hosts; do not connect until you know why.",
    ),
    (
        HostKey,
        "unreadable",
        "Part of known_hosts was not read (the file is over the size limit), so the key cannot be checked and no credential is sent; trim the file.",
    ),
    (
        HostKey,
        "unknown",
        "The host is not in known_hosts; it was accepted under a lenient policy. Compare the fingerprint with the device's.",
    ),
    (
        AuthMethods,
        "no_usable_method",
        "None of this device's credentials is a kind the server accepts; configure what it asks for (a key if it offers only publickey).",
    ),
    (
        Auth,
        "rejected",
        "The server refused the credentials: a wrong password or an unauthorised key. Check the username and secret for this device.",
    ),
    (
        Auth,
        "partial",
        "The credential was accepted but the server wants another factor, which an automated login cannot give.",
    ),
    (
        Auth,
        "no_credentials",
        "No credential is configured for this device; set a password, key_file or agent in the inventory.",
    ),
    (
        Auth,
        "key_unreadable",
        "The private key could not be used: a wrong passphrase or an unsupported format.",
    ),
    (
        Auth,
        "timeout",
        "The server did not answer the login in time: often a slow AAA (RADIUS, TACACS+) server behind the device.",
    ),
    (
        Auth,
        "closed",
        "The server hung up during login: too many attempts, or an AAA policy.",
    ),
    (
        Auth,
        "host_key_untrusted",
        "Not attempted: no credential is sent to a device whose host key is not trusted.",
    ),
    (
        Prompt,
        "shell_refused",
        "The login worked but the server refused an interactive shell: a NETCONF-only or restricted account.",
    ),
    (
        Prompt,
        "timeout",
        "No prompt the profile expects appeared: check the device's platform (profile), or a banner waiting for a key press.",
    ),
    (
        Prompt,
        "closed",
        "The device closed the session right after login: an account without shell rights, or a session limit.",
    ),
    (
        Enable,
        "bad_secret",
        "The device rejected the enable secret; check enable_secret for this device.",
    ),
    (
        Enable,
        "no_secret",
        "The profile needs an enable step but no enable secret is configured for this device.",
    ),
    (
        Enable,
        "timeout",
        "Timeout waiting for the privilege escalation prompt: the enable command or its prompt differs from the profile's.",
    ),
    (
        Enable,
        "already_privileged",
        "The login landed in privileged mode already; no enable step was needed.",
    ),
    (
        Enable,
        "not_applicable",
        "This platform has no enable step.",
    ),
];

/// The sentence for a stage's reason, if the table has one.
pub fn sentence(stage: Stage, reason: &str) -> Option<&'static str> {
    SENTENCES
        .iter()
        .find(|(s, r, _)| *s == stage && *r == reason)
        .map(|(_, _, sentence)| *sentence)
}

/// A sentence for any outcome, falling back to a generic one when the reason is new.
pub fn explain(stage: Stage, status: Status, reason: Option<&str>) -> String {
    if let Some(found) = reason.and_then(|r| sentence(stage, r)) {
        return found.to_string();
    }
    match status {
        Status::Fail => format!(
            "The {} stage failed; the evidence below shows what the device sent.",
            stage.title()
        ),
        Status::Warn => format!(
            "The {} stage passed with a remark; see the detail.",
            stage.title()
        ),
        Status::Ok => format!("The {} stage passed.", stage.title()),
        Status::Skip => format!("The {} stage did not run.", stage.title()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reason the engine documents has its own sentence.
    #[test]
    fn every_documented_reason_has_a_sentence() {
        let documented: &[(Stage, &[&str])] = &[
            (Dns, &["nxdomain", "no_address", "timeout"]),
            (Tcp, &["refused", "timeout", "unreachable"]),
            (
                Banner,
                &[
                    "timeout",
                    "closed",
                    "reset",
                    "not_ssh",
                    "ssh1_only",
                    "too_long",
                ],
            ),
            (
                Kex,
                &[
                    "no_common_kex",
                    "no_common_host_key",
                    "no_common_cipher",
                    "no_common_mac",
                    "bad_packet",
                    "closed",
                    "timeout",
                    "failed",
                ],
            ),
            (HostKey, &["changed", "revoked", "unreadable", "unknown"]),
            (AuthMethods, &["no_usable_method"]),
            (
                Auth,
                &[
                    "rejected",
                    "partial",
                    "no_credentials",
                    "key_unreadable",
                    "timeout",
                    "closed",
                    "host_key_untrusted",
                ],
            ),
            (Prompt, &["shell_refused", "timeout", "closed"]),
            (
                Enable,
                &[
                    "bad_secret",
                    "no_secret",
                    "timeout",
                    "already_privileged",
                    "not_applicable",
                ],
            ),
        ];
        for (stage, reasons) in documented {
            for reason in *reasons {
                assert!(
                    sentence(*stage, reason).is_some(),
                    "no sentence for {stage}/{reason}"
                );
            }
        }
    }

    /// Two lines of an 80-column diagnosis pane, so the advice is never cut off.
    #[test]
    fn sentences_are_short() {
        for (stage, reason, sentence) in SENTENCES {
            let lines = crate::tui::text::wrap(sentence, 76).len();
            assert!(lines <= 2, "{stage}/{reason} takes {lines} lines");
        }
    }

    #[test]
    fn table_has_no_duplicates_and_unknown_reasons_fall_back() {
        for (i, (stage, reason, _)) in SENTENCES.iter().enumerate() {
            assert!(
                !SENTENCES[i + 1..]
                    .iter()
                    .any(|(s, r, _)| s == stage && r == reason),
                "{stage}/{reason} twice"
            );
        }
        let text = explain(Kex, Status::Fail, Some("brand_new"));
        assert!(text.contains("kex stage failed"), "{text}");
    }
}
