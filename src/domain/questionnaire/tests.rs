//! Unit tests of the questionnaire engine.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{json, Value};

use super::response::base64;
use super::*;

const INTAKE: &str = include_str!("../../../assets/forms/general-intake.json");
const PRIVACY: &str = include_str!("../../../assets/forms/privacy-acknowledgement.json");
const PHQ2: &str = include_str!("../../../assets/forms/phq2-screening.json");

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn form(items: Value) -> Questionnaire {
    let doc = json!({
        "resourceType": "Questionnaire",
        "url": "urn:test:form",
        "version": "3",
        "item": items,
    });
    match parse(&doc.to_string(), "test.json") {
        Ok(q) => q,
        Err(e) => panic!("test form refused: {e}"),
    }
}

fn refuse(items: Value) -> QuestionnaireError {
    let doc = json!({ "resourceType": "Questionnaire", "url": "urn:test:form", "item": items });
    match parse(&doc.to_string(), "test.json") {
        Ok(_) => panic!("form should have been refused"),
        Err(e) => e,
    }
}

fn authored() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-03-02T09:15:00-05:00").unwrap()
}

fn coding(system: &str, code: &str) -> AnswerCode {
    AnswerCode::Coding {
        system: Some(system.into()),
        code: code.into(),
    }
}

fn ids(set: &BTreeSet<String>) -> Vec<&str> {
    set.iter().map(String::as_str).collect()
}

/// linkId -> the response item, searched through the whole tree (item and answer.item).
fn find<'a>(v: &'a Value, link_id: &str) -> Option<&'a Value> {
    let mut stack = vec![v];
    while let Some(node) = stack.pop() {
        if node.get("linkId").and_then(Value::as_str) == Some(link_id) {
            return Some(node);
        }
        for key in ["item", "answer"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                stack.extend(list.iter());
            }
        }
    }
    None
}

fn all_response_link_ids(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![v];
    while let Some(node) = stack.pop() {
        if let Some(id) = node.get("linkId").and_then(Value::as_str) {
            out.insert(id.to_string());
        }
        for key in ["item", "answer"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                stack.extend(list.iter());
            }
        }
    }
    out
}

fn every_type_form() -> Questionnaire {
    form(json!([
        { "linkId": "intro", "type": "display", "text": "Hello" },
        { "linkId": "g", "type": "group", "text": "All types", "item": [
            { "linkId": "b", "type": "boolean", "text": "B" },
            { "linkId": "c", "type": "choice", "text": "C", "answerOption": [
                { "valueCoding": { "system": "urn:s", "code": "x", "display": "Ex" } },
                { "valueString": "plain" },
                { "valueInteger": 7 }
            ] },
            { "linkId": "oc", "type": "open-choice", "answerOption": [ { "valueString": "red" } ] },
            { "linkId": "s", "type": "string" },
            { "linkId": "t", "type": "text" },
            { "linkId": "i", "type": "integer" },
            { "linkId": "d", "type": "decimal" },
            { "linkId": "dt", "type": "date" },
            { "linkId": "sig", "type": "attachment" }
        ] }
    ]))
}

#[test]
fn every_item_type_is_parsed_and_answered_in_the_response() {
    let q = every_type_form();
    let types: Vec<ItemType> = q.all_items().iter().map(|i| i.item_type).collect();
    assert_eq!(types.len(), 11);
    let mut a = Answers::new();
    a.set("b", Answer::Boolean(false));
    a.set("c", Answer::Choice(vec![coding("urn:s", "x")]));
    a.set(
        "oc",
        Answer::Choice(vec![AnswerCode::String("teal".into())]),
    );
    a.set("s", Answer::Text(" short ".into()));
    a.set("t", Answer::Text("long\ntext".into()));
    a.set("i", Answer::Integer(-3));
    a.set("d", Answer::Decimal(Decimal::parse("37,25").unwrap()));
    a.set(
        "dt",
        Answer::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()),
    );
    a.set("sig", Answer::Signature(PNG.to_vec()));
    assert_eq!(q.validate_all(&a), vec![]);

    let r = q.response(&a, &authored(), Some("Patient/123"));
    assert_eq!(r["resourceType"], "QuestionnaireResponse");
    assert_eq!(r["status"], "completed");
    assert_eq!(r["questionnaire"], "urn:test:form|3");
    assert_eq!(r["authored"], "2026-03-02T09:15:00-05:00");
    assert_eq!(r["subject"]["reference"], "Patient/123");
    let answer = |id: &str| find(&r, id).unwrap()["answer"][0].clone();
    assert_eq!(answer("b"), json!({ "valueBoolean": false }));
    assert_eq!(
        answer("c"),
        json!({ "valueCoding": { "system": "urn:s", "code": "x", "display": "Ex" } })
    );
    assert_eq!(answer("oc"), json!({ "valueString": "teal" }));
    assert_eq!(answer("s"), json!({ "valueString": "short" }));
    assert_eq!(answer("t"), json!({ "valueString": "long\ntext" }));
    assert_eq!(answer("i"), json!({ "valueInteger": -3 }));
    assert_eq!(answer("d"), json!({ "valueDecimal": 37.25 }));
    assert_eq!(answer("dt"), json!({ "valueDate": "2025-12-31" }));
    assert_eq!(
        answer("sig"),
        json!({ "valueAttachment": {
            "contentType": "image/png", "data": base64(PNG), "title": "signature" } })
    );
    // The display item never appears; the group holds the answers.
    assert!(find(&r, "intro").is_none());
    assert_eq!(r["item"][0]["linkId"], "g");
    assert_eq!(r["item"][0]["item"].as_array().unwrap().len(), 9);

    // The other option kinds give valueString / valueInteger.
    a.set("c", Answer::Choice(vec![AnswerCode::Integer(7)]));
    let r = q.response(&a, &authored(), None);
    assert_eq!(
        find(&r, "c").unwrap()["answer"][0],
        json!({ "valueInteger": 7 })
    );
    assert!(r.get("subject").is_none());
    a.set(
        "c",
        Answer::Choice(vec![AnswerCode::String("plain".into())]),
    );
    let r = q.response(&a, &authored(), None);
    assert_eq!(
        find(&r, "c").unwrap()["answer"][0],
        json!({ "valueString": "plain" })
    );
}

