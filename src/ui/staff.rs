//! Staff mode on the kiosk: the hidden corner gesture, the PIN pad, and the staff pages
//! (Today, Sync, Settings, Insights, Audit, board preview). Events arrive here from
//! `controller::bind_callbacks`; `show_staff` maps the state to `StaffAdapter`. Rules live
//! in `app::staff` and `config`.

use std::time::Duration;

use chrono::NaiveDateTime;
use slint::{ComponentHandle, Timer, TimerMode};

use crate::app::{ArrivalStatus, Clock, PinCheck, ServiceConfig};
use crate::config::{
    display_value, parse_entry, staff_settings, Config, ConfigLayers, SettingKind,
};
use crate::sync::Nudger;
use crate::ui::board::show_board;
use crate::ui::controller::{model, with, Controller, UiSettings};
use crate::ui::i18n::{format_time, tr, tr_with};
use crate::{
    ArrivalItem, ArrivalState, AuditRow, Bar, FailedRow, HelpItem, KeyRow, Kiosk, MainWindow,
    SettingRow, StaffAdapter, StaffTab, Tile,
};

/// Staff mode closes itself after this long without a touch.
pub const STAFF_IDLE: Duration = Duration::from_secs(120);
/// How often the open staff pages re-read the store (arrivals' minutes, sync counts).
const STAFF_REFRESH: Duration = Duration::from_secs(2);
const PIN_MAX_DIGITS: usize = 8;
/// The shift key of the settings keyboard.
const SHIFT: &str = "⇧";

/// What staff mode needs beyond the patient screens: the configuration layers (to apply a
/// saved setting at once), the configuration in force, and the sync worker's remote.
pub struct StaffSetup {
    pub layers: ConfigLayers,
    pub config: Config,
    pub sync: Option<Nudger>,
}

