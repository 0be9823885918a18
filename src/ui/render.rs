//! `checkin-kiosk render`: draws the real UI, driven into a named state through the same
//! controller the kiosk uses, with Slint's software renderer into a PNG. No display needed.

use std::cell::RefCell;
use std::path::{Path as FsPath, PathBuf};
use std::rc::Rc;

use chrono::NaiveDateTime;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};

use crate::app::{demo, CheckInService, FixedClock, ServiceConfig};
use crate::domain::DeskReason;
use crate::store::Store;
use crate::ui::board::{init_board_window, show_board};
use crate::ui::controller::{connect, Controller, UiSettings};
use crate::ui::session::{Path, Step};
use crate::StaffTab;
use crate::{BoardWindow, MainWindow, Theme};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown screen `{0}`; known screens: {1}")]
    UnknownScene(String, String),
    #[error("the display platform could not be set up: {0}")]
    Platform(String),
    #[error("could not prepare demo data for rendering: {0}")]
    Demo(String),
    #[error("could not write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// A state of the UI worth looking at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scene {
    Welcome,
    Choose,
    IdentifyName,
    IdentifyBirth,
    Confirm,
    Desk,
    Done,
    WalkInReason,
    WalkInName,
    WalkInPhone,
    Help,
    Language,
    Options,
    Idle,
    FormChoices,
    FormMissing,
    FormSingle,
    FormYesNo,
    FormKeyboard,
    FormDate,
    FormDecimal,
    FormOpenChoice,
    FormSignature,
    FormReview,
    StaffPin,
    StaffToday,
    StaffSync,
    StaffSettings,
    StaffSettingsEdit,
    StaffInsights,
    StaffAudit,
    Board,
}

impl Scene {
    pub const ALL: &'static [Scene] = &[
        Scene::Welcome,
        Scene::Choose,
        Scene::IdentifyName,
        Scene::IdentifyBirth,
        Scene::Confirm,
        Scene::Desk,
        Scene::Done,
        Scene::WalkInReason,
        Scene::WalkInName,
        Scene::WalkInPhone,
        Scene::Help,
        Scene::Language,
        Scene::Options,
        Scene::Idle,
        Scene::FormChoices,
        Scene::FormMissing,
        Scene::FormSingle,
        Scene::FormYesNo,
        Scene::FormKeyboard,
        Scene::FormDate,
        Scene::FormDecimal,
        Scene::FormOpenChoice,
        Scene::FormSignature,
        Scene::FormReview,
        Scene::StaffPin,
        Scene::StaffToday,
        Scene::StaffSync,
        Scene::StaffSettings,
        Scene::StaffSettingsEdit,
        Scene::StaffInsights,
        Scene::StaffAudit,
        Scene::Board,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scene::Welcome => "welcome",
            Scene::Choose => "choose",
            Scene::IdentifyName => "identify-name",
            Scene::IdentifyBirth => "identify-birth",
            Scene::Confirm => "confirm",
            Scene::Desk => "desk",
            Scene::Done => "done",
            Scene::WalkInReason => "walkin-reason",
            Scene::WalkInName => "walkin-name",
            Scene::WalkInPhone => "walkin-phone",
            Scene::Help => "help",
            Scene::Language => "language",
            Scene::Options => "options",
            Scene::Idle => "idle",
            Scene::FormChoices => "form-choices",
            Scene::FormMissing => "form-missing",
            Scene::FormSingle => "form-single",
            Scene::FormYesNo => "form-yes-no",
            Scene::FormKeyboard => "form-keyboard",
            Scene::FormDate => "form-date",
            Scene::FormDecimal => "form-decimal",
            Scene::FormOpenChoice => "form-open-choice",
            Scene::FormSignature => "form-signature",
            Scene::FormReview => "form-review",
            Scene::StaffPin => "staff-pin",
            Scene::StaffToday => "staff-today",
            Scene::StaffSync => "staff-sync",
            Scene::StaffSettings => "staff-settings",
            Scene::StaffSettingsEdit => "staff-settings-edit",
            Scene::StaffInsights => "staff-insights",
            Scene::StaffAudit => "staff-audit",
            Scene::Board => "board",
        }
    }

    /// Staff scenes show a staged morning (see `demo::stage_demo_day`).
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Scene::StaffPin
                | Scene::StaffToday
                | Scene::StaffSync
                | Scene::StaffSettings
                | Scene::StaffSettingsEdit
                | Scene::StaffInsights
                | Scene::StaffAudit
                | Scene::Board
        )
    }

    pub fn parse(name: &str) -> Result<Scene, RenderError> {
        Scene::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let known: Vec<_> = Scene::ALL.iter().map(|s| s.name()).collect();
                RenderError::UnknownScene(name.to_owned(), known.join(", "))
            })
    }
}

