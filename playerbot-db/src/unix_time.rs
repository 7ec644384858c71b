//! Unix seconds to and from the calendar date and time a DATETIME or TIMESTAMP column holds.
//!
//! Sessions run with `time_zone = '+00:00'`, so TIMESTAMP columns read and write UTC and the
//! same seconds mean the same instant for every program; a DATETIME column has no zone and
//! its value is taken as UTC.

/// Days from 1970-01-01 to the civil date `year-month-day` (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of `days` since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `(year, month, day, hour, minute, second)` of `seconds` since the epoch (UTC). Years
/// outside 0..=65535 are clamped to those bounds (validation refuses them).
pub(crate) fn to_civil(seconds: i64) -> (u16, u8, u8, u8, u8, u8) {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let year = year.clamp(0, i64::from(u16::MAX)) as u16;
    (
        year,
        month as u8,
        day as u8,
        (rest / 3_600) as u8,
        (rest % 3_600 / 60) as u8,
        (rest % 60) as u8,
    )
}

/// Seconds since the epoch (UTC) of a civil date and time.
pub(crate) fn from_civil(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> i64 {
    days_from_civil(i64::from(year), u32::from(month), u32::from(day)) * 86_400
        + i64::from(hour) * 3_600
        + i64::from(minute) * 60
        + i64::from(second)
}

/// Seconds since the epoch of `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or with a fraction after
/// the seconds (dropped), as the text protocol sends DATE, DATETIME and TIMESTAMP values. The
/// zero date is 0.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(' ').unwrap_or((text, "00:00:00"));
    let mut date = date.splitn(3, '-').map(str::parse::<u16>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let time = time.split('.').next()?;
    let mut time = time.splitn(3, ':').map(str::parse::<u8>);
    let (hour, minute, second) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
    if (year, month, day) == (0, 0, 0) {
        return Some(0);
    }
    let (month, day) = (u8::try_from(month).ok()?, u8::try_from(day).ok()?);
    Some(from_civil(year, month, day, hour, minute, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(to_civil(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(to_civil(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(to_civil(2_147_483_647), (2038, 1, 19, 3, 14, 7));
        assert_eq!(to_civil(-1), (1969, 12, 31, 23, 59, 59));
        assert_eq!(from_civil(2026, 11, 26, 12, 30, 15), 1_795_696_215);
    }

    #[test]
    fn parses_the_text_protocol() {
        assert_eq!(parse("1970-01-01 00:00:01"), Some(1));
        assert_eq!(parse("2026-11-26 12:30:15.250000"), Some(1_795_696_215));
        assert_eq!(parse("2026-11-26"), Some(1_795_651_200));
        assert_eq!(parse("0000-00-00 00:00:00"), Some(0));
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn round_trips_across_centuries() {
        let mut seconds = -30_000_000_000i64;
        while seconds < 250_000_000_000 {
            let (y, mo, d, h, mi, s) = to_civil(seconds);
            assert_eq!(from_civil(y, mo, d, h, mi, s), seconds, "{seconds}");
            seconds += 86_399 * 37 + 12_345;
        }
    }
}
