//! An annotated `async fn` runs on any executor: tokio's two runtimes, a tokio runtime built
//! without its timer, `futures::executor::block_on` and a hand-written executor. Each case has
//! a first attempt that fails (so the engine must wait) and one that never ends (so the deadline
//! must fire), and a hedged one that never ends (so the hedge's delay must fire): outside
//! tokio's timer all sleep on the engine's own timer thread, never panic.

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use wait_or_die::wait_or_die;

/// Fails its first two attempts, then answers `attempt number`.
#[wait_or_die(timeout = 10, max_retries = 3, initial_wait = "5ms", max_wait = "10ms")]
async fn flaky(attempts: &AtomicU32) -> io::Result<u32> {
    let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
    if attempt < 3 {
        return Err(io::ErrorKind::ConnectionReset.into());
    }
    Ok(attempt)
}

/// An attempt that never ends, under a 50 ms budget.
#[wait_or_die(timeout = "50ms", max_retries = 3)]
async fn hangs() -> io::Result<()> {
    std::future::pending().await
}

/// An attempt that never ends, under a 20 ms attempt budget and a 10 s total budget.
#[wait_or_die(
    timeout = 10,
    attempt_timeout = "20ms",
    max_retries = 1,
    initial_wait = "1ms"
)]
async fn each_attempt_hangs() -> io::Result<()> {
    std::future::pending().await
}

/// An attempt that never ends, hedged after 10 ms: the hedge answers its number.
#[wait_or_die(timeout = 10, hedge_after = "10ms")]
async fn hedged_hangs() -> io::Result<u32> {
    match wait_or_die::current() {
        Some(call) if call.is_hedge() => Ok(call.hedge()),
        _ => std::future::pending().await,
    }
}

/// What every executor must get right.
async fn the_contract() {
    assert_eq!(hedged_hangs().await.unwrap(), 1, "the hedge's delay fired");
    let attempts = AtomicU32::new(0);
    assert_eq!(
        flaky(&attempts).await.unwrap(),
        3,
        "two waits, then the third attempt"
    );
    let timed_out = hangs().await.unwrap_err();
    assert_eq!(
        timed_out.kind(),
        io::ErrorKind::TimedOut,
        "the deadline fired: {timed_out}"
    );
    let timed_out = each_attempt_hangs().await.unwrap_err();
    assert_eq!(
        timed_out.kind(),
        io::ErrorKind::TimedOut,
        "attempt_timeout fired: {timed_out}"
    );
}

#[test]
fn tokio_current_thread() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(the_contract());
}

#[test]
fn tokio_multi_thread() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async { tokio::spawn(the_contract()).await.unwrap() });
}

#[test]
fn tokio_without_its_timer() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(the_contract());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async { tokio::spawn(the_contract()).await.unwrap() });
}

#[test]
fn futures_block_on() {
    futures_executor::block_on(the_contract());
}

#[test]
fn a_hand_written_executor() {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    fn run<F: Future>(future: F) -> F::Output {
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }
    run(the_contract());
}
