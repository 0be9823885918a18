//! The shipped forms and the QuestionnaireResponses the kiosk makes from them, checked by a
//! real FHIR R4 implementation (the Medplum router validates every write), and the answers
//! travelling to the server with their check-in.

use std::sync::Arc;

use checkin_kiosk::app::{
    demo, AnsweredForm, CheckInService, ConfirmOutcome, FixedClock, FormCatalogue, Identification,
    ServiceConfig,
};
use checkin_kiosk::config::{Config, FormsConfig};
use checkin_kiosk::domain::questionnaire::{Answer, AnswerCode, Answers, Questionnaire};
use checkin_kiosk::domain::ArrivalWindow;
use checkin_kiosk::store::Store;
use checkin_kiosk::ui::signature::Signature;
use chrono::{FixedOffset, NaiveDate, TimeZone};
use serde_json::{json, Value};

use crate::util::fhir::{
    block_on, count_by_identifier, demo_bundle_file, get_json, sync_config, syncer, NodePeer,
};
use crate::util::test_now;

fn form(name: &str) -> Arc<Questionnaire> {
    FormCatalogue::load(&FormsConfig::default())
        .forms()
        .iter()
        .find(|q| q.source_name() == format!("{name}.json"))
        .cloned()
        .expect("a shipped form")
}

fn coding(system: &str, code: &str) -> AnswerCode {
    AnswerCode::Coding {
        system: Some(system.into()),
        code: code.into(),
    }
}

/// The code of option `index` of a choice question, as the UI would select it.
fn option(q: &Questionnaire, link: &str, index: usize) -> AnswerCode {
    q.item(link).expect("item").options[index].code()
}

fn signature_png() -> Vec<u8> {
    let mut s = Signature::new("signature");
    s.start(20.0, 80.0, 400.0, 120.0);
    for i in 0..60 {
        s.extend(
            20.0 + i as f32 * 6.0,
            80.0 - ((i as f32) / 4.0).sin() * 30.0,
        );
    }
    s.png().expect("png")
}

