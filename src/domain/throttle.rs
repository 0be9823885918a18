//! Slowing down repeated failed look-ups, so the roster cannot be probed by trying names
//! and birth dates one after another. A patient who mistypes once or twice is not slowed.

use std::time::Duration;

/// Failures allowed before the kiosk starts asking for a pause.
pub const FREE_ATTEMPTS: u32 = 3;
const FIRST_PAUSE_SECS: u64 = 5;
const MAX_PAUSE_SECS: u64 = 60;

/// How long the kiosk waits after the latest failure before accepting another attempt:
/// nothing for the first three, then 5 s, doubling, capped at a minute.
pub fn retry_delay(consecutive_failures: u32) -> Duration {
    let Some(over) = consecutive_failures.checked_sub(FREE_ATTEMPTS) else {
        return Duration::ZERO;
    };
    let factor = 1u64.checked_shl(over).unwrap_or(u64::MAX);
    Duration::from_secs(FIRST_PAUSE_SECS.saturating_mul(factor).min(MAX_PAUSE_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failures_are_free_then_the_pause_doubles_up_to_a_minute() {
        let secs: Vec<u64> = (0..=10).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 5, 10, 20, 40, 60, 60, 60, 60]);
        assert_eq!(retry_delay(u32::MAX).as_secs(), 60);
    }
}
