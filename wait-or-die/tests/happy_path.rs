//! The happy path allocates nothing and arms no timer: polled once outside any runtime (where
//! creating a tokio timer would panic), under a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use wait_or_die::__private::{Call, RetryAll, Site};
use wait_or_die::{retry, Policy};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted: only the test's, never the harness's.
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

fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(|_| RAW, |_| {}, |_| {}, |_| {});
    const RAW: RawWaker = RawWaker::new(std::ptr::null(), &VTABLE);
    // SAFETY: every vtable function ignores the null data pointer.
    unsafe { Waker::from_raw(RAW) }
}

fn poll_once<F: Future>(fut: F) -> Poll<F::Output> {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    pin!(fut).poll(&mut cx)
}

const SEED: Policy = Policy::builder()
    .timeout(Duration::from_secs(30))
    .max_retries(10)
    .attempt_timeout(Duration::from_secs(5))
    .build_const();

static SITE: Site = Site::new("happy_path::site");

#[test]
fn happy_path_allocates_nothing_and_arms_no_timer() {
    COUNTED.with(|c| c.set(true));
    let ready = poll_once(async { Ok::<_, std::io::Error>(1) });
    assert!(ready.is_ready());

    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let engine = poll_once(retry(&SEED, || async { Ok::<_, std::io::Error>(1) }));
    let expanded = poll_once(async {
        let mut call = Call::start(&SITE, &SEED);
        loop {
            let result = call.attempt(async { Ok::<_, std::io::Error>(2) }).await;
            match call.settle(result, &RetryAll) {
                std::ops::ControlFlow::Break(r) => break r,
                std::ops::ControlFlow::Continue(e) => {
                    if let std::ops::ControlFlow::Break(e) = call.wait(e).await {
                        break Err(e);
                    }
                }
            }
        }
    });
    let after = ALLOCATIONS.load(Ordering::SeqCst);

    assert!(matches!(engine, Poll::Ready(Ok(1))));
    assert!(matches!(expanded, Poll::Ready(Ok(2))));
    assert_eq!(after - before, 0, "allocations on the happy path");
    assert_eq!(SITE.snapshot().calls, 1);
    assert_eq!(SITE.snapshot().attempts, 1);
}
