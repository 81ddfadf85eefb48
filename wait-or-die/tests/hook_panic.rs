//! A give-up hook that panics: the panic reaches the caller, and the call is still counted once,
//! by how it ended (a binary of its own: hooks are process-wide).

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use wait_or_die::stats::Site;
use wait_or_die::{hooks, register_site, retry, retry_blocking, Policy, StopReason};

static BLOCKING: Site = Site::new("hook_panic.blocking");
register_site!(BLOCKING);
static ASYNC: Site = Site::new("hook_panic.async");
register_site!(ASYNC);

const ONE_RETRY: Policy = Policy::builder()
    .max_retries(1)
    .initial_wait(Duration::from_millis(10))
    .no_budget()
    .build_const();

/// Calls, deaths and cancels of a site: one outcome per call.
fn outcomes(site: &Site) -> (u64, u64, u64) {
    let s = site.snapshot();
    (s.calls, s.died(), s.cancelled)
}

#[tokio::test(start_paused = true)]
async fn a_panicking_give_up_hook_leaves_one_outcome_per_call() {
    let hook = hooks::on_give_up(|event| {
        if event.site.starts_with("hook_panic.") {
            assert_eq!(event.reason, StopReason::Exhausted);
            panic!("the hook's own bug");
        }
    });

    let blocking = catch_unwind(AssertUnwindSafe(|| {
        retry_blocking(&ONE_RETRY, || Err::<(), _>(io::ErrorKind::ConnectionReset))
            .site(&BLOCKING)
            .call()
    }));
    assert!(blocking.is_err(), "the hook's panic reaches the caller");

    let task = tokio::spawn(async {
        retry(&ONE_RETRY, || async {
            Err::<(), _>(io::ErrorKind::ConnectionReset)
        })
        .site(&ASYNC)
        .await
    });
    assert!(task.await.unwrap_err().is_panic());
    hook.remove();

    assert_eq!(
        outcomes(&BLOCKING),
        (1, 1, 0),
        "one call, died, not also cancelled"
    );
    assert_eq!(
        outcomes(&ASYNC),
        (1, 1, 0),
        "one call, died, not also cancelled"
    );
}

static RETRYING: Site = Site::new("hook_retry_panic.blocking");
register_site!(RETRYING);

#[test]
fn a_panicking_retry_hook_leaves_one_outcome_per_call() {
    let hook = hooks::on_retry(|event| {
        if event.site == "hook_retry_panic.blocking" {
            panic!("the hook's own bug");
        }
    });
    let call = catch_unwind(AssertUnwindSafe(|| {
        retry_blocking(&ONE_RETRY, || Err::<(), _>(io::ErrorKind::ConnectionReset))
            .site(&RETRYING)
            .call()
    }));
    hook.remove();
    assert!(call.is_err(), "the hook's panic reaches the caller");
    let s = RETRYING.snapshot();
    assert_eq!(
        (s.calls, s.died(), s.cancelled, s.retries),
        (1, 0, 1, 0),
        "one call, ended by the panic before its retry started"
    );
}
