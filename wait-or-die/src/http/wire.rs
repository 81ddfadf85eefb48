//! The headers that carry a call's deadline and attempt number to the callee, and the
//! callee's "gave up after retrying, do not retry" back: plain HTTP or gRPC, one table.
//!
//! Plain HTTP takes Envoy's shape (`x-envoy-expected-rq-timeout-ms`: the time left, relative,
//! in integer milliseconds), under a name of our own so that an Envoy on the path neither
//! reads nor rewrites it; relative like Envoy's and gRPC's, not an absolute instant like
//! Finagle's deadline context, so that the two hosts' clocks need not agree. gRPC uses
//! A6's own headers.

use core::time::Duration;

use ::http::{HeaderMap, HeaderName, HeaderValue, Request, Response};

use crate::current::CurrentCall;
use crate::tower::Propagate;

/// Plain HTTP: the call's time left, in whole milliseconds (rounded down).
pub const TIMEOUT_MS: HeaderName = HeaderName::from_static("wait-or-die-timeout-ms");
/// Plain HTTP: the attempt number, 1 for the first.
pub const ATTEMPT: HeaderName = HeaderName::from_static("wait-or-die-attempt");
/// Plain HTTP, in a response: a negative value means the callee gave up after retrying.
pub const PUSHBACK_MS: HeaderName = HeaderName::from_static("wait-or-die-pushback-ms");
/// gRPC's deadline header: 1 to 8 digits and a unit (`H M S m u n`).
pub const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");
/// gRPC A6: the attempts before this one, sent on retries only.
pub const GRPC_PREVIOUS_ATTEMPTS: HeaderName =
    HeaderName::from_static("grpc-previous-rpc-attempts");
/// gRPC A6, in a response: a negative value means do not retry.
pub const GRPC_PUSHBACK_MS: HeaderName = HeaderName::from_static("grpc-retry-pushback-ms");

/// Which headers carry deadlines and give-ups: plain HTTP's or gRPC's.
///
/// As a [`Propagate`] for [`RetryLayer::propagate`](crate::tower::RetryLayer::propagate), it
/// stamps each attempt's request and reads the callee's give-up; [`DeadlineLayer`] reads the
/// same headers on the server.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::http::Wire;
///
/// let mut headers = http::HeaderMap::new();
/// Wire::Grpc.write(&mut headers, Some(Duration::from_millis(1500)), 2);
/// assert_eq!(headers["grpc-timeout"], "1500000u");
/// assert_eq!(headers["grpc-previous-rpc-attempts"], "1");
/// assert_eq!(Wire::Grpc.read(&headers), (Some(Duration::from_millis(1500)), 2));
/// ```
///
/// [`DeadlineLayer`]: crate::http::DeadlineLayer
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Wire {
    /// `wait-or-die-timeout-ms`, `wait-or-die-attempt`, `wait-or-die-pushback-ms: -1`.
    #[default]
    Http,
    /// `grpc-timeout`, `grpc-previous-rpc-attempts`, `grpc-retry-pushback-ms: -1` (read from
    /// the response headers: a trailers-only gRPC error carries it there).
    Grpc,
}