#[test]
fn keypad_text_is_parsed_for_number_and_date_items() {
    let q = every_type_form();
    let mut a = Answers::new();
    a.set("i", Answer::Text(" +42 ".into()));
    a.set("d", Answer::Text("-0.5".into()));
    a.set("dt", Answer::Text("2024-02-29".into()));
    assert_eq!(q.validate_all(&a), vec![]);
    let r = q.response(&a, &authored(), None);
    assert_eq!(find(&r, "i").unwrap()["answer"][0]["valueInteger"], 42);
    assert_eq!(find(&r, "d").unwrap()["answer"][0]["valueDecimal"], -0.5);
    assert_eq!(
        find(&r, "dt").unwrap()["answer"][0]["valueDate"],
        "2024-02-29"
    );
}

#[test]
fn decimals_keep_their_text_and_refuse_what_is_not_a_plain_number() {
    let d = Decimal::parse(" 98,60 ").unwrap();
    assert_eq!(d.as_str(), "98.60");
    assert!((d.value() - 98.6).abs() < 1e-9);
    assert_eq!(Decimal::parse("+3").unwrap().as_str(), "3");
    assert_eq!(Decimal::parse(".5").unwrap().value(), 0.5);
    for bad in [
        "", "-", ".", "1.", "1e5", "NaN", "inf", "1.2.3", "12a", "--1", "1 000",
    ] {
        assert!(Decimal::parse(bad).is_none(), "{bad:?} accepted");
    }
}

/// A form where "dep" depends on "n" through one condition.
fn one_condition(target: Value, condition: Value) -> Questionnaire {
    let mut cond = json!({ "question": "n" });
    if let (Some(c), Some(extra)) = (cond.as_object_mut(), condition.as_object()) {
        c.extend(extra.clone());
    }
    let mut target = target;
    target["linkId"] = json!("n");
    form(json!([target, { "linkId": "dep", "type": "string", "enableWhen": [cond] }]))
}

fn dep_enabled(q: &Questionnaire, answer: Option<Answer>) -> bool {
    let mut a = Answers::new();
    if let Some(answer) = answer {
        a.set("n", answer);
    }
    q.enabled(&a).contains("dep")
}

#[test]
fn every_operator_on_integers() {
    let int = json!({ "type": "integer" });
    let cases = [
        ("=", 5, true),
        ("=", 4, false),
        ("!=", 4, true),
        ("!=", 5, false),
        (">", 4, true),
        (">", 5, false),
        ("<", 6, true),
        ("<", 5, false),
        (">=", 5, true),
        (">=", 6, false),
        ("<=", 5, true),
        ("<=", 4, false),
    ];
    for (op, value, expected) in cases {
        let q = one_condition(
            int.clone(),
            json!({ "operator": op, "answerInteger": value }),
        );
        assert_eq!(
            dep_enabled(&q, Some(Answer::Integer(5))),
            expected,
            "5 {op} {value}"
        );
        // With no answer only exists can hold; != included (see condition_holds).
        assert!(!dep_enabled(&q, None), "no answer {op} {value}");
    }
}

#[test]
fn exists_true_and_false() {
    let int = json!({ "type": "integer" });
    let yes = one_condition(
        int.clone(),
        json!({ "operator": "exists", "answerBoolean": true }),
    );
    let no = one_condition(int, json!({ "operator": "exists", "answerBoolean": false }));
    assert!(dep_enabled(&yes, Some(Answer::Integer(0))));
    assert!(!dep_enabled(&yes, None));
    assert!(!dep_enabled(&no, Some(Answer::Integer(0))));
    assert!(dep_enabled(&no, None));
    // A blank answer is no answer.
    let text = one_condition(
        json!({ "type": "string" }),
        json!({ "operator": "exists", "answerBoolean": true }),
    );
    assert!(!dep_enabled(&text, Some(Answer::Text("   ".into()))));
    assert!(dep_enabled(&text, Some(Answer::Text("x".into()))));
    // A signature can only be tested for existence.
    let sig = one_condition(
        json!({ "type": "attachment" }),
        json!({ "operator": "exists", "answerBoolean": true }),
    );
    assert!(dep_enabled(&sig, Some(Answer::Signature(PNG.to_vec()))));
    assert!(!dep_enabled(&sig, Some(Answer::Signature(Vec::new()))));
}

