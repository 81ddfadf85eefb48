//! The rules on synthetic distributions: what each one advises, and when none may speak.

use core::time::Duration;

use super::*;
use crate::error::StopReason;
use crate::stats::distribution::{
    Ended, Histogram, ATTEMPT_BOUNDS, ATTEMPT_BUCKETS, ELAPSED_BOUNDS_MS, ELAPSED_BUCKETS,
};

/// `n` calls that ended at `attempt`, `ms` after their budget started.
fn ended(n: u64, attempt: u32, ms: u64) -> Ended {
    let mut e = Ended::EMPTY;
    add(&mut e, n, attempt, ms);
    e
}

fn add(e: &mut Ended, n: u64, attempt: u32, ms: u64) {
    let a = ATTEMPT_BOUNDS.partition_point(|&b| b < attempt);
    e.attempts.counts[a] = e.attempts.counts[a].saturating_add(n);
    e.attempts.sum = e
        .attempts
        .sum
        .wrapping_add(n.wrapping_mul(u64::from(attempt)));
    let t = ELAPSED_BOUNDS_MS.partition_point(|&b| b < ms);
    e.elapsed.counts[t] = e.elapsed.counts[t].saturating_add(n);
}

fn distributions(recovered: Ended, died: &[(StopReason, Ended)]) -> Distributions {
    Distributions::from_parts(recovered, |reason| {
        died.iter()
            .find(|(r, _)| *r == reason)
            .map_or(Ended::EMPTY, |(_, e)| *e)
    })
}

fn policy(retries: u32, timeout: Option<Duration>) -> Policy {
    let b = Policy::builder()
        .max_retries(retries)
        .initial_wait(Duration::from_millis(100))
        .max_wait(Duration::from_secs(1));
    match timeout {
        Some(t) => b.timeout(t),
        None => b.no_timeout(),
    }
    .build()
    .unwrap()
}

fn changes(advice: &Advice) -> Vec<Change> {
    advice.changes().copied().collect()
}

#[test]
fn a_site_that_always_recovers_on_attempt_2_keeps_one_spare_retry_and_a_shorter_budget() {
    let d = distributions(ended(500, 2, 150), &[]);
    let advice = advise("s", &d, &policy(10, Some(Duration::from_secs(30))));
    assert_eq!((advice.retried, advice.recovered), (500, 500));
    assert_eq!(
        changes(&advice),
        [
            Change::MaxRetries { from: 10, to: 2 },
            // 150 ms lies in the 200 ms bucket; one bucket of headroom above it.
            Change::Timeout {
                from: Some(Duration::from_secs(30)),
                to: Duration::from_millis(500)
            },
        ]
    );
    let text = advice.to_string();
    assert!(
        text.contains("100.0 % of recoveries by attempt 2 (500 calls)"),
        "{text}"
    );
    assert!(
        text.contains("worst-case wait from 7.5 s to 300 ms"),
        "{text}"
    );
}

#[test]
fn a_site_that_never_recovers_stops_retrying() {
    let d = distributions(Ended::EMPTY, &[(StopReason::Exhausted, ended(150, 4, 700))]);
    let advice = advise("s", &d, &policy(3, None));
    assert_eq!(changes(&advice), [Change::MaxRetries { from: 3, to: 0 }]);
    assert!(advice
        .to_string()
        .contains("150 calls retried and none recovered"));
    // Already at zero: nothing left to advise.
    let advice = advise("s", &d, &policy(0, None));
    assert!(advice.findings.is_empty(), "{advice}");
}

#[test]
fn too_few_samples_advise_nothing_and_say_so() {
    for d in [
        Distributions::EMPTY,
        distributions(ended(MIN_SAMPLES - 1, 2, 10), &[]),
        // Enough retried calls, too few of them recovered to lower anything.
        distributions(
            ended(MIN_SAMPLES - 1, 2, 10),
            &[(StopReason::Exhausted, ended(500, 11, 9_000))],
        ),
    ] {
        let advice = advise("s", &d, &policy(10, Some(Duration::from_secs(30))));
        assert_eq!(changes(&advice), []);
        assert!(
            matches!(
                advice.findings[0],
                Finding::NotEnoughData {
                    needed: MIN_SAMPLES,
                    ..
                }
            ),
            "{advice}"
        );
    }
}

#[test]
fn deaths_at_the_first_attempt_are_not_a_sample_of_retries() {
    // Permanent errors never retry: they say nothing about how retries recover.
    let d = distributions(
        Ended::EMPTY,
        &[(StopReason::Permanent, ended(10_000, 1, 1))],
    );
    let advice = advise("s", &d, &policy(5, None));
    assert_eq!(advice.retried, 0);
    assert_eq!(changes(&advice), []);
}

#[test]
fn the_rare_late_recovery_is_kept() {
    // 998 recoveries at attempt 2, 2 at attempt 5: 99.8 % is below KEEP_SHARE.
    let mut recovered = ended(998, 2, 40);
    add(&mut recovered, 2, 5, 900);
    let advice = advise("s", &distributions(recovered, &[]), &policy(10, None));
    let first = changes(&advice)[0];
    assert_eq!(first, Change::MaxRetries { from: 10, to: 5 });
    // No timeout in force: the advice sets one above the slowest recovery's bucket.
    assert_eq!(
        changes(&advice)[1],
        Change::Timeout {
            from: None,
            to: Duration::from_secs(2)
        }
    );
}

