//! `auth`: publickey (key file, inline key, ssh-agent, default identities), then password, then
//! keyboard-interactive answering password prompts. Only reached when the host key did not
//! contradict known_hosts (or the user overrode that for this run).

use super::super::{Outcome, Probe};
use crate::device::KeySource;
use crate::known_hosts::fingerprint;
use crate::model::Direction;
use crate::model::Reason;
use russh::client::{AuthResult, KeyboardInteractiveAuthResponse};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keyboard-interactive rounds answered before giving up (servers may chain prompts).
const MAX_KBD_ROUNDS: usize = 5;

enum Step {
    Done(Outcome),
    Rejected(Vec<String>),
}

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    if p.authenticated {
        return Outcome::ok_because(Reason::AuthNoneAccepted, "no authentication was needed");
    }
    let offered = p.report.auth_methods.clone().unwrap_or_default();
    if p.device.credentials.is_empty() {
        return Outcome::fail(
            Reason::AuthNoCredentials,
            format!(
                "no password, key or agent is configured for this device; the server accepts {}",
                offered.join(",")
            ),
        );
    }
    let user = p.username();
    let mut tried: Vec<String> = Vec::new();
    let mut remaining = offered.clone();
    let offers = |m: &str, remaining: &[String]| remaining.iter().any(|o| o == m);

    if offers("publickey", &remaining) {
        let keys = match load_keys(p) {
            Ok(keys) => keys,
            Err(outcome) => return outcome,
        };
        for (label, key) in keys {
            tried.push(format!("publickey {label}"));
            match try_key(p, &user, &label, key).await {
                Step::Done(outcome) => return outcome,
                Step::Rejected(r) => remaining = r,
            }
        }
        if p.device.credentials.agent {
            match try_agent(p, &user, &mut tried).await {
                Some(Step::Done(outcome)) => return outcome,
                Some(Step::Rejected(r)) => remaining = r,
                None => {}
            }
        }
    }
    if let Some(password) = p.device.credentials.password.clone() {
        if offers("password", &remaining) {
            tried.push("password".into());
            p.transcript(
                Direction::Sent,
                &format!("userauth password for {user}: ********"),
            );
            let result = p
                .session_mut()
                .authenticate_password(&user, password.expose())
                .await;
            match judge(p, result, "password") {
                Step::Done(outcome) => return outcome,
                Step::Rejected(r) => remaining = r,
            }
        }
        if offers("keyboard-interactive", &remaining) {
            tried.push("keyboard-interactive".into());
            match keyboard_interactive(p, &user, password.expose()).await {
                Step::Done(outcome) => return outcome,
                Step::Rejected(r) => remaining = r,
            }
        }
    }
    if tried.is_empty() {
        return Outcome::fail(
            Reason::AuthNoUsableMethod,
            format!(
                "the server accepts {} but this device has only {} configured",
                offered.join(","),
                p.credential_kinds().join(" and ")
            ),
        );
    }
    Outcome::fail(
        Reason::AuthRejected,
        format!(
            "authentication failed for {user}: the server rejected {}; methods that can continue: {}",
            tried.join(", "),
            if remaining.is_empty() {
                "none".into()
            } else {
                remaining.join(",")
            }
        ),
    )
}

impl Probe<'_> {
    fn session_mut(&mut self) -> &mut russh::client::Handle<super::super::client::Client> {
        self.session
            .as_mut()
            .expect("auth runs only after kex opened a session")
    }
}

fn judge(p: &mut Probe<'_>, result: Result<AuthResult, russh::Error>, method: &str) -> Step {
    match result {
        Ok(AuthResult::Success) => {
            p.authenticated = true;
            p.transcript(Direction::Note, &format!("{method}: accepted"));
            Step::Done(Outcome::ok(format!(
                "{} logged in with {method}",
                p.username()
            )))
        }
        Ok(AuthResult::Failure {
            remaining_methods,
            partial_success,
        }) => {
            let remaining: Vec<String> = remaining_methods
                .iter()
                .map(|m| <&str>::from(m).to_owned())
                .collect();
            if partial_success {
                return Step::Done(Outcome::fail(
                    Reason::AuthPartial,
                    format!(
                        "{method} was accepted but the server wants another factor: {}",
                        remaining.join(",")
                    ),
                ));
            }
            p.transcript(Direction::Note, &format!("{method}: rejected"));
            Step::Rejected(remaining)
        }
        Err(e) => Step::Done(Outcome::fail(
            Reason::AuthClosed,
            format!("the server closed the session during {method} authentication: {e}"),
        )),
    }
}