/// One picture to draw.
#[derive(Clone, Debug)]
pub struct RenderJob {
    pub scene: Scene,
    pub language: String,
    pub width: u32,
    pub height: u32,
    pub look: Look,
    pub out: PathBuf,
}

/// The patient's display choices a picture is drawn with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Look {
    pub high_contrast: bool,
    pub large_text: bool,
    /// Every control in the lower part of the screen.
    pub seated: bool,
}

impl Look {
    /// The file-name suffix: "-hc", "-lt", "-seated", in that order.
    pub fn suffix(self) -> String {
        let mut s = String::new();
        if self.high_contrast {
            s.push_str("-hc");
        }
        if self.large_text {
            s.push_str("-lt");
        }
        if self.seated {
            s.push_str("-seated");
        }
        s
    }
}

/// Hands out the window that the next component is drawn into (the kiosk's, or the
/// board's own).
struct OffscreenPlatform {
    next: Rc<RefCell<Rc<MinimalSoftwareWindow>>>,
}

impl Platform for OffscreenPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.next.borrow().clone())
    }
}

/// Draws every job into its PNG. `now` fixes the demo day so pictures are repeatable.
pub fn render(
    jobs: &[RenderJob],
    settings: &UiSettings,
    service_config: &ServiceConfig,
    now: NaiveDateTime,
) -> Result<(), RenderError> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    let next = Rc::new(RefCell::new(window.clone()));
    slint::platform::set_platform(Box::new(OffscreenPlatform { next: next.clone() }))
        .map_err(|e| RenderError::Platform(e.to_string()))?;
    let ui = MainWindow::new().map_err(|e| RenderError::Platform(e.to_string()))?;
    ui.show()
        .map_err(|e| RenderError::Platform(e.to_string()))?;

    for job in jobs {
        let scratch = tempfile::tempdir().map_err(|e| RenderError::Demo(e.to_string()))?;
        let store =
            Store::open_in_dir(scratch.path()).map_err(|e| RenderError::Demo(e.to_string()))?;
        let mut service = CheckInService::new(store, FixedClock::new(now), service_config.clone());
        service
            .seed_demo()
            .map_err(|e| RenderError::Demo(e.to_string()))?;
        if job.scene.is_staff() {
            demo::stage_demo_day(&mut service, now)
                .map_err(|e| RenderError::Demo(e.to_string()))?;
        }
        if job.scene == Scene::Board {
            let board_window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
            *next.borrow_mut() = board_window.clone();
            let board = BoardWindow::new().map_err(|e| RenderError::Platform(e.to_string()))?;
            board
                .show()
                .map_err(|e| RenderError::Platform(e.to_string()))?;
            init_board_window(&board, &job.language);
            board
                .global::<Theme>()
                .set_high_contrast(job.look.high_contrast);
            show_board(&board, &service, &settings.practice_name, &job.language);
            board_window.set_size(PhysicalSize::new(job.width, job.height));
            let pixels = draw(&board_window, job.width, job.height);
            save_png(&job.out, job.width, job.height, &pixels)?;
            *next.borrow_mut() = window.clone();
            continue;
        }
        let controller = connect(&ui, service, settings.clone());
        drive_scene(&controller, job.scene, &job.language, job.look);

        window.set_size(PhysicalSize::new(job.width, job.height));
        let pixels = draw(&window, job.width, job.height);
        save_png(&job.out, job.width, job.height, &pixels)?;
    }
    Ok(())
}

fn draw(window: &MinimalSoftwareWindow, width: u32, height: u32) -> Vec<Rgb8Pixel> {
    let len = width as usize * height as usize;
    let mut buffer = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; len];
    // Layout and `changed` handlers settle over a couple of passes.
    for _ in 0..3 {
        slint::platform::update_timers_and_animations();
        window.request_redraw();
        window.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, width as usize);
        });
    }
    buffer
}

fn save_png(
    path: &FsPath,
    width: u32,
    height: u32,
    pixels: &[Rgb8Pixel],
) -> Result<(), RenderError> {
    let bytes: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    let write_err = |message: String| RenderError::Write {
        path: path.to_owned(),
        message,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| write_err(e.to_string()))?;
    }
    let image = image::RgbImage::from_raw(width, height, bytes)
        .ok_or_else(|| write_err("pixel buffer has the wrong size".into()))?;
    image.save(path).map_err(|e| write_err(e.to_string()))
}

