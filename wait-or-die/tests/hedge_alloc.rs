//! A hedged call whose attempt wins before the delay allocates nothing, also when the attempt
//! is pending once (which arms the hedge's timer, inline in the call's future): only a hedge
//! that is really sent is boxed. Counted with a counting allocator that counts only the test's
//! own thread (the runtime is current-thread), so the harness's threads cannot disturb it.

use std::io;
use std::time::Duration;

use wait_or_die::{retry, Policy};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[path = "support/pending_once.rs"]
mod pending_once;
use pending_once::PendingOnce;

static HEDGED: Policy = Policy::builder()
    .timeout(Duration::from_secs(30))
    .hedge_after(Duration::from_millis(50))
    .build_const();

/// One hedged call whose attempt is pending once, and one whose attempt is ready at once.
async fn primary_wins() {
    let pending_once = retry(&HEDGED, || async {
        PendingOnce(false).await;
        Ok::<_, io::Error>(1)
    });
    assert_eq!(pending_once.await.unwrap(), 1);
    let ready = retry(&HEDGED, || async { Ok::<_, io::Error>(2) });
    assert_eq!(ready.await.unwrap(), 2);
}

async fn allocations_per_call(calls: usize) -> usize {
    // The first call starts the thread's deadline watch and makes each place's site: not counted.
    primary_wins().await;
    let before = counting_alloc::allocations();
    for _ in 0..calls {
        primary_wins().await;
    }
    counting_alloc::allocations() - before
}

#[test]
fn a_hedged_call_whose_attempt_wins_before_the_delay_allocates_nothing() {
    counting_alloc::count_this_thread();
    // Paused, so that no watch round happens while counting: the clock only moves when idle.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(allocations_per_call(1_000)), 0);
}
