//! JSON -> `Questionnaire`, refusing anything the kiosk could not show or evaluate. Works
//! on `serde_json::Value` by hand so each refusal can name the item's linkId.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::answers::Decimal;
use super::error::QuestionnaireError as E;
use super::model::{
    AnswerOption, Coding, EnableAnswer, EnableBehavior, EnableWhen, Item, ItemType, LocalizedText,
    Operator, OptionValue, Questionnaire,
};

const TRANSLATION_URL: &str = "http://hl7.org/fhir/StructureDefinition/translation";
const MIN_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
const MAX_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";

/// Parses and checks one Questionnaire. `source_name` (usually the file name) is only used
/// in error messages and kept for staff screens.
pub fn parse(json: &str, source_name: &str) -> Result<Questionnaire, E> {
    let file = source_name.to_string();
    let root: Value = serde_json::from_str(json).map_err(|e| {
        let text = e.to_string();
        // serde_json appends " at line L column C"; we report those as fields.
        let reason = text.split(" at line ").next().unwrap_or("syntax error");
        E::Json {
            file: file.clone(),
            line: e.line(),
            column: e.column(),
            reason: reason.to_string(),
        }
    })?;
    let obj = root
        .as_object()
        .filter(|o| o.get("resourceType").and_then(Value::as_str) == Some("Questionnaire"))
        .ok_or_else(|| E::NotAQuestionnaire { file: file.clone() })?;

    let url = obj
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| E::BadRootField {
            file: file.clone(),
            field: "url",
            expected: "a non-empty string (the response refers to the form by it)",
        })?
        .to_string();
    let version = match obj.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) if !v.trim().is_empty() => Some(v.clone()),
        Some(_) => {
            return Err(E::BadRootField {
                file,
                field: "version",
                expected: "a non-empty string",
            })
        }
    };
    let title = match obj.get("title") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(localized(t, obj.get("_title"))),
        Some(_) => {
            return Err(E::BadRootField {
                file,
                field: "title",
                expected: "a string",
            })
        }
    };

    let mut parser = Parser {
        file: file.clone(),
        paths: HashMap::new(),
    };
    let items = match obj.get("item") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => parser.items(list, &[], "item")?,
        Some(_) => {
            return Err(E::BadRootField {
                file,
                field: "item",
                expected: "an array",
            })
        }
    };
    let mut q = Questionnaire {
        source_name: file,
        url,
        version,
        title,
        items,
        paths: parser.paths,
        order: Vec::new(),
    };
    check_enable_when(&q)?;
    q.order = dependency_order(&q)?;
    Ok(q)
}

struct Parser {
    file: String,
    paths: HashMap<String, Vec<usize>>,
}

impl Parser {
    fn items(&mut self, list: &[Value], parent: &[usize], label: &str) -> Result<Vec<Item>, E> {
        let mut out = Vec::with_capacity(list.len());
        for (i, value) in list.iter().enumerate() {
            let mut path = parent.to_vec();
            path.push(i);
            out.push(self.item(value, path, &format!("{label}[{i}]"))?);
        }
        Ok(out)
    }

    fn bad(&self, link_id: &str, field: &str, expected: &'static str) -> E {
        E::BadField {
            file: self.file.clone(),
            link_id: link_id.to_string(),
            field: field.to_string(),
            expected,
        }
    }

