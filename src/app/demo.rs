//! The demo practice: a full day around "now", so a newcomer sees a working kiosk at once.
//! Deterministic for a given `now`. A handful of named patients can always check in.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::domain::{Appointment, AppointmentStatus, Patient};

pub const CLINICIANS: [&str; 3] = ["Dr. Amara Patel", "Dr. Luis Romero", "NP Kim Lee"];
const SLOTS_PER_CLINICIAN: i64 = 16;
const SLOT_MINUTES: i64 = 20;
/// Slots 9 and 10 start within (now - 10 min, now + 20 min]: inside the default window.
const NOW_SLOTS: [i64; 2] = [9, 10];

/// A named demo patient, for the README, the tests and the screenshots.
#[derive(Clone)]
pub struct DemoPerson {
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub birth_date: NaiveDate,
    pub code: &'static str,
    pub display_name: String,
}

pub struct DemoPeople {
    pub maria: DemoPerson,
    pub thanh: DemoPerson,
    pub sean: DemoPerson,
    pub ana_garcia: DemoPerson,
    pub jose_garcia: DemoPerson,
}

fn person(given: &'static str, family: &'static str, (y, m, d): (i32, u32, u32), code: &'static str) -> DemoPerson {
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
        display_name,
    }
}

pub fn people() -> DemoPeople {
    DemoPeople {
        maria: person("María", "Muñoz", (1984, 3, 9), "CKI-MUN384"),
        thanh: person("Thanh", "Nguyễn", (1990, 11, 23), "CKI-NGU901"),
        sean: person("Sean", "O'Brien-Smith", (1975, 6, 30), "CKI-OBR756"),
        ana_garcia: person("Ana", "García", (1962, 1, 15), "CKI-GAR621"),
        jose_garcia: person("José", "García", (1958, 8, 2), "CKI-GAR588"),
    }
}

const GIVEN: [&str; 16] = [
    "Olivia", "Jamal", "Chloé", "Wei", "Fatima", "Lukas", "Aisha", "Mateo", "Hana", "Dmitri", "Grace", "Amadou",
    "Isabel", "Tomás", "Linh", "Noah",
];
const FAMILY: [&str; 16] = [
    "Müller", "Côté", "Ng", "Đặng", "Smith-Jones", "Haddad", "Kowalski", "Ferreira", "O'Connor", "Zhang",
    "Lefèvre", "Okafor", "Ramírez", "Nguyen", "Johansson", "Petrov",
];

/// About 48 appointments across three clinicians, every 20 minutes from three hours before
/// `now`. Earlier ones are fulfilled or waiting; one is cancelled; one is a procedure
/// (a desk-only type in the example configuration).
pub fn demo_roster(now: NaiveDateTime) -> Vec<Appointment> {
    let minute = i64::from(now.minute());
    let base = now - Duration::minutes(minute % 10) - Duration::seconds(i64::from(now.second()))
        - Duration::minutes(SLOT_MINUTES * NOW_SLOTS[0]);
    let p = people();
    // (clinician index, slot) -> named patient
    let named = [
        (1, NOW_SLOTS[0], &p.ana_garcia),
        (1, NOW_SLOTS[1], &p.maria),
        (0, NOW_SLOTS[0], &p.jose_garcia),
        (0, NOW_SLOTS[1], &p.thanh),
        (2, NOW_SLOTS[0], &p.sean),
    ];
    let mut out = Vec::new();
    let mut n = 0usize;
    for (ci, clinician) in CLINICIANS.iter().enumerate() {
        for slot in 0..SLOTS_PER_CLINICIAN {
            n += 1;
            let start = base + Duration::minutes(SLOT_MINUTES * slot);
            let status = if slot < NOW_SLOTS[0] - 3 {
                AppointmentStatus::Fulfilled
            } else if slot < NOW_SLOTS[0] - 1 {
                AppointmentStatus::Arrived
            } else if ci == 0 && slot == 13 {
                AppointmentStatus::Cancelled
            } else {
                AppointmentStatus::Booked
            };
            let appointment_type = if ci == 2 && slot == 12 { "procedure" } else { "visit" };
            let patient = match named.iter().find(|(c, s, _)| *c == ci && *s == slot) {
                Some((_, _, who)) => Patient {
                    id: format!("demo-p-{}", who.code.to_lowercase()),
                    given_name: who.given_name.into(),
                    family_name: who.family_name.into(),
                    birth_date: who.birth_date,
                },
                None => {
                    let i = n % GIVEN.len();
                    let j = (n * 7 + ci) % FAMILY.len();
                    let year = 1940 + i32::try_from((n * 7) % 80).unwrap_or(0);
                    let month = u32::try_from(n % 12).unwrap_or(0) + 1;
                    let day = u32::try_from((n * 11) % 28).unwrap_or(0) + 1;
                    Patient {
                        id: format!("demo-p-{n:03}"),
                        given_name: GIVEN.get(i).copied().unwrap_or("Alex").into(),
                        family_name: FAMILY.get(j).copied().unwrap_or("Doe").into(),
                        birth_date: NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default(),
                    }
                }
            };
            let code = match named.iter().find(|(c, s, _)| *c == ci && *s == slot) {
                Some((_, _, who)) => who.code.to_owned(),
                None => format!("CKI-D{n:05}"),
            };
            out.push(Appointment {
                id: format!("demo-a-{n:03}"),
                code,
                start,
                clinician: (*clinician).to_owned(),
                appointment_type: appointment_type.into(),
                status,
                patient,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{arrival_decision, fold_name, ArrivalDecision, ArrivalWindow};
    use std::collections::BTreeSet;

    #[test]
    fn the_named_patients_can_check_in_at_any_hour() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        for minutes in (0..24 * 60).step_by(7) {
            let now = day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(minutes);
            let roster = demo_roster(now);
            assert!(roster.len() >= 45);
            let p = people();
            for who in [&p.maria, &p.thanh, &p.sean, &p.ana_garcia, &p.jose_garcia] {
                let appt = roster.iter().find(|a| a.code == who.code).unwrap();
                assert_eq!(
                    arrival_decision(appt, now, &ArrivalWindow::default()),
                    ArrivalDecision::Welcome,
                    "{} at {now}",
                    who.code
                );
            }
        }
    }

    #[test]
    fn the_day_is_realistic() {
        let now = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(10, 3, 0).unwrap();
        let roster = demo_roster(now);
        let clinicians: BTreeSet<_> = roster.iter().map(|a| a.clinician.as_str()).collect();
        assert_eq!(clinicians.len(), 3);
        let codes: BTreeSet<_> = roster.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes.len(), roster.len(), "codes are unique");
        let garcias: BTreeSet<_> = roster
            .iter()
            .filter(|a| fold_name(&a.patient.family_name) == "garcia")
            .map(|a| a.patient.id.as_str())
            .collect();
        assert!(garcias.len() >= 2, "two patients share a family name");
        assert!(roster.iter().any(|a| a.patient.family_name.contains('-')));
        assert!(roster.iter().any(|a| a.status == AppointmentStatus::Cancelled));
        assert!(roster.iter().any(|a| a.status == AppointmentStatus::Fulfilled));
        assert!(roster.iter().any(|a| a.appointment_type == "procedure"));
        assert_eq!(demo_roster(now), roster, "deterministic");
    }
}