/// The intake form scenes, on the demo forms of María's visit (general intake, then the
/// privacy acknowledgement).
fn drive_form_scene<C: crate::app::Clock + 'static>(c: &mut Controller<C>, scene: Scene) {
    match scene {
        Scene::FormChoices => {
            c.form_choose("reason", 0);
            c.form_choose("reason", 6);
            c.form_edit("reason-other");
            c.type_text("Form for school");
            c.form_done_editing();
        }
        Scene::FormMissing => c.form_next(),
        Scene::FormSingle => {
            answer_forms_until(c, Some("age-group"));
            c.form_choose("sex-at-birth", 0);
            c.form_choose("age-group", 1);
        }
        Scene::FormYesNo => {
            answer_forms_until(c, Some("has-allergies"));
            c.form_choose("has-allergies", 0);
        }
        Scene::FormKeyboard => {
            answer_forms_until(c, Some("has-allergies"));
            c.form_choose("has-allergies", 0);
            c.form_edit("allergy-list");
            c.type_text("PENICILLIN - HIVES");
        }
        Scene::FormDate => {
            answer_forms_until(c, Some("symptoms-since"));
            c.form_edit("symptoms-since");
            for digit in ["1", "1", "2"] {
                c.type_text(digit);
            }
        }
        Scene::FormDecimal => {
            answer_forms_until(c, Some("weight"));
            c.form_edit("weight");
            c.type_text("72.5");
        }
        Scene::FormOpenChoice => {
            answer_forms_until(c, Some("pharmacy"));
            c.form_edit("pharmacy");
            c.type_text("ELM STREET DRUGS");
            c.form_done_editing();
        }
        Scene::FormSignature => {
            answer_forms_until(c, Some("signature"));
            sign(c, "signature");
        }
        Scene::FormReview => answer_forms_until(c, None),
        _ => {}
    }
}

/// Answers each page the way a patient might and goes on, until the page with `link_id`
/// shows (or, with None, until the review).
fn answer_forms_until<C: crate::app::Clock + 'static>(
    c: &mut Controller<C>,
    link_id: Option<&str>,
) {
    use crate::domain::questionnaire::ItemType;
    for _ in 0..40 {
        let Some(run) = c.session().forms.as_ref() else {
            return;
        };
        if run.reviewing {
            return;
        }
        let items: Vec<(String, ItemType, bool)> = run
            .items_on_page()
            .iter()
            .map(|i| {
                (
                    i.link_id.clone(),
                    i.item_type,
                    run.answers().is_some_and(|a| a.get(&i.link_id).is_some()),
                )
            })
            .collect();
        if link_id.is_some_and(|want| items.iter().any(|(id, ..)| id == want)) {
            return;
        }
        for (id, kind, answered) in items {
            if answered {
                continue;
            }
            match kind {
                ItemType::Boolean => c.form_choose(&id, 1),
                ItemType::Choice => c.form_choose(&id, 1),
                ItemType::OpenChoice => c.form_choose(&id, 0),
                ItemType::String | ItemType::Text => {
                    c.form_edit(&id);
                    c.type_text("Sore throat since Monday");
                    c.form_done_editing();
                }
                ItemType::Integer => {
                    c.form_edit(&id);
                    c.type_text("3");
                    c.form_done_editing();
                }
                ItemType::Attachment => sign(c, &id),
                _ => {}
            }
        }
        c.form_next();
    }
}

/// A signature drawn the way a finger would: two strokes across the pad.
fn sign<C: crate::app::Clock + 'static>(c: &mut Controller<C>, link_id: &str) {
    let (w, h) = (900.0, 240.0);
    c.form_sign_start(link_id, 60.0, 160.0, w, h);
    for i in 0..=60 {
        let t = i as f32 / 60.0;
        let x = 60.0 + t * 420.0;
        let y = 160.0 - (t * 12.0).sin() * 55.0 * (1.0 - t * 0.5);
        c.form_sign_move(x, y);
    }
    c.form_sign_end();
    c.form_sign_start(link_id, 500.0, 120.0, w, h);
    for i in 0..=30 {
        let t = i as f32 / 30.0;
        c.form_sign_move(500.0 + t * 260.0, 120.0 + (t * 6.0).cos() * 30.0 + t * 30.0);
    }
    c.form_sign_end();
}

fn type_pin<C: crate::app::Clock + 'static>(c: &mut Controller<C>, digits: &str) {
    for d in digits.chars() {
        c.pin_digit(&d.to_string());
    }
}

/// First run: the corner gesture, a new PIN chosen and repeated; staff mode opens.
fn choose_pin_and_open_staff<C: crate::app::Clock + 'static>(c: &mut Controller<C>, pin: &str) {
    c.staff_gesture();
    type_pin(c, pin);
    c.pin_ok();
    type_pin(c, pin);
    c.pin_ok();
}

