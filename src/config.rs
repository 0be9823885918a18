//! Layered configuration: built-in defaults < TOML file < environment (CHECKIN_KIOSK_*).
//! Parsed raw, then validated once. A bad key or value never stops the kiosk: that key keeps
//! its default and a `ConfigProblem` names it, for the log and for staff.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::{ArrivalWindow, WaitParams};

pub const DEFAULT_CONFIG_PATH: &str = "/etc/checkin-kiosk/kiosk.toml";
/// Languages with a complete catalogue in locales/.
pub const SUPPORTED_LANGUAGES: &[&str] = &["en", "es"];
const ENV_PREFIX: &str = "CHECKIN_KIOSK_";

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub kiosk_id: String,
    pub practice_name: String,
    pub data_dir: PathBuf,
    pub languages: Vec<String>,
    pub default_language: String,
    pub idle_timeout_secs: u32,
    pub idle_prompt_secs: u32,
    pub done_reset_secs: u32,
    pub arrival: ArrivalWindow,
    pub wait: WaitParams,
    pub qr_url_template: Option<String>,
    pub walk_in_reasons: Vec<String>,
    pub server_url: Option<String>,
}

impl Config {
    /// With no practice server the kiosk runs the seeded demo practice.
    pub fn demo_mode(&self) -> bool {
        self.server_url.is_none()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kiosk_id: "kiosk-1".into(),
            practice_name: "Riverside Family Clinic".into(),
            data_dir: default_data_dir(),
            languages: SUPPORTED_LANGUAGES.iter().map(|s| (*s).to_owned()).collect(),
            default_language: "en".into(),
            idle_timeout_secs: 60,
            idle_prompt_secs: 15,
            done_reset_secs: 15,
            arrival: ArrivalWindow::default(),
            wait: WaitParams::default(),
            qr_url_template: None,
            walk_in_reasons: ["sick", "injury", "prescription", "test_results", "other"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            server_url: None,
        }
    }
}

/// systemd's StateDirectory, else the XDG state dir, else the packaged location.
fn default_data_dir() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = env("STATE_DIRECTORY") {
        return dir;
    }
    if let Some(dir) = env("XDG_STATE_HOME") {
        return dir.join("checkin-kiosk");
    }
    if let Some(home) = env("HOME") {
        return home.join(".local/state/checkin-kiosk");
    }
    PathBuf::from("/var/lib/checkin-kiosk")
}

/// One key that could not be used, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key `{}`: {}", self.key, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
}

/// Loads the configuration. `path` is read when given (and must exist); `env` is usually
/// `std::env::vars()`.
pub fn load(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(Config, Vec<ConfigProblem>), ConfigError> {
    let mut raw = toml::Table::new();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        raw = text.parse::<toml::Table>().map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
    }
    for (name, value) in env {
        if let Some(key) = name.strip_prefix(ENV_PREFIX) {
            let path: Vec<String> = key.split("__").map(str::to_lowercase).collect();
            insert(&mut raw, &path, env_value(&value));
        }
    }
    Ok(validate(&raw))
}

