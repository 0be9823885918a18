//! The Rust side of the patient screens: every tap and key arrives here as an event, the
//! session changes, the app service is called, and the whole state is mapped to the Slint
//! globals in one place (`show`). Rules live in `domain`/`app`, not here and not in .slint.
//!
//! Store calls run on the UI thread on purpose: a look-up is an indexed query and a check-in
//! one fsync'd transaction (budget p99 < 5 ms, measured in issue 7), and the patient must not
//! see "done" before it is durable. Network work (sync) belongs to a worker thread.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model, ModelRc, SharedString, Timer, TimerMode, VecModel};

use crate::app::{AnsweredForm, AppError, CheckInService, Clock, ConfirmOutcome, Identification};
use crate::domain::{normalize_phone, parse_birth_date, DeskReason, WalkIn};
use crate::speech::{Speech, SpeechSettings, Utterance};
use crate::store::FlowOutcome;
use crate::ui::form_run::{Advance, FormRun};
use crate::ui::form_view::show_form;
use crate::ui::i18n::{self, date_order, tr, tr_count, tr_with};
use crate::ui::keyboards;
use crate::ui::qr::qr_image;
use crate::ui::session::{push_name_char, push_phone_char, DateInput, Path, Session, Step};
use crate::ui::spoken;
use crate::ui::staff::{PinEntry, StaffMode, StaffSetup, STAFF_IDLE};
use crate::{
    ChooseAdapter, ConfirmAdapter, DateEntryAdapter, DateSegment, DeskAdapter, DoneAdapter,
    FormAdapter, KeyRow, Kiosk, LanguageOption, MainWindow, Nav, Page, ReasonAdapter, StaffAdapter,
    TextEntryAdapter, Theme, Tr, WelcomeAdapter,
};

/// What the patient screens need from the configuration.
#[derive(Clone, Debug)]
pub struct UiSettings {
    pub practice_name: String,
    pub languages: Vec<String>,
    pub default_language: String,
    pub idle_timeout: Duration,
    pub idle_prompt: Duration,
    pub done_reset: Duration,
    pub walk_in_reasons: Vec<String>,
    /// Read aloud's engine and where its sound goes.
    pub speech: SpeechSettings,
}

impl From<&crate::config::Config> for UiSettings {
    fn from(c: &crate::config::Config) -> Self {
        UiSettings {
            practice_name: c.practice_name.clone(),
            languages: c.languages.clone(),
            default_language: c.default_language.clone(),
            idle_timeout: Duration::from_secs(u64::from(c.idle_timeout_secs)),
            idle_prompt: Duration::from_secs(u64::from(c.idle_prompt_secs)),
            done_reset: Duration::from_secs(u64::from(c.done_reset_secs)),
            walk_in_reasons: c.walk_in_reasons.clone(),
            speech: SpeechSettings::default(),
        }
    }
}

/// A physical key as Slint reports it.
const KEY_ENTER: char = '\n';
const KEY_RETURN: char = '\r';
const KEY_BACKSPACE: char = '\u{8}';
const KEY_DELETE: char = '\u{7f}';
const KEY_ESCAPE: char = '\u{1b}';

pub struct Controller<C: Clock + 'static> {
    pub(super) window: slint::Weak<MainWindow>,
    pub(super) service: CheckInService<C>,
    pub(super) settings: UiSettings,
    session: Session,
    /// Today's typical wait for the welcome screen, refreshed when a session starts (not on
    /// every tap); the last good value stays if the store cannot answer.
    typical_wait_minutes: u32,
    idle_timer: Timer,
    tick_timer: Timer,
    /// A translation key for a line staff must see on the welcome screen.
    staff_alert: Option<&'static str>,
    /// Housekeeping while the kiosk runs: the retention purge.
    maintenance_timer: Timer,
    /// The staff PIN pad while it is open, and staff mode while it is open.
    pub(super) pin: Option<PinEntry>,
    pub(super) staff: Option<StaffMode>,
    pub(super) staff_setup: StaffSetup,
    pub(super) me: Weak<RefCell<Controller<C>>>,
    /// Read aloud: the engine, and what was last said for the screen and its answers (so
    /// each is said once).
    speech: Speech,
    spoken_screen: String,
    spoken_choice: String,
    /// The control that last got the keyboard focus: its label and where it is.
    focused: (String, (f32, f32)),
}

/// How often patient data past retention is looked for.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Wires the window's callbacks to a new controller and shows the welcome screen.
pub fn connect<C: Clock + 'static>(
    window: &MainWindow,
    service: CheckInService<C>,
    settings: UiSettings,
) -> Rc<RefCell<Controller<C>>> {
    window
        .global::<Tr>()
        .on_lookup(|lang, key| i18n::tr(&lang, &key).into());
    let typical_wait_minutes = service.config().wait.minutes_per_patient;
    // A broken form file: patients get the other forms, staff are told.
    let staff_alert = (!service.forms().problems().is_empty()).then_some("staff.form_problem");
    let speech = Speech::start(settings.speech.clone()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "Read aloud is not available");
        Speech::silent()
    });
    let controller = Rc::new_cyclic(|me| {
        RefCell::new(Controller {
            window: window.as_weak(),
            service,
            typical_wait_minutes,
            session: Session::new(&settings.default_language),
            settings,
            idle_timer: Timer::default(),
            tick_timer: Timer::default(),
            maintenance_timer: Timer::default(),
            staff_alert,
            pin: None,
            staff: None,
            staff_setup: StaffSetup::over(crate::config::Config::default()),
            me: me.clone(),
            speech,
            spoken_screen: String::new(),
            spoken_choice: String::new(),
            focused: (String::new(), (0.0, 0.0)),
        })
    });
    bind_callbacks(window, &controller);
    {
        let mut c = controller.borrow_mut();
        c.maintenance();
        let weak = Rc::downgrade(&controller);
        c.maintenance_timer
            .start(TimerMode::Repeated, MAINTENANCE_EVERY, move || {
                with(&weak, Controller::maintenance);
            });
    }
    controller.borrow_mut().start_over();
    controller.borrow_mut().show();
    controller
}

