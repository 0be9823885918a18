//! The demo practice: a full day laid out around "now", so a newcomer sees a working kiosk
//! at once (no server configured). Deterministic for a given `now`. A handful of named
//! patients can always check in; `people()` names them for the README, tests and screenshots.
//!
//! Layout: three clinicians, a slot every 15 minutes on the quarter hours, from about three
//! hours before `now` to about four hours after (87 appointments). Slot 0 is the quarter hour
//! at or before `now`, so slots +1 and +2 always start 0-30 minutes from now: the named
//! patients sit there. Earlier slots are fulfilled, or arrived and waiting; one later slot is
//! cancelled; one near slot is a "procedure" (desk-only in the example configuration).
//! Close to midnight some slots fall on the neighbouring day.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::domain::{fold_name, Appointment, AppointmentStatus, Patient};

pub const CLINICIANS: [&str; 3] = [
    "Dr. Amara Patel",
    "Dr. Luis Romero",
    "Nurse Practitioner Kim Lee",
];
const SLOT_MINUTES: i64 = 15;
/// Slots relative to the quarter hour at or before now: -12 is 3 hours before, +16 is 4 after.
const FIRST_SLOT: i64 = -12;
const LAST_SLOT: i64 = 16;
const CANCELLED: (usize, i64) = (0, 4);
const PROCEDURE: (usize, i64) = (2, 2);

/// A named demo patient.
#[derive(Clone, Debug)]
pub struct DemoPerson {
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub birth_date: NaiveDate,
    /// Printed on the reminder; scan it, or type it as "CKI:<code>".
    pub code: &'static str,
    pub clinician: &'static str,
    /// What "Is this you?" shows, e.g. "María M.".
    pub display_name: String,
}

/// The demo patients a tester can always check in (their appointments start within 30
/// minutes of the `now` the roster was laid out for).
#[derive(Clone, Debug)]
pub struct DemoPeople {
    /// María Muñoz, born 1984-03-09, with Dr. Luis Romero (try "MUNOZ").
    pub maria: DemoPerson,
    /// Thanh Nguyễn, born 1990-11-23, with Dr. Amara Patel, code CKI-NGU901.
    pub thanh: DemoPerson,
    /// Sean O'Brien-Smith, born 1975-06-30, with Nurse Practitioner Kim Lee.
    pub sean: DemoPerson,
    /// Ana García, born 1962-01-15: shares her family name with José.
    pub ana_garcia: DemoPerson,
    /// José García, born 1958-08-02: a different patient from Ana.
    pub jose_garcia: DemoPerson,
}

impl DemoPeople {
    pub fn all(&self) -> [&DemoPerson; 5] {
        [
            &self.maria,
            &self.thanh,
            &self.sean,
            &self.ana_garcia,
            &self.jose_garcia,
        ]
    }
}

fn person(
    given: &'static str,
    family: &'static str,
    (y, m, d): (i32, u32, u32),
    code: &'static str,
    clinician: usize,
) -> DemoPerson {
    let birth_date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let display_name = Patient {
        id: String::new(),
        given_name: given.into(),
        family_name: family.into(),
        birth_date,
    }
    .display_name();
    DemoPerson {
        given_name: given,
        family_name: family,
        birth_date,
        code,
        clinician: CLINICIANS.get(clinician).copied().unwrap_or_default(),
        display_name,
    }
}

/// The named demo patients.
pub fn people() -> DemoPeople {
    DemoPeople {
        maria: person("María", "Muñoz", (1984, 3, 9), "CKI-MUN384", 1),
        thanh: person("Thanh", "Nguyễn", (1990, 11, 23), "CKI-NGU901", 0),
        sean: person("Sean", "O'Brien-Smith", (1975, 6, 30), "CKI-OBR756", 2),
        ana_garcia: person("Ana", "García", (1962, 1, 15), "CKI-GAR621", 1),
        jose_garcia: person("José", "García", (1958, 8, 2), "CKI-GAR588", 0),
    }
}

/// Where each named patient sits: (clinician, slot).
fn named_slot(p: &DemoPeople, clinician: usize, slot: i64) -> Option<&DemoPerson> {
    match (clinician, slot) {
        (0, 1) => Some(&p.jose_garcia),
        (0, 2) => Some(&p.thanh),
        (1, 1) => Some(&p.ana_garcia),
        (1, 2) => Some(&p.maria),
        (2, 1) => Some(&p.sean),
        _ => None,
    }
}

