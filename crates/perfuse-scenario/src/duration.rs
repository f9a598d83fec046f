//! Durations as people write them in scenarios and on the command line:
//! `h:mm:ss`, `m:ss`, or numbers with units (`500ms`, `10s`, `2m`, `1h`, `1h30m`, `90 min`,
//! `1 hour 30 minutes`; units in any case).
//!
//! Kept in whole milliseconds so that schedules add up exactly.

/// Parses a duration into milliseconds; `None` when it is not one of the accepted forms.
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
        if ms.fract() != 0.0 {
            return None;
        }
        total_ms = total_ms.checked_add(whole_ms_from_f64(ms)?)?;
        rest = tail;
    }
    Some(total_ms)
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
}

/// Milliseconds held in a float, as a whole `u64`; `None` when negative, not finite or beyond
/// `u64` (an `as` cast would saturate silently).
pub fn whole_ms_from_f64(ms: f64) -> Option<u64> {
    // 2^64 is exactly representable; every float below it converts without saturating.
    (0.0..18_446_744_073_709_551_616.0)
        .contains(&ms)
        .then(|| ms.round() as u64)
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
    fn overflow_is_an_error_not_a_wrap() {
        // 5124095576031 h × 3.6e6 ms/h exceeds u64::MAX by 2,051,985 ms: it used to wrap to 0:34:08.
        assert_eq!(parse_ms("5124095576031:00:00"), None);
        assert_eq!(
            parse_ms("5124095576030:00:00"),
            Some(5_124_095_576_030 * 3_600_000)
        );
        assert_eq!(parse_ms("99999999999999999999h"), None);
        assert_eq!(parse_ms("1e30s"), None);
        assert_eq!(parse_ms(&format!("{}ms 1ms", u64::MAX)), None);
        assert_eq!(whole_ms_from_f64(1.0e300), None);
        assert_eq!(whole_ms_from_f64(f64::INFINITY), None);
    }

    proptest::proptest! {
        /// Any h:mm:ss is either its exact value in milliseconds or refused; it never wraps.
        #[test]
        fn clock_durations_never_wrap(hours: u64, minutes in 0u64..60, seconds in 0u64..60) {
            let exact = (u128::from(hours) * 3600 + u128::from(minutes) * 60 + u128::from(seconds)) * 1000;
            let parsed = parse_ms(&format!("{hours}:{minutes:02}:{seconds:02}"));
            proptest::prop_assert_eq!(parsed.map(u128::from), (exact <= u128::from(u64::MAX)).then_some(exact));
        }

        /// Numbers with units: exact or refused, never wrapped or saturated.
        #[test]
        fn unit_durations_never_wrap(value: u64, unit in 0usize..4) {
            let (suffix, ms_per_unit) = [("ms", 1u128), ("s", 1000), ("m", 60_000), ("h", 3_600_000)][unit];
            let exact = u128::from(value) * ms_per_unit;
            let parsed = parse_ms(&format!("{value}{suffix}"));
            if exact > u128::from(u64::MAX) {
                proptest::prop_assert_eq!(parsed, None);
            } else if let Some(ms) = parsed {
                // Beyond 2^53 the decimal goes through f64: refused or exact to f64 rounding.
                let error = u128::from(ms).abs_diff(exact);
                proptest::prop_assert!(error <= exact / (1u128 << 52), "{value}{suffix} -> {ms}");
            }
        }

        /// Every u64 millisecond count formats and parses back to itself.
        #[test]
        fn format_round_trips(ms: u64) {
            proptest::prop_assert_eq!(parse_ms(&format_ms(ms)), Some(ms));
        }
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_ms(7_200_000), "2:00:00");
        assert_eq!(format_ms(61_500), "0:01:01.500");
        assert_eq!(parse_ms(&format_ms(5_432_100)), Some(5_432_100));
    }
}
