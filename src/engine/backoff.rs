//! How long a device, or a jump host after a failure, waits between attempts.

use std::time::Duration;

/// Per-device delay between attempts: `initial`, then ×`factor` after each attempt that made no
/// progress, capped at `max`. Jitter only ever lengthens a delay, so a device is never probed
/// sooner than the nominal schedule allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub factor: f64,
    pub max: Duration,
    /// Fraction (0..=1) added at most, derived from the device name and the attempt number:
    /// spreads devices that failed together without making tests random.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::DEFAULT
    }
}

impl Backoff {
    /// Near 1 s, growing ×1.6 up to 15 s, up to 20% longer by jitter.
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_secs(1),
        factor: 1.6,
        max: Duration::from_secs(15),
        jitter: 0.2,
    };

    /// The nominal delay before attempt number `step + 1` of a streak (step 0 is the first
    /// retry), without jitter.
    pub fn nominal(&self, step: u32) -> Duration {
        let max = self.max.max(self.initial);
        let factor = if self.factor.is_finite() && self.factor >= 1.0 {
            self.factor
        } else {
            1.0
        };
        // Stop multiplying once past the cap: no overflow, no infinities.
        let mut secs = self.initial.as_secs_f64();
        for _ in 0..step {
            secs *= factor;
            if secs >= max.as_secs_f64() {
                return max;
            }
        }
        Duration::from_secs_f64(secs).min(max)
    }

    /// The delay actually used: nominal plus up to `jitter` of it, fixed for a given
    /// device and step.
    pub fn delay(&self, step: u32, device: &str) -> Duration {
        let nominal = self.nominal(step);
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if jitter == 0.0 {
            return nominal;
        }
        nominal.mul_f64(1.0 + jitter * unit_hash(device, step))
    }
}

/// A number in [0, 1) that depends only on its inputs (FNV-1a).
fn unit_hash(name: &str, step: u32) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes().chain(step.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_by_the_factor_up_to_the_cap() {
        let b = Backoff {
            jitter: 0.0,
            ..Backoff::default()
        };
        let ms: Vec<u128> = (0..9).map(|s| b.nominal(s).as_millis()).collect();
        assert_eq!(
            ms,
            [1000, 1600, 2560, 4096, 6553, 10485, 15000, 15000, 15000]
        );
        assert_eq!(b.nominal(u32::MAX), Duration::from_secs(15));
    }

    #[test]
    fn jitter_only_lengthens_and_is_stable() {
        let b = Backoff::default();
        for step in 0..20 {
            let d = b.delay(step, "r1");
            assert!(d >= b.nominal(step), "step {step}: {d:?}");
            assert!(d <= b.nominal(step).mul_f64(1.2) + Duration::from_millis(1));
            assert_eq!(d, b.delay(step, "r1"));
        }
        assert_ne!(b.delay(3, "r1"), b.delay(3, "r2"), "devices are spread");
    }

    #[test]
    fn nonsense_settings_do_not_panic_or_spin() {
        let b = Backoff {
            initial: Duration::from_millis(10),
            factor: f64::NAN,
            max: Duration::ZERO,
            jitter: f64::INFINITY,
        };
        assert_eq!(b.delay(5, "x"), Duration::from_millis(10));
    }
}