#[test]
fn operators_on_decimals_dates_strings_booleans_and_codings() {
    let dec = json!({ "type": "decimal" });
    let temp = || Some(Answer::Decimal(Decimal::parse("37.5").unwrap()));
    let q = one_condition(
        dec.clone(),
        json!({ "operator": ">", "answerDecimal": 38.0 }),
    );
    assert!(!dep_enabled(&q, temp()));
    let q = one_condition(
        dec.clone(),
        json!({ "operator": ">=", "answerDecimal": 37.5 }),
    );
    assert!(dep_enabled(&q, temp()));
    let q = one_condition(dec, json!({ "operator": "<", "answerInteger": 38 }));
    assert!(dep_enabled(&q, temp()));

    let date = json!({ "type": "date" });
    let eve = || Some(Answer::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()));
    let q = one_condition(
        date.clone(),
        json!({ "operator": "<", "answerDate": "2026-01-01" }),
    );
    assert!(dep_enabled(&q, eve()));
    let q = one_condition(date, json!({ "operator": ">", "answerDate": "2026-01-01" }));
    assert!(!dep_enabled(&q, eve()));

    let s = json!({ "type": "string" });
    let q = one_condition(s.clone(), json!({ "operator": "=", "answerString": "abc" }));
    assert!(dep_enabled(&q, Some(Answer::Text("abc".into()))));
    assert!(!dep_enabled(&q, Some(Answer::Text("abd".into()))));
    let q = one_condition(s, json!({ "operator": "!=", "answerString": "abc" }));
    assert!(!dep_enabled(&q, Some(Answer::Text("abc".into()))));
    assert!(dep_enabled(&q, Some(Answer::Text("x".into()))));

    let b = json!({ "type": "boolean" });
    let q = one_condition(b.clone(), json!({ "operator": "=", "answerBoolean": true }));
    assert!(dep_enabled(&q, Some(Answer::Boolean(true))));
    assert!(!dep_enabled(&q, Some(Answer::Boolean(false))));
    let q = one_condition(b, json!({ "operator": "!=", "answerBoolean": true }));
    assert!(dep_enabled(&q, Some(Answer::Boolean(false))));

    let multi = json!({ "type": "choice", "repeats": true, "answerOption": [
        { "valueCoding": { "system": "urn:s", "code": "x" } },
        { "valueCoding": { "system": "urn:s", "code": "y" } },
        { "valueCoding": { "system": "urn:s", "code": "z" } }
    ] });
    let xy = || {
        Some(Answer::Choice(vec![
            coding("urn:s", "x"),
            coding("urn:s", "y"),
        ]))
    };
    let eq = |code: &str| json!({ "operator": "=", "answerCoding": { "system": "urn:s", "code": code } });
    let ne = |code: &str| json!({ "operator": "!=", "answerCoding": { "code": code } });
    assert!(dep_enabled(&one_condition(multi.clone(), eq("y")), xy()));
    assert!(!dep_enabled(&one_condition(multi.clone(), eq("z")), xy()));
    // != holds only when no selected answer is equal.
    assert!(!dep_enabled(&one_condition(multi.clone(), ne("x")), xy()));
    assert!(dep_enabled(&one_condition(multi, ne("z")), xy()));
}

#[test]
fn any_versus_all() {
    let items = |behavior: &str| {
        json!([
            { "linkId": "a", "type": "boolean" },
            { "linkId": "b", "type": "boolean" },
            { "linkId": "dep", "type": "string", "enableBehavior": behavior, "enableWhen": [
                { "question": "a", "operator": "=", "answerBoolean": true },
                { "question": "b", "operator": "=", "answerBoolean": true }
            ] }
        ])
    };
    let all = form(items("all"));
    let any = form(items("any"));
    let mut one = Answers::new();
    one.set("a", Answer::Boolean(true));
    one.set("b", Answer::Boolean(false));
    let mut both = one.clone();
    both.set("b", Answer::Boolean(true));
    assert!(!all.enabled(&one).contains("dep"));
    assert!(all.enabled(&both).contains("dep"));
    assert!(any.enabled(&one).contains("dep"));
    assert!(!any.enabled(&Answers::new()).contains("dep"));
    // Several conditions and no enableBehavior: all.
    let mut default = items("all");
    if let Some(dep) = default.get_mut(2).and_then(Value::as_object_mut) {
        dep.remove("enableBehavior");
    }
    assert!(!form(default).enabled(&one).contains("dep"));
}

#[test]
fn disabled_groups_disable_their_children_and_hide_their_answers() {
    let q = form(json!([
        { "linkId": "smoker", "type": "boolean" },
        { "linkId": "smoking", "type": "group", "enableWhen": [
            { "question": "smoker", "operator": "=", "answerBoolean": true } ], "item": [
            { "linkId": "packs", "type": "integer", "required": true },
            { "linkId": "inner", "type": "group", "item": [
                { "linkId": "quit", "type": "boolean", "required": true }
            ] }
        ] },
        // Depends on a question inside the group: sees no answer once the group is off.
        { "linkId": "advice", "type": "display", "enableWhen": [
            { "question": "packs", "operator": "exists", "answerBoolean": true } ] },
        // Items nested under a question follow it.
        { "linkId": "pets", "type": "boolean", "item": [
            { "linkId": "pet-kind", "type": "string", "enableWhen": [
                { "question": "pets", "operator": "=", "answerBoolean": true } ] }
        ] }
    ]));
    let mut a = Answers::new();
    a.set("smoker", Answer::Boolean(true));
    a.set("packs", Answer::Integer(1));
    a.set("quit", Answer::Boolean(false));
    assert_eq!(
        ids(&q.enabled(&a)),
        ["advice", "inner", "packs", "pets", "quit", "smoker", "smoking"]
    );
    a.set("smoker", Answer::Boolean(false));
    assert_eq!(ids(&q.enabled(&a)), ["pets", "smoker"]);
    // Disabled required items are not required; their kept answers are not sent.
    assert_eq!(q.validate_all(&a), vec![]);
    let r = q.response(&a, &authored(), None);
    assert_eq!(ids(&all_response_link_ids(&r)), ["smoker"]);
    // Back to yes: the kept answers come back.
    a.set("smoker", Answer::Boolean(true));
    assert!(find(&q.response(&a, &authored(), None), "quit").is_some());
}

