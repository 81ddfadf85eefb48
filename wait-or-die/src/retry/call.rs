//! One async call in progress: the schedule, the deadline's watch, and a lazily created timer
//! that bounds attempts (total budget, `attempt_timeout`) and sleeps the waits between them.
//!
//! A call whose first attempt completes at once allocates nothing, reads no clock and
//! registers nothing. An attempt that is pending under a distant deadline reads the clock once
//! and leaves its waker with the coarse watch (`watch.rs`) instead of arming a tokio timer;
//! only an attempt still pending a round later, a near deadline, an `attempt_timeout` or a wait
//! between attempts creates the timer, in a box created at that moment and reused after.

use core::fmt::Debug;
use core::future::Future;
use core::ops::ControlFlow;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use core::time::Duration;
use std::time::Instant as StdInstant;

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::classify::{Action, Classify};
use crate::current::{self, Cap, Limits};
use crate::engine_error::{EngineError, FromEngineError};
use crate::error::StopReason;
use crate::policy::Policy;
use crate::retry::schedule::{Failure, Schedule};
use crate::retry::watch::{self, Ticket};
use crate::site::Site;
use crate::timer::{Timer, FOREVER};

fn now() -> StdInstant {
    Instant::now().into_std()
}

/// An async call in progress; the `#[wait_or_die]` expansion drives it in a loop.
#[doc(hidden)]
#[derive(Debug)]
pub struct Call<'p> {
    /// The schedule, with the timer's [`Phase`] as its state.
    schedule: Schedule<'p, Phase>,
    /// When the budget started: the first pending poll or the first failure.
    anchor: Option<StdInstant>,
    /// The watch's ticket for the attempt in flight, while [`Phase::Watched`] (kept out of the
    /// phase so that the phase fits in the schedule's padding).
    ticket: Option<Ticket>,
    timing: Option<Pin<Box<Timing>>>,
}

/// What the call is doing about time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Nothing armed for the current step.
    Idle,
    /// The attempt in flight is pending under a distant deadline, watched coarsely (with the
    /// call's `ticket`).
    Watched,
    /// The timer bounds the attempt in flight and fires as this timeout.
    Bounding(EngineError),
    /// The timer ends the wait between attempts.
    Waiting,
    /// The engine cancelled the last attempt as this timeout; `settle` has not seen it yet.
    Cancelled(EngineError),
}

pin_project! {
    /// The timer, once a call needs one, and the deadline of the call it is nested in.
    #[derive(Debug)]
    struct Timing {
        #[pin]
        sleep: Option<Timer>,
        // The deadline of the call this one is nested in, if any (see `current.rs`).
        cap: Option<StdInstant>,
        // The wait chosen after the last failure.
        wait: Duration,
        // When the current wait started, while [`Phase::Waiting`].
        wait_started: StdInstant,
    }
}

impl<'p> Call<'p> {
    /// Starts a call; reads no clock. The budget starts when the call first has to wait: at the
    /// first attempt that is not ready on its first poll, or at the first failure.
    #[inline]
    pub fn start(site: &'static Site, policy: &'p Policy) -> Self {
        Call {
            schedule: Schedule::start(site, policy, Phase::Idle),
            anchor: None,
            ticket: None,
            timing: None,
        }
    }

    /// A call that starts at its first poll, with [`Call::begin`]; dropped before, it counts nothing.
    #[inline]
    pub(crate) fn unstarted(site: &'static Site, policy: &'p Policy) -> Self {
        Call {
            schedule: Schedule::unstarted(site, policy, Phase::Idle),
            anchor: None,
            ticket: None,
            timing: None,
        }
    }

    /// Starts a call made with [`Call::unstarted`].
    #[inline]
    pub(crate) fn begin(&mut self) {
        self.schedule.begin();
    }

