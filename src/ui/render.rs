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
use crate::ui::controller::{connect, Controller, UiSettings};
use crate::ui::session::{Path, Step};
use crate::MainWindow;

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
    Idle,
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
        Scene::Idle,
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
            Scene::Idle => "idle",
        }
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
    pub high_contrast: bool,
    pub large_text: bool,
    pub out: PathBuf,
}

struct OffscreenPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for OffscreenPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
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
    slint::platform::set_platform(Box::new(OffscreenPlatform {
        window: window.clone(),
    }))
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
        let controller = connect(&ui, service, settings.clone());
        drive_scene(
            &controller,
            job.scene,
            &job.language,
            job.high_contrast,
            job.large_text,
        );

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

/// Walks the controller into the scene, as a patient would, using the demo practice.
pub fn drive_scene<C: crate::app::Clock + 'static>(
    controller: &Rc<RefCell<Controller<C>>>,
    scene: Scene,
    language: &str,
    high_contrast: bool,
    large_text: bool,
) {
    let mut c = controller.borrow_mut();
    c.start_over();
    c.choose_language(language);
    if high_contrast {
        c.toggle_high_contrast();
    }
    if large_text {
        c.toggle_large_text();
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
            }
            if scene == Scene::Idle {
                c.show_idle_prompt();
            }
        }
        Scene::Desk => c.show_desk(DeskReason::NotFound),
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