/// Every callback borrows the controller, applies one event and redraws the state.
fn bind_callbacks<C: Clock + 'static>(
    window: &MainWindow,
    controller: &Rc<RefCell<Controller<C>>>,
) {
    macro_rules! on {
        ($global:ty, $setter:ident, |$c:ident $(, $arg:ident)*| $body:expr) => {{
            let weak = Rc::downgrade(controller);
            window.global::<$global>().$setter(move |$($arg),*| {
                if let Some(rc) = weak.upgrade() {
                    if let Ok(mut $c) = rc.try_borrow_mut() {
                        $c.touched();
                        $body;
                        $c.show();
                    }
                }
            });
        }};
    }
    on!(WelcomeAdapter, on_check_in, |c| c.go_to(Step::Choose));
    on!(ChooseAdapter, on_appointment, |c| c
        .start_path(Path::Appointment));
    on!(ChooseAdapter, on_walk_in, |c| c.start_path(Path::WalkIn));
    on!(ReasonAdapter, on_choose, |c, reason| c
        .choose_reason(&reason));
    on!(TextEntryAdapter, on_key, |c, text| c.type_text(&text));
    on!(TextEntryAdapter, on_backspace, |c| c.backspace());
    on!(TextEntryAdapter, on_next, |c| c.next());
    on!(TextEntryAdapter, on_skip, |c| c.skip_phone());
    on!(DateEntryAdapter, on_digit, |c, digit| c.type_text(&digit));
    on!(DateEntryAdapter, on_backspace, |c| c.backspace());
    on!(DateEntryAdapter, on_select, |c, index| c
        .select_date_field(index));
    on!(DateEntryAdapter, on_next, |c| c.next());
    on!(ConfirmAdapter, on_yes, |c| c.confirm());
    on!(ConfirmAdapter, on_no, |c| c.show_desk(DeskReason::NotFound));
    on!(FormAdapter, on_choose, |c, link, index| c
        .form_choose(&link, index));
    on!(FormAdapter, on_edit, |c, link| c.form_edit(&link));
    on!(FormAdapter, on_key, |c, text| c.type_text(&text));
    on!(FormAdapter, on_backspace, |c| c.backspace());
    on!(FormAdapter, on_select_date_field, |c, index| c
        .select_date_field(index));
    on!(FormAdapter, on_done_editing, |c| c.form_done_editing());
    on!(FormAdapter, on_next, |c| c.form_next());
    on!(FormAdapter, on_change, |c, form, link| c
        .form_change(form, &link));
    on!(FormAdapter, on_submit, |c| c.submit_forms());
    on!(FormAdapter, on_sign_start, |c, link, x, y, w, h| c
        .form_sign_start(&link, x, y, w, h));
    on!(FormAdapter, on_sign_move, |c, x, y| c.form_sign_move(x, y));
    on!(FormAdapter, on_sign_end, |c| c.form_sign_end());
    on!(FormAdapter, on_sign_clear, |c, link| c
        .form_sign_clear(&link));
    on!(DeskAdapter, on_ok, |c| c.start_over());
    on!(DoneAdapter, on_finish, |c| c.start_over());
    on!(Nav, on_start_over, |c| c.start_over());
    on!(Nav, on_back, |c| c.back());
    on!(Nav, on_help, |c| c.request_help());
    on!(Nav, on_dismiss_help, |c| c.session.help_visible = false);
    // Tapping "I'm still here" is itself the touch that hides the prompt.
    on!(Nav, on_still_here, |c| c.touched());
    on!(Nav, on_toggle_contrast, |c| c.toggle_high_contrast());
    on!(Nav, on_toggle_read_aloud, |c| c.toggle_read_aloud());
    on!(Nav, on_toggle_seated, |c| c.toggle_seated());
    on!(Nav, on_open_options, |c| c.open_options());
    on!(Nav, on_close_options, |c| c.close_options());
    on!(Nav, on_focused, |c, label, x, y| c
        .focus_moved(&label, (x, y)));
    on!(Nav, on_toggle_large_text, |c| c.toggle_large_text());
    on!(Nav, on_open_languages, |c| c.open_language_picker());
    on!(Nav, on_close_languages, |c| c
        .session
        .language_picker_visible =
        false);
    on!(Nav, on_choose_language, |c, code| c.choose_language(&code));
    on!(StaffAdapter, on_gesture, |c| c.staff_gesture());
    on!(StaffAdapter, on_pin_digit, |c, d| c.pin_digit(&d));
    on!(StaffAdapter, on_pin_backspace, |c| c.pin_backspace());
    on!(StaffAdapter, on_pin_ok, |c| c.pin_ok());
    on!(StaffAdapter, on_pin_cancel, |c| c.pin_cancel());
    on!(StaffAdapter, on_select_tab, |c, tab| c
        .staff_select_tab(tab));
    on!(StaffAdapter, on_leave, |c| c.leave_staff("button"));
    on!(StaffAdapter, on_call_next, |c| c.staff_call_next());
    on!(StaffAdapter, on_call, |c, id| c.staff_call(&id));
    on!(StaffAdapter, on_seen, |c, id| c.staff_seen(&id));
    on!(StaffAdapter, on_resolve_help, |c, id| c
        .staff_resolve_help(id));
    on!(StaffAdapter, on_sync_now, |c| c.staff_sync_now());
    on!(StaffAdapter, on_refresh_schedule, |c| c
        .staff_refresh_schedule());
    on!(StaffAdapter, on_retry, |c, id| c.staff_retry(&id));
    on!(StaffAdapter, on_set_aside, |c, id| c.staff_set_aside(&id));
    on!(StaffAdapter, on_edit, |c, index| c.staff_edit(index));
    on!(StaffAdapter, on_edit_key, |c, key| c.staff_edit_key(&key));
    on!(StaffAdapter, on_edit_backspace, |c| c
        .staff_edit_backspace());
    on!(StaffAdapter, on_edit_save, |c| c.staff_edit_save());
    on!(StaffAdapter, on_edit_cancel, |c| c.staff_edit_cancel());
    on!(StaffAdapter, on_edit_reset, |c| c.staff_edit_reset());
    on!(StaffAdapter, on_change_pin, |c| c.staff_change_pin());
    on!(StaffAdapter, on_test_connection, |c| c
        .staff_test_connection());

    let weak = Rc::downgrade(controller);
    let window_weak = window.as_weak();
    window.global::<Nav>().on_key(move |text| {
        let Some(rc) = weak.upgrade() else {
            return false;
        };
        let Ok(mut c) = rc.try_borrow_mut() else {
            return false;
        };
        c.touched();
        let used = c.physical_key(&text);
        c.show();
        if used {
            return true;
        }
        // Arrow keys (an accessible keypad has no Tab) move the focus like Tab and
        // Shift+Tab, in reading order: in a right-to-left language, Left goes forward.
        let forward = match text.chars().next() {
            Some(k) if k == char::from(Key::DownArrow) => true,
            Some(k) if k == char::from(Key::UpArrow) => false,
            Some(k) if k == char::from(Key::RightArrow) => !i18n::is_rtl(c.lang()),
            Some(k) if k == char::from(Key::LeftArrow) => i18n::is_rtl(c.lang()),
            _ => return false,
        };
        drop(c);
        move_focus(&window_weak, forward);
        true
    });
}

