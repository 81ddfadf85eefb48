//! Live tuning through `wait_or_die::control`: overrides and the kill switch of one site change
//! the calls that start after them. Each test uses sites of its own: tests run in parallel.

use std::io;
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::control::{self, ControlError, Override};
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry, retry_blocking, wait_or_die, Jitter, Policy, PolicyError};

/// Four retries one second apart, no jitter: the schedule is exact.
const FOUR_RETRIES: Policy = Policy::builder()
    .max_retries(4)
    .initial_wait(Duration::from_secs(1))
    .max_wait(Duration::from_secs(1))
    .jitter(Jitter::None)
    .no_budget()
    .build_const();

static TUNED: Site = Site::new("control.tuned");
register_site!(TUNED);

async fn attempts_of_a_failing_call(site: &'static Site) -> (u32, Duration) {
    let start = Instant::now();
    let err = retry(&FOUR_RETRIES, || async { Err::<(), _>("down") })
        .site(site)
        .await
        .unwrap_err();
    (err.attempts(), start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn an_override_changes_the_next_call_and_clear_restores_it() {
    assert_eq!(
        attempts_of_a_failing_call(&TUNED).await,
        (5, Duration::from_secs(4))
    );

    let faster = Override::new()
        .max_retries(2)
        .initial_wait(Duration::from_millis(100))
        .max_wait(Duration::from_millis(100));
    control::set("control.tuned", faster).unwrap();
    assert_eq!(
        attempts_of_a_failing_call(&TUNED).await,
        (3, Duration::from_millis(200))
    );

    control::clear("control.tuned").unwrap();
    assert_eq!(
        attempts_of_a_failing_call(&TUNED).await,
        (5, Duration::from_secs(4))
    );
}

static STARTED: Site = Site::new("control.started");
register_site!(STARTED);

#[tokio::test(start_paused = true)]
async fn a_call_in_progress_keeps_the_policy_it_started_with() {
    let call = tokio::spawn(attempts_of_a_failing_call(&STARTED));
    tokio::time::sleep(Duration::from_millis(1500)).await; // the call is in its second wait
    control::retries_off("control.started").unwrap();
    assert_eq!(call.await.unwrap(), (5, Duration::from_secs(4)));
    assert_eq!(
        attempts_of_a_failing_call(&STARTED).await,
        (1, Duration::ZERO)
    );
    control::clear("control.started").unwrap();
}

static SWITCHED: Site = Site::new("control.switched");
register_site!(SWITCHED);

#[test]
fn the_kill_switch_makes_one_attempt_until_released() {
    let policy = Policy::builder()
        .max_retries(3)
        .initial_wait(Duration::ZERO)
        .build()
        .unwrap();
    let attempts = || {
        retry_blocking(&policy, || Err::<(), _>("down"))
            .site(&SWITCHED)
            .call()
            .unwrap_err()
            .attempts()
    };
    control::set("control.switched", Override::new().max_retries(2)).unwrap();
    control::retries_off("control.switched").unwrap();
    assert_eq!(attempts(), 1);
    control::retries_on("control.switched").unwrap();
    assert_eq!(attempts(), 3, "the override under the kill switch is back");
    control::clear("control.switched").unwrap();
    assert_eq!(attempts(), 4);
}

#[test]
fn an_unknown_site_is_refused_with_the_closest_name() {
    let err = control::set("control.swiched", Override::new().max_retries(1)).unwrap_err();
    assert_eq!(
        err,
        ControlError::UnknownSite {
            name: "control.swiched".into(),
            suggestion: Some("control.switched"),
        }
    );
    assert!(
        err.to_string().contains("did you mean `control.switched`?"),
        "{err}"
    );
    assert!(control::retries_off("nowhere.at.all").is_err());
    assert!(control::clear("nowhere.at.all").is_err());
}

#[wait_or_die(
    name = "control.declared",
    max_retries = 3,
    initial_wait = "1s",
    max_wait = "4s"
)]
fn declared() -> io::Result<()> {
    Err(io::ErrorKind::ConnectionReset.into())
}

#[test]
fn an_override_is_checked_against_the_declared_policy_and_refused_whole() {
    let below = Override::new()
        .max_retries(1)
        .max_wait(Duration::from_millis(500));
    let err = control::set("control.declared", below).unwrap_err();
    assert_eq!(
        err,
        ControlError::InvalidPolicy {
            site: "control.declared".into(),
            error: PolicyError::MaxWaitBelowInitialWait,
        }
    );
    assert_eq!(err.setting(), Some("max_wait"));
    assert!(!control::list()
        .sites
        .iter()
        .any(|s| s.site == "control.declared"));

    control::set("control.declared", Override::new().max_retries(0)).unwrap();
    let listed = control::list();
    let entry = listed
        .sites
        .iter()
        .find(|s| s.site == "control.declared")
        .unwrap();
    assert!(entry.from_api && !entry.from_file);
    let policy = entry.policy.unwrap();
    assert_eq!(
        (policy.max_retries(), policy.max_wait()),
        (0, Duration::from_secs(4))
    );
    assert!(declared().is_err());
    let site = wait_or_die::stats::sites()
        .find(|s| s.name() == "control.declared")
        .unwrap();
    assert_eq!(site.snapshot().attempts, 1, "one attempt, no retry");
    control::clear("control.declared").unwrap();
}

#[wait_or_die(name = "control.jitter.none", jitter = "none")]
fn jitter_none() -> Result<(), ()> {
    Ok(())
}
#[wait_or_die(name = "control.jitter.full", jitter = "full")]
fn jitter_full() -> Result<(), ()> {
    Ok(())
}
#[wait_or_die(name = "control.jitter.equal", jitter = "equal")]
fn jitter_equal() -> Result<(), ()> {
    Ok(())
}
#[wait_or_die(name = "control.jitter.decorrelated", jitter = "decorrelated")]
fn jitter_decorrelated() -> Result<(), ()> {
    Ok(())
}

#[test]
fn the_engine_names_each_jitter_as_the_attribute_does() {
    let _ = (
        jitter_none(),
        jitter_full(),
        jitter_equal(),
        jitter_decorrelated(),
    );
    for name in ["none", "full", "equal", "decorrelated"] {
        let site_name = format!("control.jitter.{name}");
        let site = wait_or_die::stats::sites()
            .find(|s| s.name() == site_name)
            .unwrap();
        let jitter = site.policy().unwrap().jitter();
        assert_eq!(
            (Jitter::from_name(name), jitter.name()),
            (Some(jitter), name)
        );
    }
}
