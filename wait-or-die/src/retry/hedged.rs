//! One attempt of a hedged async call, and the hedges sent beside it while it is pending.
//!
//! The attempt is polled in place, as an unhedged one is: an attempt that is ready at once
//! reads no clock and arms nothing. At its first pending poll the clock is read once and, when
//! the pipeline knows the delay (a fixed one, or the site's learnt percentile), the hedge's due
//! time is left with the thread's hedge watch (`retry/hedge_watch.rs`: one tokio timer per
//! thread), or, where the watch cannot serve, one timer is armed for it, inline in the future:
//! no allocation either way. When the hedge is due, the pipeline asks the
//! breaker and the retry budget; a hedge they refuse is not sent, and no later one for this
//! attempt either. A hedge that is sent is boxed (the one allocation hedging makes, and only
//! then) and polled beside the attempt, and the timer is re-armed for the next, up to
//! `max_hedges`.
//!
//! To the call (`retry/call.rs`) the attempt and its hedges are one attempt: the deadline and
//! `attempt_timeout` bound them together, and cancel them together. This module yields each
//! outcome as it comes: the first success ends the call (the others are dropped, which cancels
//! them); a failure says whether other attempts are still in flight, so that the retry loop
//! waits for them rather than starting a retry's wait while one of them could still win (the
//! rules are [`HedgePolicy`]'s docs).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::time::Instant as StdInstant;

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::classify::{Action, Classify};
use crate::current;
use crate::engine_error::FromEngineError;
use crate::pipeline;
use crate::policy::{HedgeAfter, HedgePolicy};
use crate::retry::call::Call;
use crate::retry::hedge_watch::{self, Registration};
use crate::retry::schedule::PolicySource;
use crate::site::Site;
use crate::timer::Timer;

fn now() -> StdInstant {
    Instant::now().into_std()
}

pin_project! {
    /// An attempt and its hedges; see the [module](self).
    #[project = HedgedProj]
    pub(crate) struct Hedged<Fut> {
        // The attempt, until it ended.
        #[pin]
        attempt: Option<Fut>,
        // The hedges in flight, with their numbers (1 for the first sent): empty, and so not
        // allocated, until one is sent.
        hedges: Vec<(u32, Pin<Box<Fut>>)>,
        // When the next hedge is due; set at the attempt's first pending poll.
        due: Option<StdInstant>,
        // The attempt's place in the thread's hedge watch while it waits for `due` there.
        watched: Option<Registration>,
        // Fires at `due` where the watch cannot serve.
        #[pin]
        timer: Option<Timer>,
        options: HedgePolicy,
        // The attempt's first pending poll.
        started: Option<StdInstant>,
        delay: Duration,
        sent: u32,
        // No more hedges for this attempt: the delay is not known yet, or one was refused.
        stopped: bool,
    }
}

/// What a poll of a [`Hedged`] ended with.
pub(crate) enum Event<T, E> {
    /// An attempt or a hedge succeeded; the others are still to be dropped.
    Won(T),
    /// One failed; `in_flight` when others still are.
    Failed { error: E, in_flight: bool },
}

impl<Fut> Hedged<Fut> {
    pub(crate) fn new(attempt: Fut, options: HedgePolicy) -> Self {
        Hedged {
            attempt: Some(attempt),
            hedges: Vec::new(),
            due: None,
            watched: None,
            timer: None,
            options,
            started: None,
            delay: Duration::ZERO,
            sent: 0,
            stopped: false,
        }
    }