impl StaffSetup {
    /// Settings saved by staff go on top of `config` (tests, pictures); the kiosk itself
    /// passes the layers it read from the file and the environment.
    pub fn over(config: Config) -> StaffSetup {
        StaffSetup {
            layers: ConfigLayers::over(config.clone()),
            config,
            sync: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PinPurpose {
    Enter,
    /// Choosing a PIN: on first entry (`opening`) or from Settings.
    Choose {
        opening: bool,
    },
    Repeat {
        opening: bool,
        first: String,
    },
}

/// The PIN pad while it is open. Digits are never logged.
pub struct PinEntry {
    /// The language on screen when the corner was pressed: staff mode speaks it.
    language: String,
    digits: String,
    purpose: PinPurpose,
    message: Option<String>,
    locked: bool,
}

struct Editing {
    key: String,
    kind: SettingKind,
    value: String,
    error: Option<String>,
    shift: bool,
}

/// Staff mode while it is open.
pub struct StaffMode {
    language: String,
    tab: StaffTab,
    editing: Option<Editing>,
    /// A failed item whose "Set aside" was tapped once: the second tap confirms.
    confirm_set_aside: Option<String>,
    notice: Option<String>,
    /// Re-reads the store while staff mode is open; dropped (stopped) when it closes.
    _refresh_timer: Timer,
}

impl<C: Clock + 'static> Controller<C> {
    pub fn staff_open(&self) -> bool {
        self.staff.is_some()
    }

    pub fn service(&self) -> &crate::app::CheckInService<C> {
        &self.service
    }

    /// The service behind the screens (tools and tests stage data through it).
    pub fn service_mut(&mut self) -> &mut crate::app::CheckInService<C> {
        &mut self.service
    }

    /// The configuration layers and sync remote of the running kiosk (see `StaffSetup`).
    pub fn set_staff_setup(&mut self, setup: StaffSetup) {
        self.staff_setup = setup;
    }

    /// The corner was held for 3 seconds: the PIN pad (or the first-run PIN choice).
    pub fn staff_gesture(&mut self) {
        if self.pin.is_some() || self.staff.is_some() {
            return;
        }
        let purpose = match self.service.staff_pin_is_set() {
            Ok(true) => PinPurpose::Enter,
            Ok(false) => PinPurpose::Choose { opening: true },
            Err(e) => {
                tracing::error!(error = %e, "staff PIN state unreadable");
                return;
            }
        };
        let mut entry = PinEntry {
            language: self.session().language.clone(),
            digits: String::new(),
            purpose,
            message: None,
            locked: false,
        };
        match self.service.staff_locked_until() {
            Ok(Some(until)) => self.lock_message(&mut entry, until),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "staff lock state unreadable"),
        }
        self.pin = Some(entry);
    }

    fn lock_message(&self, entry: &mut PinEntry, until: NaiveDateTime) {
        let lang = entry.language.clone();
        entry.locked = true;
        entry.digits.clear();
        entry.message = Some(tr_with(
            &lang,
            "staff.pin.locked",
            &[("time", format_time(&lang, until.time()))],
        ));
    }

    /// Staff mode speaks the language that was on screen when it was opened.
    fn staff_lang(&self) -> String {
        self.staff
            .as_ref()
            .map(|s| s.language.clone())
            .or_else(|| self.pin.as_ref().map(|p| p.language.clone()))
            .unwrap_or_else(|| self.settings.default_language.clone())
    }

    pub fn pin_digit(&mut self, digit: &str) {
        if let Some(entry) = self.pin.as_mut() {
            if !entry.locked && entry.digits.len() < PIN_MAX_DIGITS {
                entry
                    .digits
                    .extend(digit.chars().filter(char::is_ascii_digit).take(1));
            }
        }
    }

    pub fn pin_backspace(&mut self) {
        if let Some(entry) = self.pin.as_mut() {
            entry.digits.pop();
        }
    }

    pub fn pin_cancel(&mut self) {
        self.pin = None;
    }

    pub fn pin_ok(&mut self) {
        let Some(mut entry) = self.pin.take() else {
            return;
        };
        let lang = entry.language.clone();
        let digits = std::mem::take(&mut entry.digits);
        entry.message = None;
        match entry.purpose.clone() {
            PinPurpose::Enter => match self.service.check_staff_pin(&digits) {
                Ok(PinCheck::Open) => return self.open_staff(lang),
                Ok(PinCheck::Wrong { attempts_left }) => {
                    entry.message = Some(tr_with(
                        &lang,
                        "staff.pin.wrong",
                        &[("count", attempts_left.to_string())],
                    ));
                }
                Ok(PinCheck::Locked { until }) => self.lock_message(&mut entry, until),
                Ok(PinCheck::NotSet) => entry.purpose = PinPurpose::Choose { opening: true },
                Err(e) => {
                    tracing::error!(error = %e, "staff PIN could not be checked");
                    entry.message = Some(tr(&lang, "error.store"));
                }
            },
            PinPurpose::Choose { opening } => {
                if crate::app::pin_acceptable(&digits) {
                    entry.purpose = PinPurpose::Repeat {
                        opening,
                        first: digits,
                    };
                } else {
                    entry.message = Some(tr(&lang, "staff.pin.format"));
                }
            }
            PinPurpose::Repeat { opening, first } => {
                if first != digits {
                    entry.purpose = PinPurpose::Choose { opening };
                    entry.message = Some(tr(&lang, "staff.pin.mismatch"));
                } else if let Err(e) = self.service.set_staff_pin(&digits) {
                    tracing::error!(error = %e, "staff PIN could not be saved");
                    entry.message = Some(tr(&lang, e.message_key()));
                } else if opening {
                    if let Err(e) = self
                        .service
                        .audit("audit.staff.entered", "first PIN chosen")
                    {
                        tracing::error!(error = %e, "staff entry not audited");
                    }
                    return self.open_staff(lang);
                } else {
                    self.staff_notice(tr(&lang, "staff.pin.changed"));
                    return;
                }
            }
        }
        self.pin = Some(entry);
    }

    /// A correct PIN: whatever a patient left on screen is wiped first.
    fn open_staff(&mut self, language: String) {
        self.pin = None;
        self.start_over();
        // The wiped screen behind staff mode keeps the language staff are reading.
        self.choose_language(&language);
        let weak = self.me.clone();
        let refresh_timer = Timer::default();
        refresh_timer.start(TimerMode::Repeated, STAFF_REFRESH, move || {
            with(&weak, Controller::show);
        });
        self.staff = Some(StaffMode {
            language,
            tab: StaffTab::Today,
            editing: None,
            confirm_set_aside: None,
            notice: None,
            _refresh_timer: refresh_timer,
        });
        tracing::info!("staff mode opened");
        self.touched();
    }

    /// "Back to kiosk", or two minutes without a touch.
    pub fn leave_staff(&mut self, why: &str) {
        if self.staff.take().is_none() {
            return;
        }
        if let Err(e) = self.service.audit("audit.staff.left", why) {
            tracing::error!(error = %e, "staff exit not audited");
        }
        tracing::info!(why, "staff mode closed");
        self.start_over();
        self.touched();
    }

    fn staff_notice(&mut self, text: String) {
        if let Some(staff) = self.staff.as_mut() {
            staff.notice = Some(text);
        }
    }

    fn report(&mut self, what: &str, result: Result<String, crate::app::AppError>) {
        match result {
            Ok(text) => self.staff_notice(text),
            Err(e) => {
                tracing::error!(error = %e, action = what, "staff action failed");
                let text = tr(&self.staff_lang(), "error.store");
                self.staff_notice(text);
            }
        }
    }

    pub fn staff_select_tab(&mut self, tab: StaffTab) {
        if let Some(staff) = self.staff.as_mut() {
            staff.tab = tab;
            staff.editing = None;
            staff.confirm_set_aside = None;
            staff.notice = None;
        }
    }

    pub fn staff_call(&mut self, check_in_id: &str) {
        let lang = self.staff_lang();
        let result = self
            .service
            .call_patient(check_in_id)
            .map(|_| tr(&lang, "staff.today.called_notice"));
        self.report("call", result);
    }

    pub fn staff_seen(&mut self, check_in_id: &str) {
        let lang = self.staff_lang();
        let result = self
            .service
            .mark_patient_seen(check_in_id)
            .map(|_| tr(&lang, "staff.today.seen_notice"));
        self.report("seen", result);
    }

    pub fn staff_call_next(&mut self) {
        let lang = self.staff_lang();
        let result = self.service.call_next().map(|ticket| match ticket {
            Some(t) => tr_with(&lang, "staff.today.called_ticket", &[("ticket", t)]),
            None => tr(&lang, "staff.today.nobody_waiting"),
        });
        self.report("call next", result);
    }

    pub fn staff_resolve_help(&mut self, id: i32) {
        let lang = self.staff_lang();
        let result = self
            .service
            .resolve_help_request(i64::from(id))
            .map(|_| tr(&lang, "staff.today.help_resolved"));
        self.report("resolve help", result);
    }

    pub fn staff_sync_now(&mut self) {
        let lang = self.staff_lang();
        let text = match &self.staff_setup.sync {
            Some(sync) => {
                sync.nudge();
                tr(&lang, "staff.sync.started")
            }
            None => tr(&lang, "staff.sync.no_server"),
        };
        let result = self.service.audit("audit.sync.now", "").map(|()| text);
        self.report("sync now", result);
    }

    pub fn staff_refresh_schedule(&mut self) {
        let lang = self.staff_lang();
        let result = match &self.staff_setup.sync {
            Some(sync) => {
                sync.refresh_roster();
                Ok(tr(&lang, "staff.sync.refreshing"))
            }
            // The demo practice is laid out again around now.
            None => self.service.seed_demo().map(|n| {
                tr_with(
                    &lang,
                    "staff.sync.demo_refreshed",
                    &[("count", n.to_string())],
                )
            }),
        };
        let result = result.and_then(|text| {
            self.service.audit("audit.sync.refresh_schedule", "")?;
            Ok(text)
        });
        self.report("refresh", result);
    }

    pub fn staff_retry(&mut self, outbox_id: &str) {
        let lang = self.staff_lang();
        let result = self
            .service
            .retry_failed(outbox_id)
            .map(|_| tr(&lang, "staff.sync.retried"));
        self.report("retry", result);
    }

    /// First tap asks for confirmation; the second sets the item aside (kept, not sent).
    pub fn staff_set_aside(&mut self, outbox_id: &str) {
        let Some(staff) = self.staff.as_mut() else {
            return;
        };
        if staff.confirm_set_aside.as_deref() != Some(outbox_id) {
            staff.confirm_set_aside = Some(outbox_id.to_owned());
            return;
        }
        staff.confirm_set_aside = None;
        let lang = self.staff_lang();
        let result = self
            .service
            .set_aside_failed(outbox_id)
            .map(|_| tr(&lang, "staff.sync.set_aside_done"));
        self.report("set aside", result);
    }

    // ----- settings ----------------------------------------------------------------------

    pub fn staff_edit(&mut self, index: i32) {
        let settings = staff_settings(&self.staff_setup.config);
        let Some(setting) = usize::try_from(index).ok().and_then(|i| settings.get(i)) else {
            return;
        };
        let value = match setting.kind {
            SettingKind::Secret => String::new(),
            _ => display_value(&self.staff_setup.config, &setting.key),
        };
        if let Some(staff) = self.staff.as_mut() {
            staff.notice = None;
            staff.editing = Some(Editing {
                key: setting.key.clone(),
                kind: setting.kind,
                value,
                error: None,
                shift: false,
            });
        }
    }

    pub fn staff_edit_key(&mut self, key: &str) {
        if let Some(edit) = self.staff.as_mut().and_then(|s| s.editing.as_mut()) {
            edit.error = None;
            if key == SHIFT {
                edit.shift = !edit.shift;
            } else if edit.value.chars().count() < 200 {
                edit.value.push_str(key);
            }
        }
    }

    pub fn staff_edit_backspace(&mut self) {
        if let Some(edit) = self.staff.as_mut().and_then(|s| s.editing.as_mut()) {
            edit.error = None;
            edit.value.pop();
        }
    }

    pub fn staff_edit_cancel(&mut self) {
        if let Some(staff) = self.staff.as_mut() {
            staff.editing = None;
        }
    }

    /// Validated as the file would be; refused with the message next to the field, or saved
    /// in the store, audited and applied at once.
    pub fn staff_edit_save(&mut self) {
        let Some(edit) = self.staff.as_mut().and_then(|s| s.editing.as_mut()) else {
            return;
        };
        let (key, kind) = (edit.key.clone(), edit.kind);
        let stored = match parse_entry(kind, &edit.value) {
            Ok(stored) => stored,
            Err(message) => {
                edit.error = Some(message);
                return;
            }
        };
        let saved = match self.service.saved_settings() {
            Ok(saved) => saved,
            Err(e) => return self.report("save setting", Err(e)),
        };
        let config = match self.staff_setup.layers.check(&saved, &key, &stored) {
            Ok(config) => config,
            Err(message) => {
                if let Some(edit) = self.staff.as_mut().and_then(|s| s.editing.as_mut()) {
                    edit.error = Some(message);
                }
                return;
            }
        };
        let before = display_value(&self.staff_setup.config, &key);
        let after = display_value(&config, &key);
        let result =
            self.service
                .save_setting(&key, &stored, &before, &after, kind == SettingKind::Secret);
        if result.is_ok() {
            self.apply_config(config);
            if let Some(staff) = self.staff.as_mut() {
                staff.editing = None;
            }
        }
        let lang = self.staff_lang();
        let label = setting_label(&lang, &key);
        self.report(
            "save setting",
            result.map(|()| tr_with(&lang, "staff.settings.saved", &[("setting", label)])),
        );
    }

    /// Back to the file's (or environment's, or built-in) value.
    pub fn staff_edit_reset(&mut self) {
        let Some(key) = self
            .staff
            .as_ref()
            .and_then(|s| s.editing.as_ref())
            .map(|e| e.key.clone())
        else {
            return;
        };
        let result = self
            .service
            .reset_setting(&key)
            .and_then(|()| self.service.saved_settings());
        match result {
            Ok(saved) => {
                let (config, problems) = self.staff_setup.layers.resolve(&saved);
                for p in &problems {
                    tracing::warn!(%p, "configuration problem after a reset");
                }
                self.apply_config(config);
                if let Some(staff) = self.staff.as_mut() {
                    staff.editing = None;
                }
                let lang = self.staff_lang();
                let label = setting_label(&lang, &key);
                self.staff_notice(tr_with(
                    &lang,
                    "staff.settings.was_reset",
                    &[("setting", label)],
                ));
            }
            Err(e) => self.report("reset setting", Err(e)),
        }
    }

    /// A new configuration, in force from the next tap: screens, rules, forms, timeouts.
    fn apply_config(&mut self, config: Config) {
        // The speech engine is not a staff setting: it stays as the kiosk started.
        let speech = self.settings.speech.clone();
        self.settings = UiSettings {
            speech,
            ..UiSettings::from(&config)
        };
        self.service.set_config(ServiceConfig::from(&config));
        self.staff_setup.config = config;
        tracing::info!("settings applied");
    }

    pub fn staff_change_pin(&mut self) {
        self.pin = Some(PinEntry {
            language: self.staff_lang(),
            digits: String::new(),
            purpose: PinPurpose::Choose { opening: false },
            message: None,
            locked: false,
        });
    }

    /// Runs the same server checks as `doctor` on a thread; the lines appear when done.
    pub fn staff_test_connection(&mut self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let lang = self.staff_lang();
        window
            .global::<StaffAdapter>()
            .set_connection_lines(model(vec![tr(&lang, "staff.settings.testing").into()]));
        let config = self.staff_setup.config.clone();
        let weak = window.as_weak();
        if let Err(e) = self.service.audit("audit.settings.test_connection", "") {
            tracing::error!(error = %e, "test not audited");
        }
        let spawned = std::thread::Builder::new()
            .name("test-connection".into())
            .spawn(move || {
                let lines: Vec<String> = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt
                        .block_on(crate::doctor::check_server(&config))
                        .iter()
                        .map(|f| f.to_string().replace("\n     ", " "))
                        .collect(),
                    Err(e) => vec![format!("FAIL: {e}")],
                };
                let _closed = weak.upgrade_in_event_loop(move |w| {
                    w.global::<StaffAdapter>()
                        .set_connection_lines(model(lines.into_iter().map(Into::into).collect()));
                });
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "connection test not started");
        }
    }

