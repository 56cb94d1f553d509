//! Jump hosts: a device behind a bastion is reached over a `direct-tcpip` channel of the
//! bastion's SSH session. The bastion is triaged through its own stages first (up to `auth`),
//! and one session per bastion is shared by every device behind it, with a bound on channels.
//!
//! A bastion that failed is not tried again until its own backoff has passed (1 s, growing to
//! 15 s), however many devices sit behind it; after that the next device to need it tries
//! again, so a bastion that boots late is picked up while watching. A session that closed is
//! opened again. Bastion connections draw from the run's connection budget when there is one.

use super::backoff::Backoff;
use super::budget::ConnectionBudget;
use super::client::Client;
use super::{Probe, Shared, stages, walk};
use crate::device::{Device, parse_host_arg};
use crate::model::Reason;
use crate::model::{DeviceReport, Stage};
use russh::client::Handle;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Mutex as AsyncMutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Channels open at once through one jump host (OpenSSH's MaxSessions is 10 per connection
/// for sessions; forwarded channels are cheaper, but a bastion should not be flooded).
pub const MAX_CHANNELS_PER_JUMP: usize = 16;
/// Jump chains longer than this are refused (and so are loops).
pub const MAX_CHAIN: usize = crate::device::MAX_JUMP_CHAIN;

pub struct JumpSession {
    pub handle: Handle<Client>,
    pub channels: Arc<Semaphore>,
}

/// Why a jump host could not carry traffic, in words for the device behind it.
#[derive(Debug, Clone)]
pub struct JumpFailure(pub String);

struct Entry {
    device: Device,
    /// Held while connecting, so a bastion gets one connection at a time.
    state: AsyncMutex<JumpState>,
}

#[derive(Default)]
struct JumpState {
    session: Option<Arc<JumpSession>>,
    /// The last failure and when it happened; reused until the backoff has passed.
    failed: Option<(JumpFailure, Instant)>,
    /// Failures in a row: picks the backoff delay.
    failures: u32,
}

/// How long a failed bastion is left alone: the watch's default per-device backoff, without
/// jitter (one bastion, nothing to spread).
const RETRY: Backoff = Backoff {
    jitter: 0.0,
    ..Backoff::DEFAULT
};

/// Why the jump hosts of a device list cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JumpError {
    #[error("{device}: jump {source}")]
    BadTarget {
        device: String,
        source: crate::device::HostArgError,
    },
    #[error("jump hosts form a loop: {}", .chain.join(" -> "))]
    Loop { chain: Vec<String> },
    #[error("jump chain longer than {MAX_CHAIN}: {}", .chain.join(" -> "))]
    TooLong { chain: Vec<String> },
}

/// Jump hosts of a run, by the name devices use for them.
#[derive(Default)]
pub struct JumpPool {
    entries: HashMap<String, Entry>,
    budget: Mutex<Option<Arc<ConnectionBudget>>>,
}

impl JumpPool {
    /// Resolves every device's `jump`: an inventory device by name, else `[user@]host[:port]`
    /// (credentials and known_hosts then come from the device that names it).
    pub fn new(devices: &[Device]) -> Result<JumpPool, JumpError> {
        let mut entries: HashMap<String, Entry> = HashMap::new();
        let mut pending: Vec<(String, Device)> = devices
            .iter()
            .filter_map(|d| d.jump.clone().map(|j| (j, d.clone())))
            .collect();
        while let Some((name, referrer)) = pending.pop() {
            if entries.contains_key(&name) {
                continue;
            }
            let device = match devices.iter().find(|d| d.name == name) {
                Some(d) => d.clone(),
                None => {
                    let target = parse_host_arg(&name).map_err(|source| JumpError::BadTarget {
                        device: referrer.name.clone(),
                        source,
                    })?;
                    let mut d = Device::from_target(&target);
                    d.username = target.user.clone().or(referrer.username.clone());
                    d.credentials = referrer.credentials.clone();
                    d.known_hosts = referrer.known_hosts.clone();
                    d.host_key_policy = referrer.host_key_policy;
                    d.timeout = referrer.timeout;
                    d.timeouts = referrer.timeouts.clone();
                    d.name = name.clone();
                    d
                }
            };
            if let Some(next) = &device.jump {
                pending.push((next.clone(), device.clone()));
            }
            entries.insert(
                name,
                Entry {
                    device,
                    state: AsyncMutex::new(JumpState::default()),
                },
            );
        }
        let pool = JumpPool {
            entries,
            budget: Mutex::new(None),
        };
        for name in pool.entries.keys() {
            pool.chain(name)?;
        }
        Ok(pool)
    }

