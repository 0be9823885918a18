//! Layered configuration: built-in defaults < TOML file < environment (CHECKIN_KIOSK_*) <
//! settings staff saved on the kiosk (`staff`). Parsed raw, then validated once. A bad key or value never stops the kiosk: that key keeps
//! its default and a `ConfigProblem` names it, for the log and for staff.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use crate::domain::{ArrivalWindow, WaitParams};

mod staff;
pub use staff::{
    display_value, kind_of, parse_entry, staff_settings, Layer, SettingKind, StaffSetting,
};

pub const DEFAULT_CONFIG_PATH: &str = "/etc/checkin-kiosk/kiosk.toml";
/// Languages with a complete catalogue in locales/ (the same list as
/// `ui::i18n::LANGUAGES`, which a test there checks).
pub const SUPPORTED_LANGUAGES: &[&str] = &["en", "es", "fr", "zh", "vi", "ar", "tl", "ru"];
const ENV_PREFIX: &str = "CHECKIN_KIOSK_";

const TOP_KEYS: &[&str] = &[
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
    "forms",
    "server",
    "database",
    "lobby_board",
    "staff_pin_hash",
];
const DATABASE_KEYS: &[&str] = &["key_file", "retention_hours"];
const SERVER_KEYS: &[&str] = &[
    "token",
    "token_file",
    "ca_file",
    "connect_timeout_secs",
    "request_timeout_secs",
    "pull_interval_secs",
    "push_interval_secs",
    "batch_size",
    "max_backoff_secs",
    "appointment_code_system",
];
const FORMS_KEYS: &[&str] = &["dir", "walk_in", "appointment_types"];
const ARRIVAL_KEYS: &[&str] = &["early_minutes", "late_minutes", "desk_only_types"];
const WAIT_KEYS: &[&str] = &["minutes_per_patient"];

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
    pub forms: FormsConfig,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    /// Whether the lobby board shows tickets (off: it shows only the practice's name).
    pub lobby_board: bool,
    /// The staff PIN as an argon2 hash (`checkin-kiosk hash-pin`); without it staff choose
    /// a PIN on first entry. A PIN changed on the kiosk wins.
    pub staff_pin_hash: Option<String>,
}

/// `[database]`: encryption at rest and how long patient data stays after sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// The SQLCipher key file (a systemd credential or a root-only file, never in the
    /// data directory). None: the database is not encrypted (demo and development).
    pub key_file: Option<PathBuf>,
    /// Hours patient data stays on disk after the server acknowledged the check-in.
    pub retention_hours: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            key_file: None,
            retention_hours: 24,
        }
    }
}

/// Which intake forms a patient fills in before the check-in is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormsConfig {
    /// A directory of FHIR Questionnaire JSON files; None uses the forms built into the
    /// kiosk (assets/forms).
    pub dir: Option<PathBuf>,
    /// Forms for walk-ins, by file name without `.json` or by canonical URL.
    pub walk_in: Vec<String>,
    /// Forms per appointment type; a type not listed has none.
    pub appointment_types: BTreeMap<String, Vec<String>>,
}

impl Default for FormsConfig {
    fn default() -> Self {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        FormsConfig {
            dir: None,
            walk_in: names(&["general-intake"]),
            appointment_types: BTreeMap::from([
                (
                    "visit".to_owned(),
                    names(&["general-intake", "privacy-acknowledgement"]),
                ),
                ("follow-up".to_owned(), names(&["phq2-screening"])),
            ]),
        }
    }
}

/// How the kiosk talks to the practice server (`[server]`; the address is `server_url`).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Bearer token sent with every request (or read from `token_file`).
    pub token: Option<String>,
    /// A file holding the token (e.g. a systemd credential); read at start.
    pub token_file: Option<PathBuf>,
    /// PEM file with the practice's own CA, trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout_secs: u32,
    pub request_timeout_secs: u32,
    pub pull_interval_secs: u32,
    pub push_interval_secs: u32,
    pub batch_size: u32,
    pub max_backoff_secs: u32,
    /// Identifier system of the code printed on appointment reminders.
    pub appointment_code_system: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            token: None,
            token_file: None,
            ca_file: None,
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            pull_interval_secs: 120,
            push_interval_secs: 30,
            batch_size: 20,
            max_backoff_secs: 300,
            appointment_code_system: "urn:checkin-kiosk:appointment-code".into(),
        }
    }
}

