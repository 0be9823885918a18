use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};

use super::DomainError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppointmentStatus {
    Booked,
    /// Arrived according to the server (checked in at the desk, or elsewhere).
    Arrived,
    Fulfilled,
    Cancelled,
    NoShow,
    /// Checked in at this kiosk, not yet acknowledged by the server.
    CheckedIn,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 6] = [
        AppointmentStatus::Booked,
        AppointmentStatus::Arrived,
        AppointmentStatus::Fulfilled,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
        AppointmentStatus::CheckedIn,
    ];

    /// The stored form (snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
            AppointmentStatus::CheckedIn => "checked_in",
        }
    }

    /// The patient is (or was) in the building for this appointment.
    pub fn has_arrived(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Arrived
                | AppointmentStatus::CheckedIn
                | AppointmentStatus::Fulfilled
        )
    }
}

impl FromStr for AppointmentStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AppointmentStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(DomainError::UnknownValue("appointment status"))
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
    /// What "Is this you?" may show: the given name and the family name's initial, e.g.
    /// "María G.". The initial is the first letter with its accents (a whole character even
    /// when the name is stored decomposed), uppercased; leading apostrophes are skipped.
    pub fn display_name(&self) -> String {
        display_name(&self.given_name, &self.family_name)
    }
}

/// "María G.": a given name and the family name's initial (see `Patient::display_name`).
pub fn display_name(given_name: &str, family_name: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;

    let mut rest = family_name.chars().skip_while(|c| !c.is_alphabetic());
    let initial: String = match rest.next() {
        Some(first) => first
            .to_uppercase()
            .chain(rest.take_while(|c| is_combining_mark(*c)))
            .nfc()
            .collect(),
        None => String::new(),
    };
    let given = given_name.trim();
    match (given.is_empty(), initial.is_empty()) {
        (_, true) => given.to_owned(),
        (true, false) => format!("{initial}."),
        (false, false) => format!("{given} {initial}."),
    }
}

// Debug output may end up in a log or a panic message: ids only.
impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Patient")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: String,
    /// Printed on the reminder as a QR code or barcode.
    pub code: String,
    /// Local time of the practice.
    pub start: NaiveDateTime,
    pub clinician: String,
    pub appointment_type: String,
    pub status: AppointmentStatus,
    pub patient: Patient,
}

// Ids and status only: the time, clinician and type of a visit are health data too.
impl fmt::Debug for Appointment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Appointment")
            .field("id", &self.id)
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
        assert_eq!(patient("María", "García López").display_name(), "María G.");
        assert_eq!(patient("Sean", "o'Brien-Smith").display_name(), "Sean O.");
        assert_eq!(patient("Thanh", "Đặng").display_name(), "Thanh Đ.");
        assert_eq!(patient("Eve", "’Okafor").display_name(), "Eve O.");
        assert_eq!(patient(" Ana ", "").display_name(), "Ana");
    }

    #[test]
    fn display_initial_keeps_its_accent_when_stored_decomposed() {
        // "émile" in NFD: 'e' followed by a combining acute accent.
        assert_eq!(patient("Lou", "e\u{301}mile").display_name(), "Lou É.");
        assert_eq!(patient("Chloé", "Ørsted").display_name(), "Chloé Ø.");
    }

    #[test]
    fn debug_never_shows_names_or_birth_dates() {
        let p = patient("María", "Muñoz");
        let a = Appointment {
            id: "a1".into(),
            code: "CKI-MUN384".into(),
            start: NaiveDate::from_ymd_opt(2026, 11, 23)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
            clinician: "Dr. Luis Romero".into(),
            appointment_type: "prenatal".into(),
            status: AppointmentStatus::Booked,
            patient: p.clone(),
        };
        let text = format!("{p:?} {a:?} {a:#?}");
        for secret in ["María", "Muñoz", "1984", "Romero", "prenatal"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("a1") && text.contains("p1"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in AppointmentStatus::ALL {
            assert_eq!(s.as_str().parse::<AppointmentStatus>(), Ok(s));
        }
        assert!("nope".parse::<AppointmentStatus>().is_err());
        assert!(AppointmentStatus::CheckedIn.has_arrived());
        assert!(!AppointmentStatus::NoShow.has_arrived());
    }
}
