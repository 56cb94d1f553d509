//! The host keys beyond the one the key exchange verified. OpenSSH announces all of its keys
//! after authentication (`hostkeys-00@openssh.com`); they count once the server has signed
//! for them on this connection (`hostkeys-prove-00@openssh.com`). A key of any other type the
//! server offers is had by one more key exchange offering only that type, without
//! authenticating, as ssh-keyscan does.

use super::client::Captured;
use super::{Probe, Shared, stages, walk};
use crate::device::{Credentials, Device, HostKeyPolicy, MAX_TIMEOUT};
use crate::known_hosts;
use crate::model::{AnnouncedKey, Direction, Stage};
use russh::keys::PublicKey;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request no server implements: its reply (a refusal) comes after whatever the server
/// sent before it, the announcement included.
const SYNC_REQUEST: &str = "sync@sshtriage";

/// After the stages, on an authenticated connection: records the keys the server announced
/// and asks it to prove those the key exchange did not. Each round trip is bounded by the
/// device's timeout; without an announcement nothing is recorded.
pub async fn prove_announced(p: &mut Probe<'_>) {
    if !p.authenticated || p.report.host_key.is_none() {
        return;
    }
    let Some(session) = p.session.as_ref() else {
        return;
    };
    let bound = p.device.timeout.min(MAX_TIMEOUT);
    // OpenSSH announces right after the authentication succeeds; the stages after it may
    // not have waited for a reply since.
    if announced(&p.captured).is_none() && is_openssh(&p.server_ident) {
        let sync = session.send_global_request(SYNC_REQUEST, &[], true);
        let _ = tokio::time::timeout(bound, sync).await;
    }
    let Some(keys) = announced(&p.captured) else {
        return;
    };
    let negotiated = p.captured.lock().ok().and_then(|c| c.server_key.clone());
    let is_negotiated = |k: &PublicKey| {
        negotiated
            .as_ref()
            .is_some_and(|n| n.key_data() == k.key_data())
    };
    let others: Vec<PublicKey> = keys.iter().filter(|k| !is_negotiated(k)).cloned().collect();
    let proof = match tokio::time::timeout(bound, session.hostkeys_prove(others.clone())).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no answer within {}",
            humantime::format_duration(bound)
        )),
    };
    let types: Vec<String> = keys.iter().map(|k| k.algorithm().to_string()).collect();
    let note = match &proof {
        Ok(()) if others.is_empty() => format!(
            "the server announced its host keys (hostkeys-00@openssh.com): {}",
            types.join(", ")
        ),
        Ok(()) => format!(
            "the server announced its host keys (hostkeys-00@openssh.com): {}; it proved holding them",
            types.join(", ")
        ),
        Err(why) => format!(
            "the server announced its host keys (hostkeys-00@openssh.com): {}; its proof failed ({why}), so they count for nothing",
            types.join(", ")
        ),
    };
    p.transcript(Direction::Note, &note);
    let recorded = keys
        .iter()
        .map(|k| AnnouncedKey {
            algorithm: k.algorithm().to_string(),
            fingerprint: known_hosts::fingerprint(k),
            openssh: k.to_openssh().unwrap_or_default().trim().to_owned(),
            proven: is_negotiated(k) || proof.is_ok(),
        })
        .collect();
    if let Some(hk) = p.report.host_key.as_mut() {
        hk.announced = recorded;
    }
}

fn announced(captured: &Arc<Mutex<Captured>>) -> Option<Vec<PublicKey>> {
    captured.lock().ok().and_then(|c| c.announced.clone())
}

fn is_openssh(ident: &[u8]) -> bool {
    ident.windows(8).any(|w| w == b"OpenSSH_")
}

/// One key exchange offering only the host-key `algorithm`, through the same path as the
/// device's probes (a jump host included) and with no credentials, then closed: the key the
/// server signed the exchange with. Each step is bounded by the device's timeout.
pub async fn exchange_for(
    device: &Device,
    shared: &Shared,
    algorithm: &str,
) -> Result<PublicKey, String> {
    let mut offer = device.offer.clone();
    offer.host_key = vec![algorithm.to_owned()];
    let scan = Device {
        credentials: Credentials::default(),
        enable_secret: None,
        host_key_policy: HostKeyPolicy::Warn,
        offer,
        ..device.clone()
    };
    let mut probe = Probe::new(&scan, shared, 0, None);
    // dns, tcp, banner and kex, each bounded by the timeout; this is the backstop.
    let bound = scan
        .timeouts
        .longest(scan.timeout)
        .min(MAX_TIMEOUT)
        .saturating_mul(4)
        .saturating_add(Duration::from_secs(1));
    let walked = tokio::time::timeout(bound, walk(&mut probe, Stage::Kex)).await;
    let captured = probe.captured.lock().map(|c| c.clone()).unwrap_or_default();
    stages::close(&mut probe).await;
    if walked.is_err() {
        return Err(format!(
            "no key exchange within {}",
            humantime::format_duration(bound)
        ));
    }
    match (captured.server_key, captured.negotiated) {
        (Some(key), Some(names)) if names.host_key == algorithm => Ok(key),
        (Some(_), Some(names)) => Err(format!("the server used {} instead", names.host_key)),
        _ => Err(probe
            .report
            .failure
            .map(|f| format!("{}: {}", f.stage, f.message))
            .unwrap_or_else(|| "the key exchange did not complete".to_owned())),
    }
}
