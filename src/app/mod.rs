//! The services the UI calls. They apply `domain` rules and persist through `store`; they
//! know nothing of Slint. Generic over a clock so tests choose the time.

pub mod demo;
mod forms;
mod service;
mod staff;

use std::cell::Cell;

use chrono::NaiveDateTime;

pub use forms::{FormCatalogue, FormProblem};
pub use service::{
    AnsweredForm, AppointmentView, CheckInService, ConfirmOutcome, Identification, ServiceConfig,
    Ticket,
};
pub use staff::{
    pin_acceptable, staff_pin_hash, ArrivalRow, ArrivalStatus, BoardView, Insights, PinCheck,
    PIN_ATTEMPTS, PIN_LOCKOUT_MINUTES,
};

use crate::domain::DomainError;
use crate::store::StoreError;

/// The practice's local wall-clock time. `Send` so a service can move to a worker thread.
pub trait Clock: Send {
    fn now(&self) -> NaiveDateTime;
}

/// Local wall-clock time: appointments are booked in the practice's local time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        chrono::Local::now().naive_local()
    }
}

/// A clock that says what it is told (tests, screenshots). `set` moves it through a shared
/// reference, so tests can move time while a service owns the clock.
#[derive(Debug)]
pub struct FixedClock(Cell<NaiveDateTime>);

impl FixedClock {
    pub fn new(now: NaiveDateTime) -> Self {
        FixedClock(Cell::new(now))
    }

    pub fn set(&self, now: NaiveDateTime) {
        self.0.set(now);
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.0.set(self.0.get() + by);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        self.0.get()
    }
}

/// What can go wrong in a use case. Display is for logs and staff; patients see the
/// translated `message_key`. Neither ever contains patient data.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid entry: {0}")]
    Invalid(DomainError),
    #[error("the scanned code could not be read")]
    BadScan,
    #[error("too many failed look-ups in a row; next attempt accepted in {seconds} s")]
    SlowDown { seconds: u64 },
    /// A staff PIN must be 4 to 8 digits, not all the same.
    #[error("a staff PIN must be 4 to 8 digits, not all the same")]
    PinFormat,
    #[error("the staff PIN could not be hashed")]
    PinHash,
    /// A form reached the check-in with a required answer missing or an invalid one.
    #[error("the form {form} is not complete ({problems} problems)")]
    FormIncomplete { form: String, problems: usize },
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::BadScan => AppError::BadScan,
            other => AppError::Invalid(other),
        }
    }
}

impl AppError {
    /// The locale key of the plain-language message for patients. Anything that is not
    /// the patient's to fix is "error.store": "Something went wrong. Please see the front
    /// desk."
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::BadScan => "error.bad_scan",
            AppError::SlowDown { .. } => "error.slow_down",
            AppError::FormIncomplete { .. } => "error.form_incomplete",
            AppError::PinFormat => "staff.pin.format",
            AppError::PinHash => "error.store",
            AppError::Invalid(DomainError::BadScan) => "error.bad_scan",
            AppError::Invalid(DomainError::BadDate) => "error.bad_date",
            AppError::Invalid(DomainError::FutureDate) => "error.future_date",
            AppError::Invalid(DomainError::TooOld) => "error.too_old",
            AppError::Invalid(DomainError::BadPhone) => "error.bad_phone",
            AppError::Invalid(DomainError::UnknownValue(_)) | AppError::Store(_) => "error.store",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys_match_the_error() {
        let key = |e: DomainError| AppError::from(e).message_key();
        assert_eq!(key(DomainError::BadScan), "error.bad_scan");
        assert_eq!(key(DomainError::BadDate), "error.bad_date");
        assert_eq!(key(DomainError::FutureDate), "error.future_date");
        assert_eq!(key(DomainError::TooOld), "error.too_old");
        assert_eq!(key(DomainError::BadPhone), "error.bad_phone");
        assert_eq!(key(DomainError::UnknownValue("x")), "error.store");
        assert_eq!(
            AppError::from(StoreError::Corrupt("x")).message_key(),
            "error.store"
        );
        assert!(matches!(
            AppError::from(DomainError::BadScan),
            AppError::BadScan
        ));
    }

    #[test]
    fn fixed_clock_moves_through_a_shared_reference() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let c = FixedClock::new(t);
        c.advance(chrono::Duration::minutes(5));
        assert_eq!(c.now(), t + chrono::Duration::minutes(5));
        c.set(t);
        assert_eq!(c.now(), t);
        fn is_send<T: Send>(_: &T) {}
        is_send(&c);
        is_send(&SystemClock);
    }
}
