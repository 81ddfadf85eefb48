//! Randomising waits so that many clients that failed together do not retry together.

use core::time::Duration;

use rand::Rng;

use crate::units::nanos;

/// How a nominal wait is randomised.
///
/// The default, [`Jitter::Equal`], only shortens a wait and never below half of it: the nominal
/// schedule stays the upper bound while clients spread out. [`Jitter::Decorrelated`] may
/// lengthen a wait, up to `max_wait`.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::Jitter;
///
/// let mut rng = rand::rng();
/// let nominal = Duration::from_secs(2);
/// let wait = Jitter::Equal.apply(nominal, Duration::ZERO, Duration::from_secs(5), &mut rng);
/// assert!(wait >= Duration::from_secs(1) && wait <= nominal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Jitter {
    /// The nominal wait exactly: clients in lockstep stay in lockstep.
    None,
    /// Uniform in `[0, nominal]`.
    Full,
    /// Uniform in `[nominal / 2, nominal]` (the default).
    #[default]
    Equal,
    /// Uniform in `[initial_wait, 3 × previous wait]`, capped at `max_wait`; ignores the nominal schedule.
    Decorrelated,
}

impl Jitter {
    /// The jitter a policy uses when none is given.
    pub const DEFAULT: Jitter = Jitter::Equal;

    /// Every jitter with its name, as `jitter = "..."` writes it (the attribute's own table is
    /// in the macro crate, which cannot read this one; `tests/control.rs` passes each name
    /// through the attribute).
    pub(crate) const NAMES: [(&'static str, Jitter); 4] = [
        ("none", Jitter::None),
        ("full", Jitter::Full),
        ("equal", Jitter::Equal),
        ("decorrelated", Jitter::Decorrelated),
    ];

    /// The jitter called `name`, as `jitter = "..."` writes it.
    ///
    /// ```
    /// use wait_or_die::Jitter;
    /// assert_eq!(Jitter::from_name("full"), Some(Jitter::Full));
    /// assert_eq!(Jitter::from_name("fill"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Jitter> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, j)| j)
    }

    /// The jitter's name, as `jitter = "..."` writes it.
    ///
    /// ```
    /// assert_eq!(wait_or_die::Jitter::Decorrelated.name(), "decorrelated");
    /// ```
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, j)| *j == self)
            .map_or("equal", |&(n, _)| n)
    }

    /// Randomises one wait.
    ///
    /// `nominal` is the schedule's wait for this retry, `previous` the wait actually used before
    /// (zero before the first), `max_wait` the cap. The result is always in `[0, max_wait]`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wait_or_die::Jitter;
    ///
    /// let mut rng = rand::rng();
    /// let d = Jitter::None.apply(Duration::from_secs(1), Duration::ZERO, Duration::from_secs(5), &mut rng);
    /// assert_eq!(d, Duration::from_secs(1));
    /// ```
    pub fn apply<R: Rng + ?Sized>(
        self,
        nominal: Duration,
        previous: Duration,
        max_wait: Duration,
        rng: &mut R,
    ) -> Duration {
        let nominal = nominal.min(max_wait);
        let picked = match self {
            Jitter::None => return nominal,
            Jitter::Full => uniform(rng, 0, nanos(nominal)),
            Jitter::Equal => {
                let n = nanos(nominal);
                uniform(rng, n - n / 2, n)
            }
            Jitter::Decorrelated => {
                // The schedule passes `initial_wait` as `nominal` here: the lower bound of AWS's formula.
                let low = nanos(nominal);
                let base = if previous.is_zero() {
                    nominal
                } else {
                    previous
                };
                let high = nanos(base).saturating_mul(3).max(low);
                uniform(rng, low, high)
            }
        };
        Duration::from_nanos(picked).min(max_wait)
    }
}

fn uniform<R: Rng + ?Sized>(rng: &mut R, low: u64, high: u64) -> u64 {
    if low >= high {
        low
    } else {
        rng.random_range(low..=high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::SmallRng, SeedableRng};

    const MAX: Duration = Duration::from_secs(5);

    #[test]
    fn every_jitter_has_one_name() {
        for (name, jitter) in Jitter::NAMES {
            assert_eq!(
                (Jitter::from_name(name), jitter.name()),
                (Some(jitter), name)
            );
        }
    }

    #[test]
    fn none_is_exact_and_capped() {
        let mut rng = SmallRng::seed_from_u64(1);
        let big = Duration::from_secs(100);
        assert_eq!(Jitter::None.apply(big, Duration::ZERO, MAX, &mut rng), MAX);
    }

    #[test]
    fn equal_stays_in_upper_half() {
        let mut rng = SmallRng::seed_from_u64(2);
        let nominal = Duration::from_secs(2);
        for _ in 0..1000 {
            let d = Jitter::Equal.apply(nominal, Duration::ZERO, MAX, &mut rng);
            assert!(d >= Duration::from_secs(1) && d <= nominal, "{d:?}");
        }
    }

    #[test]
    fn full_spreads_over_whole_range() {
        let mut rng = SmallRng::seed_from_u64(3);
        let nominal = Duration::from_secs(2);
        let waits: Vec<_> = (0..1000)
            .map(|_| Jitter::Full.apply(nominal, Duration::ZERO, MAX, &mut rng))
            .collect();
        assert!(waits.iter().all(|d| *d <= nominal));
        assert!(waits.iter().any(|d| *d < Duration::from_millis(500)));
        assert!(waits.iter().any(|d| *d > Duration::from_millis(1500)));
    }

    #[test]
    fn decorrelated_grows_from_previous_but_respects_cap() {
        let mut rng = SmallRng::seed_from_u64(4);
        let initial = Duration::from_millis(500);
        let prev = Duration::from_secs(1);
        for _ in 0..1000 {
            let d = Jitter::Decorrelated.apply(initial, prev, MAX, &mut rng);
            assert!(d >= initial && d <= Duration::from_secs(3), "{d:?}");
        }
        let huge = Duration::from_secs(1000);
        assert!(Jitter::Decorrelated.apply(initial, huge, MAX, &mut rng) <= MAX);
    }
}