    pub(crate) fn schedule_mut(&mut self) -> &mut Schedule<'p, Phase> {
        &mut self.schedule
    }

    pub(crate) fn schedule(&self) -> &Schedule<'p, Phase> {
        &self.schedule
    }

    /// Runs one attempt, cancelling it at the deadline or `attempt_timeout`.
    #[inline]
    pub fn attempt<F, T, E>(&mut self, attempt: F) -> Attempt<'_, 'p, F>
    where
        F: Future<Output = Result<T, E>>,
        E: FromEngineError,
    {
        self.start_attempt();
        self.admit_first();
        Attempt {
            attempt,
            call: self,
        }
    }

    /// Runs one attempt that is never cancelled (no `timeout`, no `attempt_timeout`), so its
    /// error type needs no `From<EngineError>`; the attempt still sees [`current`](crate::current).
    #[inline]
    pub fn attempt_uncancelled<F: Future>(&mut self, attempt: F) -> UncancelledAttempt<'_, 'p, F> {
        self.start_attempt();
        UncancelledAttempt {
            attempt,
            call: self,
        }
    }

    /// Runs one attempt that the deadline may cut off only when there is an earlier error to
    /// return in its place (`on_timeout = "last_error"`): the first attempt runs to its own
    /// end, a later one is dropped at the deadline and the call gets `last`, the error of the
    /// attempt before. The error type needs no `From<EngineError>`.
    #[inline]
    pub fn attempt_or_last<F, T, E>(
        &mut self,
        last: Option<E>,
        attempt: F,
    ) -> LastErrorAttempt<'_, 'p, F, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.start_attempt();
        LastErrorAttempt {
            attempt,
            call: self,
            last,
        }
    }

    /// Before the first attempt, asks the circuit breaker whether it may run; a refused call's
    /// attempt is never polled and ends as [`EngineError::breaker_open`]. Only where the error
    /// type can carry that error (`attempt`, and `retry`, whose `RetryError` needs no value).
    #[inline]
    pub(crate) fn admit_first(&mut self) {
        if self.schedule.attempt() == 1 {
            self.schedule.admit_first(now);
        }
    }

    /// The circuit breaker refused the call before its first attempt.
    #[inline]
    pub(crate) fn refused(&self) -> bool {
        self.schedule.refused()
    }

    #[inline]
    pub(crate) fn start_attempt(&mut self) {
        self.schedule.state = Phase::Idle;
        self.schedule.attempt_starts();
    }

    /// Decides what follows an attempt: `Break` with the call's result, or `Continue` with the
    /// error to [`wait`](Call::wait) on before the next attempt.
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
            Err(error) => match self.fail(&error, |e| classifier.classify(e)) {
                Ok(()) => ControlFlow::Continue(error),
                Err(_) => ControlFlow::Break(Err(error)),
            },
        }
    }

    /// Sleeps the wait chosen by the last [`settle`](Call::settle), then starts the next
    /// attempt (`Continue`), or ends the call (`Break`) when the wait ended at or past the
    /// deadline; either way `last_error` is handed back.
    #[inline]
    pub fn wait<E: Debug>(&mut self, last_error: E) -> Wait<'_, 'p, E> {
        self.schedule.state = Phase::Idle;
        Wait {
            call: self,
            last_error: Some(last_error),
        }
    }

    #[inline]
    pub(crate) fn on_success(&mut self) {
        let anchor = self.anchor;
        self.schedule.on_success(|| elapsed(anchor, now()));
    }

    /// Starts the attempt after the wait, unless the wait ended at or past the deadline.
    pub(crate) fn begin_retry(&mut self, last_error: &dyn Debug) -> Result<(), StopReason> {
        let now = now();
        let waited = match &self.timing {
            Some(t) if self.schedule.state == Phase::Waiting => {
                now.saturating_duration_since(t.wait_started)
            }
            _ => Duration::ZERO,
        };
        self.schedule.state = Phase::Idle;
        let limits = self.limits(now);
        self.schedule.begin_retry(now, limits, waited, last_error)
    }

    /// Records a failed attempt; an attempt the engine cancelled is retried whatever the
    /// classifier says (the schedule still stops at the deadline).
    pub(crate) fn fail<E: Debug>(
        &mut self,
        error: &E,
        classify: impl FnOnce(&E) -> Action,
    ) -> Result<(), StopReason> {
        if self.schedule.refused() {
            return Err(StopReason::BreakerOpen);
        }
        let failure = match self.schedule.state {
            Phase::Cancelled(timed_out) => Failure {
                action: Action::Retry,
                error,
                timed_out: Some(timed_out),
            },
            _ => Failure::error(classify(error), error),
        };
        self.record(failure)
    }

    /// Records an attempt the engine cancelled, when there is no error value to show.
    pub(crate) fn fail_timed_out(&mut self, timed_out: EngineError) -> Result<(), StopReason> {
        if self.schedule.refused() {
            return Err(StopReason::BreakerOpen);
        }
        self.record(Failure::timed_out(&timed_out))
    }

    fn record(&mut self, failure: Failure<'_>) -> Result<(), StopReason> {
        self.schedule.state = Phase::Idle;
        let now = now();
        let limits = self.limits(now);
        let previous = self.timing.as_ref().map_or(Duration::ZERO, |t| t.wait);
        let wait = self.schedule.on_failure(failure, now, limits, previous)?;
        if !wait.is_zero() || self.timing.is_some() {
            *self.timing(now).project().wait = wait;
        }
        Ok(())
    }

    /// The attempts run so far and the time since the budget started.
    pub(crate) fn progress(&self) -> (u32, Duration) {
        (self.schedule.attempt(), elapsed(self.anchor, now()))
    }

    /// When the budget started and the deadline of the call around this one: the budget starts
    /// at `now` if it has not yet, and that is when a nested call learns the outer deadline.
    fn limits(&mut self, now: StdInstant) -> (StdInstant, Option<StdInstant>) {
        match self.anchor {
            Some(anchor) => (anchor, self.timing.as_ref().and_then(|t| t.cap)),
            None => {
                self.anchor = Some(now);
                let cap = current::outer_deadline(now);
                if cap.is_some() {
                    *self.timing(now).project().cap = cap;
                }
                (now, cap)
            }
        }
    }

    /// The call's timer state, created at `now` if it is the first need.
    fn timing(&mut self, now: StdInstant) -> Pin<&mut Timing> {
        self.timing
            .get_or_insert_with(|| {
                Box::pin(Timing {
                    sleep: None,
                    cap: None,
                    wait: Duration::ZERO,
                    wait_started: now,
                })
            })
            .as_mut()
    }

    /// Polls an attempt; `Err` when the engine cancelled it (only if `cancellable`).
    pub(crate) fn poll_attempt<F: Future>(
        &mut self,
        attempt: Pin<&mut F>,
        cx: &mut Context<'_>,
        cancellable: bool,
    ) -> Poll<Result<F::Output, EngineError>> {
        if self.schedule.refused() {
            return Poll::Ready(Err(EngineError::breaker_open()));
        }
        // Poll the attempt before touching any timer: an attempt that is ready costs no clock
        // read. It runs with its call published, for `current()` and for calls nested in it.
        let frame = self.schedule.frame(now, self.published_limits(cancellable));
        let polled = frame.enter(|| attempt.poll(cx));
        self.schedule.leave(&frame);
        if let Poll::Ready(out) = polled {
            self.unwatch();
            return Poll::Ready(Ok(out));
        }
        if !cancellable {
            // An attempt that is not cut off still starts the budget when it first waits, so
            // that the deadline counts from the call's start, not from its first failure.
            if self.anchor.is_none() && self.schedule.policy().timeout().is_some() {
                self.limits(now());
            }
            return Poll::Pending;
        }
        let kind = match self.schedule.state {
            Phase::Bounding(kind) => kind,
            Phase::Watched
                if self
                    .ticket
                    .is_some_and(|ticket| watch::still_watched(ticket, cx.waker())) =>
            {
                return Poll::Pending
            }
            // Idle, or woken by the watch: time what is left precisely.
            _ => match self.bound_attempt(cx) {
                Some(kind) => kind,
                None => return Poll::Pending,
            },
        };
        ready!(self.poll_timer(cx));
        self.schedule.state = Phase::Cancelled(kind);
        Poll::Ready(Err(kind))
    }

    /// What the attempt's frame says about time: the cap read when the budget started (before,
    /// the calls around are asked when needed), and the end of the attempt once its timer bounds it.
    #[inline]
    fn published_limits(&self, cancellable: bool) -> Limits {
        let timing = self.timing.as_ref();
        let cap = match self.anchor {
            Some(_) => Cap::Known(timing.and_then(|t| t.cap)),
            None => Cap::Outer,
        };
        let attempt_limit = cancellable.then(|| match self.schedule.state {
            Phase::Bounding(_) => timing
                .and_then(|t| t.sleep.as_ref())
                .map(|sleep| sleep.deadline().into_std()),
            _ => None,
        });
        Limits {
            anchor: self.anchor,
            cap,
            attempt_limit,
        }
    }

    /// Bounds a pending attempt by the earlier of the deadline and its own limit: by the watch
    /// when the deadline is distant, else by the timer. `None` when nothing bounds it or the
    /// watch does; the timeout the timer fires as otherwise.
    fn bound_attempt(&mut self, cx: &Context<'_>) -> Option<EngineError> {
        let policy = self.schedule.policy();
        if policy.timeout().is_none() && policy.attempt_timeout().is_none() {
            return None;
        }
        let now = now();
        let (anchor, cap) = self.limits(now);
        let deadline = self.schedule.deadline(anchor, cap);
        let own = policy
            .attempt_timeout()
            .map(|budget| now.checked_add(budget));
        let (limit, kind) = match (deadline, own) {
            (None, None) => (None, EngineError::deadline()), // a budget past the clock's range
            (Some(d), None) => (Some(d), EngineError::deadline()),
            (None, Some(o)) => (o, EngineError::attempt_timeout()),
            (Some(d), Some(o)) if o.is_none_or(|o| d <= o) => (Some(d), EngineError::deadline()),
            (Some(_), Some(o)) => (o, EngineError::attempt_timeout()),
        };
        // The watch serves the deadline alone: an attempt's own limit starts at its first poll.
        if own.is_none() && self.schedule.state == Phase::Idle {
            let left = limit.map_or(Duration::MAX, |l| l.saturating_duration_since(now));
            if left >= watch::MIN_WATCHED {
                if let Some(ticket) = watch::watch(cx.waker(), now) {
                    self.ticket = Some(ticket);
                    self.schedule.state = Phase::Watched;
                    return None;
                }
            }
        }
        self.arm(now, limit);
        self.schedule.state = Phase::Bounding(kind);
        Some(kind)
    }

    /// Takes the attempt's waker back from the watch, if it left one.
    #[inline]
    fn unwatch(&mut self) {
        if self.schedule.state == Phase::Watched {
            self.schedule.state = Phase::Idle;
            if let Some(ticket) = self.ticket.take() {
                watch::unwatch(ticket);
            }
        }
    }

    /// Arms the timer at `at` (`None`: past the clock's range), but at most [`FOREVER`] after
    /// `now`: a later timer could overflow inside the timer driver.
    fn arm(&mut self, now: StdInstant, at: Option<StdInstant>) {
        let far = now.checked_add(FOREVER);
        let at = Instant::from_std(match (at, far) {
            (Some(at), Some(far)) => at.min(far),
            (Some(at), None) => at,
            (None, far) => far.unwrap_or(now),
        });
        let mut sleep = self.timing(now).project().sleep;
        match sleep.as_mut().as_pin_mut() {
            Some(armed) => armed.reset(at),
            None => sleep.set(Some(Timer::until(at))),
        }
    }

    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let timing = self.timing.as_mut().expect("an armed call has timing");
        let sleep = timing.as_mut().project().sleep.as_pin_mut();
        sleep.expect("an armed call has a sleep").poll(cx)
    }

    /// Polls the wait chosen by the last failure; ready when it has ended (the caller then
    /// calls [`Call::begin_retry`]).
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.schedule.state != Phase::Waiting {
            let wait = self.timing.as_ref().map_or(Duration::ZERO, |t| t.wait);
            if wait.is_zero() {
                return Poll::Ready(());
            }
            let now = now();
            // A hint may ask for any wait: past the clock's range, sleep "forever" instead of overflowing.
            self.arm(now, now.checked_add(wait));
            *self.timing(now).project().wait_started = now;
            self.schedule.state = Phase::Waiting;
        }
        self.poll_timer(cx)
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        self.unwatch();
        let (timing, state) = (&self.timing, self.schedule.state);
        self.schedule.on_drop(|| match timing {
            Some(t) if state == Phase::Waiting => now().saturating_duration_since(t.wait_started),
            _ => Duration::ZERO,
        });
    }
}

