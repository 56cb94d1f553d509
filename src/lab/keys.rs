//! Host key generation for simulated devices.

use std::io;

use russh::keys::PrivateKey;
use russh::keys::key::safe_rng;
use russh::keys::ssh_key::{Algorithm, EcdsaCurve};

fn generate(algorithm: Algorithm) -> io::Result<PrivateKey> {
    PrivateKey::random(&mut safe_rng(), algorithm)
        .map_err(|e| io::Error::other(format!("host key generation failed: {e}")))
}

/// A fresh Ed25519 host key (fast).
pub fn generate_ed25519_host_key() -> io::Result<PrivateKey> {
    generate(Algorithm::Ed25519)
}

/// A fresh ECDSA P-256 host key (fast).
pub fn generate_ecdsa_p256_host_key() -> io::Result<PrivateKey> {
    generate(Algorithm::Ecdsa {
        curve: EcdsaCurve::NistP256,
    })
}

/// A fresh 2048-bit RSA host key, usable for `ssh-rsa`, `rsa-sha2-256` and `rsa-sha2-512`.
/// Slow in unoptimised builds (around ten seconds): generate once and clone.
pub fn generate_rsa_host_key() -> io::Result<PrivateKey> {
    generate(Algorithm::Rsa { hash: None })
}
