//! Every translation key used anywhere exists in every catalogue, and Spanish really
//! replaces every visible English string on every screen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use checkin_kiosk::config::Config;
use checkin_kiosk::ui::i18n::LANGUAGES;
use checkin_kiosk::ui::render::{drive_scene, Look, Scene};

use crate::util::start_kiosk;

/// A catalogue file: flat `key: "value"` lines (rust-i18n format version 1).
fn catalogue(lang: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{lang}.yml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut map = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("_version") {
            continue;
        }
        let (key, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("{}:{}: not a `key: value` line", path.display(), n + 1));
        let value = value.trim().trim_matches('"');
        assert!(
            !value.is_empty(),
            "{}:{}: empty text for {key}",
            path.display(),
            n + 1
        );
        assert!(
            map.insert(key.to_owned(), value.to_owned()).is_none(),
            "{}: {key} twice",
            path.display()
        );
    }
    map
}

fn files_under(dir: &str, ext: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).expect("read"),
                ));
            }
        }
    }
    out
}

/// Keys written literally in the code: `Tr.t("...")` in .slint, and string literals in Rust
/// that start with a catalogue section (e.g. "done.ahead", "error.store").
fn keys_used_in_code(sections: &BTreeSet<String>) -> BTreeSet<(String, String)> {
    let mut used = BTreeSet::new();
    for (file, text) in files_under("ui", "slint") {
        for part in text.split("Tr.t(\"").skip(1) {
            if let Some((key, rest)) = part.split_once('"') {
                if rest.starts_with(')') {
                    used.insert((file.clone(), key.to_owned()));
                }
            }
        }
    }
    for (file, text) in files_under("src", "rs") {
        for (i, literal) in text.split('"').enumerate() {
            let looks_like_key = i % 2 == 1
                && literal.contains('.')
                && literal.split('.').all(|segment| !segment.is_empty())
                // File names such as "form.json" are not keys.
                && !["json", "toml", "yml", "png", "db"].iter().any(|ext| literal.ends_with(&format!(".{ext}")))
                && literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
                && literal
                    .split('.')
                    .next()
                    .is_some_and(|s| sections.contains(s));
            if looks_like_key {
                used.insert((file.clone(), literal.to_owned()));
            }
        }
    }
    used
}

#[test]
fn every_catalogue_has_exactly_the_english_keys() {
    let en = catalogue("en");
    for lang in LANGUAGES.iter().map(|l| l.code) {
        let other = catalogue(lang);
        let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
    }
}

#[test]
fn every_key_used_in_the_code_is_in_every_catalogue() {
    let en = catalogue("en");
    let sections: BTreeSet<String> = en
        .keys()
        .filter_map(|k| k.split('.').next())
        .map(str::to_owned)
        .collect();
    let used = keys_used_in_code(&sections);
    assert!(
        used.len() > 40,
        "the scan found too few keys ({}) to be trusted",
        used.len()
    );
    // Keys built at run time from a known list.
    let mut built: Vec<String> = Vec::new();
    for reason in Config::default().walk_in_reasons {
        built.push(format!("walkin.reason.{reason}"));
    }
    for reason in [
        "not_found",
        "too_early",
        "too_late",
        "desk_only",
        "already_checked_in",
        "error",
    ] {
        built.push(format!("desk.{reason}.title"));
        built.push(format!("desk.{reason}.body"));
    }
    built.extend((1..=12).map(|m| format!("month.{m}")));
    for lang in LANGUAGES.iter().map(|l| l.code) {
        let cat = catalogue(lang);
        let has = |k: &str| cat.contains_key(k) || cat.contains_key(&format!("{k}.other"));
        for (file, key) in &used {
            assert!(
                has(key),
                "{file} uses `{key}`, missing from locales/{lang}.yml"
            );
        }
        for key in &built {
            assert!(
                has(key),
                "`{key}` is built at run time and missing from locales/{lang}.yml"
            );
        }
    }
}

