use super::DomainError;

const PREFIX: &str = "CKI:";
const CODE_LEN: std::ops::RangeInclusive<usize> = 4..=40;

/// The code a USB scanner typed (it ends with Enter). Accepts the bare code, "CKI:<code>"
/// (any case), or a URL whose last path segment is the code. Returns it uppercased. The
/// error never repeats what was scanned.
pub fn parse_scan(raw: &str) -> Result<String, DomainError> {
    // Scanners add CR/LF/tab, some add other control bytes; none belong to a code.
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
    let text = cleaned.trim();
    let code = if let Some((_scheme, rest)) = text.split_once("://") {
        // Drop query and fragment; the first segment is the host, never the code.
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        path.split('/')
            .skip(1)
            .filter(|s| !s.is_empty())
            .last()
            .unwrap_or_default()
    } else if let Some(rest) = text
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| text.get(PREFIX.len()..))
    {
        rest.trim()
    } else {
        text
    };
    let valid = CODE_LEN.contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(DomainError::BadScan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_codes_in_their_forms() {
        assert_eq!(parse_scan("CKI-NGU901"), Ok("CKI-NGU901".into()));
        assert_eq!(parse_scan(" cki-ngu901\r\n"), Ok("CKI-NGU901".into()));
        assert_eq!(parse_scan("\u{2}CKI-NGU901\u{3}"), Ok("CKI-NGU901".into()));
        assert_eq!(parse_scan("CKI:ab12"), Ok("AB12".into()));
        assert_eq!(parse_scan("cki:CKI-NGU901"), Ok("CKI-NGU901".into()));
        assert_eq!(
            parse_scan("https://clinic.example/r/CKI-NGU901/"),
            Ok("CKI-NGU901".into())
        );
        assert_eq!(
            parse_scan("HTTPS://clinic.example/r/cki-ngu901?src=sms#top"),
            Ok("CKI-NGU901".into())
        );
        assert_eq!(parse_scan(&"A".repeat(40)), Ok("A".repeat(40)));
    }

    #[test]
    fn refuses_garbage_without_echoing_it() {
        let long = "A".repeat(41);
        for bad in [
            "",
            "   ",
            "abc",
            "CKI:",
            "CKI:abc",
            "%%é!?",
            "CKI-NGU 901",
            "CKI_NGU901",
            long.as_str(),
            "https://x/",
            "https://clinic-example",
            "https://clinic.example/r/a b",
            "ÿÿÿÿÿ",
            "ＣＫＩ-ＮＧＵ９０１",
        ] {
            let err = parse_scan(bad).unwrap_err();
            assert_eq!(err, DomainError::BadScan, "{bad:?}");
            let text = format!("{err} {err:?}");
            assert!(
                bad.trim().is_empty() || !text.contains(bad.trim()),
                "{text}"
            );
        }
    }
}