impl FormsConfig {
    /// No forms at all: check-in straight after confirmation.
    pub fn none() -> Self {
        FormsConfig {
            dir: None,
            walk_in: Vec::new(),
            appointment_types: BTreeMap::new(),
        }
    }
}

// The token is a credential: never printed.
impl fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSettings")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("token_file", &self.token_file)
            .field("ca_file", &self.ca_file)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("pull_interval_secs", &self.pull_interval_secs)
            .field("push_interval_secs", &self.push_interval_secs)
            .field("batch_size", &self.batch_size)
            .field("max_backoff_secs", &self.max_backoff_secs)
            .field("appointment_code_system", &self.appointment_code_system)
            .finish()
    }
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
            data_dir: default_data_dir(|k| std::env::var(k).ok()),
            languages: SUPPORTED_LANGUAGES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
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
            forms: FormsConfig::default(),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            lobby_board: true,
            staff_pin_hash: None,
        }
    }
}

/// systemd's StateDirectory, else the XDG state dir, else the user's state dir, else the
/// packaged location. `get` looks a variable up (a parameter so `load` and tests stay pure).
fn default_data_dir(get: impl Fn(&str) -> Option<String>) -> PathBuf {
    let var = |k: &str| get(k).filter(|v| !v.is_empty());
    // systemd passes several directories separated by ':' when a unit asks for several.
    if let Some(dir) = var("STATE_DIRECTORY").and_then(|v| {
        v.split(':')
            .next()
            .filter(|first| !first.is_empty())
            .map(PathBuf::from)
    }) {
        return dir;
    }
    if let Some(dir) = var("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("checkin-kiosk");
    }
    if let Some(home) = var("HOME") {
        return PathBuf::from(home).join(".local/state/checkin-kiosk");
    }
    PathBuf::from("/var/lib/checkin-kiosk")
}

/// One key that could not be used, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Dotted for nested keys, e.g. `arrival.early_minutes`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key `{}`: {}", self.key, self.message)
    }
}

/// The file named on the command line (or the /etc default) cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid TOML (line {line}): {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Loads the configuration: defaults < the TOML file at `path` (which must then exist and
/// parse) < `CHECKIN_KIOSK_*` variables in `env` (usually `std::env::vars()`). Bad keys and
/// values do not fail the load: they keep their defaults and come back as problems.
pub fn load(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(Config, Vec<ConfigProblem>), ConfigError> {
    Ok(ConfigLayers::read(path, env)?.resolve(&[]))
}

/// The file and environment layers as read at start, kept so that settings staff save on
/// the kiosk can be laid over them again at any time (no restart).
#[derive(Clone, Debug)]
pub struct ConfigLayers {
    file: toml::Table,
    env: toml::Table,
    defaults: Config,
}

impl ConfigLayers {
    pub fn read(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ConfigLayers, ConfigError> {
        let env: Vec<(String, String)> = env.into_iter().collect();
        let mut file = toml::Table::new();
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            file = text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError::Syntax {
                    path: path.to_owned(),
                    line: line_of(&text, e.span().map_or(0, |span| span.start)),
                    message: e.message().trim().replace('\n', " "),
                })?;
        }
        // Sorted so that the result never depends on the order of the environment.
        let mut overrides: Vec<(&str, &str)> = env
            .iter()
            .filter_map(|(name, value)| Some((name.strip_prefix(ENV_PREFIX)?, value.as_str())))
            .collect();
        overrides.sort_unstable();
        let mut env_table = toml::Table::new();
        for (key, value) in overrides {
            let path: Vec<String> = key.split("__").map(str::to_lowercase).collect();
            insert(&mut env_table, &path, env_value(value));
        }
        let defaults = Config {
            data_dir: default_data_dir(|k| {
                env.iter()
                    .find(|(name, _)| name == k)
                    .map(|(_, v)| v.clone())
            }),
            ..Config::default()
        };
        Ok(ConfigLayers {
            file,
            env: env_table,
            defaults,
        })
    }

    /// A value given on the command line: it sits with the environment layer, so a staff
    /// setting still wins where staff may change it.
    pub fn set_override(&mut self, key: &str, value: &str) {
        insert(
            &mut self.env,
            &dotted(key),
            toml::Value::String(value.to_owned()),
        );
    }

    /// No file or environment: staff settings go straight over `base` (tests, pictures).
    pub fn over(base: Config) -> ConfigLayers {
        ConfigLayers {
            file: toml::Table::new(),
            env: toml::Table::new(),
            defaults: base,
        }
    }

    /// The configuration with `staff` settings (dotted key, TOML value text, as the store
    /// keeps them) on top. A staff value that no longer parses is a problem like any other.
    pub fn resolve(&self, staff: &[(String, String)]) -> (Config, Vec<ConfigProblem>) {
        let mut raw = self.file.clone();
        merge(&mut raw, &self.env);
        let mut problems = Vec::new();
        for (key, text) in staff {
            match staff::parse_stored(text) {
                Some(value) => insert(&mut raw, &dotted(key), value),
                None => problems.push(ConfigProblem {
                    key: key.clone(),
                    message: "the value saved in staff mode is unreadable; ignored".into(),
                }),
            }
        }
        let (config, mut found) = validate(&raw, self.defaults.clone());
        problems.append(&mut found);
        (config, problems)
    }

    /// Which layer a key's value comes from when `staff` are the saved settings.
    pub fn layer_of(&self, key: &str, staff: &[(String, String)]) -> Layer {
        let path = dotted(key);
        if staff.iter().any(|(k, _)| k == key) {
            Layer::Staff
        } else if lookup(&self.env, &path).is_some() {
            Layer::Environment
        } else if lookup(&self.file, &path).is_some() {
            Layer::File
        } else {
            Layer::Default
        }
    }
}

