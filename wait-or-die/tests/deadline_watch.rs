//! An attempt pending under a distant deadline is watched coarsely instead of arming a timer;
//! the deadline must stay exact, and the watch must keep working whatever runtimes come and go
//! on a thread. Each case runs on tokio's paused clock; the cases that could hang if the watch
//! failed run on a thread of their own, watched by a real-time limit.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};
use tokio::time::Instant;
use wait_or_die::{retry, Policy, StopReason};

fn budget(timeout: Duration) -> Policy {
    Policy::builder()
        .timeout(timeout)
        .max_retries(3)
        .build()
        .unwrap()
}

/// A budget long enough that its attempts stay watched through every case.
static A_MINUTE: Policy = Policy::builder()
    .timeout(Duration::from_secs(60))
    .build_const();

/// Leaves a call pending on a silent peer, watched, in a task of the current runtime.
fn leave_a_watched_call_behind() {
    tokio::spawn(async {
        let _ = retry(&A_MINUTE, silent_peer).await;
    });
}

fn paused() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// An attempt that never ends, like a read from a peer that never answers.
async fn silent_peer() -> Result<(), io::Error> {
    std::future::pending().await
}

/// Runs `case` on a thread of its own; fails if it takes more than a few real seconds (a call
/// whose deadline is never enforced hangs for ever on a paused clock).
fn within_real_seconds<T: Send + 'static>(case: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, outcome) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(case());
    });
    outcome
        .recv_timeout(Duration::from_secs(20))
        .expect("the call hung: its deadline was never enforced")
}

#[test]
fn a_watched_attempt_is_cancelled_exactly_at_the_deadline() {
    for millis in [300, 301, 450, 1_000, 30_000, 3_600_000] {
        let timeout = Duration::from_millis(millis);
        let elapsed = paused().block_on(async {
            let start = Instant::now();
            let err = retry(&budget(timeout), silent_peer).await.unwrap_err();
            assert_eq!(err.reason(), StopReason::Deadline);
            start.elapsed()
        });
        assert_eq!(elapsed, timeout, "budget {timeout:?}");
    }
}

#[test]
fn a_second_runtime_on_the_same_thread_does_not_rely_on_a_runtime_that_is_not_running() {
    let elapsed = within_real_seconds(|| {
        // Runtime A leaves a watched attempt behind, and so a driver on A, then stops running
        // (a current-thread runtime only runs inside block_on) while staying alive.
        let a = Builder::new_current_thread().enable_time().build().unwrap();
        a.block_on(async {
            leave_a_watched_call_behind();
            tokio::task::yield_now().await;
        });
        let elapsed = paused().block_on(async {
            let start = Instant::now();
            let _ = retry(&budget(Duration::from_secs(2)), silent_peer).await;
            start.elapsed()
        });
        drop(a);
        elapsed
    });
    assert_eq!(elapsed, Duration::from_secs(2));
}

#[test]
fn a_runtime_shut_down_with_watched_attempts_leaves_the_watch_working() {
    let elapsed = within_real_seconds(|| {
        let a = paused();
        a.block_on(async {
            for _ in 0..10 {
                leave_a_watched_call_behind();
            }
            tokio::task::yield_now().await;
        });
        drop(a);
        paused().block_on(async {
            let start = Instant::now();
            let _ = retry(&budget(Duration::from_secs(2)), silent_peer).await;
            start.elapsed()
        })
    });
    assert_eq!(elapsed, Duration::from_secs(2));
}

/// A waker that only counts.
struct Counting(std::sync::atomic::AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn an_attempt_polled_by_a_new_task_is_woken_there() {
    let elapsed = within_real_seconds(|| {
        paused().block_on(async {
            let policy = budget(Duration::from_secs(1));
            let start = Instant::now();
            let mut call = pin!(retry(&policy, silent_peer));
            // First polled with a waker that wakes nobody, as by a task that then hands the
            // future over: the watch must wake the task that polls it now.
            let stale = Waker::from(Arc::new(Counting(Default::default())));
            assert!(call
                .as_mut()
                .poll(&mut Context::from_waker(&stale))
                .is_pending());
            let err = call.await.unwrap_err();
            assert_eq!(err.reason(), StopReason::Deadline);
            start.elapsed()
        })
    });
    assert_eq!(elapsed, Duration::from_secs(1));
}

#[test]
fn advancing_the_clock_past_a_watched_deadline_ends_the_call_as_a_tokio_timeout() {
    // A user's test steps the paused clock past the deadline in one jump: the call must end
    // then, as `tokio::time::timeout` does, not a watch round later.
    let (call, timer) = within_real_seconds(|| {
        paused().block_on(async {
            let start = Instant::now();
            let policy = budget(Duration::from_secs(1));
            let call = tokio::spawn(async move {
                let err = retry(&policy, silent_peer).await.unwrap_err();
                assert_eq!(err.reason(), StopReason::Deadline);
                start.elapsed()
            });
            let timer = tokio::spawn(async move {
                let timed_out = tokio::time::timeout(Duration::from_secs(1), silent_peer()).await;
                assert!(timed_out.is_err());
                start.elapsed()
            });
            tokio::task::yield_now().await; // both are pending: the call's attempt is watched
            tokio::time::advance(Duration::from_millis(1_001)).await;
            (call.await.unwrap(), timer.await.unwrap())
        })
    });
    assert_eq!(timer, Duration::from_millis(1_001));
    assert_eq!(
        call, timer,
        "the call ended later than the timeout beside it"
    );
}
