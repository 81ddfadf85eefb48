//! Property tests: no hint, policy or attempt number makes either engine panic. Durations range
//! up to `Duration::MAX`; hints come from servers (`Retry-After`), so a server must not be able
//! to crash its client.

use std::cell::Cell;
use std::time::{Duration, Instant as StdInstant};

use proptest::prelude::*;
use wait_or_die::{retry, retry_blocking, Action, Clock, Policy};

/// A duration anywhere from zero to `Duration::MAX`, edges included.
fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::MAX),
        Just(Duration::from_secs(u64::MAX)),
        (0u64..=u64::MAX, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..=100_000_000_000).prop_map(Duration::from_nanos),
    ]
}

#[path = "support/strategies.rs"]
mod strategies;
use strategies::jitter;

fn policy() -> impl Strategy<Value = Policy> {
    (
        (any_duration(), any_duration(), 1.0f64..=1e6, jitter()),
        (
            prop::option::of(any_duration()),
            prop::option::of(any_duration()),
        ),
        0u32..6,
    )
        .prop_filter_map(
            "a valid policy",
            |((a, b, multiplier, jitter), (timeout, attempt_timeout), retries)| {
                let mut builder = Policy::builder()
                    .max_retries(retries)
                    .initial_wait(a.min(b))
                    .max_wait(a.max(b))
                    .multiplier(multiplier)
                    .jitter(jitter);
                builder = match timeout {
                    Some(t) => builder.timeout(t),
                    None => builder.no_timeout(),
                };
                if let Some(t) = attempt_timeout {
                    builder = builder.attempt_timeout(t);
                }
                builder.build().ok()
            },
        )
}

/// A clock that moves only when slept on, saturating at the end of its range.
struct FakeClock {
    start: StdInstant,
    offset: Cell<Duration>,
}

impl Clock for FakeClock {
    fn now(&self) -> StdInstant {
        self.start
            .checked_add(self.offset.get())
            .unwrap_or(self.start + Duration::from_secs(86_400 * 365 * 100))
    }
    fn sleep(&self, d: Duration) {
        self.offset.set(self.offset.get().saturating_add(d));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_async_engine_never_panics(policy in policy(), hint in any_duration(), pending in any::<bool>()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let call = retry(&policy, || async move {
                if pending {
                    tokio::task::yield_now().await;
                }
                Err::<(), _>(std::io::Error::from(std::io::ErrorKind::ConnectionReset))
            })
            .classify(|_: &std::io::Error| Action::RetryAfter(hint));
            // A policy without a budget may wait for ever, as asked; a year is enough to see.
            let _ = tokio::time::timeout(Duration::from_secs(86_400 * 365), call).await;
        });
    }

    #[test]
    fn the_blocking_engine_never_panics(policy in policy(), hint in any_duration()) {
        let clock = FakeClock { start: StdInstant::now(), offset: Cell::new(Duration::ZERO) };
        let result = retry_blocking(&policy, || Err::<(), _>("busy"))
            .classify(|_: &&str| Action::RetryAfter(hint))
            .clock(&clock)
            .call();
        prop_assert!(result.is_err());
    }
}
