//! The happy path allocates nothing and arms no timer: polled once outside any runtime (where
//! creating a tokio timer would panic), under a counting allocator.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use wait_or_die::__private::{Call, RetryAll, Site};
use wait_or_die::{retry, Policy};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

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
    counting_alloc::count_this_thread();
    let ready = poll_once(async { Ok::<_, std::io::Error>(1) });
    assert!(ready.is_ready());

    let engine_call = || poll_once(retry(&SEED, || async { Ok::<_, std::io::Error>(1) }));
    // The first call from a place makes that place's site, once; every later call finds it.
    assert!(engine_call().is_ready());

    let before = counting_alloc::allocations();
    let engine = engine_call();
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
    let after = counting_alloc::allocations();

    assert!(matches!(engine, Poll::Ready(Ok(1))));
    assert!(matches!(expanded, Poll::Ready(Ok(2))));
    assert_eq!(after - before, 0, "allocations on the happy path");
    assert_eq!(SITE.snapshot().calls, 1);
    assert_eq!(SITE.snapshot().attempts, 1);
}
