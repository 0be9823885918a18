//! What front-desk staff do on the kiosk: the PIN (argon2 hash, lockout that survives a
//! restart), today's arrivals with calls and visits, help requests, failed sync items,
//! saved settings, the audit log, the lobby board and the insights. Every staff action is
//! audited; nothing here logs or audits patient data.

use std::collections::BTreeMap;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::{AppError, CheckInService, Clock};
use crate::domain::insights::{abandoned_by_step, per_hour, spread, Spread};
use crate::domain::{
    display_name, estimate_wait, typical_wait, AppointmentStatus, ClinicianQueue, DeskReason,
    WaitEstimate,
};
use crate::store::{AuditEntry, FailedItem, FlowOutcome, FlowSession, HelpRequest};

/// Wrong PINs in a row before staff entry locks.
pub const PIN_ATTEMPTS: u32 = 5;
/// How long it stays locked.
pub const PIN_LOCKOUT_MINUTES: i64 = 5;

const PIN_HASH: &str = "pin_hash";
const FAILED_PINS: &str = "failed_pins";
const LOCKED_UNTIL: &str = "locked_until";
const LOCK_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// The outcome of a PIN typed on the staff pad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinCheck {
    Open,
    Wrong {
        attempts_left: u32,
    },
    Locked {
        until: NaiveDateTime,
    },
    /// No PIN yet (first run without one in the configuration): staff choose one.
    NotSet,
}

/// Where a patient on the Today page is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalStatus {
    Waiting,
    Called,
    Seen,
    NeedsDesk(DeskReason),
}

/// One row of the Today page. `name` is first name + initial; its Debug hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ArrivalRow {
    pub check_in_id: String,
    pub ticket: String,
    pub name: String,
    pub walk_in: bool,
    pub appointment_time: Option<NaiveDateTime>,
    pub clinician: Option<String>,
    pub status: ArrivalStatus,
    pub arrived_at: NaiveDateTime,
    /// Minutes since the check-in (until the call, once called).
    pub minutes_waiting: u32,
    /// For a waiting patient: the current estimate until the call.
    pub estimate: Option<WaitEstimate>,
}

impl std::fmt::Debug for ArrivalRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrivalRow")
            .field("ticket", &self.ticket)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// What the lobby board shows: tickets and clinicians, never a patient.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardView {
    /// Tickets called and not yet seen, the latest first.
    pub now_calling: Vec<String>,
    /// Each clinician with patients today, and how many minutes late they run.
    pub clinicians: Vec<(String, u32)>,
    pub typical_wait_minutes: u32,
    /// False when staff switched the board's tickets off.
    pub enabled: bool,
}

/// The Insights page's figures (de-identified).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Insights {
    /// The first hour of the hourly charts (e.g. 7 for 07:00).
    pub first_hour: u32,
    pub check_ins_per_hour: Vec<u32>,
    pub help_per_hour: Vec<u32>,
    pub wait_today: Spread,
    pub wait_30_days: Spread,
    /// The median wait of each of the last 30 days, oldest first (None: no calls).
    pub daily_median_wait: Vec<(NaiveDate, Option<u32>)>,
    /// Seconds from the first tap to the ticket, today.
    pub completion_seconds: Spread,
    pub sessions_checked_in: u32,
    pub sessions_desk: u32,
    pub sessions_abandoned: u32,
    /// Screens patients left from without checking in, most first.
    pub abandoned_at: Vec<(String, u32)>,
}

/// Today's queues by clinician ("" = walk-ins), each with the check-in id of every slot.
type Queues = BTreeMap<String, (ClinicianQueue, Vec<Option<String>>)>;

const FIRST_HOUR: u32 = 7;
const LAST_HOUR: u32 = 19;
const INSIGHT_DAYS: i64 = 30;

fn minutes(from: NaiveDateTime, to: NaiveDateTime) -> u32 {
    u32::try_from((to - from).num_minutes().max(0)).unwrap_or(u32::MAX)
}

fn hash_pin(pin: &str) -> Result<String, AppError> {
    // 16 random bytes from the UUID generator (the OS's randomness) as the salt.
    let salt =
        SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).map_err(|_| AppError::PinHash)?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AppError::PinHash)
}

