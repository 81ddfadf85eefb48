//! The test switch caps attempts and skips waits for every call in the process. Its own test
//! binary, because the switch is process-wide.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{retry, retry_blocking, testing, Policy, StopReason};

#[tokio::test(start_paused = true)]
async fn caps_attempts_and_skips_waits_then_restores() {
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(10)
        .initial_wait(Duration::from_secs(1))
        .jitter(wait_or_die::Jitter::None)
        .build()
        .unwrap();
    let calls = AtomicU32::new(0);
    let op = || {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err::<(), _>("down") }
    };

    {
        let _testing = testing::scoped(2);
        let start = Instant::now();
        let err = retry(&policy, op).await.unwrap_err();
        assert_eq!(err.reason(), StopReason::Exhausted);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(start.elapsed(), Duration::ZERO, "no waits in testing mode");

        let mut blocking_calls = 0;
        let real = std::time::Instant::now();
        let _ = retry_blocking(&policy, || {
            blocking_calls += 1;
            Err::<(), _>(())
        })
        .call();
        assert_eq!(blocking_calls, 2);
        assert!(real.elapsed() < Duration::from_secs(1), "no real sleep");
    }

    assert_eq!(testing::max_attempts(), None);
    calls.store(0, Ordering::SeqCst);
    let start = Instant::now();
    let _ = retry(&policy, op).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        11,
        "the policy's own attempts again"
    );
    // 1 + 2 + 4 s, then seven waits capped at 5 s.
    assert_eq!(start.elapsed(), Duration::from_secs(42));
}
