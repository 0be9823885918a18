//! Every control on every screen: labelled for screen readers, at least 60 px each way
//! (PRODUCT.md: touch targets), and inside the window, at both screen sizes, with and
//! without larger text.

use checkin_kiosk::config::Config;
use checkin_kiosk::ui::render::{drive_scene, Scene};
use i_slint_backend_testing::{AccessibleRole, ElementRoot};
use slint::ComponentHandle;

use crate::util::{settle, start_kiosk};

const MIN_TOUCH_PX: f32 = 60.0;

#[test]
fn every_control_is_labelled_big_enough_and_on_screen() {
    let k = start_kiosk(Config::default());
    let mut checked = 0;
    for (width, height) in [(1280.0, 800.0), (800.0, 480.0)] {
        k.window
            .window()
            .set_size(slint::LogicalSize::new(width, height));
        for large_text in [false, true] {
            for scene in Scene::ALL {
                for lang in ["en", "es"] {
                    drive_scene(&k.controller, *scene, lang, false, large_text);
                    settle();
                    let controls = k
                        .window
                        .root_element()
                        .query_descendants()
                        .match_predicate(|e| {
                            matches!(
                                e.accessible_role(),
                                Some(AccessibleRole::Button | AccessibleRole::TextInput)
                            )
                        })
                        .find_all();
                    assert!(!controls.is_empty(), "{scene:?}: no controls found");
                    for c in controls {
                        let where_ =
                            format!("{scene:?} {lang} {width}x{height} large={large_text}");
                        let label = c.accessible_label().unwrap_or_default();
                        assert!(!label.trim().is_empty(), "{where_}: a control has no label");
                        let size = c.size();
                        let pos = c.absolute_position();
                        assert!(
                            size.width >= MIN_TOUCH_PX - 0.5 && size.height >= MIN_TOUCH_PX - 0.5,
                            "{where_}: {label:?} is {}x{} px",
                            size.width,
                            size.height
                        );
                        // Staff lists (arrivals, settings, audit) scroll: a row may continue
                        // below the fold; it must still start on screen.
                        let bottom = if scene.is_staff() {
                            pos.y
                        } else {
                            pos.y + size.height
                        };
                        assert!(
                            pos.x >= -0.5
                                && pos.y >= -0.5
                                && pos.x + size.width <= width + 0.5
                                && bottom <= height + 0.5,
                            "{where_}: {label:?} at {},{} size {}x{} leaves the window",
                            pos.x,
                            pos.y,
                            size.width,
                            size.height
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} controls checked");
}
