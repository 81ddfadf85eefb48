//! The trade server's clock: what "now" is for deal times, order expiry, trading sessions and
//! history lag.
//!
//! The simulator reads time only through a [`Clock`], so a test can hold time still and move it
//! exactly ([`ManualClock`]) instead of sleeping.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A source of the current time, in milliseconds since the Unix epoch.
///
/// ```
/// use gateway_example::terminal::{Clock, SystemClock};
///
/// assert!(SystemClock.now_ms() > 1_600_000_000_000);
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        crate::clock::unix_ms()
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use gateway_example::terminal::{Clock, ManualClock};
///
/// let clock = ManualClock::at_ms(1_000);
/// let shared = clock.clone();
/// clock.advance(Duration::from_millis(250));
/// assert_eq!(shared.now_ms(), 1_250);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock standing at `ms` milliseconds since the Unix epoch.
    pub fn at_ms(ms: u64) -> ManualClock {
        ManualClock(Arc::new(AtomicU64::new(ms)))
    }

    /// Moves the clock forward by `by` (saturating, never past `u64::MAX` ms).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |ms| {
                Some(ms.saturating_add(by))
            });
    }

    /// Sets the clock to `ms` milliseconds since the Unix epoch.
    pub fn set_ms(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
