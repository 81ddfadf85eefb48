//! Fault injection, to rehearse a dependency's degradation: per site, make a share of attempts
//! fail with an [`Injected`] error, or start late (Polly's Simmy is the model).
//!
//! Chaos is set per site like any override, with [`control::set`](crate::control::set) or in
//! the configuration file (`[sites."name".chaos]`), and applies to the attempts that start after
//! it. An attempt picked to run late waits `latency` first, inside the attempt, so the call's
//! `timeout` and `attempt_timeout` bound it as they would a slow dependency; an attempt picked
//! to fail does not run, and returns `Injected` converted into the function's error type.
//!
//! ```
//! use std::time::Duration;
//! use wait_or_die::{chaos::Chaos, control::{self, Override}, wait_or_die};
//!
//! #[wait_or_die(name = "docs.chaos.quotes", max_retries = 2, initial_wait = 0)]
//! fn quote() -> std::io::Result<f64> {
//!     Ok(1.0842)
//! }
//!
//! control::set("docs.chaos.quotes", Override::new().chaos(Chaos::new().fail(1.0)))?;
//! let err = quote().unwrap_err();
//! assert!(err.to_string().contains("injected fault"));
//! control::clear("docs.chaos.quotes")?;
//! assert_eq!(quote().unwrap(), 1.0842);
//! # Ok::<(), control::ControlError>(())
//! ```
//!
//! # Where it applies
//! Every `#[wait_or_die]` function, async or blocking. An error type without
//! `From<Injected>` cannot carry an injected failure: its attempts get the latency only, and a
//! WARN says so once per site (so turning the feature on never breaks a build). With the
//! engine's own API, wrap each attempt: [`attempt`] for [`retry`](crate::retry),
//! [`attempt_blocking`] for [`retry_blocking`](crate::retry_blocking).
//!
//! # What it costs
//! Without the feature, nothing: the attribute's hook expands to no code. With it, an attempt
//! of a site with no chaos set pays one relaxed load (the site's override pointer, the same one
//! `control` uses) and its future holds two more words; an attempt made late allocates its
//! timer.

#[cfg(feature = "config")]
pub(crate) mod config;
mod point;

use core::future::Future;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use core::time::Duration;

use rand::Rng;

use crate::control::ControlError;
use crate::events::TARGET;
use crate::injected::Injected;
use crate::stats::Site;
use crate::timer::Timer;

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
    /// The share of attempts that fail with [`Injected`], from 0 to 1.
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

    /// Refuses a share outside 0 to 1.
    pub(crate) fn check(&self, site: &str) -> Result<(), ControlError> {
        for (setting, value) in [("fail", self.fail), ("latency_share", self.latency_share)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ControlError::InvalidShare {
                    site: site.to_owned(),
                    setting,
                    value,
                });
            }
        }
        Ok(())
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

/// The faults for the attempt of `site` starting now; `None` (one relaxed load) without chaos.
#[inline]
fn plan(site: &Site) -> Option<Plan> {
    let chaos = site.control()?.settings.chaos?;
    let plan = chaos.draw();
    if plan.fail || !plan.delay.is_zero() {
        tracing::debug!(target: TARGET, site = site.name(), fail = plan.fail, delay_ms = crate::units::millis(plan.delay), "wait_or_die: chaos injected a fault");
    }
    Some(plan)
}

/// Runs an async attempt of `site` under its chaos: late, or failed without running.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{chaos::{self, Chaos}, control::{self, Override}, register_site, retry, stats::Site, Policy};
///
/// static FEED: Site = Site::new("docs.chaos.feed");
/// register_site!(FEED);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// control::set("docs.chaos.feed", Override::new().chaos(Chaos::new().fail(1.0)))?;
/// let policy = Policy::builder().max_retries(1).initial_wait(Duration::ZERO).build()?;
/// let got = retry(&policy, || chaos::attempt(&FEED, async { Ok::<_, std::io::Error>(7) }))
///     .site(&FEED)
///     .await;
/// assert_eq!(got.unwrap_err().attempts(), 2);
/// # Ok(())
/// # }
/// ```
pub async fn attempt<Fut, T, E>(site: &'static Site, attempt: Fut) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
    E: From<Injected>,
{
    if let Some(injected) = enter_async(site).await {
        return Err(E::from(injected));
    }
    attempt.await
}

/// Runs a blocking attempt of `site` under its chaos: late (the thread sleeps), or failed
/// without running.
///
/// ```
/// use wait_or_die::{chaos::{self, Chaos}, control::{self, Override}, register_site, retry_blocking, stats::Site, Policy};
///
/// static DISK: Site = Site::new("docs.chaos.disk");
/// register_site!(DISK);
/// control::set("docs.chaos.disk", Override::new().chaos(Chaos::new().fail(1.0)))?;
/// let policy = Policy::builder().max_retries(0).build()?;
/// let got = retry_blocking(&policy, || chaos::attempt_blocking(&DISK, || Ok::<_, std::io::Error>(7))).call();
/// assert!(got.is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn attempt_blocking<T, E: From<Injected>>(
    site: &'static Site,
    attempt: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    match enter_blocking(site) {
        Some(injected) => Err(E::from(injected)),
        None => attempt(),
    }
}

/// Waits out the latency picked for an async attempt of `site`; the fault if it must fail.
/// The plan is drawn when this is called, by the attempt that awaits it at once.
#[doc(hidden)]
pub fn enter_async(site: &'static Site) -> Entering {
    match plan(site) {
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

/// The start of an async attempt under chaos; see [`enter_async`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Entering {
    sleep: Option<Pin<Box<Timer>>>,
    fail: bool,
}

impl Future for Entering {
    type Output = Option<Injected>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Injected>> {
        if let Some(sleep) = self.sleep.as_mut() {
            ready!(sleep.as_mut().poll(cx));
            self.sleep = None;
        }
        Poll::Ready(self.fail.then(Injected::new))
    }
}

/// Sleeps the latency picked for a blocking attempt of `site`; the fault if it must fail.
#[doc(hidden)]
pub fn enter_blocking(site: &'static Site) -> Option<Injected> {
    let plan = plan(site)?;
    if !plan.delay.is_zero() {
        std::thread::sleep(plan.delay);
    }
    plan.fail.then(Injected::new)
}
