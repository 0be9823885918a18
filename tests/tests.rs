//! The one integration-test binary. Each test runs in its own process under nextest, which
//! Slint needs (its platform is set once per process).

mod util;

mod accessibility;
mod catalogue;
mod contrast;
mod doctor;
mod forms_fhir;
mod forms_flow;
mod keyboard;
mod patient_flow;
mod privacy;
mod read_aloud;
mod render;
mod staff;
mod store_file;
mod sync_crash;
mod sync_faults;
mod sync_hostile;
mod sync_server;
mod sync_ui_latency;
mod systemd;
