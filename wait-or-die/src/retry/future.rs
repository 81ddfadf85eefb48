//! The engine's own async API: [`retry`] and the named [`Retry`] future it returns.

use core::fmt::Debug;
use core::future::Future;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::panic::Location;

use pin_project_lite::pin_project;

use crate::classify::{Action, Classify, RetryAll, RetryIf};
use crate::engine_error::EngineError;
use crate::error::{RetryError, StopReason};
use crate::policy::Policy;
use crate::retry::call::Call;
use crate::retry::caller_site;
use crate::retry::hedged::{Event, Hedged, NextEvent};
use crate::site::Site;

/// Stands in for the site of a [`Retry`] until its first poll finds the caller's; never counted into.
static UNPOLLED: Site = Site::new("wait_or_die::retry");

/// Retries an async operation under `policy`; await the returned [`Retry`].
///
/// `op` is called once per attempt and returns that attempt's future. By default every error
/// is retried; narrow that with [`Retry::when`] or [`Retry::classify`].
///
/// Each place in the source that calls `retry` has a [site](crate::stats::Site) of its own,
/// with its own counters and retry budget, so that an outage of one dependency does not spend
/// the retries of the others. The site is named `file:line:column` after that place, as
/// [`Location::caller`] reports it (`src/quotes.rs:42:9`), and is listed in
/// [`stats::sites`](crate::stats::sites) and reachable by [`control`](crate::control) from its
/// first call on. A function of yours that calls `retry` on behalf of its callers makes one
/// place for all of them unless it is `#[track_caller]` too. [`Retry::site`] counts into a
/// site of your own instead.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{retry, Policy, StopReason};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let policy = Policy::builder().max_retries(3).initial_wait(Duration::ZERO).build()?;
/// let mut calls = 0;
/// let value = retry(&policy, || {
///     calls += 1;
///     let n = calls;
///     async move { if n < 3 { Err("not yet") } else { Ok(n) } }
/// })
/// .await;
/// assert_eq!(value.unwrap(), 3);
///
/// let err = retry(&policy, || async { Err::<(), _>("down") }).await.unwrap_err();
/// assert_eq!(err.reason(), StopReason::Exhausted);
/// assert_eq!(err.attempts(), 4);
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn retry<Op, Fut, T, E>(policy: &Policy, op: Op) -> Retry<'_, Op, Fut, E, RetryAll>
where
    Op: Attempts<Attempt = Fut>,
    Fut: Future<Output = Result<T, E>>,
{
    Retry {
        call: Call::unstarted(&UNPOLLED, policy),
        caller: Some(Location::caller()),
        op,
        classifier: RetryAll,
        last: None,
        state: State::Idle,
    }
}