/// Moves the keyboard focus as Tab (or Shift+Tab) would. Deferred: the window is still
/// delivering the arrow key.
fn move_focus(window: &slint::Weak<MainWindow>, forward: bool) {
    let window = window.clone();
    Timer::single_shot(Duration::ZERO, move || {
        let Some(w) = window.upgrade() else { return };
        let key: SharedString = if forward { Key::Tab } else { Key::Backtab }.into();
        w.window()
            .dispatch_event(WindowEvent::KeyPressed { text: key.clone() });
        w.window()
            .dispatch_event(WindowEvent::KeyReleased { text: key });
    });
}

impl<C: Clock + 'static> Controller<C> {
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn lang(&self) -> &str {
        &self.session.language
    }

    // ----- events --------------------------------------------------------------------

    /// Any touch or key: hides the idle prompt and restarts the idle clock.
    pub fn touched(&mut self) {
        self.session.idle_seconds_left = None;
        self.session.notice_key = None;
        if self.session.step != Step::Done {
            self.tick_timer.stop();
        }
        let weak = self.me.clone();
        let timeout = if self.staff.is_some() {
            STAFF_IDLE
        } else {
            self.settings.idle_timeout
        };
        self.idle_timer
            .start(TimerMode::SingleShot, timeout, move || {
                with(&weak, Controller::idle_elapsed);
            });
    }

    pub fn go_to(&mut self, step: Step) {
        // Desk and Done end a session; they never start one.
        let starts = !matches!(step, Step::Welcome | Step::Desk | Step::Done);
        if starts && self.session.started_at.is_none() {
            self.session.started_at = Some(self.service.clock().now());
        }
        self.session.step = step;
        self.session.error_key = None;
        self.session.key_buffer.clear();
        self.session.field_before_buffer = None;
    }

    pub fn start_path(&mut self, path: Path) {
        self.session.path = Some(path);
        let first = path.steps().first().copied().unwrap_or(Step::Welcome);
        self.go_to(first);
    }

    pub fn choose_reason(&mut self, reason: &str) {
        if self.settings.walk_in_reasons.iter().any(|r| r == reason) {
            self.session.reason = Some(reason.to_owned());
            self.go_to(Step::GivenName);
        }
    }

    /// A character from the on-screen keyboard, keypad or a physical keyboard.
    pub fn type_text(&mut self, text: &str) {
        self.session.error_key = None;
        if keyboards::is_switch(text) {
            self.session.second_keys = !self.session.second_keys;
            return;
        }
        let text = &keyboards::typed(text);
        let lang = self.session.language.clone();
        if let (Step::Form, Some(run)) = (self.session.step, self.session.forms.as_mut()) {
            run.type_text(text, &lang);
            return;
        }
        for c in text.chars() {
            match self.session.step {
                Step::GivenName => push_name_char(&mut self.session.given_name, c),
                Step::FamilyName => push_name_char(&mut self.session.family_name, c),
                Step::Phone => push_phone_char(&mut self.session.phone, c),
                Step::BirthDate if c.is_ascii_digit() => self.session.birth.push_digit(&lang, c),
                _ => {}
            }
        }
    }

    pub fn backspace(&mut self) {
        self.session.error_key = None;
        let lang = self.session.language.clone();
        if let (Step::Form, Some(run)) = (self.session.step, self.session.forms.as_mut()) {
            run.backspace(&lang);
            return;
        }
        match self.session.step {
            Step::GivenName => drop(self.session.given_name.pop()),
            Step::FamilyName => drop(self.session.family_name.pop()),
            Step::Phone => drop(self.session.phone.pop()),
            Step::BirthDate => self.session.birth.backspace(&lang),
            _ => {}
        }
    }

    pub fn select_date_field(&mut self, index: i32) {
        let Ok(index) = usize::try_from(index) else {
            return;
        };
        match (self.session.step, self.session.forms.as_mut()) {
            (Step::Form, Some(run)) => run.select_date_field(index),
            _ => self.session.birth.select(index),
        }
    }

    /// "Next" on an entry page (or Enter on a keyboard).
    pub fn next(&mut self) {
        match self.session.step {
            Step::GivenName if !self.session.given_name.trim().is_empty() => {
                self.go_to(Step::FamilyName)
            }
            Step::FamilyName if !self.session.family_name.trim().is_empty() => {
                self.go_to(Step::BirthDate)
            }
            Step::BirthDate => self.submit_birth_date(),
            Step::Phone => self.submit_walk_in(),
            _ => {}
        }
    }

    pub fn skip_phone(&mut self) {
        if self.session.step == Step::Phone {
            self.session.phone.clear();
            self.submit_walk_in();
        }
    }

    fn submit_birth_date(&mut self) {
        let Some((year, month, day)) = self.session.birth.parts() else {
            return;
        };
        let today = self.service.today();
        let birth = match parse_birth_date(year, month, day, today) {
            Ok(d) => d,
            Err(e) => {
                self.session.error_key = Some(crate::app::AppError::from(e).message_key());
                return;
            }
        };
        match self.session.path {
            Some(Path::WalkIn) => self.go_to(Step::Phone),
            _ => {
                let family = self.session.family_name.clone();
                let result = self.service.identify(&family, birth);
                self.show_identification(result);
            }
        }
    }

    fn show_identification(&mut self, result: Result<Identification, crate::app::AppError>) {
        match result {
            Ok(Identification::Found(view)) => {
                // A scan has no path: no "Step 3 of 3" after skipping steps 1 and 2.
                self.session.found = Some(view);
                self.go_to(Step::Confirm);
            }
            Ok(Identification::SeeDesk(reason)) => self.show_desk(reason),
            Err(e @ crate::app::AppError::SlowDown { .. }) => {
                self.session.error_key = Some(e.message_key());
                self.session.notice_key = Some(e.message_key());
            }
            Err(e) => self.show_error(&e),
        }
    }

    pub fn confirm(&mut self) {
        let Some(id) = self
            .session
            .found
            .as_ref()
            .map(|f| f.appointment_id.clone())
        else {
            return;
        };
        // Forms come first for a patient who is welcome; the answers so far are kept when
        // the patient went Back to this page.
        if self.session.forms.is_none() {
            match self.service.forms_before_check_in(&id) {
                Ok(forms) => self.session.forms = FormRun::new(forms),
                Err(e) => return self.show_error(&e),
            }
        }
        if self.session.forms.is_some() {
            self.go_to(Step::Form);
            return;
        }
        self.commit_appointment(&id, &[]);
    }

    fn commit_appointment(&mut self, id: &str, answered: &[AnsweredForm]) {
        match self.service.confirm(id, answered) {
            Ok(ConfirmOutcome::CheckedIn(ticket)) => self.show_ticket(ticket),
            Ok(ConfirmOutcome::SeeDesk(reason)) => self.show_desk(reason),
            Err(e) => self.show_error(&e),
        }
    }

    /// The walk-in's entries, checked; None (with the problem shown) when one needs a fix.
    fn walk_in_entries(&mut self) -> Option<WalkIn> {
        let phone = match normalize_phone(&self.session.phone) {
            Ok(p) => p,
            Err(e) => {
                self.session.error_key = Some(AppError::from(e).message_key());
                return None;
            }
        };
        let today = self.service.today();
        let birth = self
            .session
            .birth
            .parts()
            .and_then(|(y, m, d)| parse_birth_date(y, m, d, today).ok());
        let (Some(birth_date), Some(reason)) = (birth, self.session.reason.clone()) else {
            // The earlier steps guarantee both; go back to the first gap rather than guess.
            self.go_to(if birth.is_none() {
                Step::BirthDate
            } else {
                Step::Reason
            });
            return None;
        };
        Some(WalkIn {
            given_name: self.session.given_name.trim().to_owned(),
            family_name: self.session.family_name.trim().to_owned(),
            birth_date,
            phone,
            reason,
        })
    }

    fn submit_walk_in(&mut self) {
        if self.walk_in_entries().is_none() {
            return;
        }
        if self.session.forms.is_none() {
            self.session.forms = FormRun::new(self.service.forms_for_walk_in());
        }
        if self.session.forms.is_some() {
            self.go_to(Step::Form);
            return;
        }
        self.commit_walk_in(&[]);
    }

    fn commit_walk_in(&mut self, answered: &[AnsweredForm]) {
        let Some(walk_in) = self.walk_in_entries() else {
            return;
        };
        match self.service.walk_in(walk_in, answered) {
            Ok(ticket) => self.show_ticket(ticket),
            Err(e) => self.show_error(&e),
        }
    }

    // ----- intake forms --------------------------------------------------------------

    fn form_run(&mut self) -> Option<&mut FormRun> {
        match self.session.step {
            Step::Form => self.session.forms.as_mut(),
            _ => None,
        }
    }

    pub fn form_choose(&mut self, link_id: &str, index: i32) {
        if let (Some(run), Ok(index)) = (self.form_run(), usize::try_from(index)) {
            run.choose(link_id, index);
        }
    }

    pub fn form_edit(&mut self, link_id: &str) {
        let lang = self.session.language.clone();
        if let Some(run) = self.form_run() {
            run.edit(link_id, &lang);
        }
    }

    pub fn form_done_editing(&mut self) {
        if let Some(run) = self.form_run() {
            run.finish_editing();
        }
    }

    pub fn form_next(&mut self) {
        if let Some(run) = self.form_run() {
            if run.editor.is_some() {
                run.finish_editing();
            }
            if run.advance() == Advance::Stay {
                tracing::info!(problems = run.problems.len(), "form page needs answers");
            }
        }
    }

    pub fn form_change(&mut self, form: i32, link_id: &str) {
        if let (Some(run), Ok(form)) = (self.form_run(), usize::try_from(form)) {
            run.change(form, link_id);
        }
    }

    pub fn form_sign_start(&mut self, link_id: &str, x: f32, y: f32, width: f32, height: f32) {
        if let Some(run) = self.form_run() {
            run.sign_start(link_id, x, y, width, height);
        }
    }

    pub fn form_sign_move(&mut self, x: f32, y: f32) {
        if let Some(run) = self.form_run() {
            run.sign_move(x, y);
        }
    }

    pub fn form_sign_end(&mut self) {
        if let Some(run) = self.form_run() {
            run.sign_end();
        }
    }

    pub fn form_sign_clear(&mut self, link_id: &str) {
        if let Some(run) = self.form_run() {
            run.sign_clear(link_id);
        }
    }

    /// "Check in" on the review page: the check-in and its answers, in one transaction.
    pub fn submit_forms(&mut self) {
        let Some(run) = self.form_run() else {
            return;
        };
        let answered = match run.completed() {
            Ok(answered) => answered,
            Err((form, problems)) => {
                run.show_problems(form, problems);
                return;
            }
        };
        match self.session.path {
            Some(Path::WalkIn) => self.commit_walk_in(&answered),
            _ => match self
                .session
                .found
                .as_ref()
                .map(|f| f.appointment_id.clone())
            {
                Some(id) => self.commit_appointment(&id, &answered),
                None => self.show_desk(DeskReason::NotFound),
            },
        }
    }

    /// Records how the session ended (once), de-identified: times, outcome, last screen.
    fn end_session(&mut self, outcome: FlowOutcome) {
        if let Some(started) = self.session.started_at.take() {
            let step = step_name(self.session.step);
            if let Err(e) = self.service.record_session(started, outcome, &step) {
                tracing::warn!(error = %e, "session metrics not recorded");
            }
        }
    }

    fn show_ticket(&mut self, ticket: crate::app::Ticket) {
        self.end_session(FlowOutcome::CheckedIn);
        // The ticket screen keeps only what it shows; what the patient typed goes now.
        let language = std::mem::take(&mut self.session.language);
        let old = std::mem::replace(&mut self.session, Session::new(&language));
        self.session.large_text = old.large_text;
        self.session.high_contrast = old.high_contrast;
        self.session.seated = old.seated;
        self.session.read_aloud = old.read_aloud;
        self.session.ticket = Some(ticket);
        self.go_to(Step::Done);
        self.session.done_seconds_left = secs(self.settings.done_reset);
        let weak = self.me.clone();
        self.tick_timer
            .start(TimerMode::Repeated, Duration::from_secs(1), move || {
                with(&weak, Controller::done_tick);
            });
    }

    pub fn show_desk(&mut self, reason: DeskReason) {
        self.end_session(FlowOutcome::Desk);
        self.session.found = None;
        self.session.desk_reason = Some(reason);
        self.go_to(Step::Desk);
    }

    fn show_error(&mut self, error: &crate::app::AppError) {
        tracing::error!(error = %error, "check-in step failed; patient sent to the desk");
        self.session.found = None;
        self.session.desk_reason = None;
        self.go_to(Step::Desk);
    }

    pub fn back(&mut self) {
        if let Some(run) = self.form_run() {
            if run.back() {
                return;
            }
        }
        if let Some(step) = self.session.previous_step() {
            self.go_to(step);
        }
    }

    /// Shows `key` to staff on the welcome screen until the kiosk restarts.
    pub fn set_staff_alert(&mut self, key: &'static str) {
        self.staff_alert = Some(key);
        self.show();
    }

    /// The retention purge; a failure is logged and retried at the next round.
    fn maintenance(&mut self) {
        if let Err(e) = self.service.purge_expired() {
            tracing::error!(error = %e, "retention purge failed; will retry");
        }
    }

    /// Wipes everything the patient entered and returns to the welcome screen.
    pub fn start_over(&mut self) {
        self.end_session(FlowOutcome::Abandoned);
        self.tick_timer.stop();
        self.session = Session::new(&self.settings.default_language);
        // What was said for the last patient goes with them.
        self.speech.clear_log();
        self.spoken_screen.clear();
        self.spoken_choice.clear();
        match self.service.typical_wait_minutes() {
            Ok(minutes) => self.typical_wait_minutes = minutes,
            Err(e) => {
                tracing::warn!(error = %e, "typical wait not refreshed; showing the last value")
            }
        }
    }

    pub fn request_help(&mut self) {
        let screen = step_name(self.session.step);
        if let Err(e) = self.service.request_help(&screen) {
            tracing::error!(error = %e, "help request could not be stored");
        }
        self.session.language_picker_visible = false;
        self.session.help_visible = true;
    }

    pub fn toggle_high_contrast(&mut self) {
        self.session.high_contrast = !self.session.high_contrast;
    }

    pub fn toggle_large_text(&mut self) {
        self.session.large_text = !self.session.large_text;
    }

    pub fn toggle_seated(&mut self) {
        self.session.seated = !self.session.seated;
    }

    pub fn open_options(&mut self) {
        self.session.options_visible = true;
    }

    pub fn close_options(&mut self) {
        self.session.options_visible = false;
    }

    pub fn toggle_read_aloud(&mut self) {
        self.session.read_aloud = !self.session.read_aloud;
        // Switched on: the screen's prompt is said again from the start.
        self.spoken_screen.clear();
        self.spoken_choice.clear();
    }

    /// A control got the keyboard focus: Read aloud names it (a screen reader's job for
    /// patients who cannot see the screen well).
    pub fn focus_moved(&mut self, label: &str, at: (f32, f32)) {
        label.clone_into(&mut self.focused.0);
        self.focused.1 = at;
        if self.session.read_aloud && self.staff.is_none() {
            self.speech.say(&self.session.language, label);
        }
    }

    /// The label and top-left corner (logical px) of the control that last got the
    /// keyboard focus.
    pub fn focused(&self) -> (&str, (f32, f32)) {
        (&self.focused.0, self.focused.1)
    }

    /// What Read aloud has said for the current patient, oldest first.
    pub fn spoken(&self) -> Vec<Utterance> {
        self.speech.spoken()
    }

    /// Says the screen's prompt when the screen changed, and then any answer just chosen.
    fn read_aloud(&mut self) {
        if !self.session.read_aloud || self.staff.is_some() || self.pin.is_some() {
            return;
        }
        let lang = self.session.language.clone();
        let screen = spoken::screen_text(&self.session);
        let chosen = spoken::chosen_text(&self.session);
        if screen != self.spoken_screen {
            self.speech.say(&lang, &screen);
            self.spoken_screen = screen;
        } else if chosen != self.spoken_choice {
            self.speech
                .say(&lang, &spoken::newly_chosen(&self.spoken_choice, &chosen));
        }
        self.spoken_choice = chosen;
    }

    /// Names the screen the patient sees: a new value sends the keyboard focus back to the
    /// window (ui/app.slint), so the first Tab starts at the top of the new screen.
    fn screen_id(&self) -> String {
        let s = &self.session;
        let form_page = s
            .forms
            .as_ref()
            .filter(|_| s.step == Step::Form)
            .map(|run| format!("{}/{}", run.page_key(), run.reviewing))
            .unwrap_or_default();
        format!(
            "{:?}/{form_page}/{}{}{}{}/{}{}",
            s.step,
            u8::from(s.help_visible),
            u8::from(s.language_picker_visible),
            u8::from(s.options_visible),
            u8::from(s.idle_seconds_left.is_some()),
            u8::from(self.pin.is_some()),
            u8::from(self.staff.is_some()),
        )
    }

    pub fn open_language_picker(&mut self) {
        self.session.language_picker_visible = true;
    }

    pub fn choose_language(&mut self, code: &str) {
        if self.settings.languages.iter().any(|l| l == code) {
            self.session.language = code.to_owned();
            self.session.second_keys = false;
        }
        self.session.language_picker_visible = false;
    }

    /// A key from a physical keyboard or a USB scanner (which types its code, then Enter).
    pub fn physical_key(&mut self, text: &str) -> bool {
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return false;
        };
        if self.pin.is_some() {
            // A keypad or keyboard works the PIN pad; nothing reaches the page behind it.
            match c {
                KEY_ENTER | KEY_RETURN => self.pin_ok(),
                KEY_BACKSPACE | KEY_DELETE => self.pin_backspace(),
                KEY_ESCAPE => self.pin_cancel(),
                d if d.is_ascii_digit() => self.pin_digit(text),
                _ => {}
            }
            return true;
        }
        if self.staff.is_some() {
            // Staff pages are worked by touch; a scanner's codes must not check anyone in.
            return false;
        }
        match c {
            KEY_ENTER | KEY_RETURN => {
                let buffer = std::mem::take(&mut self.session.key_buffer);
                let before = self.session.field_before_buffer.take();
                if self.looks_like_scan(&buffer) {
                    self.restore_field(before);
                    self.scan(&buffer);
                } else {
                    self.default_action();
                }
                true
            }
            KEY_BACKSPACE | KEY_DELETE => {
                self.session.key_buffer.pop();
                self.backspace();
                true
            }
            KEY_ESCAPE => {
                if self.session.help_visible || self.session.language_picker_visible {
                    self.session.help_visible = false;
                    self.session.language_picker_visible = false;
                } else {
                    self.back();
                }
                true
            }
            // Control characters and Slint's private-use codes for arrows, Tab, F-keys: not ours.
            c if c.is_control() || ('\u{f700}'..='\u{f8ff}').contains(&c) => false,
            c => {
                if self.session.key_buffer.is_empty() {
                    self.session.field_before_buffer = self.current_field().map(str::to_owned);
                }
                self.session.key_buffer.push(c);
                self.type_text(text);
                true
            }
        }
    }

    /// A scanner's burst is a scan when no text field is open, or when it carries the code
    /// prefix or a URL; typing a name followed by Enter is not.
    fn looks_like_scan(&self, buffer: &str) -> bool {
        if buffer.trim().is_empty() {
            return false;
        }
        let upper = buffer.trim().to_uppercase();
        self.current_field().is_none() && self.session.step != Step::BirthDate
            || upper.starts_with("CKI")
            || upper.contains("://")
    }

    fn current_field(&self) -> Option<&str> {
        if let (Step::Form, Some(run)) = (self.session.step, self.session.forms.as_ref()) {
            return run.editor.as_ref().map(|e| e.text.as_str());
        }
        match self.session.step {
            Step::GivenName => Some(&self.session.given_name),
            Step::FamilyName => Some(&self.session.family_name),
            Step::Phone => Some(&self.session.phone),
            _ => None,
        }
    }

    fn restore_field(&mut self, before: Option<String>) {
        let Some(before) = before else {
            return;
        };
        match self.session.step {
            Step::GivenName => self.session.given_name = before,
            Step::FamilyName => self.session.family_name = before,
            Step::Phone => self.session.phone = before,
            Step::Form => {
                if let Some(editor) = self.session.forms.as_mut().and_then(|r| r.editor.as_mut()) {
                    editor.text = before;
                }
            }
            _ => {}
        }
    }

    fn scan(&mut self, raw: &str) {
        // A scan replaces whatever this session was doing: it is a new identification.
        let language = self.session.language.clone();
        let result = self.service.identify_by_scan(raw);
        match result {
            // Unreadable, or too many failures in a row: say so and keep what was entered.
            Err(e @ (crate::app::AppError::BadScan | crate::app::AppError::SlowDown { .. })) => {
                self.session.notice_key = Some(e.message_key());
                self.session.error_key = Some(e.message_key());
            }
            other => {
                self.tick_timer.stop();
                let (large, contrast) = (self.session.large_text, self.session.high_contrast);
                self.session = Session::new(&language);
                self.session.large_text = large;
                self.session.high_contrast = contrast;
                self.show_identification(other);
            }
        }
    }

    /// Enter on a keyboard does what the page's main button does.
    fn default_action(&mut self) {
        match self.session.step {
            Step::Welcome => self.go_to(Step::Choose),
            Step::Confirm => self.confirm(),
            Step::Form => match self.session.forms.as_ref() {
                Some(run) if run.editor.is_some() => self.form_done_editing(),
                Some(run) if run.reviewing => self.submit_forms(),
                _ => self.form_next(),
            },
            Step::Desk | Step::Done => self.start_over(),
            Step::GivenName | Step::FamilyName | Step::BirthDate | Step::Phone => self.next(),
            Step::Choose | Step::Reason => {}
        }
    }

    fn idle_elapsed(&mut self) {
        if self.staff.is_some() {
            self.leave_staff("idle");
            self.show();
            return;
        }
        // An unattended PIN pad closes like any other prompt.
        self.pin = None;
        if self.session.step == Step::Done {
            return;
        }
        if self.session.is_pristine(&self.settings.default_language) {
            // Nothing entered: a leftover notice (e.g. an unreadable scan) just goes.
            self.session.notice_key = None;
            self.show();
            return;
        }
        self.show_idle_prompt();
    }

    /// "Are you still there?" with its countdown to the wipe.
    pub fn show_idle_prompt(&mut self) {
        self.session.idle_seconds_left = Some(secs(self.settings.idle_prompt).max(1));
        let weak = self.me.clone();
        self.tick_timer
            .start(TimerMode::Repeated, Duration::from_secs(1), move || {
                with(&weak, Controller::idle_tick);
            });
        self.show();
    }

    fn idle_tick(&mut self) {
        match self.session.idle_seconds_left {
            Some(left) if left > 1 => self.session.idle_seconds_left = Some(left - 1),
            Some(_) => {
                tracing::info!("idle timeout: session wiped");
                self.start_over();
            }
            None => self.tick_timer.stop(),
        }
        self.show();
    }

    fn done_tick(&mut self) {
        if self.session.done_seconds_left > 1 {
            self.session.done_seconds_left -= 1;
        } else {
            self.start_over();
        }
        self.show();
    }

    // ----- mapping to the screen -----------------------------------------------------

    /// Maps the whole session to the Slint globals. Cheap; called after every event.
    pub fn show(&mut self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let lang = self.lang().to_owned();
        let s = &self.session;

        let theme = window.global::<Theme>();
        theme.set_high_contrast(s.high_contrast);
        theme.set_large_text(s.large_text);
        theme.set_seated(s.seated);
        let tr_global = window.global::<Tr>();
        tr_global.set_language(lang.as_str().into());
        tr_global.set_font_family(i18n::font_family(&lang).into());
        tr_global.set_rtl(i18n::is_rtl(&lang));

        let kiosk = window.global::<Kiosk>();
        kiosk.set_practice_name(self.settings.practice_name.as_str().into());
        // In place: a new model would rebuild the buttons and lose the keyboard focus.
        update_model(
            &kiosk.get_languages(),
            self.settings
                .languages
                .iter()
                .map(|code| LanguageOption {
                    code: code.as_str().into(),
                    name: i18n::language_name(code).into(),
                    font: i18n::font_family(code).into(),
                })
                .collect(),
            |m| kiosk.set_languages(m),
        );
        kiosk.set_typical_wait(
            tr_with(
                &lang,
                "welcome.wait_minutes",
                &[("minutes", self.typical_wait_minutes.to_string())],
            )
            .into(),
        );
        kiosk.set_staff_alert(
            self.staff_alert
                .map(|k| tr(&lang, k))
                .unwrap_or_default()
                .into(),
        );
        kiosk.set_notice(
            s.notice_key
                .map(|k| tr(&lang, k))
                .unwrap_or_default()
                .into(),
        );

        let nav = window.global::<Nav>();
        nav.set_page(if self.staff.is_some() {
            Page::Staff
        } else {
            page_of(s.step)
        });
        self.show_staff(&window);
        let form_progress = match (s.step, s.forms.as_ref()) {
            (Step::Form, Some(run)) if !run.reviewing => Some(run.progress()),
            _ => None,
        };
        let progress = match (form_progress, s.progress()) {
            (Some((n, m)), _) => tr_with(
                &lang,
                "form.progress",
                &[
                    (
                        "form",
                        s.forms
                            .as_ref()
                            .and_then(|r| r.form())
                            .map(|f| f.title_in(&lang).to_owned())
                            .unwrap_or_default(),
                    ),
                    ("page", n.to_string()),
                    ("pages", m.to_string()),
                ],
            ),
            (None, Some((n, m))) => tr_with(
                &lang,
                "nav.progress",
                &[("step", n.to_string()), ("steps", m.to_string())],
            ),
            (None, None) => String::new(),
        };
        nav.set_progress(progress.into());
        nav.set_can_go_back(s.previous_step().is_some());
        nav.set_help_visible(s.help_visible);
        nav.set_language_picker_visible(s.language_picker_visible);
        nav.set_options_visible(s.options_visible);
        nav.set_read_aloud(s.read_aloud);
        nav.set_screen_id(self.screen_id().into());
        nav.set_idle_prompt_visible(s.idle_seconds_left.is_some());
        nav.set_idle_countdown(
            s.idle_seconds_left
                .map(|n| tr_with(&lang, "idle.countdown", &[("seconds", n.to_string())]))
                .unwrap_or_default()
                .into(),
        );

        self.show_entry(&window, &lang);
        self.show_results(&window, &lang);
        if let (Step::Form, Some(run)) = (s.step, s.forms.as_ref()) {
            let rows = key_rows(&keyboards::form_rows(&lang, s.second_keys));
            let compact = rows.iter().skip(1).cloned().collect();
            show_form(&window, run, &lang, rows, compact);
        }
        self.read_aloud();
    }

    fn show_entry(&self, window: &MainWindow, lang: &str) {
        let s = &self.session;
        let text = window.global::<TextEntryAdapter>();
        let (prompt, hint, value, numeric) = match s.step {
            Step::GivenName => (
                "walkin.given_name",
                "walkin.given_name_hint",
                &s.given_name,
                false,
            ),
            Step::Phone => ("walkin.phone", "walkin.phone_hint", &s.phone, true),
            _ => (
                "identify.family_name",
                "identify.family_name_hint",
                &s.family_name,
                false,
            ),
        };
        text.set_prompt_key(prompt.into());
        text.set_hint_key(hint.into());
        text.set_value(value.as_str().into());
        text.set_numeric(numeric);
        text.set_optional(s.step == Step::Phone);
        text.set_can_continue(!value.trim().is_empty());
        text.set_error_key(s.error_key.unwrap_or_default().into());
        text.set_rows(model(key_rows(&keyboards::name_rows(lang, s.second_keys))));

        let date = window.global::<DateEntryAdapter>();
        update_model(&date.get_segments(), date_segments(&s.birth, lang), |m| {
            date.set_segments(m)
        });
        date.set_summary(
            s.birth
                .calendar_date()
                .map(|d| i18n::format_long_date(lang, d))
                .unwrap_or_default()
                .into(),
        );
        date.set_error_key(s.error_key.unwrap_or_default().into());
        date.set_can_continue(s.birth.is_complete());

        let reasons = window.global::<ReasonAdapter>();
        update_model(
            &reasons.get_reasons(),
            self.settings
                .walk_in_reasons
                .iter()
                .map(|r| SharedString::from(r.as_str()))
                .collect(),
            |m| reasons.set_reasons(m),
        );
        reasons.set_selected(s.reason.clone().unwrap_or_default().into());
    }

    fn show_results(&self, window: &MainWindow, lang: &str) {
        let s = &self.session;
        let confirm = window.global::<ConfirmAdapter>();
        if let Some(found) = &s.found {
            confirm.set_display_name(found.display_name.as_str().into());
            confirm.set_time(i18n::format_time(lang, found.start.time()).into());
            confirm.set_clinician(found.clinician.as_str().into());
        } else {
            // Nothing of a previous patient may linger in the UI.
            confirm.set_display_name(SharedString::new());
            confirm.set_time(SharedString::new());
            confirm.set_clinician(SharedString::new());
        }

        window
            .global::<DeskAdapter>()
            .set_reason(desk_reason_key(s.desk_reason).into());

        let done = window.global::<DoneAdapter>();
        match &s.ticket {
            Some(t) => {
                done.set_ticket(t.ticket.as_str().into());
                done.set_ahead(tr_count(lang, "done.ahead", t.ahead).into());
                let wait = if t.wait.min_minutes == 0 {
                    tr_with(
                        lang,
                        "done.wait_soon",
                        &[("max", t.wait.max_minutes.to_string())],
                    )
                } else {
                    tr_with(
                        lang,
                        "done.wait_range",
                        &[
                            ("min", t.wait.min_minutes.to_string()),
                            ("max", t.wait.max_minutes.to_string()),
                        ],
                    )
                };
                done.set_wait(wait.into());
                let qr = t.follow_url.as_deref().and_then(qr_image);
                done.set_has_qr(qr.is_some());
                done.set_qr(qr.unwrap_or_default());
                done.set_countdown(
                    tr_with(
                        lang,
                        "done.countdown",
                        &[("seconds", s.done_seconds_left.to_string())],
                    )
                    .into(),
                );
            }
            None => {
                done.set_ticket(SharedString::new());
                done.set_has_qr(false);
                done.set_qr(slint::Image::default());
            }
        }
    }
}

