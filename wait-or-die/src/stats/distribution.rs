//! How the calls of a site that did not succeed at once ended: the attempt at which a call
//! recovered and the time it took, and the attempts and time of the calls that died, by stop
//! reason. What [`advice`](crate::advice) reads, and what `metrics` exports as histograms.
//!
//! Fixed-size arrays of relaxed atomics, one per bucket, written only when a call recovers or
//! dies: a call whose first attempt succeeds writes nothing here, so the happy path costs what it
//! did before. The buckets are declared once, here ([`ATTEMPT_BOUNDS`], [`ELAPSED_BOUNDS_MS`]),
//! and every reader (snapshots, metrics, advice) reads them from here.
//!
//! Time is measured from when the call's budget started (its first failure, or its first
//! attempt that was not ready at once): the clock `timeout` counts on, read at no extra cost
//! since the call reads it there for its own deadline. A call dropped before it ended (cancelled)
//! is in neither distribution.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use core::time::Duration;

use crate::error::StopReason;
use crate::units;

/// The upper bounds (inclusive) of the attempt buckets: every attempt up to 16 on its own, then
/// powers of two; a last bucket holds everything above 1,024.
///
/// ```
/// use wait_or_die::stats::distribution::{attempt_bound, ATTEMPT_BOUNDS};
/// assert_eq!(ATTEMPT_BOUNDS[1], 2);
/// assert_eq!(attempt_bound(ATTEMPT_BOUNDS.len()), None); // the open-ended last bucket
/// ```
pub const ATTEMPT_BOUNDS: [u32; 22] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 32, 64, 128, 256, 512, 1024,
];
/// Buckets of an attempt histogram: one per bound and an open-ended last one.
pub const ATTEMPT_BUCKETS: usize = ATTEMPT_BOUNDS.len() + 1;

/// The upper bounds (inclusive), in milliseconds, of the time buckets: 1-2-5 steps from 1 ms to
/// 500 s; a last bucket holds everything longer.
///
/// ```
/// use wait_or_die::stats::distribution::{elapsed_bound, ELAPSED_BOUNDS_MS};
/// assert_eq!(elapsed_bound(0), Some(std::time::Duration::from_millis(ELAPSED_BOUNDS_MS[0])));
/// ```
pub const ELAPSED_BOUNDS_MS: [u64; 18] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
    200_000, 500_000,
];
/// Buckets of a time histogram: one per bound and an open-ended last one.
pub const ELAPSED_BUCKETS: usize = ELAPSED_BOUNDS_MS.len() + 1;

/// The upper bound of attempt bucket `index`; `None` for the open-ended last one.
///
/// See [`ATTEMPT_BOUNDS`] for an example.
pub fn attempt_bound(index: usize) -> Option<u32> {
    ATTEMPT_BOUNDS.get(index).copied()
}

/// The upper bound of time bucket `index`; `None` for the open-ended last one.
///
/// See [`ELAPSED_BOUNDS_MS`] for an example.
pub fn elapsed_bound(index: usize) -> Option<Duration> {
    ELAPSED_BOUNDS_MS
        .get(index)
        .map(|&ms| Duration::from_millis(ms))
}

/// Counts by bucket at one moment (not cumulative), and the sum of the values counted.
///
/// ```
/// use wait_or_die::stats::distribution::Histogram;
/// let h = Histogram { counts: [0, 3, 1], sum: 9 };
/// assert_eq!(h.total(), 4);
/// assert_eq!(h.bucket_covering(0.75), Some(1));
/// assert_eq!(h.highest_bucket(), Some(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Histogram<const N: usize> {
    /// Values counted in each bucket.
    pub counts: [u64; N],
    /// The sum of the values counted: attempts, or nanoseconds (wrapping past `u64::MAX`).
    pub sum: u64,
}

impl<const N: usize> Histogram<N> {
    /// Nothing counted.
    pub const EMPTY: Histogram<N> = Histogram {
        counts: [0; N],
        sum: 0,
    };

    /// Values counted in all buckets (saturating at `u64::MAX`).
    ///
    /// See [`Histogram`] for an example.
    pub fn total(&self) -> u64 {
        self.counts.iter().fold(0, |sum, &n| sum.saturating_add(n))
    }

    /// The first bucket at which at least `share` (0 to 1) of the values are counted; `None`
    /// when nothing is.
    ///
    /// See [`Histogram`] for an example.
    pub fn bucket_covering(&self, share: f64) -> Option<usize> {
        let total: u128 = self.counts.iter().map(|&n| u128::from(n)).sum();
        if total == 0 {
            return None;
        }
        // ceil(share × total) in exact arithmetic on millionths: no float rounds it down.
        let millionths = (share.clamp(0.0, 1.0) * 1e6).round() as u128;
        let needed = (total * millionths).div_ceil(1_000_000).max(1);
        let mut seen = 0u128;
        self.counts.iter().position(|&n| {
            seen += u128::from(n);
            seen >= needed
        })
    }

