use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::DomainError;

/// A patient without an appointment.
#[derive(Clone, PartialEq, Eq)]
pub struct WalkIn {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    /// Key of a configured reason (translated on screen as walkin.reason.<key>).
    pub reason: String,
}

// Everything in a walk-in is patient data (the reason too), so Debug shows none of it.
impl fmt::Debug for WalkIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalkIn")
            .field("has_phone", &self.phone.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckInKind {
    Appointment { appointment_id: String },
    WalkIn(WalkIn),
}

/// Why a patient is sent to the front desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskReason {
    NotFound,
    TooEarly,
    TooLate,
    DeskOnly,
    AlreadyCheckedIn,
}

impl DeskReason {
    pub const ALL: [DeskReason; 5] = [
        DeskReason::NotFound,
        DeskReason::TooEarly,
        DeskReason::TooLate,
        DeskReason::DeskOnly,
        DeskReason::AlreadyCheckedIn,
    ];

    /// The stored (and locale key) form: snake_case.
    pub fn as_str(self) -> &'static str {
        match self {
            DeskReason::NotFound => "not_found",
            DeskReason::TooEarly => "too_early",
            DeskReason::TooLate => "too_late",
            DeskReason::DeskOnly => "desk_only",
            DeskReason::AlreadyCheckedIn => "already_checked_in",
        }
    }
}

impl FromStr for DeskReason {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeskReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(DomainError::UnknownValue("desk reason"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckInState {
    CheckedIn,
    /// Recorded so staff see the patient, who was sent to the desk.
    NeedsDesk(DeskReason),
}

impl CheckInState {
    /// The stored form of the state (the desk reason is stored beside it).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInState::CheckedIn => "checked_in",
            CheckInState::NeedsDesk(_) => "needs_desk",
        }
    }

    pub fn desk_reason(self) -> Option<DeskReason> {
        match self {
            CheckInState::CheckedIn => None,
            CheckInState::NeedsDesk(r) => Some(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_in_debug_shows_no_patient_data() {
        let w = WalkIn {
            given_name: "Zelda".into(),
            family_name: "Quixote".into(),
            birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
            phone: Some("5550142999".into()),
            reason: "injury".into(),
        };
        let text = format!("{:?} {:?}", w, CheckInKind::WalkIn(w.clone()));
        for secret in ["Zelda", "Quixote", "1979", "5550142999", "injury"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn desk_reasons_round_trip() {
        for r in DeskReason::ALL {
            assert_eq!(r.as_str().parse::<DeskReason>(), Ok(r));
        }
        assert!("nope".parse::<DeskReason>().is_err());
        assert_eq!(
            CheckInState::NeedsDesk(DeskReason::TooEarly).desk_reason(),
            Some(DeskReason::TooEarly)
        );
        assert_eq!(CheckInState::CheckedIn.as_str(), "checked_in");
    }
}
