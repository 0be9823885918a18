use super::DomainError;

/// The code a USB scanner typed (it ends with Enter, which the UI strips). Accepts the bare
/// code, "CKI:<code>", or a URL whose last path segment is the code. Returns it uppercased.
pub fn parse_scan(raw: &str) -> Result<String, DomainError> {
    let trimmed: String = raw.chars().filter(|c| !c.is_control()).collect();
    let trimmed = trimmed.trim();
    let code = if let Some((_, rest)) = trimmed.split_once("://") {
        rest.trim_end_matches('/').rsplit('/').next().unwrap_or_default()
    } else if trimmed.len() > 4 && trimmed.is_char_boundary(4) && trimmed[..4].eq_ignore_ascii_case("CKI:") {
        &trimmed[4..]
    } else {
        trimmed
    };
    let valid = (4..=40).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
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
        assert_eq!(parse_scan(" cki-ngu901\r"), Ok("CKI-NGU901".into()));
        assert_eq!(parse_scan("CKI:ab12"), Ok("AB12".into()));
        assert_eq!(parse_scan("https://clinic.example/r/CKI-NGU901/"), Ok("CKI-NGU901".into()));
    }

    #[test]
    fn refuses_garbage_without_echoing_it() {
        for bad in ["", "abc", "%%é!?", "CKI-NGU 901", &"A".repeat(41), "https://x/", "ÿÿÿÿÿ"] {
            let err = parse_scan(bad).unwrap_err();
            assert_eq!(err, DomainError::BadScan);
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad));
            }
        }
    }
}
