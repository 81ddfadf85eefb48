//! What an attempt knows about the call it belongs to, and how nested calls find the call
//! around them.
//!
//! While an engine runs (or polls) an attempt, it publishes a small [`Frame`] in a thread-local
//! for the duration of that run or poll. The attempt's body reads it through [`current`], to set
//! a socket's receive timeout from the time left or to pass a deadline downstream. An annotated
//! call made inside the attempt (same task for async, same thread for blocking) finds the same
//! frame: it caps its own deadline by the outer call's, and when it gives up after retrying it
//! marks the frame, so that the outer call does not retry that failure again (only the layer
//! directly above a failure retries). Publishing costs two thread-local writes per poll; a call
//! made outside any attempt reads one thread-local, and only once it has to wait.

use core::cell::Cell;
use core::ptr;
use core::time::Duration;
use std::time::Instant;

use crate::policy::Policy;
use crate::stats::Site;
use crate::testing;

thread_local! {
    static CURRENT: Cell<*const Frame> = const { Cell::new(ptr::null()) };
}

/// The call an attempt belongs to, as published while the attempt runs.
pub(crate) struct Frame {
    site: &'static Site,
    policy: *const Policy,
    /// The clock the call's anchor was read on (tokio's for async, so that it pauses in tests).
    clock: fn() -> Instant,
    attempt: u32,
    /// When the call's budget started, if it has.
    anchor: Option<Instant>,
    /// The deadline of the call around this one, if it is nested.
    cap: Option<Instant>,
    /// Set when a call nested in this attempt retried and gave up.
    inner_gave_up: Cell<bool>,
}

impl Frame {
    pub(crate) fn new(
        site: &'static Site,
        policy: &Policy,
        clock: fn() -> Instant,
        attempt: u32,
        anchor: Option<Instant>,
        cap: Option<Instant>,
    ) -> Frame {
        Frame {
            site,
            policy,
            clock,
            attempt,
            anchor,
            cap,
            inner_gave_up: Cell::new(false),
        }
    }

    /// Runs `run` with this frame published; unpublishes it even if `run` panics.
    #[inline]
    pub(crate) fn enter<R>(&self, run: impl FnOnce() -> R) -> R {
        struct Restore(*const Frame);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(CURRENT.with(|c| c.replace(self)));
        run()
    }

    /// Whether a call nested in the attempt retried and gave up while this frame was published.
    pub(crate) fn inner_gave_up(&self) -> bool {
        self.inner_gave_up.get()
    }

    fn policy(&self) -> &Policy {
        // SAFETY: a frame is published only while its call runs an attempt, and the call
        // borrows its policy for longer than that.
        unsafe { &*self.policy }
    }

    /// The call's deadline, as if its budget started at `now` if it has not yet.
    fn deadline(&self, now: Instant) -> Option<Instant> {
        let own = self
            .policy()
            .timeout()
            .and_then(|t| self.anchor.unwrap_or(now).checked_add(t));
        capped(own, self.cap)
    }
}

/// The earlier of a call's own deadline and `cap`, the deadline of the call it is nested in.
pub(crate) fn capped(own: Option<Instant>, cap: Option<Instant>) -> Option<Instant> {
    match (own, cap) {
        (Some(own), Some(cap)) => Some(own.min(cap)),
        (own, cap) => own.or(cap),
    }
}

/// Runs `read` on the frame of the attempt running on this thread, if any.
fn with_frame<R>(read: impl FnOnce(&Frame) -> R) -> Option<R> {
    let frame = CURRENT.with(Cell::get);
    // SAFETY: a published frame lives on the stack of `Frame::enter`, which unpublishes it
    // before returning or unwinding.
    unsafe { frame.as_ref() }.map(read)
}

/// The deadline of the call whose attempt is running on this thread, if any: a call made now
/// inside it must not outlive it.
pub(crate) fn outer_deadline(now: Instant) -> Option<Instant> {
    with_frame(|f| f.deadline(now)).flatten()
}

/// Whether an attempt is running on this thread: a call made now is nested.
pub(crate) fn is_nested() -> bool {
    !CURRENT.with(Cell::get).is_null()
}

/// Tells the call whose attempt is running on this thread that a call nested in it retried
/// and gave up.
pub(crate) fn mark_inner_gave_up() {
    with_frame(|f| f.inner_gave_up.set(true));
}

/// The call an attempt belongs to: site, attempt number and time left.
///
/// Read it with [`current`] from inside an attempt.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{current, wait_or_die};
///
/// #[wait_or_die(timeout = 30, max_retries = 2, name = "docs.recv")]
/// fn recv() -> Result<Duration, std::io::Error> {
///     let call = current().expect("inside an attempt");
///     assert_eq!((call.site(), call.attempt(), call.max_attempts()), ("docs.recv", 1, 3));
///     // A blocking socket would get this as its receive timeout.
///     Ok(call.remaining().unwrap())
/// }
///
/// assert!(recv().unwrap() <= Duration::from_secs(30));
/// assert!(current().is_none(), "outside any attempt");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentCall {
    site: &'static str,
    attempt: u32,
    max_attempts: u32,
    deadline: Option<Instant>,
    remaining: Option<Duration>,
}

impl CurrentCall {
    /// The call's site name.
    ///
    /// See [`CurrentCall`] for an example.
    pub fn site(&self) -> &'static str {
        self.site
    }

    /// The number of the attempt running (1 for the first).
    ///
    /// See [`CurrentCall`] for an example.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The most attempts the call may make.
    ///
    /// See [`CurrentCall`] for an example.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// When the call's total budget (capped by the call around it, if nested) runs out; `None`
    /// without a budget. Before the call first has to wait, as if the budget started when
    /// [`current`] was asked.
    ///
    /// ```
    /// assert!(wait_or_die::current().and_then(|c| c.deadline()).is_none());
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The time left until [`deadline`](Self::deadline) when [`current`] was asked; `None`
    /// without a budget.
    ///
    /// See [`CurrentCall`] for an example.
    pub fn remaining(&self) -> Option<Duration> {
        self.remaining
    }
}

/// The call whose attempt is running on this thread (in this task, for async), or `None`
/// outside any attempt.
///
/// See [`CurrentCall`] for an example.
pub fn current() -> Option<CurrentCall> {
    with_frame(|f| {
        let allowed = f.policy().max_attempts();
        let now = (f.clock)();
        let deadline = f.deadline(now);
        CurrentCall {
            site: f.site.name(),
            attempt: f.attempt,
            max_attempts: testing::max_attempts().map_or(allowed, |cap| cap.min(allowed)),
            deadline,
            remaining: deadline.map(|d| d.saturating_duration_since(now)),
        }
    })
}
