//! The optional phone number of a walk-in ("text me when it's my turn").

use super::DomainError;

/// E.164 allows at most 15 digits; fewer than 7 is no dialable number anywhere.
const DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// Normalizes a typed phone number to its digits, keeping a leading '+'. Spaces, dashes,
/// dots and brackets between digits are dropped; letters or a '+' elsewhere are refused.
/// Empty means the patient skipped it.
pub fn normalize_phone(digits: &str) -> Result<Option<String>, DomainError> {
    let typed = digits.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let (plus, rest) = match typed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, typed),
    };
    let mut out = String::with_capacity(rest.len() + 1);
    if plus {
        out.push('+');
    }
    let mut count = 0usize;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            out.push(c);
            count += 1;
        } else if !matches!(c, ' ' | '-' | '.' | '(' | ')') {
            return Err(DomainError::BadPhone);
        }
    }
    if DIGITS.contains(&count) {
        Ok(Some(out))
    } else {
        Err(DomainError::BadPhone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_skipped() {
        assert_eq!(normalize_phone(""), Ok(None));
        assert_eq!(normalize_phone("   "), Ok(None));
    }

    #[test]
    fn digits_and_a_leading_plus_are_kept() {
        assert_eq!(
            normalize_phone("555 014 2999"),
            Ok(Some("5550142999".into()))
        );
        assert_eq!(
            normalize_phone("+34 612-345-678"),
            Ok(Some("+34612345678".into()))
        );
        assert_eq!(
            normalize_phone("(555) 014.2999"),
            Ok(Some("5550142999".into()))
        );
        assert_eq!(normalize_phone("5550142"), Ok(Some("5550142".into())));
        assert_eq!(normalize_phone(&"9".repeat(15)), Ok(Some("9".repeat(15))));
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        assert_eq!(normalize_phone("555014"), Err(DomainError::BadPhone));
        assert_eq!(normalize_phone(&"9".repeat(16)), Err(DomainError::BadPhone));
        assert_eq!(normalize_phone("555-CALL-NOW"), Err(DomainError::BadPhone));
        assert_eq!(normalize_phone("555+0142999"), Err(DomainError::BadPhone));
        assert_eq!(normalize_phone("+"), Err(DomainError::BadPhone));
        assert_eq!(normalize_phone("٥٥٥٠١٤٢٩٩٩"), Err(DomainError::BadPhone));
    }

    #[test]
    fn the_error_does_not_echo_the_number() {
        let err = normalize_phone("12345").unwrap_err();
        assert!(!err.to_string().contains("12345"));
        assert!(!format!("{err:?}").contains("12345"));
    }
}
