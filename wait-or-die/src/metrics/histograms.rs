//! Every site's distributions (see [`stats::distribution`](crate::stats::distribution)) as
//! Prometheus histograms, built from the counts at scrape time like the other metrics.
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `wait_or_die_recovery_attempts` | `site` | the attempt at which calls recovered |
//! | `wait_or_die_recovery_seconds` | `site` | the time from a call's budget start to its recovery |
//! | `wait_or_die_death_attempts` | `site`, `reason` | the attempts of calls that died, by stop reason |
//! | `wait_or_die_death_seconds` | `site`, `reason` | their time from the budget's start to the end |
//!
//! The buckets are the distributions' own (`ATTEMPT_BOUNDS`, `ELAPSED_BOUNDS_MS`), so a
//! scrape reads them without re-bucketing. A reason with no death yet has no series.

use std::collections::BTreeMap;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

use super::label::Escaped;
use crate::error::StopReason;
use crate::stats::distribution::{
    Ended, Histogram, ATTEMPT_BOUNDS, ATTEMPT_BUCKETS, ELAPSED_BOUNDS_MS, ELAPSED_BUCKETS,
};
use crate::stats::Distributions;

/// A histogram read once, at scrape time.
#[derive(Debug)]
struct ConstHistogram {
    sum: f64,
    count: u64,
    /// Upper bound and count of each bucket, not cumulative; `f64::MAX` is `+Inf`.
    buckets: Vec<(f64, u64)>,
}

impl TypedMetric for ConstHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for ConstHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_histogram::<NoLabelSet>(self.sum, self.count, &self.buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

impl ConstHistogram {
    fn new<const N: usize>(h: &Histogram<N>, bounds: impl Iterator<Item = f64>, sum: f64) -> Self {
        let bounds = bounds.chain(core::iter::once(f64::MAX));
        ConstHistogram {
            sum,
            count: h.total(),
            buckets: bounds.zip(h.counts).collect(),
        }
    }

    fn attempts(h: &Histogram<ATTEMPT_BUCKETS>) -> Self {
        Self::new(
            h,
            ATTEMPT_BOUNDS.iter().map(|&b| f64::from(b)),
            h.sum as f64,
        )
    }

    fn seconds(h: &Histogram<ELAPSED_BUCKETS>) -> Self {
        let bounds = ELAPSED_BOUNDS_MS.iter().map(|&ms| ms as f64 / 1e3);
        Self::new(h, bounds, h.sum as f64 / 1e9)
    }
}

/// `a` and `b` added up, for sites that share a name.
pub(super) fn sum(a: &Distributions, b: &Distributions) -> Distributions {
    let add = |x: &Ended, y: &Ended| Ended {
        attempts: add_histogram(&x.attempts, &y.attempts),
        elapsed: add_histogram(&x.elapsed, &y.elapsed),
    };
    Distributions::from_parts(add(a.recovered(), b.recovered()), |r| {
        add(a.died(r), b.died(r))
    })
}

fn add_histogram<const N: usize>(a: &Histogram<N>, b: &Histogram<N>) -> Histogram<N> {
    Histogram {
        counts: core::array::from_fn(|i| a.counts[i].saturating_add(b.counts[i])),
        sum: a.sum.wrapping_add(b.sum),
    }
}

/// Encodes the four histogram families, one series per site (and reason).
pub(super) fn encode(
    encoder: &mut DescriptorEncoder,
    sites: &BTreeMap<&'static str, Distributions>,
) -> Result<(), std::fmt::Error> {
    let recovered = |pick: fn(&Ended) -> ConstHistogram| {
        sites
            .iter()
            .map(move |(site, d)| (vec![("site", Escaped(site))], pick(d.recovered())))
    };
    let died = |pick: fn(&Ended) -> ConstHistogram| {
        sites.iter().flat_map(move |(site, d)| {
            StopReason::all()
                .filter(|&r| d.died(r).calls() > 0)
                .map(move |r| {
                    let labels = vec![("site", Escaped(site)), ("reason", Escaped(r.as_str()))];
                    (labels, pick(d.died(r)))
                })
        })
    };
    let attempts: fn(&Ended) -> ConstHistogram = |e| ConstHistogram::attempts(&e.attempts);
    let seconds: fn(&Ended) -> ConstHistogram = |e| ConstHistogram::seconds(&e.elapsed);
    let families = [
        (
            "wait_or_die_recovery_attempts",
            "The attempt at which calls recovered.",
            true,
            attempts,
        ),
        (
            "wait_or_die_recovery_seconds",
            "Time from a call's budget start to its recovery.",
            true,
            seconds,
        ),
        (
            "wait_or_die_death_attempts",
            "Attempts of calls that died, by stop reason.",
            false,
            attempts,
        ),
        (
            "wait_or_die_death_seconds",
            "Time from a call's budget start to its death, by stop reason.",
            false,
            seconds,
        ),
    ];
    for (name, help, of_recoveries, pick) in families {
        let mut descriptor = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
        let series: Box<dyn Iterator<Item = _>> = if of_recoveries {
            Box::new(recovered(pick))
        } else {
            Box::new(died(pick))
        };
        for (labels, histogram) in series {
            histogram.encode(descriptor.encode_family(&labels)?)?;
        }
    }
    Ok(())
}
