//! The figures behind the Insights page, from de-identified records only: times of
//! check-ins and help requests, observed waits, and how patient sessions ended.

use chrono::{NaiveDateTime, Timelike};

/// The `p`-th percentile (0-100) by nearest rank; None for no values.
pub fn percentile(values: &[u32], p: u32) -> Option<u32> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // Nearest rank: ceil(p/100 * n), 1-based.
    let rank = (u64::from(p.min(100)) * n as u64).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(n - 1).min(n - 1);
    sorted.get(index).copied()
}

/// Median and 90th percentile of a set of minutes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spread {
    pub count: u32,
    pub median: Option<u32>,
    pub p90: Option<u32>,
}

pub fn spread(values: &[u32]) -> Spread {
    Spread {
        count: u32::try_from(values.len()).unwrap_or(u32::MAX),
        median: percentile(values, 50),
        p90: percentile(values, 90),
    }
}

/// Counts per hour of the day for the hours `first..=last` (times outside are left out).
pub fn per_hour(times: &[NaiveDateTime], first: u32, last: u32) -> Vec<u32> {
    let mut out = vec![0u32; last.saturating_sub(first) as usize + 1];
    for t in times {
        if let Some(slot) = t
            .hour()
            .checked_sub(first)
            .and_then(|i| out.get_mut(i as usize))
        {
            *slot = slot.saturating_add(1);
        }
    }
    out
}

/// How many sessions ended without a check-in on each screen, most first (ties by name).
pub fn abandoned_by_step<'a>(last_steps: impl IntoIterator<Item = &'a str>) -> Vec<(String, u32)> {
    let mut counts: std::collections::BTreeMap<&str, u32> = Default::default();
    for step in last_steps {
        let n = counts.entry(step).or_default();
        *n = n.saturating_add(1);
    }
    let mut out: Vec<(String, u32)> = counts.into_iter().map(|(s, n)| (s.to_owned(), n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u32> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&v, 0), Some(1));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(
            spread(&[30, 10, 20]),
            Spread {
                count: 3,
                median: Some(20),
                p90: Some(30)
            }
        );
    }

    #[test]
    fn hours_are_bucketed_and_outsiders_left_out() {
        let times = [
            at(8, 10),
            at(9, 0),
            at(9, 59),
            at(12, 30),
            at(20, 0),
            at(6, 0),
        ];
        assert_eq!(per_hour(&times, 8, 12), vec![1, 2, 0, 0, 1]);
        assert_eq!(per_hour(&[], 8, 8), vec![0]);
    }

    #[test]
    fn abandoned_steps_most_first() {
        let steps = ["birthdate", "form", "birthdate", "familyname"];
        assert_eq!(
            abandoned_by_step(steps),
            vec![
                ("birthdate".to_owned(), 2),
                ("familyname".to_owned(), 1),
                ("form".to_owned(), 1)
            ]
        );
    }
}