    // ----- mapping to the screen -----------------------------------------------------

    pub(super) fn show_staff(&self, window: &MainWindow) {
        let lang = self.staff_lang();
        let adapter = window.global::<StaffAdapter>();
        match &self.pin {
            Some(entry) => {
                adapter.set_pin_visible(true);
                adapter.set_pin_title(
                    tr(
                        &lang,
                        match entry.purpose {
                            PinPurpose::Enter => "staff.pin.title",
                            PinPurpose::Choose { .. } => "staff.pin.choose",
                            PinPurpose::Repeat { .. } => "staff.pin.repeat",
                        },
                    )
                    .into(),
                );
                adapter.set_pin_length(i32::try_from(entry.digits.len()).unwrap_or(0));
                adapter.set_pin_message(entry.message.clone().unwrap_or_default().into());
                adapter.set_pin_locked(entry.locked);
            }
            None => {
                adapter.set_pin_visible(false);
                adapter.set_pin_length(0);
            }
        }
        let Some(staff) = &self.staff else {
            return;
        };
        let now = self.service.clock().now();
        adapter.set_tab(staff.tab);
        adapter.set_subtitle(
            tr_with(
                &lang,
                "staff.subtitle",
                &[
                    ("time", format_time(&lang, now.time())),
                    ("minutes", (STAFF_IDLE.as_secs() / 60).to_string()),
                ],
            )
            .into(),
        );
        adapter.set_notice(staff.notice.clone().unwrap_or_default().into());
        // Counts in the tab labels are always current.
        self.show_today(window, &lang, now);
        self.show_sync(window, &lang, staff);
        match staff.tab {
            StaffTab::Settings => self.show_settings(window, &lang, staff),
            StaffTab::Insights => self.show_insights(window, &lang),
            StaffTab::Audit => self.show_audit(window, &lang),
            StaffTab::Board => {
                show_board(window, &self.service, &self.settings.practice_name, &lang)
            }
            StaffTab::Today | StaffTab::Sync => {}
        }
    }