#[test]
fn response_mirrors_nesting_and_keeps_only_enabled_answered_items() {
    let q = form(json!([
        { "linkId": "g1", "type": "group", "text": "Outer", "item": [
            { "linkId": "g2", "type": "group", "item": [
                { "linkId": "q1", "type": "string", "text": "Q one" },
                { "linkId": "q2", "type": "string" }
            ] },
            { "linkId": "empty", "type": "group", "item": [ { "linkId": "q3", "type": "string" } ] }
        ] },
        { "linkId": "pets", "type": "boolean", "item": [
            { "linkId": "pet-kind", "type": "string" }
        ] },
        { "linkId": "off", "type": "string", "enableWhen": [
            { "question": "q2", "operator": "exists", "answerBoolean": true } ] }
    ]));
    let mut a = Answers::new();
    a.set("q1", Answer::Text("one".into()));
    a.set("q3", Answer::Text("  ".into()));
    a.set("pets", Answer::Boolean(true));
    a.set("pet-kind", Answer::Text("cat".into()));
    a.set("off", Answer::Text("kept but disabled".into()));
    let r = q.response(&a, &authored(), None);
    assert_eq!(
        r["item"],
        json!([
            { "linkId": "g1", "text": "Outer", "item": [
                { "linkId": "g2", "item": [
                    { "linkId": "q1", "text": "Q one", "answer": [ { "valueString": "one" } ] }
                ] }
            ] },
            { "linkId": "pets", "answer": [ { "valueBoolean": true, "item": [
                { "linkId": "pet-kind", "answer": [ { "valueString": "cat" } ] }
            ] } ] }
        ])
    );
    // Nothing answered: no item array at all.
    let r = q.response(&Answers::new(), &authored(), None);
    assert!(r.get("item").is_none());
}

#[test]
fn initial_selected_options_start_the_form() {
    let q = form(json!([
        { "linkId": "one", "type": "choice", "answerOption": [
            { "valueString": "a", "initialSelected": true },
            { "valueString": "b", "initialSelected": true } ] },
        { "linkId": "many", "type": "choice", "repeats": true, "answerOption": [
            { "valueInteger": 1, "initialSelected": true },
            { "valueInteger": 2 },
            { "valueInteger": 3, "initialSelected": true } ] },
        { "linkId": "none", "type": "choice", "answerOption": [ { "valueString": "c" } ] }
    ]));
    let a = q.initial_answers();
    assert_eq!(a.len(), 2);
    assert_eq!(
        a.get("one"),
        Some(&Answer::Choice(vec![AnswerCode::String("a".into())]))
    );
    assert_eq!(
        a.get("many"),
        Some(&Answer::Choice(vec![
            AnswerCode::Integer(1),
            AnswerCode::Integer(3)
        ]))
    );
    assert_eq!(q.validate_all(&a), vec![]);
}

#[test]
fn max_length_counts_characters_not_bytes() {
    let q = form(json!([
        { "linkId": "s", "type": "string", "maxLength": 5 },
        { "linkId": "oc", "type": "open-choice", "maxLength": 3, "answerOption": [
            { "valueString": "offered option" } ] }
    ]));
    let mut a = Answers::new();
    a.set("s", Answer::Text("ñandú".into()));
    a.set(
        "oc",
        Answer::Choice(vec![AnswerCode::String("offered option".into())]),
    );
    assert_eq!(q.validate_all(&a), vec![]);
    a.set("s", Answer::Text("ñandús".into()));
    a.set("oc", Answer::Text("abcd".into()));
    let kinds: Vec<_> = q
        .validate_all(&a)
        .into_iter()
        .map(|p| (p.link_id, p.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("s".to_string(), ProblemKind::TooLong { max: 5 }),
            ("oc".to_string(), ProblemKind::TooLong { max: 3 })
        ]
    );
}