/// Every shipped form answered in full, with the conditional questions switched on and
/// every item type given a value.
fn answered_forms() -> Vec<AnsweredForm> {
    let intake = form("general-intake");
    let mut a = intake.initial_answers();
    let reasons = "https://checkin-kiosk.example.org/fhir/CodeSystem/visit-reason";
    a.set(
        "reason",
        Answer::Choice(vec![coding(reasons, "sick"), coding(reasons, "other")]),
    );
    a.set("reason-other", Answer::Text("School form".into()));
    a.set(
        "symptoms-since",
        Answer::Date(NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")),
    );
    a.set(
        "sex-at-birth",
        Answer::Choice(vec![option(&intake, "sex-at-birth", 0)]),
    );
    a.set(
        "age-group",
        Answer::Choice(vec![option(&intake, "age-group", 1)]),
    );
    a.set(
        "pregnant",
        Answer::Choice(vec![option(&intake, "pregnant", 1)]),
    );
    a.set("has-allergies", Answer::Boolean(true));
    a.set("allergy-list", Answer::Text("Penicillin rash".into()));
    a.set("current-medications", Answer::Text("Ibuprofen".into()));
    a.set("weight", Answer::Text("72.5".into()));
    a.set(
        "pharmacy",
        Answer::Choice(vec![AnswerCode::String("Elm Street Drugs".into())]),
    );
    a.set("pain", Answer::Integer(3));

    let privacy = form("privacy-acknowledgement");
    let mut p = Answers::new();
    p.set("notice-received", Answer::Boolean(true));
    p.set(
        "signer-relationship",
        Answer::Choice(vec![option(&privacy, "signer-relationship", 0)]),
    );
    p.set("signature", Answer::Signature(signature_png()));

    let phq2 = form("phq2-screening");
    let mut s = Answers::new();
    s.set("phq2-1", Answer::Choice(vec![option(&phq2, "phq2-1", 1)]));
    s.set("phq2-2", Answer::Choice(vec![option(&phq2, "phq2-2", 0)]));

    let out = vec![
        AnsweredForm {
            form: intake,
            answers: a,
        },
        AnsweredForm {
            form: privacy,
            answers: p,
        },
        AnsweredForm {
            form: phq2,
            answers: s,
        },
    ];
    for f in &out {
        assert_eq!(
            f.form.validate_all(&f.answers),
            vec![],
            "{}",
            f.form.source_name()
        );
    }
    out
}

/// POSTs a resource; the status and the server's answer (an OperationOutcome on refusal).
fn post(url: &str, body: &Value) -> (u16, Value) {
    block_on(async {
        let resp = reqwest::Client::new()
            .post(url)
            .header("Content-Type", "application/fhir+json")
            .body(serde_json::to_vec(body).expect("json"))
            .send()
            .await
            .expect("POST");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    })
}

fn count_answers(items: &Value) -> usize {
    items.as_array().map_or(0, |items| {
        items
            .iter()
            .map(|i| {
                i["answer"].as_array().map_or(0, Vec::len)
                    + count_answers(&i["item"])
                    + i["answer"]
                        .as_array()
                        .map_or(0, |ans| ans.iter().map(|a| count_answers(&a["item"])).sum())
            })
            .sum()
    })
}

#[test]
fn the_shipped_forms_and_complete_answers_validate_as_fhir_r4() {
    let server = NodePeer::server(None, None, 0);
    let base = server.url.clone();

    // The forms themselves are valid R4 Questionnaires.
    for name in [
        "general-intake",
        "privacy-acknowledgement",
        "phq2-screening",
    ] {
        let text = std::fs::read_to_string(format!(
            "{}/assets/forms/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("form file");
        let q: Value = serde_json::from_str(&text).expect("json");
        let (status, body) = post(&format!("{base}/Questionnaire"), &q);
        assert_eq!(status, 201, "{name} refused: {body}");
    }

    let (status, patient) = post(
        &format!("{base}/Patient"),
        &json!({"resourceType": "Patient", "name": [{"family": "Test"}]}),
    );
    assert_eq!(status, 201, "{patient}");
    let subject = format!("Patient/{}", patient["id"].as_str().expect("id"));
    let authored = FixedOffset::west_opt(5 * 3600)
        .and_then(|z| z.from_local_datetime(&test_now()).single())
        .expect("time");

    for f in answered_forms() {
        let qr = f.form.response(&f.answers, &authored, Some(&subject));
        let (status, body) = post(&format!("{base}/QuestionnaireResponse"), &qr);
        assert_eq!(status, 201, "{} refused: {body}", f.form.source_name());
        let id = body["id"].as_str().expect("id");
        let stored = get_json(&format!("{base}/QuestionnaireResponse/{id}"));
        assert_eq!(stored["questionnaire"], qr["questionnaire"]);
        assert_eq!(
            count_answers(&stored["item"]),
            count_answers(&qr["item"]),
            "every answer kept by the server"
        );
    }
    let intake_answers = count_answers(
        &answered_forms()[0]
            .form
            .response(&answered_forms()[0].answers, &authored, None)["item"],
    );
    assert_eq!(intake_answers, 13, "every question of the intake answered");

    // The validator is real: responses the R4 rules forbid are refused. (It checks
    // structure, cardinality and value formats; it does not check required code bindings,
    // so the kiosk's own engine keeps status and codes right.)
    let valid = || {
        let f = &answered_forms()[0];
        f.form.response(&f.answers, &authored, None)
    };
    let mut no_status = valid();
    no_status.as_object_mut().map(|o| o.remove("status"));
    let mut bad_date = valid();
    bad_date["item"][1]["answer"] = json!([{ "valueDate": "20-11-2026" }]);
    let mut unknown = valid();
    unknown["item"][0]["colour"] = json!("blue");
    for (what, body, path) in [
        (
            "a missing status",
            no_status,
            "QuestionnaireResponse.status",
        ),
        ("a malformed date", bad_date, "item[1].answer[0]"),
        ("an unknown element", unknown, "item[0].colour"),
    ] {
        let (status, answer) = post(&format!("{base}/QuestionnaireResponse"), &body);
        assert_eq!(status, 400, "{what} must be refused: {answer}");
        assert!(
            answer["issue"][0]["expression"][0]
                .as_str()
                .is_some_and(|e| e.contains(path)),
            "{what} refused for the right reason: {answer}"
        );
    }
}

#[test]
fn form_answers_travel_with_their_check_in_to_the_server_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = NodePeer::server(Some(&demo_bundle_file(dir.path())), None, 0);
    let base = server.url.clone();
    let db = dir.path().join("kiosk.db");

    let mut sync = syncer(&db, sync_config(&base));
    block_on(sync.pull()).expect("pull");
    let mut config = ServiceConfig::from(&Config::default());
    config.arrival = ArrivalWindow {
        early_minutes: 720,
        late_minutes: 720,
        desk_only_types: Vec::new(),
    };
    let mut kiosk = CheckInService::new(
        Store::open(&db).expect("store"),
        FixedClock::new(test_now()),
        config,
    );
    let maria = match kiosk
        .identify("munoz", demo::people().maria.birth_date)
        .expect("identify")
    {
        Identification::Found(v) => v.appointment_id,
        other => panic!("{other:?}"),
    };
    let forms: Vec<AnsweredForm> = answered_forms().into_iter().take(2).collect();
    assert!(matches!(
        kiosk.confirm(&maria, &forms).expect("confirm"),
        ConfirmOutcome::CheckedIn(_)
    ));
    let ids: Vec<String> = {
        let c = rusqlite::Connection::open(&db).expect("db");
        let mut st = c
            .prepare("SELECT id FROM questionnaire_responses ORDER BY rowid")
            .expect("prepare");
        let rows = st.query_map([], |r| r.get(0)).expect("query");
        rows.map(|r| r.expect("row")).collect()
    };
    assert_eq!(ids.len(), 2);

    block_on(sync.push_batch()).expect("push");
    // A second push (nothing pending) and a pull change nothing on the server.
    block_on(sync.push_batch()).expect("push again");
    for id in &ids {
        assert_eq!(
            count_by_identifier(&base, "QuestionnaireResponse", id),
            1,
            "each form once on the server"
        );
    }
    let appt = get_json(&format!("{base}/Appointment/{maria}"));
    let patient = appt["participant"]
        .as_array()
        .and_then(|ps| {
            ps.iter()
                .filter_map(|p| p["actor"]["reference"].as_str())
                .find(|r| r.starts_with("Patient/"))
        })
        .expect("the appointment's patient")
        .to_owned();
    let found = get_json(&format!("{base}/QuestionnaireResponse?subject={patient}"));
    let entries = found["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "both forms filed under María");
    let consent = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| {
            r["questionnaire"]
                .as_str()
                .is_some_and(|q| q.contains("privacy-acknowledgement"))
        })
        .expect("the signed consent");
    let attachment = consent["item"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["linkId"] == "signature"))
        .map(|i| i["answer"][0]["valueAttachment"].clone())
        .expect("signature answer");
    assert_eq!(attachment["contentType"], "image/png");
    assert!(attachment["data"].as_str().is_some_and(|d| d.len() > 100));
}
