//! The breaker's sliding window: cumulative counts of attempts and counted failures, sampled
//! only when a failure is recorded, so that a success writes nothing for it.
//!
//! The attempts come from the site counters every call already writes (one slot per thread);
//! the failures are the breaker's own. Up to [`SAMPLES`] samples are kept, at most one per tenth
//! of the window; the counts in the window are the totals now minus the oldest sample's. When
//! the window holds no sample, the failure being recorded only starts it: counting from a
//! failure it also counted would overstate the share of failures (one in three would read as
//! one in two at the 4th attempt), so the window counts what follows it, an unbiased sample
//! that takes `min_calls` attempts after it to fill. A sample more than a tenth
//! of the window ahead of `now` (the clock went back) empties the window.

use core::time::Duration;
use std::time::Instant;

/// Samples kept: one per tenth of the window, plus the newest.
const SAMPLES: usize = 11;

/// The totals at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    attempts: u64,
    failures: u64,
}

/// The samples of one breaker, oldest first.
#[derive(Debug)]
pub(crate) struct Window {
    samples: [Option<Sample>; SAMPLES],
}

impl Window {
    pub(crate) const fn new() -> Self {
        Window {
            samples: [None; SAMPLES],
        }
    }

    /// Forgets every sample: the breaker closed, counting starts afresh.
    pub(crate) fn clear(&mut self) {
        self.samples = [None; SAMPLES];
    }

    /// Records that a failure made the totals `attempts` and `failures` at `now`, and gives the
    /// attempts and failures within `span` of `now`.
    pub(crate) fn record(
        &mut self,
        span: Duration,
        now: Instant,
        attempts: u64,
        failures: u64,
    ) -> (u64, u64) {
        let interval = span / (SAMPLES as u32 - 1);
        let ahead = |s: &Sample| s.at.saturating_duration_since(now) > interval;
        if self.samples.iter().flatten().any(ahead) {
            self.clear();
        }
        let expired =
            |s: &Option<Sample>| s.is_some_and(|s| now.saturating_duration_since(s.at) > span);
        let gone = self.samples.iter().take_while(|s| expired(s)).count();
        self.samples.rotate_left(gone);
        self.samples[SAMPLES - gone..].fill(None);
        let newest = self.samples.iter().rposition(Option::is_some);
        let sample = |attempts, failures| {
            Some(Sample {
                at: now,
                attempts,
                failures,
            })
        };
        match newest {
            None => self.samples[0] = sample(attempts, failures),
            Some(i) => {
                let at = self.samples[i].expect("a taken sample").at;
                if now.saturating_duration_since(at) >= interval {
                    if i + 1 == SAMPLES {
                        self.samples.rotate_left(1);
                        self.samples[SAMPLES - 1] = sample(attempts, failures);
                    } else {
                        self.samples[i + 1] = sample(attempts, failures);
                    }
                }
            }
        }
        let oldest = self.samples[0].expect("a window keeps a sample");
        (
            attempts.saturating_sub(oldest.attempts),
            failures.saturating_sub(oldest.failures),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: Duration = Duration::from_secs(10);

    #[test]
    fn a_first_failure_starts_the_window() {
        let mut w = Window::new();
        let t0 = Instant::now();
        assert_eq!(w.record(SPAN, t0, 1_000, 1), (0, 0));
        assert_eq!(w.record(SPAN, t0, 1_010, 5), (10, 4));
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let mut w = Window::new();
        let t0 = Instant::now();
        for s in 0..10u64 {
            w.record(SPAN, t0 + Duration::from_secs(s), 10 * (s + 1), s + 1);
        }
        let (attempts, failures) = w.record(SPAN, t0 + Duration::from_secs(25), 200, 11);
        assert_eq!(
            (attempts, failures),
            (0, 0),
            "the new failure starts a new window"
        );
    }

    #[test]
    fn a_clock_that_goes_back_empties_the_window() {
        let mut w = Window::new();
        let later = Instant::now() + Duration::from_secs(3_600);
        w.record(SPAN, later, 50, 10);
        let back = later - Duration::from_secs(3_600);
        assert_eq!(w.record(SPAN, back, 51, 11), (0, 0));
        assert_eq!(w.record(SPAN, back, u64::MAX, u64::MAX).0, u64::MAX - 51);
    }
}
