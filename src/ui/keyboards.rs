//! The on-screen letter keyboards, per language.
//!
//! Each offers the letters a family name in that language needs, in three rows of at most
//! eleven keys so the keyboard fits an 800x480 screen with 60 px keys. Russian leaves out
//! Ё and Ъ, matched as Е and nothing. A language with more letters has a second layer
//! (accented letters and tone marks, or Latin letters for Russian and Arabic), reached by
//! the last key of the third row. Names are matched folded (`domain::fold_name`: case,
//! accents, tone marks, hyphens and spaces do not count, and Cyrillic is read as its Latin
//! transliteration), so "NGUYEN" finds "Nguyễn" and "Иванов" finds "Ivanov"; a walk-in's
//! name is kept as typed, marks included. Chinese uses the Latin keyboard: records hold
//! Chinese names in pinyin, typed without tones.

/// Dotted circle: shows a combining tone mark on its key; never typed.
pub const MARK_BASE: char = '\u{25CC}';

/// Keys that switch between a keyboard's two layers (never typed).
const SWITCHES: &[&str] = &["ABC", "АБВ", "أبت", "ÉÀÇ", "ĂÂÊ"];

const LATIN: &[&str] = &["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM'-"];

/// The letter rows for a name in `lang`; `second` when the patient switched layers.
/// Keys are separated by '|'.
pub fn name_rows(lang: &str, second: bool) -> Vec<String> {
    let rows: &[&str] = match (lang, second) {
        ("es" | "tl", _) => &["QWERTYUIOP", "ASDFGHJKLÑ", "ZXCVBNM'-"],
        ("fr", false) => &["AZERTYUIOP", "QSDFGHJKLM", "WXCVBN'-|ÉÀÇ"],
        ("fr", true) => &["ÉÈÊËÀÂÇ", "ÎÏÔÛÙÜŸ", "ŒÆ'-|ABC"],
        ("vi", false) => &["QWERTYUIOP", "ASDFGHJKLĐ", "ZXCVBNM'-|ĂÂÊ"],
        // Letters with their own shape, then the five tone marks (combining).
        ("vi", true) => &["ĂÂÊÔƠƯĐ", "◌́◌̀◌̉◌̃◌̣", "'-|ABC"],
        ("ru", false) => &["ЙЦУКЕНГШЩЗХ", "ФЫВАПРОЛДЖЭ", "ЯЧСМИТЬБЮ-|ABC"],
        ("ru", true) => &["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM'-|АБВ"],
        // The standard Arabic layout: every letter, hamza, tāʼ marbūṭa and alif maqṣūra.
        // (ئ and ؤ match as ي and و, so they give way to keep the keys 60 px wide.)
        ("ar", false) => &["ضصثقفغعهخحج", "شسيبلاتنمكط", "ذءرىةوزظد|ABC"],
        ("ar", true) => &["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM'-|أبت"],
        _ => LATIN,
    };
    rows.iter().map(|r| split_keys(r)).collect()
}

/// Rows for a free-text form answer: digits first (a small screen leaves them out), then
/// the name rows with a little punctuation.
pub fn form_rows(lang: &str, second: bool) -> Vec<String> {
    let mut rows = vec!["1|2|3|4|5|6|7|8|9|0".to_owned()];
    rows.extend(name_rows(lang, second));
    if let Some(last) = rows.last_mut() {
        let mut keys: Vec<&str> = last.split('|').collect();
        let at = keys.len() - usize::from(keys.last().is_some_and(|k| is_switch(k)));
        keys.splice(at..at, [",", "."]);
        *last = keys.join("|");
    }
    rows
}

/// Whether `key` switches the keyboard's layer.
pub fn is_switch(key: &str) -> bool {
    SWITCHES.contains(&key)
}

/// The text a key types: a tone-mark key types only its mark.
pub fn typed(key: &str) -> String {
    key.chars().filter(|c| *c != MARK_BASE).collect()
}

/// One row as keys separated by '|': each letter a key (a tone mark stays on its dotted
/// circle); a switch, after the '|' already in the row, stays whole.
fn split_keys(row: &str) -> String {
    let (letters, switch) = row
        .split_once('|')
        .map_or((row, None), |(l, s)| (l, Some(s)));
    let mut keys: Vec<String> = Vec::new();
    for c in letters.chars() {
        match keys.last_mut() {
            Some(last) if is_combining(c) => last.push(c),
            _ => keys.push(c.to_string()),
        }
    }
    keys.extend(switch.map(str::to_owned));
    keys.join("|")
}

fn is_combining(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(rows: &[String]) -> Vec<&str> {
        rows.iter().flat_map(|r| r.split('|')).collect()
    }

    #[test]
    fn every_language_has_its_letters() {
        assert!(keys(&name_rows("es", false)).contains(&"Ñ"));
        assert!(keys(&name_rows("fr", true)).contains(&"Ç"));
        assert!(keys(&name_rows("vi", false)).contains(&"Đ"));
        assert!(keys(&name_rows("vi", true)).contains(&"◌̃"));
        assert!(keys(&name_rows("ru", false)).contains(&"Ж"));
        assert!(keys(&name_rows("ar", false)).contains(&"ع"));
        assert!(keys(&name_rows("zh", false)).contains(&"Q"));
    }

    #[test]
    fn the_arabic_keyboard_has_all_28_letters() {
        let ar = keys(&name_rows("ar", false)).concat();
        for letter in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي".chars() {
            assert!(ar.contains(letter), "{letter} missing");
        }
    }

    #[test]
    fn cyrillic_and_arabic_switch_to_latin_and_back() {
        for lang in ["ru", "ar"] {
            let native_rows = name_rows(lang, false);
            let native = keys(&native_rows).into_iter().find(|k| is_switch(k));
            assert_eq!(native, Some("ABC"));
            let latin = name_rows(lang, true);
            let back = keys(&latin).into_iter().find(|k| is_switch(k));
            assert!(back.is_some_and(|k| k != "ABC"));
            assert!(keys(&latin).contains(&"Q"));
        }
        assert!(!keys(&name_rows("en", false)).into_iter().any(is_switch));
    }

    #[test]
    fn every_layer_has_three_rows_and_the_switch_last() {
        for lang in crate::config::SUPPORTED_LANGUAGES {
            for second in [false, true] {
                let rows = name_rows(lang, second);
                assert_eq!(rows.len(), 3, "{lang} {second}");
                for row in &rows {
                    assert!(row.split('|').count() <= 11, "{lang}: {row} is too long");
                }
                let all = keys(&rows);
                let switches = all.iter().filter(|k| is_switch(k)).count();
                assert!(switches <= 1, "{lang}");
                if switches == 1 {
                    assert!(all.last().is_some_and(|k| is_switch(k)), "{lang}");
                }
            }
        }
    }

    #[test]
    fn a_tone_key_types_only_its_mark() {
        assert_eq!(typed("◌̃"), "\u{303}");
        assert_eq!(typed("A"), "A");
    }
}
