//! Testing mode is deterministic: every call runs to its cap, whatever the retry budget and
//! whatever other tests did before. Its own test binary, because the switch is process-wide.

use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry, testing, Policy, StopReason};

static FLAKY: Site = Site::new("testing_budget.flaky");
register_site!(FLAKY);

/// A call on `site` whose attempts fail twice, then succeed.
async fn fails_twice(policy: &Policy) -> Result<u32, StopReason> {
    let mut attempts = 0;
    retry(policy, || {
        attempts += 1;
        let attempt = attempts;
        async move {
            if attempt <= 2 {
                Err("flaky")
            } else {
                Ok(attempt)
            }
        }
    })
    .site(&FLAKY)
    .await
    .map_err(|e| e.reason())
}

#[tokio::test(start_paused = true)]
async fn every_call_runs_to_its_cap_whatever_the_budget() {
    let _testing = testing::scoped(3);
    // The default budget, on: 20 % of calls plus 10 retries a second over 10 s.
    let policy = Policy::builder().max_retries(10).build().unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..100 {
        outcomes.push(fails_twice(&policy).await);
    }
    let refused = outcomes.iter().filter(|o| o.is_err()).count();
    assert_eq!(refused, 0, "{:?}", outcomes.iter().find(|o| o.is_err()));
    assert!(outcomes.iter().all(|o| *o == Ok(3)));
}
