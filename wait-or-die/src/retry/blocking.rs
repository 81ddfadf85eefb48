//! The blocking engine: the same rules for plain closures, waiting with `std::thread::sleep`.
//!
//! A blocking attempt cannot be interrupted, so the total budget is checked before each wait
//! (and so before each attempt): an attempt that overruns the budget is never followed by another.

use core::fmt::Debug;
use core::ops::ControlFlow;
use core::time::Duration;
use std::panic::Location;
use std::time::Instant;

use crate::classify::{Action, Classify, RetryAll, RetryIf};
use crate::current::{self, Cap, Limits};
use crate::engine_error::{EngineError, FromEngineError};
use crate::error::{RetryError, StopReason};
use crate::policy::Policy;
use crate::retry::caller_site;
use crate::retry::schedule::{Failure, Schedule};
use crate::site::Site;

/// Where the blocking engine reads time and how it sleeps; swap it in tests.
///
/// ```
/// use std::cell::Cell;
/// use std::time::{Duration, Instant};
/// use wait_or_die::{retry_blocking, Clock, Policy};
///
/// /// A clock that moves only when slept on.
/// struct Fake { start: Instant, offset: Cell<Duration> }
/// impl Clock for Fake {
///     fn now(&self) -> Instant { self.start + self.offset.get() }
///     fn sleep(&self, d: Duration) { self.offset.set(self.offset.get() + d) }
/// }
///
/// let clock = Fake { start: Instant::now(), offset: Cell::new(Duration::ZERO) };
/// let policy = Policy::builder().timeout(Duration::from_secs(30)).max_retries(10).build()?;
/// let err = retry_blocking(&policy, || Err::<(), _>("down")).clock(&clock).call().unwrap_err();
/// assert!(clock.offset.get() < Duration::from_secs(30));
/// # let _ = err;
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
pub trait Clock {
    /// The current time.
    fn now(&self) -> Instant;
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The real clock: `Instant::now` and `std::thread::sleep`.
///
/// ```
/// use wait_or_die::{Clock, SystemClock};
/// let t = SystemClock.now();
/// SystemClock.sleep(std::time::Duration::from_millis(1));
/// assert!(SystemClock.now() > t);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
}

impl<K: Clock + ?Sized> Clock for &K {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn sleep(&self, duration: Duration) {
        (**self).sleep(duration)
    }
}

/// A blocking call in progress; the `#[wait_or_die]` expansion of a plain `fn` drives it in a loop.
#[doc(hidden)]
#[derive(Debug)]
pub struct BlockingCall<'p, K: Clock = SystemClock> {
    schedule: Schedule<'p>,
    clock: K,
    /// When the budget started: at the start with a timeout, else at the first failure.
    anchor: Option<Instant>,
    /// The deadline of the call this one is nested in, if any (see `current.rs`).
    cap: Option<Instant>,
    /// The wait chosen after the last failure.
    wait: Duration,
}

impl<'p> BlockingCall<'p> {
    /// Starts a call on the real clock.
    #[inline]
    pub fn start(site: &'static Site, policy: &'p Policy) -> Self {
        Self::with_clock(site, policy, SystemClock)
    }
}

impl<'p, K: Clock> BlockingCall<'p, K> {
    /// Starts a call on `clock`.
    #[inline]
    pub fn with_clock(site: &'static Site, policy: &'p Policy, clock: K) -> Self {
        let schedule = Schedule::start(site, policy, ());
        // A blocking attempt takes real time before it can fail: the budget starts now (the
        // schedule's policy is the operator's override of `policy`, if any).
        let anchor = schedule.policy().timeout().map(|_| clock.now());
        let cap = if current::is_nested() {
            current::outer_deadline(anchor.unwrap_or_else(|| clock.now()))
        } else {
            None
        };
        BlockingCall {
            schedule,
            anchor,
            cap,
            clock,
            wait: Duration::ZERO,
        }
    }

    /// Asks the circuit breaker whether the first attempt may run: the breaker-open error to
    /// return in its place when it refuses the call (which then counts as refused, with no
    /// attempt). Asks only before the first attempt; a retry is asked by [`wait`](Self::wait).
    #[inline]
    pub fn refused(&mut self) -> Option<EngineError> {
        if self.schedule.attempt() != 1 {
            return None;
        }
        let clock = &self.clock;
        match self.schedule.admit_first(|| clock.now()) {
            true => None,
            false => Some(EngineError::breaker_open()),
        }
    }

