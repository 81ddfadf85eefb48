//! Hedging at run time: when a hedge of a pending attempt is due, and the small fixed-size
//! estimator of a site's recent latency that `hedge_after = "p95"` reads.
//!
//! The estimator is a ring of the last [`SAMPLES`] latencies of the site's hedged calls that
//! succeeded after being pending (from the attempt's first pending poll to the first success,
//! hedges included), in microseconds: writing one is one atomic increment and one store, and
//! nothing else is kept, so a site's memory for it is fixed (about a quarter of a KiB). A call
//! whose attempt is ready at once could never have been hedged and is not recorded. Until
//! [`MIN_SAMPLES`] are in, the percentile is unknown and the site does not hedge (the safe
//! side: no extra load from a site that has not learnt its latency). Reading it copies and
//! sorts the ring on the stack, only when an attempt is pending.
//!
//! The budget and the breaker that may refuse a hedge are the pipeline's to ask (`pipeline.rs`):
//! this module knows neither.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use core::time::Duration;

use crate::policy::{HedgeAfter, HedgePolicy};

/// Latencies the ring keeps.
pub(crate) const SAMPLES: usize = 64;
/// Latencies the ring must hold before a percentile is read from it.
pub(crate) const MIN_SAMPLES: u64 = 20;
/// The shortest learnt delay: a site whose pending attempts end within microseconds would
/// otherwise hedge each one at once (a fan-out, not a hedge), and tokio's timer counts whole
/// milliseconds anyway.
pub(crate) const MIN_LEARNT_DELAY: Duration = Duration::from_millis(1);

/// The last [`SAMPLES`] latencies of one site, lock-free.
#[derive(Debug)]
pub(crate) struct LatencyRing {
    micros: [AtomicU32; SAMPLES],
    /// Latencies recorded so far; the next goes to slot `recorded % SAMPLES`.
    recorded: AtomicU64,
}

impl LatencyRing {
    pub(crate) const fn new() -> Self {
        LatencyRing {
            micros: [const { AtomicU32::new(0) }; SAMPLES],
            recorded: AtomicU64::new(0),
        }
    }

    /// Records one latency (saturating at about 71 minutes).
    pub(crate) fn record(&self, latency: Duration) {
        let micros = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        let slot = self.recorded.fetch_add(1, Relaxed) % SAMPLES as u64;
        self.micros[slot as usize].store(micros, Relaxed);
    }

    /// The latency at `percentile` (above 0, below 100) of the samples kept, by the
    /// nearest-rank rule; `None` until [`MIN_SAMPLES`] were recorded.
    pub(crate) fn percentile(&self, percentile: f64) -> Option<Duration> {
        let recorded = self.recorded.load(Relaxed);
        if recorded < MIN_SAMPLES {
            return None;
        }
        let kept = recorded.min(SAMPLES as u64) as usize;
        let mut sorted = [0u32; SAMPLES];
        for (to, from) in sorted.iter_mut().zip(&self.micros).take(kept) {
            *to = from.load(Relaxed);
        }
        let sorted = &mut sorted[..kept];
        sorted.sort_unstable();
        // Nearest rank: the smallest sample with at least `percentile` % of them at or below it.
        let rank = (percentile / 100.0 * kept as f64).ceil() as usize;
        let at = sorted[rank.clamp(1, kept) - 1];
        Some(Duration::from_micros(u64::from(at)))
    }
}

/// How long after an attempt started its hedge is due, by `options`: the fixed delay, or the
/// site's latency at the percentile from `latencies`, at least [`MIN_LEARNT_DELAY`]; `None`
/// when that is not known yet (the attempt is then not hedged).
pub(crate) fn delay(options: &HedgePolicy, latencies: &LatencyRing) -> Option<Duration> {
    match options.after() {
        HedgeAfter::Delay(delay) => Some(delay),
        HedgeAfter::Percentile(p) => Some(latencies.percentile(p)?.max(MIN_LEARNT_DELAY)),
    }
}

/// A hedged call's attempt that was pending succeeded `latency` after it started: learnt when
/// `options` hedge at a percentile (a fixed delay learns nothing).
pub(crate) fn learn(options: &HedgePolicy, latencies: &LatencyRing, latency: Duration) {
    if matches!(options.after(), HedgeAfter::Percentile(_)) {
        latencies.record(latency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn no_percentile_before_the_minimum_samples() {
        let ring = LatencyRing::new();
        for _ in 1..MIN_SAMPLES {
            ring.record(ms(10));
        }
        assert_eq!(ring.percentile(95.0), None);
        ring.record(ms(10));
        assert_eq!(ring.percentile(95.0), Some(ms(10)));
    }

    #[test]
    fn nearest_rank_over_the_last_samples_only() {
        let ring = LatencyRing::new();
        for n in 1..=100 {
            ring.record(ms(n));
        }
        // The last 64 are 37..=100 ms: p50 is the 32nd of them, p95 the 61st.
        assert_eq!(ring.percentile(50.0), Some(ms(68)));
        assert_eq!(ring.percentile(95.0), Some(ms(97)));
        assert_eq!(ring.percentile(0.1), Some(ms(37)));
        assert_eq!(ring.percentile(99.9), Some(ms(100)));
    }

    #[test]
    fn a_fixed_delay_is_known_at_once_and_learns_nothing() {
        let ring = LatencyRing::new();
        let fixed = Policy::builder().hedge_after(ms(50)).build_const();
        let fixed = fixed.hedge().unwrap();
        assert_eq!(delay(&fixed, &ring), Some(ms(50)));
        learn(&fixed, &ring, ms(5));
        assert_eq!(ring.recorded.load(Relaxed), 0);
        let learnt = Policy::builder().hedge_at_percentile(90.0).build_const();
        let learnt = learnt.hedge().unwrap();
        for _ in 0..MIN_SAMPLES {
            assert_eq!(delay(&learnt, &ring), None);
            learn(&learnt, &ring, ms(7));
        }
        assert_eq!(delay(&learnt, &ring), Some(ms(7)));
    }

    #[test]
    fn a_learnt_delay_is_never_under_a_millisecond() {
        let ring = LatencyRing::new();
        let learnt = Policy::builder().hedge_at_percentile(95.0).build_const();
        let learnt = learnt.hedge().unwrap();
        for _ in 0..MIN_SAMPLES {
            learn(&learnt, &ring, Duration::from_nanos(300));
        }
        assert_eq!(ring.percentile(95.0), Some(Duration::ZERO));
        assert_eq!(delay(&learnt, &ring), Some(MIN_LEARNT_DELAY));
    }
}