    fn item(&mut self, value: &Value, path: Vec<usize>, label: &str) -> Result<Item, E> {
        let missing = || E::MissingLinkId {
            file: self.file.clone(),
            path: label.to_string(),
        };
        let obj = value.as_object().ok_or_else(missing)?;
        let link_id = obj
            .get("linkId")
            .and_then(Value::as_str)
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(missing)?
            .to_string();
        if self.paths.contains_key(&link_id) {
            return Err(E::DuplicateLinkId {
                file: self.file.clone(),
                link_id,
            });
        }
        self.paths.insert(link_id.clone(), path.clone());
        let id = link_id.as_str();

        let type_code = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| self.bad(id, "type", "a string"))?;
        let item_type = ItemType::from_code(type_code).ok_or_else(|| E::UnknownType {
            file: self.file.clone(),
            link_id: link_id.clone(),
            item_type: type_code.to_string(),
        })?;
        let text = match obj.get("text") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => Some(localized(t, obj.get("_text"))),
            Some(_) => return Err(self.bad(id, "text", "a string")),
        };
        let required = self.flag(obj, id, "required")?;
        let repeats = self.flag(obj, id, "repeats")?;
        let max_length = match obj.get("maxLength") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| self.bad(id, "maxLength", "a positive whole number"))?,
            ),
        };
        let (min_value, max_value) = self.bounds(obj, id)?;
        let options = match obj.get("answerOption") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|o| self.option(o, id))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(self.bad(id, "answerOption", "an array")),
        };
        if item_type == ItemType::Choice && options.is_empty() {
            return Err(E::ChoiceWithoutOptions {
                file: self.file.clone(),
                link_id,
            });
        }
        let enable_when = match obj.get("enableWhen") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|c| self.condition(c, id))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(self.bad(id, "enableWhen", "an array")),
        };
        let enable_behavior = match obj.get("enableBehavior").map(Value::as_str) {
            None | Some(Some("all")) => EnableBehavior::All,
            Some(Some("any")) => EnableBehavior::Any,
            Some(_) => return Err(self.bad(id, "enableBehavior", "\"all\" or \"any\"")),
        };
        let items = match obj.get("item") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => self.items(list, &path, &format!("{label}.item"))?,
            Some(_) => return Err(self.bad(id, "item", "an array")),
        };
        Ok(Item {
            link_id,
            text,
            item_type,
            required,
            repeats,
            max_length,
            min_value,
            max_value,
            options,
            enable_when,
            enable_behavior,
            items,
        })
    }

    fn flag(&self, obj: &Map<String, Value>, id: &str, field: &'static str) -> Result<bool, E> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.bad(id, field, "true or false")),
        }
    }

    /// The standard minValue/maxValue extensions (valueInteger or valueDecimal).
    fn bounds(
        &self,
        obj: &Map<String, Value>,
        id: &str,
    ) -> Result<(Option<Decimal>, Option<Decimal>), E> {
        let (mut min, mut max) = (None, None);
        let Some(list) = obj.get("extension").and_then(Value::as_array) else {
            return Ok((min, max));
        };
        for ext in list {
            let url = ext.get("url").and_then(Value::as_str);
            let slot = match url {
                Some(MIN_VALUE_URL) => &mut min,
                Some(MAX_VALUE_URL) => &mut max,
                // Other extensions are someone else's business: forward compatible.
                _ => continue,
            };
            let value = ext
                .get("valueInteger")
                .and_then(Value::as_i64)
                .map(Decimal::from_i64)
                .or_else(|| ext.get("valueDecimal").and_then(json_decimal));
            *slot = Some(value.ok_or_else(|| {
                self.bad(
                    id,
                    "extension minValue/maxValue",
                    "valueInteger or valueDecimal",
                )
            })?);
        }
        Ok((min, max))
    }

    fn option(&self, value: &Value, id: &str) -> Result<AnswerOption, E> {
        let expected = "an object with valueCoding (with a code), valueString or valueInteger";
        let bad = || self.bad(id, "answerOption", expected);
        let obj = value.as_object().ok_or_else(bad)?;
        let value = if let Some(c) = obj.get("valueCoding") {
            let c = c.as_object().ok_or_else(bad)?;
            let code = c.get("code").and_then(Value::as_str).ok_or_else(bad)?;
            let system = match c.get("system") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad()),
            };
            let display = match c.get("display") {
                None | Some(Value::Null) => None,
                Some(Value::String(d)) => Some(localized(d, c.get("_display"))),
                Some(_) => return Err(bad()),
            };
            OptionValue::Coding(Coding {
                system,
                code: code.to_string(),
                display,
            })
        } else if let Some(s) = obj.get("valueString") {
            let s = s.as_str().ok_or_else(bad)?;
            OptionValue::String(localized(s, obj.get("_valueString")))
        } else if let Some(i) = obj.get("valueInteger") {
            OptionValue::Integer(i.as_i64().ok_or_else(bad)?)
        } else {
            return Err(bad());
        };
        let initial_selected = self.flag(obj, id, "initialSelected")?;
        Ok(AnswerOption {
            value,
            initial_selected,
        })
    }

    fn condition(&self, value: &Value, id: &str) -> Result<EnableWhen, E> {
        let obj = value
            .as_object()
            .ok_or_else(|| self.bad(id, "enableWhen", "an array of objects"))?;
        let question = obj
            .get("question")
            .and_then(Value::as_str)
            .ok_or_else(|| self.bad(id, "enableWhen.question", "a linkId"))?
            .to_string();
        let operator = obj
            .get("operator")
            .and_then(Value::as_str)
            .and_then(Operator::from_code)
            .ok_or_else(|| {
                self.bad(
                    id,
                    "enableWhen.operator",
                    "one of exists, =, !=, >, <, >=, <=",
                )
            })?;
        let bad = |field: &str| self.bad(id, field, "a value of the type its name says");
        let answer = if let Some(v) = obj.get("answerBoolean") {
            EnableAnswer::Boolean(v.as_bool().ok_or_else(|| bad("answerBoolean"))?)
        } else if let Some(v) = obj.get("answerDecimal") {
            EnableAnswer::Decimal(json_decimal(v).ok_or_else(|| bad("answerDecimal"))?)
        } else if let Some(v) = obj.get("answerInteger") {
            EnableAnswer::Integer(v.as_i64().ok_or_else(|| bad("answerInteger"))?)
        } else if let Some(v) = obj.get("answerDate") {
            let d = v
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| bad("answerDate"))?;
            EnableAnswer::Date(d)
        } else if let Some(v) = obj.get("answerString") {
            EnableAnswer::String(v.as_str().ok_or_else(|| bad("answerString"))?.to_string())
        } else if let Some(v) = obj.get("answerCoding") {
            let code = v
                .get("code")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("answerCoding"))?;
            let system = match v.get("system") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad("answerCoding")),
            };
            EnableAnswer::Coding {
                system,
                code: code.to_string(),
            }
        } else {
            return Err(self.bad(
                id,
                "enableWhen.answer[x]",
                "answerBoolean, answerDecimal, answerInteger, answerDate, answerString or answerCoding",
            ));
        };
        Ok(EnableWhen {
            question,
            operator,
            answer,
        })
    }
}

