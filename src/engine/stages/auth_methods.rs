//! `auth_methods`: a `none` authentication tells which methods can continue, and brings the
//! pre-auth banner if the server has one. No credential is sent.

use super::super::{Outcome, Probe};
use crate::model::Reason;
use russh::MethodKind;
use russh::client::AuthResult;

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let user = p.username();
    let Some(session) = p.session.as_mut() else {
        return Outcome::fail(Reason::AuthMethodsClosed, "no SSH session");
    };
    let result = session.authenticate_none(user.clone()).await;
    p.report.auth_banner = p.captured.lock().ok().and_then(|c| c.auth_banner.clone());
    match result {
        Ok(AuthResult::Success) => {
            p.authenticated = true;
            p.report.auth_methods = Some(vec!["none".into()]);
            Outcome::ok_because(
                Reason::MethodsNoneAccepted,
                format!("the server let {user} in without authentication"),
            )
        }
        Ok(AuthResult::Failure {
            remaining_methods, ..
        }) => {
            let offered: Vec<String> = remaining_methods
                .iter()
                .map(|m| <&str>::from(m).to_owned())
                .collect();
            p.report.auth_methods = Some(offered.clone());
            if offered.is_empty() {
                return Outcome::fail(
                    Reason::AuthMethodsClosed,
                    "the server offered no authentication method",
                );
            }
            let ours = p.credential_methods();
            let banner = match &p.report.auth_banner {
                Some(_) => " (pre-auth banner received)",
                None => "",
            };
            if ours.is_empty() {
                return Outcome::ok(format!("the server accepts {}{banner}", offered.join(",")));
            }
            let usable = ours.iter().any(|m| offered.iter().any(|o| o == m.name()));
            if usable {
                Outcome::ok(format!("the server accepts {}{banner}", offered.join(",")))
            } else {
                Outcome::fail(
                    Reason::NoUsableMethod,
                    format!(
                        "the server accepts only {} but this device has only {} configured",
                        offered.join(","),
                        p.credential_kinds().join(" and ")
                    ),
                )
            }
        }
        Err(e) => Outcome::fail(
            Reason::AuthMethodsClosed,
            format!("the server ended the session: {e}"),
        ),
    }
}

/// A method as russh names it, for our credential kinds.
pub trait MethodName {
    fn name(&self) -> &'static str;
}

impl MethodName for MethodKind {
    fn name(&self) -> &'static str {
        self.into()
    }
}

impl Probe<'_> {
    /// The login name: the device's, else the local user's, as OpenSSH and Paramiko do.
    pub fn username(&self) -> String {
        self.device
            .username
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into())
    }

    /// Methods our configured credentials can use.
    pub fn credential_methods(&self) -> Vec<MethodKind> {
        let c = &self.device.credentials;
        let mut out = Vec::new();
        if c.has_key() || c.agent || c.look_for_keys {
            out.push(MethodKind::PublicKey);
        }
        if c.password.is_some() {
            out.push(MethodKind::Password);
            out.push(MethodKind::KeyboardInteractive);
        }
        out
    }

    /// Credential kinds in words, for messages.
    pub fn credential_kinds(&self) -> Vec<&'static str> {
        let c = &self.device.credentials;
        let mut out = Vec::new();
        if c.password.is_some() {
            out.push("a password");
        }
        match (&c.key, c.more_key_files.len()) {
            (None, 0) => {}
            (Some(_), 0) | (None, 1) => out.push("a private key"),
            _ => out.push("private keys"),
        }
        if c.agent {
            out.push("the ssh-agent");
        }
        if c.look_for_keys {
            out.push("keys in ~/.ssh");
        }
        out
    }
}
