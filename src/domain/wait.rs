//! Wait estimates. v2: per clinician, from the day's roster order, who has arrived, who
//! was called and how long today's visits took (falling back to the configured pace), shown
//! as an honest range rather than a promise.

use chrono::NaiveDateTime;

/// Parameters of the estimator (configuration `[wait]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitParams {
    /// A visit's length until the day has observed some, and the walk-in pace.
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

/// The range around an expected wait: -25 % / +25 % + 5 min, on 5-minute steps, and never
/// before `floor` minutes (the patient's own appointment time).
fn range(ahead: u32, expected: u32, floor: u32) -> WaitEstimate {
    let low = (expected.saturating_mul(3) / 4).max(floor);
    let high = (expected.saturating_mul(5) / 4)
        .max(low)
        .saturating_add(STEP);
    WaitEstimate {
        ahead,
        min_minutes: low / STEP * STEP,
        max_minutes: high.div_ceil(STEP).saturating_mul(STEP),
    }
}

/// The first estimator, used when nothing is known about the queue but its length:
/// `ahead` patients at the configured pace, and the minutes until the patient's own
/// appointment (negative when it has passed; 0 for walk-ins).
pub fn estimate_wait(ahead: u32, minutes_until_start: i64, params: &WaitParams) -> WaitEstimate {
    let until_start = clamp_minutes(minutes_until_start);
    range(
        ahead,
        ahead.saturating_mul(params.minutes_per_patient),
        until_start,
    )
}

fn clamp_minutes(minutes: i64) -> u32 {
    u32::try_from(minutes.max(0)).unwrap_or(u32::MAX)
}

fn minutes_between(from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    (to - from).num_minutes()
}

/// One patient on a clinician's list today (or in the walk-in queue), no patient data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueSlot {
    /// The appointment's start; None for a walk-in.
    pub scheduled: Option<NaiveDateTime>,
    /// When the patient checked in (None: not here, perhaps a no-show).
    pub arrived: Option<NaiveDateTime>,
    /// When staff (or the server) called the patient in.
    pub called: Option<NaiveDateTime>,
    /// When the visit was over.
    pub seen: Option<NaiveDateTime>,
}

impl QueueSlot {
    fn waiting(&self) -> bool {
        self.arrived.is_some() && self.called.is_none() && self.seen.is_none()
    }

    /// The order the clinician sees patients in: appointments by start, walk-ins by arrival.
    fn order_key(&self) -> Option<NaiveDateTime> {
        self.scheduled.or(self.arrived)
    }
}

/// One clinician's day (or the walk-in queue) as the estimator sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClinicianQueue {
    slots: Vec<QueueSlot>,
}

impl ClinicianQueue {
    /// The slots in any order; they are kept in the order the clinician sees patients.
    pub fn new(mut slots: Vec<QueueSlot>) -> Self {
        slots.sort_by_key(QueueSlot::order_key);
        ClinicianQueue { slots }
    }

    pub fn slots(&self) -> &[QueueSlot] {
        &self.slots
    }

    /// Minutes a visit takes today: the median of the visits observed (called -> seen),
    /// else the configured pace.
    pub fn visit_minutes(&self, params: &WaitParams) -> u32 {
        let observed: Vec<u32> = self
            .slots
            .iter()
            .filter_map(|s| Some(clamp_minutes(minutes_between(s.called?, s.seen?))))
            .collect();
        if observed.is_empty() {
            params.minutes_per_patient
        } else {
            typical_wait(&observed, params).max(1)
        }
    }

    /// How late the clinician runs, in minutes (0 when on time or unknown): the lateness of
    /// the latest call (called after both the start and the arrival), or, while a patient
    /// whose start has passed still waits with nobody in the room, how long past that start.
    pub fn running_late_minutes(&self, now: NaiveDateTime) -> u32 {
        let last_call = self
            .slots
            .iter()
            .filter_map(|s| Some((s.called?, s.scheduled?.max(s.arrived?))))
            .max_by_key(|(called, _)| *called);
        let from_call = last_call.map_or(0, |(called, due)| minutes_between(due, called));
        let someone_in = self
            .slots
            .iter()
            .any(|s| s.called.is_some() && s.seen.is_none());
        let overdue = if someone_in {
            0
        } else {
            self.slots
                .iter()
                .filter(|s| s.waiting())
                .filter_map(|s| Some(minutes_between(s.scheduled?.max(s.arrived?), now)))
                .max()
                .unwrap_or(0)
        };
        clamp_minutes(from_call.max(overdue))
    }

    /// Patients waiting before slot `index` (here, not yet called; a no-show is skipped).
    pub fn ahead_of(&self, index: usize) -> u32 {
        let before = self.slots.get(..index).unwrap_or(&self.slots);
        u32::try_from(before.iter().filter(|s| s.waiting()).count()).unwrap_or(u32::MAX)
    }

    /// The wait of the patient in slot `index`: the rest of the visit in progress, one
    /// visit per patient ahead, and never before the appointment time plus the running
    /// delay.
    pub fn estimate(&self, index: usize, now: NaiveDateTime, params: &WaitParams) -> WaitEstimate {
        let visit = self.visit_minutes(params);
        let ahead = self.ahead_of(index);
        let in_progress = self
            .slots
            .iter()
            .filter(|s| s.seen.is_none())
            .filter_map(|s| s.called)
            .max()
            .map_or(0, |called| {
                visit.saturating_sub(clamp_minutes(minutes_between(called, now)))
            });
        let expected = in_progress.saturating_add(ahead.saturating_mul(visit));
        let own_turn = self
            .slots
            .get(index)
            .and_then(|s| s.scheduled)
            .map_or(0, |start| {
                clamp_minutes(
                    minutes_between(now, start)
                        .saturating_add(i64::from(self.running_late_minutes(now))),
                )
            });
        range(ahead, expected.max(own_turn), own_turn)
    }

