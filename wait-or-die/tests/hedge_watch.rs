//! The hedges' delays share one tokio timer per thread: hedges still start on time when calls
//! of several delays wait at once, on a multi-thread runtime, and not at all for a call dropped
//! while it waits.

use std::future::pending;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{sleep, Instant};
use wait_or_die::{current, retry, Jitter, Policy};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn hedged_after(delay: Duration) -> Policy {
    Policy::builder()
        .hedge_after(delay)
        .initial_wait(Duration::ZERO)
        .jitter(Jitter::None)
        .no_budget()
        .build()
        .unwrap()
}

/// A call whose attempt never ends and whose hedge answers at once: when the hedge started.
async fn hedge_start(policy: &Policy, start: Instant) -> Duration {
    retry(policy, || async move {
        if current().unwrap().is_hedge() {
            return Ok::<_, ()>(start.elapsed());
        }
        pending().await
    })
    .await
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_shorter_delay_that_starts_later_still_hedges_at_its_own_time() {
    let (late, early) = (hedged_after(ms(200)), hedged_after(ms(30)));
    let start = Instant::now();
    let late_call = hedge_start(&late, start);
    let early_call = async {
        sleep(ms(10)).await;
        hedge_start(&early, start).await
    };
    let (late_at, early_at) = tokio::join!(late_call, early_call);
    assert_eq!((late_at, early_at), (ms(200), ms(40)));
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_while_it_waits_sends_no_hedge() {
    let policy = hedged_after(ms(50));
    let attempts = AtomicU32::new(0);
    let call = retry(&policy, || {
        attempts.fetch_add(1, SeqCst);
        pending::<Result<(), ()>>()
    });
    assert!(tokio::time::timeout(ms(20), call).await.is_err());
    sleep(ms(100)).await;
    assert_eq!(attempts.load(SeqCst), 1);
    // A later call on the same thread still hedges on time.
    let start = Instant::now();
    assert_eq!(hedge_start(&policy, start).await, ms(50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_thread_runtime_every_call_hedges_no_sooner_than_its_delay() {
    let policy = Arc::new(hedged_after(ms(20)));
    let start = Instant::now();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let policy = policy.clone();
            tokio::spawn(async move { hedge_start(&policy, Instant::now()).await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap() >= ms(20));
    }
    assert!(start.elapsed() >= ms(20));
}
