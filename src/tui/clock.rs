//! Time as the UI sees it: injected, so rendering never reads the wall clock and snapshots stay
//! deterministic.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A monotonic clock; only differences between two readings mean anything.
pub trait Clock: Send + Sync {
    fn now(&self) -> Duration;
}

/// The real clock, counted from when it was created.
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that only moves when told to: for tests and benchmarks. Clones share the time.
#[derive(Clone, Default)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn at_ms(ms: u64) -> Self {
        let clock = Self::default();
        clock.set_ms(ms);
        clock
    }

    pub fn set_ms(&self, ms: u64) {
        self.millis.store(ms, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::Relaxed))
    }
}
