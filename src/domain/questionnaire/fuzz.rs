//! Fuzz-style robustness: randomly mutated versions of the shipped forms never panic the
//! loader, and whatever still loads survives every engine call with random answers.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate};
use serde_json::{json, Value};

use super::*;

const FORMS: [&str; 3] = [
    include_str!("../../../assets/forms/general-intake.json"),
    include_str!("../../../assets/forms/privacy-acknowledgement.json"),
    include_str!("../../../assets/forms/phq2-screening.json"),
];

/// xorshift64*: deterministic, so a failure replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const KEYS: &[&str] = &[
    "linkId",
    "type",
    "text",
    "_text",
    "required",
    "repeats",
    "maxLength",
    "answerOption",
    "enableWhen",
    "enableBehavior",
    "item",
    "question",
    "operator",
    "answerBoolean",
    "answerCoding",
    "answerInteger",
    "answerDecimal",
    "answerDate",
    "answerString",
    "initialSelected",
    "valueCoding",
    "valueString",
    "valueInteger",
    "extension",
    "url",
    "version",
    "title",
    "resourceType",
    "code",
    "system",
];
const WORDS: &[&str] = &[
    "exists",
    "=",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "boolean",
    "choice",
    "open-choice",
    "integer",
    "decimal",
    "date",
    "group",
    "display",
    "attachment",
    "string",
    "text",
    "any",
    "all",
    "Questionnaire",
    "",
    "2026-01-01",
    "2026-13-45",
    "0",
    "other",
    "female",
    "12-55",
    "http://hl7.org/fhir/StructureDefinition/translation",
    "http://hl7.org/fhir/StructureDefinition/minValue",
];

fn random_value(rng: &mut Rng, link_ids: &[String]) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.below(20) as i64 - 5),
        3 => json!(i64::MAX),
        4 => json!(-1.5e300),
        5 => json!(*rng.pick(WORDS)),
        6 => json!(rng.pick(link_ids)),
        7 => json!([]),
        8 => json!({}),
        9 => json!({ "question": rng.pick(link_ids), "operator": *rng.pick(WORDS),
                     "answerBoolean": rng.chance(50) }),
        10 => json!({ "linkId": rng.pick(link_ids), "type": *rng.pick(WORDS) }),
        _ => json!({ "valueCoding": { "code": *rng.pick(WORDS) } }),
    }
}

/// JSON pointers to every node, root included.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn mutate(doc: &mut Value, rng: &mut Rng, link_ids: &[String]) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let ptr = rng.pick(&all).clone();
    let kind = rng.below(7);
    if kind == 0 {
        // Delete the node from its parent.
        if let Some((parent, last)) = ptr.rsplit_once('/') {
            let key = last.replace("~1", "/").replace("~0", "~");
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&key);
                }
                Some(Value::Array(list)) => {
                    if let Ok(i) = key.parse::<usize>() {
                        if i < list.len() {
                            list.remove(i);
                        }
                    }
                }
                _ => {}
            }
        }
        return;
    }
    let Some(node) = doc.pointer_mut(&ptr) else {
        return;
    };
    match kind {
        1 => *node = random_value(rng, link_ids),
        2 => {
            if node.is_string() {
                *node = json!(rng.pick(link_ids));
            } else {
                *node = random_value(rng, link_ids);
            }
        }
        3 => {
            if let Value::Array(list) = node {
                if !list.is_empty() {
                    let copy = list[rng.below(list.len())].clone();
                    list.push(copy);
                }
            }
        }
        4 => {
            if let Value::Object(map) = node {
                map.insert(rng.pick(KEYS).to_string(), random_value(rng, link_ids));
            }
        }
        5 => {
            if node.is_string() {
                *node = json!(*rng.pick(WORDS));
            }
        }
        _ => {
            if let Value::Array(list) = node {
                list.push(random_value(rng, link_ids));
            }
        }
    }
}