fn pin_matches(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A staff PIN: 4 to 8 digits, not all the same digit.
pub fn pin_acceptable(pin: &str) -> bool {
    let digits = pin.chars().all(|c| c.is_ascii_digit());
    let first = pin.chars().next();
    digits && (4..=8).contains(&pin.len()) && !pin.chars().all(|c| Some(c) == first)
}

/// An argon2 PHC string for IT to put in the configuration (`staff_pin_hash`).
pub fn staff_pin_hash(pin: &str) -> Result<String, AppError> {
    if !pin_acceptable(pin) {
        return Err(AppError::PinFormat);
    }
    hash_pin(pin)
}

impl<C: Clock> CheckInService<C> {
    fn stored_pin_hash(&self) -> Result<Option<String>, AppError> {
        Ok(self
            .store
            .staff_state(PIN_HASH)?
            .or_else(|| self.config.staff_pin_hash.clone()))
    }

    /// When staff entry is locked after wrong PINs: until then (None: open).
    pub fn staff_locked_until(&self) -> Result<Option<NaiveDateTime>, AppError> {
        let until = self
            .store
            .staff_state(LOCKED_UNTIL)?
            .and_then(|t| NaiveDateTime::parse_from_str(&t, LOCK_TIME_FORMAT).ok());
        Ok(until.filter(|u| *u > self.clock.now()))
    }

    /// Whether a staff PIN exists (saved on the kiosk or in the configuration).
    pub fn staff_pin_is_set(&self) -> Result<bool, AppError> {
        Ok(self.stored_pin_hash()?.is_some())
    }

    /// Checks a PIN typed on the staff pad. Wrong ones count (in the database, so a
    /// restart does not reset them); the fifth in a row locks entry for five minutes.
    pub fn check_staff_pin(&mut self, pin: &str) -> Result<PinCheck, AppError> {
        let now = self.clock.now();
        if let Some(until) = self.staff_locked_until()? {
            self.audit("audit.staff.pin_refused_locked", "")?;
            return Ok(PinCheck::Locked { until });
        }
        let Some(hash) = self.stored_pin_hash()? else {
            return Ok(PinCheck::NotSet);
        };
        if pin_matches(pin, &hash) {
            self.store.set_staff_state(FAILED_PINS, "0", now)?;
            self.audit("audit.staff.entered", "")?;
            return Ok(PinCheck::Open);
        }
        let failed = self
            .store
            .staff_state(FAILED_PINS)?
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
            .saturating_add(1);
        if failed >= PIN_ATTEMPTS {
            let until = now + Duration::minutes(PIN_LOCKOUT_MINUTES);
            self.store.set_staff_state(FAILED_PINS, "0", now)?;
            self.store.set_staff_state(
                LOCKED_UNTIL,
                &until.format(LOCK_TIME_FORMAT).to_string(),
                now,
            )?;
            self.audit("audit.staff.pin_wrong", &format!("{failed} in a row"))?;
            self.audit(
                "audit.staff.locked",
                &format!("until {}", until.format("%H:%M")),
            )?;
            tracing::warn!(
                minutes = PIN_LOCKOUT_MINUTES,
                "staff entry locked after wrong PINs"
            );
            return Ok(PinCheck::Locked { until });
        }
        self.store
            .set_staff_state(FAILED_PINS, &failed.to_string(), now)?;
        self.audit("audit.staff.pin_wrong", &format!("{failed} in a row"))?;
        Ok(PinCheck::Wrong {
            attempts_left: PIN_ATTEMPTS - failed,
        })
    }

    /// Saves a new staff PIN (its argon2 hash only).
    pub fn set_staff_pin(&mut self, pin: &str) -> Result<(), AppError> {
        let hash = staff_pin_hash(pin)?;
        self.store
            .set_staff_state(PIN_HASH, &hash, self.clock.now())?;
        self.audit("audit.staff.pin_changed", "")?;
        Ok(())
    }

    /// One line in the audit log. `action` is its locale key (audit.*); callers pass
    /// non-patient details only.
    pub fn audit(&mut self, action: &str, detail: &str) -> Result<(), AppError> {
        Ok(self.store.record_audit(self.clock.now(), action, detail)?)
    }

    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.store.audit_log(limit)?)
    }

    /// Every queue of today by clinician ("" = walk-ins), with the check-in id of each
    /// slot in the queue's order.
    fn queues(&self) -> Result<Queues, AppError> {
        let mut grouped: BTreeMap<String, Vec<(crate::domain::QueueSlot, Option<String>)>> =
            BTreeMap::new();
        for row in self.store.queue_rows(self.today())? {
            grouped
                .entry(row.clinician)
                .or_default()
                .push((row.slot, row.check_in_id));
        }
        Ok(grouped
            .into_iter()
            .map(|(clinician, mut rows)| {
                rows.sort_by_key(|(s, _)| s.scheduled.or(s.arrived));
                let ids = rows.iter().map(|(_, id)| id.clone()).collect();
                let queue = ClinicianQueue::new(rows.into_iter().map(|(s, _)| s).collect());
                (clinician, (queue, ids))
            })
            .collect())
    }

    /// The current estimate for a waiting check-in (v2: its clinician's day); the simple
    /// estimate when the check-in is not in any queue.
    pub fn estimate_for(&self, check_in_id: &str) -> Result<WaitEstimate, AppError> {
        let now = self.clock.now();
        for (queue, ids) in self.queues()?.values() {
            if let Some(index) = ids.iter().position(|id| id.as_deref() == Some(check_in_id)) {
                return Ok(queue.estimate(index, now, &self.config.wait));
            }
        }
        Ok(estimate_wait(0, 0, &self.config.wait))
    }

    /// Today's arrivals for the Today page, oldest first.
    pub fn today_arrivals(&self) -> Result<Vec<ArrivalRow>, AppError> {
        let now = self.clock.now();
        let queues = self.queues()?;
        let estimate = |id: &str| {
            queues.values().find_map(|(queue, ids)| {
                let index = ids.iter().position(|i| i.as_deref() == Some(id))?;
                Some(queue.estimate(index, now, &self.config.wait))
            })
        };
        Ok(self
            .store
            .arrivals(self.today())?
            .into_iter()
            .map(|a| {
                let seen = a.seen_at.is_some()
                    || a.appointment_status == Some(AppointmentStatus::Fulfilled);
                let status = match (a.desk_reason, seen, a.called_at) {
                    (Some(reason), false, None) => ArrivalStatus::NeedsDesk(reason),
                    (_, true, _) => ArrivalStatus::Seen,
                    (_, false, Some(_)) => ArrivalStatus::Called,
                    (None, false, None) => ArrivalStatus::Waiting,
                };
                ArrivalRow {
                    name: display_name(
                        a.given_name.as_deref().unwrap_or(""),
                        a.family_name.as_deref().unwrap_or(""),
                    ),
                    minutes_waiting: minutes(a.created_at, a.called_at.unwrap_or(now)),
                    estimate: (status == ArrivalStatus::Waiting)
                        .then(|| estimate(&a.check_in_id))
                        .flatten(),
                    check_in_id: a.check_in_id,
                    ticket: a.ticket,
                    walk_in: a.walk_in,
                    appointment_time: a.start,
                    clinician: a.clinician,
                    status,
                    arrived_at: a.created_at,
                }
            })
            .collect())
    }

    fn ticket_of(&self, check_in_id: &str) -> Result<String, AppError> {
        Ok(self
            .store
            .arrivals(self.today())?
            .into_iter()
            .find(|a| a.check_in_id == check_in_id)
            .map(|a| a.ticket)
            .unwrap_or_default())
    }

    /// Staff call a patient in: the board shows the ticket, the estimates behind move up.
    pub fn call_patient(&mut self, check_in_id: &str) -> Result<bool, AppError> {
        let called = self.store.mark_called(check_in_id, self.clock.now())?;
        if called {
            let ticket = self.ticket_of(check_in_id)?;
            self.audit("audit.today.called", &ticket)?;
        }
        Ok(called)
    }

    /// The visit is over: the ticket leaves the board, the day's visit length is observed.
    pub fn mark_patient_seen(&mut self, check_in_id: &str) -> Result<bool, AppError> {
        let seen = self.store.mark_seen(check_in_id, self.clock.now())?;
        if seen {
            let ticket = self.ticket_of(check_in_id)?;
            self.audit("audit.today.seen", &ticket)?;
        }
        Ok(seen)
    }

    /// Calls the patient who has waited longest for their turn (appointment start, or
    /// arrival for walk-ins). Returns the ticket, None when nobody waits.
    pub fn call_next(&mut self) -> Result<Option<String>, AppError> {
        let next = self
            .today_arrivals()?
            .into_iter()
            .filter(|a| a.status == ArrivalStatus::Waiting)
            .min_by_key(|a| a.appointment_time.unwrap_or(a.arrived_at));
        match next {
            Some(a) => {
                self.call_patient(&a.check_in_id)?;
                Ok(Some(a.ticket))
            }
            None => Ok(None),
        }
    }

    pub fn help_requests(&self) -> Result<Vec<HelpRequest>, AppError> {
        Ok(self.store.help_requests_open()?)
    }

    pub fn resolve_help_request(&mut self, id: i64) -> Result<bool, AppError> {
        let resolved = self.store.resolve_help_request(id, self.clock.now())?;
        if resolved {
            self.audit("audit.today.help_resolved", &format!("request {id}"))?;
        }
        Ok(resolved)
    }

    pub fn failed_items(&self) -> Result<Vec<FailedItem>, AppError> {
        Ok(self.store.failed_outbox()?)
    }

    /// A refused check-in goes back to the queue (after the practice fixed the cause).
    pub fn retry_failed(&mut self, outbox_id: &str) -> Result<bool, AppError> {
        let retried = self.store.retry_outbox(outbox_id)?;
        if retried {
            self.audit("audit.sync.retry", outbox_id)?;
            if let Some(nudge) = &self.after_commit {
                nudge();
            }
        }
        Ok(retried)
    }

    /// Staff dealt with a refused check-in at the desk: hidden from the list, still kept.
    pub fn set_aside_failed(&mut self, outbox_id: &str) -> Result<bool, AppError> {
        let done = self.store.set_aside_outbox(outbox_id, self.clock.now())?;
        if done {
            self.audit("audit.sync.set_aside", outbox_id)?;
        }
        Ok(done)
    }

    /// A staff-saved setting (stored value text). The audit shows old -> new unless the
    /// setting is secret.
    pub fn save_setting(
        &mut self,
        key: &str,
        value: &str,
        shown_before: &str,
        shown_after: &str,
        secret: bool,
    ) -> Result<(), AppError> {
        self.store.set_setting(key, value, self.clock.now())?;
        let detail = if secret {
            key.to_owned()
        } else {
            format!("{key}: {shown_before} -> {shown_after}")
        };
        self.audit("audit.settings.changed", &detail)
    }

    /// Back to the file's (or the environment's, or the built-in) value.
    pub fn reset_setting(&mut self, key: &str) -> Result<(), AppError> {
        self.store.clear_setting(key)?;
        self.audit("audit.settings.reset", key)
    }

    pub fn saved_settings(&self) -> Result<Vec<(String, String)>, AppError> {
        Ok(self.store.settings()?)
    }

    /// How a patient's session at the kiosk ended (de-identified: times and a screen name).
    pub fn record_session(
        &mut self,
        started_at: NaiveDateTime,
        outcome: FlowOutcome,
        last_step: &str,
    ) -> Result<(), AppError> {
        Ok(self.store.record_flow_session(&FlowSession {
            started_at,
            ended_at: self.clock.now(),
            outcome,
            last_step: last_step.to_owned(),
        })?)
    }

    /// Today's typical wait: the median observed wait (check-in -> call) today, else the
    /// queues at the configured pace.
    pub fn typical_wait_minutes(&self) -> Result<u32, AppError> {
        let today = self.today();
        let observed: Vec<u32> = self
            .store
            .observed_waits(today, today)?
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        if !observed.is_empty() {
            return Ok(typical_wait(&observed, &self.config.wait));
        }
        let pace = self.config.wait.minutes_per_patient;
        let queues: Vec<u32> = self
            .store
            .waiting_per_clinician(today)?
            .into_iter()
            .map(|n| n.saturating_mul(pace))
            .collect();
        Ok(typical_wait(&queues, &self.config.wait).max(pace))
    }

    /// The lobby board: called tickets, each clinician's delay, the typical wait.
    pub fn board(&self) -> Result<BoardView, AppError> {
        let now = self.clock.now();
        let clinicians = self
            .queues()?
            .into_iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, (queue, _))| (name, queue.running_late_minutes(now)))
            .collect();
        Ok(BoardView {
            now_calling: self
                .store
                .called_tickets(self.today(), 6)?
                .into_iter()
                .map(|(t, _)| t)
                .collect(),
            clinicians,
            typical_wait_minutes: self.typical_wait_minutes()?,
            enabled: self.config.lobby_board,
        })
    }

    pub fn insights(&self) -> Result<Insights, AppError> {
        let today = self.today();
        let day_start = today.and_time(chrono::NaiveTime::MIN);
        let day_end = day_start + Duration::days(1);
        let first_day = today - Duration::days(INSIGHT_DAYS - 1);
        let waits = self.store.observed_waits(first_day, today)?;
        let wait_today: Vec<u32> = waits
            .iter()
            .filter(|(d, _)| *d == today)
            .map(|(_, m)| *m)
            .collect();
        let all: Vec<u32> = waits.iter().map(|(_, m)| *m).collect();
        let daily_median_wait = (0..INSIGHT_DAYS)
            .map(|i| {
                let day = first_day + Duration::days(i);
                let of_day: Vec<u32> = waits
                    .iter()
                    .filter(|(d, _)| *d == day)
                    .map(|(_, m)| *m)
                    .collect();
                (day, spread(&of_day).median)
            })
            .collect();
        let sessions = self.store.flow_sessions(day_start, day_end)?;
        let completion: Vec<u32> = sessions
            .iter()
            .filter(|s| s.outcome == FlowOutcome::CheckedIn)
            .map(|s| {
                u32::try_from((s.ended_at - s.started_at).num_seconds().max(0)).unwrap_or(u32::MAX)
            })
            .collect();
        let count = |o: FlowOutcome| {
            u32::try_from(sessions.iter().filter(|s| s.outcome == o).count()).unwrap_or(u32::MAX)
        };
        Ok(Insights {
            first_hour: FIRST_HOUR,
            check_ins_per_hour: per_hour(
                &self.store.check_in_times(day_start, day_end)?,
                FIRST_HOUR,
                LAST_HOUR,
            ),
            help_per_hour: per_hour(
                &self.store.help_request_times(day_start, day_end)?,
                FIRST_HOUR,
                LAST_HOUR,
            ),
            wait_today: spread(&wait_today),
            wait_30_days: spread(&all),
            daily_median_wait,
            completion_seconds: spread(&completion),
            sessions_checked_in: count(FlowOutcome::CheckedIn),
            sessions_desk: count(FlowOutcome::Desk),
            sessions_abandoned: count(FlowOutcome::Abandoned),
            abandoned_at: abandoned_by_step(
                sessions
                    .iter()
                    .filter(|s| s.outcome == FlowOutcome::Abandoned)
                    .map(|s| s.last_step.as_str()),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{FixedClock, ServiceConfig};
    use crate::store::Store;

    fn service(dir: &std::path::Path) -> CheckInService<FixedClock> {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap();
        let store = Store::open_in_dir(dir).unwrap();
        CheckInService::new(store, FixedClock::new(now), ServiceConfig::default())
    }

    #[test]
    fn five_wrong_pins_lock_for_five_minutes_then_the_right_pin_opens() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        assert_eq!(s.check_staff_pin("2468").unwrap(), PinCheck::NotSet);
        assert!(matches!(s.set_staff_pin("1111"), Err(AppError::PinFormat)));
        assert!(matches!(s.set_staff_pin("12"), Err(AppError::PinFormat)));
        s.set_staff_pin("2468").unwrap();
        for left in (1..=4).rev() {
            assert_eq!(
                s.check_staff_pin("0000").unwrap(),
                PinCheck::Wrong {
                    attempts_left: left
                }
            );
        }
        let until = s.clock().now() + Duration::minutes(5);
        assert_eq!(
            s.check_staff_pin("0000").unwrap(),
            PinCheck::Locked { until }
        );
        assert_eq!(
            s.check_staff_pin("2468").unwrap(),
            PinCheck::Locked { until },
            "even the right PIN waits"
        );
        s.clock()
            .advance(Duration::minutes(5) + Duration::seconds(1));
        assert_eq!(s.check_staff_pin("2468").unwrap(), PinCheck::Open);
        // The count starts again after a success.
        assert_eq!(
            s.check_staff_pin("0000").unwrap(),
            PinCheck::Wrong { attempts_left: 4 }
        );
    }

    #[test]
    fn a_pin_hash_from_the_configuration_opens_until_staff_change_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = service(dir.path());
        let mut config = s.config().clone();
        config.staff_pin_hash = Some(staff_pin_hash("3579").unwrap());
        s.set_config(config);
        assert_eq!(s.check_staff_pin("3579").unwrap(), PinCheck::Open);
        s.set_staff_pin("8642").unwrap();
        assert_eq!(
            s.check_staff_pin("3579").unwrap(),
            PinCheck::Wrong { attempts_left: 4 }
        );
        assert_eq!(s.check_staff_pin("8642").unwrap(), PinCheck::Open);
    }
}
