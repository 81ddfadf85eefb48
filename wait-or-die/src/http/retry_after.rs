//! `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, read as the time to wait.

use core::time::Duration;
use std::time::SystemTime;

/// The wait a `Retry-After` value asks for, read at `now`: `None` when it is malformed, or a
/// date not after `now` (nothing to wait for). Never panics, whatever the bytes.
///
/// Delta-seconds too large for a `u64` read as [`Duration::MAX`]; the three date forms of
/// RFC 9110 (IMF-fixdate, RFC 850, asctime) are accepted.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wait_or_die::http::retry_after;
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 - 2);
/// assert_eq!(retry_after(b"120", now), Some(Duration::from_secs(120)));
/// assert_eq!(retry_after(b"Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(2)));
/// assert_eq!(retry_after(b"Sun, 06 Nov 1994 08:49:37 GMT", now + Duration::from_secs(9)), None);
/// assert_eq!(retry_after(b"soon", now), None);
/// ```
pub fn retry_after(value: &[u8], now: SystemTime) -> Option<Duration> {
    let value = core::str::from_utf8(value).ok()?.trim_matches([' ', '\t']);
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|wait| !wait.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), secs in any::<u64>()) {
            let now = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs % (1 << 40))).unwrap();
            let _ = retry_after(&bytes, now);
        }

        #[test]
        fn delta_seconds_read_exactly(secs in any::<u64>()) {
            let got = retry_after(secs.to_string().as_bytes(), SystemTime::UNIX_EPOCH);
            prop_assert_eq!(got, Some(Duration::from_secs(secs)));
        }

        #[test]
        fn future_dates_read_as_the_wait_and_past_ones_ignored(ahead in 1u64..1_000_000, base in 0u64..4_000_000_000) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(base);
            let date = httpdate::fmt_http_date(now + Duration::from_secs(ahead));
            prop_assert_eq!(retry_after(date.as_bytes(), now), Some(Duration::from_secs(ahead)));
            prop_assert_eq!(retry_after(date.as_bytes(), now + Duration::from_secs(ahead)), None);
        }
    }

    #[test]
    fn the_three_date_forms_and_malformed_values() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 - 5);
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                retry_after(form.as_bytes(), now),
                Some(Duration::from_secs(5)),
                "{form}"
            );
        }
        for bad in [
            "",
            " ",
            "-1",
            "1.5",
            "+3",
            "1 2",
            "\u{ff}",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(retry_after(bad.as_bytes(), now), None, "{bad:?}");
        }
        assert_eq!(
            retry_after(b"99999999999999999999999", now),
            Some(Duration::MAX)
        );
    }
}