impl Wire {
    /// Writes the time left (if the call has a deadline) and the attempt number.
    ///
    /// See [`Wire`] for an example.
    pub fn write(self, headers: &mut HeaderMap, remaining: Option<Duration>, attempt: u32) {
        match self {
            Wire::Http => {
                if let Some(left) = remaining {
                    let ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX);
                    headers.insert(TIMEOUT_MS, HeaderValue::from(ms));
                }
                headers.insert(ATTEMPT, number(attempt));
            }
            Wire::Grpc => {
                if let Some(left) = remaining {
                    headers.insert(GRPC_TIMEOUT, grpc_timeout(left));
                }
                if attempt > 1 {
                    headers.insert(GRPC_PREVIOUS_ATTEMPTS, number(attempt - 1));
                }
            }
        }
    }

    /// The time left and the attempt number a request carries: `None` for a missing or
    /// malformed deadline, attempt 1 for a missing or malformed number (each malformed one
    /// logged as a DEBUG event and ignored). The caller caps the time by its own maximum.
    ///
    /// See [`Wire`] for an example.
    pub fn read(self, headers: &HeaderMap) -> (Option<Duration>, u32) {
        let (timeout, attempt) = match self {
            Wire::Http => (TIMEOUT_MS, ATTEMPT),
            Wire::Grpc => (GRPC_TIMEOUT, GRPC_PREVIOUS_ATTEMPTS),
        };
        let left = headers.get(&timeout).and_then(|v| {
            let parsed = match self {
                Wire::Http => digits(v.as_bytes(), 20).map(Duration::from_millis),
                Wire::Grpc => parse_grpc_timeout(v.as_bytes()),
            };
            ignored_unless(parsed, &timeout, v)
        });
        let number = headers
            .get(&attempt)
            .and_then(|v| ignored_unless(digits(v.as_bytes(), 10), &attempt, v))
            .map_or(1, |n| {
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                if self == Wire::Grpc {
                    n.saturating_add(1)
                } else {
                    n.max(1)
                }
            });
        (left, number)
    }

    /// The header that says "gave up after retrying, do not retry" in a response.
    fn pushback(self) -> HeaderName {
        match self {
            Wire::Http => PUSHBACK_MS,
            Wire::Grpc => GRPC_PUSHBACK_MS,
        }
    }

    /// Marks a response: its handler gave up after retrying.
    ///
    /// ```
    /// use wait_or_die::http::Wire;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// Wire::Http.write_gave_up(&mut headers);
    /// assert!(Wire::Http.reads_gave_up(&headers));
    /// ```
    pub fn write_gave_up(self, headers: &mut HeaderMap) {
        headers.insert(self.pushback(), HeaderValue::from_static("-1"));
    }

    /// Whether a response says its handler gave up after retrying (a negative pushback).
    ///
    /// See [`Wire::write_gave_up`] for an example.
    pub fn reads_gave_up(self, headers: &HeaderMap) -> bool {
        headers.get(self.pushback()).is_some_and(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .is_some_and(|n| n < 0)
        })
    }
}

impl<B, R> Propagate<Request<B>, Response<R>> for Wire {
    #[inline]
    fn stamp(&self, request: &mut Request<B>, call: &CurrentCall) {
        self.write(request.headers_mut(), call.remaining(), call.attempt());
    }

    #[inline]
    fn gave_up(&self, response: &Response<R>) -> bool {
        self.reads_gave_up(response.headers())
    }
}

/// The attempt numbers most calls reach, as values that need no allocation.
const SMALL_NUMBERS: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

/// `n` as a header value: from [`SMALL_NUMBERS`] when it is there (an allocation saved on
/// every attempt's request), formatted otherwise.
fn number(n: u32) -> HeaderValue {
    match SMALL_NUMBERS.get(n as usize) {
        Some(text) => HeaderValue::from_static(text),
        None => HeaderValue::from(n),
    }
}

fn ignored_unless<T>(parsed: Option<T>, name: &HeaderName, value: &HeaderValue) -> Option<T> {
    if parsed.is_none() {
        tracing::debug!(target: "wait_or_die", header = %name, value = ?value, "wait_or_die: ignored a malformed header");
    }
    parsed
}

/// 1 to `max` ASCII digits, as a number (`None` past `u64::MAX`).
fn digits(bytes: &[u8], max: usize) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > max || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(bytes).ok()?.parse().ok()
}

/// The units of `grpc-timeout`, coarsest first, with their length in nanoseconds.
const GRPC_UNITS: [(u8, u64); 6] = [
    (b'H', 3_600_000_000_000),
    (b'M', 60_000_000_000),
    (b'S', 1_000_000_000),
    (b'm', 1_000_000),
    (b'u', 1_000),
    (b'n', 1),
];

/// gRPC's limit: at most 8 digits.
const GRPC_MAX_DIGITS: u64 = 99_999_999;

