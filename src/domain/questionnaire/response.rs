//! Answers -> FHIR R4 QuestionnaireResponse JSON.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde_json::{json, Map, Value};

use super::answers::Answers;
use super::model::{Item, ItemType, Questionnaire};
use super::validate::{check, Typed};

impl Questionnaire {
    /// A completed QuestionnaireResponse. Only enabled items with a valid answer appear (run
    /// `validate_all` first: an invalid answer is left out, not repaired); groups appear when
    /// something inside them does, so the item tree mirrors the form's nesting.
    ///
    /// `authored` carries its UTC offset because FHIR requires a time zone on any dateTime
    /// with a time; a NaiveDateTime would produce an invalid resource.
    pub fn response(
        &self,
        answers: &Answers,
        authored: &DateTime<FixedOffset>,
        subject_ref: Option<&str>,
    ) -> Value {
        let enabled = self.enabled(answers);
        let items: Vec<Value> = self
            .items
            .iter()
            .filter_map(|i| response_item(i, answers, &enabled))
            .collect();
        let mut out = Map::new();
        out.insert("resourceType".into(), json!("QuestionnaireResponse"));
        out.insert("questionnaire".into(), json!(self.canonical()));
        out.insert("status".into(), json!("completed"));
        if let Some(subject) = subject_ref {
            out.insert("subject".into(), json!({ "reference": subject }));
        }
        out.insert(
            "authored".into(),
            json!(authored.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
        if !items.is_empty() {
            out.insert("item".into(), Value::Array(items));
        }
        Value::Object(out)
    }
}

fn response_item(item: &Item, answers: &Answers, enabled: &BTreeSet<String>) -> Option<Value> {
    if !enabled.contains(&item.link_id) || item.item_type == ItemType::Display {
        return None;
    }
    let children: Vec<Value> = item
        .items
        .iter()
        .filter_map(|c| response_item(c, answers, enabled))
        .collect();
    let values = answers
        .given(&item.link_id)
        .and_then(|a| check(item, a).ok())
        .unwrap_or_default();
    if values.is_empty() && children.is_empty() {
        return None;
    }
    let mut out = Map::new();
    out.insert("linkId".into(), json!(item.link_id));
    if let Some(text) = &item.text {
        out.insert("text".into(), json!(text.default));
    }
    if values.is_empty() {
        // A group, or a question whose nested items were answered without it.
        out.insert("item".into(), Value::Array(children));
    } else {
        let mut list: Vec<Value> = values.iter().map(answer_value).collect();
        // Items nested under a question belong under its answer (R4 qrs-1); with several
        // answers they go under the first.
        if let (false, Some(Value::Object(first))) = (children.is_empty(), list.first_mut()) {
            first.insert("item".into(), Value::Array(children));
        }
        out.insert("answer".into(), Value::Array(list));
    }
    Some(Value::Object(out))
}

fn answer_value(v: &Typed<'_>) -> Value {
    match v {
        Typed::Boolean(b) => json!({ "valueBoolean": b }),
        Typed::Integer(i) => json!({ "valueInteger": i }),
        // serde_json (without arbitrary_precision) writes numbers from f64: the typed text
        // is exact to ~15 significant digits, plenty for anything a patient types.
        Typed::Decimal(d) => json!({ "valueDecimal": d.value() }),
        Typed::Date(d) => json!({ "valueDate": d.format("%Y-%m-%d").to_string() }),
        Typed::String(s) => json!({ "valueString": s }),
        Typed::Coding {
            system,
            code,
            display,
        } => {
            let mut c = Map::new();
            if let Some(s) = system {
                c.insert("system".into(), json!(s));
            }
            c.insert("code".into(), json!(code));
            if let Some(d) = display {
                c.insert("display".into(), json!(d));
            }
            json!({ "valueCoding": Value::Object(c) })
        }
        Typed::Png(png) => json!({
            "valueAttachment": {
                "contentType": "image/png",
                "data": base64(png),
                "title": "signature",
            }
        }),
    }
}

/// Standard, padded base64 (RFC 4648), as FHIR's base64Binary wants. Twenty lines here
/// rather than a new dependency.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // The mask keeps the index in range; `get` keeps the rule of no unchecked indexing.
    let sym = |n: u32| {
        ALPHABET
            .get((n & 63) as usize)
            .map_or('=', |b| char::from(*b))
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}
