//! Between the kiosk's domain and FHIR R4 JSON: today's roster out of searchset pages, and
//! the transaction entries a check-in becomes. Pure functions, unit-tested here; the HTTP
//! is in `client`.
//!
//! The pull's rule: a page that is not valid FHIR R4 (wrong types, unknown codes, missing
//! required fields) rejects the whole pull, so a confused or hostile server never half
//! replaces the roster. Valid FHIR the kiosk cannot use (an Appointment without a patient,
//! a Patient without a full birth date, a proposed or cancelled appointment) is skipped and
//! counted.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone};
use serde_json::Value;

use super::error::FhirError;
use super::model::{
    self, AppointmentParticipant, AppointmentStatus as FhirStatus, Bundle, BundleEntry,
    BundleRequest, CodeableConcept, ContactPoint, Extra, HttpVerb, HumanName, Identifier,
    ParticipationStatus, QuestionnaireResponse, Reference, ResourceType, SearchEntryMode,
};
use crate::domain::{self, AppointmentStatus, WalkIn};

/// HL7 v2 table 0276: the appointment type of a walk-in.
pub const APPOINTMENT_REASON_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v2-0276";
pub const WALK_IN_REASON_SYSTEM: &str = "urn:checkin-kiosk:walk-in-reason";
pub const APPOINTMENT_TYPE_SYSTEM: &str = "urn:checkin-kiosk:appointment-type";
/// Default identifier system of the code printed on appointment reminders.
pub const DEFAULT_CODE_SYSTEM: &str = "urn:checkin-kiosk:appointment-code";
/// How long a walk-in's Appointment is booked for (R4 wants an end on an arrived one).
const WALK_IN_MINUTES: i64 = 15;

/// The identifier system of everything this kiosk creates: `urn:checkin-kiosk:<kiosk-id>`.
pub fn kiosk_system(kiosk_id: &str) -> String {
    format!("urn:checkin-kiosk:{kiosk_id}")
}

/// What can be used of today's Appointments, and what was left out (counts only).
#[derive(Clone, Debug, Default)]
pub struct RosterPull {
    pub appointments: Vec<domain::Appointment>,
    /// The server's Appointments (all fields, with versions) for a later read-modify-PUT.
    pub resources: Vec<model::Appointment>,
    pub skipped: Skipped,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// cancelled or entered-in-error: they disappear from the kiosk.
    pub cancelled: usize,
    /// proposed or waitlist: not (yet) on the schedule.
    pub not_scheduled: usize,
    /// No Patient participant, or the Patient was not included in the answer.
    pub no_patient: usize,
    /// The Patient has no family name or no full birth date: cannot be matched.
    pub patient_unusable: usize,
    /// Starts on another day (a server that ignored the date filter).
    pub other_day: usize,
    /// The same reminder code twice: the later one keeps a code made from its id.
    pub duplicate_codes: usize,
}

impl Skipped {
    /// What staff should hear about: the counts that mean data could not be used.
    pub fn unusable(&self) -> usize {
        self.no_patient + self.patient_unusable
    }
}

/// "Type/id" of a reference, relative or absolute (a trailing `_history/<v>` ignored).
pub fn reference_key(reference: &str) -> Option<(String, String)> {
    let path = reference.split(['?', '#']).next().unwrap_or_default();
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() >= 4 && parts[parts.len() - 2] == "_history" {
        parts.truncate(parts.len() - 2);
    }
    match parts.as_slice() {
        [.., ty, id] if ty.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
            Some(((*ty).to_owned(), (*id).to_owned()))
        }
        _ => None,
    }
}

/// A FHIR instant as the practice's local wall-clock time.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Local).naive_local())
}

/// The practice's local wall-clock time as a FHIR instant with its offset.
pub fn format_instant(local: NaiveDateTime) -> String {
    let resolved = chrono::Local
        .from_local_datetime(&local)
        .earliest()
        // A time in a spring-forward gap: an hour later exists.
        .or_else(|| {
            chrono::Local
                .from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        });
    match resolved {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Secs, false),
        None => format!("{}Z", local.format("%Y-%m-%dT%H:%M:%S")),
    }
}

/// Local midnight of `day` and of the next day, as instants: today's search range.
pub fn day_range(day: NaiveDate) -> (String, String) {
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (
        format_instant(start),
        format_instant(start + Duration::days(1)),
    )
}