    fn show_today(&self, window: &MainWindow, lang: &str, now: NaiveDateTime) {
        let adapter = window.global::<StaffAdapter>();
        let arrivals = self.service.today_arrivals().unwrap_or_else(|e| {
            tracing::error!(error = %e, "arrivals unreadable");
            Vec::new()
        });
        let count = |s: fn(&ArrivalStatus) -> bool| {
            arrivals.iter().filter(|a| s(&a.status)).count().to_string()
        };
        adapter.set_today_summary(
            tr_with(
                lang,
                "staff.today.summary",
                &[
                    ("arrivals", arrivals.len().to_string()),
                    ("waiting", count(|s| *s == ArrivalStatus::Waiting)),
                    ("desk", count(|s| matches!(s, ArrivalStatus::NeedsDesk(_)))),
                ],
            )
            .into(),
        );
        adapter.set_arrivals(model(
            arrivals
                .iter()
                .map(|a| {
                    let (state, status) = match a.status {
                        ArrivalStatus::Waiting => {
                            (ArrivalState::Waiting, tr(lang, "staff.status.waiting"))
                        }
                        ArrivalStatus::Called => {
                            (ArrivalState::Called, tr(lang, "staff.status.called"))
                        }
                        ArrivalStatus::Seen => (ArrivalState::Seen, tr(lang, "staff.status.seen")),
                        ArrivalStatus::NeedsDesk(reason) => (
                            ArrivalState::Desk,
                            tr_with(
                                lang,
                                "staff.status.desk",
                                &[(
                                    "reason",
                                    tr(lang, &format!("staff.desk_reason.{}", reason.as_str())),
                                )],
                            ),
                        ),
                    };
                    let waited = tr_with(
                        lang,
                        "staff.today.minutes",
                        &[("minutes", a.minutes_waiting.to_string())],
                    );
                    let waiting = match (a.status, a.estimate) {
                        (ArrivalStatus::Seen, _) => String::new(),
                        (_, Some(w)) => tr_with(
                            lang,
                            "staff.today.waiting_estimate",
                            &[
                                ("waited", waited),
                                ("min", w.min_minutes.to_string()),
                                ("max", w.max_minutes.to_string()),
                            ],
                        ),
                        (_, None) => waited,
                    };
                    ArrivalItem {
                        id: a.check_in_id.as_str().into(),
                        ticket: a.ticket.as_str().into(),
                        name: a.name.as_str().into(),
                        time: a
                            .appointment_time
                            .map(|t| format_time(lang, t.time()))
                            .unwrap_or_else(|| tr(lang, "staff.today.walk_in"))
                            .into(),
                        clinician: a.clinician.clone().unwrap_or_default().into(),
                        state,
                        status: status.into(),
                        waiting: waiting.into(),
                    }
                })
                .collect(),
        ));
        let help = self.service.help_requests().unwrap_or_else(|e| {
            tracing::error!(error = %e, "help requests unreadable");
            Vec::new()
        });
        adapter.set_help(model(
            help.iter()
                .map(|h| HelpItem {
                    id: i32::try_from(h.id).unwrap_or(i32::MAX),
                    time: tr_with(
                        lang,
                        "staff.today.help_age",
                        &[
                            ("time", format_time(lang, h.created_at.time())),
                            (
                                "minutes",
                                (now - h.created_at).num_minutes().max(0).to_string(),
                            ),
                        ],
                    )
                    .into(),
                    screen: tr(lang, &format!("staff.screen.{}", h.screen)).into(),
                })
                .collect(),
        ));
    }