    /// Polls the attempt and its hedges, each with [`current`](crate::current) saying which it
    /// is, and sends the hedge that is due; `next_attempt` makes hedges, `site` and `policy`
    /// are what the pipeline asks about them.
    pub(crate) fn poll_event<T, E>(
        self: Pin<&mut Self>,
        next_attempt: &mut impl FnMut() -> Fut,
        site: &'static Site,
        policy: PolicySource<'_>,
        cx: &mut Context<'_>,
    ) -> Poll<Event<T, E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let mut this = self.project();
        loop {
            if let Some(attempt) = this.attempt.as_mut().as_pin_mut() {
                if let Poll::Ready(out) = attempt.poll(cx) {
                    this.attempt.set(None);
                    let in_flight = !this.hedges.is_empty();
                    return Poll::Ready(settle(
                        site,
                        this.options,
                        *this.started,
                        out,
                        false,
                        in_flight,
                    ));
                }
            }
            for i in 0..this.hedges.len() {
                let (number, hedge) = &mut this.hedges[i];
                current::set_hedge(*number);
                let polled = hedge.as_mut().poll(cx);
                current::set_hedge(0);
                if let Poll::Ready(out) = polled {
                    drop(this.hedges.swap_remove(i));
                    let in_flight = this.attempt.is_some() || !this.hedges.is_empty();
                    return Poll::Ready(settle(
                        site,
                        this.options,
                        *this.started,
                        out,
                        true,
                        in_flight,
                    ));
                }
            }
            if this.options.max_hedges() == 0 {
                return Poll::Pending;
            }
            if this.started.is_none() {
                first_pending(&mut this, site, cx);
                if this.watched.is_some() {
                    return Poll::Pending; // just left with the watch
                }
            }
            if *this.stopped || *this.sent >= this.options.max_hedges() {
                return Poll::Pending;
            }
            let Some(due) = hedge_due(&mut this, cx) else {
                return Poll::Pending;
            };
            let now = now();
            if !pipeline::before_hedge(site, &policy.get(), now) {
                *this.stopped = true;
                return Poll::Pending;
            }
            *this.sent += 1;
            this.hedges.push((*this.sent, Box::pin(next_attempt())));
            if *this.sent < this.options.max_hedges() {
                let delay = *this.delay;
                arm(&mut this, due, delay, now, cx);
            }
            // Poll the hedge just sent.
        }
    }
}

/// The attempt's first pending poll: its start, for the latency learnt, and its first hedge's
/// timer, when the pipeline knows the delay.
fn first_pending<Fut>(this: &mut HedgedProj<'_, Fut>, site: &'static Site, cx: &Context<'_>) {
    let now = now();
    *this.started = Some(now);
    match pipeline::hedge_delay(site, this.options) {
        Some(delay) => {
            *this.delay = delay;
            arm(this, now, delay, now, cx);
        }
        None => *this.stopped = true,
    }
}

/// Sets the next hedge due `delay` after `from` (`now` being the clock): left with the thread's
/// hedge watch, or on the attempt's own timer once the watch could not serve it. A time past
/// the clock's range sends no more hedges.
fn arm<Fut>(
    this: &mut HedgedProj<'_, Fut>,
    from: StdInstant,
    delay: Duration,
    now: StdInstant,
    cx: &Context<'_>,
) {
    let Some(at) = from.checked_add(delay) else {
        *this.stopped = true;
        return;
    };
    *this.due = Some(at);
    wait_for(this, at, now, cx);
}

/// Waits for `at`: with the watch, unless the attempt already has its own timer or the watch
/// cannot serve it.
fn wait_for<Fut>(
    this: &mut HedgedProj<'_, Fut>,
    at: StdInstant,
    now: StdInstant,
    cx: &Context<'_>,
) {
    *this.watched = None;
    if this.timer.is_none() {
        if let Some(registration) = hedge_watch::register(cx.waker(), at, now) {
            *this.watched = Some(registration);
            return;
        }
    }
    let at = Instant::from_std(at);
    match this.timer.as_mut().as_pin_mut() {
        Some(armed) => armed.reset(at),
        None => this.timer.set(Some(Timer::until(at))),
    }
}

/// The next hedge's due time once it is due; `None` while it is not (or none is set).
fn hedge_due<Fut>(this: &mut HedgedProj<'_, Fut>, cx: &mut Context<'_>) -> Option<StdInstant> {
    let due = (*this.due)?;
    if let Some(timer) = this.timer.as_mut().as_pin_mut() {
        return timer.poll(cx).is_ready().then_some(due);
    }
    if let Some(registration) = this.watched {
        if registration.still_waiting(cx.waker()) {
            return None;
        }
        *this.watched = None;
    }
    let now = now();
    if now >= due {
        return Some(due);
    }
    // Let go before its time (the watch's driver went away): wait again.
    wait_for(this, due, now, cx);
    if let Some(timer) = this.timer.as_mut().as_pin_mut() {
        if timer.poll(cx).is_ready() {
            return Some(due);
        }
    }
    None
}

