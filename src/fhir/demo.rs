//! The demo practice as a FHIR transaction Bundle: what `checkin-kiosk demo-bundle` prints
//! and the tests load into the FHIR test peer. Practitioners, Patients and Appointments,
//! with plain creates (a transaction of conditional creates is limited to a few entries on
//! some servers, Medplum's among them): load it into an empty server.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};

use super::mapping::{format_instant, APPOINTMENT_TYPE_SYSTEM, DEFAULT_CODE_SYSTEM};
use crate::app::demo::demo_roster;
use crate::domain::{Appointment, AppointmentStatus};

const PATIENT_SYSTEM: &str = "urn:checkin-kiosk:demo-patient";
const PRACTITIONER_SYSTEM: &str = "urn:checkin-kiosk:demo-practitioner";
const APPOINTMENT_SYSTEM: &str = "urn:checkin-kiosk:demo-appointment";

fn entry(ty: &str, full_url: &str, resource: Value) -> Value {
    json!({
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "POST", "url": ty}
    })
}

fn urn() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// The demo day laid out around `now` (see `app::demo`), as one transaction Bundle.
pub fn demo_bundle(now: NaiveDateTime) -> Value {
    roster_bundle(&demo_roster(now))
}

/// A day's appointments with their patients and practitioners as one transaction Bundle
/// (the demo's, or a benchmark's larger day).
pub fn roster_bundle(roster: &[Appointment]) -> Value {
    let mut entries = Vec::new();
    let mut practitioners: HashMap<String, String> = HashMap::new();
    let mut patients: HashMap<String, String> = HashMap::new();
    for a in roster {
        if !practitioners.contains_key(&a.clinician) {
            let url = urn();
            let words: Vec<&str> = a.clinician.split_whitespace().collect();
            let (family, rest) = words.split_last().map_or(("", &[][..]), |(f, r)| (*f, r));
            let key = family.to_ascii_lowercase();
            entries.push(entry(
                "Practitioner",
                &url,
                json!({
                    "resourceType": "Practitioner",
                    "identifier": [{"system": PRACTITIONER_SYSTEM, "value": key}],
                    "name": [{"text": a.clinician, "family": family, "given": rest}]
                }),
            ));
            practitioners.insert(a.clinician.clone(), url);
        }
        if !patients.contains_key(&a.patient.id) {
            let url = urn();
            let p = &a.patient;
            entries.push(entry(
                "Patient",
                &url,
                json!({
                    "resourceType": "Patient",
                    "identifier": [{"system": PATIENT_SYSTEM, "value": p.id}],
                    "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
                    "birthDate": p.birth_date.format("%Y-%m-%d").to_string()
                }),
            ));
            patients.insert(a.patient.id.clone(), url);
        }
    }
    for a in roster {
        let status = match a.status {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived | AppointmentStatus::CheckedIn => "arrived",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "noshow",
        };
        let patient = patients.get(&a.patient.id).cloned().unwrap_or_default();
        let doctor = practitioners.get(&a.clinician).cloned().unwrap_or_default();
        entries.push(entry(
            "Appointment",
            &urn(),
            json!({
                "resourceType": "Appointment",
                "identifier": [
                    {"system": APPOINTMENT_SYSTEM, "value": a.id},
                    {"system": DEFAULT_CODE_SYSTEM, "value": a.code}
                ],
                "status": status,
                "appointmentType": {"coding": [{"system": APPOINTMENT_TYPE_SYSTEM, "code": a.appointment_type}]},
                "start": format_instant(a.start),
                "end": format_instant(a.start + Duration::minutes(15)),
                "participant": [
                    {"actor": {"reference": patient}, "status": "accepted"},
                    {"actor": {"reference": doctor}, "status": "accepted"}
                ]
            }),
        ));
    }
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
}
