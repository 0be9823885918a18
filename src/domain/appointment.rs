use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};

use super::DomainError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppointmentStatus {
    Booked,
    /// Arrived according to the server (checked in at the desk, or elsewhere).
    Arrived,
    /// Checked in at this kiosk, not yet acknowledged by the server.
    CheckedIn,
    Fulfilled,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// The patient is (or was) in the building for this appointment.
    pub fn has_arrived(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Arrived | AppointmentStatus::CheckedIn | AppointmentStatus::Fulfilled
        )
    }
}

impl FromStr for AppointmentStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "booked" => AppointmentStatus::Booked,
            "arrived" => AppointmentStatus::Arrived,
            "checked_in" => AppointmentStatus::CheckedIn,
            "fulfilled" => AppointmentStatus::Fulfilled,
            "cancelled" => AppointmentStatus::Cancelled,
            "no_show" => AppointmentStatus::NoShow,
            other => return Err(DomainError::UnknownStatus(other.to_owned())),
        })
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Patient {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
}

impl Patient {
    /// What "Is this you?" may show: the given name and the family name's initial.
    pub fn display_name(&self) -> String {
        let initial: String = self
            .family_name
            .chars()
            .find(|c| c.is_alphabetic())
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default();
        if initial.is_empty() {
            self.given_name.clone()
        } else {
            format!("{} {initial}.", self.given_name)
        }
    }
}

// Debug output may end up in a log or a panic message: ids only.
impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Patient").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: String,
    /// Printed on the reminder as a QR code or barcode.
    pub code: String,
    /// Local time.
    pub start: NaiveDateTime,
    pub clinician: String,
    pub appointment_type: String,
    pub status: AppointmentStatus,
    pub patient: Patient,
}

impl fmt::Debug for Appointment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Appointment")
            .field("id", &self.id)
            .field("start", &self.start)
            .field("status", &self.status)
            .field("patient", &self.patient)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patient(given: &str, family: &str) -> Patient {
        Patient {
            id: "p1".into(),
            given_name: given.into(),
            family_name: family.into(),
            birth_date: NaiveDate::from_ymd_opt(1984, 3, 9).unwrap(),
        }
    }

    #[test]
    fn display_name_is_given_name_and_initial() {
        assert_eq!(patient("María", "Muñoz").display_name(), "María M.");
        assert_eq!(patient("Sean", "o'Brien-Smith").display_name(), "Sean O.");
        assert_eq!(patient("Thanh", "Đặng").display_name(), "Thanh Đ.");
    }

    #[test]
    fn debug_never_shows_names_or_birth_dates() {
        let text = format!("{:?}", patient("María", "Muñoz"));
        assert!(!text.contains("María") && !text.contains("Muñoz") && !text.contains("1984"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            AppointmentStatus::Booked,
            AppointmentStatus::Arrived,
            AppointmentStatus::CheckedIn,
            AppointmentStatus::Fulfilled,
            AppointmentStatus::Cancelled,
            AppointmentStatus::NoShow,
        ] {
            assert_eq!(s.as_str().parse::<AppointmentStatus>(), Ok(s));
        }
        assert!("nope".parse::<AppointmentStatus>().is_err());
    }
}
