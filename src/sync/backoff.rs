//! Capped exponential backoff with full jitter, honouring Retry-After. Pure: the random
//! draw is a parameter, so the rule is tested alone.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling after the first failure.
    pub base: Duration,
    /// The ceiling never grows past this.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The ceiling after `failures` failures in a row (1 = the first): base * 2^(n-1),
    /// capped.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// How long to wait: uniform in [0, ceiling] ("full jitter", `draw` in [0, 1)), and never
    /// less than what the server asked for in Retry-After (which may exceed the cap: the
    /// server knows best; the client caps Retry-After itself at an hour).
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>, draw: f64) -> Duration {
        let draw = if draw.is_finite() {
            draw.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let jittered = self.ceiling(failures).mul_f64(draw);
        match retry_after {
            Some(asked) => jittered.max(asked),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn the_ceiling_doubles_and_is_capped() {
        let b = Backoff {
            base: S(1),
            cap: S(60),
        };
        let ceilings: Vec<u64> = (1..=9).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(b.ceiling(0), S(1));
        assert_eq!(b.ceiling(u32::MAX), S(60), "no overflow");
    }

    #[test]
    fn full_jitter_spans_zero_to_the_ceiling() {
        let b = Backoff::default();
        assert_eq!(b.delay(4, None, 0.0), Duration::ZERO);
        assert_eq!(b.delay(4, None, 0.5), S(4));
        assert_eq!(b.delay(4, None, 1.0), S(8));
        assert_eq!(b.delay(4, None, f64::NAN), S(4));
        let mut rng = fastrand::Rng::with_seed(7);
        let draws: Vec<Duration> = (0..1000).map(|_| b.delay(6, None, rng.f64())).collect();
        assert!(draws.iter().all(|d| *d <= S(32)));
        let mean = draws.iter().sum::<Duration>() / 1000;
        assert!(mean > S(14) && mean < S(18), "{mean:?}");
    }

    #[test]
    fn retry_after_is_a_floor() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, Some(S(5)), 0.9), S(5));
        assert_eq!(b.delay(8, Some(S(5)), 1.0), S(128));
        assert_eq!(
            b.delay(20, Some(S(900)), 1.0),
            S(900),
            "above the cap when asked"
        );
    }
}
