//! The one translation lookup, shared by the .slint files (through `Tr.lookup`) and Rust.
//! Catalogues live in locales/<lang>.yml and are compiled in by rust-i18n.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

/// A language with a complete catalogue in locales/.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Language {
    pub code: &'static str,
    /// The language's own name, in its own script (the welcome screen lists these).
    pub name: &'static str,
    /// The bundled font family that covers everything its screens show, Latin included
    /// (names, the practice name): the software renderer falls back only to system fonts,
    /// which a kiosk image does not have. scripts/make-fonts.py builds the two extra ones.
    pub font: &'static str,
    /// Written right to left: the screens are mirrored.
    pub rtl: bool,
}

const fn language(code: &'static str, name: &'static str, font: &'static str) -> Language {
    Language {
        code,
        name,
        font,
        rtl: false,
    }
}

/// Every language the kiosk ships, in the order the welcome screen offers them.
pub const LANGUAGES: &[Language] = &[
    language("en", "English", LATIN_FONT),
    language("es", "Español", LATIN_FONT),
    language("fr", "Français", LATIN_FONT),
    language("zh", "中文", "Kiosk Sans SC"),
    language("vi", "Tiếng Việt", LATIN_FONT),
    Language {
        rtl: true,
        ..language("ar", "العربية", "Kiosk Sans Arabic")
    },
    language("tl", "Tagalog", LATIN_FONT),
    language("ru", "Русский", LATIN_FONT),
];

/// Noto Sans: Latin (Vietnamese included) and Cyrillic.
pub const LATIN_FONT: &str = "Noto Sans";

/// The language with this code, if we ship it.
pub fn language_of(code: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.code == code)
}

/// The language's own name, or the code when we have no catalogue for it.
pub fn language_name(code: &str) -> &str {
    language_of(code).map_or(code, |l| l.name)
}

/// The font family for screens in `code`.
pub fn font_family(code: &str) -> &'static str {
    language_of(code).map_or(LATIN_FONT, |l| l.font)
}

/// Whether screens in `code` are laid out right to left.
pub fn is_rtl(code: &str) -> bool {
    language_of(code).is_some_and(|l| l.rtl)
}

/// Text for `key` in `lang`. A key missing from `lang` falls back to English at run time;
/// the catalogue tests make sure that never ships.
pub fn tr(lang: &str, key: &str) -> String {
    rust_i18n::t!(key, locale = lang).into_owned()
}

/// Text for `key` with `%{name}` placeholders filled in.
pub fn tr_with(lang: &str, key: &str, args: &[(&str, String)]) -> String {
    let mut text = tr(lang, key);
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

/// "1 person ahead" / "2 people ahead": keys `<key>.zero`, `<key>.one`, `<key>.other`.
pub fn tr_count(lang: &str, key: &str, count: u32) -> String {
    let form = match count {
        0 => "zero",
        1 => "one",
        _ => "other",
    };
    tr_with(
        lang,
        &format!("{key}.{form}"),
        &[("count", count.to_string())],
    )
}

/// A clock time as the language writes it ("10:30 AM", "10:30").
pub fn format_time(lang: &str, time: NaiveTime) -> String {
    let (hour, minute) = (time.hour(), time.minute());
    if tr(lang, "time.clock") == "12" {
        let suffix = if hour < 12 { "time.am" } else { "time.pm" };
        let h12 = match hour % 12 {
            0 => 12,
            h => h,
        };
        format!("{h12}:{minute:02} {}", tr(lang, suffix))
    } else {
        format!("{hour:02}:{minute:02}")
    }
}

/// A date written out in full ("March 9, 1984", "9 de marzo de 1984").
pub fn format_long_date(lang: &str, date: NaiveDate) -> String {
    tr_with(
        lang,
        "date.long",
        &[
            ("day", date.day().to_string()),
            ("month", tr(lang, &format!("month.{}", date.month()))),
            ("year", date.year().to_string()),
        ],
    )
}

/// The order the language writes a date in, as field names.
pub fn date_order(lang: &str) -> [DateField; 3] {
    match tr(lang, "date.order").as_str() {
        "dmy" => [DateField::Day, DateField::Month, DateField::Year],
        "ymd" => [DateField::Year, DateField::Month, DateField::Day],
        _ => [DateField::Month, DateField::Day, DateField::Year],
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateField {
    Day,
    Month,
    Year,
}

impl DateField {
    pub fn label_key(self) -> &'static str {
        match self {
            DateField::Day => "date.day",
            DateField::Month => "date.month",
            DateField::Year => "date.year",
        }
    }

    pub fn placeholder_key(self) -> &'static str {
        match self {
            DateField::Day => "date.placeholder.day",
            DateField::Month => "date.placeholder.month",
            DateField::Year => "date.placeholder.year",
        }
    }

    pub fn max_digits(self) -> usize {
        match self {
            DateField::Year => 4,
            _ => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_the_language() {
        let t = NaiveTime::from_hms_opt(14, 5, 0).unwrap();
        assert_eq!(format_time("en", t), "2:05 PM");
        assert_eq!(format_time("es", t), "14:05");
        let midnight = NaiveTime::from_hms_opt(0, 30, 0).unwrap();
        assert_eq!(format_time("en", midnight), "12:30 AM");
    }

    #[test]
    fn long_dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(1984, 3, 9).unwrap();
        assert_eq!(format_long_date("en", d), "March 9, 1984");
        assert_eq!(format_long_date("es", d), "9 de marzo de 1984");
    }

    #[test]
    fn every_language_writes_dates_and_times_its_own_way() {
        let d = NaiveDate::from_ymd_opt(1984, 3, 9).unwrap();
        let t = NaiveTime::from_hms_opt(14, 5, 0).unwrap();
        let expected = [
            ("fr", "9 mars 1984", "14:05", DateField::Day),
            ("zh", "1984年3月9日", "14:05", DateField::Year),
            ("vi", "ngày 9 tháng 3 năm 1984", "14:05", DateField::Day),
            ("ar", "9 مارس 1984", "2:05 م", DateField::Day),
            ("tl", "Marso 9, 1984", "2:05 PM", DateField::Month),
            ("ru", "9 марта 1984 г.", "14:05", DateField::Day),
        ];
        for (lang, date, time, first) in expected {
            assert_eq!(format_long_date(lang, d), date, "{lang}");
            assert_eq!(format_time(lang, t), time, "{lang}");
            assert_eq!(date_order(lang)[0], first, "{lang}");
        }
    }

    #[test]
    fn every_language_has_a_font_and_only_arabic_is_right_to_left() {
        for language in LANGUAGES {
            assert_eq!(font_family(language.code), language.font);
            assert_eq!(is_rtl(language.code), language.code == "ar");
        }
        let codes: Vec<&str> = LANGUAGES.iter().map(|l| l.code).collect();
        assert_eq!(
            codes,
            crate::config::SUPPORTED_LANGUAGES,
            "one list of languages"
        );
        assert_eq!(font_family("xx"), LATIN_FONT);
    }

    #[test]
    fn counts_pick_the_plural_form() {
        assert_eq!(tr_count("en", "done.ahead", 1), "1 person ahead of you");
        assert_eq!(tr_count("en", "done.ahead", 3), "3 people ahead of you");
        assert_eq!(
            tr_count("es", "done.ahead", 2),
            "2 personas antes que usted"
        );
    }

    #[test]
    fn date_order_follows_the_language() {
        assert_eq!(date_order("en")[0], DateField::Month);
        assert_eq!(date_order("es")[0], DateField::Day);
    }
}
