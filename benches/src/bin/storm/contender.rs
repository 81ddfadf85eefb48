//! The retry strategies the storm compares, each a small [`Contender`] impl with the same retry
//! count and wait schedule: 3 retries, waits of 0.5 s, 1 s, 2 s (wait-or-die's defaults).
//!
//! Waits are not jittered, for any contender. wait-or-die draws its jitter from the thread's
//! random generator, which cannot be seeded, and the storm must print the same numbers on every
//! run; the peers keep the same schedule so that only the retry rules differ. The clients'
//! seeded Poisson arrivals keep retries from moving in lockstep.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use backon::Retryable;
use wait_or_die::stats::Site;
use wait_or_die::{retry, Jitter, Policy};

use crate::dependency::SimError;

/// One attempt in flight, at any layer.
pub type Attempt<'a> = Pin<Box<dyn Future<Output = Result<(), SimError>> + 'a>>;

/// Starts one attempt of the layer below.
pub type Op<'a> = Box<dyn Fn() -> Attempt<'a> + 'a>;

/// A retry strategy wrapped around each layer of a call.
pub trait Contender {
    /// Runs `op` under this strategy at `layer` (0 is the outermost).
    fn call<'a>(&'a self, layer: usize, op: Op<'a>) -> Attempt<'a>;
}

/// Retries after the first attempt, for every contender.
const RETRIES: usize = 3;
/// First wait; each next one doubles.
const INITIAL_WAIT: Duration = Duration::from_millis(500);
/// Longest wait (not reached with 3 retries).
const MAX_WAIT: Duration = Duration::from_secs(5);

/// wait-or-die's default policy, unjittered (see the module docs).
const DEFAULT_POLICY: Policy = Policy::DEFAULT
    .to_builder()
    .jitter(Jitter::None)
    .build_const();

/// The default policy plus a circuit breaker of each site's own, with the breaker's defaults
/// (`breaker = true`).
const BREAKER_POLICY: Policy = DEFAULT_POLICY.to_builder().breaker().build_const();

/// The default policy hedging at the site's learnt 95th percentile (`hedge_after = "p95"`,
/// one hedge).
const HEDGE_P95_POLICY: Policy = DEFAULT_POLICY
    .to_builder()
    .hedge_at_percentile(95.0)
    .build_const();

/// The default policy hedging 10 ms after an attempt started (`hedge_after = "10ms"`).
const HEDGE_FIXED_POLICY: Policy = DEFAULT_POLICY
    .to_builder()
    .hedge_after(Duration::from_millis(10))
    .build_const();

/// Every contender, in the order of the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NoRetries,
    WaitOrDie,
    WaitOrDieBreaker,
    WaitOrDieNoBudget,
    WaitOrDieHedgeP95,
    WaitOrDieHedgeFixed,
    Backon,
    TokioRetry,
}

impl Kind {
    /// The contenders, in table order.
    pub const ALL: [Kind; 6] = [
        Kind::NoRetries,
        Kind::WaitOrDie,
        Kind::WaitOrDieBreaker,
        Kind::WaitOrDieNoBudget,
        Kind::Backon,
        Kind::TokioRetry,
    ];

    /// The contenders of the tail scenario: the default, and the default with hedging.
    pub const TAIL: [Kind; 3] = [
        Kind::WaitOrDie,
        Kind::WaitOrDieHedgeP95,
        Kind::WaitOrDieHedgeFixed,
    ];

    /// The name in tables and plots.
    pub fn label(self) -> &'static str {
        match self {
            Kind::NoRetries => "no retries",
            Kind::WaitOrDie => "wait-or-die default",
            Kind::WaitOrDieBreaker => "wait-or-die default + breaker",
            Kind::WaitOrDieNoBudget => "wait-or-die, budget off",
            Kind::WaitOrDieHedgeP95 => "wait-or-die default + hedge_after = \"p95\"",
            Kind::WaitOrDieHedgeFixed => "wait-or-die default + hedge_after = \"10ms\"",
            Kind::Backon => "backon",
            Kind::TokioRetry => "tokio-retry",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Kind::NoRetries => "no_retries",
            Kind::WaitOrDie => "wait_or_die",
            Kind::WaitOrDieBreaker => "wait_or_die_breaker",
            Kind::WaitOrDieNoBudget => "wait_or_die_no_budget",
            Kind::WaitOrDieHedgeP95 => "wait_or_die_hedge_p95",
            Kind::WaitOrDieHedgeFixed => "wait_or_die_hedge_10ms",
            Kind::Backon => "backon",
            Kind::TokioRetry => "tokio_retry",
        }
    }

    /// The name of the site at `layer` in the run named `run` (for wait-or-die's contenders):
    /// a site's own breaker is listed under it in `wait_or_die::stats::breakers()`.
    pub fn site_name(self, run: &str, layer: usize) -> String {
        format!("storm::{run}::{}::layer{layer}", self.slug())
    }

    /// A fresh contender for one run named `run`, with `layers` nested retry layers.
    ///
    /// wait-or-die keeps per-site state (statistics and the retry budget) in its `Site`, so
    /// each run gets new sites, one per layer as three annotated functions would have, and no
    /// state leaks from one run into the next within this process.
    pub fn build(self, run: &str, layers: usize) -> Box<dyn Contender> {
        match self {
            Kind::NoRetries => Box::new(NoRetries),
            Kind::WaitOrDie => Box::new(WaitOrDie::new(DEFAULT_POLICY, self, run, layers)),
            Kind::WaitOrDieBreaker => Box::new(WaitOrDie::new(BREAKER_POLICY, self, run, layers)),
            Kind::WaitOrDieNoBudget => {
                Box::new(WaitOrDie::new(budget_off_policy(), self, run, layers))
            }
            Kind::WaitOrDieHedgeP95 => {
                Box::new(WaitOrDie::new(HEDGE_P95_POLICY, self, run, layers))
            }
            Kind::WaitOrDieHedgeFixed => {
                Box::new(WaitOrDie::new(HEDGE_FIXED_POLICY, self, run, layers))
            }
            Kind::Backon => Box::new(Backon),
            Kind::TokioRetry => Box::new(TokioRetry),
        }
    }
}

