//! Durations in the configuration file, written as the attribute writes them: seconds as a
//! number (`30`, `0.5`) or a string with a unit (`"500ms"`, `"30s"`, `"2m"`).
//!
//! The attribute parses its durations at compile time in the macro crate, which this crate
//! cannot share code with (the macro crate comes first); the forms and units are the same.

use core::time::Duration;

/// What a duration may look like, for error messages.
pub(crate) const DURATION_FORMS: &str =
    "seconds as a number (`30`, `0.5`) or a string with a unit (`\"250us\"`, `\"500ms\"`, `\"30s\"`, `\"2m\"`, `\"1h\"`)";

/// Units accepted in a duration string, longest suffix first so that `ms` wins over `s`.
const UNITS: &[(&str, f64)] = &[
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3_600.0),
];

/// A number of seconds as a duration; `None` when negative, not finite or too large.
pub(crate) fn from_secs(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok()
}

/// Parses `"<number><unit>"`, e.g. `"500ms"` or `"1.5 s"`; `None` when it is not one.
pub(crate) fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = UNITS
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n.trim_end(), *scale)))?;
    let digits = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !digits {
        return None;
    }
    from_secs(number.parse::<f64>().ok()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_unit() {
        let ms = Duration::from_millis;
        assert_eq!(parse("250us"), Some(Duration::from_micros(250)));
        assert_eq!(parse("500ms"), Some(ms(500)));
        assert_eq!(parse("1.5 s"), Some(ms(1500)));
        assert_eq!(parse("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse("7ns"), Some(Duration::from_nanos(7)));
        assert_eq!(from_secs(0.5), Some(ms(500)));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in ["10", "ms", "-1s", "1e3s", "5d", "", "s5", "1.2.3s"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(from_secs(-1.0), None);
        assert_eq!(from_secs(f64::INFINITY), None);
        assert_eq!(from_secs(1e30), None);
    }
}
