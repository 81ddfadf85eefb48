//! One async call in progress: the schedule plus a lazily armed tokio timer that bounds
//! attempts (total budget, `attempt_timeout`) and sleeps the waits between them.
//!
//! The timer is allocated the first time it is needed and reused after that, so a call whose
//! attempts complete at once registers no timer and allocates nothing.

use core::fmt::Debug;
use core::future::Future;
use core::ops::ControlFlow;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::time::Instant as StdInstant;

use tokio::time::{Instant, Sleep};

use crate::classify::{Action, Classify};
use crate::error::{StopReason, TimedOut};
use crate::policy::Policy;
use crate::retry::schedule::Schedule;
use crate::stats::Site;

fn now() -> StdInstant {
    Instant::now().into_std()
}

/// An async call in progress; the `#[wait_or_die]` expansion drives it in a loop.
#[doc(hidden)]
#[derive(Debug)]
pub struct Call<'p> {
    schedule: Schedule<'p>,
    timer: Option<Pin<Box<Sleep>>>,
    /// What the armed timer bounds: `None` when it is not armed for the current step.
    armed: Option<Armed>,
    /// Set when the engine cancelled the last attempt.
    timed_out: Option<TimedOut>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Armed {
    Wait,
    Attempt(TimedOut),
}

impl<'p> Call<'p> {
    /// Starts a call: counts it, and reads no clock. The budget starts when the call first has to
    /// wait: at the first attempt that is not ready on its first poll, or at the first failure.
    #[inline]
    pub fn start(site: &'static Site, policy: &'p Policy) -> Self {
        Call {
            schedule: Schedule::start(site, policy, None),
            timer: None,
            armed: None,
            timed_out: None,
        }
    }

    /// Runs one attempt, cancelling it at the deadline or `attempt_timeout`.
    #[inline]
    pub fn attempt<F, T, E>(&mut self, attempt: F) -> Attempt<'_, 'p, F>
    where
        F: Future<Output = Result<T, E>>,
        E: From<TimedOut>,
    {
        self.armed = None;
        Attempt {
            attempt,
            call: self,
        }
    }

    /// Decides what follows an attempt: `Break` with the call's result, or `Continue` to
    /// [`wait`](Call::wait) and run the next attempt.
    #[inline]
    pub fn settle<T, E: Debug, C: Classify<E> + ?Sized>(
        &mut self,
        result: Result<T, E>,
        classifier: &C,
    ) -> ControlFlow<Result<T, E>> {
        match result {
            Ok(value) => {
                self.schedule.on_success(now);
                ControlFlow::Break(Ok(value))
            }
            Err(error) => match self.fail(&error, |e| classifier.classify(e)) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(Err(error)),
            },
        }
    }

    /// Records a failed attempt; an attempt the engine cancelled is retried whatever the classifier says.
    pub(crate) fn fail<E: Debug>(
        &mut self,
        error: &E,
        classify: impl FnOnce(&E) -> Action,
    ) -> Result<(), StopReason> {
        let timed_out = self.timed_out.take();
        let action = match timed_out {
            Some(_) => Action::Retry,
            None => classify(error),
        };
        self.schedule.on_failure(action, error, timed_out, now())
    }

    pub(crate) fn fail_timed_out(&mut self, timed_out: TimedOut) -> Result<(), StopReason> {
        self.timed_out = None;
        self.schedule
            .on_failure(Action::Retry, &timed_out, Some(timed_out), now())
    }

    pub(crate) fn on_success(&mut self) {
        self.schedule.on_success(now);
    }

    pub(crate) fn schedule(&self) -> &Schedule<'p> {
        &self.schedule
    }

    /// Sleeps the wait chosen by the last [`settle`](Call::settle).
    #[inline]
    pub fn wait(&mut self) -> Wait<'_, 'p> {
        self.armed = None;
        Wait { call: self }
    }

    /// Polls an attempt; `Err` when the engine cancelled it.
    pub(crate) fn poll_attempt<F: Future>(
        &mut self,
        attempt: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<F::Output, TimedOut>> {
        // Poll the attempt before touching any timer: an attempt that is ready costs no clock read.
        if let Poll::Ready(out) = attempt.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let kind = match self.armed {
            Some(Armed::Attempt(kind)) => kind,
            _ => match self.arm_attempt_limit() {
                Some(kind) => kind,
                None => return Poll::Pending,
            },
        };
        let timer = self.timer.as_mut().expect("armed timer exists");
        ready!(timer.as_mut().poll(cx));
        self.armed = None;
        self.timed_out = Some(kind);
        Poll::Ready(Err(kind))
    }

    /// Arms the timer at the earlier of the deadline and this attempt's own limit.
    fn arm_attempt_limit(&mut self) -> Option<TimedOut> {
        let policy = self.schedule.policy();
        if policy.timeout().is_none() && policy.attempt_timeout().is_none() {
            return None;
        }
        let now = now();
        self.schedule.anchor(now);
        let deadline = self.schedule.deadline();
        let own = policy
            .attempt_timeout()
            .and_then(|budget| now.checked_add(budget));
        let (limit, kind) = match (deadline, own) {
            (None, None) => return None,
            (Some(d), None) => (d, TimedOut::deadline()),
            (None, Some(o)) => (o, TimedOut::attempt()),
            (Some(d), Some(o)) if d <= o => (d, TimedOut::deadline()),
            (Some(_), Some(o)) => (o, TimedOut::attempt()),
        };
        self.arm(Instant::from_std(limit));
        self.armed = Some(Armed::Attempt(kind));
        Some(kind)
    }

    fn arm(&mut self, at: Instant) {
        match &mut self.timer {
            Some(timer) => timer.as_mut().reset(at),
            None => self.timer = Some(Box::pin(tokio::time::sleep_until(at))),
        }
    }

    /// Polls the wait chosen by the last failure.
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.armed != Some(Armed::Wait) {
            let wait = self.schedule.wait();
            if wait.is_zero() {
                return Poll::Ready(());
            }
            self.arm(Instant::now() + wait);
            self.armed = Some(Armed::Wait);
        }
        let timer = self.timer.as_mut().expect("armed timer exists");
        ready!(timer.as_mut().poll(cx));
        self.armed = None;
        Poll::Ready(())
    }
}

/// One attempt bounded by the call's deadline and `attempt_timeout`; see [`Call::attempt`].
#[doc(hidden)]
#[pin_project::pin_project]
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Attempt<'c, 'p, F> {
    #[pin]
    attempt: F,
    call: &'c mut Call<'p>,
}

impl<F, T, E> Future for Attempt<'_, '_, F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimedOut>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match ready!(this.call.poll_attempt(this.attempt, cx)) {
            Ok(result) => Poll::Ready(result),
            Err(timed_out) => Poll::Ready(Err(E::from(timed_out))),
        }
    }
}

/// The wait between two attempts; see [`Call::wait`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'c, 'p> {
    call: &'c mut Call<'p>,
}

impl Future for Wait<'_, '_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.call.poll_wait(cx)
    }
}