const GIVEN: [&str; 31] = [
    "Olivia", "Jamal", "Chloé", "Wei", "Fatima", "Lukas", "Aisha", "Mateo", "Hana", "Dmitri",
    "Grace", "Amadou", "Isabel", "Tomás", "Linh", "Noah", "Zoë", "Søren", "Ingrid", "Kofi",
    "Renée", "Yusuf", "Mei", "Bruno", "Élodie", "Arjun", "Nadia", "Pablo", "Sione", "Keiko",
    "Omar",
];
// No named patient's family here except "Nguyen" (a namesake of Thanh, born on another day).
const FAMILY: [&str; 29] = [
    "Müller",
    "Côté",
    "Ng",
    "Đặng",
    "García López",
    "Haddad",
    "Kowalski",
    "Ferreira",
    "O'Connor",
    "Zhang",
    "Lefèvre",
    "Okafor",
    "Ramírez",
    "Nguyen",
    "Johansson",
    "Petrov",
    "Smith-Jones",
    "Østergaard",
    "Łukasiewicz",
    "Al-Farsi",
    "Brown",
    "Kim",
    "Schäfer",
    "Ibáñez",
    "Dubois",
    "Yılmaz",
    "Fitzgerald",
    "Mwangi",
    "St. Pierre",
];

fn pick<'a>(list: &[&'a str], i: usize) -> &'a str {
    list.get(i % list.len().max(1)).copied().unwrap_or("Doe")
}

/// A filler patient for slot number `n` (stable across days and times).
fn filler(n: usize) -> (Patient, String) {
    let family = pick(&FAMILY, n * 7 + 3);
    let year = 1938 + i32::try_from(n * 13 % 83).unwrap_or(0);
    let month = u32::try_from(n % 12).unwrap_or(0) + 1;
    let day = u32::try_from(n * 11 % 28).unwrap_or(0) + 1;
    let letters: String = fold_name(family)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .chain("XXX".chars())
        .take(3)
        .collect::<String>()
        .to_ascii_uppercase();
    let patient = Patient {
        id: format!("demo-p-{n:03}"),
        given_name: pick(&GIVEN, n * 5).into(),
        family_name: family.into(),
        birth_date: NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default(),
    };
    (patient, format!("CKI-{letters}{n:03}"))
}

/// The demo roster for the day of `now`, laid out around `now` (see the module docs).
pub fn demo_roster(now: NaiveDateTime) -> Vec<Appointment> {
    // The quarter hour at or before now: (now - 15 min, now].
    let minute = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let quarter = minute - Duration::minutes(i64::from(minute.minute()) % SLOT_MINUTES);
    let day_tag = now.date().format("%Y%m%d");
    let p = people();
    let mut out = Vec::new();
    let mut n = 0usize;
    for (ci, clinician) in CLINICIANS.iter().enumerate() {
        for slot in FIRST_SLOT..=LAST_SLOT {
            n += 1;
            let status = match (ci, slot) {
                _ if (ci, slot) == CANCELLED => AppointmentStatus::Cancelled,
                (1, -6) => AppointmentStatus::NoShow,
                (_, s) if s <= -4 => AppointmentStatus::Fulfilled,
                // Here and waiting: these are the people ahead of the named patients.
                (_, -3 | -2) => AppointmentStatus::Arrived,
                _ => AppointmentStatus::Booked,
            };
            let appointment_type = if (ci, slot) == PROCEDURE {
                "procedure"
            } else if slot % 4 == 0 {
                "follow-up"
            } else {
                "visit"
            };
            let (patient, code) = match named_slot(&p, ci, slot) {
                Some(who) => (
                    Patient {
                        id: format!("demo-p-{}", who.code.to_ascii_lowercase()),
                        given_name: who.given_name.into(),
                        family_name: who.family_name.into(),
                        birth_date: who.birth_date,
                    },
                    who.code.to_owned(),
                ),
                None => filler(n),
            };
            out.push(Appointment {
                id: format!("demo-{day_tag}-{n:03}"),
                code,
                start: quarter + Duration::minutes(SLOT_MINUTES * slot),
                clinician: (*clinician).to_owned(),
                appointment_type: appointment_type.into(),
                status,
                patient,
            });
        }
    }
    out
}

