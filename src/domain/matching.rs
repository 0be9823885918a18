use std::collections::BTreeSet;

use super::{Appointment, AppointmentStatus};

/// The result of looking a patient up. "None" and "several" look the same to the patient
/// (the desk), so that nobody learns who else is booked.
#[derive(Debug, PartialEq, Eq)]
pub enum MatchOutcome {
    One(Appointment),
    NoneFound,
    Several,
}

/// Decides among today's appointments whose folded family name and birth date equal the
/// input. Cancelled ones do not count. Two different patients are "several". One patient
/// with two appointments today gets the earliest one not yet attended; when all are
/// attended, the latest, so that confirming says "already checked in".
pub fn decide_match(mut candidates: Vec<Appointment>) -> MatchOutcome {
    candidates.retain(|a| a.status != AppointmentStatus::Cancelled);
    let patients: BTreeSet<&str> = candidates.iter().map(|a| a.patient.id.as_str()).collect();
    if patients.len() > 1 {
        return MatchOutcome::Several;
    }
    candidates.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    let chosen = match candidates.iter().position(|a| !a.status.has_arrived()) {
        Some(i) => Some(candidates.swap_remove(i)),
        None => candidates.pop(),
    };
    chosen.map_or(MatchOutcome::NoneFound, MatchOutcome::One)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Patient;
    use chrono::NaiveDate;

    fn appt(id: &str, patient: &str, hour: u32, status: AppointmentStatus) -> Appointment {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        Appointment {
            id: id.into(),
            code: format!("CKI-{id}"),
            start: day.and_hms_opt(hour, 0, 0).unwrap(),
            clinician: "Dr. A".into(),
            appointment_type: "visit".into(),
            status,
            patient: Patient {
                id: patient.into(),
                given_name: "G".into(),
                family_name: "F".into(),
                birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            },
        }
    }

    fn one_id(out: MatchOutcome) -> String {
        match out {
            MatchOutcome::One(a) => a.id,
            other => panic!("expected one, got {other:?}"),
        }
    }

    #[test]
    fn exactly_one_is_found() {
        let out = decide_match(vec![appt("a1", "p1", 9, AppointmentStatus::Booked)]);
        assert_eq!(one_id(out), "a1");
    }

    #[test]
    fn nothing_and_cancelled_are_not_found() {
        assert_eq!(decide_match(vec![]), MatchOutcome::NoneFound);
        assert_eq!(
            decide_match(vec![appt("a1", "p1", 9, AppointmentStatus::Cancelled)]),
            MatchOutcome::NoneFound
        );
    }

    #[test]
    fn a_cancelled_namesake_does_not_make_it_ambiguous() {
        let out = decide_match(vec![
            appt("a1", "p1", 9, AppointmentStatus::Cancelled),
            appt("a2", "p2", 10, AppointmentStatus::Booked),
        ]);
        assert_eq!(one_id(out), "a2");
    }

    #[test]
    fn two_patients_are_several() {
        let out = decide_match(vec![
            appt("a1", "p1", 9, AppointmentStatus::Booked),
            appt("a2", "p2", 10, AppointmentStatus::Fulfilled),
        ]);
        assert_eq!(out, MatchOutcome::Several);
    }

    #[test]
    fn one_patient_twice_gets_the_next_unattended_appointment() {
        let out = decide_match(vec![
            appt("late", "p1", 15, AppointmentStatus::Booked),
            appt("mid", "p1", 11, AppointmentStatus::Booked),
            appt("early", "p1", 9, AppointmentStatus::Fulfilled),
        ]);
        assert_eq!(one_id(out), "mid");
    }

    #[test]
    fn all_attended_gives_the_latest_so_the_patient_hears_already_checked_in() {
        let out = decide_match(vec![
            appt("a2", "p1", 11, AppointmentStatus::CheckedIn),
            appt("a1", "p1", 9, AppointmentStatus::Fulfilled),
        ]);
        assert_eq!(one_id(out), "a2");
    }
}
