use super::*;
use crate::app::demo::{demo_roster, people};
use serde_json::json;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn now() -> NaiveDateTime {
    day().and_hms_opt(10, 0, 0).unwrap()
}

/// The demo transaction as the searchset a server would answer: ids assigned, bundle-local
/// references resolved, `per_page` entries a page.
fn demo_pages(per_page: usize) -> Vec<Bundle> {
    let tx = crate::fhir::demo::demo_bundle(now());
    let mut ids = HashMap::new();
    let entries = tx["entry"].as_array().unwrap();
    for (i, e) in entries.iter().enumerate() {
        let ty = e["resource"]["resourceType"].as_str().unwrap();
        ids.insert(
            e["fullUrl"].as_str().unwrap().to_owned(),
            format!("{ty}/id{i}"),
        );
    }
    let mut text = serde_json::to_string(&tx["entry"]).unwrap();
    for (urn, id) in &ids {
        text = text.replace(urn, id);
    }
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut out: Vec<Value> = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let mut r = e["resource"].clone();
            r["id"] = json!(format!("id{i}"));
            r["meta"] = json!({"versionId": "1"});
            let mode = if r["resourceType"] == "Appointment" {
                "match"
            } else {
                "include"
            };
            json!({"resource": r, "search": {"mode": mode}})
        })
        .collect();
    // Servers put matches first and the includes after them.
    out.sort_by_key(|e| e["search"]["mode"] != "match");
    out.chunks(per_page)
        .map(|chunk| {
            serde_json::from_value(
                json!({"resourceType": "Bundle", "type": "searchset", "entry": chunk}),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn the_demo_practice_comes_back_as_the_same_roster_without_the_cancelled_one() {
    let pulled = parse_roster(&demo_pages(10), day(), DEFAULT_CODE_SYSTEM).unwrap();
    let expected: Vec<domain::Appointment> = demo_roster(now())
        .into_iter()
        .filter(|a| a.status != AppointmentStatus::Cancelled)
        .collect();
    assert_eq!(pulled.skipped.cancelled, 1);
    assert_eq!(pulled.appointments.len(), expected.len());
    assert_eq!(pulled.resources.len(), expected.len());
    for (got, want) in pulled.appointments.iter().zip(&expected) {
        assert_eq!(got.code, want.code);
        assert_eq!(got.start, want.start);
        assert_eq!(got.clinician, want.clinician);
        assert_eq!(got.appointment_type, want.appointment_type);
        assert_eq!(got.status, want.status);
        assert_eq!(
            (
                &got.patient.given_name,
                &got.patient.family_name,
                got.patient.birth_date
            ),
            (
                &want.patient.given_name,
                &want.patient.family_name,
                want.patient.birth_date
            )
        );
    }
    let maria = pulled
        .appointments
        .iter()
        .find(|a| a.code == people().maria.code)
        .unwrap();
    assert_eq!(maria.patient.display_name(), "María M.");
    assert_eq!(pulled.skipped.unusable(), 0);
}

fn page(entries: Value) -> Vec<Bundle> {
    vec![serde_json::from_value(
        json!({"resourceType": "Bundle", "type": "searchset", "entry": entries}),
    )
    .unwrap()]
}

fn appt(id: &str, status: &str, patient: &str) -> Value {
    json!({"resource": {"resourceType": "Appointment", "id": id, "status": status,
        "start": format_instant(now()), "end": format_instant(now() + Duration::minutes(15)),
        "participant": [{"actor": {"reference": patient}, "status": "accepted"}]},
        "search": {"mode": "match"}})
}

fn patient(id: &str, birth: Option<&str>) -> Value {
    let mut p =
        json!({"resourceType": "Patient", "id": id, "name": [{"family": "Lee", "given": ["Kim"]}]});
    if let Some(b) = birth {
        p["birthDate"] = json!(b);
    }
    json!({"resource": p, "search": {"mode": "include"}})
}

#[test]
fn unusable_appointments_are_skipped_and_counted() {
    let pulled = parse_roster(
        &page(json!([
            appt("ok", "booked", "Patient/p1"),
            appt("later", "fulfilled", "http://x/fhir/Patient/p1/_history/3"),
            appt("gone", "cancelled", "Patient/p1"),
            appt("err", "entered-in-error", "Patient/p1"),
            appt("maybe", "proposed", "Patient/p1"),
            appt("nobody", "booked", "Practitioner/d1"),
            appt("missing", "booked", "Patient/unknown"),
            appt("partial", "booked", "Patient/p2"),
            patient("p1", Some("1980-02-03")),
            patient("p2", Some("1980")),
        ])),
        day(),
        DEFAULT_CODE_SYSTEM,
    )
    .unwrap();
    let ids: Vec<&str> = pulled.appointments.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["ok", "later"]);
    assert_eq!(pulled.appointments[1].status, AppointmentStatus::Fulfilled);
    assert_eq!(
        pulled.appointments[0].code, "ID-ok",
        "no reminder code: one from the id"
    );
    assert_eq!(
        pulled.skipped,
        Skipped {
            cancelled: 2,
            not_scheduled: 1,
            no_patient: 2,
            patient_unusable: 1,
            other_day: 0,
            duplicate_codes: 0
        }
    );
}

#[test]
fn invalid_fhir_rejects_the_whole_pull_without_quoting_it() {
    let cases = [
        json!([appt("a", "in-progress", "Patient/p1")]),
        json!([{"resource": {"resourceType": "Appointment", "id": "a", "status": "booked",
            "start": 1_700_000_000, "participant": []}}]),
        json!([{"resource": {"resourceType": "Appointment", "id": "a", "status": "booked",
            "start": "yesterday María", "participant": []}}]),
        json!([{"resource": {"resourceType": "Appointment", "status": "booked",
            "start": format_instant(now()), "participant": []}}]),
        json!([{"resource": {"resourceType": "Appointment", "id": "a", "status": "booked",
            "participant": []}}]),
        json!([{"resource": {"resourceType": "Patient", "id": "p", "birthDate": 19800101,
            "name": [{"family": "María Muñoz"}]}}]),
        json!([{"resource": {"name": "María Muñoz"}}]),
    ];
    for (i, entries) in cases.into_iter().enumerate() {
        let err = parse_roster(&page(entries), day(), DEFAULT_CODE_SYSTEM)
            .map(|_| ())
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, FhirError::Invalid(_)), "case {i}: {text}");
        assert!(!text.contains("María") && !text.contains("Muñoz"), "{text}");
    }
}

