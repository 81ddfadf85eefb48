//! The operations and policies every benchmark shares, so that each crate retries the same call.
//!
//! Each peer is configured as closely as it allows to the seed's socket policy: 10 retries,
//! waits from 0.5 s doubling up to 5 s. Only wait-or-die and `tokio::time::timeout` enforce the
//! 30 s total budget; the peers have no such setting.

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use wait_or_die::stats::Site;
use wait_or_die::{retry, wait_or_die, Policy, RetryError};

/// Retries of the seed's socket policy.
pub const MAX_RETRIES: usize = 10;
/// First wait of the seed's socket policy.
pub const INITIAL_WAIT: Duration = Duration::from_millis(500);
/// Longest wait of the seed's socket policy.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// Total budget of the seed's socket policy.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The bare operation: one async call that succeeds at once.
#[inline(never)]
pub async fn op() -> Result<u64, io::Error> {
    Ok(black_box(1))
}

/// The bare blocking operation.
#[inline(never)]
pub fn op_blocking() -> Result<u64, io::Error> {
    Ok(black_box(1))
}

/// A future that is Pending on its first poll and ready on the second: one trip through the
/// scheduler, as an attempt that waits on I/O makes at least once.
///
/// It wakes itself before returning Pending, so it costs one reschedule and no timer or I/O
/// driver, and always exactly one (unlike `tokio::task::yield_now`, which defers its wake to
/// the runtime's next park).
#[derive(Debug, Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The bare operation of the realistic happy path: Pending once, then `Ok`.
#[inline(never)]
pub async fn op_pending() -> Result<u64, io::Error> {
    YieldOnce::default().await;
    Ok(black_box(1))
}

/// The seed's full annotation.
#[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
pub async fn seed_annotated() -> Result<u64, io::Error> {
    op().await
}

/// The seed's annotation without a total budget.
#[wait_or_die(timeout = "none", max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
pub async fn seed_annotated_no_timeout() -> Result<u64, io::Error> {
    op().await
}

/// The seed's full annotation around an attempt that is Pending once.
#[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
pub async fn seed_annotated_pending() -> Result<u64, io::Error> {
    op_pending().await
}

/// The seed's annotation without a total budget, around an attempt that is Pending once.
#[wait_or_die(timeout = "none", max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
pub async fn seed_annotated_pending_no_timeout() -> Result<u64, io::Error> {
    op_pending().await
}

/// The seed's blocking annotation.
#[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
pub fn seed_annotated_blocking() -> Result<u64, io::Error> {
    op_blocking()
}

/// The seed's policy as a value, for the engine's own API.
pub const SEED_POLICY: Policy = Policy::builder()
    .timeout(TIMEOUT)
    .max_retries(MAX_RETRIES as u32)
    .initial_wait(INITIAL_WAIT)
    .max_wait(MAX_WAIT)
    .build_const();

/// The seed's policy with a circuit breaker of the site's own (`breaker = true`), closed
/// throughout a happy path: the rows with it cost the breaker's check and record.
pub const SEED_BREAKER_POLICY: Policy = SEED_POLICY.to_builder().breaker().build_const();

/// The site of [`seed_engine_pending`].
pub static SEED_ENGINE_SITE: Site = Site::new("benches::seed_engine_pending");
/// The site of [`seed_breaker_pending`]: it holds the breaker.
pub static SEED_BREAKER_SITE: Site = Site::new("benches::seed_breaker_pending");

/// The seed's policy through the engine's API, on a named site, around an attempt that is
/// Pending once: the reference of [`seed_breaker_pending`].
pub async fn seed_engine_pending() -> Result<u64, RetryError<io::Error>> {
    retry(&SEED_POLICY, op_pending)
        .site(&SEED_ENGINE_SITE)
        .await
}

/// [`seed_engine_pending`] with a closed circuit breaker.
pub async fn seed_breaker_pending() -> Result<u64, RetryError<io::Error>> {
    retry(&SEED_BREAKER_POLICY, op_pending)
        .site(&SEED_BREAKER_SITE)
        .await
}

/// backon's exponential builder with the seed's numbers and jitter.
pub fn backon_builder() -> backon::ExponentialBuilder {
    backon::ExponentialBuilder::default()
        .with_min_delay(INITIAL_WAIT)
        .with_max_delay(MAX_WAIT)
        .with_max_times(MAX_RETRIES)
        .with_jitter()
}

/// tokio-retry's strategy with the seed's numbers (it counts delays in factors of a base).
pub fn tokio_retry_strategy() -> impl Iterator<Item = Duration> {
    tokio_retry::strategy::ExponentialBackoff::from_millis(2)
        .factor(250)
        .max_delay(MAX_WAIT)
        .map(tokio_retry::strategy::jitter)
        .take(MAX_RETRIES)
}

/// backoff's exponential backoff with the seed's numbers (it bounds elapsed time, not retries).
pub fn backoff_policy() -> backoff::ExponentialBackoff {
    backoff::ExponentialBackoffBuilder::new()
        .with_initial_interval(INITIAL_WAIT)
        .with_max_interval(MAX_WAIT)
        .with_multiplier(2.0)
        .with_max_elapsed_time(Some(TIMEOUT))
        .build()
}

/// tryhard's retry configuration with the seed's numbers.
pub fn tryhard_config(
) -> tryhard::RetryFutureConfig<tryhard::backoff_strategies::ExponentialBackoff, tryhard::NoOnRetry>
{
    tryhard::RetryFutureConfig::new(MAX_RETRIES as u32)
        .exponential_backoff(INITIAL_WAIT)
        .max_delay(MAX_WAIT)
}