/// A text that is the same in every language: names, numbers, single keys, the language list.
fn language_neutral(text: &str) -> bool {
    let people = checkin_kiosk::app::demo::people();
    let names = [
        people.maria.display_name.as_str(),
        "Riverside Family Clinic",
        "Dr. Luis Romero",
        "Dr. Amara Patel",
        "Muño",
        "Ana Lucía",
        "Ana",
        "Torres",
        "Muñoz",
    ];
    text.chars().count() <= 2
        || !text.chars().any(char::is_alphabetic)
        // A time, where the language writes AM/PM as English does (Tagalog).
        || !text.replace("AM", "").replace("PM", "").chars().any(char::is_alphabetic)
        || LANGUAGES.iter().any(|l| l.name == text)
        || names.contains(&text)
        || text.starts_with("A-")
        || text.starts_with("W-")
        // Configuration values on the staff Settings page: codes such as "en, es",
        // "general-intake", "procedure".
        || text.split(", ").all(|code| {
            code.chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
        })
}

#[test]
fn every_language_changes_every_visible_string_on_every_screen() {
    let k = start_kiosk(Config::default());
    for scene in Scene::ALL {
        let mut english = BTreeSet::new();
        for lang in LANGUAGES.iter().map(|l| l.code) {
            drive_scene(&k.controller, *scene, lang, Look::default());
            k.controller.borrow_mut().show();
            let texts: BTreeSet<String> = k.visible_texts().into_iter().collect();
            assert!(
                texts.len() >= 3,
                "{scene:?} in {lang} shows too little: {texts:?}"
            );
            if lang == "en" {
                english = texts;
                continue;
            }
            let same: Vec<_> = texts
                .intersection(&english)
                .filter(|t| !language_neutral(t))
                .collect();
            assert!(
                same.is_empty(),
                "{scene:?}: still English in {lang}: {same:?}"
            );
        }
    }
}

/// The fonts compiled into the kiosk draw every character each language's screens show: its
/// catalogue, its keyboards, the symbols in the .slint files, the shipped forms' texts in
/// its script, and each language's own name in that language's font (the welcome screen
/// lists them all). A bare kiosk image has no system fonts to fall back on.
#[test]
fn the_bundled_fonts_cover_every_character_the_kiosk_shows() {
    use checkin_kiosk::ui::keyboards;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let font_file = |family: &str| match family {
        "Noto Sans" => ["NotoSans-Regular.ttf", "NotoSans-Bold.ttf"],
        "Kiosk Sans Arabic" => ["KioskSansArabic-Regular.ttf", "KioskSansArabic-Bold.ttf"],
        "Kiosk Sans SC" => ["KioskSansSC-Regular.otf", "KioskSansSC-Bold.otf"],
        other => panic!("no bundled files for font family {other}"),
    };
    let mut symbols = String::new();
    for dir in ["ui", "ui/pages", "ui/widgets"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("ui dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "slint") {
                let source = std::fs::read_to_string(&path).expect("slint file");
                symbols.extend(source.chars().filter(|c| !c.is_ascii()));
            }
        }
    }
    let mut forms = String::new();
    for entry in std::fs::read_dir(root.join("assets/forms")).expect("forms") {
        forms.push_str(&std::fs::read_to_string(entry.expect("entry").path()).expect("form"));
    }
    let arabic = |c: char| ('\u{600}'..='\u{6FF}').contains(&c);
    let han =
        |c: char| ('\u{3000}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c);
    for language in LANGUAGES {
        let mut text: String = catalogue(language.code).into_values().collect();
        text.push_str(language.name);
        text.push_str(&symbols);
        for latin in [false, true] {
            text.extend(keyboards::name_rows(language.code, latin));
            text.extend(keyboards::form_rows(language.code, latin));
        }
        // The forms' texts in this language's script (Latin/Cyrillic ones for Noto Sans).
        text.extend(forms.chars().filter(|c| match language.font {
            "Kiosk Sans Arabic" => arabic(*c),
            "Kiosk Sans SC" => han(*c),
            _ => !arabic(*c) && !han(*c),
        }));
        let needed: BTreeSet<char> = text
            .chars()
            .filter(|c| !c.is_control() && *c != '|')
            .collect();
        for font in font_file(language.font) {
            let data = std::fs::read(root.join("assets/fonts").join(font)).expect("font file");
            let face = ttf_parser::Face::parse(&data, 0).expect("a font");
            let missing: String = needed
                .iter()
                .filter(|c| face.glyph_index(**c).is_none())
                .collect();
            assert!(
                missing.is_empty(),
                "{font} ({}) has no glyph for {missing:?}",
                language.code
            );
        }
    }
    assert!(
        forms.contains('ñ') && forms.chars().any(arabic) && forms.chars().any(han),
        "the forms were read"
    );
}
