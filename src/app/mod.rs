//! The services the UI calls. They apply `domain` rules and persist through `store`; they
//! know nothing of Slint. Generic over a clock so tests choose the time.

pub mod demo;
mod service;

use std::cell::Cell;

use chrono::NaiveDateTime;

pub use service::{
    AppointmentView, CheckInService, ConfirmOutcome, Identification, ServiceConfig, Ticket,
};

use crate::domain::DomainError;
use crate::store::StoreError;

pub trait Clock {
    fn now(&self) -> NaiveDateTime;
}

/// Local wall-clock time: appointments are booked in the practice's local time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        chrono::Local::now().naive_local()
    }
}

/// A clock that says what it is told (tests, rendering).
pub struct FixedClock(Cell<NaiveDateTime>);

impl FixedClock {
    pub fn new(now: NaiveDateTime) -> Self {
        FixedClock(Cell::new(now))
    }

    pub fn set(&self, now: NaiveDateTime) {
        self.0.set(now);
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
    /// The locale key of the plain-language message for patients.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::BadScan => "error.bad_scan",
            AppError::Invalid(DomainError::BadDate) => "error.bad_date",
            AppError::Invalid(DomainError::FutureDate) => "error.future_date",
            AppError::Invalid(DomainError::TooOld) => "error.too_old",
            AppError::Invalid(DomainError::BadPhone) => "error.bad_phone",
            AppError::Invalid(_) | AppError::Store(_) => "error.store",
        }
    }
}
