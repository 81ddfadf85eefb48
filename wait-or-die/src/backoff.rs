//! The sequence of waits of a policy, as a plain iterator that needs no clock.

use core::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::jitter::Jitter;
use crate::policy::{Growth, Policy};
use crate::units::nanos;

/// Exponents past this are capped anyway for any multiplier > 1; it keeps `powi` in range.
const MAX_EXPONENT: u32 = 4096;

/// The waits of a [`Policy`], one per retry, jittered: `max_retries` items, each in `[0, max_wait]`.
///
/// The engine draws its waits from the same functions; this iterator lets you inspect a schedule
/// or drive a hand-written loop.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{Backoff, Jitter, Policy};
///
/// let seed = Policy::builder()
///     .max_retries(5)
///     .initial_wait(Duration::from_millis(500))
///     .max_wait(Duration::from_secs(5))
///     .jitter(Jitter::None)
///     .build()?;
/// let waits: Vec<_> = Backoff::new(&seed).map(|d| d.as_millis()).collect();
/// assert_eq!(waits, [500, 1000, 2000, 4000, 5000]);
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Backoff<R = SmallRng> {
    policy: Policy,
    retry: u32,
    previous: Duration,
    rng: R,
}

impl Backoff<SmallRng> {
    /// The schedule of `policy`, jittered with a generator seeded afresh (a different sequence
    /// each time).
    ///
    /// ```
    /// let waits = wait_or_die::Backoff::new(&wait_or_die::Policy::DEFAULT).count();
    /// assert_eq!(waits, 3);
    /// ```
    pub fn new(policy: &Policy) -> Self {
        Self::with_rng(
            policy,
            SmallRng::seed_from_u64(crate::thread_rng::fresh_seed()),
        )
    }
}

impl<R: Rng> Backoff<R> {
    /// The schedule of `policy`, jittered with `rng` (seed it for a repeatable sequence).
    ///
    /// ```
    /// use rand::{rngs::SmallRng, SeedableRng};
    /// use wait_or_die::{Backoff, Policy};
    ///
    /// let a: Vec<_> = Backoff::with_rng(&Policy::DEFAULT, SmallRng::seed_from_u64(7)).collect();
    /// let b: Vec<_> = Backoff::with_rng(&Policy::DEFAULT, SmallRng::seed_from_u64(7)).collect();
    /// assert_eq!(a, b);
    /// ```
    pub fn with_rng(policy: &Policy, rng: R) -> Self {
        Backoff {
            policy: *policy,
            retry: 0,
            previous: Duration::ZERO,
            rng,
        }
    }
}

impl<R: Rng> Iterator for Backoff<R> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.retry >= self.policy.max_retries {
            return None;
        }
        self.retry += 1;
        let wait = next_wait(&self.policy, self.retry, self.previous, &mut self.rng);
        self.previous = wait;
        Some(wait)
    }

    fn nth(&mut self, n: usize) -> Option<Duration> {
        // Only decorrelated jitter depends on the previous wait; the others can jump ahead.
        if self.policy.jitter != Jitter::Decorrelated {
            let skip = u32::try_from(n).unwrap_or(u32::MAX);
            self.retry = self.retry.saturating_add(skip).min(self.policy.max_retries);
        } else {
            for _ in 0..n {
                self.next()?;
            }
        }
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.policy.max_retries - self.retry) as usize;
        (left, Some(left))
    }
}

impl<R: Rng> ExactSizeIterator for Backoff<R> {}

/// The wait before retry number `retry` (1-based), given the wait used before it.
pub(crate) fn next_wait<R: Rng + ?Sized>(
    policy: &Policy,
    retry: u32,
    previous: Duration,
    rng: &mut R,
) -> Duration {
    let base = match policy.jitter {
        // Decorrelated jitter draws around the previous wait, starting from `initial_wait`.
        Jitter::Decorrelated => policy.initial_wait,
        _ => nominal_wait(policy, retry),
    };
    policy.jitter.apply(base, previous, policy.max_wait, rng)
}

/// The un-jittered wait before retry number `retry` (1-based), capped at `max_wait`.
///
/// Computed in floating point so that no multiplier or attempt number overflows; anything not
/// below the cap (including infinity) is the cap.
pub(crate) fn nominal_wait(policy: &Policy, retry: u32) -> Duration {
    let initial = nanos(policy.initial_wait);
    let cap = nanos(policy.max_wait);
    if initial == 0 {
        return Duration::ZERO;
    }
    let exponent = match policy.growth {
        Growth::Constant => 0,
        Growth::Exponential => retry.saturating_sub(1).min(MAX_EXPONENT),
    };
    let wait = initial as f64 * policy.multiplier.powi(exponent as i32);
    if wait < cap as f64 {
        Duration::from_nanos(wait as u64)
    } else {
        Duration::from_nanos(cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(initial_ms: u64, max_ms: u64) -> Policy {
        Policy::builder()
            .max_retries(10)
            .initial_wait(Duration::from_millis(initial_ms))
            .max_wait(Duration::from_millis(max_ms))
            .jitter(Jitter::None)
            .build()
            .unwrap()
    }

    #[test]
    fn seed_schedule_doubles_then_caps() {
        let waits: Vec<u128> = Backoff::new(&policy(500, 5000))
            .map(|d| d.as_millis())
            .collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000]
        );
    }

    #[test]
    fn constant_growth_repeats_initial() {
        let mut p = policy(300, 5000);
        p.growth = Growth::Constant;
        assert!(Backoff::new(&p).all(|d| d == Duration::from_millis(300)));
    }

    #[test]
    fn huge_attempt_numbers_stay_capped() {
        let mut p = policy(500, 5000);
        p.multiplier = 1000.0;
        for retry in [1_000_000, u32::MAX] {
            assert_eq!(nominal_wait(&p, retry), Duration::from_secs(5));
        }
    }

    #[test]
    fn zero_waits_stay_zero() {
        let p = policy(0, 0);
        assert!(Backoff::new(&p).all(|d| d.is_zero()));
    }

    #[test]
    fn nth_jumps_to_the_same_wait_as_iterating() {
        let p = policy(500, 5000);
        let mut stepped = Backoff::new(&p);
        let third = stepped.by_ref().take(3).last();
        assert_eq!(Backoff::new(&p).nth(2), third);
        assert_eq!(Backoff::new(&p).nth(10), None);
    }

    #[test]
    fn yields_one_wait_per_retry() {
        assert_eq!(Backoff::new(&policy(1, 2)).len(), 10);
    }
}
