//! `checkin-kiosk render` draws every screen to a real, non-blank PNG.

use checkin_kiosk::app::ServiceConfig;
use checkin_kiosk::config::Config;
use checkin_kiosk::ui::render::{render, Look, RenderJob, Scene};
use checkin_kiosk::ui::UiSettings;

use crate::util::test_now;

#[test]
fn every_screen_renders_to_a_non_blank_png() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::default();
    let mut service_config = ServiceConfig::from(&config);
    service_config.qr_url_template = Some("https://queue.example.org/t/{token}".into());
    let mut jobs = Vec::new();
    for scene in Scene::ALL {
        for (lang, w, h) in [("en", 1280, 800), ("es", 800, 480)] {
            jobs.push(RenderJob {
                scene: *scene,
                language: lang.into(),
                width: w,
                height: h,
                look: Look::default(),
                out: dir
                    .path()
                    .join(format!("{}-{lang}-{w}x{h}.png", scene.name())),
            });
        }
    }
    render(
        &jobs,
        &UiSettings::from(&config),
        &service_config,
        test_now(),
    )
    .expect("render");

    for job in &jobs {
        let img = image::open(&job.out)
            .unwrap_or_else(|e| panic!("{}: {e}", job.out.display()))
            .to_rgb8();
        assert_eq!((img.width(), img.height()), (job.width, job.height));
        let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        // Text is anti-aliased: a real screen has hundreds of shades, a blank one a handful.
        assert!(
            colours.len() > 50,
            "{} looks blank ({} colours)",
            job.out.display(),
            colours.len()
        );
    }
}