/// `left` in gRPC's format, in the finest unit that fits 8 digits (rounded down).
fn grpc_timeout(left: Duration) -> HeaderValue {
    let nanos = left.as_nanos();
    let (unit, count) = GRPC_UNITS
        .iter()
        .rev()
        .map(|&(unit, len)| (unit, nanos / u128::from(len)))
        .find(|&(_, count)| count <= u128::from(GRPC_MAX_DIGITS))
        .unwrap_or((b'H', u128::from(GRPC_MAX_DIGITS)));
    // At most 8 digits and the unit, written on the stack: no `String`, no `u128` formatting.
    let mut text = [0u8; 9];
    let mut at = text.len() - 1;
    text[at] = unit;
    let mut rest = u32::try_from(count).unwrap_or(GRPC_MAX_DIGITS as u32);
    loop {
        at -= 1;
        text[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    HeaderValue::from_bytes(&text[at..]).unwrap_or(HeaderValue::from_static("99999999H"))
}

fn parse_grpc_timeout(bytes: &[u8]) -> Option<Duration> {
    let (&unit, count) = bytes.split_last()?;
    let count = digits(count, 8)?;
    let (_, len) = GRPC_UNITS.iter().find(|&&(u, _)| u == unit)?;
    let nanos = u128::from(count) * u128::from(*len);
    Some(match u64::try_from(nanos) {
        Ok(nanos) => Duration::from_nanos(nanos),
        // Only whole hours and minutes get this far: beyond 584 years in nanoseconds.
        Err(_) => Duration::from_secs(count.saturating_mul(len / 1_000_000_000)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn malformed_headers_are_ignored() {
        for (wire, name) in [(Wire::Http, TIMEOUT_MS), (Wire::Grpc, GRPC_TIMEOUT)] {
            for bad in [
                "",
                "-5",
                "1.5",
                "abc",
                "12 ",
                "123456789S",
                "5x",
                "999999999999999999999999",
            ] {
                let mut h = HeaderMap::new();
                h.insert(name.clone(), HeaderValue::from_str(bad).unwrap());
                h.insert(ATTEMPT, HeaderValue::from_static("nope"));
                assert_eq!(wire.read(&h), (None, 1), "{wire:?} {bad:?}");
            }
        }
    }

    #[test]
    fn attempt_numbers_read_back_whether_static_or_formatted() {
        for n in [1, 2, 10, 11, 12_345, u32::MAX] {
            assert_eq!(number(n), n.to_string().as_str());
            for wire in [Wire::Http, Wire::Grpc] {
                let mut h = HeaderMap::new();
                wire.write(&mut h, None, n);
                assert_eq!(wire.read(&h), (None, n), "{wire:?}");
            }
        }
    }

    #[test]
    fn grpc_units_and_limits() {
        let read = |s: &'static str| parse_grpc_timeout(s.as_bytes());
        assert_eq!(read("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(read("3M"), Some(Duration::from_secs(180)));
        assert_eq!(
            read("99999999H"),
            Some(Duration::from_secs(99_999_999 * 3600))
        );
        assert_eq!(read("7n"), Some(Duration::from_nanos(7)));
        assert_eq!(grpc_timeout(Duration::MAX), "99999999H");
        assert_eq!(grpc_timeout(Duration::ZERO), "0n");
        assert!(!Wire::Http.reads_gave_up(&HeaderMap::new()));
    }

    proptest! {
        #[test]
        fn grpc_timeout_round_trips_within_its_unit(nanos in any::<u64>(), secs in any::<u64>()) {
            for left in [Duration::from_nanos(nanos), Duration::from_secs(secs)] {
                let value = grpc_timeout(left);
                let back = parse_grpc_timeout(value.as_bytes()).unwrap();
                prop_assert!(back <= left, "{value:?}");
                if left < Duration::from_secs(99_999_999 * 3600) {
                    // Rounded down by less than one unit, and a unit is under a millionth of the value.
                    prop_assert!(left - back <= left / 1_000_000 + Duration::from_nanos(1), "{value:?}");
                }
            }
        }

        #[test]
        fn any_header_bytes_never_panic(bytes in proptest::collection::vec(32u8..127, 0..40)) {
            let value = HeaderValue::from_bytes(&bytes).unwrap();
            for wire in [Wire::Http, Wire::Grpc] {
                let mut h = HeaderMap::new();
                for name in [TIMEOUT_MS, ATTEMPT, PUSHBACK_MS, GRPC_TIMEOUT, GRPC_PREVIOUS_ATTEMPTS, GRPC_PUSHBACK_MS] {
                    h.insert(name, value.clone());
                }
                let _ = (wire.read(&h), wire.reads_gave_up(&h));
            }
        }
    }
}