fn dotted(key: &str) -> Vec<String> {
    key.split('.').map(str::to_owned).collect()
}

fn lookup<'t>(table: &'t toml::Table, path: &[String]) -> Option<&'t toml::Value> {
    match path {
        [] => None,
        [last] => table.get(last),
        [first, rest @ ..] => lookup(table.get(first)?.as_table()?, rest),
    }
}

/// Lays `over` onto `base`, table by table.
fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// 1-based line of a byte offset, for error messages.
fn line_of(text: &str, offset: usize) -> usize {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// An environment value as TOML when it parses as a TOML value (numbers, arrays, booleans,
/// quoted strings), else as the plain string.
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
struct Reader {
    problems: Vec<ConfigProblem>,
}

impl Reader {
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
                self.problem(key, format!("must be text, not a {}", other.type_str()));
                None
            }
        }
    }

    fn integer(
        &mut self,
        t: &toml::Table,
        name: &str,
        key: &str,
        range: RangeInclusive<i64>,
    ) -> Option<i64> {
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
                self.problem(
                    key,
                    format!("must be a whole number, not a {}", other.type_str()),
                );
                None
            }
        }
    }

    fn seconds(&mut self, t: &toml::Table, name: &str, range: RangeInclusive<i64>) -> Option<u32> {
        self.integer(t, name, name, range)
            .and_then(|n| u32::try_from(n).ok())
    }

    fn strings(&mut self, t: &toml::Table, name: &str, key: &str) -> Option<Vec<String>> {
        let items = match t.get(name)? {
            toml::Value::Array(items) => items,
            _ => {
                self.problem(key, "must be a list of texts, e.g. [\"a\", \"b\"]");
                return None;
            }
        };
        let out: Option<Vec<String>> = items
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_owned()))
            .collect();
        if out.is_none() {
            self.problem(key, "must be a list of texts, e.g. [\"a\", \"b\"]");
        }
        out
    }

    fn table<'t>(&mut self, raw: &'t toml::Table, name: &str) -> Option<&'t toml::Table> {
        match raw.get(name)? {
            toml::Value::Table(t) => Some(t),
            _ => {
                self.problem(name, format!("must be a table ([{name}])"));
                None
            }
        }
    }

    fn unknown_keys(&mut self, t: &toml::Table, known: &[&str], prefix: &str) {
        for name in t.keys().filter(|k| !known.contains(&k.as_str())) {
            self.problem(&format!("{prefix}{name}"), "is not a known setting");
        }
    }
}

