//! What happened on a simulated device, for tests to assert on.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Live counters, shared with the device's connection tasks.
#[derive(Debug, Default)]
pub struct DeviceCounters {
    /// TCP connections accepted (in every boot phase).
    pub connections: AtomicUsize,
    /// Connections on which the SSH identification line was sent.
    pub banners_sent: AtomicUsize,
    pub auth_none: AtomicUsize,
    pub auth_password: AtomicUsize,
    /// Public keys offered (a probe and its signed follow-up count once).
    pub auth_publickey: AtomicUsize,
    /// Keyboard-interactive exchanges started.
    pub auth_keyboard_interactive: AtomicUsize,
    pub auth_success: AtomicUsize,
    /// Shells started.
    pub shells: AtomicUsize,
    /// `enable` commands entered.
    pub enable_attempts: AtomicUsize,
}

/// A point-in-time copy of [`DeviceCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    pub connections: usize,
    pub banners_sent: usize,
    pub auth_none: usize,
    pub auth_password: usize,
    pub auth_publickey: usize,
    pub auth_keyboard_interactive: usize,
    pub auth_success: usize,
    pub shells: usize,
    pub enable_attempts: usize,
}

impl CounterSnapshot {
    /// Authentication requests of any method, `none` included.
    pub fn auth_attempts(&self) -> usize {
        self.auth_none + self.auth_password + self.auth_publickey + self.auth_keyboard_interactive
    }
}

impl DeviceCounters {
    pub fn snapshot(&self) -> CounterSnapshot {
        let read = |c: &AtomicUsize| c.load(Ordering::SeqCst);
        CounterSnapshot {
            connections: read(&self.connections),
            banners_sent: read(&self.banners_sent),
            auth_none: read(&self.auth_none),
            auth_password: read(&self.auth_password),
            auth_publickey: read(&self.auth_publickey),
            auth_keyboard_interactive: read(&self.auth_keyboard_interactive),
            auth_success: read(&self.auth_success),
            shells: read(&self.shells),
            enable_attempts: read(&self.enable_attempts),
        }
    }
}

/// Adds one to a counter.
pub(super) fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::SeqCst);
}