    /// [`refused`](Self::refused), as the function's result: `Err(E::from(breaker_open))`
    /// when the circuit breaker refuses the call (for `#[wait_or_die(breaker = ...)]`).
    #[inline]
    pub fn refused_result<T, E: FromEngineError>(&mut self) -> Option<Result<T, E>> {
        self.refused().map(|refused| Err(E::from(refused)))
    }

    /// Runs one attempt, with the call published for [`current`](crate::current) and for
    /// calls nested in it.
    #[inline]
    pub fn attempt<R>(&mut self, attempt: impl FnOnce() -> R) -> R {
        self.schedule.attempt_starts();
        let limits = Limits {
            anchor: self.anchor,
            cap: Cap::Known(self.cap),
            // A blocking attempt cannot be cut: `attempt_timeout` does not bound it.
            attempt_limit: None,
        };
        let frame = self.schedule.frame(Instant::now, limits);
        let result = frame.enter(attempt);
        self.schedule.leave(&frame);
        result
    }

    /// Decides what follows an attempt: `Break` with the call's result, or `Continue` with the
    /// error to [`wait`](BlockingCall::wait) on before the next attempt.
    #[inline]
    pub fn settle<T, E: Debug, C: Classify<E> + ?Sized>(
        &mut self,
        result: Result<T, E>,
        classifier: &C,
    ) -> ControlFlow<Result<T, E>, E> {
        match result {
            Ok(value) => {
                self.on_success();
                ControlFlow::Break(Ok(value))
            }
            Err(error) => match self.fail(classifier.classify(&error), &error) {
                Ok(()) => ControlFlow::Continue(error),
                Err(_) => ControlFlow::Break(Err(error)),
            },
        }
    }

    /// Sleeps the wait chosen by the last [`settle`](BlockingCall::settle), then starts the
    /// next attempt (`Continue`), or hands `last_error` back (`Break`) when the sleep ended at
    /// or past the deadline (`thread::sleep` may oversleep).
    pub fn wait<E: Debug>(&mut self, last_error: E) -> ControlFlow<E> {
        match self.sleep_then_begin_retry(&last_error) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(last_error),
        }
    }

    fn sleep_then_begin_retry(&mut self, last_error: &dyn Debug) -> Result<(), StopReason> {
        let slept_at = self.clock.now();
        if !self.wait.is_zero() {
            self.clock.sleep(self.wait);
        }
        let now = self.clock.now();
        let anchor = *self.anchor.get_or_insert(slept_at);
        let waited = now.saturating_duration_since(slept_at);
        self.schedule
            .begin_retry(now, (anchor, self.cap), waited, last_error)
    }

    fn on_success(&mut self) {
        let (clock, anchor) = (&self.clock, self.anchor);
        self.schedule.on_success(|| {
            anchor.map_or(Duration::ZERO, |a| clock.now().saturating_duration_since(a))
        });
    }

    fn fail(&mut self, action: Action, error: &dyn Debug) -> Result<(), StopReason> {
        if self.schedule.refused() {
            return Err(StopReason::BreakerOpen);
        }
        let now = self.clock.now();
        let anchor = *self.anchor.get_or_insert(now);
        let failure = Failure::error(action, error);
        self.wait = self
            .schedule
            .on_failure(failure, now, (anchor, self.cap), self.wait)?;
        Ok(())
    }

    fn elapsed(&self, now: Instant) -> Duration {
        self.anchor
            .map_or(Duration::ZERO, |a| now.saturating_duration_since(a))
    }
}

impl<K: Clock> Drop for BlockingCall<'_, K> {
    fn drop(&mut self) {
        // Only a panicking attempt leaves a blocking call unfinished; it never slept part-way.
        self.schedule.on_drop(|| Duration::ZERO);
    }
}

/// Retries a blocking operation under `policy`; run it with [`RetryBlocking::call`].
///
/// Each place in the source that calls `retry_blocking` has a site and a retry budget of its
/// own, named `file:line:column`, as for [`retry`](crate::retry); [`RetryBlocking::site`]
/// counts into a site of your own instead.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{retry_blocking, Policy};
///
/// let policy = Policy::builder().max_retries(5).initial_wait(Duration::from_millis(1)).build()?;
/// let mut left = 2;
/// let value = retry_blocking(&policy, || if left > 0 { left -= 1; Err("busy") } else { Ok("done") })
///     .call()
///     .unwrap();
/// assert_eq!(value, "done");
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[track_caller]
pub fn retry_blocking<Op, T, E>(policy: &Policy, op: Op) -> RetryBlocking<'_, Op, RetryAll>
where
    Op: FnMut() -> Result<T, E>,
{
    RetryBlocking {
        policy,
        site: Err(Location::caller()),
        op,
        classifier: RetryAll,
        clock: SystemClock,
    }
}