pin_project! {
    /// The future of [`retry`]: attempts, waits and gives up by the policy, with no allocation
    /// while attempts complete at once.
    ///
    /// Its states are `Idle → Attempting → Waiting → Attempting → …`; the attempt in flight is
    /// dropped (cancelled) when the total budget or `attempt_timeout` runs out.
    ///
    /// ```
    /// use wait_or_die::{retry, Policy};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let policy = Policy::DEFAULT;
    /// let fut = retry(&policy, || async { Ok::<_, std::io::Error>(1) });
    /// fn assert_send<F: Send>(_: &F) {}
    /// assert_send(&fut);
    /// assert_eq!(fut.await.unwrap(), 1);
    /// # }
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct Retry<'p, Op, Fut, E, C> {
        // Built with the future and counted at its first poll, so that polling copies nothing.
        call: Call<'p>,
        // Where `retry` was called, until the first poll finds its site; `None` with [`Retry::site`].
        caller: Option<&'static Location<'static>>,
        op: Op,
        classifier: C,
        last: Option<E>,
        #[pin]
        state: State<Fut>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<Fut> {
        // Not polled yet, or finished.
        Idle,
        Attempting { #[pin] attempt: Fut },
        // An attempt with the hedges sent beside it (a policy that hedges).
        Hedging { #[pin] hedged: Hedged<Fut> },
        Waiting,
    }
}

impl<'p, Op, Fut, E, C> Retry<'p, Op, Fut, E, C> {
    /// Retries only the errors `predicate` accepts; the others end the call at once.
    ///
    /// ```
    /// use std::io::{Error, ErrorKind};
    /// use wait_or_die::{retry, Policy, StopReason};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = retry(&Policy::DEFAULT, || async { Err::<(), _>(Error::from(ErrorKind::NotFound)) })
    ///     .when(|e: &Error| e.kind() != ErrorKind::NotFound)
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!((err.reason(), err.attempts()), (StopReason::Permanent, 1));
    /// # }
    /// ```
    pub fn when<P: Fn(&E) -> bool>(self, predicate: P) -> Retry<'p, Op, Fut, E, RetryIf<P>> {
        self.classify(RetryIf(predicate))
    }

    /// Classifies errors with `classifier` (retry, retry after a hint, or die).
    ///
    /// ```
    /// use wait_or_die::{classify_io_error, retry, Policy, StopReason};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let denied = || async { Err::<(), _>(std::io::Error::from(std::io::ErrorKind::PermissionDenied)) };
    /// let err = retry(&Policy::DEFAULT, denied).classify(classify_io_error).await.unwrap_err();
    /// assert_eq!(err.reason(), StopReason::Permanent);
    /// # }
    /// ```
    pub fn classify<C2: Classify<E>>(self, classifier: C2) -> Retry<'p, Op, Fut, E, C2> {
        Retry {
            call: self.call,
            caller: self.caller,
            op: self.op,
            classifier,
            last: self.last,
            state: self.state,
        }
    }

    /// Counts this call's statistics into `site` (and spends its retry budget) instead of the
    /// site of the place that calls [`retry`].
    ///
    /// ```
    /// use wait_or_die::{register_site, retry, stats::Site, Policy};
    ///
    /// static PING: Site = Site::new("docs::ping");
    /// register_site!(PING);
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// retry(&Policy::DEFAULT, || async { Ok::<_, ()>(()) }).site(&PING).await.unwrap();
    /// assert_eq!(PING.snapshot().calls, 1);
    /// # }
    /// ```
    pub fn site(mut self, site: &'static Site) -> Self {
        self.call.schedule_mut().set_site(site);
        self.caller = None;
        self
    }
}

/// What [`Retry`] calls to start each attempt: every `FnMut() -> impl Future` closure, or a
/// named type where a closure's type cannot be named (a tower `Service`'s future, see
/// `wait_or_die::tower`).
///
/// ```
/// use wait_or_die::{retry, Attempts, Policy};
///
/// struct Countdown(u32);
/// impl Attempts for Countdown {
///     type Attempt = std::future::Ready<Result<u32, u32>>;
///     fn next_attempt(&mut self) -> Self::Attempt {
///         self.0 -= 1;
///         std::future::ready(if self.0 == 0 { Ok(7) } else { Err(self.0) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let policy = Policy::builder().initial_wait(std::time::Duration::ZERO).build().unwrap();
/// assert_eq!(retry(&policy, Countdown(3)).await.unwrap(), 7);
/// # }
/// ```
pub trait Attempts {
    /// The future of one attempt.
    type Attempt;
    /// Starts the next attempt (the first one too).
    fn next_attempt(&mut self) -> Self::Attempt;
}

impl<F: FnMut() -> Fut, Fut> Attempts for F {
    type Attempt = Fut;
    #[inline]
    fn next_attempt(&mut self) -> Fut {
        self()
    }
}