fn display_name(names: &[HumanName]) -> Option<String> {
    let name = names
        .iter()
        .find(|n| n.use_.as_deref() == Some("official"))
        .or_else(|| names.first())?;
    if let Some(text) = name.text.as_deref().filter(|t| !t.trim().is_empty()) {
        return Some(text.trim().to_owned());
    }
    let parts: Vec<&str> = name
        .prefix
        .iter()
        .chain(name.given.iter())
        .map(String::as_str)
        .chain(name.family.as_deref())
        .filter(|s| !s.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A Patient the kiosk can match: a family name, a given name (may be empty) and a full
/// birth date.
fn domain_patient(p: &model::Patient, id: &str) -> Option<domain::Patient> {
    let name = p
        .name
        .iter()
        .find(|n| n.use_.as_deref() == Some("official") && n.family.is_some())
        .or_else(|| p.name.iter().find(|n| n.family.is_some()))?;
    let family = name.family.as_deref()?.trim();
    if family.is_empty() {
        return None;
    }
    let birth_date = NaiveDate::parse_from_str(p.birth_date.as_deref()?, "%Y-%m-%d").ok()?;
    Some(domain::Patient {
        id: id.to_owned(),
        given_name: name
            .given
            .first()
            .map(|g| g.trim().to_owned())
            .unwrap_or_default(),
        family_name: family.to_owned(),
        birth_date,
    })
}

fn actor_key(p: &AppointmentParticipant, ty: &str) -> Option<(String, String)> {
    let reference = p.actor.as_ref()?.reference.as_deref()?;
    reference_key(reference).filter(|(t, _)| t == ty)
}

/// A printed code the scanner can read back: 4-40 letters, digits and dashes.
fn usable_code(value: &str) -> Option<String> {
    let v = value.trim();
    ((4..=40).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then(|| v.to_ascii_uppercase())
}

fn parse_entry<T: serde::de::DeserializeOwned>(
    value: &Value,
    what: &str,
    page: usize,
    n: usize,
) -> Result<T, FhirError> {
    T::deserialize(value)
        .map_err(|e| FhirError::invalid_json(&format!("{what} (page {page}, entry {n})"), &e))
}

/// Today's roster from the pages of `Appointment?date=...&_include=...`.
pub fn parse_roster(
    pages: &[Bundle],
    day: NaiveDate,
    code_system: &str,
) -> Result<RosterPull, FhirError> {
    let mut patients: HashMap<String, model::Patient> = HashMap::new();
    let mut practitioners: HashMap<String, model::Practitioner> = HashMap::new();
    let mut appointments: Vec<(usize, usize, model::Appointment)> = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let page_no = p + 1;
        for (e, entry) in page.entry.iter().enumerate() {
            let n = e + 1;
            let Some(resource) = &entry.resource else {
                continue;
            };
            let ty = resource.get("resourceType").and_then(Value::as_str);
            let mode = entry.search.as_ref().and_then(|s| s.mode);
            match ty {
                Some("Appointment") if mode != Some(SearchEntryMode::Include) => {
                    appointments.push((
                        page_no,
                        n,
                        parse_entry(resource, "an Appointment", page_no, n)?,
                    ));
                }
                Some("Patient") => {
                    let patient: model::Patient = parse_entry(resource, "a Patient", page_no, n)?;
                    if let Some(id) = patient.id.clone() {
                        patients.insert(id, patient);
                    }
                }
                Some("Practitioner") => {
                    let doc: model::Practitioner =
                        parse_entry(resource, "a Practitioner", page_no, n)?;
                    if let Some(id) = doc.id.clone() {
                        practitioners.insert(id, doc);
                    }
                }
                // OperationOutcome warnings, other included types: not ours.
                Some(_) => {}
                None => {
                    return Err(FhirError::Invalid(format!(
                        "entry {n} of page {page_no} has no resourceType"
                    )))
                }
            }
        }
    }

    // The same Appointment on two pages (the list moved while paging): the last one counts,
    // at the place of the first.
    let mut order: Vec<String> = Vec::new();
    let mut latest: HashMap<String, (usize, usize, model::Appointment)> = HashMap::new();
    for (page_no, n, resource) in appointments {
        let Some(id) = resource.id.clone().filter(|id| !id.is_empty()) else {
            return Err(FhirError::Invalid(format!(
                "the Appointment in entry {n} of page {page_no} has no id"
            )));
        };
        if latest.insert(id.clone(), (page_no, n, resource)).is_none() {
            order.push(id);
        }
    }

    let mut out = RosterPull::default();
    let mut codes: HashSet<String> = HashSet::new();
    for id in order {
        let Some((page_no, n, resource)) = latest.remove(&id) else {
            continue;
        };
        let status = match resource.status {
            FhirStatus::Booked | FhirStatus::Pending => AppointmentStatus::Booked,
            FhirStatus::Arrived | FhirStatus::CheckedIn => AppointmentStatus::Arrived,
            FhirStatus::Fulfilled => AppointmentStatus::Fulfilled,
            FhirStatus::Noshow => AppointmentStatus::NoShow,
            FhirStatus::Cancelled | FhirStatus::EnteredInError => {
                out.skipped.cancelled += 1;
                continue;
            }
            FhirStatus::Proposed | FhirStatus::Waitlist => {
                out.skipped.not_scheduled += 1;
                continue;
            }
        };
        let Some(start_text) = resource.start.as_deref() else {
            return Err(FhirError::Invalid(format!(
                "the scheduled Appointment in entry {n} of page {page_no} has no start"
            )));
        };
        let Some(start) = parse_instant(start_text) else {
            return Err(FhirError::Invalid(format!(
                "the Appointment in entry {n} of page {page_no} has a start that is not a FHIR instant"
            )));
        };
        if start.date() != day {
            out.skipped.other_day += 1;
            continue;
        }
        let patient_ref = resource
            .participant
            .iter()
            .find_map(|p| actor_key(p, "Patient"));
        let Some((pid, patient)) =
            patient_ref.and_then(|(_, pid)| patients.get(&pid).map(|p| (pid, p)))
        else {
            out.skipped.no_patient += 1;
            continue;
        };
        let Some(patient) = domain_patient(patient, &pid) else {
            out.skipped.patient_unusable += 1;
            continue;
        };
        let clinician = resource
            .participant
            .iter()
            .find_map(|p| {
                let (_, did) = actor_key(p, "Practitioner")?;
                practitioners
                    .get(&did)
                    .and_then(|d| display_name(&d.name))
                    .or_else(|| p.actor.as_ref()?.display.clone())
            })
            .unwrap_or_default();
        let appointment_type = resource
            .appointment_type
            .as_ref()
            .and_then(CodeableConcept::first_code_or_text)
            .unwrap_or("visit")
            .to_owned();
        let mut code = resource
            .identifier
            .iter()
            .filter(|i| i.system.as_deref() == Some(code_system))
            .find_map(|i| i.value.as_deref().and_then(usable_code))
            .unwrap_or_else(|| format!("ID-{id}"));
        if codes.contains(&code.to_ascii_lowercase()) {
            out.skipped.duplicate_codes += 1;
            code = format!("ID-{id}");
            if codes.contains(&code.to_ascii_lowercase()) {
                continue;
            }
        }
        codes.insert(code.to_ascii_lowercase());
        out.appointments.push(domain::Appointment {
            id,
            code,
            start,
            clinician,
            appointment_type,
            status,
            patient,
        });
        out.resources.push(resource);
    }
    Ok(out)
}

fn request(method: HttpVerb, url: String) -> BundleRequest {
    BundleRequest {
        method,
        url,
        if_match: None,
        if_none_exist: None,
        extra: Extra::new(),
    }
}

fn conditional_post(ty: &str, system: &str, value: &str) -> BundleRequest {
    BundleRequest {
        if_none_exist: Some(format!("identifier={system}|{value}")),
        ..request(HttpVerb::Post, ty.to_owned())
    }
}

fn to_value<T: serde::Serialize>(resource: &T) -> Result<Value, FhirError> {
    serde_json::to_value(resource).map_err(|_| FhirError::Setup("cannot encode a resource".into()))
}

/// The weak ETag of a stored version, for If-Match.
pub fn version_etag(appt: &model::Appointment) -> Option<String> {
    appt.meta
        .as_ref()
        .and_then(|m| m.version_id.as_deref())
        .map(|v| format!("W/\"{v}\""))
}

/// The Patient reference of an Appointment ("Patient/<id>").
pub fn patient_reference(appt: &model::Appointment) -> Option<String> {
    appt.participant
        .iter()
        .find_map(|p| actor_key(p, "Patient"))
        .map(|(t, id)| format!("{t}/{id}"))
}

/// The server's Appointment, everything kept, set to arrived: a PUT guarded by If-Match on
/// the version it was read at (when the server versions its resources).
pub fn arrived_entry(appt: &model::Appointment) -> Result<BundleEntry, FhirError> {
    let id = appt
        .id
        .as_deref()
        .ok_or_else(|| FhirError::Invalid("an Appointment without an id".into()))?;
    let mut arrived = appt.clone();
    arrived.status = FhirStatus::Arrived;
    Ok(BundleEntry {
        resource: Some(to_value(&arrived)?),
        request: Some(BundleRequest {
            if_match: version_etag(appt),
            ..request(HttpVerb::Put, format!("Appointment/{id}"))
        }),
        ..BundleEntry::default()
    })
}

/// A walk-in: a Patient and an arrived Appointment, each created only if no resource has
/// its kiosk-minted identifier yet (`value` = the outbox id), so a replay adds nothing.
/// Returns the entries and the Patient's bundle-local reference (for the forms).
pub fn walk_in_entries(
    system: &str,
    value: &str,
    walk_in: &WalkIn,
    created_at: NaiveDateTime,
) -> Result<(Vec<BundleEntry>, String), FhirError> {
    let patient_url = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    let appointment_url = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    let patient = model::Patient {
        resource_type: ResourceType::default(),
        id: None,
        meta: None,
        identifier: vec![Identifier::new(system, value)],
        name: vec![HumanName {
            use_: Some("official".into()),
            family: Some(walk_in.family_name.clone()),
            given: vec![walk_in.given_name.clone()]
                .into_iter()
                .filter(|g| !g.is_empty())
                .collect(),
            ..HumanName::default()
        }],
        telecom: walk_in
            .phone
            .iter()
            .map(|p| ContactPoint {
                system: Some("phone".into()),
                value: Some(p.clone()),
                use_: Some("mobile".into()),
                extra: Extra::new(),
            })
            .collect(),
        birth_date: Some(walk_in.birth_date.format("%Y-%m-%d").to_string()),
        extra: Extra::new(),
    };
    let appointment = model::Appointment {
        resource_type: ResourceType::default(),
        id: None,
        meta: None,
        identifier: vec![Identifier::new(system, value)],
        status: FhirStatus::Arrived,
        appointment_type: Some(CodeableConcept::code(APPOINTMENT_REASON_SYSTEM, "WALKIN")),
        reason_code: vec![CodeableConcept::code(
            WALK_IN_REASON_SYSTEM,
            &walk_in.reason,
        )],
        start: Some(format_instant(created_at)),
        end: Some(format_instant(
            created_at + Duration::minutes(WALK_IN_MINUTES),
        )),
        created: Some(format_instant(created_at)),
        participant: vec![AppointmentParticipant {
            actor: Some(Reference::to(patient_url.clone())),
            status: ParticipationStatus::Accepted,
            extra: Extra::new(),
        }],
        extra: Extra::new(),
    };
    let entries = vec![
        BundleEntry {
            full_url: Some(patient_url.clone()),
            resource: Some(to_value(&patient)?),
            request: Some(conditional_post("Patient", system, value)),
            ..BundleEntry::default()
        },
        BundleEntry {
            full_url: Some(appointment_url),
            resource: Some(to_value(&appointment)?),
            request: Some(conditional_post("Appointment", system, value)),
            ..BundleEntry::default()
        },
    ];
    Ok((entries, patient_url))
}

/// A stored QuestionnaireResponse (answers as the form engine wrote them) with its subject
/// and the kiosk identifier `value` (its row id), created only once.
pub fn response_entry(
    system: &str,
    value: &str,
    resource: &Value,
    subject: &str,
) -> Result<BundleEntry, FhirError> {
    let mut qr: QuestionnaireResponse = serde_json::from_value(resource.clone())
        .map_err(|e| FhirError::invalid_json("a stored QuestionnaireResponse", &e))?;
    qr.id = None;
    qr.identifier = Some(Identifier::new(system, value));
    qr.subject = Some(Reference::to(subject));
    Ok(BundleEntry {
        full_url: Some(format!("urn:uuid:{}", uuid::Uuid::new_v4())),
        resource: Some(to_value(&qr)?),
        request: Some(conditional_post("QuestionnaireResponse", system, value)),
        ..BundleEntry::default()
    })
}

#[cfg(test)]
mod tests;
