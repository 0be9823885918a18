//! CheckInService: identify, confirm, walk in, ask for help. Every check-in is committed
//! with its outbox row before the patient is told "done".

use std::sync::Arc;
use std::time::Instant;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

use super::{demo, AppError, Clock, FormCatalogue};
use crate::config::{Config, FormsConfig};
use crate::domain::questionnaire::{Answers, Questionnaire};
use crate::domain::{
    arrival_decision, decide_match, normalize_phone, parse_scan, Appointment, AppointmentStatus,
    ArrivalDecision, ArrivalWindow, CheckInKind, CheckInState, DeskReason, DomainError,
    MatchOutcome, WaitEstimate, WaitParams, WalkIn,
};
use crate::store::{NewCheckIn, NewResponse, PurgeReport, Store};

/// The part of the configuration the check-in rules use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceConfig {
    pub arrival: ArrivalWindow,
    pub wait: WaitParams,
    pub qr_url_template: Option<String>,
    pub forms: FormsConfig,
    /// Hours patient data stays after the server acknowledged its check-in.
    pub retention_hours: u32,
    /// The staff PIN's argon2 hash from the configuration (a PIN saved on the kiosk wins).
    pub staff_pin_hash: Option<String>,
    pub lobby_board: bool,
}

impl From<&Config> for ServiceConfig {
    fn from(c: &Config) -> Self {
        ServiceConfig {
            arrival: c.arrival.clone(),
            wait: c.wait.clone(),
            qr_url_template: c.qr_url_template.clone(),
            forms: c.forms.clone(),
            retention_hours: c.database.retention_hours,
            staff_pin_hash: c.staff_pin_hash.clone(),
            lobby_board: c.lobby_board,
        }
    }
}

/// One intake form as the patient completed it.
#[derive(Clone, Debug)]
pub struct AnsweredForm {
    pub form: Arc<Questionnaire>,
    pub answers: Answers,
}

/// What "Is this you?" shows: the minimum, never the birth date.
#[derive(Clone, PartialEq, Eq)]
pub struct AppointmentView {
    pub appointment_id: String,
    /// Given name and family initial, e.g. "María M.".
    pub display_name: String,
    pub start: NaiveDateTime,
    pub clinician: String,
}

impl From<&Appointment> for AppointmentView {
    fn from(a: &Appointment) -> Self {
        AppointmentView {
            appointment_id: a.id.clone(),
            display_name: a.patient.display_name(),
            start: a.start,
            clinician: a.clinician.clone(),
        }
    }
}