fn is_http_url(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    ["https://", "http://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    })
}

fn validate(raw: &toml::Table, defaults: Config) -> (Config, Vec<ConfigProblem>) {
    let mut c = defaults;
    let mut r = Reader {
        problems: Vec::new(),
    };
    r.unknown_keys(raw, TOP_KEYS, "");

    if let Some(v) = r.string(raw, "kiosk_id", "kiosk_id") {
        if v.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
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
        let unsupported: Vec<&str> = langs
            .iter()
            .map(String::as_str)
            .filter(|l| !SUPPORTED_LANGUAGES.contains(l))
            .collect();
        if langs.is_empty() {
            r.problem("languages", "must list at least one language");
        } else if !unsupported.is_empty() {
            r.problem(
                "languages",
                format!(
                    "{} not available; choose from {}",
                    unsupported.join(", "),
                    SUPPORTED_LANGUAGES.join(", ")
                ),
            );
        } else {
            c.languages = langs;
        }
    }
    if let Some(v) = r.string(raw, "default_language", "default_language") {
        if c.languages.contains(&v) {
            c.default_language = v;
        } else {
            r.problem(
                "default_language",
                format!(
                    "`{v}` is not one of the languages offered ({})",
                    c.languages.join(", ")
                ),
            );
        }
    }
    // Valid languages without English keep a default that is actually offered.
    if !c.languages.contains(&c.default_language) {
        if let Some(first) = c.languages.first() {
            c.default_language = first.clone();
        }
    }
    if let Some(n) = r.seconds(raw, "idle_timeout_secs", 10..=3600) {
        c.idle_timeout_secs = n;
    }
    if let Some(n) = r.seconds(raw, "idle_prompt_secs", 5..=120) {
        c.idle_prompt_secs = n;
    }
    if let Some(n) = r.seconds(raw, "done_reset_secs", 5..=300) {
        c.done_reset_secs = n;
    }
    if let Some(v) = r.string(raw, "qr_url_template", "qr_url_template") {
        if !v.contains("{token}") {
            r.problem(
                "qr_url_template",
                "must contain {token}, where the kiosk puts each check-in's opaque token",
            );
        } else if !is_http_url(&v) {
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
        if is_http_url(&v) {
            c.server_url = Some(v);
        } else {
            r.problem("server_url", "must start with https:// or http://");
        }
    }
    if let Some(t) = r.table(raw, "arrival") {
        r.unknown_keys(t, ARRIVAL_KEYS, "arrival.");
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
    if let Some(t) = r.table(raw, "forms") {
        r.unknown_keys(t, FORMS_KEYS, "forms.");
        if let Some(v) = r.string(t, "dir", "forms.dir") {
            c.forms.dir = Some(PathBuf::from(v));
        }
        if let Some(v) = r.strings(t, "walk_in", "forms.walk_in") {
            c.forms.walk_in = v;
        }
        match t.get("appointment_types") {
            None => {}
            Some(toml::Value::Table(types)) => {
                let mut map = BTreeMap::new();
                for name in types.keys() {
                    let key = format!("forms.appointment_types.{name}");
                    if let Some(v) = r.strings(types, name, &key) {
                        map.insert(name.clone(), v);
                    }
                }
                c.forms.appointment_types = map;
            }
            Some(_) => r.problem(
                "forms.appointment_types",
                "must be a table ([forms.appointment_types]) of type = [\"form\", ...]",
            ),
        }
    }
    if let Some(t) = r.table(raw, "server") {
        r.unknown_keys(t, SERVER_KEYS, "server.");
        let sv = &mut c.server;
        if let Some(v) = r.string(t, "token", "server.token") {
            if v.chars().all(|ch| ch.is_ascii_graphic()) {
                sv.token = Some(v);
            } else {
                r.problem(
                    "server.token",
                    "may contain only printable ASCII, no spaces",
                );
            }
        }
        if let Some(v) = r.string(t, "token_file", "server.token_file") {
            sv.token_file = Some(PathBuf::from(v));
        }
        if let Some(v) = r.string(t, "ca_file", "server.ca_file") {
            sv.ca_file = Some(PathBuf::from(v));
        }
        for (name, range, slot) in [
            (
                "connect_timeout_secs",
                1..=120,
                &mut sv.connect_timeout_secs,
            ),
            (
                "request_timeout_secs",
                1..=600,
                &mut sv.request_timeout_secs,
            ),
            ("pull_interval_secs", 10..=3600, &mut sv.pull_interval_secs),
            ("push_interval_secs", 1..=3600, &mut sv.push_interval_secs),
            ("batch_size", 1..=500, &mut sv.batch_size),
            ("max_backoff_secs", 1..=3600, &mut sv.max_backoff_secs),
        ] {
            if let Some(n) = r
                .integer(t, name, &format!("server.{name}"), range)
                .and_then(|n| u32::try_from(n).ok())
            {
                *slot = n;
            }
        }
        if let Some(v) = r.string(
            t,
            "appointment_code_system",
            "server.appointment_code_system",
        ) {
            sv.appointment_code_system = v;
        }
    }
    if let Some(t) = r.table(raw, "database") {
        r.unknown_keys(t, DATABASE_KEYS, "database.");
        if let Some(v) = r.string(t, "key_file", "database.key_file") {
            c.database.key_file = Some(PathBuf::from(v));
        }
        if let Some(n) = r
            .integer(
                t,
                "retention_hours",
                "database.retention_hours",
                0..=24 * 90,
            )
            .and_then(|n| u32::try_from(n).ok())
        {
            c.database.retention_hours = n;
        }
    }
    // The key beside the database would protect nothing.
    if let Some(key) = &c.database.key_file {
        if key.starts_with(&c.data_dir) {
            r.problem(
                "database.key_file",
                "must not be inside data_dir: a stolen disk would carry the key with the data",
            );
            c.database.key_file = None;
        }
    }
    if let Some(t) = r.table(raw, "wait") {
        r.unknown_keys(t, WAIT_KEYS, "wait.");
        if let Some(n) = r
            .integer(
                t,
                "minutes_per_patient",
                "wait.minutes_per_patient",
                1..=240,
            )
            .and_then(|n| u32::try_from(n).ok())
        {
            c.wait.minutes_per_patient = n;
        }
    }
    match raw.get("lobby_board") {
        None => {}
        Some(toml::Value::Boolean(b)) => c.lobby_board = *b,
        Some(_) => r.problem("lobby_board", "must be true or false"),
    }
    if let Some(v) = r.string(raw, "staff_pin_hash", "staff_pin_hash") {
        if v.starts_with("$argon2") {
            c.staff_pin_hash = Some(v);
        } else {
            r.problem(
                "staff_pin_hash",
                "must be an argon2 hash made by `checkin-kiosk hash-pin`, never the PIN itself",
            );
        }
    }
    (c, r.problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment of a test: only what it names (never the real process env).
    fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn load_str(text: &str, vars: &[(&str, &str)]) -> (Config, Vec<ConfigProblem>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, text).unwrap();
        load(Some(&path), env(vars)).unwrap()
    }

    fn keys(problems: &[ConfigProblem]) -> Vec<&str> {
        problems.iter().map(|p| p.key.as_str()).collect()
    }

    /// A config whose only problem is `key`; the value keeps its default.
    fn only_problem(text: &str, key: &str) -> Config {
        let (c, problems) = load_str(text, &[("HOME", "/home/k")]);
        assert_eq!(keys(&problems), [key], "{problems:?}");
        let (defaults, _) = load(None, env(&[("HOME", "/home/k")])).unwrap();
        assert_eq!(c, defaults, "a bad value keeps the default");
        c
    }

    #[test]
    fn defaults_without_a_file() {
        let (c, problems) = load(None, env(&[("HOME", "/home/k")])).unwrap();
        assert!(problems.is_empty());
        assert!(c.demo_mode());
        assert_eq!(c.practice_name, "Riverside Family Clinic");
        assert_eq!(c.kiosk_id, "kiosk-1");
        assert_eq!(c.languages, SUPPORTED_LANGUAGES);
        assert_eq!(c.default_language, "en");
        assert_eq!(
            (c.idle_timeout_secs, c.idle_prompt_secs, c.done_reset_secs),
            (60, 15, 15)
        );
        assert_eq!(
            c.walk_in_reasons,
            ["sick", "injury", "prescription", "test_results", "other"]
        );
        assert_eq!(c.qr_url_template, None);
        assert_eq!(c.arrival, ArrivalWindow::default());
        assert_eq!(c.wait.minutes_per_patient, 12);
    }

    #[test]
    fn data_dir_follows_systemd_then_xdg_then_home() {
        let dir = |vars: &[(&str, &str)]| load(None, env(vars)).unwrap().0.data_dir;
        let all = [
            ("STATE_DIRECTORY", "/var/lib/checkin-kiosk:/var/lib/other"),
            ("XDG_STATE_HOME", "/x/state"),
            ("HOME", "/home/k"),
        ];
        assert_eq!(dir(&all), PathBuf::from("/var/lib/checkin-kiosk"));
        assert_eq!(dir(&all[1..]), PathBuf::from("/x/state/checkin-kiosk"));
        assert_eq!(
            dir(&all[2..]),
            PathBuf::from("/home/k/.local/state/checkin-kiosk")
        );
        assert_eq!(
            dir(&[("HOME", "")]),
            PathBuf::from("/var/lib/checkin-kiosk")
        );
        // The file wins over the default.
        let (c, _) = load_str("data_dir = \"/srv/kiosk\"", &all);
        assert_eq!(c.data_dir, PathBuf::from("/srv/kiosk"));
    }

    #[test]
    fn the_shipped_example_file_documents_every_key() {
        let text = include_str!("../../packaging/kiosk.toml");
        let sections: [(&str, &[&str]); 6] = [
            ("", TOP_KEYS),
            ("[arrival]", ARRIVAL_KEYS),
            ("[wait]", WAIT_KEYS),
            ("[forms]", FORMS_KEYS),
            ("[server]", SERVER_KEYS),
            ("[database]", DATABASE_KEYS),
        ];
        for (section, keys) in sections {
            let body = match section {
                "" => text.split("\n[").next().unwrap_or_default(),
                s => text.split(s).nth(1).unwrap_or_default(),
            };
            for key in keys {
                let set = format!("\n{key} =");
                let commented = format!("\n# {key} =");
                let prefix = section.trim_matches(['[', ']']);
                let table = match prefix {
                    "" => format!("\n[{key}]"),
                    p => format!("\n[{p}.{key}]"),
                };
                assert!(
                    body.contains(&set) || body.contains(&commented) || text.contains(&table),
                    "{section} {key} is not in packaging/kiosk.toml"
                );
            }
        }
    }

    #[test]
    fn the_shipped_example_file_loads_cleanly() {
        let text = include_str!("../../packaging/kiosk.toml");
        let (c, problems) = load_str(text, &[]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.kiosk_id, "lobby-1");
        assert_eq!(c.arrival.desk_only_types, ["procedure"]);
    }

    #[test]
    fn file_values_and_environment_layer_in_order() {
        let (c, problems) = load_str(
            "practice_name = \"Hill Clinic\"\nidle_timeout_secs = 90\nidle_prompt_secs = 20\n\
             [arrival]\nearly_minutes = 30\n[wait]\nminutes_per_patient = 8\n",
            &[
                ("CHECKIN_KIOSK_IDLE_TIMEOUT_SECS", "120"),
                ("CHECKIN_KIOSK_ARRIVAL__LATE_MINUTES", "5"),
                (
                    "CHECKIN_KIOSK_ARRIVAL__DESK_ONLY_TYPES",
                    "[\"procedure\", \"x-ray\"]",
                ),
                ("CHECKIN_KIOSK_QR_URL_TEMPLATE", "https://q.example/{token}"),
                ("CHECKIN_KIOSK_PRACTICE_NAME", "Hill Clinic East"),
                ("CHECKIN_KIOSK_LANGUAGES", "[\"es\"]"),
                ("CHECKIN_KIOSK_SERVER_URL", "\"https://fhir.example/r4\""),
                ("UNRELATED", "x"),
            ],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.practice_name, "Hill Clinic East", "a plain string value");
        assert_eq!(c.idle_timeout_secs, 120, "environment wins over the file");
        assert_eq!(c.idle_prompt_secs, 20, "the file wins over the defaults");
        assert_eq!(c.arrival.early_minutes, 30);
        assert_eq!(c.arrival.late_minutes, 5);
        assert_eq!(c.arrival.desk_only_types, ["procedure", "x-ray"]);
        assert_eq!(c.wait.minutes_per_patient, 8);
        assert_eq!(c.languages, ["es"]);
        assert_eq!(
            c.default_language, "es",
            "the default follows the offered languages"
        );
        assert_eq!(
            c.qr_url_template.as_deref(),
            Some("https://q.example/{token}")
        );
        assert_eq!(c.server_url.as_deref(), Some("https://fhir.example/r4"));
        assert!(!c.demo_mode());
    }

    #[test]
    fn unknown_keys_are_named_with_their_table() {
        only_problem("colour = 3", "colour");
        only_problem("[arrival]\nlate = 1", "arrival.late");
        only_problem("[wait]\nspeed = 1", "wait.speed");
        let (_, problems) = load(None, env(&[("CHECKIN_KIOSK_COLOUR", "red")])).unwrap();
        assert_eq!(keys(&problems), ["colour"]);
    }

    #[test]
    fn wrong_types_keep_defaults() {
        only_problem("idle_prompt_secs = \"soon\"", "idle_prompt_secs");
        only_problem("practice_name = 3", "practice_name");
        only_problem("practice_name = \"  \"", "practice_name");
        only_problem("languages = \"en\"", "languages");
        only_problem("languages = [\"en\", 3]", "languages");
        only_problem("arrival = 5", "arrival");
        only_problem("[arrival]\nearly_minutes = 1.5", "arrival.early_minutes");
        only_problem(
            "[arrival]\ndesk_only_types = \"procedure\"",
            "arrival.desk_only_types",
        );
        only_problem("walk_in_reasons = [\"Sick Note\"]", "walk_in_reasons");
        only_problem("walk_in_reasons = []", "walk_in_reasons");
        only_problem("kiosk_id = \"lobby 1\"", "kiosk_id");
    }

    #[test]
    fn out_of_range_numbers_keep_defaults() {
        for (text, key) in [
            ("idle_timeout_secs = 9", "idle_timeout_secs"),
            ("idle_timeout_secs = 3601", "idle_timeout_secs"),
            ("idle_prompt_secs = 4", "idle_prompt_secs"),
            ("idle_prompt_secs = 121", "idle_prompt_secs"),
            ("done_reset_secs = 0", "done_reset_secs"),
            ("[arrival]\nearly_minutes = -5", "arrival.early_minutes"),
            (
                "[wait]\nminutes_per_patient = 0",
                "wait.minutes_per_patient",
            ),
        ] {
            only_problem(text, key);
        }
        let (c, problems) = load_str("idle_timeout_secs = 10\nidle_prompt_secs = 120", &[]);
        assert!(problems.is_empty(), "edges are allowed");
        assert_eq!((c.idle_timeout_secs, c.idle_prompt_secs), (10, 120));
        let (_, problems) = load_str("idle_timeout_secs = 2", &[]);
        assert_eq!(
            problems[0].to_string(),
            "key `idle_timeout_secs`: 2 is out of range (10 to 3600)"
        );
    }

    #[test]
    fn languages_must_be_supported_and_include_the_default() {
        only_problem("languages = [\"en\", \"xx\"]", "languages");
        only_problem("languages = []", "languages");
        only_problem("default_language = \"xx\"", "default_language");
        let (c, problems) = load_str("languages = [\"en\"]\ndefault_language = \"es\"", &[]);
        assert_eq!(keys(&problems), ["default_language"]);
        assert_eq!(
            (c.languages, c.default_language),
            (vec!["en".to_owned()], "en".into())
        );
        let (_, problems) = load_str("languages = [\"en\", \"xx\"]", &[]);
        assert!(problems[0].message.contains("xx"), "{problems:?}");
    }

    #[test]
    fn urls_are_checked() {
        only_problem(
            "qr_url_template = \"https://x.example/\"",
            "qr_url_template",
        );
        only_problem("qr_url_template = \"x.example/{token}\"", "qr_url_template");
        only_problem("server_url = \"ftp://x\"", "server_url");
        only_problem("server_url = \"https://\"", "server_url");
        let (c, problems) = load_str(
            "server_url = \"HTTP://fhir.local:8080/r4\"\nqr_url_template = \"http://q/{token}\"",
            &[],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(c.server_url.is_some() && c.qr_url_template.is_some());
    }

    #[test]
    fn forms_are_assigned_per_appointment_type_and_for_walk_ins() {
        let (c, problems) = load_str(
            "[forms]\ndir = \"/etc/checkin-kiosk/forms\"\nwalk_in = []\n\
             [forms.appointment_types]\nvisit = [\"general-intake\"]\n\"new-patient\" = [\"a\", \"b\"]",
            &[],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.forms.dir, Some(PathBuf::from("/etc/checkin-kiosk/forms")));
        assert!(c.forms.walk_in.is_empty());
        assert_eq!(c.forms.appointment_types.len(), 2);
        assert_eq!(c.forms.appointment_types["new-patient"], ["a", "b"]);
        only_problem("[forms]\nappointment_types = 3", "forms.appointment_types");
        only_problem("[forms]\nwalk_in = \"general-intake\"", "forms.walk_in");
        only_problem("[forms]\nlanguage = \"en\"", "forms.language");
        let (c, problems) = load_str(
            "[forms.appointment_types]\nvisit = [1]\nfollow-up = [\"x\"]",
            &[],
        );
        assert_eq!(keys(&problems), ["forms.appointment_types.visit"]);
        assert_eq!(c.forms.appointment_types.len(), 1, "the good type kept");
    }

    #[test]
    fn server_settings_are_read_checked_and_never_printed() {
        let (c, problems) = load_str(
            "server_url = \"https://fhir.example/r4\"\n[server]\ntoken = \"abc.def-123\"\n\
             ca_file = \"/etc/checkin-kiosk/ca.pem\"\nbatch_size = 50\npull_interval_secs = 60\n",
            &[("CHECKIN_KIOSK_SERVER__REQUEST_TIMEOUT_SECS", "12")],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.server.token.as_deref(), Some("abc.def-123"));
        assert_eq!(
            c.server.ca_file,
            Some(PathBuf::from("/etc/checkin-kiosk/ca.pem"))
        );
        assert_eq!(
            (
                c.server.batch_size,
                c.server.pull_interval_secs,
                c.server.request_timeout_secs
            ),
            (50, 60, 12)
        );
        assert!(
            !format!("{c:?}").contains("abc.def"),
            "the token is redacted"
        );
        only_problem("[server]\nbatch_size = 0", "server.batch_size");
        only_problem(
            "[server]\nmax_backoff_secs = \"soon\"",
            "server.max_backoff_secs",
        );
        only_problem("[server]\ntoken = \"two words\"", "server.token");
        only_problem("[server]\nproxy = \"x\"", "server.proxy");
        only_problem("server = 3", "server");
    }

    #[test]
    fn the_database_key_file_and_retention_are_read_and_the_key_kept_apart() {
        let (c, problems) = load_str(
            "data_dir = \"/var/lib/k\"\n[database]\nkey_file = \"/run/credentials/k/db-key\"\n\
             retention_hours = 48",
            &[],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            c.database.key_file,
            Some(PathBuf::from("/run/credentials/k/db-key"))
        );
        assert_eq!(c.database.retention_hours, 48);
        let (c, problems) = load_str(
            "data_dir = \"/var/lib/k\"\n[database]\nkey_file = \"/var/lib/k/key\"",
            &[],
        );
        assert_eq!(keys(&problems), ["database.key_file"]);
        assert_eq!(c.database.key_file, None);
        only_problem(
            "[database]\nretention_hours = -1",
            "database.retention_hours",
        );
    }

    #[test]
    fn several_problems_are_all_reported() {
        let (c, problems) = load_str(
            "idle_timeout_secs = 2\ncolour = 3\nserver_url = \"ftp://x\"\n\
             practice_name = \"Hill Clinic\"\n[arrival]\nearly_minutes = -5\nlate_minutes = 20\n",
            &[],
        );
        assert_eq!(
            keys(&problems),
            [
                "colour",
                "idle_timeout_secs",
                "server_url",
                "arrival.early_minutes"
            ]
        );
        assert_eq!(c.practice_name, "Hill Clinic", "good keys still apply");
        assert_eq!(c.arrival.late_minutes, 20);
        assert_eq!(c.arrival.early_minutes, 60);
    }

    #[test]
    fn a_file_that_is_not_toml_is_an_error_naming_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, "practice_name = \"ok\"\n\nidle_timeout_secs = = 3\n").unwrap();
        let err = load(Some(&path), Vec::new()).unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: 3, .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("kiosk.toml") && text.contains("line 3"),
            "{text}"
        );

        let missing = load(Some(&dir.path().join("nope.toml")), Vec::new()).unwrap_err();
        assert!(matches!(missing, ConfigError::Read { .. }));
        assert!(missing.to_string().contains("nope.toml"), "{missing}");
    }

    #[test]
    fn line_of_counts_newlines_safely() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
