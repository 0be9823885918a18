//! Slim serde types for the few FHIR R4 resources the kiosk reads and writes. Only the
//! fields the kiosk uses are modelled; everything else the server sent is kept in `extra`
//! (`#[serde(flatten)]`), on nested types too, so a read-modify-PUT sends back exactly what
//! the server stored with only our change applied.
//!
//! Why not a generated FHIR model crate: those cost about 2 CPU-minutes and 3-4.5 GB per
//! clean build on the project's 2-core machines, none covers plain R4 well, and they would
//! still need this "keep what you do not know" behaviour for a safe PUT.
//!
//! Limitation: numbers go through serde_json's f64, so a decimal written as `1.10` comes back
//! as `1.1` (same value, fewer trailing zeros). No field the kiosk rewrites is a decimal.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What the server sent that we do not model: sent back untouched.
pub type Extra = Map<String, Value>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(rename = "versionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Reference {
    pub fn to(reference: impl Into<String>) -> Self {
        Reference {
            reference: Some(reference.into()),
            ..Reference::default()
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Identifier {
    pub fn new(system: &str, value: &str) -> Self {
        Identifier {
            system: Some(system.to_owned()),
            value: Some(value.to_owned()),
            extra: Extra::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CodeableConcept {
    pub fn code(system: &str, code: &str) -> Self {
        CodeableConcept {
            coding: vec![Coding {
                system: Some(system.to_owned()),
                code: Some(code.to_owned()),
                ..Coding::default()
            }],
            ..CodeableConcept::default()
        }
    }

    /// The first coding's code, else the text.
    pub fn first_code_or_text(&self) -> Option<&str> {
        self.coding
            .iter()
            .find_map(|c| c.code.as_deref())
            .or(self.text.as_deref())
            .filter(|s| !s.trim().is_empty())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HumanName {
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactPoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Appointment.status (R4, required binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentStatus {
    Proposed,
    Pending,
    Booked,
    Arrived,
    Fulfilled,
    Cancelled,
    Noshow,
    EnteredInError,
    CheckedIn,
    Waitlist,
}

/// Appointment.participant.status (R4, required binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParticipationStatus {
    Accepted,
    Declined,
    Tentative,
    NeedsAction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppointmentParticipant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Reference>,
    pub status: ParticipationStatus,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub resource_type: ResourceType<AppointmentTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: AppointmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_type: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub participant: Vec<AppointmentParticipant>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub resource_type: ResourceType<PatientTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Practitioner {
    pub resource_type: ResourceType<PractitionerTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// QuestionnaireResponse.status (R4, required binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuestionnaireResponseStatus {
    InProgress,
    Completed,
    Amended,
    EnteredInError,
    Stopped,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    pub resource_type: ResourceType<QuestionnaireResponseTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// 0..1 in R4 (not a list, unlike most resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    pub status: QuestionnaireResponseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(flatten)]
    pub extra: Extra,
}

// The answers are patient data: never printed.
impl std::fmt::Debug for QuestionnaireResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuestionnaireResponse")
            .field("id", &self.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Bundle.type (R4, required binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleType {
    Document,
    Message,
    Transaction,
    TransactionResponse,
    Batch,
    BatchResponse,
    History,
    Searchset,
    Collection,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Bundle.entry.search.mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SearchEntryMode {
    Match,
    Include,
    Outcome,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BundleSearch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<SearchEntryMode>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpVerb {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Patch,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleRequest {
    pub method: HttpVerb,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_match: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_none_exist: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleResponse {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// Kept raw: each resource is read into its own type by whoever needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<BundleSearch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<BundleRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<BundleResponse>,
    #[serde(flatten)]
    pub extra: Extra,
}

// Entries carry patient resources: only their shape is printed.
impl std::fmt::Debug for BundleEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleEntry")
            .field(
                "resource_type",
                &self
                    .resource
                    .as_ref()
                    .and_then(|r| r.get("resourceType"))
                    .and_then(Value::as_str),
            )
            .field("request", &self.request.as_ref().map(|r| r.method))
            .field("response", &self.response.as_ref().map(|r| &r.status))
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: ResourceType<BundleTag>,
    #[serde(rename = "type")]
    pub type_: BundleType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Bundle {
    pub fn transaction(entry: Vec<BundleEntry>) -> Self {
        Bundle {
            resource_type: ResourceType::default(),
            type_: BundleType::Transaction,
            total: None,
            link: Vec::new(),
            entry,
            extra: Extra::new(),
        }
    }

    /// The url of the link with this relation ("next", "self").
    pub fn link(&self, relation: &str) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == relation)
            .map(|l| l.url.as_str())
    }
}

/// OperationOutcome.issue.severity (R4, required binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueSeverity {
    Fatal,
    Error,
    Warning,
    Information,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationOutcomeIssue {
    pub severity: IssueSeverity,
    /// IssueType code (invalid, conflict, not-found, ...).
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: ResourceType<OperationOutcomeTag>,
    #[serde(default)]
    pub issue: Vec<OperationOutcomeIssue>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl OperationOutcome {
    /// The server's own words, for staff (stored with a failed item; never logged: a
    /// server may quote the data it refused).
    pub fn staff_text(&self) -> String {
        let parts: Vec<String> = self
            .issue
            .iter()
            .map(|i| {
                let text = i
                    .details
                    .as_ref()
                    .and_then(|d| d.text.clone())
                    .or_else(|| i.diagnostics.clone())
                    .unwrap_or_else(|| i.code.clone());
                if i.expression.is_empty() {
                    text
                } else {
                    format!("{text} ({})", i.expression.join(", "))
                }
            })
            .collect();
        parts.join("; ")
    }

    /// The issue codes only (a closed FHIR value set): safe for a log line.
    pub fn codes(&self) -> String {
        let codes: Vec<&str> = self
            .issue
            .iter()
            .map(|i| {
                if i.code.len() <= 24 && i.code.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                {
                    i.code.as_str()
                } else {
                    "?"
                }
            })
            .collect();
        codes.join(",")
    }
}

// Diagnostics may quote patient data: only the issue codes are printed.
impl std::fmt::Debug for OperationOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationOutcome")
            .field("codes", &self.codes())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapabilityInteraction {
    pub code: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapabilityRest {
    pub mode: String,
    #[serde(default)]
    pub interaction: Vec<CapabilityInteraction>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityStatement {
    pub resource_type: ResourceType<CapabilityStatementTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fhir_version: Option<String>,
    #[serde(default)]
    pub rest: Vec<CapabilityRest>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CapabilityStatement {
    /// Whether the server says it accepts transaction Bundles. Informative only: some
    /// servers (Medplum) publish no CapabilityStatement at all.
    pub fn supports_transactions(&self) -> bool {
        self.rest
            .iter()
            .any(|r| r.mode == "server" && r.interaction.iter().any(|i| i.code == "transaction"))
    }
}

/// A resource type name that must match exactly on reading and is written back as is.
pub trait TypeName {
    const NAME: &'static str;
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceType<T: TypeName>(std::marker::PhantomData<T>);

impl<T: TypeName> Serialize for ResourceType<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(T::NAME)
    }
}

impl<'de, T: TypeName> Deserialize<'de> for ResourceType<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        if name == T::NAME {
            Ok(ResourceType(std::marker::PhantomData))
        } else {
            // The expected name only: the value came from the server.
            Err(serde::de::Error::custom(format_args!(
                "resourceType is not {}",
                T::NAME
            )))
        }
    }
}

macro_rules! tags {
    ($($tag:ident = $name:literal),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $tag;
        impl TypeName for $tag {
            const NAME: &'static str = $name;
        }
    )*};
}

tags! {
    AppointmentTag = "Appointment",
    PatientTag = "Patient",
    PractitionerTag = "Practitioner",
    QuestionnaireResponseTag = "QuestionnaireResponse",
    BundleTag = "Bundle",
    OperationOutcomeTag = "OperationOutcome",
    CapabilityStatementTag = "CapabilityStatement",
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_appointment_round_trips_with_every_field_we_do_not_model() {
        let stored = json!({
            "resourceType": "Appointment",
            "id": "a1",
            "meta": {"versionId": "7", "lastUpdated": "2026-11-23T09:00:00Z", "tag": [{"code": "x"}]},
            "extension": [{"url": "http://example.org/room", "valueString": "3B"}],
            "identifier": [{"system": "urn:x", "value": "CKI-AAA111", "period": {"start": "2026-01-01"}}],
            "status": "booked",
            "serviceCategory": [{"text": "General"}],
            "appointmentType": {"coding": [{"system": "urn:t", "code": "visit", "userSelected": true}]},
            "priority": 5,
            "start": "2026-11-23T10:00:00+01:00",
            "end": "2026-11-23T10:15:00+01:00",
            "minutesDuration": 15,
            "comment": "bring the letter",
            "participant": [
                {"actor": {"reference": "Patient/p1", "display": "M. M.", "type": "Patient"},
                 "status": "accepted", "required": "required",
                 "type": [{"coding": [{"code": "SBJ"}]}]},
                {"actor": {"reference": "Practitioner/d1"}, "status": "accepted",
                 "period": {"start": "2026-11-23T10:00:00+01:00"}}
            ],
            "requestedPeriod": [{"start": "2026-11-20"}]
        });
        let a: Appointment = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(a.status, AppointmentStatus::Booked);
        assert_eq!(a.meta.as_ref().unwrap().version_id.as_deref(), Some("7"));
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            stored,
            "nothing stripped"
        );

        let mut arrived = a.clone();
        arrived.status = AppointmentStatus::Arrived;
        let mut expected = stored;
        expected["status"] = json!("arrived");
        assert_eq!(serde_json::to_value(&arrived).unwrap(), expected);
    }

    #[test]
    fn codes_outside_the_value_sets_and_wrong_types_are_refused() {
        let base = json!({"resourceType": "Appointment", "status": "booked", "participant": []});
        assert!(serde_json::from_value::<Appointment>(base.clone()).is_ok());
        for (field, bad) in [
            ("status", json!("in-progress")),
            ("status", json!(3)),
            ("start", json!(20261123)),
            ("participant", json!({"actor": {}})),
            ("resourceType", json!("Patient")),
        ] {
            let mut v = base.clone();
            v[field] = bad;
            assert!(
                serde_json::from_value::<Appointment>(v).is_err(),
                "{field} should be refused"
            );
        }
        let mut no_status = base;
        no_status.as_object_mut().unwrap().remove("status");
        assert!(serde_json::from_value::<Appointment>(no_status).is_err());
    }

    #[test]
    fn all_appointment_status_codes_are_known() {
        for code in [
            "proposed",
            "pending",
            "booked",
            "arrived",
            "fulfilled",
            "cancelled",
            "noshow",
            "entered-in-error",
            "checked-in",
            "waitlist",
        ] {
            let s: AppointmentStatus = serde_json::from_value(json!(code)).unwrap();
            assert_eq!(serde_json::to_value(s).unwrap(), json!(code));
        }
    }

    #[test]
    fn outcome_text_is_for_staff_and_codes_for_logs() {
        let oo: OperationOutcome = serde_json::from_value(json!({
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": "error", "code": "invalid", "diagnostics": "Patient María is invalid",
                 "expression": ["Patient.birthDate"]},
                {"severity": "error", "code": "Some Name Here", "details": {"text": "Conflict"}}
            ]
        }))
        .unwrap();
        assert_eq!(
            oo.staff_text(),
            "Patient María is invalid (Patient.birthDate); Conflict"
        );
        assert_eq!(oo.codes(), "invalid,?");
        assert!(!format!("{oo:?}").contains("María"));
    }

    #[test]
    fn bundles_find_their_links_and_capabilities_their_transactions() {
        let b: Bundle = serde_json::from_value(json!({
            "resourceType": "Bundle", "type": "searchset", "total": 3,
            "link": [{"relation": "self", "url": "http://x/a"}, {"relation": "next", "url": "http://x/b"}],
            "entry": [{"fullUrl": "http://x/Appointment/1", "resource": {"resourceType": "Appointment"},
                       "search": {"mode": "match"}}]
        }))
        .unwrap();
        assert_eq!(b.link("next"), Some("http://x/b"));
        assert_eq!(
            b.entry[0].search.as_ref().unwrap().mode,
            Some(SearchEntryMode::Match)
        );
        let cs: CapabilityStatement = serde_json::from_value(json!({
            "resourceType": "CapabilityStatement", "fhirVersion": "4.0.1",
            "rest": [{"mode": "server", "interaction": [{"code": "transaction"}]}]
        }))
        .unwrap();
        assert!(cs.supports_transactions());
    }
}
