//! Every colour pair the screens put text (or an icon) on, in the normal and the
//! high-contrast palette, read from the compiled Theme: at least WCAG AA for text (4.5:1),
//! and 3:1 for the focus ring against what it surrounds (WCAG 1.4.11).

use checkin_kiosk::{MainWindow, Palette, Theme};
use slint::{Color, ComponentHandle};

fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
}

fn ratio(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// (what is drawn, on what, the minimum ratio)
fn pairs(p: &Palette) -> Vec<(&'static str, Color, &'static str, Color, f64)> {
    vec![
        ("text", p.text, "background", p.background, 4.5),
        ("text", p.text, "surface", p.surface, 4.5),
        ("text", p.text, "surface-alt", p.surface_alt, 4.5),
        ("text", p.text, "key", p.key, 4.5),
        ("text", p.text, "key-pressed", p.key_pressed, 4.5),
        ("text-muted", p.text_muted, "background", p.background, 4.5),
        ("text-muted", p.text_muted, "surface", p.surface, 4.5),
        (
            "text-muted",
            p.text_muted,
            "surface-alt",
            p.surface_alt,
            4.5,
        ),
        ("on-primary", p.on_primary, "primary", p.primary, 4.5),
        (
            "on-primary",
            p.on_primary,
            "primary-pressed",
            p.primary_pressed,
            4.5,
        ),
        ("on-primary", p.on_primary, "success", p.success, 4.5),
        (
            "on-primary-soft",
            p.on_primary_soft,
            "primary-soft",
            p.primary_soft,
            4.5,
        ),
        ("on-help", p.on_help, "help", p.help, 4.5),
        (
            "on-warning-soft",
            p.on_warning_soft,
            "warning-soft",
            p.warning_soft,
            4.5,
        ),
        ("primary", p.primary, "background", p.background, 4.5),
        ("primary", p.primary, "surface", p.surface, 4.5),
        ("focus", p.focus, "background", p.background, 3.0),
        ("focus", p.focus, "surface", p.surface, 3.0),
    ]
}

#[test]
fn every_text_colour_pair_meets_wcag_aa_in_both_palettes() {
    i_slint_backend_testing::init_no_event_loop();
    let window = MainWindow::new().expect("window");
    let theme = window.global::<Theme>();
    let mut failures = Vec::new();
    for high_contrast in [false, true] {
        theme.set_high_contrast(high_contrast);
        let palette = theme.get_palette();
        for (fg_name, fg, bg_name, bg, min) in pairs(&palette) {
            let r = ratio(fg, bg);
            if r < min {
                failures.push(format!(
                    "{} palette: {fg_name} on {bg_name} is {r:.2}:1 (needs {min}:1)",
                    if high_contrast {
                        "high-contrast"
                    } else {
                        "normal"
                    }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_contrast_formula_matches_wcag() {
    let black = Color::from_rgb_u8(0, 0, 0);
    let white = Color::from_rgb_u8(255, 255, 255);
    assert!((ratio(black, white) - 21.0).abs() < 0.01);
    assert!((ratio(white, white) - 1.0).abs() < 0.01);
    // #767676 on white is the classic 4.54:1.
    let grey = Color::from_rgb_u8(0x76, 0x76, 0x76);
    assert!((ratio(grey, white) - 4.54).abs() < 0.01);
}
