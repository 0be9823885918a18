/// Parameters of the first, simple wait estimator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitParams {
    pub minutes_per_patient: u32,
}

impl Default for WaitParams {
    fn default() -> Self {
        WaitParams {
            minutes_per_patient: 12,
        }
    }
}

/// An honest range, not a promise: "2 people ahead of you, about 15 to 35 minutes".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitEstimate {
    pub ahead: u32,
    pub min_minutes: u32,
    pub max_minutes: u32,
}

const STEP: u32 = 5;

/// `ahead` patients in the same queue before this one, and the minutes until the patient's
/// own appointment (negative when it has passed; 0 for walk-ins).
pub fn estimate_wait(ahead: u32, minutes_until_start: i64, params: &WaitParams) -> WaitEstimate {
    let base = ahead.saturating_mul(params.minutes_per_patient);
    let until_start = u32::try_from(minutes_until_start.max(0)).unwrap_or(u32::MAX);
    let low = (base.saturating_mul(3) / 4).max(until_start);
    let high = (base.saturating_mul(5) / 4).max(low).saturating_add(STEP);
    WaitEstimate {
        ahead,
        min_minutes: low / STEP * STEP,
        max_minutes: high.div_ceil(STEP).saturating_mul(STEP),
    }
}

/// Today's typical wait: the median of observed waits (the mean of the middle two for an
/// even count, rounded), or the configured pace when nothing was observed yet.
pub fn typical_wait(recent_waits_minutes: &[u32], params: &WaitParams) -> u32 {
    let mut sorted = recent_waits_minutes.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    match (sorted.get(mid.wrapping_sub(1)), sorted.get(mid)) {
        (Some(&lo), Some(&hi)) if sorted.len().is_multiple_of(2) => {
            // Widen so that two huge waits cannot overflow.
            u32::try_from((u64::from(lo) + u64::from(hi)).div_ceil(2)).unwrap_or(u32::MAX)
        }
        (_, Some(&m)) => m,
        _ => params.minutes_per_patient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_ahead_and_appointment_now_is_a_short_range() {
        let w = estimate_wait(0, 0, &WaitParams::default());
        assert_eq!((w.min_minutes, w.max_minutes), (0, 5));
    }

    #[test]
    fn the_range_grows_with_people_ahead() {
        let p = WaitParams::default();
        let two = estimate_wait(2, 0, &p);
        let five = estimate_wait(5, 0, &p);
        assert_eq!((two.min_minutes, two.max_minutes), (15, 35));
        assert!(five.min_minutes > two.min_minutes && five.max_minutes > two.max_minutes);
        assert!(two.max_minutes.is_multiple_of(5) && two.min_minutes.is_multiple_of(5));
    }

    #[test]
    fn an_early_patient_waits_at_least_until_the_appointment() {
        let w = estimate_wait(0, 22, &WaitParams::default());
        assert_eq!((w.min_minutes, w.max_minutes), (20, 30));
    }

    #[test]
    fn typical_wait_is_the_median_or_the_pace() {
        let p = WaitParams::default();
        assert_eq!(typical_wait(&[], &p), 12);
        assert_eq!(typical_wait(&[30, 5, 10], &p), 10);
        assert_eq!(typical_wait(&[30, 5, 10, 20], &p), 15);
        assert_eq!(typical_wait(&[7], &p), 7);
        assert_eq!(typical_wait(&[4, 5], &p), 5, "rounded up");
        assert_eq!(typical_wait(&[u32::MAX, u32::MAX], &p), u32::MAX);
    }

    #[test]
    fn a_passed_start_does_not_shorten_the_queue() {
        let p = WaitParams::default();
        assert_eq!(estimate_wait(0, -40, &p), estimate_wait(0, 0, &p));
        let w = estimate_wait(1, -40, &p);
        // base 12: min 9 -> 5, max 15 + 5 = 20.
        assert_eq!((w.ahead, w.min_minutes, w.max_minutes), (1, 5, 20));
    }

    #[test]
    fn an_early_patient_with_people_ahead_takes_the_larger_bound() {
        let p = WaitParams::default();
        // base 36: min max(27, 50) = 50; max max(45, 50) + 5 = 55.
        let w = estimate_wait(3, 50, &p);
        assert_eq!((w.min_minutes, w.max_minutes), (50, 55));
        // base 36: min max(27, 10) = 27 -> 25; max 45 + 5 = 50.
        let w = estimate_wait(3, 10, &p);
        assert_eq!((w.min_minutes, w.max_minutes), (25, 50));
    }

    #[test]
    fn huge_inputs_do_not_overflow() {
        let w = estimate_wait(u32::MAX, i64::MAX, &WaitParams::default());
        assert!(w.max_minutes >= w.min_minutes);
    }
}
