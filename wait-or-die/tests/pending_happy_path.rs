//! The realistic happy path, where the attempt does I/O and so is pending once before it
//! succeeds, allocates nothing under the seed's 30 s deadline once the thread's deadline watch
//! is running: no timer box, no timer. Counted with a counting allocator that counts only the
//! test's own thread (the runtime is current-thread), so the test harness's threads cannot
//! disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use wait_or_die::{retry, wait_or_die, Policy};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Pending once, then ready: what any attempt that waits for I/O does at least.
struct PendingOnce(bool);

impl Future for PendingOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
async fn recv_json() -> Result<u32, io::Error> {
    PendingOnce(false).await;
    Ok(1)
}

static SEED: Policy = Policy::builder()
    .timeout(std::time::Duration::from_secs(30))
    .max_retries(10)
    .build_const();

async fn allocations_per_call(calls: usize) -> usize {
    // The first call starts the thread's watch driver: not counted.
    recv_json().await.unwrap();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..calls {
        assert_eq!(recv_json().await.unwrap(), 1);
        let engine = retry(&SEED, || async {
            PendingOnce(false).await;
            Ok::<_, io::Error>(2)
        });
        assert_eq!(engine.await.unwrap(), 2);
    }
    ALLOCATIONS.load(Ordering::SeqCst) - before
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
    COUNTED.with(|c| c.set(true));
    let first = runtime();
    assert_eq!(first.block_on(allocations_per_call(1_000)), 0);
    drop(first);
    // A runtime shut down with its driver does not leave the thread's watch unusable.
    let second = runtime();
    assert_eq!(second.block_on(allocations_per_call(1_000)), 0);
}
