//! The Rust side of the UI: the controller behind the patient screens, the translation
//! bridge, QR images and offscreen rendering. Slint types stop here.

pub mod board;
pub mod controller;
pub mod form_run;
mod form_view;
pub mod i18n;
pub mod keyboards;
pub mod qr;
pub mod render;
pub mod session;
pub mod signature;
mod spoken;
pub mod staff;
pub mod sync_status;

pub use controller::{connect, Controller, UiSettings};