/// A blocking retry, configured and ready to [`call`](RetryBlocking::call).
///
/// ```
/// let ok = wait_or_die::retry_blocking(&wait_or_die::Policy::DEFAULT, || Ok::<_, ()>(1)).call();
/// assert_eq!(ok.unwrap(), 1);
/// ```
#[derive(Debug)]
#[must_use = "nothing runs until `call` is called"]
pub struct RetryBlocking<'p, Op, C, K = SystemClock> {
    policy: &'p Policy,
    /// The site given with [`RetryBlocking::site`], else where `retry_blocking` was called.
    site: Result<&'static Site, &'static Location<'static>>,
    op: Op,
    classifier: C,
    clock: K,
}

impl<'p, Op, C, K> RetryBlocking<'p, Op, C, K> {
    /// Retries only the errors `predicate` accepts; the others end the call at once.
    ///
    /// ```
    /// use wait_or_die::{retry_blocking, Policy, StopReason};
    /// let err = retry_blocking(&Policy::DEFAULT, || Err::<(), _>(404))
    ///     .when(|code: &i32| *code >= 500)
    ///     .call()
    ///     .unwrap_err();
    /// assert_eq!(err.reason(), StopReason::Permanent);
    /// ```
    pub fn when<E, P: Fn(&E) -> bool>(self, predicate: P) -> RetryBlocking<'p, Op, RetryIf<P>, K> {
        self.classify(RetryIf(predicate))
    }

    /// Classifies errors with `classifier` (retry, retry after a hint, or die).
    ///
    /// ```
    /// use wait_or_die::{retry_blocking, Action, Policy, StopReason};
    /// let err = retry_blocking(&Policy::DEFAULT, || Err::<(), _>("fatal"))
    ///     .classify(|_: &&str| Action::Die)
    ///     .call()
    ///     .unwrap_err();
    /// assert_eq!(err.attempts(), 1);
    /// ```
    pub fn classify<C2>(self, classifier: C2) -> RetryBlocking<'p, Op, C2, K> {
        RetryBlocking {
            policy: self.policy,
            site: self.site,
            op: self.op,
            classifier,
            clock: self.clock,
        }
    }

    /// Counts this call's statistics into `site` (and spends its retry budget) instead of the
    /// site of the place that calls [`retry_blocking`].
    ///
    /// See [`Site`] for an example.
    pub fn site(mut self, site: &'static Site) -> Self {
        self.site = Ok(site);
        self
    }

    /// Reads time from and sleeps on `clock` instead of the real one.
    ///
    /// See [`Clock`] for an example.
    pub fn clock<K2: Clock>(self, clock: K2) -> RetryBlocking<'p, Op, C, K2> {
        RetryBlocking {
            policy: self.policy,
            site: self.site,
            op: self.op,
            classifier: self.classifier,
            clock,
        }
    }

    /// Runs attempts until one succeeds or a stop rule fires.
    ///
    /// See [`retry_blocking`] for an example.
    pub fn call<T, E>(mut self) -> Result<T, RetryError<E>>
    where
        Op: FnMut() -> Result<T, E>,
        E: Debug,
        C: Classify<E>,
        K: Clock,
    {
        let site = self.site.unwrap_or_else(caller_site);
        let mut call = BlockingCall::with_clock(site, self.policy, &self.clock);
        if call.refused().is_some() {
            return Err(RetryError {
                reason: StopReason::BreakerOpen,
                attempts: 0,
                elapsed: Duration::ZERO,
                last: None,
            });
        }
        loop {
            let error = match call.attempt(&mut self.op) {
                Ok(value) => {
                    call.on_success();
                    return Ok(value);
                }
                Err(error) => error,
            };
            let verdict = match call.fail(self.classifier.classify(&error), &error) {
                Ok(()) => call.sleep_then_begin_retry(&error),
                Err(reason) => Err(reason),
            };
            if let Err(reason) = verdict {
                return Err(RetryError {
                    reason,
                    attempts: call.schedule.attempt(),
                    elapsed: call.elapsed(self.clock.now()),
                    last: Some(error),
                });
            }
        }
    }
}
