//! Property tests: every wait lies in `[0, max_wait]` for every jitter mode, attempt number and
//! multiplier, including waits of zero and absurd growth.

use std::time::Duration;

use proptest::prelude::*;
use rand::{rngs::SmallRng, SeedableRng};
use wait_or_die::{Backoff, Jitter, Policy};

#[path = "support/strategies.rs"]
mod strategies;
use strategies::jitter;

fn policy() -> impl Strategy<Value = Policy> {
    (
        0u64..=10_000_000_000,
        0u64..=100_000_000_000,
        1.0f64..=1000.0,
        any::<bool>(),
        jitter(),
    )
        .prop_map(|(initial, extra, multiplier, constant, jitter)| {
            let b = Policy::builder()
                .max_retries(u32::MAX)
                .initial_wait(Duration::from_nanos(initial))
                .max_wait(Duration::from_nanos(initial + extra))
                .multiplier(multiplier)
                .jitter(jitter);
            if constant { b.constant() } else { b }.build().unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_wait_is_within_zero_and_max_wait(policy in policy(), seed in any::<u64>()) {
        let backoff = Backoff::with_rng(&policy, SmallRng::seed_from_u64(seed));
        for wait in backoff.take(64) {
            prop_assert!(wait <= policy.max_wait());
        }
    }

    #[test]
    fn waits_at_attempt_a_million_are_bounded(policy in policy(), seed in any::<u64>()) {
        let mut backoff = Backoff::with_rng(&policy, SmallRng::seed_from_u64(seed));
        let wait = backoff.nth(1_000_000).unwrap();
        prop_assert!(wait <= policy.max_wait());
    }

    #[test]
    fn shortening_jitter_never_exceeds_the_nominal_schedule(
        policy in policy().prop_filter("not decorrelated", |p| p.jitter() != Jitter::Decorrelated),
        seed in any::<u64>(),
    ) {
        let exact = policy.to_builder().jitter(Jitter::None).build().unwrap();
        let nominal = Backoff::with_rng(&exact, SmallRng::seed_from_u64(0)).take(64);
        let jittered = Backoff::with_rng(&policy, SmallRng::seed_from_u64(seed)).take(64);
        for (wait, nominal) in jittered.zip(nominal) {
            prop_assert!(wait <= nominal, "{:?} > {:?}", wait, nominal);
        }
    }
}