    /// The chain of jump names starting at `name`, refusing loops and long chains.
    fn chain(&self, name: &str) -> Result<Vec<String>, JumpError> {
        let mut chain = vec![name.to_owned()];
        let mut current = name;
        while let Some(next) = self
            .entries
            .get(current)
            .and_then(|e| e.device.jump.as_deref())
        {
            if chain.iter().any(|c| c == next) {
                chain.push(next.to_owned());
                return Err(JumpError::Loop { chain });
            }
            if chain.len() >= MAX_CHAIN {
                return Err(JumpError::TooLong { chain });
            }
            chain.push(next.to_owned());
            current = next;
        }
        Ok(chain)
    }

    /// Bastion connections from now on take a token from `budget` first (the watch's cap).
    pub fn count_connections_in(&self, budget: Arc<ConnectionBudget>) {
        *self.budget.lock().unwrap_or_else(|p| p.into_inner()) = Some(budget);
    }

    fn budget(&self) -> Option<Arc<ConnectionBudget>> {
        self.budget
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The shared session to `name`: the open one, the recent failure, or a new connection.
    pub async fn session(
        &self,
        name: &str,
        shared: &Shared,
    ) -> Result<Arc<JumpSession>, JumpFailure> {
        let Some(entry) = self.entries.get(name) else {
            return Err(JumpFailure(format!("jump host `{name}` is not known")));
        };
        let mut state = entry.state.lock().await;
        if let Some(session) = &state.session {
            if !session.handle.is_closed() {
                return Ok(session.clone());
            }
            state.session = None;
        }
        if let Some((failure, at)) = &state.failed {
            let wait = RETRY.nominal(state.failures.saturating_sub(1));
            let since = at.elapsed();
            if since < wait {
                // Say it is the bastion's recent failure, not a new attempt of it.
                return Err(JumpFailure(format!(
                    "{} (as {:.1} s ago; tried again in {:.1} s)",
                    failure.0,
                    since.as_secs_f64(),
                    (wait - since).as_secs_f64()
                )));
            }
        }
        if let Some(budget) = self.budget() {
            budget.take().await;
        }
        let result = Box::pin(establish(&entry.device, shared)).await;
        match &result {
            Ok(session) => {
                *state = JumpState {
                    session: Some(session.clone()),
                    ..JumpState::default()
                };
            }
            Err(failure) => {
                state.failures = state.failures.saturating_add(1);
                state.failed = Some((failure.clone(), Instant::now()));
            }
        }
        result
    }
}

/// Walks the jump host through the stages up to `auth` and keeps its session open.
async fn establish(device: &Device, shared: &Shared) -> Result<Arc<JumpSession>, JumpFailure> {
    let mut probe = Probe::new(device, shared, usize::MAX, None);
    walk(&mut probe, Stage::Auth).await;
    let report: DeviceReport = probe.report.clone();
    match (&report.failure, probe.session.take()) {
        (None, Some(handle)) if probe.authenticated => Ok(Arc::new(JumpSession {
            handle,
            channels: Arc::new(Semaphore::new(MAX_CHANNELS_PER_JUMP)),
        })),
        (Some(f), _) => Err(JumpFailure(format!(
            "{}: {} {}: {}",
            device.name, f.stage, f.reason, f.message
        ))),
        _ => {
            stages::close(&mut probe).await;
            Err(JumpFailure(format!(
                "{}: no authenticated session",
                device.name
            )))
        }
    }
}

/// Opens the device's stream through its jump host; on failure, the `tcp` outcome.
pub async fn connect(
    p: &mut Probe<'_>,
    jump: &str,
) -> Result<OwnedSemaphorePermit, super::Outcome> {
    use super::Outcome;
    let session = p
        .shared
        .jumps
        .session(jump, p.shared)
        .await
        .map_err(|JumpFailure(why)| {
            Outcome::fail(Reason::JumpFailed, format!("via {jump}: {why}"))
        })?;
    let permit = session
        .channels
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| {
            Outcome::fail(
                Reason::JumpFailed,
                format!("via {jump}: the jump session closed"),
            )
        })?;
    let host = p.device.host.clone();
    let port = p.device.port;
    match session
        .handle
        .channel_open_direct_tcpip(host.clone(), port as u32, "127.0.0.1", 0)
        .await
    {
        Ok(channel) => {
            p.stream = Some(Box::new(channel.into_stream()));
            p.report.via = Some(jump.to_owned());
            Ok(permit)
        }
        Err(e) => Err(Outcome::fail(
            Reason::TcpRefused,
            format!("via {jump}: the jump host could not open a connection to {host}:{port} ({e})"),
        )),
    }
}
