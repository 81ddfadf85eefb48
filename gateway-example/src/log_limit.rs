//! Rate-limited log lines: a client that sends thousands of bad requests a second must not turn
//! the gateway's log into thousands of lines a second.
//!
//! A [`LogLimiter`] lets one line through per interval and counts the ones it held back, so the
//! next line that passes can say how many were suppressed. It is lock-free, so request handlers
//! and the socket thread can share one without contending.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a rate-limited kind of log line may appear: once a second.
pub const DEFAULT_LOG_INTERVAL: Duration = Duration::from_secs(1);

/// Lets one log line through per interval, counting the others.
///
/// ```
/// use std::time::{Duration, Instant};
/// use gateway_example::log_limit::LogLimiter;
///
/// let start = Instant::now();
/// let limiter = LogLimiter::new(Duration::from_secs(1), start);
/// assert_eq!(limiter.check(start), Some(0));
/// assert_eq!(limiter.check(start + Duration::from_millis(10)), None);
/// assert_eq!(limiter.check(start + Duration::from_millis(20)), None);
/// // The next line may say that two were suppressed.
/// assert_eq!(limiter.check(start + Duration::from_secs(1)), Some(2));
/// ```
#[derive(Debug)]
pub struct LogLimiter {
    origin: Instant,
    interval_ms: u64,
    /// Milliseconds after `origin` when the next line may pass.
    next_ms: AtomicU64,
    suppressed: AtomicU64,
}

impl LogLimiter {
    /// A limiter letting one line through per `interval`, measuring time from `origin`.
    pub fn new(interval: Duration, origin: Instant) -> LogLimiter {
        LogLimiter {
            origin,
            interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
            next_ms: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Whether a line may be logged at `now`: `Some(lines suppressed since the last one)`, or
    /// `None` to stay quiet (the line is counted as suppressed).
    pub fn check(&self, now: Instant) -> Option<u64> {
        let now_ms = u64::try_from(now.saturating_duration_since(self.origin).as_millis())
            .unwrap_or(u64::MAX);
        let next = self.next_ms.load(Ordering::Relaxed);
        let passes = now_ms >= next
            && self
                .next_ms
                .compare_exchange(
                    next,
                    now_ms.saturating_add(self.interval_ms),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok();
        if passes {
            Some(self.suppressed.swap(0, Ordering::Relaxed))
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            None
        }
    }

    /// [`check`](Self::check) at the current time.
    pub fn check_now(&self) -> Option<u64> {
        self.check(Instant::now())
    }
}

impl Default for LogLimiter {
    fn default() -> Self {
        LogLimiter::new(DEFAULT_LOG_INTERVAL, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_whatever_the_rate() {
        let start = Instant::now();
        let limiter = LogLimiter::new(Duration::from_secs(1), start);
        let mut passed = Vec::new();
        // 10,000 events a second for five seconds.
        for i in 0..50_000u64 {
            let now = start + Duration::from_micros(i * 100);
            if let Some(suppressed) = limiter.check(now) {
                passed.push(suppressed);
            }
        }
        assert_eq!(passed.len(), 5);
        assert_eq!(passed[0], 0);
        assert!(passed[1..].iter().all(|&n| n == 9_999), "{passed:?}");
    }

    #[test]
    fn a_quiet_period_lets_the_next_line_through_at_once() {
        let start = Instant::now();
        let limiter = LogLimiter::new(Duration::from_secs(1), start);
        assert_eq!(limiter.check(start), Some(0));
        assert_eq!(limiter.check(start + Duration::from_secs(60)), Some(0));
        assert_eq!(limiter.check(start + Duration::from_secs(60)), None);
    }
}