fn json_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::parse(&n.to_string()),
        _ => None,
    }
}

/// A text plus its translations from the sibling `_field` element. Malformed translation
/// extensions are skipped, not fatal: the default text still works.
fn localized(default: &str, element: Option<&Value>) -> LocalizedText {
    let translations = element
        .and_then(|e| e.get("extension"))
        .and_then(Value::as_array)
        .map(|exts| {
            exts.iter()
                .filter(|x| x.get("url").and_then(Value::as_str) == Some(TRANSLATION_URL))
                .filter_map(|x| {
                    let parts = x.get("extension")?.as_array()?;
                    let part = |name: &str, key: &str| {
                        parts
                            .iter()
                            .find(|p| p.get("url").and_then(Value::as_str) == Some(name))
                            .and_then(|p| p.get(key))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    };
                    Some((part("lang", "valueCode")?, part("content", "valueString")?))
                })
                .collect()
        })
        .unwrap_or_default();
    LocalizedText {
        default: default.to_string(),
        translations,
    }
}

/// Each enableWhen must point at another, answerable item, with an operator and a value that
/// make sense for that item's type.
fn check_enable_when(q: &Questionnaire) -> Result<(), E> {
    for item in q.all_items() {
        for cond in &item.enable_when {
            check_condition(q, item, cond)?;
        }
    }
    Ok(())
}

fn check_condition(q: &Questionnaire, item: &Item, cond: &EnableWhen) -> Result<(), E> {
    let file = || q.source_name.clone();
    let link_id = || item.link_id.clone();
    let target_id = || cond.question.clone();
    if cond.question == item.link_id {
        return Err(E::SelfReference {
            file: file(),
            link_id: link_id(),
        });
    }
    let target = q.item(&cond.question).ok_or_else(|| E::UnknownTarget {
        file: file(),
        link_id: link_id(),
        target: target_id(),
    })?;
    let t = target.item_type;
    if !t.is_question() {
        return Err(E::TargetNotAQuestion {
            file: file(),
            link_id: link_id(),
            target: target_id(),
            target_type: t.code(),
        });
    }
    let mismatch = |expected: &'static str| E::AnswerTypeMismatch {
        file: file(),
        link_id: link_id(),
        target: target_id(),
        expected,
    };
    if cond.operator == Operator::Exists {
        return match cond.answer {
            EnableAnswer::Boolean(_) => Ok(()),
            _ => Err(mismatch("answerBoolean with operator exists")),
        };
    }
    let ordered = matches!(
        cond.operator,
        Operator::Gt | Operator::Lt | Operator::Ge | Operator::Le
    );
    // Ordering only means something for numbers and dates; a signature can only exist.
    let comparable = matches!(t, ItemType::Integer | ItemType::Decimal | ItemType::Date);
    if (ordered && !comparable) || t == ItemType::Attachment {
        return Err(E::OperatorNotAllowed {
            file: file(),
            link_id: link_id(),
            operator: cond.operator.code(),
            target: target_id(),
            target_type: t.code(),
        });
    }
    let a = &cond.answer;
    match t {
        ItemType::Boolean => matches!(a, EnableAnswer::Boolean(_))
            .then_some(())
            .ok_or_else(|| mismatch("answerBoolean")),
        ItemType::String | ItemType::Text => matches!(a, EnableAnswer::String(_))
            .then_some(())
            .ok_or_else(|| mismatch("answerString")),
        ItemType::Integer => matches!(a, EnableAnswer::Integer(_))
            .then_some(())
            .ok_or_else(|| mismatch("answerInteger")),
        ItemType::Decimal => matches!(a, EnableAnswer::Decimal(_) | EnableAnswer::Integer(_))
            .then_some(())
            .ok_or_else(|| mismatch("answerDecimal")),
        ItemType::Date => matches!(a, EnableAnswer::Date(_))
            .then_some(())
            .ok_or_else(|| mismatch("answerDate")),
        ItemType::Choice | ItemType::OpenChoice => {
            check_choice_answer(q, item, cond, target, mismatch)
        }
        ItemType::Display | ItemType::Group | ItemType::Attachment => Ok(()),
    }
}

