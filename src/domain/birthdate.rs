//! The birth date a patient typed on the date keypad.

use chrono::NaiveDate;

use super::DomainError;

/// Oldest plausible age in years; anything older is a typing slip.
const MAX_AGE_YEARS: u32 = 130;

/// A birth date from the keypad's three fields: a real calendar day, not after `today`, and
/// an age of at most 130 years. Each failure has its own variant so the UI can say which.
pub fn parse_birth_date(
    year: u32,
    month: u32,
    day: u32,
    today: NaiveDate,
) -> Result<NaiveDate, DomainError> {
    let year = i32::try_from(year).map_err(|_| DomainError::BadDate)?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(DomainError::BadDate)?;
    // years_since is None exactly when the date is after today.
    let age = today.years_since(date).ok_or(DomainError::FutureDate)?;
    if age > MAX_AGE_YEARS {
        return Err(DomainError::TooOld);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(2026, 11, 23)
    }

    #[test]
    fn real_dates_pass() {
        assert_eq!(parse_birth_date(1984, 3, 9, today()), Ok(d(1984, 3, 9)));
        assert_eq!(parse_birth_date(2000, 2, 29, today()), Ok(d(2000, 2, 29)));
        // A newborn checked in on the day of birth.
        assert_eq!(parse_birth_date(2026, 11, 23, today()), Ok(today()));
    }

    #[test]
    fn impossible_dates_are_bad() {
        assert_eq!(
            parse_birth_date(1984, 2, 30, today()),
            Err(DomainError::BadDate)
        );
        assert_eq!(
            parse_birth_date(1983, 2, 29, today()),
            Err(DomainError::BadDate)
        );
        assert_eq!(
            parse_birth_date(1984, 13, 1, today()),
            Err(DomainError::BadDate)
        );
        assert_eq!(
            parse_birth_date(1984, 0, 1, today()),
            Err(DomainError::BadDate)
        );
        assert_eq!(
            parse_birth_date(1984, 1, 0, today()),
            Err(DomainError::BadDate)
        );
        assert_eq!(
            parse_birth_date(u32::MAX, 1, 1, today()),
            Err(DomainError::BadDate)
        );
    }

    #[test]
    fn future_dates_are_refused() {
        assert_eq!(
            parse_birth_date(2026, 11, 24, today()),
            Err(DomainError::FutureDate)
        );
        assert_eq!(
            parse_birth_date(2084, 3, 9, today()),
            Err(DomainError::FutureDate)
        );
    }

    #[test]
    fn ages_over_130_are_refused_to_the_day() {
        // Turns 131 tomorrow: still 130 today.
        assert_eq!(parse_birth_date(1895, 11, 24, today()), Ok(d(1895, 11, 24)));
        assert_eq!(
            parse_birth_date(1895, 11, 23, today()),
            Err(DomainError::TooOld)
        );
        assert_eq!(
            parse_birth_date(1850, 1, 1, today()),
            Err(DomainError::TooOld)
        );
        assert_eq!(parse_birth_date(0, 1, 1, today()), Err(DomainError::TooOld));
    }
}