    /// The last bucket with a value in it; `None` when nothing is counted.
    ///
    /// See [`Histogram`] for an example.
    pub fn highest_bucket(&self) -> Option<usize> {
        self.counts.iter().rposition(|&n| n > 0)
    }

    /// Values counted in buckets up to `index` included (saturating).
    ///
    /// ```
    /// let h = wait_or_die::stats::distribution::Histogram { counts: [2, 3, 1], sum: 0 };
    /// assert_eq!(h.up_to(1), 5);
    /// ```
    pub fn up_to(&self, index: usize) -> u64 {
        self.counts
            .iter()
            .take(index.saturating_add(1))
            .fold(0, |sum, &n| sum.saturating_add(n))
    }
}

/// How a set of calls ended: the attempt each ended at, and the time from the budget's start.
///
/// ```
/// let ended = wait_or_die::stats::distribution::Ended::EMPTY;
/// assert_eq!(ended.calls(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// The attempt each call ended at (its last attempt), bucketed by [`ATTEMPT_BOUNDS`].
    pub attempts: Histogram<ATTEMPT_BUCKETS>,
    /// The time from the budget's start to the end, bucketed by [`ELAPSED_BOUNDS_MS`]; the sum is
    /// in nanoseconds.
    pub elapsed: Histogram<ELAPSED_BUCKETS>,
}

impl Ended {
    /// No call.
    pub const EMPTY: Ended = Ended {
        attempts: Histogram::EMPTY,
        elapsed: Histogram::EMPTY,
    };

    /// Calls counted.
    ///
    /// See [`Ended`] for an example.
    pub fn calls(&self) -> u64 {
        self.attempts.total()
    }
}

/// A site's distributions at one moment: its recoveries, and its deaths by stop reason.
///
/// ```
/// use wait_or_die::{stats::Site, StopReason};
///
/// static SITE: Site = Site::new("docs::distributions");
/// let d = SITE.snapshot().distributions;
/// assert_eq!(d.recovered().calls(), 0);
/// assert_eq!(d.died(StopReason::Exhausted).calls(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distributions {
    recovered: Ended,
    died: [Ended; StopReason::COUNT],
}

impl Distributions {
    /// Nothing recovered, nothing died.
    pub const EMPTY: Distributions = Distributions {
        recovered: Ended::EMPTY,
        died: [Ended::EMPTY; StopReason::COUNT],
    };

    /// A snapshot from its parts, for tests of what reads one (advice, reports).
    ///
    /// ```
    /// use wait_or_die::stats::distribution::{Distributions, Ended};
    /// use wait_or_die::StopReason;
    /// let d = Distributions::from_parts(Ended::EMPTY, |_reason: StopReason| Ended::EMPTY);
    /// assert_eq!(d, Distributions::EMPTY);
    /// ```
    pub fn from_parts(recovered: Ended, died: impl Fn(StopReason) -> Ended) -> Distributions {
        let mut all = [Ended::EMPTY; StopReason::COUNT];
        for reason in StopReason::all() {
            all[reason.index()] = died(reason);
        }
        Distributions {
            recovered,
            died: all,
        }
    }

    /// The calls that succeeded after at least one retry.
    ///
    /// See [`Distributions`] for an example.
    pub fn recovered(&self) -> &Ended {
        &self.recovered
    }

    /// The calls that died for `reason`.
    ///
    /// See [`Distributions`] for an example.
    pub fn died(&self, reason: StopReason) -> &Ended {
        &self.died[reason.index()]
    }
}

/// The atomic counterpart of [`Histogram`].
#[derive(Debug)]
struct AtomicHistogram<const N: usize> {
    counts: [AtomicU64; N],
    sum: AtomicU64,
}

impl<const N: usize> AtomicHistogram<N> {
    const fn new() -> Self {
        AtomicHistogram {
            counts: [const { AtomicU64::new(0) }; N],
            sum: AtomicU64::new(0),
        }
    }

    fn record(&self, bucket: usize, value: u64) {
        self.counts[bucket.min(N - 1)].fetch_add(1, Relaxed);
        self.sum.fetch_add(value, Relaxed);
    }

    fn snapshot(&self) -> Histogram<N> {
        Histogram {
            counts: core::array::from_fn(|i| self.counts[i].load(Relaxed)),
            sum: self.sum.load(Relaxed),
        }
    }
}

/// The atomic counterpart of [`Ended`].
#[derive(Debug)]
struct EndedCounters {
    attempts: AtomicHistogram<ATTEMPT_BUCKETS>,
    elapsed: AtomicHistogram<ELAPSED_BUCKETS>,
}

