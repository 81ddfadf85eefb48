//! The realistic happy path, where the attempt does I/O and so is pending once before it
//! succeeds, allocates nothing under the seed's 30 s deadline once the thread's deadline watch
//! is running: no timer box, no timer. Counted with a counting allocator that counts only the
//! test's own thread (the runtime is current-thread), so the test harness's threads cannot
//! disturb it.

use std::io;

use wait_or_die::{retry, wait_or_die, Policy};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[path = "support/pending_once.rs"]
mod pending_once;
use pending_once::PendingOnce;

#[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
async fn recv_json() -> Result<u32, io::Error> {
    PendingOnce(false).await;
    Ok(1)
}

static SEED: Policy = Policy::builder()
    .timeout(std::time::Duration::from_secs(30))
    .max_retries(10)
    .build_const();

/// One annotated call and one call of the engine's API, each pending once.
async fn both_pending_once() {
    assert_eq!(recv_json().await.unwrap(), 1);
    let engine = retry(&SEED, || async {
        PendingOnce(false).await;
        Ok::<_, io::Error>(2)
    });
    assert_eq!(engine.await.unwrap(), 2);
}

async fn allocations_per_call(calls: usize) -> usize {
    // The first call starts the thread's watch driver, and the first call from the engine's
    // place makes that place's site: not counted.
    both_pending_once().await;
    let before = counting_alloc::allocations();
    for _ in 0..calls {
        both_pending_once().await;
    }
    counting_alloc::allocations() - before
}

fn runtime() -> tokio::runtime::Runtime {
    // Paused, so that no watch round happens while counting: the clock only moves when idle.
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_pending_once_call_under_a_deadline_allocates_nothing() {
    counting_alloc::count_this_thread();
    let first = runtime();
    assert_eq!(first.block_on(allocations_per_call(1_000)), 0);
    drop(first);
    // A runtime shut down with its driver does not leave the thread's watch unusable.
    let second = runtime();
    assert_eq!(second.block_on(allocations_per_call(1_000)), 0);
}