#[test]
fn duplicate_ids_count_once_and_duplicate_codes_fall_back_to_the_id() {
    let mut a1 = appt("a1", "booked", "Patient/p1");
    a1["resource"]["identifier"] = json!([{"system": DEFAULT_CODE_SYSTEM, "value": "cki-abc123"}]);
    let mut a1_later = a1.clone();
    a1_later["resource"]["status"] = json!("arrived");
    let mut a2 = appt("a2", "booked", "Patient/p1");
    a2["resource"]["identifier"] = json!([{"system": DEFAULT_CODE_SYSTEM, "value": "CKI-ABC123"}]);
    let mut other_day = appt("a3", "booked", "Patient/p1");
    other_day["resource"]["start"] = json!(format_instant(now() + Duration::days(1)));
    let pulled = parse_roster(
        &page(json!([
            a1,
            a2,
            a1_later,
            other_day,
            patient("p1", Some("1980-02-03"))
        ])),
        day(),
        DEFAULT_CODE_SYSTEM,
    )
    .unwrap();
    let got: Vec<(&str, &str, AppointmentStatus)> = pulled
        .appointments
        .iter()
        .map(|a| (a.id.as_str(), a.code.as_str(), a.status))
        .collect();
    assert_eq!(
        got,
        [
            ("a1", "CKI-ABC123", AppointmentStatus::Arrived),
            ("a2", "ID-a2", AppointmentStatus::Booked)
        ]
    );
    assert_eq!(pulled.skipped.duplicate_codes, 1);
    assert_eq!(pulled.skipped.other_day, 1);
}