/// For a choice target the value must have the kind of its options and (except free text
/// on open-choice) be one of them: a typo in a code would otherwise silently never match.
fn check_choice_answer(
    q: &Questionnaire,
    item: &Item,
    cond: &EnableWhen,
    target: &Item,
    mismatch: impl Fn(&'static str) -> E,
) -> Result<(), E> {
    let has = |f: fn(&OptionValue) -> bool| target.options.iter().any(|o| f(&o.value));
    let code = match &cond.answer {
        EnableAnswer::Coding { system, code } if has(|v| matches!(v, OptionValue::Coding(_))) => {
            super::answers::AnswerCode::Coding {
                system: system.clone(),
                code: code.clone(),
            }
        }
        EnableAnswer::String(s)
            if target.item_type == ItemType::OpenChoice
                || has(|v| matches!(v, OptionValue::String(_))) =>
        {
            super::answers::AnswerCode::String(s.clone())
        }
        EnableAnswer::Integer(i) if has(|v| matches!(v, OptionValue::Integer(_))) => {
            super::answers::AnswerCode::Integer(*i)
        }
        _ => {
            return Err(mismatch(
                "answerCoding, answerString or answerInteger like its options",
            ))
        }
    };
    let free_text = target.item_type == ItemType::OpenChoice
        && matches!(code, super::answers::AnswerCode::String(_));
    if free_text || target.option_for(&code).is_some() {
        Ok(())
    } else {
        Err(E::AnswerNotOffered {
            file: q.source_name.clone(),
            link_id: item.link_id.clone(),
            target: cond.question.clone(),
        })
    }
}

/// Orders linkIds so each comes after what it depends on (its parent, its enableWhen
/// questions), or names a cycle. Kahn's algorithm: no recursion, so a long chain of
/// conditions cannot overflow the stack.
fn dependency_order(q: &Questionnaire) -> Result<Vec<String>, E> {
    let items = q.all_items();
    let deps_of = |item: &Item| -> Vec<String> {
        let mut deps: Vec<String> = item
            .enable_when
            .iter()
            .map(|c| c.question.clone())
            .collect();
        if let Some(p) = q.parent_of(&item.link_id) {
            deps.push(p.to_string());
        }
        deps.sort();
        deps.dedup();
        deps
    };
    let mut waiting: HashMap<&str, usize> = HashMap::new();
    let mut dependents: HashMap<String, Vec<&str>> = HashMap::new();
    let mut ready = VecDeque::new();
    for item in &items {
        let deps = deps_of(item);
        waiting.insert(&item.link_id, deps.len());
        if deps.is_empty() {
            ready.push_back(item.link_id.as_str());
        }
        for d in deps {
            dependents.entry(d).or_default().push(&item.link_id);
        }
    }
    let mut order = Vec::with_capacity(items.len());
    while let Some(id) = ready.pop_front() {
        order.push(id.to_string());
        for dependent in dependents.get(id).map(Vec::as_slice).unwrap_or_default() {
            if let Some(n) = waiting.get_mut(dependent) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    ready.push_back(dependent);
                }
            }
        }
    }
    if order.len() == items.len() {
        return Ok(order);
    }
    // Every item left waits on another item left: walk that chain until it repeats.
    let done: HashSet<&str> = order.iter().map(String::as_str).collect();
    let start = items
        .iter()
        .find(|i| !done.contains(i.link_id.as_str()))
        .map(|i| i.link_id.clone())
        .unwrap_or_default();
    let mut chain: Vec<String> = Vec::new();
    let mut current = start.clone();
    while !chain.contains(&current) && chain.len() <= items.len() {
        chain.push(current.clone());
        let next = q
            .item(&current)
            .map(deps_of)
            .unwrap_or_default()
            .into_iter()
            .find(|d| !done.contains(d.as_str()));
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    let from = chain.iter().position(|c| *c == current).unwrap_or(0);
    let mut cycle: Vec<String> = chain
        .get(from..)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    cycle.push(current.clone());
    Err(E::Cycle {
        file: q.source_name.clone(),
        link_id: cycle.first().cloned().unwrap_or(start),
        cycle: cycle.join(" -> "),
    })
}
