//! A switch for a service's own test suite: cap attempts, skip every wait and leave the retry
//! budget out, without touching the annotations (like Python stamina's `set_testing`), so that
//! each call runs to its cap whatever the other tests did.
//!
//! The switch is process-wide and read only after an attempt fails, so it costs nothing on the
//! happy path. Tests that use it should run in their own test binary (an integration test file),
//! since tests in one binary run in parallel. Guards of [`scoped`] may overlap (two tests of one
//! binary): the newest guard still held wins, and testing mode ends when the last one is dropped.

use core::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Attempts allowed while testing, as the engine reads it; 0 means the switch is off.
static TEST_MAX_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Who set the switch: [`set_testing`] and the guards of [`scoped`] still held, oldest first.
static SETTERS: Mutex<Setters> = Mutex::new(Setters {
    base: 0,
    scopes: Vec::new(),
    next_id: 0,
});

struct Setters {
    /// The value [`set_testing`] chose; in force when no guard is held.
    base: u32,
    /// `(guard id, cap)` of each guard still held.
    scopes: Vec<(u64, u32)>,
    next_id: u64,
}

impl Setters {
    fn lock() -> MutexGuard<'static, Setters> {
        // The state stays consistent even if a test panicked while holding the lock.
        SETTERS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes the value in force: the newest guard's, else the base.
    fn publish(&self) {
        let value = self.scopes.last().map_or(self.base, |&(_, cap)| cap);
        TEST_MAX_ATTEMPTS.store(value, Ordering::Relaxed);
    }
}

/// Turns testing mode on (at most `max_attempts` attempts per call, no waits) or off.
///
/// `max_attempts` is clamped to at least 1. Deadlines still apply; the retry budget does not,
/// so that every call runs to its cap whatever other calls of the process did.
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
    let mut setters = Setters::lock();
    setters.base = if enabled { max_attempts.max(1) } else { 0 };
    setters.publish();
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

/// Turns testing mode on until the returned guard is dropped.
///
/// While several guards are held, the newest one's cap is in force; once all are dropped, in any
/// order, the setting of [`set_testing`] is back.
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
    let mut setters = Setters::lock();
    let id = setters.next_id;
    setters.next_id += 1;
    setters.scopes.push((id, max_attempts.max(1)));
    setters.publish();
    TestingGuard { id }
}

/// Ends its part of testing mode when dropped; see [`scoped`].
///
/// ```
/// let guard = wait_or_die::testing::scoped(1);
/// drop(guard);
/// ```
#[derive(Debug)]
#[must_use = "testing mode ends when the guard is dropped"]
pub struct TestingGuard {
    id: u64,
}

impl Drop for TestingGuard {
    fn drop(&mut self) {
        let mut setters = Setters::lock();
        setters.scopes.retain(|&(id, _)| id != self.id);
        setters.publish();
    }
}