fn mutate_text(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if rng.chance(50) {
        bytes.truncate(rng.below(bytes.len() + 1));
    } else {
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            let splice: Vec<u8> = (0..rng.below(6)).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, splice);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn random_answer(item: &Item, rng: &mut Rng) -> Answer {
    let date = NaiveDate::from_ymd_opt(1900 + rng.below(200) as i32, 1 + rng.below(12) as u32, 1)
        .unwrap_or_default();
    let right = rng.chance(70);
    match (right, item.item_type) {
        (true, ItemType::Boolean) => Answer::Boolean(rng.chance(50)),
        (true, ItemType::Choice | ItemType::OpenChoice) => Answer::Choice(
            (0..rng.below(3))
                .filter_map(|_| item.options.get(rng.below(item.options.len())))
                .map(AnswerOption::code)
                .collect(),
        ),
        (true, ItemType::Integer) => Answer::Integer(rng.below(30) as i64 - 10),
        (true, ItemType::Decimal) => Answer::Text(format!("{}.{}", rng.below(50), rng.below(99))),
        (true, ItemType::Date) => Answer::Date(date),
        (true, ItemType::Attachment) => Answer::Signature(b"\x89PNG\r\n\x1a\nxyz".to_vec()),
        _ => match rng.below(8) {
            0 => Answer::Boolean(rng.chance(50)),
            1 => Answer::Choice(vec![
                AnswerCode::String("zz".into()),
                AnswerCode::Integer(3),
            ]),
            2 => Answer::Text("x".repeat(rng.below(1500))),
            3 => Answer::Integer(i64::MIN + rng.below(3) as i64),
            4 => Answer::Decimal(Decimal::from_i64(i64::MAX)),
            5 => Answer::Date(date),
            6 => Answer::Signature(vec![1, 2, 3]),
            _ => Answer::Text(String::new()),
        },
    }
}

fn exercise(q: &Questionnaire, rng: &mut Rng) {
    let mut answers = q.initial_answers();
    let items = q.all_items();
    for item in &items {
        if rng.chance(75) {
            answers.set(item.link_id.clone(), random_answer(item, rng));
        }
    }
    let enabled = q.enabled(&answers);
    for page in q.pages(&answers) {
        assert!(page.link_ids.iter().all(|id| enabled.contains(id)));
        for p in q.validate_page(&page, &answers) {
            assert!(enabled.contains(&p.link_id));
        }
    }
    for p in q.validate_all(&answers) {
        assert!(enabled.contains(&p.link_id));
        assert!(p.kind.message_key().starts_with("form."));
    }
    let authored = DateTime::parse_from_rfc3339("2026-01-02T03:04:05+01:00").unwrap();
    let r = q.response(&answers, &authored, Some("Patient/x"));
    assert_eq!(r["resourceType"], "QuestionnaireResponse");
    let mut in_response = BTreeSet::new();
    let mut stack = vec![&r];
    while let Some(node) = stack.pop() {
        if let Some(id) = node.get("linkId").and_then(Value::as_str) {
            in_response.insert(id.to_string());
        }
        for key in ["item", "answer"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                stack.extend(list.iter());
            }
        }
    }
    assert!(in_response.is_subset(&enabled));
    let _ = (q.consent_version(), q.title_in("es"), q.canonical());
    for item in items {
        let _ = item.text_in("es-MX");
        for o in &item.options {
            let _ = o.display_in("es");
        }
    }
}

#[test]
fn a_thousand_mutated_forms_never_panic_the_engine() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let docs: Vec<Value> = FORMS
        .iter()
        .map(|f| serde_json::from_str(f).unwrap())
        .collect();
    let link_ids: Vec<String> = FORMS
        .iter()
        .flat_map(|f| {
            parse(f, "form.json")
                .unwrap()
                .all_items()
                .iter()
                .map(|i| i.link_id.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for round in 0..1000 {
        let mut doc = rng.pick(&docs).clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut doc, &mut rng, &link_ids);
        }
        let mut text = doc.to_string();
        if rng.chance(20) {
            text = mutate_text(&text, &mut rng);
        }
        match parse(&text, "fuzz.json") {
            Ok(q) => {
                ok += 1;
                exercise(&q, &mut rng);
            }
            Err(e) => {
                refused += 1;
                assert_eq!(e.file(), "fuzz.json", "round {round}: {e}");
            }
        }
    }
    // Both paths must really be exercised for the test to mean anything.
    // (The shipped forms carry eight languages, so more mutations land in translations
    // and are accepted: about 180 of 1,000 are refused.)
    assert!(ok > 200 && refused > 100, "ok {ok}, refused {refused}");
}
