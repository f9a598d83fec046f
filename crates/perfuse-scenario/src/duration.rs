//! Durations as people write them in scenarios and on the command line:
//! `h:mm:ss`, `m:ss`, or numbers with units (`500ms`, `10s`, `2m`, `1h`, `1h30m`, `90 min`,
//! `1 hour 30 minutes`; units in any case).
//!
//! Kept in whole milliseconds so that schedules add up exactly. Every step is checked: a
//! duration longer than [`MAX_MS`] (a year) is not a duration, whatever its digits, so nothing
//! downstream can overflow (`"5124095576031:00:00"` once wrapped to 0:34:08).

/// Longest duration accepted, ms: a year. Far beyond any bypass or ECMO run, far below
/// anything that overflows when added or scaled.
pub const MAX_MS: u64 = 365 * 24 * 3_600_000;

/// Parses a duration into milliseconds; `None` when it is not one of the accepted forms or is
/// longer than [`MAX_MS`].
pub fn parse_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.contains(':') {
        return parse_clock_ms(text);
    }
    let mut total_ms = 0u64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let ms_per_unit = match unit.trim().to_ascii_lowercase().as_str() {
            "ms" | "msec" => 1.0,
            "" if tail.is_empty() => 1000.0,
            "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
            _ => return None,
        };
        let value: f64 = number.parse().ok()?;
        let ms = value * ms_per_unit;
        if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 || ms > MAX_MS as f64 {
            return None;
        }
        total_ms = total_ms.checked_add(ms as u64)?;
        rest = tail;
    }
    (total_ms <= MAX_MS).then_some(total_ms)
}

fn parse_clock_ms(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split(':').collect();
    let (hours, minutes, seconds) = match parts[..] {
        [h, m, s] => (h.parse::<u64>().ok()?, m.parse::<u64>().ok()?, s),
        [m, s] => (0, m.parse::<u64>().ok()?, s),
        _ => return None,
    };
    let seconds: f64 = seconds.parse().ok()?;
    if minutes >= 60 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    let ms = (seconds * 1000.0).round() as u64;
    hours
        .checked_mul(3600)?
        .checked_add(minutes * 60)?
        .checked_mul(1000)?
        .checked_add(ms)
        .filter(|&total| total <= MAX_MS)
}

/// Formats milliseconds as `h:mm:ss` (with `.mmm` when not whole seconds).
pub fn format_ms(ms: u64) -> String {
    let (seconds, millis) = (ms / 1000, ms % 1000);
    let clock = format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    if millis == 0 {
        clock
    } else {
        format!("{clock}.{millis:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        assert_eq!(parse_ms("2:00:00"), Some(7_200_000));
        assert_eq!(parse_ms("0:00:10"), Some(10_000));
        assert_eq!(parse_ms("5:30"), Some(330_000));
        assert_eq!(parse_ms("90m"), Some(5_400_000));
        assert_eq!(parse_ms("5400s"), Some(5_400_000));
        assert_eq!(parse_ms("500ms"), Some(500));
        assert_eq!(parse_ms("1s"), Some(1000));
        assert_eq!(parse_ms("2m"), Some(120_000));
        assert_eq!(parse_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_ms("1.5s"), Some(1500));
        assert_eq!(parse_ms("10"), Some(10_000));
        assert_eq!(parse_ms("90 min"), Some(5_400_000));
        assert_eq!(parse_ms("1 hour 30 minutes"), Some(5_400_000));
        assert_eq!(parse_ms("2 hrs"), Some(7_200_000));
        assert_eq!(parse_ms("45 sec"), Some(45_000));
        assert_eq!(parse_ms("90M"), Some(5_400_000));
    }

    #[test]
    fn rejected_forms() {
        for text in [
            "",
            "soon",
            "-5s",
            "1:75:00",
            "10 parsecs",
            "1::2",
            "0.0001s",
        ] {
            assert_eq!(parse_ms(text), None, "{text}");
        }
    }

    #[test]
    fn huge_values_are_refused_not_wrapped() {
        assert_eq!(parse_ms("5124095576031:00:00"), None);
        assert_eq!(parse_ms("18446744073709551615s"), None);
        assert_eq!(parse_ms("1e300s"), None);
        assert_eq!(parse_ms("8760:00:00"), Some(MAX_MS));
        assert_eq!(parse_ms("8760:00:01"), None);
        assert_eq!(parse_ms("8760h 1ms"), None);
    }

    proptest::proptest! {
        #[test]
        fn clock_durations_are_exact_or_refused(h in 0u64..=u64::MAX, m in 0u64..60, s in 0u64..60) {
            let parsed = parse_ms(&format!("{h}:{m:02}:{s:02}"));
            let exact = u128::from(h) * 3_600_000 + u128::from(m) * 60_000 + u128::from(s) * 1000;
            if exact <= u128::from(MAX_MS) {
                proptest::prop_assert_eq!(parsed.map(u128::from), Some(exact));
            } else {
                proptest::prop_assert_eq!(parsed, None);
            }
        }

        #[test]
        fn unit_durations_never_exceed_the_bound(n in 0u64..=u64::MAX, unit in proptest::sample::select(vec!["ms", "s", "m", "h"])) {
            if let Some(ms) = parse_ms(&format!("{n}{unit}")) {
                proptest::prop_assert!(ms <= MAX_MS);
            }
        }

        #[test]
        fn any_text_parses_without_panicking(text in "\\PC{0,40}") {
            let _ = parse_ms(&text);
        }
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_ms(7_200_000), "2:00:00");
        assert_eq!(format_ms(61_500), "0:01:01.500");
        assert_eq!(parse_ms(&format_ms(5_432_100)), Some(5_432_100));
    }
}
