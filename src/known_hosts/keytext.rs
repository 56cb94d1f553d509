//! The key part of a line (`type base64 [comment]`), parsed like OpenSSH's `sshkey_read`,
//! and the key-type names OpenSSH knows.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use russh::keys::ssh_key::{HashAlg, PublicKey};

use super::line::{skip_blanks, token_end};

/// OpenSSH key-type names (`sshkey_impl.name`) and the plain key algorithm each stands for;
/// `None` for certificate types, which a known_hosts line cannot usefully hold here.
const TYPE_NAMES: &[(&str, Option<&str>)] = &[
    ("ssh-ed25519", Some("ssh-ed25519")),
    (
        "sk-ssh-ed25519@openssh.com",
        Some("sk-ssh-ed25519@openssh.com"),
    ),
    ("ecdsa-sha2-nistp256", Some("ecdsa-sha2-nistp256")),
    ("ecdsa-sha2-nistp384", Some("ecdsa-sha2-nistp384")),
    ("ecdsa-sha2-nistp521", Some("ecdsa-sha2-nistp521")),
    (
        "sk-ecdsa-sha2-nistp256@openssh.com",
        Some("sk-ecdsa-sha2-nistp256@openssh.com"),
    ),
    (
        "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
        Some("sk-ecdsa-sha2-nistp256@openssh.com"),
    ),
    ("ssh-rsa", Some("ssh-rsa")),
    ("rsa-sha2-256", Some("ssh-rsa")),
    ("rsa-sha2-512", Some("ssh-rsa")),
    ("ssh-dss", Some("ssh-dss")),
    ("ssh-ed25519-cert-v01@openssh.com", None),
    ("sk-ssh-ed25519-cert-v01@openssh.com", None),
    ("ecdsa-sha2-nistp256-cert-v01@openssh.com", None),
    ("ecdsa-sha2-nistp384-cert-v01@openssh.com", None),
    ("ecdsa-sha2-nistp521-cert-v01@openssh.com", None),
    ("sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", None),
    ("ssh-rsa-cert-v01@openssh.com", None),
    ("rsa-sha2-256-cert-v01@openssh.com", None),
    ("rsa-sha2-512-cert-v01@openssh.com", None),
    ("ssh-dss-cert-v01@openssh.com", None),
];

/// Short names `ssh-keygen` also accepts as a key type (case-insensitive) when it only checks
/// the type of a line (`-R`), never when it parses the key.
const SHORT_NAMES: &[&str] = &["ED25519", "ED25519-SK", "ECDSA", "ECDSA-SK", "DSA", "RSA"];

/// Longest type token OpenSSH's `-R` check accepts (its buffer is 128 bytes).
const MAX_TYPE_LEN: usize = 127;

/// The plain key algorithm a host-key algorithm name belongs to, including certificate
/// and signature names (`rsa-sha2-512-cert-v01@openssh.com` -> `ssh-rsa`).
pub(crate) fn key_family(algorithm: &str) -> Option<&'static str> {
    let plain = algorithm.replace("-cert-v01@openssh.com", "");
    let plain = match plain.as_str() {
        "sk-ssh-ed25519" => "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256" => "sk-ecdsa-sha2-nistp256@openssh.com",
        other => other,
    };
    TYPE_NAMES
        .iter()
        .find(|(name, _)| *name == plain)
        .and_then(|(_, family)| *family)
}

pub(crate) fn is_certificate_algorithm(algorithm: &str) -> bool {
    algorithm.ends_with("-cert-v01@openssh.com")
}

/// A parsed key and the comment after it.
pub(crate) struct ParsedKey {
    pub key: PublicKey,
    pub comment: String,
}

/// Parses `type base64 [comment]` like `sshkey_read`: the type token must be a known name
/// whose key algorithm equals the blob's (so `rsa-sha2-256 <ssh-rsa blob>` is accepted).
pub(crate) fn parse_key(key_text: &[u8]) -> Result<ParsedKey, String> {
    let type_end = token_end(key_text);
    let type_token = &key_text[..type_end];
    let type_name = std::str::from_utf8(type_token).unwrap_or("");
    let family = match TYPE_NAMES.iter().find(|(name, _)| *name == type_name) {
        Some((_, Some(family))) => *family,
        Some((_, None)) => {
            return Err(format!(
                "certificate key type {type_name} is not supported here"
            ));
        }
        None => {
            return Err(format!(
                "unknown key type \"{}\"",
                shorten(&String::from_utf8_lossy(type_token))
            ));
        }
    };
    let rest = skip_blanks(&key_text[type_end..]);
    if rest.is_empty() {
        return Err("missing key data after key type".to_string());
    }
    let blob_end = token_end(rest);
    // OpenSSH's base64 decoder skips whitespace; inside this token that can only be a
    // trailing `\r` (CRLF files) or other control whitespace.
    let blob_text: Vec<u8> = rest[..blob_end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != 0x0b)
        .collect();
    let blob = B64
        .decode(&blob_text)
        .map_err(|_| "key data is not valid base64".to_string())?;
    let key = PublicKey::from_bytes(&blob).map_err(|e| format!("invalid key data: {e}"))?;
    if key.algorithm().as_str() != family {
        return Err(format!(
            "key type {type_name} does not match the key data ({})",
            key.algorithm().as_str()
        ));
    }
    let comment = String::from_utf8_lossy(skip_blanks(&rest[blob_end..]))
        .trim_end_matches(['\r', ' ', '\t'])
        .to_string();
    Ok(ParsedKey { key, comment })
}

/// What `ssh-keygen -R` checks of a line's key without parsing it: a known type name (or
/// short name) followed by something that is not a comment.
pub(crate) fn key_type_looks_valid(key_text: &[u8]) -> bool {
    let len = token_end(key_text);
    if len <= 1 || len > MAX_TYPE_LEN || len == key_text.len() {
        return false;
    }
    let Ok(type_name) = std::str::from_utf8(&key_text[..len]) else {
        return false;
    };
    let known = TYPE_NAMES.iter().any(|(name, _)| *name == type_name)
        || SHORT_NAMES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(type_name));
    let after = skip_blanks(&key_text[len..]);
    known && !after.is_empty() && after[0] != b'#'
}

/// `SHA256:…` exactly as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// `type base64` (no comment), the form OpenSSH writes into known_hosts.
pub(crate) fn key_line_text(key: &PublicKey) -> Result<String, String> {
    if key.key_data().is_certificate() {
        return Err("a certificate cannot be stored as a known host key".to_string());
    }
    let blob = key
        .to_bytes()
        .map_err(|e| format!("cannot encode key: {e}"))?;
    Ok(format!("{} {}", key.algorithm().as_str(), B64.encode(blob)))
}

/// Keeps messages about hostile input short and free of control characters (a file must
/// not be able to send escape sequences to the terminal through a warning): the one cleaner.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s
        .chars()
        .take(MAX)
        .map(crate::terminal_text::printable_char)
        .collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    out
}