#[test]
fn validation_reports_each_kind_of_problem() {
    let q = form(json!([
        { "linkId": "req", "type": "string", "required": true },
        { "linkId": "n", "type": "integer", "extension": [
            { "url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0 },
            { "url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10 } ] },
        { "linkId": "d", "type": "decimal", "extension": [
            { "url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueDecimal": 0.5 } ] },
        { "linkId": "dt", "type": "date" },
        { "linkId": "c", "type": "choice", "answerOption": [ { "valueString": "a" }, { "valueString": "b" } ] },
        { "linkId": "sig", "type": "attachment" },
        { "linkId": "b", "type": "boolean" },
        { "linkId": "g", "type": "group", "required": true, "item": [ { "linkId": "gq", "type": "string" } ] }
    ]));
    let problem = |id: &str, answer: Answer| {
        let mut a = Answers::new();
        a.set("req", Answer::Text("ok".into()));
        a.set("gq", Answer::Text("ok".into()));
        a.set(id, answer);
        let p = q.validate_all(&a);
        assert_eq!(p.len(), 1, "{id}: {p:?}");
        assert_eq!(p[0].link_id, id);
        p[0].kind.clone()
    };
    use ProblemKind as K;
    assert_eq!(problem("req", Answer::Text(" ".into())), K::Required);
    assert_eq!(problem("n", Answer::Text("ten".into())), K::NotANumber);
    assert_eq!(problem("n", Answer::Text("2.5".into())), K::NotAWholeNumber);
    assert_eq!(
        problem("n", Answer::Integer(11)),
        K::TooLarge { max: "10".into() }
    );
    assert_eq!(
        problem("n", Answer::Integer(-1)),
        K::TooSmall { min: "0".into() }
    );
    assert_eq!(
        problem("d", Answer::Text("0.4".into())),
        K::TooSmall { min: "0.5".into() }
    );
    assert_eq!(problem("d", Answer::Text("1e3".into())), K::NotANumber);
    assert_eq!(
        problem("dt", Answer::Text("2025-02-30".into())),
        K::NotADate
    );
    assert_eq!(
        problem(
            "dt",
            Answer::Date(NaiveDate::from_ymd_opt(10000, 1, 1).unwrap())
        ),
        K::NotADate
    );
    assert_eq!(
        problem("c", Answer::Choice(vec![AnswerCode::String("z".into())])),
        K::ChoiceNotOffered
    );
    assert_eq!(
        problem(
            "c",
            Answer::Choice(vec![
                AnswerCode::String("a".into()),
                AnswerCode::String("b".into())
            ])
        ),
        K::TooManyChoices
    );
    assert_eq!(
        problem("sig", Answer::Signature(b"GIF89a".to_vec())),
        K::NotASignature
    );
    assert_eq!(problem("b", Answer::Text("yes".into())), K::WrongType);

    // A required group needs one answer somewhere inside it.
    let mut a = Answers::new();
    a.set("req", Answer::Text("ok".into()));
    let p = q.validate_all(&a);
    assert_eq!(
        p,
        vec![Problem {
            link_id: "g".into(),
            kind: K::Required
        }]
    );
    assert_eq!(p[0].kind.message_key(), "form.required");
}

#[test]
fn message_keys_are_distinct_form_keys() {
    use ProblemKind as K;
    let kinds = [
        K::Required,
        K::TooLong { max: 5 },
        K::NotANumber,
        K::NotAWholeNumber,
        K::NotADate,
        K::TooSmall { min: "0".into() },
        K::TooLarge { max: "10".into() },
        K::ChoiceNotOffered,
        K::TooManyChoices,
        K::NotASignature,
        K::WrongType,
    ];
    let keys: BTreeSet<&str> = kinds.iter().map(ProblemKind::message_key).collect();
    assert_eq!(keys.len(), kinds.len());
    assert!(keys.iter().all(|k| k.starts_with("form.")));
    assert_eq!(
        K::TooLong { max: 5 }.message_args(),
        vec![("max", "5".to_string())]
    );
}

#[test]
fn validate_page_only_looks_at_its_page() {
    let q = form(json!([
        { "linkId": "a", "type": "string", "required": true },
        { "linkId": "b", "type": "string", "required": true }
    ]));
    let pages = q.pages(&Answers::new());
    assert_eq!(pages.len(), 2);
    let p = q.validate_page(&pages[1], &Answers::new());
    assert_eq!(
        p,
        vec![Problem {
            link_id: "b".into(),
            kind: ProblemKind::Required
        }]
    );
}

#[test]
fn translations_fall_back_to_the_default_text() {
    let q = parse(PHQ2, "phq2-screening.json").unwrap();
    assert_eq!(q.title_in("es"), "Estado de ánimo (PHQ-2)");
    assert_eq!(q.title_in("ES-mx"), "Estado de ánimo (PHQ-2)");
    assert_eq!(q.title_in("fr"), "Humeur (PHQ-2)");
    assert_eq!(q.title_in("de"), "Mood check (PHQ-2)");
    let item = q.item("phq2-1").unwrap();
    assert_eq!(item.text_in("es"), "Poco interés o placer en hacer cosas");
    assert_eq!(
        item.text_in("en"),
        "Little interest or pleasure in doing things"
    );
    assert_eq!(item.options[3].display_in("es"), "Casi todos los días");
    assert_eq!(item.options[3].display_in("de"), "Nearly every day");

    let q = form(json!([
        { "linkId": "x", "type": "choice", "text": "Color", "_text": { "extension": [
            { "url": "http://hl7.org/fhir/StructureDefinition/translation", "extension": [
                { "url": "lang", "valueCode": "es-MX" }, { "url": "content", "valueString": "Color (MX)" } ] },
            { "url": "http://example.org/other", "valueString": "ignored" },
            { "url": "http://hl7.org/fhir/StructureDefinition/translation", "extension": [
                { "url": "lang", "valueCode": "fr" } ] } ] },
          "answerOption": [
            { "valueString": "Red", "_valueString": { "extension": [
                { "url": "http://hl7.org/fhir/StructureDefinition/translation", "extension": [
                    { "url": "lang", "valueCode": "es" }, { "url": "content", "valueString": "Rojo" } ] } ] } },
            { "valueCoding": { "code": "blue" } },
            { "valueInteger": 3 } ] },
        { "linkId": "untitled", "type": "string" }
    ]));
    let x = q.item("x").unwrap();
    assert_eq!(x.text_in("es"), "Color (MX)");
    assert_eq!(x.text_in("fr"), "Color");
    assert_eq!(x.options[0].display_in("es-US"), "Rojo");
    assert_eq!(x.options[1].display_in("es"), "blue");
    assert_eq!(x.options[2].display_in("es"), "3");
    assert_eq!(q.item("untitled").unwrap().text_in("es"), "");
    assert_eq!(q.title_in("es"), "");
}

/// Each refusal: the error names the file and the item, in the message and the accessors.
fn assert_names(e: &QuestionnaireError, link_id: &str) {
    let msg = e.to_string();
    assert_eq!(e.file(), "test.json", "{msg}");
    assert!(msg.starts_with("test.json: "), "{msg}");
    assert!(msg.contains(link_id), "{msg} should name {link_id}");
    assert_eq!(e.link_id(), Some(link_id), "{msg}");
}

#[test]
fn broken_forms_are_refused_naming_the_file_and_item() {
    use QuestionnaireError as E;
    let yes_no = json!({ "type": "boolean" });
    let with = |target: Value, extra: Value| {
        let mut t = target;
        t["linkId"] = json!("target");
        json!([t, { "linkId": "dep", "type": "string", "enableWhen": [extra] }])
    };

    let e =
        refuse(json!([{ "linkId": "a", "type": "string" }, { "linkId": "a", "type": "boolean" }]));
    assert!(matches!(e, E::DuplicateLinkId { .. }));
    assert_names(&e, "a");

    let e = refuse(
        json!([{ "linkId": "g", "type": "group", "item": [{ "linkId": "s", "type": "slider" }] }]),
    );
    assert!(matches!(&e, E::UnknownType { item_type, .. } if item_type == "slider"));
    assert_names(&e, "s");

    let e = refuse(json!([{ "linkId": "c", "type": "choice", "answerValueSet": "http://x" }]));
    assert!(matches!(e, E::ChoiceWithoutOptions { .. }));
    assert_names(&e, "c");

    let e = refuse(json!([{ "linkId": "a", "type": "string", "enableWhen": [
        { "question": "nowhere", "operator": "exists", "answerBoolean": true }] }]));
    assert!(matches!(&e, E::UnknownTarget { target, .. } if target == "nowhere"));
    assert_names(&e, "a");

    let e = refuse(json!([{ "linkId": "a", "type": "boolean", "enableWhen": [
        { "question": "a", "operator": "exists", "answerBoolean": true }] }]));
    assert!(matches!(e, E::SelfReference { .. }));
    assert_names(&e, "a");

    let e = refuse(json!([
        { "linkId": "a", "type": "boolean", "enableWhen": [
            { "question": "b", "operator": "=", "answerBoolean": true }] },
        { "linkId": "b", "type": "boolean", "enableWhen": [
            { "question": "a", "operator": "=", "answerBoolean": true }] }
    ]));
    assert!(
        matches!(&e, E::Cycle { cycle, .. } if cycle == "a -> b -> a"),
        "{e}"
    );
    assert_names(&e, "a");

    // A group waiting on a question inside itself can never open.
    let e = refuse(json!([{ "linkId": "g", "type": "group", "enableWhen": [
        { "question": "inside", "operator": "exists", "answerBoolean": true }],
        "item": [{ "linkId": "inside", "type": "boolean" }] }]));
    assert!(matches!(e, E::Cycle { .. }), "{e}");
    assert_names(&e, "g");

    let e = refuse(with(
        yes_no.clone(),
        json!({ "question": "target", "operator": ">", "answerBoolean": true }),
    ));
    assert!(matches!(
        e,
        E::OperatorNotAllowed {
            operator: ">",
            target_type: "boolean",
            ..
        }
    ));
    assert_names(&e, "dep");

    let e = refuse(with(
        json!({ "type": "string" }),
        json!({ "question": "target", "operator": "<", "answerString": "m" }),
    ));
    assert!(matches!(e, E::OperatorNotAllowed { .. }));
    assert_names(&e, "dep");

    let e = refuse(with(
        yes_no.clone(),
        json!({ "question": "target", "operator": "=", "answerString": "yes" }),
    ));
    assert!(matches!(
        e,
        E::AnswerTypeMismatch {
            expected: "answerBoolean",
            ..
        }
    ));
    assert_names(&e, "dep");

    let e = refuse(with(
        json!({ "type": "integer" }),
        json!({ "question": "target", "operator": "exists", "answerInteger": 1 }),
    ));
    assert!(matches!(e, E::AnswerTypeMismatch { .. }));
    assert_names(&e, "dep");

    let e = refuse(with(
        json!({ "type": "choice", "answerOption": [{ "valueCoding": { "system": "urn:s", "code": "x" } }] }),
        json!({ "question": "target", "operator": "=", "answerCoding": { "system": "urn:s", "code": "typo" } }),
    ));
    assert!(matches!(e, E::AnswerNotOffered { .. }));
    assert_names(&e, "dep");

    let e = refuse(with(
        json!({ "type": "group" }),
        json!({ "question": "target", "operator": "exists", "answerBoolean": true }),
    ));
    assert!(matches!(
        e,
        E::TargetNotAQuestion {
            target_type: "group",
            ..
        }
    ));
    assert_names(&e, "dep");

    let e = refuse(json!([{ "linkId": "a", "type": "string", "enableWhen": [
        { "question": "a", "operator": "~", "answerBoolean": true }] }]));
    assert!(matches!(&e, E::BadField { field, .. } if field == "enableWhen.operator"));
    assert_names(&e, "a");

    let e = refuse(json!([{ "linkId": "a", "type": "string", "required": "yes" }]));
    assert!(matches!(e, E::BadField { .. }));
    assert_names(&e, "a");

    let e = refuse(json!([{ "linkId": "a", "type": "string" }, { "type": "string" }]));
    assert!(matches!(e, E::MissingLinkId { .. }));
    assert_names(&e, "item[1]");

    // Whole-file problems name the file.
    let e = parse(
        "{\n  \"resourceType\": \"Questionnaire\",\n  \"url\": ",
        "test.json",
    )
    .unwrap_err();
    assert!(matches!(e, E::Json { line: 3, .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("test.json: not valid JSON at line 3"),
        "{e}"
    );
    let e = parse(r#"{"resourceType":"Patient"}"#, "test.json").unwrap_err();
    assert_eq!(
        e,
        E::NotAQuestionnaire {
            file: "test.json".into()
        }
    );
    let e = parse(r#"{"resourceType":"Questionnaire"}"#, "test.json").unwrap_err();
    assert!(matches!(e, E::BadRootField { field: "url", .. }));
}

#[test]
fn unknown_fields_are_ignored() {
    let doc = json!({
        "resourceType": "Questionnaire", "url": "urn:x", "status": "active",
        "futureThing": { "a": [1, 2] },
        "item": [{ "linkId": "a", "type": "string", "readOnly": true, "code": [{ "code": "1" }],
                   "prefix": "1.", "somethingNew": 5 }]
    });
    let q = parse(&doc.to_string(), "new.json").unwrap();
    assert_eq!(q.all_items().len(), 1);
    assert_eq!(q.canonical(), "urn:x");
    assert_eq!(q.version(), None);
}

#[test]
fn load_dir_keeps_the_good_forms_when_one_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-intake.json"), INTAKE).unwrap();
    std::fs::write(dir.path().join("b-broken.json"), "{ \"resourceType\": ").unwrap();
    std::fs::write(dir.path().join("c-phq2.JSON"), PHQ2).unwrap();
    std::fs::write(dir.path().join("d-copy.json"), PHQ2).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a form").unwrap();
    let (forms, errors) = load_dir(dir.path());
    let names: Vec<&str> = forms.iter().map(Questionnaire::source_name).collect();
    assert_eq!(names, ["a-intake.json", "c-phq2.JSON"]);
    let files: Vec<&str> = errors.iter().map(QuestionnaireError::file).collect();
    assert_eq!(files, ["b-broken.json", "d-copy.json"]);
    assert!(matches!(errors[0], QuestionnaireError::Json { .. }));
    assert!(matches!(
        errors[1],
        QuestionnaireError::DuplicateQuestionnaire { .. }
    ));

    let (forms, errors) = load_dir(&dir.path().join("missing"));
    assert!(forms.is_empty());
    assert!(matches!(errors[..], [QuestionnaireError::Io { .. }]));
    assert!(matches!(
        load_file(&dir.path().join("nope.json")),
        Err(QuestionnaireError::Io { ref file, .. }) if file == "nope.json"
    ));
}

#[test]
fn shipped_forms_load_from_the_assets_directory() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/forms");
    let (forms, errors) = load_dir(&dir);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(forms.len(), 3);
}

fn codes(system_suffix: &str, code: &str) -> Answer {
    Answer::Choice(vec![coding(
        &format!("https://checkin-kiosk.example.org/fhir/CodeSystem/{system_suffix}"),
        code,
    )])
}

#[test]
fn general_intake_walks_pages_and_answers_completely() {
    let q = parse(INTAKE, "general-intake.json").unwrap();
    assert_eq!(q.consent_version(), None);
    let mut a = Answers::new();
    let page_ids = |q: &Questionnaire, a: &Answers| -> Vec<Vec<String>> {
        q.pages(a).into_iter().map(|p| p.link_ids).collect()
    };
    let pages = page_ids(&q, &a);
    assert_eq!(
        pages,
        vec![
            vec!["welcome", "visit", "reason"],
            vec!["symptoms-since"],
            vec!["about-you", "sex-at-birth", "age-group"],
            vec!["allergies", "has-allergies"],
            vec!["current-medications"],
            vec!["weight"],
            vec!["pharmacy"],
            vec!["pain", "thanks"],
        ]
    );
    // Everything required is refused while empty.
    let required: Vec<String> = q.validate_all(&a).into_iter().map(|p| p.link_id).collect();
    assert_eq!(
        required,
        ["reason", "age-group", "has-allergies", "pharmacy", "pain"]
    );

    // The conditional questions appear on their pages...
    a.set(
        "reason",
        Answer::Choice(vec![
            coding(
                "https://checkin-kiosk.example.org/fhir/CodeSystem/visit-reason",
                "sick",
            ),
            coding(
                "https://checkin-kiosk.example.org/fhir/CodeSystem/visit-reason",
                "other",
            ),
        ]),
    );
    a.set("sex-at-birth", codes("sex-at-birth", "female"));
    a.set("age-group", codes("age-group", "12-55"));
    a.set("has-allergies", Answer::Boolean(true));
    let pages = page_ids(&q, &a);
    assert_eq!(pages[0], ["welcome", "visit", "reason", "reason-other"]);
    assert_eq!(
        pages[2],
        ["about-you", "sex-at-birth", "age-group", "pregnant"]
    );
    assert_eq!(pages[3], ["allergies", "has-allergies", "allergy-list"]);
    // ...and disappear when the answer changes.
    a.set("age-group", codes("age-group", "over-55"));
    assert_eq!(
        page_ids(&q, &a)[2],
        ["about-you", "sex-at-birth", "age-group"]
    );
    a.set("age-group", codes("age-group", "12-55"));

    a.set("reason-other", Answer::Text("Paperwork for school".into()));
    a.set("pregnant", codes("yes-no-unsure", "no"));
    a.set("allergy-list", Answer::Text("Penicillin - hives".into()));
    a.set(
        "current-medications",
        Answer::Text("Ibuprofen as needed".into()),
    );
    // A pharmacy typed in (open-choice), a date and a decimal from the keypads.
    a.set(
        "pharmacy",
        Answer::Choice(vec![AnswerCode::String("Elm Street Drugs".into())]),
    );
    a.set(
        "symptoms-since",
        Answer::Date(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()),
    );
    a.set("weight", Answer::Text("72.5".into()));
    a.set("pain", Answer::Text("11".into()));
    let p = q.validate_all(&a);
    assert_eq!(
        p,
        vec![Problem {
            link_id: "pain".into(),
            kind: ProblemKind::TooLarge { max: "10".into() }
        }]
    );
    a.set("pain", Answer::Integer(3));
    assert_eq!(q.validate_all(&a), vec![]);

    let r = q.response(&a, &authored(), Some("Patient/p1"));
    assert_eq!(
        r["questionnaire"],
        "https://checkin-kiosk.example.org/fhir/Questionnaire/general-intake|2026-01"
    );
    assert_eq!(
        ids(&all_response_link_ids(&r)),
        [
            "about-you",
            "age-group",
            "allergies",
            "allergy-list",
            "current-medications",
            "has-allergies",
            "pain",
            "pharmacy",
            "pregnant",
            "reason",
            "reason-other",
            "sex-at-birth",
            "symptoms-since",
            "visit",
            "weight"
        ]
    );
    assert_eq!(
        find(&r, "pharmacy").unwrap()["answer"][0]["valueString"],
        "Elm Street Drugs"
    );
    assert_eq!(
        find(&r, "symptoms-since").unwrap()["answer"][0]["valueDate"],
        "2026-11-20"
    );
    assert_eq!(
        find(&r, "weight").unwrap()["answer"][0]["valueDecimal"],
        72.5
    );
    assert_eq!(
        find(&r, "reason").unwrap()["answer"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        find(&r, "pregnant").unwrap()["answer"][0]["valueCoding"]["display"],
        "No"
    );
    assert_eq!(find(&r, "pain").unwrap()["answer"][0]["valueInteger"], 3);
}

#[test]
fn privacy_acknowledgement_records_the_signed_version() {
    let q = parse(PRIVACY, "privacy-acknowledgement.json").unwrap();
    assert_eq!(q.consent_version(), Some("2026-01"));
    let mut a = q.initial_answers();
    assert!(a.get("signer-relationship").is_some());
    let missing: Vec<String> = q.validate_all(&a).into_iter().map(|p| p.link_id).collect();
    assert_eq!(missing, ["notice-received", "signature"]);
    let pages = q.pages(&a);
    assert_eq!(pages[0].link_ids, ["notice-summary", "notice-received"]);
    a.set("notice-received", Answer::Boolean(true));
    a.set("signature", Answer::Signature(PNG.to_vec()));
    assert_eq!(q.validate_all(&a), vec![]);
    let r = q.response(&a, &authored(), None);
    assert_eq!(
        r["questionnaire"],
        "https://checkin-kiosk.example.org/fhir/Questionnaire/privacy-acknowledgement|2026-01"
    );
    let sig = &find(&r, "signature").unwrap()["answer"][0]["valueAttachment"];
    assert_eq!(sig["contentType"], "image/png");
    assert_eq!(sig["data"], base64(PNG));
    assert_eq!(
        find(&r, "signer-relationship").unwrap()["answer"][0]["valueCoding"]["code"],
        "self"
    );
}

#[test]
fn phq2_has_the_standard_options_and_answers() {
    let q = parse(PHQ2, "phq2-screening.json").unwrap();
    for id in ["phq2-1", "phq2-2"] {
        let item = q.item(id).unwrap();
        let codes: Vec<String> = item
            .options
            .iter()
            .map(|o| match &o.value {
                OptionValue::Coding(c) => c.code.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(codes, ["0", "1", "2", "3"]);
        assert!(item.required);
    }
    let mut a = Answers::new();
    a.set("phq2-1", codes("phq-frequency", "2"));
    a.set("phq2-2", codes("phq-frequency", "0"));
    assert_eq!(q.validate_all(&a), vec![]);
    let r = q.response(&a, &authored(), None);
    let items = r["item"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["answer"][0]["valueCoding"]["display"],
        "More than half the days"
    );
    assert_eq!(q.pages(&a).len(), 2);
    assert_eq!(q.pages(&a)[1].link_ids, ["phq2-2", "phq2-help"]);
}

#[test]
fn shipped_forms_are_translated_everywhere() {
    let others: Vec<&str> = crate::config::SUPPORTED_LANGUAGES
        .iter()
        .copied()
        .filter(|l| *l != "en")
        .collect();
    // Every text carries a translation for every other language (a word may legitimately
    // be the same, e.g. French "Allergies", so presence is what is checked).
    let translated = |text: Option<&LocalizedText>, what: &str| {
        let langs: Vec<&str> = text
            .map(|t| t.translations.iter().map(|(l, _)| l.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(langs.len(), others.len(), "{what}: {langs:?}");
        for lang in &others {
            assert!(langs.contains(lang), "{what} has no {lang}");
        }
    };
    for (name, text) in [("intake", INTAKE), ("privacy", PRIVACY), ("phq2", PHQ2)] {
        let q = parse(text, name).unwrap();
        for lang in &others {
            assert_ne!(q.title_in(lang), q.title_in("en"), "{name} title in {lang}");
        }
        for item in q.all_items() {
            assert!(!item.text_in("en").is_empty(), "{name} {}", item.link_id);
            translated(item.text.as_ref(), &format!("{name} {}", item.link_id));
            for o in &item.options {
                if let OptionValue::Coding(c) = &o.value {
                    translated(
                        c.display.as_ref(),
                        &format!("{name} {} {}", item.link_id, c.code),
                    );
                }
            }
        }
    }
}

#[test]
fn base64_matches_rfc4648_vectors() {
    let cases = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in cases {
        assert_eq!(base64(plain.as_bytes()), encoded);
    }
    assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
}

#[test]
fn debug_output_never_shows_answers() {
    let mut a = Answers::new();
    a.set("allergy-list", Answer::Text("peanuts".into()));
    a.set("pain", Answer::Decimal(Decimal::parse("7.5").unwrap()));
    a.set(
        "oc",
        Answer::Choice(vec![AnswerCode::String("secret".into())]),
    );
    let shown = format!("{a:?}");
    assert!(shown.contains("allergy-list"));
    for secret in ["peanuts", "7.5", "secret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