    fn show_sync(&self, window: &MainWindow, lang: &str, staff: &StaffMode) {
        let adapter = window.global::<StaffAdapter>();
        let counts = self.service.store().outbox_counts().unwrap_or_default();
        let set_aside = self.service.store().set_aside_count().unwrap_or(0);
        let last = self.service.store().last_acknowledged().ok().flatten();
        let state = window.global::<Kiosk>().get_sync_state();
        let server = match state.as_str() {
            "online" => tr(lang, "staff.sync.online"),
            "offline" => tr(lang, "staff.sync.offline"),
            _ => tr(lang, "staff.sync.demo"),
        };
        let tile = |label: &str, value: String, alert: bool| Tile {
            label: tr(lang, label).into(),
            value: value.into(),
            alert,
        };
        adapter.set_sync_tiles(model(vec![
            tile("staff.sync.server", server, state.as_str() == "offline"),
            tile("staff.sync.pending", counts.pending.to_string(), false),
            tile("staff.sync.sent", counts.sent.to_string(), false),
            tile(
                "staff.sync.failed",
                counts.failed.saturating_sub(set_aside).to_string(),
                counts.failed > set_aside,
            ),
            tile(
                "staff.sync.last_success",
                last.map(|t| format_time(lang, t.time()))
                    .unwrap_or_else(|| "–".into()),
                false,
            ),
        ]));
        adapter.set_sync_line(
            if set_aside > 0 {
                tr_with(
                    lang,
                    "staff.sync.set_aside_count",
                    &[("count", set_aside.to_string())],
                )
            } else {
                String::new()
            }
            .into(),
        );
        let failed = self.service.failed_items().unwrap_or_else(|e| {
            tracing::error!(error = %e, "failed items unreadable");
            Vec::new()
        });
        adapter.set_failed(model(
            failed
                .iter()
                .map(|f| FailedRow {
                    id: f.outbox_id.as_str().into(),
                    ticket: f.ticket.as_str().into(),
                    time: format_time(lang, f.created_at.time()).into(),
                    reason: tr_with(lang, "staff.sync.reason", &[("reason", f.reason.clone())])
                        .into(),
                    confirming: staff.confirm_set_aside.as_deref() == Some(f.outbox_id.as_str()),
                })
                .collect(),
        ));
    }

