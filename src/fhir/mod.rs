//! FHIR R4: the HTTP client (reqwest over rustls) and the mapping between the kiosk's domain
//! and FHIR JSON. The only module that speaks HTTP. Error texts never quote what the server
//! sent (it may be patient data): they say what was wrong and where, in plain words.

mod client;
pub mod demo;
mod error;
pub mod mapping;
pub mod model;

pub use client::{Client, ClientConfig, PageLimits};
pub use error::{FhirError, NetworkKind};
