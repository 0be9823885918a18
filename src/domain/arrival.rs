use chrono::{Duration, NaiveDateTime};

use super::Appointment;

/// When patients may check themselves in, relative to their appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrivalWindow {
    pub early_minutes: i64,
    pub late_minutes: i64,
    /// Appointment types that always go to the desk (compared without case).
    pub desk_only_types: Vec<String>,
}

impl Default for ArrivalWindow {
    fn default() -> Self {
        ArrivalWindow {
            early_minutes: 60,
            late_minutes: 15,
            desk_only_types: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalDecision {
    Welcome,
    TooEarly,
    TooLate,
    DeskOnly,
    AlreadyCheckedIn,
}

/// May this patient check in here, now? Order matters: a repeat check-in is reported as such
/// whatever the time; a desk-only visit goes to the desk whatever the time. The window's
/// edges are inclusive.
pub fn arrival_decision(
    appt: &Appointment,
    now: NaiveDateTime,
    window: &ArrivalWindow,
) -> ArrivalDecision {
    if appt.status.has_arrived() {
        return ArrivalDecision::AlreadyCheckedIn;
    }
    let kind = appt.appointment_type.trim().to_lowercase();
    if window
        .desk_only_types
        .iter()
        .any(|t| t.trim().to_lowercase() == kind)
    {
        return ArrivalDecision::DeskOnly;
    }
    // Saturating: a misconfigured huge window must not overflow the date arithmetic.
    let early = appt
        .start
        .checked_sub_signed(minutes(window.early_minutes))
        .unwrap_or(NaiveDateTime::MIN);
    let late = appt
        .start
        .checked_add_signed(minutes(window.late_minutes))
        .unwrap_or(NaiveDateTime::MAX);
    if now < early {
        ArrivalDecision::TooEarly
    } else if now > late {
        ArrivalDecision::TooLate
    } else {
        ArrivalDecision::Welcome
    }
}

fn minutes(m: i64) -> Duration {
    Duration::try_minutes(m).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppointmentStatus, Patient};
    use chrono::NaiveDate;

    fn appt(hour: u32, minute: u32, kind: &str, status: AppointmentStatus) -> Appointment {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        Appointment {
            id: "a".into(),
            code: "CKI-A".into(),
            start: day.and_hms_opt(hour, minute, 0).unwrap(),
            clinician: "Dr. A".into(),
            appointment_type: kind.into(),
            status,
            patient: Patient {
                id: "p".into(),
                given_name: "G".into(),
                family_name: "F".into(),
                birth_date: day,
            },
        }
    }

    fn at(hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    #[test]
    fn window_edges_are_inclusive() {
        let w = ArrivalWindow::default();
        let a = appt(10, 0, "visit", AppointmentStatus::Booked);
        assert_eq!(
            arrival_decision(&a, at(8, 59), &w),
            ArrivalDecision::TooEarly
        );
        assert_eq!(arrival_decision(&a, at(9, 0), &w), ArrivalDecision::Welcome);
        assert_eq!(
            arrival_decision(&a, at(10, 15), &w),
            ArrivalDecision::Welcome
        );
        assert_eq!(
            arrival_decision(&a, at(10, 16), &w),
            ArrivalDecision::TooLate
        );
    }

    #[test]
    fn desk_only_types_ignore_case_and_time() {
        let w = ArrivalWindow {
            desk_only_types: vec!["Procedure".into(), "PROCÉDURE".into()],
            ..ArrivalWindow::default()
        };
        let a = appt(10, 0, "procedure", AppointmentStatus::Booked);
        assert_eq!(
            arrival_decision(&a, at(10, 0), &w),
            ArrivalDecision::DeskOnly
        );
        assert_eq!(
            arrival_decision(&a, at(6, 0), &w),
            ArrivalDecision::DeskOnly
        );
        let b = appt(10, 0, "procédure", AppointmentStatus::Booked);
        assert_eq!(
            arrival_decision(&b, at(10, 0), &w),
            ArrivalDecision::DeskOnly
        );
        let c = appt(10, 0, "visit", AppointmentStatus::Booked);
        assert_eq!(
            arrival_decision(&c, at(10, 0), &w),
            ArrivalDecision::Welcome
        );
    }

    #[test]
    fn attended_appointments_are_already_checked_in() {
        let w = ArrivalWindow::default();
        for status in [
            AppointmentStatus::Arrived,
            AppointmentStatus::CheckedIn,
            AppointmentStatus::Fulfilled,
        ] {
            let a = appt(10, 0, "visit", status);
            assert_eq!(
                arrival_decision(&a, at(23, 0), &w),
                ArrivalDecision::AlreadyCheckedIn
            );
        }
    }

    #[test]
    fn huge_windows_do_not_overflow() {
        let w = ArrivalWindow {
            early_minutes: i64::MAX,
            late_minutes: i64::MAX,
            desk_only_types: vec![],
        };
        let a = appt(10, 0, "visit", AppointmentStatus::Booked);
        assert_eq!(arrival_decision(&a, at(0, 0), &w), ArrivalDecision::Welcome);
    }
}