pub(super) fn with<C: Clock + 'static>(
    weak: &Weak<RefCell<Controller<C>>>,
    f: fn(&mut Controller<C>),
) {
    if let Some(rc) = weak.upgrade() {
        if let Ok(mut c) = rc.try_borrow_mut() {
            f(&mut c);
        }
    }
}

fn secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

/// The day, month and year fields of a date keypad, in the language's order.
pub(super) fn date_segments(input: &DateInput, lang: &str) -> Vec<DateSegment> {
    date_order(lang)
        .iter()
        .enumerate()
        .map(|(i, f)| DateSegment {
            label_key: f.label_key().into(),
            text: input.field(*f).into(),
            placeholder: tr(lang, f.placeholder_key()).into(),
            active: i == input.active,
            wide: f.max_digits() > 2,
        })
        .collect()
}

pub(crate) fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// Shows `items` through the model `current`: with the same number of rows they are
/// updated in place, so the controls they draw stay (a new model would rebuild them under
/// the patient's finger and drop the keyboard focus); otherwise `set` gets a new model.
pub(crate) fn update_model<T: Clone + PartialEq + 'static>(
    current: &ModelRc<T>,
    items: Vec<T>,
    set: impl FnOnce(ModelRc<T>),
) {
    if current.row_count() != items.len() {
        set(model(items));
        return;
    }
    for (i, new) in items.into_iter().enumerate() {
        if current.row_data(i).as_ref() != Some(&new) {
            current.set_row_data(i, new);
        }
    }
}