impl<Op, Fut, T, E, C> Future for Retry<'_, Op, Fut, E, C>
where
    Op: Attempts<Attempt = Fut>,
    Fut: Future<Output = Result<T, E>>,
    E: Debug,
    C: Classify<E>,
{
    type Output = Result<T, RetryError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let call = this.call;
        loop {
            match this.state.as_mut().project() {
                StateProj::Idle => {
                    if let Some(at) = this.caller.take() {
                        call.schedule_mut().set_site(caller_site(at));
                    }
                    call.begin();
                    call.start_attempt();
                    call.admit_first();
                    if call.refused() {
                        // Refused by the circuit breaker: the operation is not even called.
                        let reason = StopReason::BreakerOpen;
                        return Poll::Ready(Err(give_up(call, reason, this.last)));
                    }
                    this.state.set(attempting(call, this.op.next_attempt()));
                }
                StateProj::Attempting { attempt } => {
                    let verdict = match ready!(call.poll_attempt(attempt, cx, true)) {
                        Ok(Ok(value)) => {
                            call.on_success();
                            this.state.set(State::Idle);
                            return Poll::Ready(Ok(value));
                        }
                        Ok(Err(error)) => fail(call, this.classifier, this.last, error),
                        Err(timed_out) => call.fail_timed_out(timed_out),
                    };
                    match verdict {
                        Ok(()) => this.state.set(State::Waiting),
                        Err(reason) => {
                            this.state.set(State::Idle);
                            return Poll::Ready(Err(give_up(call, reason, this.last)));
                        }
                    }
                }
                StateProj::Hedging { hedged } => {
                    let mut next = NextEvent {
                        hedged,
                        next_attempt: || this.op.next_attempt(),
                        site: call.schedule().site(),
                        policy: call.schedule().policy_source(),
                    };
                    let verdict = match ready!(call.poll_attempt(Pin::new(&mut next), cx, true)) {
                        Ok(Event::Won(value)) => {
                            call.on_success();
                            this.state.set(State::Idle);
                            return Poll::Ready(Ok(value));
                        }
                        Ok(Event::Failed { error, in_flight }) => {
                            if in_flight && !matches!(this.classifier.classify(&error), Action::Die)
                            {
                                // Others may still win: no retry (and no wait) while they run.
                                *this.last = Some(error);
                                continue;
                            }
                            fail(call, this.classifier, this.last, error)
                        }
                        Err(timed_out) => call.fail_timed_out(timed_out),
                    };
                    match verdict {
                        Ok(()) => this.state.set(State::Waiting),
                        Err(reason) => {
                            this.state.set(State::Idle);
                            return Poll::Ready(Err(give_up(call, reason, this.last)));
                        }
                    }
                }
                StateProj::Waiting => {
                    ready!(call.poll_wait(cx));
                    let cancelled = EngineError::attempt_timeout();
                    let last: &dyn Debug = match this.last.as_ref() {
                        Some(error) => error,
                        // The last attempt was cut by `attempt_timeout`: it left no error value.
                        None => &cancelled,
                    };
                    if let Err(reason) = call.begin_retry(last) {
                        this.state.set(State::Idle);
                        return Poll::Ready(Err(give_up(call, reason, this.last)));
                    }
                    call.start_attempt();
                    this.state.set(attempting(call, this.op.next_attempt()));
                }
            }
        }
    }
}

/// The state that runs `attempt`: with hedges beside it when the call's policy hedges.
#[inline]
fn attempting<Fut>(call: &Call<'_>, attempt: Fut) -> State<Fut> {
    match call.schedule().policy().hedge() {
        None => State::Attempting { attempt },
        Some(options) => State::Hedging {
            hedged: Hedged::new(attempt, options),
        },
    }
}

/// Records a failed attempt and keeps its error; out of line so the happy path stays small.
#[cold]
#[inline(never)]
fn fail<E: Debug, C: Classify<E>>(
    call: &mut Call<'_>,
    classifier: &C,
    last: &mut Option<E>,
    error: E,
) -> Result<(), StopReason> {
    let verdict = call.fail(&error, |e| classifier.classify(e));
    *last = Some(error);
    verdict
}

#[cold]
fn give_up<E>(call: &Call<'_>, reason: StopReason, last: &mut Option<E>) -> RetryError<E> {
    let (attempts, elapsed) = call.progress();
    RetryError {
        reason,
        attempts,
        elapsed,
        last: last.take(),
    }
}

impl<Op, Fut, E, C> Debug for Retry<'_, Op, Fut, E, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Retry")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}
