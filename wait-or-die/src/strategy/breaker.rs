//! The circuit breaker at run time: refuses attempts while the dependency is known dead, lets
//! a few probes through after the open period, and closes on a probe that succeeds (Polly v8's
//! `CircuitBreaker/` state machine, resilience4j's failure-rate window).
//!
//! Only failures the site would retry are counted ([`Outcome::Failed`]); a permanent error, a
//! `retry_if` "die" and a cancelled call are not. A closed breaker costs an attempt one relaxed
//! load of its state and a success nothing at all: the attempts it needs come from the site
//! counters every call already writes to a slot of its thread's own, and its window
//! (`window.rs`) is sampled only when a failure is recorded. Every other transition takes the
//! breaker's lock, off the success path.
//!
//! Handed its state by the pipeline, it never names the site, the retry loop or another strategy.

mod registry;
mod window;

pub(crate) use registry::{all, named, register, SharedBreaker};

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::events::TARGET;
use crate::policy::BreakerPolicy;
use window::Window;

/// The state of a breaker, as the metrics export it (`wait_or_die_breaker_state`).
///
/// ```
/// use wait_or_die::stats::BreakerState;
/// assert_eq!(BreakerState::Open.as_str(), "open");
/// assert_eq!(BreakerState::HalfOpen as u8, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BreakerState {
    /// Attempts run; failures are counted.
    Closed = 0,
    /// Attempts are refused until the open period ends.
    Open = 1,
    /// Only probes run; the first that succeeds closes it, one that fails opens it again.
    HalfOpen = 2,
}

impl BreakerState {
    /// The state as a stable lowercase word.
    ///
    /// ```
    /// assert_eq!(wait_or_die::stats::BreakerState::HalfOpen.as_str(), "half_open");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }

    const fn from_u8(raw: u8) -> Self {
        match raw {
            1 => BreakerState::Open,
            2 => BreakerState::HalfOpen,
            _ => BreakerState::Closed,
        }
    }
}

/// What an operator forces a breaker to, by name (see [`control::force_breaker`](crate::control::force_breaker)).
///
/// ```
/// use wait_or_die::control::Forced;
/// assert_ne!(Forced::Open, Forced::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Forced {
    /// Refuse every call until released.
    Open,
    /// Run every call and count nothing until released.
    Closed,
}

/// One circuit breaker at one moment, for operators.
///
/// ```
/// for b in wait_or_die::stats::breakers() {
///     println!("{} {} opened={} refused={}", b.name, b.state.as_str(), b.opened, b.refused);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerStats {
    /// The shared name (`breaker = "NAME"`), or the site's name for a site's own breaker.
    pub name: &'static str,
    /// Its state now.
    pub state: BreakerState,
    /// What an operator forced it to, if anything.
    pub forced: Option<Forced>,
    /// Times it opened (including reopening after a failed probe).
    pub opened: u64,
    /// Times it closed after a probe succeeded (or an operator released it).
    pub closed: u64,
    /// Attempts it refused (first attempts and retries).
    pub refused: u64,
}

/// Whether an attempt may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// The breaker is closed: run it.
    Run,
    /// The breaker is half-open and this attempt is one of its probes: run it, report its outcome.
    Probe,
    /// The breaker is open, or half-open with every probe out: do not run it.
    Refused,
}

/// How an attempt ended, as the breaker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded,
    /// A failure the site would retry: counted.
    Failed,
    /// A permanent error, a "die", or a call dropped mid-attempt: not counted.
    Ignored,
}

/// One breaker: the site's own, or one shared by name.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    name: &'static str,
    /// A [`BreakerState`]: the one load a closed breaker costs an attempt.
    state: AtomicU8,
    inner: Mutex<Inner>,
    opened: AtomicU64,
    closed: AtomicU64,
    refused: AtomicU64,
    /// Listed in the registry (a site's own breaker is listed on first need).
    listed: AtomicBool,
}

#[derive(Debug)]
struct Inner {
    window: Window,
    /// Counted failures so far.
    failures: u64,
    /// When it last opened.
    opened_at: Option<Instant>,
    /// Probes admitted and not yet reported, while half-open.
    probes_out: u32,
    forced: Option<Forced>,
}

