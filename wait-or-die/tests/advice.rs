//! The loop closed through the public API: calls write a site's distributions, the advice reads
//! them, its file is loaded by `config::load`, and the site's next calls run by the advice.

use std::time::Duration;

use wait_or_die::advice::{self, Change, MIN_SAMPLES};
use wait_or_die::stats::Site;
use wait_or_die::{config, control, register_site, retry_blocking, Policy, StopReason};

static POLICY: Policy = Policy::builder()
    .max_retries(6)
    .timeout(Duration::from_secs(30))
    .initial_wait(Duration::ZERO)
    .no_budget()
    .build_const();
static FLAKY: Site = Site::new("advice.flaky").with_policy(&POLICY);
register_site!(FLAKY);
static DOWN: Site = Site::new("advice.down").with_policy(&POLICY);
register_site!(DOWN);

/// A call of `site` that fails `failures` times, then succeeds.
fn call(site: &'static Site, failures: u32) -> Result<(), u32> {
    let mut left = failures;
    retry_blocking(&POLICY, || match left {
        0 => Ok(()),
        _ => {
            left -= 1;
            Err(left)
        }
    })
    .site(site)
    .call()
    .map_err(|e| e.attempts())
}

#[test]
fn calls_advice_file_and_the_next_calls() {
    for _ in 0..MIN_SAMPLES {
        call(&FLAKY, 1).unwrap();
        call(&FLAKY, 0).unwrap();
        assert_eq!(call(&DOWN, u32::MAX), Err(7));
    }
    let flaky = FLAKY.snapshot();
    assert_eq!(flaky.distributions.recovered().calls(), MIN_SAMPLES);
    assert_eq!(
        flaky.distributions.recovered().attempts.counts[1],
        MIN_SAMPLES
    );
    let down = DOWN.snapshot().distributions;
    assert_eq!(down.died(StopReason::Exhausted).calls(), MIN_SAMPLES);
    assert_eq!(
        down.died(StopReason::Exhausted).attempts.sum,
        7 * MIN_SAMPLES
    );

    let flaky = advice::for_site(&FLAKY, None).unwrap();
    let down = advice::for_site(&DOWN, None).unwrap();
    assert_eq!(
        flaky.changes().next(),
        Some(&Change::MaxRetries { from: 6, to: 2 })
    );
    assert_eq!(
        down.changes().collect::<Vec<_>>(),
        [&Change::MaxRetries { from: 6, to: 0 }]
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("advice.toml");
    std::fs::write(&path, advice::to_toml(&[flaky, down])).unwrap();
    let report = config::load(&path).unwrap();
    assert_eq!(report.sites, ["advice.down", "advice.flaky"]);
    let in_force = control::list();
    let of = |name: &str| {
        in_force
            .sites
            .iter()
            .find(|s| s.site == name)
            .and_then(|s| s.policy)
            .unwrap()
    };
    assert_eq!(of("advice.flaky").max_retries(), 2);
    assert!(of("advice.flaky").timeout() < Some(Duration::from_secs(30)));
    assert_eq!(of("advice.down").max_retries(), 0);

    // The advised policy is in force: a dead dependency now costs one attempt.
    assert_eq!(call(&DOWN, u32::MAX), Err(1));
    assert_eq!(call(&FLAKY, 1), Ok(()));
    // Advice read again under the new policy asks for nothing more.
    let again = advice::for_site(&FLAKY, None).unwrap();
    assert!(
        !again
            .changes()
            .any(|c| matches!(c, Change::MaxRetries { .. })),
        "{again}"
    );
}