    /// Observed waits today (arrival -> call), in minutes.
    pub fn observed_waits(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .filter_map(|s| Some(clamp_minutes(minutes_between(s.arrived?, s.called?))))
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

    // Scripted days: one clinician, 12-minute default visits, appointments every 15 min
    // from 9:00.
    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn booked(h: u32, m: u32) -> QueueSlot {
        QueueSlot {
            scheduled: Some(at(h, m)),
            arrived: None,
            called: None,
            seen: None,
        }
    }

    fn arrived(mut s: QueueSlot, h: u32, m: u32) -> QueueSlot {
        s.arrived = Some(at(h, m));
        s
    }

    fn called(mut s: QueueSlot, h: u32, m: u32) -> QueueSlot {
        s.called = Some(at(h, m));
        s
    }

    fn seen(mut s: QueueSlot, h: u32, m: u32) -> QueueSlot {
        s.seen = Some(at(h, m));
        s
    }

    #[test]
    fn on_time_day_waits_for_the_own_appointment() {
        let p = WaitParams::default();
        // 9:00 seen 9:00-9:12, 9:15 in the room since 9:15; 9:30 arrived at 9:20.
        let q = ClinicianQueue::new(vec![
            seen(called(arrived(booked(9, 0), 8, 55), 9, 0), 9, 12),
            called(arrived(booked(9, 15), 9, 10), 9, 15),
            arrived(booked(9, 30), 9, 20),
        ]);
        assert_eq!(q.running_late_minutes(at(9, 20)), 0);
        assert_eq!(q.visit_minutes(&p), 12);
        let w = q.estimate(2, at(9, 20), &p);
        // Nobody waits ahead; the visit in progress ends ~9:27; own start 9:30 -> ~10 min.
        assert_eq!(w.ahead, 0);
        assert_eq!((w.min_minutes, w.max_minutes), (10, 20));
    }

    #[test]
    fn running_late_pushes_every_later_patient_back() {
        let p = WaitParams::default();
        // The 9:00 patient was called at 9:25: the clinician runs 25 minutes late; visits
        // take 20 minutes today.
        let q = ClinicianQueue::new(vec![
            seen(called(arrived(booked(8, 30), 8, 25), 9, 0), 9, 20),
            called(arrived(booked(9, 0), 8, 50), 9, 25),
            arrived(booked(9, 15), 9, 5),
            arrived(booked(9, 30), 9, 26),
        ]);
        assert_eq!(q.running_late_minutes(at(9, 26)), 25);
        assert_eq!(q.visit_minutes(&p), 20);
        let first = q.estimate(2, at(9, 26), &p);
        let second = q.estimate(3, at(9, 26), &p);
        assert_eq!((first.ahead, second.ahead), (0, 1));
        // First: the room frees at ~9:45 (19 min); second: 19 + 20 = 39 min.
        assert_eq!((first.min_minutes, first.max_minutes), (10, 30));
        assert_eq!((second.min_minutes, second.max_minutes), (25, 55));
        // On-time clinic, same queue shape: a shorter range.
        let on_time = ClinicianQueue::new(vec![
            arrived(booked(9, 15), 9, 5),
            arrived(booked(9, 30), 9, 26),
        ]);
        assert!(on_time.estimate(1, at(9, 26), &p).max_minutes < second.max_minutes);
    }

    #[test]
    fn a_no_show_is_not_counted_ahead() {
        let p = WaitParams::default();
        // 9:00 never came; 9:15 and 9:30 are here at 9:20, nobody in the room.
        let q = ClinicianQueue::new(vec![
            booked(9, 0),
            arrived(booked(9, 15), 9, 10),
            arrived(booked(9, 30), 9, 20),
        ]);
        assert_eq!(q.ahead_of(2), 1);
        assert_eq!(q.ahead_of(1), 0);
        let w = q.estimate(2, at(9, 20), &p);
        // One visit (12) ahead, but the own start is in 10 min and the clinician already runs
        // 5 min late (below): ~15 min.
        assert_eq!((w.ahead, w.min_minutes, w.max_minutes), (1, 15, 25));
        // The 9:15 patient waits past their start with nobody in: 5 min late already.
        assert_eq!(q.running_late_minutes(at(9, 20)), 5);
    }

    #[test]
    fn walk_ins_queue_by_arrival_at_the_configured_pace() {
        let p = WaitParams::default();
        let walk = |h, m| QueueSlot {
            scheduled: None,
            arrived: Some(at(h, m)),
            called: None,
            seen: None,
        };
        let q = ClinicianQueue::new(vec![walk(9, 40), walk(9, 5), walk(9, 20)]);
        assert_eq!(q.slots()[0].arrived, Some(at(9, 5)));
        let last = q.estimate(2, at(9, 41), &p);
        assert_eq!(last.ahead, 2);
        // 2 x 12 = 24 expected: 18 -> 15 .. 30 + 5 -> 35.
        assert_eq!((last.min_minutes, last.max_minutes), (15, 35));
        // The first walk-in is called: everyone behind moves up.
        let mut slots = q.slots().to_vec();
        slots[0].called = Some(at(9, 42));
        let after = ClinicianQueue::new(slots).estimate(2, at(9, 42), &p);
        assert_eq!(after.ahead, 1);
        assert!(after.max_minutes < last.max_minutes + 12);
        assert_eq!(q.observed_waits().count(), 0);
    }
}
