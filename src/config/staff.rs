//! The settings staff may change on the kiosk (the top configuration layer): which keys,
//! how a typed entry becomes a value, how the current value is shown, and the check that
//! refuses a bad entry with the same message the file would get.

use super::{Config, ConfigLayers};

/// Where a setting's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Default,
    File,
    Environment,
    Staff,
}

impl Layer {
    /// The locale key naming the layer on the Settings page.
    pub fn label_key(self) -> &'static str {
        match self {
            Layer::Default => "staff.layer.default",
            Layer::File => "staff.layer.file",
            Layer::Environment => "staff.layer.environment",
            Layer::Staff => "staff.layer.staff",
        }
    }
}

/// How a setting is typed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingKind {
    Text,
    Number,
    /// Comma-separated on screen, a list in the configuration.
    List,
    /// On / off.
    Switch,
    /// Never shown; the audit log says only that it changed.
    Secret,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffSetting {
    /// The dotted configuration key, e.g. `arrival.early_minutes`.
    pub key: String,
    pub kind: SettingKind,
}

/// The keys staff may change, in the order the Settings page lists them. The kiosk's
/// identity, its data directory, the database key and the forms folder stay with IT.
const EDITABLE: &[(&str, SettingKind)] = &[
    ("practice_name", SettingKind::Text),
    ("languages", SettingKind::List),
    ("default_language", SettingKind::Text),
    ("idle_timeout_secs", SettingKind::Number),
    ("idle_prompt_secs", SettingKind::Number),
    ("done_reset_secs", SettingKind::Number),
    ("arrival.early_minutes", SettingKind::Number),
    ("arrival.late_minutes", SettingKind::Number),
    ("arrival.desk_only_types", SettingKind::List),
    ("wait.minutes_per_patient", SettingKind::Number),
    ("walk_in_reasons", SettingKind::List),
    ("forms.walk_in", SettingKind::List),
    ("qr_url_template", SettingKind::Text),
    ("lobby_board", SettingKind::Switch),
    ("server_url", SettingKind::Text),
    ("server.token", SettingKind::Secret),
    ("database.retention_hours", SettingKind::Number),
];

/// Every setting staff may change with `config` in force: the fixed keys, then the forms of
/// each appointment type the configuration names.
pub fn staff_settings(config: &Config) -> Vec<StaffSetting> {
    let mut out: Vec<StaffSetting> = EDITABLE
        .iter()
        .map(|(key, kind)| StaffSetting {
            key: (*key).to_owned(),
            kind: *kind,
        })
        .collect();
    let forms_at = out
        .iter()
        .position(|s| s.key == "forms.walk_in")
        .map_or(out.len(), |i| i + 1);
    let types = config.forms.appointment_types.keys().map(|t| StaffSetting {
        key: format!("forms.appointment_types.{t}"),
        kind: SettingKind::List,
    });
    out.splice(forms_at..forms_at, types);
    out
}

/// The kind of `key`, when staff may change it.
pub fn kind_of(config: &Config, key: &str) -> Option<SettingKind> {
    staff_settings(config)
        .into_iter()
        .find(|s| s.key == key)
        .map(|s| s.kind)
}

/// What staff typed, as the TOML value text the store keeps. Err: a message for next to
/// the field.
pub fn parse_entry(kind: SettingKind, typed: &str) -> Result<String, String> {
    let typed = typed.trim();
    let value = match kind {
        SettingKind::Text | SettingKind::Secret => {
            if typed.is_empty() {
                return Err("must not be empty".into());
            }
            toml::Value::String(typed.to_owned())
        }
        SettingKind::Number => toml::Value::Integer(
            typed
                .parse()
                .map_err(|_| "must be a whole number, e.g. 60".to_owned())?,
        ),
        SettingKind::List => toml::Value::Array(
            typed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_owned()))
                .collect(),
        ),
        SettingKind::Switch => match typed.to_lowercase().as_str() {
            "on" | "true" | "yes" => toml::Value::Boolean(true),
            "off" | "false" | "no" => toml::Value::Boolean(false),
            _ => return Err("must be on or off".into()),
        },
    };
    Ok(value.to_string())
}

/// A stored value text back as a TOML value (None when it does not parse).
pub(super) fn parse_stored(text: &str) -> Option<toml::Value> {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()?
        .remove("v")
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// The value in force, as the Settings page shows it (a secret shows only whether it is
/// set).
pub fn display_value(config: &Config, key: &str) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match key {
        "practice_name" => config.practice_name.clone(),
        "languages" => list(&config.languages),
        "default_language" => config.default_language.clone(),
        "idle_timeout_secs" => config.idle_timeout_secs.to_string(),
        "idle_prompt_secs" => config.idle_prompt_secs.to_string(),
        "done_reset_secs" => config.done_reset_secs.to_string(),
        "arrival.early_minutes" => config.arrival.early_minutes.to_string(),
        "arrival.late_minutes" => config.arrival.late_minutes.to_string(),
        "arrival.desk_only_types" => list(&config.arrival.desk_only_types),
        "wait.minutes_per_patient" => config.wait.minutes_per_patient.to_string(),
        "walk_in_reasons" => list(&config.walk_in_reasons),
        "forms.walk_in" => list(&config.forms.walk_in),
        "qr_url_template" => opt(&config.qr_url_template),
        "lobby_board" => if config.lobby_board { "on" } else { "off" }.into(),
        "server_url" => opt(&config.server_url),
        "server.token" => if config.server.token.is_some() {
            "••••••"
        } else {
            ""
        }
        .into(),
        "database.retention_hours" => config.database.retention_hours.to_string(),
        other => other
            .strip_prefix("forms.appointment_types.")
            .and_then(|t| config.forms.appointment_types.get(t))
            .map(|forms| list(forms))
            .unwrap_or_default(),
    }
}

