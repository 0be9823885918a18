//! Read aloud: a scripted check-in in Spanish with the real espeak-ng writing what it says
//! to WAV files. Every screen's prompt and the chosen answer are said, in Spanish, and
//! nothing that identifies the patient is.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use checkin_kiosk::config::{Config, FormsConfig};
use checkin_kiosk::ui::i18n::tr;

use crate::util::start_kiosk_speaking;

#[test]
fn a_spoken_check_in_says_each_prompt_in_the_patients_language_and_no_name() {
    let wav = tempfile::tempdir().expect("wav dir");
    let forms = FormsConfig {
        appointment_types: BTreeMap::from([
            ("visit".to_owned(), vec!["phq2-screening".to_owned()]),
            ("follow-up".to_owned(), vec!["phq2-screening".to_owned()]),
        ]),
        ..FormsConfig::default()
    };
    let k = start_kiosk_speaking(
        Config {
            forms,
            ..Config::default()
        },
        wav.path(),
    );
    let maria = checkin_kiosk::app::demo::people().maria;
    k.tap("Español");
    k.tap_tr("nav.options");
    k.tap_tr("nav.read_aloud");
    k.tap_tr("nav.close");

    k.identify("Muñoz", &maria.birth_date.format("%d%m%Y").to_string());
    k.tap_tr("confirm.yes");
    // The PHQ-2, a question a page.
    k.tap("Ningún día");
    k.tap_tr("nav.next");
    k.tap("Varios días");
    k.tap_tr("nav.next");
    k.tap_tr("form.submit");
    assert!(k.has_tr("done.title"), "checked in");

    let spoken = k.controller.borrow().spoken();
    let said: Vec<&str> = spoken.iter().map(|u| u.text.as_str()).collect();
    let es = |key: &str| tr("es", key).trim_end_matches('.').to_owned();
    // The prompts, in the order the patient met them.
    let expected = [
        es("welcome.title"),
        es("choose.title"),
        es("identify.family_name"),
        es("identify.birth_date"),
        es("confirm.title"),
        es("confirm.appointment_at"),
        "Poco interés o placer en hacer cosas".to_owned(),
        "Ningún día".to_owned(),
        "Se ha sentido decaído(a), deprimido(a) o sin esperanzas".to_owned(),
        "Varios días".to_owned(),
        es("form.review_title"),
        es("done.title"),
    ];
    let mut from = 0;
    for line in &expected {
        let at = said[from..]
            .iter()
            .position(|s| s.contains(line.as_str()))
            .unwrap_or_else(|| panic!("{line:?} was not said (after {from}): {said:#?}"));
        from += at;
    }
    // The confirmation names the time, as Spanish writes it ("10:15"), and nothing else.
    let confirm = said
        .iter()
        .find(|s| s.contains(&es("confirm.appointment_at")))
        .expect("the confirmation was said");
    let time = confirm.rsplit(' ').next().unwrap_or_default();
    assert!(
        time.len() == 5 && time.as_bytes()[2] == b':',
        "a 24-hour time: {confirm:?}"
    );
    assert!(
        spoken.iter().all(|u| u.lang == "es"),
        "all in Spanish: {spoken:?}"
    );
    let birth = maria.birth_date.format("%Y").to_string();
    for u in &spoken {
        for private in [
            "María",
            "Muñoz",
            "MUÑOZ",
            "Munoz",
            &maria.display_name,
            &birth,
        ] {
            assert!(!u.text.contains(private), "said {private:?}: {:?}", u.text);
        }
    }

    // espeak-ng wrote what it said to WAV files, one per utterance it got to start (the
    // next screen cuts the last one short, sometimes before its file exists); the last
    // utterance, the ticket, plays to the end.
    let last_name = format!("{:04}-es.wav", spoken.len());
    let deadline = Instant::now() + Duration::from_secs(20);
    let last = loop {
        let len = std::fs::metadata(wav.path().join(&last_name)).map_or(0, |m| m.len());
        std::thread::sleep(Duration::from_millis(300));
        let later = std::fs::metadata(wav.path().join(&last_name)).map_or(0, |m| m.len());
        // Done when the file has sound in it and stopped growing.
        if (len > 20_000 && later == len) || Instant::now() > deadline {
            break std::fs::read(wav.path().join(&last_name)).unwrap_or_default();
        }
    };
    assert!(
        last.len() > 20_000,
        "the ticket was spoken ({} bytes)",
        last.len()
    );
    assert_eq!(&last[..4], b"RIFF", "a WAV file");
    let files: Vec<String> = std::fs::read_dir(wav.path())
        .expect("wav dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.len() >= 2 && files.len() <= spoken.len(),
        "{files:?} for {} utterances",
        spoken.len()
    );
    assert!(files.iter().all(|f| f.ends_with("-es.wav")), "{files:?}");
}
