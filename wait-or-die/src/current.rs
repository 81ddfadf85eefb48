//! What an attempt knows about the call it belongs to, and how nested calls find the call
//! around them.
//!
//! While an engine runs (or polls) an attempt, it publishes a small [`Frame`] in a thread-local
//! for the duration of that run or poll. The attempt's body reads it through [`current`], to set
//! a socket's receive timeout from the time left or to pass a deadline downstream. An annotated
//! call made inside the attempt (same task for async, same thread for blocking) finds the same
//! frame: it caps its own deadline by the outer call's limits (the outer deadline and the outer
//! attempt's `attempt_timeout`), and when it gives up after retrying (or because a call nested
//! in it did) it marks the frame, so that the outer call does not retry that failure again (only
//! the layer directly above a failure retries). Publishing costs a few thread-local and stack
//! writes per poll; a call made outside any attempt reads one thread-local, and only once it
//! has to wait.

use core::cell::Cell;
use core::ptr;
use core::time::Duration;
use std::borrow::Cow;
use std::time::Instant;

use crate::policy::Policy;
use crate::site::{self, Site, SiteControl};
use crate::testing;

thread_local! {
    static CURRENT: Cell<*const Frame> = const { Cell::new(ptr::null()) };
}

/// The deadline of the call around a call, as far as the call knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    /// Read when the call's budget started: `None` when there was no call around it, or that
    /// call had no limit.
    Known(Option<Instant>),
    /// Not read yet (the budget has not started): ask the frame this one is published in.
    Outer,
}

/// The call an attempt belongs to, as published while the attempt runs.
pub(crate) struct Frame {
    site: &'static Site,
    policy: *const Policy,
    /// The operator's override the call started under (see `control`).
    control: Option<&'static SiteControl>,
    /// The clock the call's anchor was read on (tokio's for async, so that it pauses in tests).
    clock: fn() -> Instant,
    attempt: u32,
    /// When the call's budget started, if it has.
    anchor: Option<Instant>,
    /// The deadline of the call around this one, if it is nested.
    cap: Cap,
    /// Whether the engine cuts this attempt at `attempt_timeout` (async), and when, once that
    /// limit has started (the attempt's first pending poll; as if now before).
    attempt_limit: Option<Option<Instant>>,
    /// The frame published when this one was (the call this one is nested in), while published.
    outer: Cell<*const Frame>,
    /// Set when a call nested in this attempt gave up after retrying.
    inner_gave_up: Cell<bool>,
    /// Which of a hedged attempt's futures is being polled: 0 the attempt, 1.. its hedges.
    hedge: Cell<u32>,
}

/// What a call publishes about itself while an attempt runs; see [`Frame::new`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// When the call's budget started, if it has.
    pub(crate) anchor: Option<Instant>,
    /// The deadline of the call around it.
    pub(crate) cap: Cap,
    /// `None` when the attempt is never cut by `attempt_timeout`; `Some(None)` before the
    /// attempt's own limit started; `Some(Some(end))` after.
    pub(crate) attempt_limit: Option<Option<Instant>>,
}