/// Signs in with one key; `source` (its file, or "inline key") names it in the outcome, so
/// the engineer sees which of several keys the device took.
async fn try_key(p: &mut Probe<'_>, user: &str, source: &str, key: PrivateKey) -> Step {
    // RSA keys sign with rsa-sha2-512/256 when the server announces it (RFC 8332), else ssh-rsa.
    let hash = if key.algorithm().is_rsa() {
        match p.session_mut().best_supported_rsa_hash().await {
            Ok(Some(Some(hash))) => Some(hash),
            Ok(Some(None)) => None,
            _ => Some(HashAlg::Sha256),
        }
    } else {
        None
    };
    let label = format!("{} {}", key.algorithm(), fingerprint(key.public_key()));
    let method = format!("publickey {source} ({label})");
    let key = Arc::new(key);
    let step = sign_in(p, user, &method, key.clone(), hash).await;
    let sha1_only = p
        .report
        .algorithms
        .as_ref()
        .is_some_and(|a| a.server.signs_rsa_with_sha1_only());
    let (Step::Rejected(_), Some(refused), true) = (&step, hash, sha1_only) else {
        return step;
    };
    // An old device that signs only with ssh-rsa often verifies user keys only as ssh-rsa too,
    // while announcing rsa-sha2 (OpenSSH 7.x-era images): try what an expert tries next,
    // `-o PubkeyAcceptedAlgorithms=+ssh-rsa`, and say which clients can do it.
    let refused = rsa_sha2_name(refused);
    p.transcript(
        Direction::Note,
        &format!("{refused} refused by a device that signs only with ssh-rsa: trying the same key as ssh-rsa (SHA-1)"),
    );
    let again = sign_in(p, user, &format!("{method} as ssh-rsa"), key, None).await;
    if !p.authenticated {
        return again;
    }
    Step::Done(Outcome::warn(
        Reason::AuthRsaSha1Only,
        format!(
            "{user} logged in with publickey only as ssh-rsa (SHA-1): the device refused the {refused} signature. \
             OpenSSH 8.8+ needs PubkeyAcceptedAlgorithms +ssh-rsa; Paramiko (Netmiko, Ansible network_cli) \
             before 5 needs {}; Paramiko 5 cannot sign with ssh-rsa",
            crate::algorithms::snippets::NETMIKO_SHA1_PUBKEYS
        ),
    ))
}

fn rsa_sha2_name(hash: HashAlg) -> &'static str {
    match hash {
        HashAlg::Sha512 => "rsa-sha2-512",
        _ => "rsa-sha2-256",
    }
}

/// `method` says which key, e.g. `publickey /home/u/.ssh/id_rsa (ssh-rsa SHA256:…)`.
async fn sign_in(
    p: &mut Probe<'_>,
    user: &str,
    method: &str,
    key: Arc<PrivateKey>,
    hash: Option<HashAlg>,
) -> Step {
    p.transcript(Direction::Sent, &format!("userauth {method} for {user}"));
    let key = PrivateKeyWithHashAlg::new(key, hash);
    let result = p.session_mut().authenticate_publickey(user, key).await;
    judge(p, result, method)
}