/// A screen's name for help requests and session metrics (never patient data).
fn step_name(step: Step) -> String {
    format!("{step:?}").to_lowercase()
}

fn page_of(step: Step) -> Page {
    match step {
        Step::Welcome => Page::Welcome,
        Step::Choose => Page::Choose,
        Step::Reason => Page::Reason,
        Step::GivenName | Step::FamilyName | Step::Phone => Page::TextEntry,
        Step::BirthDate => Page::DateEntry,
        Step::Confirm => Page::Confirm,
        Step::Form => Page::Form,
        Step::Desk => Page::Desk,
        Step::Done => Page::Done,
    }
}

pub(super) fn desk_reason_key(reason: Option<DeskReason>) -> &'static str {
    match reason {
        Some(DeskReason::NotFound) => "not_found",
        Some(DeskReason::TooEarly) => "too_early",
        Some(DeskReason::TooLate) => "too_late",
        Some(DeskReason::DeskOnly) => "desk_only",
        Some(DeskReason::AlreadyCheckedIn) => "already_checked_in",
        None => "error",
    }
}

/// Keyboard rows ("Q|W|E") as the Slint model.
fn key_rows(rows: &[String]) -> Vec<KeyRow> {
    rows.iter()
        .map(|row| KeyRow {
            keys: model(row.split('|').map(SharedString::from).collect()),
        })
        .collect()
}