fn elapsed(anchor: Option<StdInstant>, now: StdInstant) -> Duration {
    anchor.map_or(Duration::ZERO, |a| now.saturating_duration_since(a))
}

pin_project! {
    /// One attempt bounded by the call's deadline and `attempt_timeout`; see [`Call::attempt`].
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Attempt<'c, 'p, F> {
        #[pin]
        attempt: F,
        call: &'c mut Call<'p>,
    }
}

impl<F, T, E> Future for Attempt<'_, '_, F>
where
    F: Future<Output = Result<T, E>>,
    E: FromEngineError,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match ready!(this.call.poll_attempt(this.attempt, cx, true)) {
            Ok(result) => Poll::Ready(result),
            Err(timed_out) => Poll::Ready(Err(E::from(timed_out))),
        }
    }
}

pin_project! {
    /// One attempt that is never cancelled; see [`Call::attempt_uncancelled`].
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct UncancelledAttempt<'c, 'p, F> {
        #[pin]
        attempt: F,
        call: &'c mut Call<'p>,
    }
}

impl<F: Future> Future for UncancelledAttempt<'_, '_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match ready!(this.call.poll_attempt(this.attempt, cx, false)) {
            Ok(output) => Poll::Ready(output),
            Err(_) => unreachable!("an uncancellable attempt is never cancelled"),
        }
    }
}