/// Walks the controller into the scene, as a patient would, using the demo practice.
pub fn drive_scene<C: crate::app::Clock + 'static>(
    controller: &Rc<RefCell<Controller<C>>>,
    scene: Scene,
    language: &str,
    look: Look,
) {
    let mut c = controller.borrow_mut();
    c.pin_cancel();
    c.leave_staff("button");
    c.start_over();
    c.choose_language(language);
    if look.high_contrast {
        c.toggle_high_contrast();
    }
    if look.large_text {
        c.toggle_large_text();
    }
    if look.seated {
        c.toggle_seated();
    }
    let maria = demo::people().maria;
    let type_name = |c: &mut Controller<C>, name: &str| {
        for ch in name.chars() {
            c.type_text(&ch.to_string());
        }
    };
    let type_birth = |c: &mut Controller<C>, date: chrono::NaiveDate| {
        let lang = c.session().language.clone();
        for field in crate::ui::i18n::date_order(&lang) {
            let digits = match field {
                crate::ui::i18n::DateField::Day => date.format("%d").to_string(),
                crate::ui::i18n::DateField::Month => date.format("%m").to_string(),
                crate::ui::i18n::DateField::Year => date.format("%Y").to_string(),
            };
            type_name(c, &digits);
        }
    };
    match scene {
        Scene::Welcome => {}
        Scene::Choose => c.go_to(Step::Choose),
        Scene::Language => {
            c.go_to(Step::Choose);
            c.open_language_picker();
        }
        Scene::Options => {
            c.go_to(Step::Choose);
            c.open_options();
        }
        Scene::IdentifyName | Scene::Help => {
            c.start_path(Path::Appointment);
            type_name(&mut c, "Muño");
            if scene == Scene::Help {
                c.request_help();
            }
        }
        Scene::IdentifyBirth => {
            c.start_path(Path::Appointment);
            type_name(&mut c, maria.family_name);
            c.next();
            // Two fields filled, the year under way.
            for digit in ["0", "3", "0", "9", "1", "9"] {
                c.type_text(digit);
            }
        }
        Scene::Confirm | Scene::Done | Scene::Idle => {
            c.start_path(Path::Appointment);
            type_name(&mut c, &maria.family_name.to_uppercase());
            c.next();
            type_birth(&mut c, maria.birth_date);
            c.next();
            if scene == Scene::Done {
                c.confirm();
                answer_forms_until(&mut c, None);
                c.submit_forms();
            }
            if scene == Scene::Idle {
                c.show_idle_prompt();
            }
        }
        Scene::FormChoices
        | Scene::FormMissing
        | Scene::FormSingle
        | Scene::FormYesNo
        | Scene::FormKeyboard
        | Scene::FormDate
        | Scene::FormDecimal
        | Scene::FormOpenChoice
        | Scene::FormSignature
        | Scene::FormReview => {
            c.start_path(Path::Appointment);
            type_name(&mut c, maria.family_name);
            c.next();
            type_birth(&mut c, maria.birth_date);
            c.next();
            c.confirm();
            drive_form_scene(&mut c, scene);
        }
        Scene::Desk => c.show_desk(DeskReason::NotFound),
        Scene::StaffPin => {
            // A PIN exists; someone typed a wrong one and is trying again.
            choose_pin_and_open_staff(&mut c, "2468");
            c.leave_staff("button");
            c.choose_language(language);
            c.staff_gesture();
            type_pin(&mut c, "1357");
            c.pin_ok();
            type_pin(&mut c, "24");
        }
        Scene::StaffToday
        | Scene::StaffSync
        | Scene::StaffSettings
        | Scene::StaffSettingsEdit
        | Scene::StaffInsights
        | Scene::StaffAudit => {
            choose_pin_and_open_staff(&mut c, "2468");
            c.staff_select_tab(match scene {
                Scene::StaffSync => StaffTab::Sync,
                Scene::StaffSettings | Scene::StaffSettingsEdit => StaffTab::Settings,
                Scene::StaffInsights => StaffTab::Insights,
                Scene::StaffAudit => StaffTab::Audit,
                _ => StaffTab::Today,
            });
            if scene == Scene::StaffSettingsEdit {
                // The idle timeout, typed too short: refused next to the field.
                c.staff_edit(3);
                c.staff_edit_backspace();
                c.staff_edit_backspace();
                c.staff_edit_key("5");
                c.staff_edit_save();
            }
        }
        Scene::Board => {}
        Scene::WalkInReason => c.start_path(Path::WalkIn),
        Scene::WalkInName => {
            c.start_path(Path::WalkIn);
            c.choose_reason("sick");
            type_name(&mut c, "Ana Lucía");
        }
        Scene::WalkInPhone => {
            c.start_path(Path::WalkIn);
            c.choose_reason("sick");
            type_name(&mut c, "Ana");
            c.next();
            type_name(&mut c, "Torres");
            c.next();
            type_birth(
                &mut c,
                chrono::NaiveDate::from_ymd_opt(1979, 5, 21).unwrap_or_default(),
            );
            c.next();
            type_name(&mut c, "5550142");
        }
    }
    c.show();
}