#[test]
fn a_policy_already_tight_is_kept() {
    let d = distributions(ended(300, 3, 400), &[]);
    let advice = advise("s", &d, &policy(3, Some(Duration::from_secs(1))));
    assert_eq!(changes(&advice), []);
    assert!(advice.findings.is_empty());
    assert!(advice.to_string().contains("keep the policy"));
}

#[test]
fn recoveries_at_the_last_attempt_with_exhausted_deaths_get_a_note_not_a_raise() {
    let mut recovered = ended(200, 2, 10);
    add(&mut recovered, 50, 4, 30);
    let d = distributions(recovered, &[(StopReason::Exhausted, ended(80, 4, 40))]);
    let advice = advise("s", &d, &policy(3, None));
    assert!(advice.findings.iter().any(
        |f| matches!(f, Finding::Note { evidence } if evidence.contains("last attempt allowed (4)"))
    ));
    assert!(!advice
        .changes()
        .any(|c| matches!(c, Change::MaxRetries { .. })));
}

#[test]
fn a_budget_that_refuses_many_retries_blames_the_dependency() {
    let d = distributions(
        ended(200, 2, 10),
        &[(StopReason::BudgetExhausted, ended(30, 2, 10))],
    );
    let advice = advise("s", &d, &policy(2, Some(Duration::from_millis(20))));
    let note = advice.findings.iter().find_map(|f| match f {
        Finding::Note { evidence } => Some(evidence.clone()),
        _ => None,
    });
    let note = note.expect("a budget note");
    assert!(
        note.contains("refused 11.5 % of retries (30 of 260)"),
        "{note}"
    );
}

#[test]
fn counts_at_u64_max_neither_panic_nor_wrap_into_other_advice() {
    let full = |h: &mut [u64]| h.iter_mut().for_each(|n| *n = u64::MAX);
    let mut e = Ended {
        attempts: Histogram {
            counts: [0; ATTEMPT_BUCKETS],
            sum: u64::MAX,
        },
        elapsed: Histogram {
            counts: [0; ELAPSED_BUCKETS],
            sum: u64::MAX,
        },
    };
    full(&mut e.attempts.counts);
    full(&mut e.elapsed.counts);
    let d = distributions(
        e,
        &[(StopReason::Exhausted, e), (StopReason::BudgetExhausted, e)],
    );
    let advice = advise("s", &d, &policy(u32::MAX, None));
    assert_eq!(advice.retried, u64::MAX);
    // Recoveries fill the open-ended buckets: no bound covers them, so nothing is lowered.
    assert_eq!(changes(&advice), []);
    let _ = to_toml(&[advice]);
}

#[test]
fn every_key_the_file_writes_is_a_key_the_config_reads() {
    for change in [
        Change::MaxRetries { from: 1, to: 0 },
        Change::Timeout {
            from: None,
            to: Duration::from_millis(1),
        },
    ] {
        let (key, _) = toml::key_and_value(&change);
        #[cfg(feature = "config")]
        assert!(crate::config::keys::site_key(key).is_some(), "{key}");
        assert!(!key.is_empty());
    }
}

/// Advice → TOML → the engine's own configuration parser: every change arrives as advised.
#[cfg(feature = "config")]
#[test]
fn the_file_reads_back_with_the_config_parser() {
    let mut late = ended(998, 2, 40);
    add(&mut late, 2, 17, 9_000);
    let sites = [
        ("a.always_second", distributions(ended(500, 2, 150), &[])),
        (
            "b.never \"quoted\"\\",
            distributions(Ended::EMPTY, &[(StopReason::Exhausted, ended(150, 4, 700))]),
        ),
        ("c.few", distributions(ended(3, 2, 10), &[])),
        ("d.late", distributions(late, &[])),
    ];
    let policy = policy(40, Some(Duration::from_secs(300)));
    let advice: Vec<Advice> = sites
        .iter()
        .map(|(name, d)| advise(name, d, &policy))
        .collect();
    let text = to_toml(&advice);
    let parsed = crate::config::parse::parse(&text).unwrap_or_else(|p| panic!("{p:?}\n{text}"));
    let with_changes: Vec<&Advice> = advice
        .iter()
        .filter(|a| a.changes().next().is_some())
        .collect();
    assert_eq!(parsed.sites.len(), with_changes.len(), "{text}");
    for (entry, advice) in parsed.sites.iter().zip(with_changes) {
        assert_eq!(entry.name, advice.site);
        let mut expected = crate::control::Override::new();
        for change in advice.changes() {
            expected = match *change {
                Change::MaxRetries { to, .. } => expected.max_retries(to),
                Change::Timeout { to, .. } => expected.timeout(to),
            };
        }
        assert_eq!(entry.settings, expected, "{text}");
        assert!(entry.settings.apply(&policy).is_ok());
    }
}
