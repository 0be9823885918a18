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

pub fn arrival_decision(appt: &Appointment, now: NaiveDateTime, window: &ArrivalWindow) -> ArrivalDecision {
    if appt.status.has_arrived() {
        return ArrivalDecision::AlreadyCheckedIn;
    }
    if window
        .desk_only_types
        .iter()
        .any(|t| t.eq_ignore_ascii_case(&appt.appointment_type))
    {
        return ArrivalDecision::DeskOnly;
    }
    if now < appt.start - Duration::minutes(window.early_minutes) {
        return ArrivalDecision::TooEarly;
    }
    if now > appt.start + Duration::minutes(window.late_minutes) {
        return ArrivalDecision::TooLate;
    }
    ArrivalDecision::Welcome
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
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(hour, minute, 0).unwrap()
    }

    #[test]
    fn window_edges() {
        let w = ArrivalWindow::default();
        let a = appt(10, 0, "visit", AppointmentStatus::Booked);
        assert_eq!(arrival_decision(&a, at(8, 59), &w), ArrivalDecision::TooEarly);
        assert_eq!(arrival_decision(&a, at(9, 0), &w), ArrivalDecision::Welcome);
        assert_eq!(arrival_decision(&a, at(10, 15), &w), ArrivalDecision::Welcome);
        assert_eq!(arrival_decision(&a, at(10, 16), &w), ArrivalDecision::TooLate);
    }

    #[test]
    fn desk_only_types_and_repeat_check_ins() {
        let w = ArrivalWindow {
            desk_only_types: vec!["Procedure".into()],
            ..ArrivalWindow::default()
        };
        let a = appt(10, 0, "procedure", AppointmentStatus::Booked);
        assert_eq!(arrival_decision(&a, at(10, 0), &w), ArrivalDecision::DeskOnly);
        let b = appt(10, 0, "visit", AppointmentStatus::CheckedIn);
        assert_eq!(arrival_decision(&b, at(10, 0), &w), ArrivalDecision::AlreadyCheckedIn);
    }
}
