//! Read aloud: each screen's prompt and the patient's chosen answer, spoken by a local
//! text-to-speech engine (espeak-ng from Debian). It runs on its own thread, so the screen
//! never waits for it, and nothing leaves the kiosk.
//!
//! What is said is built from translation keys by the UI (src/ui/spoken.rs), never from
//! what the patient typed: "your appointment at 10:30", not the name.
//!
//! Every utterance is also kept in a short in-memory log (tests read it). It is never
//! written to a file or the system log, and the UI clears it with each patient.

use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How many utterances the in-memory log keeps.
const LOG_LIMIT: usize = 200;
/// How often the speaking thread checks whether the engine finished.
const POLL: Duration = Duration::from_millis(40);

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("the speech thread could not start: {0}")]
    Thread(std::io::Error),
}

/// One thing said, in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utterance {
    pub lang: String,
    pub text: String,
}

/// Where speech goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// The kiosk's speakers (espeak-ng plays through ALSA or PulseAudio itself).
    Speakers,
    /// One numbered WAV file per utterance in this folder (tests, and checking a voice).
    WavFiles(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeechSettings {
    /// The espeak-ng program (a path, or a name looked up in PATH).
    pub program: PathBuf,
    pub output: Output,
    /// Words per minute: a little slower than espeak-ng's 175, for anxious or older ears.
    pub words_per_minute: u32,
}

impl Default for SpeechSettings {
    fn default() -> Self {
        SpeechSettings {
            program: PathBuf::from("espeak-ng"),
            output: Output::Speakers,
            words_per_minute: 150,
        }
    }
}

/// The espeak-ng voice for a kiosk language. espeak-ng has no Tagalog voice; the
/// Indonesian one follows Tagalog spelling closely (a e i o u, "ng"), so it reads it best.
pub fn voice(lang: &str) -> &'static str {
    match lang {
        "es" => "es-419",
        "fr" => "fr-fr",
        "zh" => "cmn",
        "vi" => "vi",
        "ar" => "ar",
        "tl" => "id",
        "ru" => "ru",
        _ => "en-us",
    }
}

/// The handle the UI holds. Saying something never blocks: a new utterance interrupts the
/// one still playing (the patient moved on).
#[derive(Clone)]
pub struct Speech {
    queue: Option<Sender<Utterance>>,
    log: Arc<Mutex<VecDeque<Utterance>>>,
}

impl Speech {
    /// Starts the speaking thread. A missing engine is found out at the first utterance
    /// and logged once; the kiosk works on without sound.
    pub fn start(settings: SpeechSettings) -> Result<Speech, SpeechError> {
        let (queue, inbox) = mpsc::channel();
        thread::Builder::new()
            .name("speech".into())
            .spawn(move || speak_loop(&settings, &inbox))
            .map_err(SpeechError::Thread)?;
        Ok(Speech {
            queue: Some(queue),
            log: Arc::default(),
        })
    }

    /// Logs what would be said but plays nothing (no engine configured, offscreen render).
    pub fn silent() -> Speech {
        Speech {
            queue: None,
            log: Arc::default(),
        }
    }

    pub fn say(&self, lang: &str, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let utterance = Utterance {
            lang: lang.to_owned(),
            text: text.to_owned(),
        };
        if let Ok(mut log) = self.log.lock() {
            if log.len() == LOG_LIMIT {
                log.pop_front();
            }
            log.push_back(utterance.clone());
        }
        if let Some(queue) = &self.queue {
            // The thread only ends with the process; a send error means there is no sound.
            let _ = queue.send(utterance);
        }
    }

    /// What was said since the log was last cleared, oldest first.
    pub fn spoken(&self) -> Vec<Utterance> {
        self.log
            .lock()
            .map(|log| log.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets what was said (a new patient).
    pub fn clear_log(&self) {
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
    }
}

fn speak_loop(settings: &SpeechSettings, inbox: &Receiver<Utterance>) {
    let mut playing: Option<Child> = None;
    let mut number = 0u32;
    let mut engine_missing_reported = false;
    loop {
        let next = if playing.is_some() {
            match inbox.recv_timeout(POLL) {
                Ok(u) => Some(u),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match inbox.recv() {
                Ok(u) => Some(u),
                Err(_) => return,
            }
        };
        if let Some(mut child) = playing.take() {
            if next.is_some() {
                // The patient moved on: stop the old sentence (and reap it).
                let _ = child.kill();
                let _ = child.wait();
            } else if let Ok(None) = child.try_wait() {
                playing = Some(child); // still speaking
            }
        }
        let Some(utterance) = next else { continue };
        number += 1;
        let mut command = Command::new(&settings.program);
        command
            .arg("-v")
            .arg(voice(&utterance.lang))
            .arg("-s")
            .arg(settings.words_per_minute.to_string());
        if let Output::WavFiles(dir) = &settings.output {
            command
                .arg("-w")
                .arg(dir.join(format!("{number:04}-{}.wav", utterance.lang)));
        }
        // The text goes in on standard input, not the command line: another process on
        // the machine could read an argument (a chosen answer) from /proc.
        command
            .arg("--stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match command.spawn() {
            Ok(mut child) => {
                // A sentence fits the pipe's buffer; closing it tells espeak-ng to speak.
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(utterance.text.as_bytes());
                }
                playing = Some(child);
            }
            Err(e) if !engine_missing_reported => {
                engine_missing_reported = true;
                tracing::error!(
                    program = %settings.program.display(),
                    error = %e,
                    "Read aloud: the speech engine could not start (install espeak-ng); the kiosk goes on without sound"
                );
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kiosk_language_has_a_voice() {
        for lang in crate::config::SUPPORTED_LANGUAGES {
            assert!(!voice(lang).is_empty());
        }
        assert_eq!(voice("ar"), "ar");
        assert_eq!(voice("zh"), "cmn");
    }

    #[test]
    fn the_log_is_bounded_and_cleared() {
        let speech = Speech::silent();
        for i in 0..(LOG_LIMIT + 5) {
            speech.say("en", &format!("line {i}"));
        }
        let spoken = speech.spoken();
        assert_eq!(spoken.len(), LOG_LIMIT);
        assert_eq!(spoken[0].text, "line 5");
        speech.say("en", "  ");
        assert_eq!(speech.spoken().len(), LOG_LIMIT, "blank text is not said");
        speech.clear_log();
        assert!(speech.spoken().is_empty());
    }

    #[test]
    fn a_missing_engine_is_not_a_crash() {
        let speech = Speech::start(SpeechSettings {
            program: PathBuf::from("/nonexistent/espeak-ng"),
            ..SpeechSettings::default()
        })
        .unwrap();
        speech.say("en", "hello");
        speech.say("en", "again");
        assert_eq!(speech.spoken().len(), 2);
    }
}