impl CircuitBreaker {
    pub(crate) const fn new(name: &'static str) -> Self {
        CircuitBreaker {
            name,
            state: AtomicU8::new(BreakerState::Closed as u8),
            inner: Mutex::new(Inner {
                window: Window::new(),
                failures: 0,
                opened_at: None,
                probes_out: 0,
                forced: None,
            }),
            opened: AtomicU64::new(0),
            closed: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            listed: AtomicBool::new(false),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state now (an open breaker whose period is over reads open until an attempt asks).
    pub(crate) fn state(&self) -> BreakerState {
        BreakerState::from_u8(self.state.load(Relaxed))
    }

    /// A copy of its state and counts now.
    pub(crate) fn snapshot(&self) -> BreakerStats {
        let get = |c: &AtomicU64| c.load(Relaxed);
        BreakerStats {
            name: self.name,
            state: self.state(),
            forced: self.forced(),
            opened: get(&self.opened),
            closed: get(&self.closed),
            refused: get(&self.refused),
        }
    }

    /// Whether an attempt may run at the time `now` gives (read only when the breaker is not closed).
    #[inline]
    pub(crate) fn admit(&self, policy: &BreakerPolicy, now: impl FnOnce() -> Instant) -> Admission {
        if self.state.load(Relaxed) == BreakerState::Closed as u8 {
            return Admission::Run;
        }
        self.admit_slow(policy, now())
    }

    #[cold]
    fn admit_slow(&self, policy: &BreakerPolicy, now: Instant) -> Admission {
        let mut inner = self.lock();
        let admission = match (inner.forced, self.state()) {
            (Some(Forced::Open), _) => Admission::Refused,
            (Some(Forced::Closed), _) | (None, BreakerState::Closed) => Admission::Run,
            (None, BreakerState::Open) => {
                let over = inner.opened_at.is_none_or(|at| {
                    now.saturating_duration_since(at) >= policy.open_for
                        || at.saturating_duration_since(now) > policy.open_for
                });
                if over {
                    self.set(BreakerState::HalfOpen);
                    inner.probes_out = 1;
                    Admission::Probe
                } else {
                    Admission::Refused
                }
            }
            (None, BreakerState::HalfOpen) if inner.probes_out < policy.probes => {
                inner.probes_out += 1;
                Admission::Probe
            }
            (None, BreakerState::HalfOpen) => Admission::Refused,
        };
        if admission == Admission::Refused {
            self.refused.fetch_add(1, Relaxed);
        }
        admission
    }

    /// Records how an attempt ended. `attempts` reads the attempts run so far by the sites
    /// counted into this breaker; it is asked only for a failure of a closed breaker.
    #[inline]
    pub(crate) fn record(
        &self,
        policy: &BreakerPolicy,
        outcome: Outcome,
        probe: bool,
        now: Instant,
        attempts: impl FnOnce() -> u64,
    ) {
        if outcome == Outcome::Succeeded && !probe {
            return;
        }
        self.record_slow(policy, outcome, probe, now, attempts);
    }

    #[cold]
    fn record_slow(
        &self,
        policy: &BreakerPolicy,
        outcome: Outcome,
        probe: bool,
        now: Instant,
        attempts: impl FnOnce() -> u64,
    ) {
        let mut inner = self.lock();
        if probe {
            inner.probes_out = inner.probes_out.saturating_sub(1);
        }
        if inner.forced.is_some() {
            return;
        }
        match (outcome, self.state()) {
            (Outcome::Succeeded, BreakerState::HalfOpen) if probe => self.close(&mut inner),
            (Outcome::Failed, BreakerState::HalfOpen) => self.open(&mut inner, now, None),
            (Outcome::Failed, BreakerState::Closed) => {
                inner.failures += 1;
                let failures = inner.failures;
                let (seen, failed) = inner
                    .window
                    .record(policy.window, now, attempts(), failures);
                let tripped = seen >= u64::from(policy.min_calls)
                    && failed as f64 >= policy.failure_ratio * seen as f64;
                if tripped {
                    self.open(&mut inner, now, Some((seen, failed)));
                }
            }
            _ => {}
        }
    }

    fn set(&self, state: BreakerState) {
        self.state.store(state as u8, Relaxed);
    }

    fn open(&self, inner: &mut Inner, now: Instant, counts: Option<(u64, u64)>) {
        inner.opened_at = Some(now);
        inner.probes_out = 0;
        self.set(BreakerState::Open);
        self.opened.fetch_add(1, Relaxed);
        let (attempts, failures) = counts.unwrap_or((1, 1));
        tracing::warn!(
            target: TARGET,
            breaker = self.name,
            attempts,
            failures,
            "wait_or_die: circuit breaker opened, calls are refused at once"
        );
    }

    fn close(&self, inner: &mut Inner) {
        inner.window.clear();
        inner.probes_out = 0;
        self.set(BreakerState::Closed);
        self.closed.fetch_add(1, Relaxed);
        tracing::info!(
            target: TARGET,
            breaker = self.name,
            "wait_or_die: circuit breaker closed, calls run again"
        );
    }

    /// Forces the breaker open or closed, or (`None`) back to its own rules, closed.
    pub(crate) fn force(&self, forced: Option<Forced>, now: Instant) {
        let mut inner = self.lock();
        inner.forced = forced;
        match forced {
            Some(Forced::Open) => {
                if self.state() != BreakerState::Open {
                    self.open(&mut inner, now, None);
                }
            }
            _ if self.state() != BreakerState::Closed => self.close(&mut inner),
            _ => inner.window.clear(),
        }
        // A forced-closed breaker must not take the slow path; a forced-open one must.
        if forced == Some(Forced::Closed) {
            self.set(BreakerState::Closed);
        }
    }

    /// What an operator forced it to, if anything.
    pub(crate) fn forced(&self) -> Option<Forced> {
        self.lock().forced
    }
}

#[cfg(test)]
mod tests;