/// The one switch of the "budget off" contender: the default policy with its retry budget
/// turned off by `PolicyBuilder::no_budget()`.
fn budget_off_policy() -> Policy {
    DEFAULT_POLICY.to_builder().no_budget().build_const()
}

/// One attempt, never retried.
struct NoRetries;

impl Contender for NoRetries {
    fn call<'a>(&'a self, _layer: usize, op: Op<'a>) -> Attempt<'a> {
        Box::pin(async move { op().await })
    }
}

/// `wait_or_die::retry` with one site per layer.
struct WaitOrDie {
    policy: Policy,
    sites: Vec<&'static Site>,
}

impl WaitOrDie {
    fn new(policy: Policy, kind: Kind, run: &str, layers: usize) -> Self {
        let sites = (0..layers)
            .map(|layer| fresh_site(kind.site_name(run, layer)))
            .collect();
        WaitOrDie { policy, sites }
    }
}

/// A site that lives for the rest of the process, as a `static` would, but is new.
fn fresh_site(name: String) -> &'static Site {
    Box::leak(Box::new(Site::new(Box::leak(name.into_boxed_str()))))
}

impl Contender for WaitOrDie {
    fn call<'a>(&'a self, layer: usize, op: Op<'a>) -> Attempt<'a> {
        let site = self.sites[layer];
        Box::pin(async move {
            retry(&self.policy, op)
                .site(site)
                .await
                .map_err(|e| e.into_last_error().unwrap_or(SimError::Deadline))
        })
    }
}

/// backon's exponential backoff: 0.5 s doubling, 3 retries, no jitter.
struct Backon;

fn backon_backoff() -> backon::ExponentialBuilder {
    backon::ExponentialBuilder::default()
        .with_min_delay(INITIAL_WAIT)
        .with_max_delay(MAX_WAIT)
        .with_factor(2.0)
        .with_max_times(RETRIES)
}

impl Contender for Backon {
    fn call<'a>(&'a self, _layer: usize, op: Op<'a>) -> Attempt<'a> {
        Box::pin(op.retry(backon_backoff()))
    }
}

/// tokio-retry's exponential backoff: 0.5 s doubling, 3 retries, no jitter.
struct TokioRetry;

fn tokio_retry_waits() -> impl Iterator<Item = Duration> {
    // tokio-retry multiplies a power of `base` by `factor`: 2 × 250 ms, 4 × 250 ms, ...
    tokio_retry::strategy::ExponentialBackoff::from_millis(2)
        .factor(250)
        .max_delay(MAX_WAIT)
        .take(RETRIES)
}

impl Contender for TokioRetry {
    fn call<'a>(&'a self, _layer: usize, op: Op<'a>) -> Attempt<'a> {
        Box::pin(tokio_retry::Retry::start(tokio_retry_waits(), op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use backon::BackoffBuilder;

    fn secs(waits: impl Iterator<Item = Duration>) -> Vec<f64> {
        waits.map(|w| w.as_secs_f64()).collect()
    }

    #[test]
    fn every_contender_waits_the_same_schedule() {
        let expected = [0.5, 1.0, 2.0];
        assert_eq!(secs(wait_or_die::Backoff::new(&DEFAULT_POLICY)), expected);
        assert_eq!(
            secs(wait_or_die::Backoff::new(&budget_off_policy())),
            expected
        );
        assert_eq!(secs(wait_or_die::Backoff::new(&BREAKER_POLICY)), expected);
        assert_eq!(secs(backon_backoff().build()), expected);
        assert_eq!(secs(tokio_retry_waits()), expected);
    }
}
