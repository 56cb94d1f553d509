//! The cap on new connections per second: the watch scheduler draws a token for every attempt
//! it launches, and the jump pool for every bastion it connects, from the same budget, so
//! bastions count against the cap like devices do.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The global cap on new connections: `rate` tokens a second, at most `burst` saved up.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket. A rate that is not a positive number means one connection a second.
    pub fn new(rate: f64, now: Instant) -> TokenBucket {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        let burst = rate.max(1.0);
        TokenBucket {
            rate,
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes a token, or says how long until one is available.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let earned = now.saturating_duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + earned).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// A `TokenBucket` that several owners draw from.
#[derive(Debug)]
pub struct ConnectionBudget {
    bucket: Mutex<TokenBucket>,
}

impl ConnectionBudget {
    pub fn new(rate: f64) -> ConnectionBudget {
        ConnectionBudget {
            bucket: Mutex::new(TokenBucket::new(rate, Instant::now())),
        }
    }

    /// Takes a token now, or says how long until one is available.
    pub fn try_take(&self, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means a panicking holder; the counts are still whole.
        let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        bucket.take(now)
    }

    /// Waits for a token.
    pub async fn take(&self) {
        while let Err(wait) = self.try_take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(2.0, t0);
        assert!(bucket.take(t0).is_ok());
        assert!(bucket.take(t0).is_ok());
        let wait = bucket.take(t0).expect_err("burst used up");
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(bucket.take(t0 + Duration::from_millis(499)).is_err());
        assert!(bucket.take(t0 + Duration::from_millis(501)).is_ok());
        let mut odd = TokenBucket::new(-3.0, t0);
        assert!(odd.take(t0).is_ok());
        assert!(odd.take(t0).is_err());
    }

    #[tokio::test]
    async fn a_shared_budget_makes_later_takers_wait() {
        let budget = ConnectionBudget::new(10.0);
        let t0 = Instant::now();
        for _ in 0..10 {
            budget.take().await;
        }
        assert!(budget.try_take(t0).is_err(), "the burst is used up");
        budget.take().await;
        let waited = Instant::now() - t0;
        // A lower bound only: the rate holds however slow the machine is.
        assert!(
            waited >= Duration::from_millis(90),
            "an eleventh connection waits for the rate: {waited:?}"
        );
    }
}
