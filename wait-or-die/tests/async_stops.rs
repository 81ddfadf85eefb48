//! Every row of DESIGN.md's "how a call ends" table, for the async engine, on tokio's paused clock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{retry, Action, Jitter, Policy, StopReason};

fn seed_policy() -> Policy {
    Policy::builder()
        .timeout(Duration::from_secs(30))
        .max_retries(10)
        .initial_wait(Duration::from_millis(500))
        .max_wait(Duration::from_secs(5))
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn first_success_returns_at_once() {
    let policy = seed_policy();
    let start = Instant::now();
    let value = retry(&policy, || async { Ok::<_, &str>(7) }).await.unwrap();
    assert_eq!(value, 7);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn exhausted_after_max_retries_plus_one_attempts() {
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(10)
        .initial_wait(Duration::from_millis(500))
        .max_wait(Duration::from_secs(5))
        .jitter(Jitter::None)
        .build()
        .unwrap();
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    let err = retry(&policy, || {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err::<(), _>("down") }
    })
    .await
    .unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 11);
    assert_eq!(err.reason(), StopReason::Exhausted);
    assert_eq!(err.attempts(), 11);
    assert_eq!(err.last_error(), Some(&"down"));
    // 0.5 + 1 + 2 + 4 + 5 × 6 = 37.5 s of waits, exactly, with no jitter.
    assert_eq!(start.elapsed(), Duration::from_millis(37_500));
}

#[tokio::test(start_paused = true)]
async fn permanent_error_dies_at_once() {
    let policy = seed_policy();
    let start = Instant::now();
    let err = retry(&policy, || async { Err::<(), _>(403) })
        .classify(|code: &i32| {
            if *code == 403 {
                Action::Die
            } else {
                Action::Retry
            }
        })
        .await
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::Permanent);
    assert_eq!(err.attempts(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn returns_at_once_when_next_wait_would_cross_the_deadline() {
    // Waits 0.5, 1, 2, 4, 5, 5, 5, 5 sum to 27.5 s; the next 5 s wait would end at 32.5 s > 30 s.
    let policy = seed_policy();
    let start = Instant::now();
    let err = retry(&policy, || async { Err::<(), _>("down") })
        .await
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(err.attempts(), 9);
    assert_eq!(start.elapsed(), Duration::from_millis(27_500));
    assert_eq!(err.last_error(), Some(&"down"));
}

#[tokio::test(start_paused = true)]
async fn attempt_in_flight_at_the_deadline_is_cancelled() {
    let policy = seed_policy();
    let start = Instant::now();
    let live = Arc::new(());
    let err = retry(&policy, || {
        let guard = live.clone();
        async move {
            let _guard = guard;
            std::future::pending::<Result<(), &str>>().await
        }
    })
    .await
    .unwrap_err();
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(err.attempts(), 1);
    assert!(err.last_error().is_none());
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    assert_eq!(Arc::strong_count(&live), 1, "the attempt was dropped");
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_cancels_and_retries() {
    let policy = Policy::builder()
        .timeout(Duration::from_secs(30))
        .attempt_timeout(Duration::from_secs(2))
        .max_retries(3)
        .initial_wait(Duration::from_secs(1))
        .jitter(Jitter::None)
        .build()
        .unwrap();
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    let value = retry(&policy, || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                std::future::pending::<()>().await;
            }
            Ok::<_, &str>(n)
        }
    })
    .await
    .unwrap();
    assert_eq!(value, 1);
    // 2 s attempt cut, 1 s wait, then the second attempt succeeds at once.
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_on_the_last_attempt_is_reported() {
    let policy = Policy::builder()
        .no_timeout()
        .attempt_timeout(Duration::from_secs(1))
        .max_retries(1)
        .initial_wait(Duration::ZERO)
        .build()
        .unwrap();
    let err = retry(&policy, std::future::pending::<Result<(), ()>>)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::AttemptTimedOut);
    assert_eq!(err.attempts(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_hint_lengthens_the_wait() {
    let policy = seed_policy();
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    retry(&policy, || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err("slow down")
            } else {
                Ok(())
            }
        }
    })
    .classify(|_: &&str| Action::RetryAfter(Duration::from_secs(3)))
    .await
    .unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn hint_past_the_deadline_gives_up_at_once() {
    let policy = seed_policy();
    let start = Instant::now();
    let err = retry(&policy, || async { Err::<(), _>("busy") })
        .classify(|_: &&str| Action::RetryAfter(Duration::from_secs(60)))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), StopReason::Deadline);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn panics_propagate_and_are_not_retried() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let task = tokio::spawn(async move {
        let policy = seed_policy();
        retry(&policy, || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { panic!("attempt exploded") as Result<(), &str> }
        })
        .await
        .map_err(|e| e.attempts())
    });
    let err = task.await.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_mid_wait_leaves_nothing_running() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let task = tokio::spawn(async move {
        let policy = seed_policy();
        retry(&policy, || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>("down") }
        })
        .await
    });
    // The first wait is 0.5 s: stop the call in the middle of it.
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "no attempt after the drop");
    assert_eq!(Arc::strong_count(&calls), 1, "the operation was dropped");
}

#[tokio::test(start_paused = true)]
async fn jittered_waits_stay_within_the_nominal_schedule() {
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(6)
        .initial_wait(Duration::from_millis(500))
        .max_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let stamps = std::sync::Mutex::new(Vec::new());
    let _ = retry(&policy, || {
        stamps.lock().unwrap().push(Instant::now());
        async { Err::<(), _>(()) }
    })
    .await;
    let stamps = stamps.into_inner().unwrap();
    let nominal = [500u64, 1000, 2000, 4000, 5000, 5000];
    for (gap, nominal) in stamps.windows(2).map(|w| w[1] - w[0]).zip(nominal) {
        let nominal = Duration::from_millis(nominal);
        assert!(
            gap <= nominal && gap >= nominal / 2,
            "{gap:?} vs {nominal:?}"
        );
    }
}

#[test]
fn retry_future_is_send_when_the_operation_is() {
    fn assert_send<T: Send>(_: T) {}
    let policy = seed_policy();
    assert_send(retry(&policy, || async { Ok::<_, std::io::Error>(()) }));
}
