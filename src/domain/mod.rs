//! Pure types and rules: no I/O, no Slint, no SQL. Everything here is unit-tested alone.

mod appointment;
mod arrival;
mod birthdate;
mod checkin;
pub mod insights;
mod matching;
mod names;
mod phone;
pub mod questionnaire;
mod scan;
mod throttle;
mod ticket;
mod wait;

pub use appointment::{display_name, Appointment, AppointmentStatus, Patient};
pub use arrival::{arrival_decision, ArrivalDecision, ArrivalWindow};
pub use birthdate::parse_birth_date;
pub use checkin::{CheckInKind, CheckInState, DeskReason, WalkIn};
pub use matching::{decide_match, MatchOutcome};
pub use names::fold_name;
pub use phone::normalize_phone;
pub use scan::parse_scan;
pub use throttle::retry_delay;
pub use ticket::{format_ticket, Queue};
pub use wait::{estimate_wait, typical_wait, ClinicianQueue, QueueSlot, WaitEstimate, WaitParams};

/// A rule was broken by what the patient entered (or by a stored value). Messages never
/// repeat the input: it may be patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("the scanned code is not one of ours")]
    BadScan,
    #[error("the date does not exist")]
    BadDate,
    #[error("the date is in the future")]
    FutureDate,
    #[error("the date is implausibly long ago")]
    TooOld,
    #[error("the phone number has the wrong number of digits or characters")]
    BadPhone,
    /// A stored code (status, queue, reason...) this build does not know; names the kind.
    #[error("unknown {0} value")]
    UnknownValue(&'static str),
}