/// A morning of activity on the demo day, for staff-mode pictures and tests: check-ins
/// (one sent to the desk), walk-ins, calls and visits, an open help request, a check-in the
/// server refused, patient sessions, and ten earlier days of walk-ins for the 30-day
/// charts. `clock` must be the service's own clock; it ends at `now`.
pub fn stage_demo_day(
    service: &mut super::CheckInService<super::FixedClock>,
    now: NaiveDateTime,
) -> Result<(), super::AppError> {
    use crate::domain::WalkIn;
    use crate::store::FlowOutcome;
    let at = |minutes_before: i64| now - Duration::minutes(minutes_before);
    let walk_in = |given: &str, family: &str| WalkIn {
        given_name: given.into(),
        family_name: family.into(),
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default(),
        phone: None,
        reason: "sick".into(),
    };
    let id_of = |service: &super::CheckInService<super::FixedClock>, ticket: &str| {
        service
            .today_arrivals()
            .ok()
            .and_then(|rows| rows.into_iter().find(|r| r.ticket == ticket))
            .map(|r| r.check_in_id)
            .unwrap_or_default()
    };
    // Earlier days: four walk-ins a day, called after 8 to 29 minutes.
    for days_ago in 1..=10i64 {
        for k in 0..4i64 {
            let arrived = at(days_ago * 24 * 60 + 60 - k * 20);
            service.clock().set(arrived);
            let ticket = service.walk_in(walk_in("Demo", "Earlier"), &[])?;
            service
                .clock()
                .set(arrived + Duration::minutes(8 + (days_ago * 7 + k * 5) % 22));
            let id = id_of(service, &ticket.ticket);
            service.call_patient(&id)?;
            service.record_session(
                arrived - Duration::seconds(70 + k * 15),
                FlowOutcome::CheckedIn,
                "form",
            )?;
        }
    }
    service.seed_demo()?;
    let roster = demo_roster(now);
    let slot = |clinician: usize, minutes_before: i64| {
        roster
            .iter()
            .find(|a| a.clinician == CLINICIANS[clinician] && a.start == at(minutes_before))
            .map(|a| a.id.clone())
            .unwrap_or_default()
    };
    let quarter = i64::from(now.minute()) % SLOT_MINUTES;
    let step = |service: &super::CheckInService<super::FixedClock>, minutes_before: i64| {
        service.clock().set(at(minutes_before));
    };
    step(service, 40);
    let w1 = service.walk_in(walk_in("Demo", "Walkin"), &[])?.ticket;
    step(service, 20);
    for c in 0..3 {
        service.confirm(&slot(c, quarter + 15), &[])?;
    }
    step(service, 13);
    let a1 = id_of(service, "A-001");
    service.call_patient(&a1)?;
    step(service, 10);
    let w2 = service.walk_in(walk_in("Demo", "Second"), &[])?.ticket;
    step(service, 6);
    for c in 0..2 {
        service.confirm(&slot(c, quarter), &[])?;
    }
    let w1_id = id_of(service, &w1);
    service.call_patient(&w1_id)?;
    step(service, 3);
    // Far too early (an 11:15 appointment at 9:57): sent to the desk, recorded for staff.
    service.confirm(&slot(1, quarter - SLOT_MINUTES * 5), &[])?;
    step(service, 2);
    service.mark_patient_seen(&a1)?;
    service.request_help("birthdate")?;
    step(service, 1);
    let a2 = id_of(service, "A-002");
    service.call_patient(&a2)?;
    // The server refused the second walk-in (a real refusal names status and codes only).
    let w2_id = id_of(service, &w2);
    let outbox = service
        .store()
        .pending_outbox(100)?
        .into_iter()
        .find(|o| o.check_in_id == w2_id)
        .map(|o| o.outbox_id);
    if let Some(outbox) = outbox {
        service
            .store_mut()
            .mark_outbox_failed(&outbox, "the server answered HTTP 422 (invalid)")?;
    }
    for (minutes_before, secs, outcome, step_name) in [
        (50, 95, FlowOutcome::CheckedIn, "form"),
        (35, 80, FlowOutcome::CheckedIn, "form"),
        (30, 40, FlowOutcome::Abandoned, "birthdate"),
        (22, 110, FlowOutcome::CheckedIn, "form"),
        (18, 60, FlowOutcome::Abandoned, "form"),
        (12, 30, FlowOutcome::Desk, "confirm"),
        (9, 25, FlowOutcome::Abandoned, "birthdate"),
    ] {
        service
            .clock()
            .set(at(minutes_before) + Duration::seconds(secs));
        service.record_session(at(minutes_before), outcome, step_name)?;
    }
    service.clock().set(now);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        arrival_decision, decide_match, ArrivalDecision, ArrivalWindow, MatchOutcome,
    };
    use std::collections::BTreeSet;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// What the store would return for a typed name and birth date.
    fn candidates(roster: &[Appointment], family: &str, born: NaiveDate) -> Vec<Appointment> {
        roster
            .iter()
            .filter(|a| {
                fold_name(&a.patient.family_name) == fold_name(family)
                    && a.patient.birth_date == born
            })
            .cloned()
            .collect()
    }

    #[test]
    fn the_named_patients_can_check_in_at_any_minute() {
        let p = people();
        for minutes in 0..24 * 60 {
            let now = day().and_hms_opt(0, 0, 0).unwrap()
                + Duration::minutes(minutes)
                + Duration::seconds(minutes % 60);
            let roster = demo_roster(now);
            for who in p.all() {
                let appt = roster.iter().find(|a| a.code == who.code).unwrap();
                assert!(
                    appt.start >= now - Duration::minutes(10)
                        && appt.start <= now + Duration::minutes(30),
                    "{} at {now}",
                    who.code
                );
                assert_eq!(appt.clinician, who.clinician);
                assert_eq!(
                    arrival_decision(appt, now, &ArrivalWindow::default()),
                    ArrivalDecision::Welcome
                );
                // Name and birth date find exactly this appointment.
                match decide_match(candidates(&roster, who.family_name, who.birth_date)) {
                    MatchOutcome::One(a) => assert_eq!(a.code, who.code),
                    other => panic!("{} at {now}: {other:?}", who.code),
                }
            }
        }
    }

    #[test]
    fn the_day_is_realistic() {
        let now = day().and_hms_opt(10, 3, 0).unwrap();
        let roster = demo_roster(now);
        assert!(roster.len() >= 45, "{}", roster.len());
        let clinicians: BTreeSet<_> = roster.iter().map(|a| a.clinician.as_str()).collect();
        assert_eq!(clinicians, CLINICIANS.into_iter().collect());
        let first = roster.iter().map(|a| a.start).min().unwrap();
        let last = roster.iter().map(|a| a.start).max().unwrap();
        assert!(
            first <= now - Duration::hours(3) + Duration::minutes(15),
            "{first}"
        );
        assert!(
            last >= now + Duration::hours(3) + Duration::minutes(45),
            "{last}"
        );

        let codes: BTreeSet<_> = roster.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes.len(), roster.len(), "codes are unique");
        let ids: BTreeSet<_> = roster.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), roster.len(), "ids are unique");
        for a in &roster {
            let body = a.code.strip_prefix("CKI-").unwrap();
            assert!(
                body.len() == 6 && body.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                a.code
            );
        }
        let garcias: BTreeSet<_> = roster
            .iter()
            .filter(|a| fold_name(&a.patient.family_name) == "garcia")
            .map(|a| (a.patient.id.as_str(), a.patient.birth_date))
            .collect();
        assert_eq!(garcias.len(), 2, "two patients share a family name");
        for needle in ["-", "'", " ", "ễ", "ñ", "Đ", "ü", "ô"] {
            assert!(
                roster
                    .iter()
                    .any(|a| a.patient.family_name.contains(needle)),
                "a family name with {needle:?}"
            );
        }
        let count = |s| roster.iter().filter(|a| a.status == s).count();
        assert_eq!(count(AppointmentStatus::Cancelled), 1);
        assert!(count(AppointmentStatus::Fulfilled) >= 3);
        assert!(count(AppointmentStatus::Arrived) >= 3);
        assert_eq!(
            roster
                .iter()
                .filter(|a| a.appointment_type == "procedure")
                .count(),
            1
        );
        assert_eq!(demo_roster(now), roster, "deterministic");
    }

    #[test]
    fn filler_patients_keep_their_code_whatever_the_time() {
        let a = demo_roster(day().and_hms_opt(9, 0, 0).unwrap());
        let b = demo_roster(day().and_hms_opt(15, 40, 0).unwrap());
        let key = |r: &[Appointment]| -> Vec<(String, String)> {
            r.iter()
                .map(|a| (a.patient.id.clone(), a.code.clone()))
                .collect()
        };
        assert_eq!(key(&a), key(&b));
    }
}
