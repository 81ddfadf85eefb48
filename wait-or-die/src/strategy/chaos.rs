//! The fault-injection strategy (Polly's Simmy): per attempt, draws whether to fail it with an
//! injected [`EngineError`] or start it late, from the [`Chaos`] an operator set for the site.
//!
//! It is handed the site's chaos settings and name by the pipeline (`pipeline.rs`) and never
//! imports the site or `control`; the public face (`wait_or_die::chaos`) is `chaos.rs` at the
//! crate root.

mod point;

use core::future::Future;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use core::time::Duration;

use rand::Rng;

use crate::events::TARGET;
use crate::timer::Timer;
use crate::EngineError;

pub use point::{CannotInject, Inject, InjectError};

/// The faults to inject into one site's attempts.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::chaos::Chaos;
///
/// // A fifth of attempts fail; half start 50 ms late.
/// let chaos = Chaos::new().fail(0.2).latency(Duration::from_millis(50), 0.5);
/// assert_eq!((chaos.fail, chaos.latency_share), (0.2, 0.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Chaos {
    /// The share of attempts that fail with [`EngineError`], from 0 to 1.
    pub fail: f64,
    /// How late a delayed attempt starts.
    pub latency: Duration,
    /// The share of attempts that start `latency` late, from 0 to 1.
    pub latency_share: f64,
}

impl Chaos {
    /// No fault: nothing fails, and a latency once set applies to every attempt.
    ///
    /// ```
    /// let none = wait_or_die::chaos::Chaos::new();
    /// assert_eq!((none.fail, none.latency_share), (0.0, 1.0));
    /// ```
    pub const fn new() -> Self {
        Chaos {
            fail: 0.0,
            latency: Duration::ZERO,
            latency_share: 1.0,
        }
    }

    /// Makes `share` of the attempts (from 0 to 1) fail without running.
    ///
    /// See [`Chaos`] for an example.
    pub const fn fail(mut self, share: f64) -> Self {
        self.fail = share;
        self
    }

    /// Makes `share` of the attempts (from 0 to 1) start `latency` late.
    ///
    /// See [`Chaos`] for an example.
    pub const fn latency(mut self, latency: Duration, share: f64) -> Self {
        self.latency = latency;
        self.latency_share = share;
        self
    }

    /// The first share outside 0 to 1, by its setting's name, if any.
    pub(crate) fn invalid_share(&self) -> Option<(&'static str, f64)> {
        [("fail", self.fail), ("latency_share", self.latency_share)]
            .into_iter()
            .find(|(_, value)| !(0.0..=1.0).contains(value))
    }

    /// What to do to one attempt, drawn at random.
    fn draw(&self) -> Plan {
        crate::thread_rng::with_thread_rng(|rng| {
            let late = !self.latency.is_zero() && rng.random::<f64>() < self.latency_share;
            Plan {
                delay: if late { self.latency } else { Duration::ZERO },
                fail: rng.random::<f64>() < self.fail,
            }
        })
    }
}

impl Default for Chaos {
    fn default() -> Self {
        Chaos::new()
    }
}

/// What fault injection does to one attempt.
#[derive(Debug, Clone, Copy)]
struct Plan {
    delay: Duration,
    fail: bool,
}

/// The faults for the attempt of the site named `site` starting now under `chaos`; `None`
/// without chaos.
#[inline]
fn plan(chaos: Option<Chaos>, site: &'static str) -> Option<Plan> {
    let plan = chaos?.draw();
    if plan.fail || !plan.delay.is_zero() {
        tracing::debug!(target: TARGET, site = site, fail = plan.fail, delay_ms = crate::units::millis(plan.delay), "wait_or_die: chaos injected a fault");
    }
    Some(plan)
}

/// Waits out the latency picked for an async attempt of the site named `site` under `chaos`;
/// the fault if it must fail. The plan is drawn when this is called, by the attempt that
/// awaits it at once.
#[inline]
pub fn enter_async(chaos: Option<Chaos>, site: &'static str) -> Entering {
    match plan(chaos, site) {
        None => Entering {
            sleep: None,
            fail: false,
        },
        // Boxed, so that the timer's state does not enlarge every attempt's future: only an
        // attempt made late allocates.
        Some(plan) => Entering {
            sleep: (!plan.delay.is_zero()).then(|| Box::pin(Timer::after(plan.delay))),
            fail: plan.fail,
        },
    }
}

/// The start of an async attempt under chaos; see `enter_async`.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Entering {
    sleep: Option<Pin<Box<Timer>>>,
    fail: bool,
}

impl Future for Entering {
    type Output = Option<EngineError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EngineError>> {
        if let Some(sleep) = self.sleep.as_mut() {
            ready!(sleep.as_mut().poll(cx));
            self.sleep = None;
        }
        Poll::Ready(self.fail.then(EngineError::injected))
    }
}

/// Sleeps the latency picked for a blocking attempt of the site named `site` under `chaos`;
/// the fault if it must fail.
pub fn enter_blocking(chaos: Option<Chaos>, site: &'static str) -> Option<EngineError> {
    let plan = plan(chaos, site)?;
    if !plan.delay.is_zero() {
        std::thread::sleep(plan.delay);
    }
    plan.fail.then(EngineError::injected)
}
