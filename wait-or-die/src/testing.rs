//! A switch for a service's own test suite: cap attempts and skip every wait, without touching
//! the annotations (like Python stamina's `set_testing`).
//!
//! The switch is process-wide and read only after an attempt fails, so it costs nothing on the
//! happy path. Tests that use it should run in their own test binary (an integration test file),
//! since tests in one binary run in parallel.

use core::sync::atomic::{AtomicU32, Ordering};

/// Attempts allowed while testing; 0 means the switch is off.
static TEST_MAX_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Turns testing mode on (at most `max_attempts` attempts per call, no waits) or off.
///
/// `max_attempts` is clamped to at least 1. Deadlines still apply.
///
/// ```
/// use wait_or_die::testing;
///
/// testing::set_testing(true, 1);
/// assert_eq!(testing::max_attempts(), Some(1));
/// testing::set_testing(false, 0);
/// assert_eq!(testing::max_attempts(), None);
/// ```
pub fn set_testing(enabled: bool, max_attempts: u32) {
    let value = if enabled { max_attempts.max(1) } else { 0 };
    TEST_MAX_ATTEMPTS.store(value, Ordering::Relaxed);
}

/// The attempt cap of testing mode, or `None` when it is off.
///
/// ```
/// assert_eq!(wait_or_die::testing::max_attempts(), None);
/// ```
pub fn max_attempts() -> Option<u32> {
    match TEST_MAX_ATTEMPTS.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    }
}

/// Turns testing mode on until the returned guard is dropped, then restores the previous setting.
///
/// ```
/// use wait_or_die::testing;
///
/// {
///     let _guard = testing::scoped(2);
///     assert_eq!(testing::max_attempts(), Some(2));
/// }
/// assert_eq!(testing::max_attempts(), None);
/// ```
pub fn scoped(max_attempts: u32) -> TestingGuard {
    let previous = TEST_MAX_ATTEMPTS.swap(max_attempts.max(1), Ordering::Relaxed);
    TestingGuard { previous }
}

/// Restores the previous testing setting when dropped; see [`scoped`].
///
/// ```
/// let guard = wait_or_die::testing::scoped(1);
/// drop(guard);
/// ```
#[derive(Debug)]
#[must_use = "testing mode ends when the guard is dropped"]
pub struct TestingGuard {
    previous: u32,
}

impl Drop for TestingGuard {
    fn drop(&mut self) {
        TEST_MAX_ATTEMPTS.store(self.previous, Ordering::Relaxed);
    }
}