impl ConfigLayers {
    /// Whether `value` (stored text) for `key` would be accepted on top of `staff`: the
    /// configuration's own problem message for that key when not.
    pub fn check(
        &self,
        staff: &[(String, String)],
        key: &str,
        value: &str,
    ) -> Result<Config, String> {
        let mut trial: Vec<(String, String)> =
            staff.iter().filter(|(k, _)| k != key).cloned().collect();
        trial.push((key.to_owned(), value.to_owned()));
        let (config, problems) = self.resolve(&trial);
        match problems.into_iter().find(|p| p.key == key) {
            Some(problem) => Err(problem.message),
            None => Ok(config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(file: &str, env: &[(&str, &str)]) -> ConfigLayers {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, file).unwrap();
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain([("HOME".to_owned(), "/home/k".to_owned())]);
        ConfigLayers::read(Some(&path), env).unwrap()
    }

    fn saved(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_staff_setting_wins_over_file_and_environment_and_its_layer_is_named() {
        let l = layers(
            "practice_name = \"File Clinic\"\nidle_timeout_secs = 90\n",
            &[("CHECKIN_KIOSK_IDLE_TIMEOUT_SECS", "120")],
        );
        let (c, problems) = l.resolve(&[]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            (c.practice_name.as_str(), c.idle_timeout_secs),
            ("File Clinic", 120)
        );
        let staff = saved(&[
            ("idle_timeout_secs", "30"),
            ("practice_name", "\"Desk Clinic\""),
        ]);
        let (c, _) = l.resolve(&staff);
        assert_eq!(
            (c.practice_name.as_str(), c.idle_timeout_secs),
            ("Desk Clinic", 30)
        );
        assert_eq!(l.layer_of("idle_timeout_secs", &staff), Layer::Staff);
        assert_eq!(l.layer_of("idle_timeout_secs", &[]), Layer::Environment);
        assert_eq!(l.layer_of("practice_name", &[]), Layer::File);
        assert_eq!(l.layer_of("arrival.early_minutes", &[]), Layer::Default);
    }

    #[test]
    fn typed_entries_become_values_and_bad_ones_get_the_files_message() {
        let l = layers("", &[]);
        let number = parse_entry(SettingKind::Number, " 45 ").unwrap();
        assert_eq!(number, "45");
        assert_eq!(
            l.check(&[], "idle_timeout_secs", &number)
                .unwrap()
                .idle_timeout_secs,
            45
        );
        let too_small = parse_entry(SettingKind::Number, "3").unwrap();
        let message = l.check(&[], "idle_timeout_secs", &too_small).unwrap_err();
        assert!(message.contains("out of range (10 to 3600)"), "{message}");
        assert_eq!(
            parse_entry(SettingKind::Number, "soon").unwrap_err(),
            "must be a whole number, e.g. 60"
        );
        let langs = parse_entry(SettingKind::List, "en, es,").unwrap();
        assert_eq!(langs, "[\"en\", \"es\"]");
        let message = l
            .check(
                &[],
                "languages",
                &parse_entry(SettingKind::List, "en, xx").unwrap(),
            )
            .unwrap_err();
        assert!(message.contains("xx not available"), "{message}");
        assert_eq!(parse_entry(SettingKind::Switch, "Off").unwrap(), "false");
        assert!(parse_entry(SettingKind::Switch, "maybe").is_err());
        assert!(parse_entry(SettingKind::Text, "  ").is_err());
        let quoted = parse_entry(SettingKind::Text, "Clinic \"North\"").unwrap();
        assert_eq!(
            l.check(&[], "practice_name", &quoted)
                .unwrap()
                .practice_name,
            "Clinic \"North\""
        );
    }

    #[test]
    fn an_unreadable_stored_value_is_a_problem_not_a_crash() {
        let l = layers("", &[]);
        let (c, problems) = l.resolve(&saved(&[("idle_timeout_secs", "[unclosed")]));
        assert_eq!(c.idle_timeout_secs, 60);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "idle_timeout_secs");
    }

    #[test]
    fn the_catalogue_lists_each_appointment_types_forms_and_hides_secrets() {
        let l = layers(
            "[forms.appointment_types]\nvisit = [\"general-intake\"]\n[server]\ntoken = \"s3cret-token\"\n",
            &[],
        );
        let (c, _) = l.resolve(&[]);
        let keys: Vec<String> = staff_settings(&c).into_iter().map(|s| s.key).collect();
        let walk_in = keys.iter().position(|k| k == "forms.walk_in").unwrap();
        assert_eq!(keys[walk_in + 1], "forms.appointment_types.visit");
        assert_eq!(
            display_value(&c, "forms.appointment_types.visit"),
            "general-intake"
        );
        assert_eq!(kind_of(&c, "server.token"), Some(SettingKind::Secret));
        assert!(!display_value(&c, "server.token").contains("s3cret"));
        assert_eq!(
            kind_of(&c, "data_dir"),
            None,
            "IT's keys are not editable here"
        );
        for s in staff_settings(&c) {
            let _shown = display_value(&c, &s.key);
        }
    }
}