/// An attempt or hedge ended with `out`: a success is counted (a hedge's win, and the latency
/// learnt at a percentile) before it is handed back.
fn settle<T, E>(
    site: &'static Site,
    options: &HedgePolicy,
    started: Option<StdInstant>,
    out: Result<T, E>,
    by_hedge: bool,
    in_flight: bool,
) -> Event<T, E> {
    match out {
        Ok(value) => {
            let learns = matches!(options.after(), HedgeAfter::Percentile(_));
            let latency = started
                .filter(|_| learns)
                .map(|s| now().saturating_duration_since(s));
            pipeline::on_hedged_success(site, options, by_hedge, latency);
            Event::Won(value)
        }
        Err(error) => Event::Failed { error, in_flight },
    }
}

/// A poll of a [`Hedged`], as the one future the call bounds (`Call::poll_attempt`).
pub(crate) struct NextEvent<'a, M, Fut> {
    pub(crate) hedged: Pin<&'a mut Hedged<Fut>>,
    /// Starts an attempt (a hedge).
    pub(crate) next_attempt: M,
    pub(crate) site: &'static Site,
    pub(crate) policy: PolicySource<'a>,
}

impl<M, Fut, T, E> Future for NextEvent<'_, M, Fut>
where
    M: FnMut() -> Fut + Unpin,
    Fut: Future<Output = Result<T, E>>,
{
    type Output = Event<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Event<T, E>> {
        let this = self.get_mut();
        let (site, policy) = (this.site, this.policy);
        this.hedged
            .as_mut()
            .poll_event(&mut this.next_attempt, site, policy, cx)
    }
}

impl<'p> Call<'p> {
    /// Runs one attempt made by `next_attempt`, with the hedges its policy sends beside it
    /// (made by `next_attempt` too), as one attempt of the call: cut off together at the
    /// deadline or `attempt_timeout`. Ends with the first success, a failure when none is left
    /// in flight, or a permanent failure (by `classifier`), whichever comes first; the
    /// `#[wait_or_die]` expansion of `hedge_after` drives it as it drives [`Call::attempt`].
    #[inline]
    pub fn hedged<'c, M, Fut, C>(
        &'c mut self,
        next_attempt: &'c mut M,
        classifier: &'c C,
    ) -> HedgedAttempt<'c, 'p, M, Fut, C>
    where
        M: FnMut() -> Fut,
    {
        self.start_attempt();
        self.admit_first();
        // A policy without hedging (an operator's override) runs the attempt alone.
        let options = self.schedule().policy().hedge().unwrap_or(HedgePolicy {
            after: None,
            max_hedges: 0,
        });
        HedgedAttempt {
            hedged: Hedged::new(next_attempt(), options),
            call: self,
            next_attempt,
            classifier,
        }
    }
}

pin_project! {
    /// One attempt and its hedges, bounded by the call; see [`Call::hedged`].
    #[doc(hidden)]
    #[must_use = "futures do nothing unless polled"]
    pub struct HedgedAttempt<'c, 'p, M, Fut, C> {
        #[pin]
        hedged: Hedged<Fut>,
        call: &'c mut Call<'p>,
        next_attempt: &'c mut M,
        classifier: &'c C,
    }
}

impl<M, Fut, C, T, E> Future for HedgedAttempt<'_, '_, M, Fut, C>
where
    M: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    C: Classify<E>,
    E: FromEngineError,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let mut this = self.project();
        loop {
            let mut next = NextEvent {
                hedged: this.hedged.as_mut(),
                next_attempt: &mut **this.next_attempt,
                site: this.call.schedule().site(),
                policy: this.call.schedule().policy_source(),
            };
            let event = match this.call.poll_attempt(Pin::new(&mut next), cx, true) {
                Poll::Ready(event) => event,
                Poll::Pending => return Poll::Pending,
            };
            return Poll::Ready(match event {
                Ok(Event::Won(value)) => Ok(value),
                Ok(Event::Failed { error, in_flight })
                    if in_flight && !matches!(this.classifier.classify(&error), Action::Die) =>
                {
                    // Others may still win: the failure starts nothing (see `HedgePolicy`).
                    continue;
                }
                Ok(Event::Failed { error, .. }) => Err(error),
                Err(timed_out) => Err(E::from(timed_out)),
            });
        }
    }
}

impl<M, Fut, C> core::fmt::Debug for HedgedAttempt<'_, '_, M, Fut, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HedgedAttempt")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}
