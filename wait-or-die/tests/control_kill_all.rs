//! The kill switch for all sites, in a binary of its own: it reaches every site of the process.

use std::time::Duration;

use wait_or_die::control::{self, Override};
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry, retry_blocking, Policy};

static FIRST: Site = Site::new("kill_all.first");
register_site!(FIRST);
static SECOND: Site = Site::new("kill_all.second");
register_site!(SECOND);

const THREE_RETRIES: Policy = Policy::builder()
    .max_retries(3)
    .initial_wait(Duration::from_millis(10))
    .no_budget()
    .build_const();

async fn attempts(site: &'static Site) -> u32 {
    retry(&THREE_RETRIES, || async { Err::<(), _>("down") })
        .site(site)
        .await
        .unwrap_err()
        .attempts()
}

#[tokio::test(start_paused = true)]
async fn stops_every_retry_until_released_and_keeps_each_sites_own_override() {
    control::set("kill_all.second", Override::new().max_retries(1)).unwrap();
    control::all_retries_off();
    assert!(control::list().all_retries_off);
    assert_eq!((attempts(&FIRST).await, attempts(&SECOND).await), (1, 1));
    // The site of a place that calls `retry_blocking` without `.site(..)` is reached too,
    // although its first call comes after the switch.
    let anonymous = retry_blocking(&THREE_RETRIES, || Err::<(), _>("down")).call();
    assert_eq!(anonymous.unwrap_err().attempts(), 1);
    // However many distinct policies a site's calls pass at run time.
    let mut per_call = Vec::new();
    for retries in 0..20 {
        let policy = THREE_RETRIES
            .to_builder()
            .max_retries(3 + retries)
            .build()
            .unwrap();
        let err = retry(&policy, || async { Err::<(), _>("down") })
            .site(&FIRST)
            .await;
        per_call.push(err.unwrap_err().attempts());
    }
    assert_eq!(per_call, [1; 20]);

    control::all_retries_on();
    assert_eq!((attempts(&FIRST).await, attempts(&SECOND).await), (4, 2));

    control::all_retries_off();
    control::clear_all();
    assert_eq!((attempts(&FIRST).await, attempts(&SECOND).await), (4, 4));
    assert!(control::list().sites.is_empty());
}
