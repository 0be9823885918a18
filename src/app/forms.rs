//! The intake forms this kiosk offers and which patients fill in which. Forms come from the
//! configured directory, or from the examples built into the binary; a broken file or a
//! name that matches no form is reported (for the log and staff) and the rest keep working.

use std::path::Path;
use std::sync::Arc;

use crate::config::FormsConfig;
use crate::domain::questionnaire::{load_dir, parse, Questionnaire, QuestionnaireError};

/// The shipped example forms (assets/forms), used when no directory is configured.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "general-intake.json",
        include_str!("../../assets/forms/general-intake.json"),
    ),
    (
        "privacy-acknowledgement.json",
        include_str!("../../assets/forms/privacy-acknowledgement.json"),
    ),
    (
        "phq2-screening.json",
        include_str!("../../assets/forms/phq2-screening.json"),
    ),
];

/// A form problem in plain words, naming the file (and item) or the setting at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormProblem(pub String);

impl std::fmt::Display for FormProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, Default)]
pub struct FormCatalogue {
    forms: Vec<Arc<Questionnaire>>,
    walk_in: Vec<Arc<Questionnaire>>,
    by_type: Vec<(String, Vec<Arc<Questionnaire>>)>,
    problems: Vec<FormProblem>,
}

impl FormCatalogue {
    /// Loads the forms and resolves the assignments once, so a patient never meets a
    /// missing form halfway through.
    pub fn load(config: &FormsConfig) -> FormCatalogue {
        let (forms, errors) = match &config.dir {
            Some(dir) => load_dir(dir),
            None => built_in(),
        };
        let mut catalogue = FormCatalogue {
            forms: forms.into_iter().map(Arc::new).collect(),
            ..FormCatalogue::default()
        };
        catalogue.problems = errors.iter().map(|e| FormProblem(e.to_string())).collect();
        catalogue.walk_in = catalogue.resolve("forms.walk_in", &config.walk_in);
        for (kind, names) in &config.appointment_types {
            let forms = catalogue.resolve(&format!("forms.appointment_types.{kind}"), names);
            catalogue.by_type.push((kind.clone(), forms));
        }
        for problem in &catalogue.problems {
            tracing::warn!(%problem, "intake form not available");
        }
        catalogue
    }

    fn resolve(&mut self, key: &str, names: &[String]) -> Vec<Arc<Questionnaire>> {
        let mut out = Vec::new();
        for name in names {
            match self.find(name) {
                Some(form) => out.push(form),
                None => self.problems.push(FormProblem(format!(
                    "{key}: no loaded form is called `{name}` (a file name without .json, or a canonical URL)"
                ))),
            }
        }
        out
    }

    /// By file name without `.json`, by URL, or by url|version.
    fn find(&self, name: &str) -> Option<Arc<Questionnaire>> {
        self.forms
            .iter()
            .find(|q| {
                let stem = Path::new(q.source_name())
                    .file_stem()
                    .map(|s| s.to_string_lossy());
                stem.as_deref() == Some(name) || q.url() == name || q.canonical() == name
            })
            .cloned()
    }

    pub fn for_walk_in(&self) -> Vec<Arc<Questionnaire>> {
        self.walk_in.clone()
    }

    pub fn for_appointment_type(&self, kind: &str) -> Vec<Arc<Questionnaire>> {
        self.by_type
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, forms)| forms.clone())
            .unwrap_or_default()
    }

    pub fn forms(&self) -> &[Arc<Questionnaire>] {
        &self.forms
    }

    /// What staff should fix: broken files, names that match nothing.
    pub fn problems(&self) -> &[FormProblem] {
        &self.problems
    }
}

fn built_in() -> (Vec<Questionnaire>, Vec<QuestionnaireError>) {
    let mut forms = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in BUILT_IN {
        match parse(text, name) {
            Ok(q) => forms.push(q),
            Err(e) => errors.push(e),
        }
    }
    (forms, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_forms_load_and_the_default_assignments_resolve() {
        let c = FormCatalogue::load(&FormsConfig::default());
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        assert_eq!(c.forms().len(), 3);
        let visit: Vec<String> = c
            .for_appointment_type("visit")
            .iter()
            .map(|q| q.source_name().trim_end_matches(".json").to_owned())
            .collect();
        assert_eq!(visit, ["general-intake", "privacy-acknowledgement"]);
        assert_eq!(c.for_walk_in().len(), 1);
        assert!(c.for_appointment_type("procedure").is_empty());
    }

    #[test]
    fn a_broken_file_and_an_unknown_name_are_reported_and_the_rest_work() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("good.json"),
            BUILT_IN[2].1, // the PHQ-2
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
        let config = FormsConfig {
            dir: Some(dir.path().to_path_buf()),
            walk_in: vec!["good".into(), "missing".into()],
            appointment_types: Default::default(),
        };
        let c = FormCatalogue::load(&config);
        assert_eq!(c.forms().len(), 1);
        assert_eq!(c.for_walk_in().len(), 1, "the good form is still offered");
        let text: Vec<String> = c.problems().iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text.iter().any(|t| t.contains("broken.json")), "{text:?}");
        assert!(
            text.iter()
                .any(|t| t.contains("forms.walk_in") && t.contains("`missing`")),
            "{text:?}"
        );
    }

    #[test]
    fn forms_are_found_by_canonical_url_too() {
        let mut config = FormsConfig::none();
        config.walk_in = vec![
            "https://checkin-kiosk.example.org/fhir/Questionnaire/phq2-screening|2026-01".into(),
        ];
        let c = FormCatalogue::load(&config);
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        assert_eq!(c.for_walk_in().len(), 1);
    }
}