/// An environment value as TOML when it parses as a TOML value (numbers, arrays, booleans),
/// else as a plain string.
fn env_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// Reads each known key from the raw table; anything unknown or invalid becomes a problem.
struct Reader<'a> {
    problems: &'a mut Vec<ConfigProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            key: key.to_owned(),
            message: message.into(),
        });
    }

    fn string(&mut self, t: &toml::Table, name: &str, key: &str) -> Option<String> {
        match t.get(name)? {
            toml::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            toml::Value::String(_) => {
                self.problem(key, "must not be empty");
                None
            }
            other => {
                self.problem(key, format!("must be text, not {}", other.type_str()));
                None
            }
        }
    }

    fn integer(&mut self, t: &toml::Table, name: &str, key: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        match t.get(name)? {
            toml::Value::Integer(n) if range.contains(n) => Some(*n),
            toml::Value::Integer(n) => {
                self.problem(
                    key,
                    format!("{n} is out of range ({} to {})", range.start(), range.end()),
                );
                None
            }
            other => {
                self.problem(key, format!("must be a whole number, not {}", other.type_str()));
                None
            }
        }
    }

    fn strings(&mut self, t: &toml::Table, name: &str, key: &str) -> Option<Vec<String>> {
        let toml::Value::Array(items) = t.get(name)? else {
            self.problem(key, "must be a list of texts, e.g. [\"a\", \"b\"]");
            return None;
        };
        let out: Option<Vec<String>> = items.iter().map(|v| v.as_str().map(str::to_owned)).collect();
        if out.is_none() {
            self.problem(key, "must be a list of texts, e.g. [\"a\", \"b\"]");
        }
        out
    }

    fn unknown_keys(&mut self, t: &toml::Table, known: &[&str], prefix: &str) {
        for name in t.keys().filter(|k| !known.contains(&k.as_str())) {
            self.problem(&format!("{prefix}{name}"), "is not a known setting");
        }
    }
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn validate(raw: &toml::Table) -> (Config, Vec<ConfigProblem>) {
    let mut c = Config::default();
    let mut problems = Vec::new();
    let mut r = Reader {
        problems: &mut problems,
    };
    r.unknown_keys(
        raw,
        &[
            "kiosk_id",
            "practice_name",
            "data_dir",
            "languages",
            "default_language",
            "idle_timeout_secs",
            "idle_prompt_secs",
            "done_reset_secs",
            "arrival",
            "wait",
            "qr_url_template",
            "walk_in_reasons",
            "server_url",
        ],
        "",
    );

    if let Some(v) = r.string(raw, "kiosk_id", "kiosk_id") {
        if v.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            c.kiosk_id = v;
        } else {
            r.problem("kiosk_id", "may contain only letters, digits, '-' and '_'");
        }
    }
    if let Some(v) = r.string(raw, "practice_name", "practice_name") {
        c.practice_name = v;
    }
    if let Some(v) = r.string(raw, "data_dir", "data_dir") {
        c.data_dir = PathBuf::from(v);
    }
    if let Some(langs) = r.strings(raw, "languages", "languages") {
        let unsupported: Vec<&String> = langs.iter().filter(|l| !SUPPORTED_LANGUAGES.contains(&l.as_str())).collect();
        if langs.is_empty() {
            r.problem("languages", "must list at least one language");
        } else if !unsupported.is_empty() {
            r.problem(
                "languages",
                format!("{unsupported:?} not available; choose from {SUPPORTED_LANGUAGES:?}"),
            );
        } else {
            c.languages = langs;
        }
    }
    if let Some(v) = r.string(raw, "default_language", "default_language") {
        if c.languages.contains(&v) {
            c.default_language = v;
        } else {
            r.problem("default_language", format!("`{v}` is not one of the languages offered"));
        }
    }
    if !c.languages.contains(&c.default_language) {
        c.default_language = c.languages.first().cloned().unwrap_or_else(|| "en".into());
    }
    if let Some(n) = r.integer(raw, "idle_timeout_secs", "idle_timeout_secs", 10..=3600) {
        c.idle_timeout_secs = to_u32(n);
    }
    if let Some(n) = r.integer(raw, "idle_prompt_secs", "idle_prompt_secs", 5..=120) {
        c.idle_prompt_secs = to_u32(n);
    }
    if let Some(n) = r.integer(raw, "done_reset_secs", "done_reset_secs", 5..=300) {
        c.done_reset_secs = to_u32(n);
    }
    if let Some(v) = r.string(raw, "qr_url_template", "qr_url_template") {
        if !v.contains("{token}") {
            r.problem("qr_url_template", "must contain {token}, where the kiosk puts the patient's opaque token");
        } else if !(v.starts_with("https://") || v.starts_with("http://")) {
            r.problem("qr_url_template", "must start with https:// or http://");
        } else {
            c.qr_url_template = Some(v);
        }
    }
    if let Some(reasons) = r.strings(raw, "walk_in_reasons", "walk_in_reasons") {
        let bad = reasons
            .iter()
            .any(|s| s.is_empty() || !s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        if reasons.is_empty() || bad {
            r.problem(
                "walk_in_reasons",
                "must be a non-empty list of lowercase names (each translated as walkin.reason.<name>)",
            );
        } else {
            c.walk_in_reasons = reasons;
        }
    }
    if let Some(v) = r.string(raw, "server_url", "server_url") {
        if v.starts_with("https://") || v.starts_with("http://") {
            c.server_url = Some(v);
        } else {
            r.problem("server_url", "must start with https:// or http://");
        }
    }
    match raw.get("arrival") {
        Some(toml::Value::Table(t)) => {
            r.unknown_keys(t, &["early_minutes", "late_minutes", "desk_only_types"], "arrival.");
            if let Some(n) = r.integer(t, "early_minutes", "arrival.early_minutes", 0..=720) {
                c.arrival.early_minutes = n;
            }
            if let Some(n) = r.integer(t, "late_minutes", "arrival.late_minutes", 0..=720) {
                c.arrival.late_minutes = n;
            }
            if let Some(v) = r.strings(t, "desk_only_types", "arrival.desk_only_types") {
                c.arrival.desk_only_types = v;
            }
        }
        Some(_) => r.problem("arrival", "must be a table ([arrival])"),
        None => {}
    }
    match raw.get("wait") {
        Some(toml::Value::Table(t)) => {
            r.unknown_keys(t, &["minutes_per_patient"], "wait.");
            if let Some(n) = r.integer(t, "minutes_per_patient", "wait.minutes_per_patient", 1..=240) {
                c.wait.minutes_per_patient = to_u32(n);
            }
        }
        Some(_) => r.problem("wait", "must be a table ([wait])"),
        None => {}
    }
    (c, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str, env: &[(&str, &str)]) -> (Config, Vec<ConfigProblem>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, text).unwrap();
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        load(Some(&path), env).unwrap()
    }

    #[test]
    fn defaults_without_a_file() {
        let (c, problems) = load(None, Vec::new()).unwrap();
        assert!(problems.is_empty());
        assert!(c.demo_mode());
        assert_eq!(c.idle_timeout_secs, 60);
        assert_eq!(c.languages, ["en", "es"]);
    }

    #[test]
    fn the_shipped_example_file_loads_cleanly() {
        let text = include_str!("../packaging/kiosk.toml");
        let (c, problems) = load_str(text, &[]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.kiosk_id, "lobby-1");
        assert_eq!(c.arrival.desk_only_types, ["procedure"]);
    }

    #[test]
    fn file_values_and_environment_layer_in_order() {
        let (c, problems) = load_str(
            "practice_name = \"Hill Clinic\"\nidle_timeout_secs = 90\n[arrival]\nearly_minutes = 30\n",
            &[
                ("CHECKIN_KIOSK_IDLE_TIMEOUT_SECS", "120"),
                ("CHECKIN_KIOSK_ARRIVAL__LATE_MINUTES", "5"),
                ("CHECKIN_KIOSK_QR_URL_TEMPLATE", "https://q.example/{token}"),
                ("UNRELATED", "x"),
            ],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.practice_name, "Hill Clinic");
        assert_eq!(c.idle_timeout_secs, 120, "environment wins over the file");
        assert_eq!(c.arrival.early_minutes, 30);
        assert_eq!(c.arrival.late_minutes, 5);
        assert_eq!(c.qr_url_template.as_deref(), Some("https://q.example/{token}"));
    }

    #[test]
    fn bad_values_keep_defaults_and_name_the_key() {
        let (c, problems) = load_str(
            "idle_timeout_secs = 2\nidle_prompt_secs = \"soon\"\ndefault_language = \"fr\"\n\
             qr_url_template = \"https://x.example/\"\nlanguages = [\"en\", \"xx\"]\ncolour = 3\n\
             server_url = \"ftp://x\"\n[arrival]\nearly_minutes = -5\nlate = 1\n",
            &[],
        );
        assert_eq!(c, Config::default());
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        for key in [
            "idle_timeout_secs",
            "idle_prompt_secs",
            "default_language",
            "qr_url_template",
            "languages",
            "colour",
            "server_url",
            "arrival.early_minutes",
            "arrival.late",
        ] {
            assert!(keys.contains(&key), "no problem reported for {key}: {problems:?}");
        }
        let text = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
        assert!(text.contains("key `idle_timeout_secs`: 2 is out of range (10 to 3600)"), "{text}");
    }

    #[test]
    fn a_file_that_is_not_toml_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, "practice_name = \"unclosed\n").unwrap();
        let err = load(Some(&path), Vec::new()).unwrap_err();
        assert!(err.to_string().contains("kiosk.toml"), "{err}");
        let missing = load(Some(&dir.path().join("nope.toml")), Vec::new()).unwrap_err();
        assert!(missing.to_string().contains("nope.toml"));
    }
}
