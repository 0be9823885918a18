//! Check-in Kiosk: a self-hosted patient check-in kiosk. The library wires the parts; the
//! rules live in `domain`, persistence in `store`, use cases in `app`, screens in `ui`.

// Translations for .slint and Rust alike; a missing key falls back to English at run time
// (tests/catalogue.rs keeps that from shipping).
rust_i18n::i18n!("locales", fallback = "en");

slint::include_modules!();

pub mod app;
pub mod config;
pub mod doctor;
pub mod domain;
pub mod fhir;
pub mod speech;
pub mod store;
pub mod sync;
pub mod systemd;
pub mod telemetry;
pub mod ui;