// Redacted like Appointment: a stray {:?} in a log line must not show the name.
impl std::fmt::Debug for AppointmentView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppointmentView")
            .field("appointment_id", &self.appointment_id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identification {
    Found(AppointmentView),
    /// Zero or several matches look the same: nobody learns who else is booked.
    SeeDesk(DeskReason),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// "A-042" / "W-007".
    pub ticket: String,
    /// People ahead in the same queue.
    pub ahead: u32,
    pub wait: WaitEstimate,
    /// The "follow your place" URL with an opaque token; None when no template is set.
    pub follow_url: Option<String>,
}

/// A check-in just committed: what its ticket screen needs.
struct Committed {
    check_in_id: String,
    ticket: String,
    qr_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfirmOutcome {
    CheckedIn(Ticket),
    SeeDesk(DeskReason),
}

pub struct CheckInService<C: Clock> {
    pub(super) store: Store,
    pub(super) clock: C,
    pub(super) config: ServiceConfig,
    forms: FormCatalogue,
    /// Failed identifications since the last success, and when the latest one happened:
    /// repeated failures are slowed down (domain::retry_delay).
    failed_identifications: u32,
    last_failure_at: Option<NaiveDateTime>,
    /// Called after each committed check-in: wakes the sync worker (architecture step 4).
    pub(super) after_commit: Option<Box<dyn Fn() + Send>>,
}

impl<C: Clock> CheckInService<C> {
    pub fn new(store: Store, clock: C, config: ServiceConfig) -> Self {
        CheckInService {
            store,
            clock,
            forms: FormCatalogue::load(&config.forms),
            config,
            failed_identifications: 0,
            last_failure_at: None,
            after_commit: None,
        }
    }

    /// `nudge` runs after every committed check-in (it must not block: the sync worker's
    /// `Nudger` only sends a message).
    pub fn set_after_commit(&mut self, nudge: impl Fn() + Send + 'static) {
        self.after_commit = Some(Box::new(nudge));
    }

    /// For demo staging and tests that need a state no patient can produce (a refusal).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Applies new settings from the next call on (staff saved them; no restart).
    pub fn set_config(&mut self, config: ServiceConfig) {
        if config.forms != self.config.forms {
            self.forms = FormCatalogue::load(&config.forms);
        }
        self.config = config;
    }

    /// Erases patient data the server has had for longer than the retention time.
    pub fn purge_expired(&mut self) -> Result<PurgeReport, AppError> {
        let cutoff =
            self.clock.now() - chrono::Duration::hours(i64::from(self.config.retention_hours));
        Ok(self.store.purge_patient_data(cutoff)?)
    }

    pub fn forms(&self) -> &FormCatalogue {
        &self.forms
    }

    /// The forms to fill in before this appointment is checked in: none when the patient
    /// will be sent to the desk anyway (or the appointment is gone).
    pub fn forms_before_check_in(
        &self,
        appointment_id: &str,
    ) -> Result<Vec<Arc<Questionnaire>>, AppError> {
        let Some(appt) = self.store.appointment(appointment_id)? else {
            return Ok(Vec::new());
        };
        if appt.status == AppointmentStatus::Cancelled
            || arrival_decision(&appt, self.clock.now(), &self.config.arrival)
                != ArrivalDecision::Welcome
        {
            return Ok(Vec::new());
        }
        Ok(self.forms.for_appointment_type(&appt.appointment_type))
    }

    pub fn forms_for_walk_in(&self) -> Vec<Arc<Questionnaire>> {
        self.forms.for_walk_in()
    }

    /// Completed forms -> QuestionnaireResponses to store with the check-in. A form with a
    /// missing or invalid answer is refused: the UI's pages check the same rules first.
    fn responses(&self, answered: &[AnsweredForm]) -> Result<Vec<NewResponse>, AppError> {
        let now = self.clock.now();
        // FHIR wants the offset; the practice's local one at this moment (UTC if unknown).
        let authored = chrono::Local
            .from_local_datetime(&now)
            .earliest()
            .map(|t| t.fixed_offset())
            .or_else(|| {
                FixedOffset::east_opt(0).and_then(|z| z.from_local_datetime(&now).earliest())
            })
            .ok_or(AppError::Invalid(DomainError::BadDate))?;
        answered
            .iter()
            .map(|a| {
                let problems = a.form.validate_all(&a.answers);
                if !problems.is_empty() {
                    return Err(AppError::FormIncomplete {
                        form: a.form.source_name().to_owned(),
                        problems: problems.len(),
                    });
                }
                Ok(NewResponse {
                    id: uuid::Uuid::new_v4().to_string(),
                    questionnaire: a.form.canonical(),
                    resource: a.form.response(&a.answers, &authored, None),
                })
            })
            .collect()
    }

    /// The service date: today in the practice's local time.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().date()
    }

    /// Failed identification attempts in a row (reset by a successful one).
    pub fn failed_identifications(&self) -> u32 {
        self.failed_identifications
    }

    /// Seconds to wait before the next identification attempt is accepted (0: go ahead).
    pub fn identification_pause_secs(&self) -> u64 {
        let Some(last) = self.last_failure_at else {
            return 0;
        };
        let delay = crate::domain::retry_delay(self.failed_identifications);
        let elapsed = (self.clock.now() - last).to_std().unwrap_or_default();
        delay.saturating_sub(elapsed).as_secs_f64().ceil() as u64
    }

    /// Replaces today's roster with the demo practice laid out around now.
    pub fn seed_demo(&mut self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let roster = demo::demo_roster(now);
        self.store.replace_roster(now.date(), &roster)?;
        tracing::info!(appointments = roster.len(), "demo practice seeded");
        Ok(roster.len())
    }

    /// Family name (as typed) and birth date. Zero or several matching patients give
    /// SeeDesk(NotFound): the patient never learns who else is booked.
    pub fn identify(
        &mut self,
        family_name: &str,
        birth_date: NaiveDate,
    ) -> Result<Identification, AppError> {
        self.refuse_while_paused()?;
        let started = Instant::now();
        let candidates = self
            .store
            .find_candidates(self.today(), family_name, birth_date)?;
        let found = candidates.len();
        let outcome = decide_match(candidates);
        let micros = micros_since(started);
        match outcome {
            MatchOutcome::One(a) => {
                self.failed_identifications = 0;
                tracing::info!(appointment = %a.id, micros, "patient identified by name and birth date");
                Ok(Identification::Found(AppointmentView::from(&a)))
            }
            MatchOutcome::NoneFound | MatchOutcome::Several => {
                Ok(self.not_found("name and birth date", found, micros))
            }
        }
    }

    /// A code from the scanner. Unreadable input is `AppError::BadScan`; a code not on
    /// today's roster (or cancelled) is SeeDesk(NotFound).
    pub fn identify_by_scan(&mut self, raw: &str) -> Result<Identification, AppError> {
        self.refuse_while_paused()?;
        let started = Instant::now();
        let code = parse_scan(raw)?;
        let found = self.store.find_by_code(self.today(), &code)?;
        let micros = micros_since(started);
        match found {
            Some(a) if a.status != AppointmentStatus::Cancelled => {
                self.failed_identifications = 0;
                tracing::info!(appointment = %a.id, micros, "patient identified by scanned code");
                Ok(Identification::Found(AppointmentView::from(&a)))
            }
            other => Ok(self.not_found("scanned code", usize::from(other.is_some()), micros)),
        }
    }

    fn refuse_while_paused(&self) -> Result<(), AppError> {
        match self.identification_pause_secs() {
            0 => Ok(()),
            seconds => {
                tracing::warn!(
                    seconds,
                    failed_attempts = self.failed_identifications,
                    "identification refused: too many failures in a row"
                );
                Err(AppError::SlowDown { seconds })
            }
        }
    }

    fn not_found(&mut self, by: &'static str, matches: usize, micros: u64) -> Identification {
        self.failed_identifications = self.failed_identifications.saturating_add(1);
        self.last_failure_at = Some(self.clock.now());
        tracing::info!(
            by,
            matches,
            failed_attempts = self.failed_identifications,
            micros,
            "identification failed; sent to the desk"
        );
        Identification::SeeDesk(DeskReason::NotFound)
    }

    /// "Yes, that's me". Outside the arrival window, or for a desk-only type, the patient is
    /// sent to the desk and the check-in is still recorded as needing the desk (with its
    /// outbox row) so staff see them. A repeat check-in writes nothing.
    pub fn confirm(
        &mut self,
        appointment_id: &str,
        answered: &[AnsweredForm],
    ) -> Result<ConfirmOutcome, AppError> {
        let appt = match self.store.appointment(appointment_id)? {
            Some(a) if a.status != AppointmentStatus::Cancelled => a,
            _ => {
                tracing::info!("confirmed appointment is not on the roster; sent to the desk");
                return Ok(ConfirmOutcome::SeeDesk(DeskReason::NotFound));
            }
        };
        let now = self.clock.now();
        let desk = match arrival_decision(&appt, now, &self.config.arrival) {
            ArrivalDecision::AlreadyCheckedIn => {
                tracing::info!(appointment = %appt.id, "already checked in; nothing written");
                return Ok(ConfirmOutcome::SeeDesk(DeskReason::AlreadyCheckedIn));
            }
            ArrivalDecision::Welcome => None,
            ArrivalDecision::TooEarly => Some(DeskReason::TooEarly),
            ArrivalDecision::TooLate => Some(DeskReason::TooLate),
            ArrivalDecision::DeskOnly => Some(DeskReason::DeskOnly),
        };
        let state = desk.map_or(CheckInState::CheckedIn, CheckInState::NeedsDesk);
        let kind = CheckInKind::Appointment {
            appointment_id: appt.id.clone(),
        };
        // Forms are only offered when the patient is welcome (forms_before_check_in).
        let responses = match desk {
            None => self.responses(answered)?,
            Some(_) => Vec::new(),
        };
        let committed = self.commit(kind, state, responses)?;
        if let Some(reason) = desk {
            return Ok(ConfirmOutcome::SeeDesk(reason));
        }
        Ok(ConfirmOutcome::CheckedIn(self.ticket(committed)?))
    }

    /// A patient without an appointment: a ticket in the walk-in queue. The UI has checked
    /// the entries already; the birth date and phone rules are applied again here so that
    /// nothing invalid reaches the server.
    pub fn walk_in(
        &mut self,
        mut walk_in: WalkIn,
        answered: &[AnsweredForm],
    ) -> Result<Ticket, AppError> {
        if walk_in.birth_date > self.today() {
            return Err(DomainError::FutureDate.into());
        }
        walk_in.phone = match walk_in.phone.as_deref() {
            Some(p) => normalize_phone(p)?,
            None => None,
        };
        let responses = self.responses(answered)?;
        let committed = self.commit(
            CheckInKind::WalkIn(walk_in),
            CheckInState::CheckedIn,
            responses,
        )?;
        self.ticket(committed)
    }

    /// The ticket screen's facts: the estimate comes from the patient's queue (v2).
    fn ticket(&self, committed: Committed) -> Result<Ticket, AppError> {
        let wait = self.estimate_for(&committed.check_in_id)?;
        Ok(Ticket {
            ahead: wait.ahead,
            wait,
            ticket: committed.ticket,
            follow_url: self.follow_url(&committed.qr_token),
        })
    }

    /// Commits a check-in with its outbox row.
    fn commit(
        &mut self,
        kind: CheckInKind,
        state: CheckInState,
        responses: Vec<NewResponse>,
    ) -> Result<Committed, AppError> {
        let started = Instant::now();
        let new = NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now: self.clock.now(),
            kind,
            state,
            // 122 random bits: unguessable, and says nothing about the patient.
            qr_token: uuid::Uuid::new_v4().simple().to_string(),
            responses,
        };
        let committed = self.store.commit_check_in(&new)?;
        tracing::info!(
            check_in = %committed.id,
            outbox = %committed.outbox_id,
            ticket = %committed.ticket,
            needs_desk = state.desk_reason().map(|r| r.as_str()),
            forms = new.responses.len(),
            micros = micros_since(started),
            "check-in committed with its outbox row"
        );
        if let Some(nudge) = &self.after_commit {
            nudge();
        }
        Ok(Committed {
            check_in_id: committed.id,
            ticket: committed.ticket,
            qr_token: new.qr_token,
        })
    }

    fn follow_url(&self, token: &str) -> Option<String> {
        self.config
            .qr_url_template
            .as_ref()
            .map(|t| t.replace("{token}", token))
    }

    /// "I need help" on `screen` (a page name). Staff see it at once.
    pub fn request_help(&mut self, screen: &str) -> Result<(), AppError> {
        // Only a page-name shape is kept, so a wrong caller cannot put typed text in a log.
        let screen: String = screen
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            .take(40)
            .collect();
        let id = self.store.record_help_request(self.clock.now(), &screen)?;
        tracing::warn!(help_request = id, screen = %screen, "patient asked for help");
        Ok(())
    }
}