    fn show_settings(&self, window: &MainWindow, lang: &str, staff: &StaffMode) {
        let adapter = window.global::<StaffAdapter>();
        let config = &self.staff_setup.config;
        let saved = self.service.saved_settings().unwrap_or_default();
        let settings = staff_settings(config);
        adapter.set_settings(model(
            settings
                .iter()
                .map(|s| SettingRow {
                    label: setting_label(lang, &s.key).into(),
                    value: display_value(config, &s.key).into(),
                    layer: tr(
                        lang,
                        self.staff_setup.layers.layer_of(&s.key, &saved).label_key(),
                    )
                    .into(),
                })
                .collect(),
        ));
        let Some(edit) = &staff.editing else {
            adapter.set_editing(-1);
            return;
        };
        let index = settings.iter().position(|s| s.key == edit.key).unwrap_or(0);
        adapter.set_editing(i32::try_from(index).unwrap_or(0));
        adapter.set_edit_label(setting_label(lang, &edit.key).into());
        adapter.set_edit_value(
            if edit.kind == SettingKind::Secret {
                "•".repeat(edit.value.chars().count())
            } else {
                edit.value.clone()
            }
            .into(),
        );
        // The detail is the configuration's own message (English for now; see README).
        adapter.set_edit_error(
            edit.error
                .as_ref()
                .map(|reason| {
                    tr_with(
                        lang,
                        "staff.settings.refused",
                        &[("reason", reason.clone())],
                    )
                })
                .unwrap_or_default()
                .into(),
        );
        let hint = match edit.kind {
            _ if edit.key.starts_with("server") => tr(lang, "staff.settings.hint_restart"),
            SettingKind::List => tr(lang, "staff.settings.hint_list"),
            SettingKind::Switch => tr(lang, "staff.settings.hint_switch"),
            _ => String::new(),
        };
        adapter.set_edit_hint(hint.into());
        adapter.set_edit_can_reset(saved.iter().any(|(k, _)| *k == edit.key));
        adapter.set_edit_rows(model(settings_keyboard(edit.kind, edit.shift)));
    }