impl Frame {
    pub(crate) fn new(
        site: &'static Site,
        (policy, control): (&Policy, Option<&'static SiteControl>),
        clock: fn() -> Instant,
        attempt: u32,
        limits: Limits,
    ) -> Frame {
        Frame {
            site,
            policy,
            control,
            clock,
            attempt,
            anchor: limits.anchor,
            cap: limits.cap,
            attempt_limit: limits.attempt_limit,
            outer: Cell::new(ptr::null()),
            inner_gave_up: Cell::new(false),
            hedge: Cell::new(0),
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
        let outer = CURRENT.with(|c| c.replace(self));
        self.outer.set(outer);
        let _restore = Restore(outer);
        run()
    }

    /// Whether a call nested in the attempt gave up after retrying while this frame was published.
    pub(crate) fn inner_gave_up(&self) -> bool {
        self.inner_gave_up.get()
    }

    /// The policy the call runs under: its own, with the operator's override if any.
    fn policy(&self) -> Cow<'_, Policy> {
        // SAFETY: a frame is published only while its call runs an attempt, and the call
        // borrows its policy for longer than that.
        site::effective(unsafe { &*self.policy }, self.control)
    }

    /// The call's deadline, as if its budget started at `now` if it has not yet, capped by the
    /// limits of the calls around it.
    fn deadline(&self, now: Instant) -> Option<Instant> {
        let own = self
            .policy()
            .timeout()
            .and_then(|t| self.anchor.unwrap_or(now).checked_add(t));
        let cap = match self.cap {
            Cap::Known(cap) => cap,
            // SAFETY: the outer frame was published when this one was, and stays so (on the
            // stack of its own `enter`) until this one is unpublished.
            Cap::Outer => unsafe { self.outer.get().as_ref() }.and_then(|o| o.limit(now)),
        };
        capped(own, cap)
    }

    /// What a call nested in this attempt must not outlive: the call's deadline, and the end of
    /// the attempt when `attempt_timeout` cuts it (as if the attempt started at `now` if its
    /// limit has not started yet).
    fn limit(&self, now: Instant) -> Option<Instant> {
        let attempt = match (self.attempt_limit, self.policy().attempt_timeout()) {
            (Some(Some(end)), Some(_)) => Some(end),
            (Some(None), Some(limit)) => now.checked_add(limit),
            _ => None,
        };
        capped(self.deadline(now), attempt)
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

/// The limit of the attempt running on this thread, if any (its call's deadline, or its own
/// `attempt_timeout` if sooner): a call made now inside it must not outlive it.
pub(crate) fn outer_deadline(now: Instant) -> Option<Instant> {
    with_frame(|f| f.limit(now)).flatten()
}

/// Whether an attempt is running on this thread: a call made now is nested.
pub(crate) fn is_nested() -> bool {
    !CURRENT.with(Cell::get).is_null()
}

/// Tells the attempt about to be polled on this thread whether it is a hedge: `0` for the
/// attempt itself, `n` for its `n`th hedge (see `retry/hedged.rs`).
pub(crate) fn set_hedge(number: u32) {
    with_frame(|f| f.hedge.set(number));
}

/// Tells the call whose attempt is running on this thread that a call nested in it gave up
/// after retrying, so that it does not retry that failure again.
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
    hedge: u32,
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

    /// When the call's total budget runs out, capped when the call is nested by the call around
    /// it (its deadline, and the end of its attempt under `attempt_timeout`); `None` without
    /// any. Before the call first has to wait, as if the budget started when [`current`] was asked.
    ///
    /// ```
    /// assert!(wait_or_die::current().and_then(|c| c.deadline()).is_none());
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The time left until [`deadline`](Self::deadline) when [`current`] was asked; `None`
    /// without a deadline.
    ///
    /// See [`CurrentCall`] for an example.
    pub fn remaining(&self) -> Option<Duration> {
        self.remaining
    }

    /// Whether the attempt running is a hedge, sent beside a pending attempt of the same number
    /// (see [`PolicyBuilder::hedge_after`](crate::PolicyBuilder::hedge_after)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::{current, retry, Policy};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let policy = Policy::builder().hedge_after(Duration::from_millis(10)).build().unwrap();
    /// let got = retry(&policy, || async {
    ///     if current().unwrap().is_hedge() {
    ///         return Ok::<_, ()>("hedge");
    ///     }
    ///     std::future::pending().await
    /// })
    /// .await;
    /// assert_eq!(got.unwrap(), "hedge");
    /// # }
    /// ```
    pub fn is_hedge(&self) -> bool {
        self.hedge > 0
    }

    /// `0` for an attempt, `n` for the `n`th hedge sent beside it.
    ///
    /// ```
    /// assert!(wait_or_die::current().map(|c| c.hedge()).is_none());
    /// ```
    pub fn hedge(&self) -> u32 {
        self.hedge
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
            hedge: f.hedge.get(),
        }
    })
}
