//! The rules of the advice, in the order they run, and their thresholds.
//!
//! Each rule reads the site's distributions and the policy in force and returns at most one
//! finding. Shares are computed in whole numbers (no float decides a threshold by rounding),
//! and every count saturates, so a site at `u64::MAX` calls gets advice, not a panic.

use super::finding::{Change, Finding};
use super::show::{self, percent};
use super::worst_case::worst_case_wait;
use crate::control::Override;
use crate::error::StopReason;
use crate::policy::Policy;
use crate::stats::distribution::{attempt_bound, elapsed_bound, Ended, ATTEMPT_BOUNDS};
use crate::stats::Distributions;

/// Calls a rule needs before it speaks: calls that retried and ended for every rule, and
/// recoveries for the rules that lower a setting.
///
/// With `n` recoveries seen, the chance that the next one needs more than the most any of them
/// needed is at most `1 / (n + 1)`: below 1 % at 100, and the advice keeps a spare attempt
/// and a spare time bucket on top.
pub const MIN_SAMPLES: u64 = 100;

/// The share of recoveries a lowered setting must keep: 99.9 %. Below 1,000 recoveries this is
/// every one of them.
pub const KEEP_SHARE: f64 = 0.999;

/// The share of retries refused by the retry budget from which the advice says that the
/// dependency, not the policy, is the problem: 5 %.
pub const BUDGET_ALARM_SHARE: f64 = 0.05;

/// BUDGET_ALARM_SHARE in thousandths.
const BUDGET_ALARM_PER_MILLE: u64 = 50;

/// The sample the rules read, summed once.
pub(super) struct Sample {
    /// Calls that retried and then ended.
    pub(super) retried: u64,
    /// Calls that recovered.
    pub(super) recovered: u64,
    /// Retries run by calls that ended.
    retries: u64,
    /// Calls whose retry the retry budget refused.
    refused: u64,
}

impl Sample {
    pub(super) fn of(d: &Distributions) -> Sample {
        let ended = || core::iter::once(d.recovered()).chain(StopReason::all().map(|r| d.died(r)));
        // Every bucket but the first attempt's, summed on its own so that saturation loses none.
        let retried_of = |e: &Ended| {
            e.attempts.counts[1..]
                .iter()
                .fold(0, |n: u64, &c| n.saturating_add(c))
        };
        let retries_of = |e: &Ended| e.attempts.sum.saturating_sub(e.calls());
        Sample {
            retried: ended().fold(0, |n, e| n.saturating_add(retried_of(e))),
            recovered: d.recovered().calls(),
            retries: ended().fold(0, |n, e| n.saturating_add(retries_of(e))),
            refused: d.died(StopReason::BudgetExhausted).calls(),
        }
    }
}