    fn show_insights(&self, window: &MainWindow, lang: &str) {
        let adapter = window.global::<StaffAdapter>();
        let insights = match self.service.insights() {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "insights unreadable");
                return;
            }
        };
        let minutes = |m: Option<u32>| {
            m.map(|m| tr_with(lang, "staff.today.minutes", &[("minutes", m.to_string())]))
                .unwrap_or_else(|| "–".into())
        };
        let tile = |label: &str, value: String| Tile {
            label: tr(lang, label).into(),
            value: value.into(),
            alert: false,
        };
        let completion = insights.completion_seconds.median.map(|s| {
            tr_with(
                lang,
                "staff.insights.seconds",
                &[
                    ("minutes", (s / 60).to_string()),
                    ("seconds", format!("{:02}", s % 60)),
                ],
            )
        });
        adapter.set_insight_tiles(model(vec![
            tile(
                "staff.insights.median_today",
                minutes(insights.wait_today.median),
            ),
            tile("staff.insights.p90_today", minutes(insights.wait_today.p90)),
            tile(
                "staff.insights.median_30",
                minutes(insights.wait_30_days.median),
            ),
            tile("staff.insights.p90_30", minutes(insights.wait_30_days.p90)),
            tile(
                "staff.insights.completion",
                completion.unwrap_or_else(|| "–".into()),
            ),
            tile(
                "staff.insights.sessions",
                format!(
                    "{} / {} / {}",
                    insights.sessions_checked_in,
                    insights.sessions_desk,
                    insights.sessions_abandoned
                ),
            ),
        ]));
        let hourly = |values: &[u32], unit_key: &str| -> (Vec<Bar>, i32) {
            let bars: Vec<Bar> = values
                .iter()
                .zip(insights.first_hour..)
                .map(|(v, hour)| {
                    let label = format!("{hour:02}");
                    Bar {
                        spoken: tr_with(
                            lang,
                            unit_key,
                            &[("hour", label.clone()), ("count", v.to_string())],
                        )
                        .into(),
                        label: label.into(),
                        value: i32::try_from(*v).unwrap_or(i32::MAX),
                    }
                })
                .collect();
            let max = bars.iter().map(|b| b.value).max().unwrap_or(1).max(1);
            (bars, max)
        };
        let (bars, max) = hourly(&insights.check_ins_per_hour, "staff.insights.bar_check_ins");
        adapter.set_per_hour(model(bars));
        adapter.set_per_hour_max(max);
        let (bars, max) = hourly(&insights.help_per_hour, "staff.insights.bar_help");
        adapter.set_help_per_hour(model(bars));
        adapter.set_help_per_hour_max(max);
        let daily: Vec<Bar> = insights
            .daily_median_wait
            .iter()
            .map(|(day, m)| Bar {
                label: day.format("%d/%m").to_string().into(),
                value: m.map_or(0, |m| i32::try_from(m).unwrap_or(i32::MAX)),
                spoken: tr_with(
                    lang,
                    "staff.insights.bar_wait",
                    &[
                        ("day", day.format("%d/%m").to_string()),
                        ("wait", minutes(*m)),
                    ],
                )
                .into(),
            })
            .collect();
        adapter.set_daily_wait_max(daily.iter().map(|b| b.value).max().unwrap_or(1).max(1));
        adapter.set_daily_wait(model(daily));
        let abandoned: Vec<Bar> = insights
            .abandoned_at
            .iter()
            .take(6)
            .map(|(step, n)| {
                let screen = tr(lang, &format!("staff.screen.{step}"));
                Bar {
                    spoken: format!("{screen}: {n}").into(),
                    label: screen.into(),
                    value: i32::try_from(*n).unwrap_or(i32::MAX),
                }
            })
            .collect();
        adapter.set_abandoned_max(abandoned.iter().map(|b| b.value).max().unwrap_or(1).max(1));
        adapter.set_abandoned(model(abandoned));
    }

    fn show_audit(&self, window: &MainWindow, lang: &str) {
        let entries = self.service.audit_log(200).unwrap_or_else(|e| {
            tracing::error!(error = %e, "audit log unreadable");
            Vec::new()
        });
        window.global::<StaffAdapter>().set_audit(model(
            entries
                .iter()
                .map(|e| AuditRow {
                    time: format!(
                        "{} {}",
                        e.at.format("%d/%m"),
                        format_time(lang, e.at.time())
                    )
                    .into(),
                    action: tr(lang, &e.action).into(),
                    detail: e.detail.as_str().into(),
                })
                .collect(),
        ));
    }
}

/// A setting's name on the Settings page.
pub fn setting_label(lang: &str, key: &str) -> String {
    match key.strip_prefix("forms.appointment_types.") {
        Some(kind) => tr_with(lang, "setting.forms_for_type", &[("type", kind.to_owned())]),
        None => tr(lang, &format!("setting.{key}")),
    }
}

/// Digits for numbers; for text also letters and what URLs, lists and names need, with
/// shift for capitals.
fn settings_keyboard(kind: SettingKind, shift: bool) -> Vec<KeyRow> {
    let rows: &[&str] = match kind {
        SettingKind::Number => &["1 2 3 4 5 6 7 8 9 0"],
        SettingKind::Switch => &["o n f"],
        _ => &[
            "1 2 3 4 5 6 7 8 9 0",
            "q w e r t y u i o p",
            "a s d f g h j k l ñ",
            "⇧ z x c v b n m ' -",
            ". , : / _ { } @ & ?",
        ],
    };
    rows.iter()
        .map(|row| KeyRow {
            keys: model(
                row.split(' ')
                    .map(|k| {
                        if shift && k != SHIFT {
                            k.to_uppercase().into()
                        } else {
                            k.into()
                        }
                    })
                    .collect(),
            ),
        })
        .collect()
}