pin_project! {
    /// One attempt cut off at the deadline only when an earlier error can stand in its place;
    /// see [`Call::attempt_or_last`].
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct LastErrorAttempt<'c, 'p, F, E> {
        #[pin]
        attempt: F,
        call: &'c mut Call<'p>,
        last: Option<E>,
    }
}

impl<F, T, E> Future for LastErrorAttempt<'_, '_, F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let cancellable = this.last.is_some();
        match ready!(this.call.poll_attempt(this.attempt, cx, cancellable)) {
            Ok(result) => Poll::Ready(result),
            Err(_) => Poll::Ready(Err(this
                .last
                .take()
                .expect("only an attempt with an earlier error is cut off"))),
        }
    }
}

/// The wait between two attempts; see [`Call::wait`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'c, 'p, E> {
    call: &'c mut Call<'p>,
    last_error: Option<E>,
}

impl<E: Debug> Future for Wait<'_, '_, E> {
    type Output = ControlFlow<E, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ControlFlow<E, E>> {
        let this = self.get_mut();
        ready!(this.call.poll_wait(cx));
        let last_error = this
            .last_error
            .take()
            .expect("a wait is polled after it ended");
        Poll::Ready(match this.call.begin_retry(&last_error) {
            Ok(()) => ControlFlow::Continue(last_error),
            Err(_) => ControlFlow::Break(last_error),
        })
    }
}

// No field is pinned: the error is only moved out once the wait is over.
impl<E> Unpin for Wait<'_, '_, E> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_state_is_eight_words() {
        // policy, override, site, attempt + progress + phase, watch ticket, anchor (two
        // words), timer box: what every in-flight annotated future adds.
        assert!(core::mem::size_of::<Call<'static>>() <= 64);
    }
}