async fn try_agent(p: &mut Probe<'_>, user: &str, tried: &mut Vec<String>) -> Option<Step> {
    let mut agent = match russh::keys::agent::client::AgentClient::connect_env().await {
        Ok(a) => a,
        Err(e) => {
            p.transcript(Direction::Note, &format!("ssh-agent unavailable: {e}"));
            return None;
        }
    };
    let identities = agent.request_identities().await.unwrap_or_default();
    let mut last = None;
    for identity in identities {
        let russh::keys::agent::AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let method = format!(
            "publickey from the agent ({} {})",
            key.algorithm(),
            fingerprint(&key)
        );
        tried.push(method.clone());
        p.transcript(Direction::Sent, &format!("userauth {method} for {user}"));
        let hash = if key.algorithm().is_rsa() {
            Some(HashAlg::Sha256)
        } else {
            None
        };
        let result = p
            .session_mut()
            .authenticate_publickey_with(user, key, hash, &mut agent)
            .await
            .map_err(|e| russh::Error::IO(std::io::Error::other(e.to_string())));
        match judge(p, result, &method) {
            Step::Done(outcome) => return Some(Step::Done(outcome)),
            rejected => last = Some(rejected),
        }
    }
    last
}

async fn keyboard_interactive(p: &mut Probe<'_>, user: &str, password: &str) -> Step {
    p.transcript(
        Direction::Sent,
        &format!("userauth keyboard-interactive for {user}"),
    );
    let mut reply = p
        .session_mut()
        .authenticate_keyboard_interactive_start(user, None)
        .await;
    for _ in 0..MAX_KBD_ROUNDS {
        match reply {
            Ok(KeyboardInteractiveAuthResponse::Success) => {
                return judge(p, Ok(AuthResult::Success), "keyboard-interactive");
            }
            Ok(KeyboardInteractiveAuthResponse::Failure {
                remaining_methods,
                partial_success,
            }) => {
                return judge(
                    p,
                    Ok(AuthResult::Failure {
                        remaining_methods,
                        partial_success,
                    }),
                    "keyboard-interactive",
                );
            }
            Ok(KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. }) => {
                let answers: Vec<String> = prompts
                    .iter()
                    .map(|q| {
                        let asks_password = q.prompt.to_lowercase().contains("pass");
                        p.transcript(
                            Direction::Received,
                            &format!("keyboard-interactive prompt: {}", q.prompt.trim()),
                        );
                        if asks_password {
                            password.to_owned()
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                p.transcript(Direction::Sent, "keyboard-interactive answers: ********");
                reply = p
                    .session_mut()
                    .authenticate_keyboard_interactive_respond(answers)
                    .await;
            }
            Err(e) => {
                return Step::Done(Outcome::fail(
                    Reason::AuthClosed,
                    format!("the server closed the session during keyboard-interactive: {e}"),
                ));
            }
        }
    }
    Step::Done(Outcome::fail(
        Reason::AuthRejected,
        format!("keyboard-interactive asked more than {MAX_KBD_ROUNDS} rounds of questions"),
    ))
}

/// The private keys to offer, in order: the configured key, the further key files (skipped
/// with a note when unreadable, as ssh skips a missing IdentityFile), then (look_for_keys)
/// ~/.ssh. A file is offered once.
fn load_keys(p: &mut Probe<'_>) -> Result<Vec<(String, PrivateKey)>, Outcome> {
    let c = &p.device.credentials;
    let passphrase = c.passphrase.as_ref().map(|s| s.expose().to_owned());
    let mut keys = Vec::new();
    match &c.key {
        Some(KeySource::File(path)) => {
            let key = read_key(path, passphrase.as_deref())
                .map_err(|e| unreadable(&path.display().to_string(), &e, passphrase.is_some()))?;
            keys.push((path.display().to_string(), key));
        }
        Some(KeySource::Inline(text)) => {
            let key = decode_key(text.expose(), passphrase.as_deref())
                .map_err(|e| unreadable("the inline key", &e, passphrase.is_some()))?;
            keys.push(("inline key".to_owned(), key));
        }
        None => {}
    }
    let mut optional: Vec<PathBuf> = c.more_key_files.clone();
    if let (true, Some(home)) = (c.look_for_keys, std::env::var_os("HOME")) {
        optional.extend(
            ["id_ed25519", "id_ecdsa", "id_rsa"]
                .iter()
                .map(|name| PathBuf::from(&home).join(".ssh").join(name))
                .filter(|path| path.exists()),
        );
    }
    for path in optional {
        let name = path.display().to_string();
        if keys.iter().any(|(loaded, _)| *loaded == name) {
            continue;
        }
        match read_key(&path, passphrase.as_deref()) {
            Ok(key) => keys.push((name, key)),
            Err(e) => p.transcript(Direction::Note, &format!("skipped {name}: {e}")),
        }
    }
    Ok(keys)
}

/// Why a private key could not be used.
#[derive(Debug, thiserror::Error)]
enum KeyProblem {
    /// The key is encrypted and the configured passphrase does not decrypt it.
    #[error(
        "wrong passphrase: the key is encrypted and the configured passphrase does not decrypt it"
    )]
    WrongPassphrase,
    #[error(transparent)]
    Key(#[from] russh::keys::Error),
}

/// Reads a key file through the one bounded reader: only a regular file of at most
/// `files::SECRET_LIMIT`, so a path like `/dev/zero` or a FIFO cannot take the memory or
/// hang the probe.
fn read_key(path: &Path, passphrase: Option<&str>) -> Result<PrivateKey, KeyProblem> {
    use std::io::Error;
    let bytes = crate::files::read_bounded(path, crate::files::SECRET_LIMIT).map_err(|e| {
        russh::keys::Error::from(match e {
            crate::files::ReadError::Io { source, .. } => source,
            crate::files::ReadError::Missing { .. } => std::io::ErrorKind::NotFound.into(),
            e => Error::other(e.cause()),
        })
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| russh::keys::Error::from(Error::other("not a text key file")))?;
    decode_key(&text, passphrase)
}

/// Decodes a key; a failure with a passphrase given, on a key that is encrypted, is a wrong
/// passphrase (the decryption's check fails: "cryptographic error" is all the library says).
fn decode_key(text: &str, passphrase: Option<&str>) -> Result<PrivateKey, KeyProblem> {
    use russh::keys::Error as E;
    russh::keys::decode_secret_key(text, passphrase).map_err(|e| match (passphrase, &e) {
        (None, _) | (_, E::IO(_) | E::UnsupportedKeyType { .. }) => KeyProblem::Key(e),
        (Some(_), _) if is_encrypted(text) => KeyProblem::WrongPassphrase,
        _ => KeyProblem::Key(e),
    })
}

/// Whether the key text is encrypted, without decrypting it: OpenSSH and PEM (PKCS#1 with
/// DEK-Info) say so when read without a passphrase; PKCS#8 and PuTTY say it in a header.
fn is_encrypted(text: &str) -> bool {
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return true;
    }
    if text.trim_start().starts_with("PuTTY-User-Key-File-") {
        return text.lines().any(|l| {
            l.strip_prefix("Encryption:")
                .is_some_and(|v| v.trim() != "none")
        });
    }
    matches!(
        russh::keys::decode_secret_key(text, None),
        Err(russh::keys::Error::KeyIsEncrypted)
    )
}

fn unreadable(what: &str, e: &KeyProblem, had_passphrase: bool) -> Outcome {
    use russh::keys::Error as E;
    let e = match e {
        KeyProblem::WrongPassphrase => {
            return Outcome::fail(Reason::AuthWrongPassphrase, format!("{what}: {e}"));
        }
        KeyProblem::Key(e) => e,
    };
    let why = match e {
        E::KeyIsEncrypted if !had_passphrase => {
            "it is encrypted and no passphrase is configured (passphrase_env or passphrase_file)"
                .to_owned()
        }
        E::KeyIsEncrypted | E::KeyIsCorrupt => {
            "the passphrase is wrong or the key is corrupt".to_owned()
        }
        E::UnsupportedKeyType { .. } => format!("unsupported key format: {e}"),
        E::IO(io) => format!("cannot read it: {io}"),
        other => format!("unsupported or corrupt key: {other}"),
    };
    Outcome::fail(Reason::AuthKeyUnreadable, format!("{what}: {why}"))
}