impl EndedCounters {
    const fn new() -> Self {
        EndedCounters {
            attempts: AtomicHistogram::new(),
            elapsed: AtomicHistogram::new(),
        }
    }

    fn record(&self, attempt: u32, elapsed: Duration) {
        let at = ATTEMPT_BOUNDS.partition_point(|&bound| bound < attempt);
        self.attempts.record(at, u64::from(attempt));
        let ms = units::millis(elapsed);
        // A partial millisecond belongs to the bucket above: bounds are inclusive.
        let ms = ms.saturating_add(u64::from(elapsed > Duration::from_millis(ms)));
        let at = ELAPSED_BOUNDS_MS.partition_point(|&bound| bound < ms);
        self.elapsed.record(at, units::nanos(elapsed));
    }

    fn snapshot(&self) -> Ended {
        Ended {
            attempts: self.attempts.snapshot(),
            elapsed: self.elapsed.snapshot(),
        }
    }
}

/// The distributions of one site, written when one of its calls recovers or dies.
#[derive(Debug)]
pub(crate) struct DistributionCounters {
    recovered: EndedCounters,
    died: [EndedCounters; StopReason::COUNT],
}

impl DistributionCounters {
    pub(crate) const fn new() -> Self {
        DistributionCounters {
            recovered: EndedCounters::new(),
            died: [const { EndedCounters::new() }; StopReason::COUNT],
        }
    }

    /// A call that succeeded at `attempt` (after a retry), `elapsed` after its budget started.
    pub(crate) fn record_recovered(&self, attempt: u32, elapsed: Duration) {
        self.recovered.record(attempt, elapsed);
    }

    /// A call that died for `reason` at `attempt`, `elapsed` after its budget started.
    pub(crate) fn record_died(&self, reason: StopReason, attempt: u32, elapsed: Duration) {
        self.died[reason.index()].record(attempt, elapsed);
    }

    pub(crate) fn snapshot(&self) -> Distributions {
        Distributions {
            recovered: self.recovered.snapshot(),
            died: core::array::from_fn(|i| self.died[i].snapshot()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_land_in_their_bucket_at_every_boundary() {
        let d = DistributionCounters::new();
        for attempt in [0, 1, 2, 16, 17, 32, 33, 1024, 1025, u32::MAX] {
            d.record_recovered(attempt, Duration::ZERO);
        }
        let h = d.snapshot().recovered.attempts;
        let at = |bound: u32| h.counts[ATTEMPT_BOUNDS.iter().position(|&b| b == bound).unwrap()];
        assert_eq!((at(1), at(2), at(16), at(32), at(64)), (2, 1, 1, 2, 1));
        assert_eq!(at(1024), 1);
        assert_eq!(h.counts[ATTEMPT_BUCKETS - 1], 2, "1025 and u32::MAX");
        assert_eq!(h.total(), 10);
    }

    #[test]
    fn times_land_in_their_bucket_with_inclusive_bounds() {
        let d = DistributionCounters::new();
        let ms = Duration::from_millis;
        for t in [
            Duration::ZERO,
            ms(1),
            ms(1) + Duration::from_nanos(1),
            ms(500_000),
            ms(500_001),
            Duration::MAX,
        ] {
            d.record_died(StopReason::Deadline, 3, t);
        }
        let s = d.snapshot();
        let h = s.died(StopReason::Deadline).elapsed;
        assert_eq!((h.counts[0], h.counts[1]), (2, 1));
        assert_eq!(h.counts[ELAPSED_BUCKETS - 2], 1);
        assert_eq!(h.counts[ELAPSED_BUCKETS - 1], 2);
        assert_eq!(s.recovered().calls(), 0);
        assert_eq!(s.died(StopReason::Exhausted).calls(), 0);
        assert_eq!(s.died(StopReason::Deadline).attempts.sum, 18);
    }

    #[test]
    fn coverage_is_exact_and_saturates() {
        let h = Histogram {
            counts: [999, 1, 0],
            sum: 0,
        };
        assert_eq!(h.bucket_covering(0.999), Some(0));
        assert_eq!(h.bucket_covering(0.9991), Some(1));
        assert_eq!(h.bucket_covering(1.0), Some(1));
        assert_eq!(h.bucket_covering(0.0), Some(0));
        let full = Histogram {
            counts: [u64::MAX, u64::MAX],
            sum: 0,
        };
        assert_eq!(full.total(), u64::MAX);
        assert_eq!(full.bucket_covering(0.5), Some(0));
        assert_eq!(full.bucket_covering(1.0), Some(1));
        assert_eq!(Histogram::<3>::EMPTY.bucket_covering(0.5), None);
        assert_eq!(Histogram::<3>::EMPTY.highest_bucket(), None);
    }
}
