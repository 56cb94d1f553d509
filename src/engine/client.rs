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
pub const MAX_AUTH_BANNER: usize = 16 * 1024;

/// Adds one USERAUTH_BANNER message to what was kept (a server may send several): at most
/// [`MAX_AUTH_BANNER`] bytes in all, cut at a character boundary.
pub fn keep_auth_banner(kept: &mut Option<String>, banner: &str) {
    let text = kept.get_or_insert_with(String::new);
    let room = MAX_AUTH_BANNER.saturating_sub(text.len());
    let mut end = banner.len().min(room);
    while !banner.is_char_boundary(end) {
        end -= 1;
    }
    text.push_str(&banner[..end]);
}
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
        keep_auth_banner(&mut captured.auth_banner, banner);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_are_kept_up_to_the_limit_in_bytes_whole_characters_only() {
        let mut kept = None;
        keep_auth_banner(&mut kept, "Authorized access only.\n");
        keep_auth_banner(&mut kept, "Second banner.\n");
        assert_eq!(
            kept.as_deref(),
            Some("Authorized access only.\nSecond banner.\n")
        );
        let mut kept = None;
        for _ in 0..3 {
            keep_auth_banner(&mut kept, &"日".repeat(MAX_AUTH_BANNER));
        }
        let text = kept.expect("kept");
        assert!(text.len() <= MAX_AUTH_BANNER, "{}", text.len());
        assert!(text.len() > MAX_AUTH_BANNER - 4);
        assert!(text.chars().all(|c| c == '日'));
    }
}