/// Every finding for a site, in the order of the rules; invalid changes are left out with a note.
pub(super) fn findings(sample: &Sample, d: &Distributions, policy: &Policy) -> Vec<Finding> {
    if sample.retried < MIN_SAMPLES || (sample.recovered > 0 && sample.recovered < MIN_SAMPLES) {
        let mut out = vec![Finding::NotEnoughData {
            retried: sample.retried,
            recovered: sample.recovered,
            needed: MIN_SAMPLES,
        }];
        out.extend(budget(sample));
        return out;
    }
    let mut out: Vec<Finding> = match never_recovers(sample, policy) {
        Some(finding) => vec![finding],
        None => [
            max_retries(d, policy),
            timeout(d, policy),
            last_attempt(d, policy),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    out.extend(budget(sample));
    checked(out, policy)
}

/// Drops the changes when, together, they would not make a valid policy (they always do with
/// the rules above; the check keeps it so).
fn checked(findings: Vec<Finding>, policy: &Policy) -> Vec<Finding> {
    let mut settings = Override::new();
    for finding in &findings {
        match finding {
            Finding::Change {
                change: Change::MaxRetries { to, .. },
                ..
            } => settings = settings.max_retries(*to),
            Finding::Change {
                change: Change::Timeout { to, .. },
                ..
            } => settings = settings.timeout(*to),
            _ => {}
        }
    }
    match settings.apply(policy) {
        Ok(_) => findings,
        Err(error) => {
            let mut kept: Vec<Finding> = findings
                .into_iter()
                .filter(|f| !matches!(f, Finding::Change { .. }))
                .collect();
            kept.push(Finding::Note {
                evidence: format!("the advised settings would make an invalid policy: {error}"),
            });
            kept
        }
    }
}

/// No call recovered: retries only add load and delay.
fn never_recovers(sample: &Sample, policy: &Policy) -> Option<Finding> {
    if sample.recovered > 0 || policy.max_retries() == 0 {
        return None;
    }
    Some(Finding::Change {
        change: Change::MaxRetries {
            from: policy.max_retries(),
            to: 0,
        },
        evidence: format!(
            "{} calls retried and none recovered: retries only add load and delay",
            sample.retried
        ),
    })
}

/// Lower `max_retries` to the attempt by which [`KEEP_SHARE`] of recoveries came: one spare
/// attempt is left above it.
fn max_retries(d: &Distributions, policy: &Policy) -> Option<Finding> {
    let recovered = &d.recovered().attempts;
    let total = recovered.total();
    let by = attempt_bound(recovered.bucket_covering(KEEP_SHARE)?)?;
    let from = policy.max_retries();
    if by >= from {
        return None;
    }
    let at_by = recovered.up_to(bucket_of_attempt(by));
    let kept = recovered.up_to(bucket_of_attempt(by.saturating_add(1)));
    let lowered = Override::new().max_retries(by).apply(policy).ok()?;
    Some(Finding::Change {
        change: Change::MaxRetries { from, to: by },
        evidence: format!(
            "{} of recoveries by attempt {by} ({total} calls): keeps {} of them and cuts the \
             worst-case wait from {} to {}",
            percent(at_by, total),
            percent(kept, total),
            show::duration(worst_case_wait(policy)),
            show::duration(worst_case_wait(&lowered)),
        ),
    })
}

/// Lower `timeout` (or set one) to the bound of the time bucket above the one by which
/// [`KEEP_SHARE`] of recoveries came.
fn timeout(d: &Distributions, policy: &Policy) -> Option<Finding> {
    let recovered = &d.recovered().elapsed;
    let total = recovered.total();
    let bucket = recovered.bucket_covering(KEEP_SHARE)?;
    let within = elapsed_bound(bucket)?;
    let to = elapsed_bound(bucket + 1)?;
    let from = policy.timeout();
    if from.is_some_and(|from| to >= from) {
        return None;
    }
    let slowest = recovered.highest_bucket().and_then(elapsed_bound)?;
    let longer = died_longer_than(d, bucket + 1);
    Some(Finding::Change {
        change: Change::Timeout { from, to },
        evidence: format!(
            "{} of recoveries within {} ({total} calls), none after {}; {longer} calls that \
             gave up had run longer than {}",
            percent(recovered.up_to(bucket), total),
            show::duration(within),
            show::duration(slowest),
            show::duration(to),
        ),
    })
}

/// Recoveries at the last attempt allowed, and deaths with every retry used: the data cannot
/// say how many more retries would help.
fn last_attempt(d: &Distributions, policy: &Policy) -> Option<Finding> {
    let last = policy.max_attempts();
    let bucket = bucket_of_attempt(last);
    // Only where a bucket is one attempt: a wider one cannot say which attempt was the last.
    if attempt_bound(bucket) != Some(last)
        || (bucket > 0 && attempt_bound(bucket - 1) != Some(last - 1))
    {
        return None;
    }
    let at_last = d.recovered().attempts.counts[bucket];
    let exhausted = d.died(StopReason::Exhausted).calls();
    if at_last == 0 || exhausted == 0 || at_last.saturating_mul(1000) < d.recovered().calls() {
        return None;
    }
    Some(Finding::Note {
        evidence: format!(
            "{at_last} recoveries came at the last attempt allowed ({last}) and {exhausted} calls \
             gave up with every retry used: more retries might save some, the data cannot say how many"
        ),
    })
}

/// The retry budget refused a large share of the retries asked for.
fn budget(sample: &Sample) -> Option<Finding> {
    let asked = sample.retries.saturating_add(sample.refused);
    let alarm =
        u128::from(sample.refused) * 1000 >= u128::from(asked) * u128::from(BUDGET_ALARM_PER_MILLE);
    if asked < MIN_SAMPLES || sample.refused == 0 || !alarm {
        return None;
    }
    Some(Finding::Note {
        evidence: format!(
            "the retry budget refused {} of retries ({} of {asked}): the dependency, not the \
             policy, is the problem",
            percent(sample.refused, asked),
            sample.refused
        ),
    })
}

/// Calls that died after running longer than time bucket `bucket` holds.
fn died_longer_than(d: &Distributions, bucket: usize) -> u64 {
    StopReason::all()
        .map(|r| d.died(r).elapsed)
        .map(|h| h.total().saturating_sub(h.up_to(bucket)))
        .fold(0, u64::saturating_add)
}

/// The attempt bucket that holds `attempt`.
fn bucket_of_attempt(attempt: u32) -> usize {
    ATTEMPT_BOUNDS.partition_point(|&bound| bound < attempt)
}
