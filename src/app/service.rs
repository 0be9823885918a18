//! CheckInService: identify, confirm, walk in, ask for help. Every check-in is committed
//! with its outbox row before the patient is told "done".

use chrono::{NaiveDate, NaiveDateTime};

use super::{demo, AppError, Clock};
use crate::config::Config;
use crate::domain::{
    arrival_decision, decide_match, estimate_wait, parse_scan, typical_wait, Appointment, ArrivalDecision,
    ArrivalWindow, CheckInKind, CheckInState, DeskReason, MatchOutcome, WaitEstimate, WaitParams, WalkIn,
};
use crate::store::{NewCheckIn, Store};

/// The part of the configuration the check-in rules use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    pub arrival: ArrivalWindow,
    pub wait: WaitParams,
    pub qr_url_template: Option<String>,
}

impl From<&Config> for ServiceConfig {
    fn from(c: &Config) -> Self {
        ServiceConfig {
            arrival: c.arrival.clone(),
            wait: c.wait.clone(),
            qr_url_template: c.qr_url_template.clone(),
        }
    }
}

/// What "Is this you?" shows: the minimum, never the birth date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentView {
    pub appointment_id: String,
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identification {
    Found(AppointmentView),
    /// Zero or several matches look the same: nobody learns who else is booked.
    SeeDesk(DeskReason),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub ticket: String,
    pub ahead: u32,
    pub wait: WaitEstimate,
    /// The "follow your place" URL with an opaque token; None when no template is set.
    pub follow_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfirmOutcome {
    CheckedIn(Ticket),
    SeeDesk(DeskReason),
}

pub struct CheckInService<C: Clock> {
    store: Store,
    clock: C,
    config: ServiceConfig,
}

impl<C: Clock> CheckInService<C> {
    pub fn new(store: Store, clock: C, config: ServiceConfig) -> Self {
        CheckInService { store, clock, config }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    pub fn set_config(&mut self, config: ServiceConfig) {
        self.config = config;
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.now().date()
    }

    /// Replaces today's roster with the demo practice laid out around now.
    pub fn seed_demo(&mut self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let roster = demo::demo_roster(now);
        self.store.replace_roster(now.date(), &roster)?;
        Ok(roster.len())
    }

    pub fn identify(&mut self, family_name: &str, birth_date: NaiveDate) -> Result<Identification, AppError> {
        let candidates = self.store.find_candidates(self.today(), family_name, birth_date)?;
        Ok(match decide_match(candidates) {
            MatchOutcome::One(a) => {
                tracing::info!(appointment = %a.id, "patient identified by name and birth date");
                Identification::Found(AppointmentView::from(&a))
            }
            MatchOutcome::NoneFound => {
                tracing::info!(matches = 0, "identification did not match; sent to the desk");
                Identification::SeeDesk(DeskReason::NotFound)
            }
            MatchOutcome::Several => {
                tracing::info!(matches = "several", "identification was ambiguous; sent to the desk");
                Identification::SeeDesk(DeskReason::NotFound)
            }
        })
    }

    pub fn identify_by_scan(&mut self, raw: &str) -> Result<Identification, AppError> {
        let code = parse_scan(raw)?;
        match self.store.find_by_code(self.today(), &code)? {
            Some(a) if !matches!(a.status, crate::domain::AppointmentStatus::Cancelled) => {
                tracing::info!(appointment = %a.id, "patient identified by scanned code");
                Ok(Identification::Found(AppointmentView::from(&a)))
            }
            _ => {
                tracing::info!("scanned code not on today's roster; sent to the desk");
                Ok(Identification::SeeDesk(DeskReason::NotFound))
            }
        }
    }

    /// "Yes, that's me". Patients outside the arrival window are sent to the desk, and the
    /// check-in is still recorded (as needing the desk) so staff see them.
    pub fn confirm(&mut self, appointment_id: &str) -> Result<ConfirmOutcome, AppError> {
        let Some(appt) = self.store.appointment(appointment_id)? else {
            return Ok(ConfirmOutcome::SeeDesk(DeskReason::NotFound));
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
        let (ticket, token) = self.commit(kind, state)?;
        if let Some(reason) = desk {
            return Ok(ConfirmOutcome::SeeDesk(reason));
        }
        let ahead = self.store.waiting_ahead(self.today(), &appt.clinician, appt.start)?;
        let until_start = (appt.start - now).num_minutes();
        Ok(ConfirmOutcome::CheckedIn(Ticket {
            wait: estimate_wait(ahead, until_start, &self.config.wait),
            ahead,
            ticket,
            follow_url: self.follow_url(&token),
        }))
    }

    pub fn walk_in(&mut self, walk_in: WalkIn) -> Result<Ticket, AppError> {
        let (ticket, token) = self.commit(CheckInKind::WalkIn(walk_in), CheckInState::CheckedIn)?;
        let ahead = self.store.walk_ins_waiting(self.today())?.saturating_sub(1);
        Ok(Ticket {
            wait: estimate_wait(ahead, 0, &self.config.wait),
            ahead,
            ticket,
            follow_url: self.follow_url(&token),
        })
    }

    fn commit(&mut self, kind: CheckInKind, state: CheckInState) -> Result<(String, String), AppError> {
        let started = std::time::Instant::now();
        let new = NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now: self.clock.now(),
            kind,
            state,
            qr_token: uuid::Uuid::new_v4().simple().to_string(),
        };
        let committed = self.store.commit_check_in(&new)?;
        tracing::info!(
            check_in = %committed.id,
            outbox = %committed.outbox_id,
            ticket = %committed.ticket,
            needs_desk = matches!(state, CheckInState::NeedsDesk(_)),
            micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "check-in committed with its outbox row"
        );
        Ok((committed.ticket, new.qr_token))
    }

    fn follow_url(&self, token: &str) -> Option<String> {
        self.config.qr_url_template.as_ref().map(|t| t.replace("{token}", token))
    }

    pub fn request_help(&mut self, screen: &str) -> Result<(), AppError> {
        let id = self.store.record_help_request(self.clock.now(), screen)?;
        tracing::warn!(help_request = id, screen, "patient asked for help");
        Ok(())
    }

    /// Today's typical wait: the middle of the clinicians' current queues at the configured
    /// pace, or the pace itself when nobody waits.
    pub fn typical_wait_minutes(&self) -> Result<u32, AppError> {
        let pace = self.config.wait.minutes_per_patient;
        let queues: Vec<u32> = self
            .store
            .waiting_per_clinician(self.today())?
            .into_iter()
            .map(|n| n.saturating_mul(pace))
            .collect();
        Ok(typical_wait(&queues, &self.config.wait).max(pace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::FixedClock;
    use chrono::Duration;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(10, 0, 0).unwrap()
    }

    fn service(dir: &std::path::Path) -> CheckInService<FixedClock> {
        let store = Store::open_in_dir(dir).unwrap();
        let config = ServiceConfig {
            arrival: ArrivalWindow {
                desk_only_types: vec!["procedure".into()],
                ..ArrivalWindow::default()
            },
            wait: WaitParams::default(),
            qr_url_template: Some("https://q.example/t/{token}".into()),
        };
        let mut s = CheckInService::new(store, FixedClock::new(now()), config);
        s.seed_demo().unwrap();
        s
    }

    fn found(id: Identification) -> AppointmentView {
        match id {
            Identification::Found(v) => v,
            other => panic!("expected a match, got {other:?}"),
        }
    }

    #[test]
    fn identify_ignores_case_and_accents_and_hides_ambiguity() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let p = demo::people();
        let maria = found(s.identify("MUNOZ", p.maria.birth_date).unwrap());
        assert_eq!(maria.display_name, "María M.");
        let thanh = found(s.identify("nguyen", p.thanh.birth_date).unwrap());
        assert_eq!(thanh.display_name, "Thanh N.");
        assert_eq!(
            s.identify("garcia", p.maria.birth_date).unwrap(),
            Identification::SeeDesk(DeskReason::NotFound)
        );
        assert_eq!(found(s.identify("García", p.jose_garcia.birth_date).unwrap()).display_name, "José G.");
    }

    #[test]
    fn confirm_writes_one_check_in_and_one_outbox_row_and_estimates_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let maria = found(s.identify("munoz", demo::people().maria.birth_date).unwrap());
        let ConfirmOutcome::CheckedIn(ticket) = s.confirm(&maria.appointment_id).unwrap() else {
            panic!("María is inside her window");
        };
        assert_eq!(ticket.ticket, "A-001");
        assert_eq!(ticket.ahead, 2, "two patients of Dr. Romero are already waiting");
        assert!(ticket.wait.max_minutes > ticket.wait.min_minutes);
        let url = ticket.follow_url.unwrap();
        assert!(url.starts_with("https://q.example/t/") && url.len() > 30);
        assert_eq!(s.store().check_in_count().unwrap(), 1);
        assert_eq!(s.store().outbox_counts().unwrap().pending, 1);
        // A second "yes" (double tap, or coming back) writes nothing more.
        assert_eq!(
            s.confirm(&maria.appointment_id).unwrap(),
            ConfirmOutcome::SeeDesk(DeskReason::AlreadyCheckedIn)
        );
        assert_eq!(s.store().check_in_count().unwrap(), 1);
    }

    #[test]
    fn too_early_and_desk_only_are_recorded_for_staff() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let roster = demo::demo_roster(now());
        let late_slot = roster
            .iter()
            .find(|a| {
                a.start > now() + Duration::minutes(90)
                    && a.appointment_type == "visit"
                    && a.status == crate::domain::AppointmentStatus::Booked
            })
            .unwrap();
        assert_eq!(s.confirm(&late_slot.id).unwrap(), ConfirmOutcome::SeeDesk(DeskReason::TooEarly));
        let procedure = roster.iter().find(|a| a.appointment_type == "procedure").unwrap();
        s.clock().set(procedure.start);
        assert_eq!(s.confirm(&procedure.id).unwrap(), ConfirmOutcome::SeeDesk(DeskReason::DeskOnly));
        assert_eq!(s.store().check_in_count().unwrap(), 2);
        assert_eq!(s.store().outbox_counts().unwrap().pending, 2);
    }

    #[test]
    fn walk_ins_queue_up_and_the_wait_grows() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let walk_in = || WalkIn {
            given_name: "Ana".into(),
            family_name: "Torres".into(),
            birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
            phone: None,
            reason: "sick".into(),
        };
        let first = s.walk_in(walk_in()).unwrap();
        let second = s.walk_in(walk_in()).unwrap();
        assert_eq!((first.ticket.as_str(), second.ticket.as_str()), ("W-001", "W-002"));
        assert_eq!((first.ahead, second.ahead), (0, 1));
        assert!(second.wait.max_minutes > first.wait.max_minutes);
    }

    #[test]
    fn scans_find_the_appointment_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        assert_eq!(found(s.identify_by_scan("cki-ngu901").unwrap()).display_name, "Thanh N.");
        assert_eq!(
            s.identify_by_scan("CKI-ZZZ999").unwrap(),
            Identification::SeeDesk(DeskReason::NotFound)
        );
        assert!(matches!(s.identify_by_scan("%%!é"), Err(AppError::BadScan)));
    }

    #[test]
    fn errors_never_carry_patient_data() {
        let errors = [
            AppError::BadScan,
            AppError::from(crate::domain::DomainError::BadDate),
            AppError::from(crate::domain::DomainError::BadPhone),
        ];
        for e in errors {
            let text = format!("{e} {e:?} {}", e.message_key());
            assert!(!text.contains("Muñoz") && !text.contains("1984"));
        }
    }
}
