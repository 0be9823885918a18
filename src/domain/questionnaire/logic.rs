//! enableWhen evaluation and the split of a form into screens.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use super::answers::{Answer, Answers};
use super::model::{systems_match, EnableAnswer, EnableBehavior, EnableWhen, Item, ItemType};
use super::model::{Operator, Questionnaire};
use super::validate::{check, Typed};

/// One screen: the linkIds shown on it, in document order. A group's own linkId comes first
/// (its text is the screen's heading); display items sit on the screen they introduce.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub link_ids: Vec<String>,
}

impl Questionnaire {
    /// The linkIds of the enabled items, per FHIR: an item is enabled when its parent is and
    /// its enableWhen conditions hold (all or any of them); a question that is disabled
    /// counts as unanswered for the conditions that look at it.
    pub fn enabled(&self, answers: &Answers) -> BTreeSet<String> {
        let mut state: HashMap<&str, bool> = HashMap::with_capacity(self.order.len());
        // `order` puts every parent and enableWhen question before its dependents.
        for id in &self.order {
            let Some(item) = self.item(id) else { continue };
            let parent_on = self
                .parent_of(id)
                .is_none_or(|p| state.get(p).copied().unwrap_or(false));
            let on = parent_on && self.conditions_hold(item, answers, &state);
            state.insert(id, on);
        }
        state
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(id, _)| id.to_string())
            .collect()
    }

    fn conditions_hold(&self, item: &Item, answers: &Answers, state: &HashMap<&str, bool>) -> bool {
        if item.enable_when.is_empty() {
            return true;
        }
        let holds = |cond: &EnableWhen| {
            let target_on = state.get(cond.question.as_str()).copied().unwrap_or(false);
            let values = match (target_on, self.item(&cond.question)) {
                (true, Some(target)) => answers
                    .given(&cond.question)
                    // An answer that fails validation does not count until it is fixed.
                    .and_then(|a| check(target, a).ok())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            condition_holds(cond, &values)
        };
        match item.enable_behavior {
            EnableBehavior::All => item.enable_when.iter().all(holds),
            EnableBehavior::Any => item.enable_when.iter().any(holds),
        }
    }

    /// The screens a patient walks through with these answers: one per enabled top-level
    /// question or group (with everything enabled inside it). Top-level display items join
    /// the next screen; trailing ones join the last.
    pub fn pages(&self, answers: &Answers) -> Vec<Page> {
        let enabled = self.enabled(answers);
        let mut pages: Vec<Page> = Vec::new();
        let mut pending: Vec<String> = Vec::new();
        for item in &self.items {
            if !enabled.contains(&item.link_id) {
                continue;
            }
            if item.item_type == ItemType::Display {
                collect(item, &enabled, &mut pending);
                continue;
            }
            let mut link_ids = std::mem::take(&mut pending);
            collect(item, &enabled, &mut link_ids);
            pages.push(Page { link_ids });
        }
        if !pending.is_empty() {
            match pages.last_mut() {
                Some(last) => last.link_ids.append(&mut pending),
                None => pages.push(Page { link_ids: pending }),
            }
        }
        pages
    }

    /// The answers a fresh form starts with: the options marked initialSelected (only the
    /// first one when the question takes a single answer).
    pub fn initial_answers(&self) -> Answers {
        let mut answers = Answers::new();
        for item in self.all_items() {
            if !matches!(item.item_type, ItemType::Choice | ItemType::OpenChoice) {
                continue;
            }
            let mut codes: Vec<_> = item
                .options
                .iter()
                .filter(|o| o.initial_selected)
                .map(|o| o.code())
                .collect();
            if !item.repeats {
                codes.truncate(1);
            }
            if !codes.is_empty() {
                answers.set(item.link_id.clone(), Answer::Choice(codes));
            }
        }
        answers
    }
}

fn collect(item: &Item, enabled: &BTreeSet<String>, out: &mut Vec<String>) {
    if !enabled.contains(&item.link_id) {
        return;
    }
    out.push(item.link_id.clone());
    for child in &item.items {
        collect(child, enabled, out);
    }
}

/// One condition against the target's answer values (empty = no answer). `exists` compares
/// "has an answer" with the boolean; `!=` holds when there are answers and none is equal
/// (with no answer at all it is false, like the other comparisons: a follow-up to an
/// unanswered question is not asked); `=` and the orderings hold when at least one answer
/// compares so.
pub(crate) fn condition_holds(cond: &EnableWhen, values: &[Typed<'_>]) -> bool {
    let cmp = |v: &Typed<'_>| compare(v, &cond.answer);
    let answered = !values.is_empty();
    match cond.operator {
        Operator::Exists => {
            matches!(cond.answer, EnableAnswer::Boolean(b) if b == answered)
        }
        Operator::Eq => values.iter().any(|v| cmp(v) == Some(Ordering::Equal)),
        Operator::Ne => answered && values.iter().all(|v| cmp(v) != Some(Ordering::Equal)),
        Operator::Gt => values.iter().any(|v| cmp(v) == Some(Ordering::Greater)),
        Operator::Lt => values.iter().any(|v| cmp(v) == Some(Ordering::Less)),
        Operator::Ge => values
            .iter()
            .any(|v| matches!(cmp(v), Some(Ordering::Greater | Ordering::Equal))),
        Operator::Le => values
            .iter()
            .any(|v| matches!(cmp(v), Some(Ordering::Less | Ordering::Equal))),
    }
}

/// How an answer value compares with the condition's value; None when they cannot be
/// compared (different kinds, or unequal strings/codings, which have no order).
fn compare(v: &Typed<'_>, a: &EnableAnswer) -> Option<Ordering> {
    let eq = |same: bool| if same { Some(Ordering::Equal) } else { None };
    match (v, a) {
        (Typed::Boolean(x), EnableAnswer::Boolean(y)) => eq(x == y),
        (Typed::Integer(x), EnableAnswer::Integer(y)) => Some(x.cmp(y)),
        (Typed::Integer(x), EnableAnswer::Decimal(y)) => (*x as f64).partial_cmp(&y.value()),
        (Typed::Decimal(x), EnableAnswer::Decimal(y)) => x.value().partial_cmp(&y.value()),
        (Typed::Decimal(x), EnableAnswer::Integer(y)) => x.value().partial_cmp(&(*y as f64)),
        (Typed::Date(x), EnableAnswer::Date(y)) => Some(x.cmp(y)),
        (Typed::String(x), EnableAnswer::String(y)) => eq(x == y),
        (
            Typed::Coding { system, code, .. },
            EnableAnswer::Coding {
                system: s2,
                code: c2,
            },
        ) => eq(code == c2 && systems_match(*system, s2.as_deref())),
        _ => None,
    }
}
