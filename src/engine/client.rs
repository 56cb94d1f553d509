//! Our russh client handler: it trusts every key *during* the key exchange and records what the
//! server proved, so that the `host_key` stage decides before any credential is sent.

use russh::client::{self, Session};
use russh::keys::PublicKey;
use russh::keys::PublicKeyOrCertificate;
use std::sync::{Arc, Mutex};

/// What russh learned that the stages need.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    pub server_key: Option<PublicKey>,
    pub server_certificate: bool,
    pub auth_banner: Option<String>,
    pub negotiated: Option<NegotiatedNames>,
    /// The host keys announced after authentication (`hostkeys-00@openssh.com`), first
    /// announcement only, at most `MAX_ANNOUNCED_KEYS`.
    pub announced: Option<Vec<PublicKey>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedNames {
    pub kex: String,
    pub host_key: String,
    pub cipher: String,
    pub mac_c2s: String,
    pub mac_s2c: String,
}

pub struct Client {
    pub captured: Arc<Mutex<Captured>>,
}

/// Bounds what a hostile server can make us keep.
const MAX_AUTH_BANNER: usize = 16 * 1024;
/// A server has a handful of host keys (one per type); more is noise to drop.
pub const MAX_ANNOUNCED_KEYS: usize = 16;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let mut captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                captured.server_key = Some(key.clone())
            }
            PublicKeyOrCertificate::Certificate(cert) => {
                captured.server_certificate = true;
                captured.server_key = PublicKey::new(cert.public_key().clone(), "").into();
            }
        }
        Ok(true)
    }

    async fn auth_banner(
        &mut self,
        banner: &str,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let mut captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        let text: String = banner.chars().take(MAX_AUTH_BANNER).collect();
        match &mut captured.auth_banner {
            Some(existing) if existing.len() < MAX_AUTH_BANNER => existing.push_str(&text),
            Some(_) => {}
            None => captured.auth_banner = Some(text),
        }
        Ok(())
    }

    async fn kex_done(
        &mut self,
        _shared_secret: Option<&[u8]>,
        names: &russh::Names,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let mut captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        // Only the first exchange is evidence; rekeys repeat it.
        if captured.negotiated.is_none() {
            captured.negotiated = Some(NegotiatedNames {
                kex: names.kex.as_ref().to_owned(),
                host_key: names.key.to_string(),
                cipher: names.cipher.as_ref().to_owned(),
                mac_c2s: names.client_mac.as_ref().to_owned(),
                mac_s2c: names.server_mac.as_ref().to_owned(),
            });
        }
        Ok(())
    }

    /// Only recorded: an announced key is evidence once the server proved it holds it
    /// (`stages::host_key::prove_announced`, after the stages, outside this callback).
    async fn openssh_ext_host_keys_announced(
        &mut self,
        keys: Vec<PublicKey>,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let mut captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        if captured.announced.is_none() {
            captured.announced = Some(keys.into_iter().take(MAX_ANNOUNCED_KEYS).collect());
        }
        Ok(())
    }
}