#[test]
fn references_resolve_relative_absolute_and_versioned() {
    assert_eq!(
        reference_key("Patient/p1"),
        Some(("Patient".into(), "p1".into()))
    );
    assert_eq!(
        reference_key("https://x/fhir/R4/Patient/p1/_history/2"),
        Some(("Patient".into(), "p1".into()))
    );
    assert_eq!(reference_key("urn:uuid:1234"), None);
    assert_eq!(reference_key("p1"), None);
}

#[test]
fn instants_round_trip_through_local_time() {
    let t = now();
    assert_eq!(parse_instant(&format_instant(t)), Some(t));
    assert_eq!(parse_instant("2026-11-23"), None);
    let (from, to) = day_range(day());
    assert_eq!(
        parse_instant(&from),
        Some(day().and_hms_opt(0, 0, 0).unwrap())
    );
    assert_eq!(
        parse_instant(&to),
        Some(day().succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap())
    );
}

#[test]
fn arrived_keeps_everything_and_guards_the_version() {
    let stored: model::Appointment = serde_json::from_value(json!({
        "resourceType": "Appointment", "id": "a1", "meta": {"versionId": "v7"},
        "status": "booked", "comment": "keep me", "participant": [
            {"actor": {"reference": "Patient/p1"}, "status": "accepted", "extension": [{"url": "u"}]}]
    }))
    .unwrap();
    let e = arrived_entry(&stored).unwrap();
    let r = e.request.unwrap();
    assert_eq!(
        (r.method, r.url.as_str()),
        (HttpVerb::Put, "Appointment/a1")
    );
    assert_eq!(r.if_match.as_deref(), Some("W/\"v7\""));
    let sent = e.resource.unwrap();
    assert_eq!(sent["status"], "arrived");
    assert_eq!(sent["comment"], "keep me");
    assert_eq!(sent["participant"][0]["extension"][0]["url"], "u");
    assert_eq!(patient_reference(&stored).as_deref(), Some("Patient/p1"));
}

#[test]
fn walk_ins_and_forms_are_conditional_creates_on_kiosk_identifiers() {
    let w = WalkIn {
        given_name: "Zelda".into(),
        family_name: "Quixote".into(),
        birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
        phone: Some("5550142999".into()),
        reason: "injury".into(),
    };
    let system = kiosk_system("lobby-1");
    let (entries, patient_url) = walk_in_entries(&system, "o-1", &w, now()).unwrap();
    assert!(patient_url.starts_with("urn:uuid:"));
    assert!(uuid::Uuid::parse_str(patient_url.trim_start_matches("urn:uuid:")).is_ok());
    let cond: Vec<_> = entries
        .iter()
        .map(|e| e.request.as_ref().unwrap().if_none_exist.clone().unwrap())
        .collect();
    assert_eq!(
        cond,
        [
            "identifier=urn:checkin-kiosk:lobby-1|o-1",
            "identifier=urn:checkin-kiosk:lobby-1|o-1"
        ]
    );
    let p = entries[0].resource.as_ref().unwrap();
    assert_eq!(p["birthDate"], "1979-05-21");
    assert_eq!(p["name"][0]["family"], "Quixote");
    let a = entries[1].resource.as_ref().unwrap();
    assert_eq!(a["status"], "arrived");
    assert_eq!(
        a["participant"][0]["actor"]["reference"],
        json!(patient_url)
    );
    assert!(
        a["end"].is_string(),
        "R4 wants an end on an arrived Appointment"
    );

    let qr = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": "https://forms.example/q|1", "item": [{"linkId": "x"}]});
    let e = response_entry(&system, "r-1", &qr, &patient_url).unwrap();
    let sent = e.resource.unwrap();
    assert_eq!(sent["subject"]["reference"], json!(patient_url));
    assert_eq!(sent["identifier"]["value"], "r-1");
    assert_eq!(sent["item"][0]["linkId"], "x");
    assert_eq!(
        e.request.unwrap().if_none_exist.as_deref(),
        Some("identifier=urn:checkin-kiosk:lobby-1|r-1")
    );
    assert!(format!("{:?}", entries).find("Zelda").is_none());
}
