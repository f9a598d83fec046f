//! Calendar dates, local wall-clock times and UTC timestamps without a date-time dependency.
//!
//! Dates are stored as `YYYY-MM-DD` text (sorts like the date it names, portable between SQLite
//! and PostgreSQL); a record's start as `HH:MM:SS` local wall-clock text ([`ClockTime`]); audit
//! timestamps as RFC 3339 UTC text with millisecond precision.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A proleptic Gregorian calendar date, written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Builds a date, checking the day exists (years 1900–2199).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1900..=2199).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`; the error message says what is accepted.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(format!("{text:?}: expected a date written YYYY-MM-DD"));
        }
        let year: i32 = text[0..4]
            .parse()
            .map_err(|_| format!("{text:?}: bad year"))?;
        let month: u8 = text[5..7]
            .parse()
            .map_err(|_| format!("{text:?}: bad month"))?;
        let day: u8 = text[8..10]
            .parse()
            .map_err(|_| format!("{text:?}: bad day"))?;
        Date::new(year, month, day)
            .ok_or_else(|| format!("{text:?}: no such date (years 1900 to 2199)"))
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The date `days` days after this one (before it when negative); `None` outside the
    /// years 1900–2199.
    pub fn plus_days(self, days: i64) -> Option<Date> {
        let (year, month, day) = civil_from_days(self.days_since_epoch() + days);
        Date::new(year, month, day)
    }

    /// Whole days from 1970-01-01 (negative before); H. Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// Today's date in UTC.
    pub fn today_utc() -> Date {
        let days = unix_now_ms().div_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = Error;
    fn from_str(text: &str) -> Result<Date> {
        Date::parse(text).map_err(|message| Error::invalid("date", message))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A local wall-clock time of day, to the second, written `HH:MM` or `HH:MM:SS` (24-hour) and
/// stored `HH:MM:SS`. No time zone: it is the hospital's clock, the one its lab results carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime {
    seconds_of_day: u32,
}

impl ClockTime {
    /// Builds a time of day, checking each part (hour 0–23, minute and second 0–59).
    pub fn new(hour: u8, minute: u8, second: u8) -> Option<ClockTime> {
        (hour < 24 && minute < 60 && second < 60).then(|| ClockTime {
            seconds_of_day: u32::from(hour) * 3600 + u32::from(minute) * 60 + u32::from(second),
        })
    }

    /// Parses `HH:MM` or `HH:MM:SS`; the error message says what is accepted.
    pub fn parse(text: &str) -> Result<ClockTime, String> {
        let expected =
            || format!("{text:?}: expected a local time written HH:MM or HH:MM:SS (24-hour)");
        let parts: Vec<&str> = text.split(':').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|part| part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(expected());
        }
        let number = |i: usize| parts.get(i).map_or(Ok(0), |part| part.parse::<u8>());
        let (Ok(hour), Ok(minute), Ok(second)) = (number(0), number(1), number(2)) else {
            return Err(expected());
        };
        ClockTime::new(hour, minute, second)
            .ok_or_else(|| format!("{text:?}: no such time (00:00:00 to 23:59:59)"))
    }

    /// Seconds since midnight.
    pub fn seconds_of_day(self) -> u32 {
        self.seconds_of_day
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds_of_day;
        write!(f, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ClockTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        ClockTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A local date and wall-clock time (an HL7 observation time, a record's start).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalDateTime {
    /// The calendar date.
    pub date: Date,
    /// The time of day.
    pub time: ClockTime,
}

impl LocalDateTime {
    /// Seconds from `earlier` to this time (negative when this one is before it).
    pub fn seconds_since(self, earlier: LocalDateTime) -> i64 {
        let days = self.date.days_since_epoch() - earlier.date.days_since_epoch();
        days * 86_400 + i64::from(self.time.seconds_of_day) - i64::from(earlier.time.seconds_of_day)
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn unix_now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 → (year, month, day); H. Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// The current UTC time as an HL7 v2 `DTM` with its zone, e.g. `20250301140509+0000`.
pub fn now_hl7_utc() -> String {
    let ms = unix_now_ms();
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    let seconds = ms.rem_euclid(86_400_000) / 1000;
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}+0000")
}

/// The current UTC time as RFC 3339 text, e.g. `2025-03-01T14:05:09.123Z`.
pub fn now_rfc3339() -> String {
    rfc3339_of_unix_ms(unix_now_ms())
}

/// The UTC time `days` whole days from now, as RFC 3339 text; `None` past year 9999.
pub fn rfc3339_in_days(days: u32) -> Option<String> {
    let ms = i64::from(days)
        .checked_mul(86_400_000)
        .and_then(|offset| unix_now_ms().checked_add(offset))?;
    // 253402300800000 ms is 10000-01-01T00:00:00Z: beyond, the text no longer sorts as time.
    (ms < 253_402_300_800_000).then(|| rfc3339_of_unix_ms(ms))
}

/// Milliseconds since 1970-01-01T00:00:00Z as RFC 3339 text (same width for years 0–9999, so
/// the texts sort as the times they name).
fn rfc3339_of_unix_ms(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    let ms_of_day = ms.rem_euclid(86_400_000);
    let (hour, minute) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (second, milli) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_dates() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2024-2-9").is_err());
        assert!(Date::parse("2024-13-01").is_err());
    }

    #[test]
    fn days_round_trip_and_clock_times_parse() {
        for days in [-25_567, -1, 0, 19_782, 80_000] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                Date::new(year, month, day).unwrap().days_since_epoch(),
                days
            );
        }
        let date = Date::parse("2024-02-28").unwrap();
        assert_eq!(date.plus_days(1).unwrap().to_string(), "2024-02-29");
        assert_eq!(date.plus_days(2).unwrap().to_string(), "2024-03-01");
        assert_eq!(ClockTime::parse("08:15").unwrap().to_string(), "08:15:00");
        assert_eq!(
            ClockTime::parse("23:59:59").unwrap().seconds_of_day(),
            86_399
        );
        for bad in ["24:00", "8:15", "08:60", "08:15:00:00", "0815", "", "08:1a"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad}");
        }
        let start = LocalDateTime {
            date,
            time: ClockTime::parse("23:00").unwrap(),
        };
        let next_day = LocalDateTime {
            date: date.plus_days(1).unwrap(),
            time: ClockTime::parse("00:30").unwrap(),
        };
        assert_eq!(next_day.seconds_since(start), 5400);
        assert_eq!(start.seconds_since(next_day), -5400);
    }

    #[test]
    fn civil_from_days_matches_known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn timestamps_are_fixed_width_and_sort() {
        assert_eq!(rfc3339_of_unix_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_of_unix_ms(1_709_217_909_123),
            "2024-02-29T14:45:09.123Z"
        );
        let in_90 = rfc3339_in_days(90).unwrap();
        assert!(now_rfc3339() < in_90);
        assert!(rfc3339_in_days(u32::MAX).is_none());
    }
}