fn micros_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::FixedClock;
    use crate::config::ConfigError;
    use crate::store::StoreError;
    use chrono::Duration;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 7, 0)
            .unwrap()
    }

    fn config() -> ServiceConfig {
        ServiceConfig {
            arrival: ArrivalWindow {
                desk_only_types: vec!["procedure".into()],
                ..ArrivalWindow::default()
            },
            wait: WaitParams::default(),
            qr_url_template: Some("https://q.example/t/{token}".into()),
            forms: FormsConfig::default(),
            retention_hours: 24,
            staff_pin_hash: None,
            lobby_board: true,
        }
    }

    fn service(dir: &std::path::Path) -> CheckInService<FixedClock> {
        let store = Store::open_in_dir(dir).unwrap();
        let mut s = CheckInService::new(store, FixedClock::new(now()), config());
        assert!(s.seed_demo().unwrap() >= 45);
        s
    }

    fn found_in(s: &CheckInService<FixedClock>, family: &str, born: NaiveDate) -> String {
        let view = s
            .store()
            .find_candidates(now().date(), family, born)
            .unwrap();
        assert_eq!(view.len(), 1);
        view[0].id.clone()
    }

    fn found(id: Identification) -> AppointmentView {
        match id {
            Identification::Found(v) => v,
            other => panic!("expected a match, got {other:?}"),
        }
    }

    fn ticket(out: ConfirmOutcome) -> Ticket {
        match out {
            ConfirmOutcome::CheckedIn(t) => t,
            other => panic!("expected a ticket, got {other:?}"),
        }
    }

    fn not_found() -> Identification {
        Identification::SeeDesk(DeskReason::NotFound)
    }

    fn walk_in() -> WalkIn {
        WalkIn {
            given_name: "Ana".into(),
            family_name: "Torres".into(),
            birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
            phone: Some("555 014 2999".into()),
            reason: "sick".into(),
        }
    }

    #[test]
    fn identify_ignores_case_accents_and_separators() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let p = demo::people();
        for typed in ["MUNOZ", "muñoz", "Munoz ", "MUÑOZ"] {
            let maria = found(s.identify(typed, p.maria.birth_date).unwrap());
            assert_eq!(maria.display_name, "María M.");
            assert_eq!(maria.clinician, "Dr. Luis Romero");
        }
        let thanh = found(s.identify("NGUYEN", p.thanh.birth_date).unwrap());
        assert_eq!(thanh.display_name, "Thanh N.");
        for typed in ["obriensmith", "O'BRIEN SMITH", "O’Brien-Smith"] {
            assert_eq!(
                found(s.identify(typed, p.sean.birth_date).unwrap()).display_name,
                "Sean O."
            );
        }
    }

    #[test]
    fn the_garcias_need_the_right_birth_date() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let p = demo::people();
        let ana = found(s.identify("garcia", p.ana_garcia.birth_date).unwrap());
        let jose = found(s.identify("GARCÍA", p.jose_garcia.birth_date).unwrap());
        assert_eq!(
            (ana.display_name.as_str(), jose.display_name.as_str()),
            ("Ana G.", "José G.")
        );
        assert_ne!(ana.appointment_id, jose.appointment_id);
        assert_eq!(s.failed_identifications(), 0);
        assert_eq!(
            s.identify("garcia", p.maria.birth_date).unwrap(),
            not_found()
        );
        assert_eq!(
            s.identify("garcia", p.ana_garcia.birth_date + Duration::days(1))
                .unwrap(),
            not_found()
        );
        assert_eq!(
            s.identify("", p.ana_garcia.birth_date).unwrap(),
            not_found()
        );
        assert_eq!(s.failed_identifications(), 3, "failures are counted");
        // The fourth attempt comes after the pause that three failures impose.
        s.clock().set(now() + Duration::seconds(5));
        found(s.identify("garcia", p.ana_garcia.birth_date).unwrap());
        assert_eq!(s.failed_identifications(), 0, "and reset by a success");
    }

    #[test]
    fn two_patients_with_the_same_name_and_birth_date_go_to_the_desk() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let mut roster = demo::demo_roster(now());
        let p = demo::people();
        // A second, different Ana García born the same day.
        let mut twin = roster
            .iter()
            .find(|a| a.code == p.ana_garcia.code)
            .unwrap()
            .clone();
        twin.id = "twin".into();
        twin.code = "CKI-TWIN01".into();
        twin.patient.id = "twin-p".into();
        roster.push(twin);
        s.store.replace_roster(now().date(), &roster).unwrap();
        assert_eq!(
            s.identify("garcia", p.ana_garcia.birth_date).unwrap(),
            not_found()
        );
    }

    #[test]
    fn a_cancelled_appointment_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let cancelled = demo::demo_roster(now())
            .into_iter()
            .find(|a| a.status == AppointmentStatus::Cancelled)
            .unwrap();
        let p = &cancelled.patient;
        assert_eq!(
            s.identify(&p.family_name, p.birth_date).unwrap(),
            not_found()
        );
        assert_eq!(s.identify_by_scan(&cancelled.code).unwrap(), not_found());
        assert_eq!(
            s.confirm(&cancelled.id, &[]).unwrap(),
            ConfirmOutcome::SeeDesk(DeskReason::NotFound)
        );
        assert_eq!(s.store().check_in_count().unwrap(), 0);
    }

    fn phq2(answers: &[(&str, &str)]) -> AnsweredForm {
        use crate::domain::questionnaire::{Answer, AnswerCode};
        let form = FormCatalogue::load(&FormsConfig::default())
            .forms()
            .iter()
            .find(|q| q.source_name() == "phq2-screening.json")
            .cloned()
            .unwrap();
        let mut a = Answers::new();
        for (link, code) in answers {
            a.set(
                *link,
                Answer::Choice(vec![AnswerCode::Coding {
                    system: Some(
                        "https://checkin-kiosk.example.org/fhir/CodeSystem/phq-frequency".into(),
                    ),
                    code: (*code).into(),
                }]),
            );
        }
        AnsweredForm { form, answers: a }
    }

    #[test]
    fn forms_are_offered_only_to_patients_who_are_welcome() {
        let dir = tempfile::tempdir().unwrap();
        let s = service(dir.path());
        let maria = found_in(&s, "munoz", demo::people().maria.birth_date);
        let appt = s.store().appointment(&maria).unwrap().unwrap();
        let forms = s.forms_before_check_in(&maria).unwrap();
        assert_eq!(
            forms.len(),
            s.forms().for_appointment_type(&appt.appointment_type).len()
        );
        assert!(!forms.is_empty(), "the demo maps every bookable type");
        let procedure = demo::demo_roster(now())
            .into_iter()
            .find(|a| a.appointment_type == "procedure")
            .unwrap();
        assert!(s.forms_before_check_in(&procedure.id).unwrap().is_empty());
        assert!(s.forms_before_check_in("no-such-id").unwrap().is_empty());
        assert_eq!(s.forms_for_walk_in().len(), 1);
    }

    #[test]
    fn answers_are_committed_with_the_check_in_and_an_incomplete_form_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let maria = found_in(&s, "munoz", demo::people().maria.birth_date);
        let err = s.confirm(&maria, &[phq2(&[("phq2-1", "1")])]).unwrap_err();
        assert!(
            matches!(err, AppError::FormIncomplete { problems: 1, .. }),
            "{err:?}"
        );
        assert_eq!(err.message_key(), "error.form_incomplete");
        assert_eq!(s.store().check_in_count().unwrap(), 0, "nothing written");

        let done = phq2(&[("phq2-1", "1"), ("phq2-2", "0")]);
        ticket(s.confirm(&maria, &[done]).unwrap());
        let id = s.store().check_in_summaries(now().date()).unwrap()[0]
            .id
            .clone();
        let stored = s.store().questionnaire_responses(&id).unwrap();
        assert_eq!(stored.len(), 1);
        let r = &stored[0].resource;
        assert_eq!(
            r["questionnaire"],
            "https://checkin-kiosk.example.org/fhir/Questionnaire/phq2-screening|2026-01"
        );
        assert_eq!(stored[0].questionnaire, r["questionnaire"]);
        let authored = r["authored"].as_str().unwrap();
        assert!(authored.starts_with("2026-11-23T10:07:00"), "{authored}");
        assert!(
            chrono::DateTime::parse_from_rfc3339(authored).is_ok(),
            "authored carries an offset: {authored}"
        );
        assert_eq!(r["item"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn confirm_writes_one_check_in_and_one_outbox_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let maria = found(
            s.identify("munoz", demo::people().maria.birth_date)
                .unwrap(),
        );
        let t = ticket(s.confirm(&maria.appointment_id, &[]).unwrap());
        assert_eq!(t.ticket, "A-001");
        assert_eq!(t.ahead, 2, "two patients of Dr. Romero are already waiting");
        assert!(t.wait.max_minutes > t.wait.min_minutes);
        let url = t.follow_url.unwrap();
        let token = url.strip_prefix("https://q.example/t/").unwrap();
        assert_eq!(token.len(), 32, "{url}");
        assert_eq!(s.store().check_in_count().unwrap(), 1);
        assert_eq!(s.store().outbox_counts().unwrap().pending, 1);
        let rows = s.store().check_in_summaries(now().date()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].state, CheckInState::CheckedIn);
        assert_eq!(
            rows[0].appointment_id.as_deref(),
            Some(maria.appointment_id.as_str())
        );

        // A second "yes" (double tap, or coming back) writes nothing more.
        assert_eq!(
            s.confirm(&maria.appointment_id, &[]).unwrap(),
            ConfirmOutcome::SeeDesk(DeskReason::AlreadyCheckedIn)
        );
        assert_eq!(s.store().check_in_count().unwrap(), 1);
        assert_eq!(s.store().outbox_counts().unwrap().pending, 1);
        // The next patient of Dr. Romero has María ahead too.
        let ana = found(
            s.identify("garcia", demo::people().ana_garcia.birth_date)
                .unwrap(),
        );
        let t2 = ticket(s.confirm(&ana.appointment_id, &[]).unwrap());
        assert_eq!(t2.ticket, "A-002");
        assert_eq!(
            t2.ahead, 2,
            "Ana's slot is before María's: María is not ahead"
        );
    }

    #[test]
    fn without_a_template_there_is_no_follow_url() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        s.set_config(ServiceConfig {
            qr_url_template: None,
            ..config()
        });
        let t = s.walk_in(walk_in(), &[]).unwrap();
        assert_eq!(t.follow_url, None);
    }

    #[test]
    fn too_early_too_late_and_desk_only_are_recorded_for_staff() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let roster = demo::demo_roster(now());
        let later = roster
            .iter()
            .find(|a| a.start > now() + Duration::hours(2) && a.status == AppointmentStatus::Booked)
            .unwrap();
        assert_eq!(
            s.confirm(&later.id, &[]).unwrap(),
            ConfirmOutcome::SeeDesk(DeskReason::TooEarly)
        );
        let procedure = roster
            .iter()
            .find(|a| a.appointment_type == "procedure")
            .unwrap();
        assert_eq!(
            s.confirm(&procedure.id, &[]).unwrap(),
            ConfirmOutcome::SeeDesk(DeskReason::DeskOnly)
        );
        let thanh = found(s.identify_by_scan(demo::people().thanh.code).unwrap());
        s.clock().advance(Duration::hours(2));
        assert_eq!(
            s.confirm(&thanh.appointment_id, &[]).unwrap(),
            ConfirmOutcome::SeeDesk(DeskReason::TooLate)
        );

        let rows = s.store().check_in_summaries(now().date()).unwrap();
        let states: Vec<CheckInState> = rows.iter().map(|r| r.state).collect();
        assert_eq!(
            states,
            [
                CheckInState::NeedsDesk(DeskReason::TooEarly),
                CheckInState::NeedsDesk(DeskReason::DeskOnly),
                CheckInState::NeedsDesk(DeskReason::TooLate),
            ]
        );
        assert_eq!(s.store().outbox_counts().unwrap().pending, 3);
        // Sent to the desk, not checked in: the appointment stays bookable at the desk.
        assert_eq!(
            s.store().appointment(&later.id).unwrap().unwrap().status,
            AppointmentStatus::Booked
        );
        // Desk-only with the type no longer listed: welcome.
        s.set_config(ServiceConfig::default());
        s.clock().set(procedure.start);
        ticket(s.confirm(&procedure.id, &[]).unwrap());
    }

    #[test]
    fn walk_ins_queue_up_and_the_wait_grows() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let first = s.walk_in(walk_in(), &[]).unwrap();
        let second = s.walk_in(walk_in(), &[]).unwrap();
        let third = s.walk_in(walk_in(), &[]).unwrap();
        assert_eq!(
            (
                first.ticket.as_str(),
                second.ticket.as_str(),
                third.ticket.as_str()
            ),
            ("W-001", "W-002", "W-003")
        );
        assert_eq!((first.ahead, second.ahead, third.ahead), (0, 1, 2));
        assert_eq!((first.wait.min_minutes, first.wait.max_minutes), (0, 5));
        assert!(second.wait.max_minutes > first.wait.max_minutes);
        assert!(third.wait.max_minutes > second.wait.max_minutes);
        assert!(third.wait.min_minutes > first.wait.min_minutes);
        assert_eq!(s.store().outbox_counts().unwrap().pending, 3);
    }

    #[test]
    fn walk_ins_are_checked_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let mut w = walk_in();
        w.birth_date = now().date() + Duration::days(1);
        assert!(matches!(
            s.walk_in(w, &[]),
            Err(AppError::Invalid(DomainError::FutureDate))
        ));
        let mut w = walk_in();
        w.phone = Some("12".into());
        let err = s.walk_in(w, &[]).unwrap_err();
        assert_eq!(err.message_key(), "error.bad_phone");
        assert_eq!(s.store().check_in_count().unwrap(), 0);
    }

    #[test]
    fn scans_find_the_appointment_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        assert_eq!(
            found(s.identify_by_scan("cki-ngu901\r\n").unwrap()).display_name,
            "Thanh N."
        );
        assert_eq!(
            found(
                s.identify_by_scan("https://clinic.example/r/CKI-NGU901")
                    .unwrap()
            )
            .display_name,
            "Thanh N."
        );
        assert_eq!(s.identify_by_scan("CKI-ZZZ999").unwrap(), not_found());
        let err = s.identify_by_scan("%%!é").unwrap_err();
        assert!(matches!(err, AppError::BadScan));
        assert_eq!(err.message_key(), "error.bad_scan");
    }

    #[test]
    fn wait_estimates_grow_with_people_ahead_of_an_appointment() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let p = demo::people();
        let typical_before = s.typical_wait_minutes().unwrap();
        let jose = found(s.identify("garcia", p.jose_garcia.birth_date).unwrap());
        let first = ticket(s.confirm(&jose.appointment_id, &[]).unwrap());
        let thanh = found(s.identify("nguyen", p.thanh.birth_date).unwrap());
        let second = ticket(s.confirm(&thanh.appointment_id, &[]).unwrap());
        assert_eq!(second.ahead, first.ahead + 1, "José is ahead of Thanh");
        assert!(second.wait.max_minutes > first.wait.max_minutes);
        assert!(s.typical_wait_minutes().unwrap() >= typical_before);
        assert!(typical_before >= WaitParams::default().minutes_per_patient);
    }

    #[test]
    fn help_requests_are_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        s.request_help("identify").unwrap();
        s.request_help("María Muñoz 1984").unwrap();
        assert_eq!(s.store().open_help_requests().unwrap(), 2);
    }

    #[test]
    fn views_and_errors_never_carry_patient_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let p = demo::people();
        let view = s.identify("munoz", p.maria.birth_date).unwrap();

        // A real SQLite failure in the middle of a walk-in with a demo patient's data.
        let db = rusqlite::Connection::open(dir.path().join("kiosk.db")).unwrap();
        db.execute_batch(
            "CREATE TRIGGER fail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'forced'); END;",
        )
        .unwrap();
        let sqlite_failure = s
            .walk_in(
                WalkIn {
                    given_name: p.maria.given_name.into(),
                    family_name: p.maria.family_name.into(),
                    birth_date: p.maria.birth_date,
                    phone: Some("5550142999".into()),
                    reason: "injury".into(),
                },
                &[],
            )
            .unwrap_err();
        assert_eq!(sqlite_failure.message_key(), "error.store");

        // A configuration file with a patient's name in it (someone pasted the wrong text).
        let cfg = dir.path().join("kiosk.toml");
        std::fs::write(&cfg, "practice_name = María Muñoz 1984-03-09\n").unwrap();
        let syntax = crate::config::load(Some(&cfg), Vec::new()).unwrap_err();
        assert!(matches!(syntax, ConfigError::Syntax { .. }));
        let missing =
            crate::config::load(Some(&dir.path().join("none.toml")), Vec::new()).unwrap_err();

        let mut texts = vec![
            format!("{view:?}"),
            format!("{sqlite_failure} {sqlite_failure:?}"),
            format!("{syntax} {syntax:?}"),
            format!("{missing} {missing:?}"),
        ];
        let domain = [
            DomainError::BadScan,
            DomainError::BadDate,
            DomainError::FutureDate,
            DomainError::TooOld,
            DomainError::BadPhone,
            DomainError::UnknownValue("appointment status"),
        ];
        for e in domain.iter().cloned() {
            texts.push(format!("{e} {e:?}"));
            let app = AppError::from(e);
            texts.push(format!("{app} {app:?} {}", app.message_key()));
        }
        let store_errors = [
            StoreError::TooNew { found: 9, known: 1 },
            StoreError::Corrupt("unknown appointment status"),
            StoreError::DataDir {
                path: dir.path().to_owned(),
                source: std::io::Error::other("denied"),
            },
        ];
        for e in store_errors {
            texts.push(format!("{e} {e:?}"));
            let app = AppError::from(e);
            texts.push(format!("{app} {app:?}"));
        }
        for who in p.all() {
            let born = who.birth_date.to_string();
            for text in &texts {
                for secret in [who.given_name, who.family_name, born.as_str(), "5550142999"] {
                    assert!(!text.contains(secret), "{secret:?} in {text}");
                }
            }
        }
    }

    #[test]
    fn repeated_failures_are_slowed_down_and_a_pause_lets_the_next_attempt_through() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let wrong = NaiveDate::from_ymd_opt(1901, 1, 1).unwrap();
        for _ in 0..3 {
            assert_eq!(
                s.identification_pause_secs(),
                0,
                "the first failures are free"
            );
            assert_eq!(
                s.identify("nobody", wrong).unwrap(),
                Identification::SeeDesk(DeskReason::NotFound)
            );
        }
        assert_eq!(s.identification_pause_secs(), 5);
        let maria = demo::people().maria;
        assert!(matches!(
            s.identify("munoz", maria.birth_date),
            Err(AppError::SlowDown { seconds: 5 })
        ));
        assert!(matches!(
            s.identify_by_scan("CKI-NGU901"),
            Err(AppError::SlowDown { .. })
        ));
        s.clock().set(now() + Duration::seconds(5));
        assert_eq!(s.identification_pause_secs(), 0);
        assert!(matches!(
            s.identify("munoz", maria.birth_date).unwrap(),
            Identification::Found(_)
        ));
        assert_eq!(s.failed_identifications(), 0, "a success resets the count");
    }
}
