//! The hedge lists wake each attempt at its due time, move their timer for an earlier one, and
//! take a waker back when its attempt ends first.

use super::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::Wake;

/// Counts its wakes.
#[derive(Default)]
struct Wakes(AtomicU32);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `test` on a paused current-thread runtime of a thread of its own (so a list of its own,
/// unless many tests run at once: then the lists are shared, which the tests do not mind).
fn on_paused_runtime(test: impl std::future::Future<Output = ()> + Send + 'static) {
    std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(test);
    })
    .join()
    .unwrap();
}

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

#[test]
fn an_attempt_is_woken_exactly_at_its_due_time() {
    on_paused_runtime(async {
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let registration = register(&waker, now() + ms(50), now()).expect("registered");
        tokio::time::sleep(ms(49)).await;
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
        assert!(registration.still_waiting(&waker));
        tokio::time::sleep(ms(1)).await;
        tokio::task::yield_now().await;
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(!registration.still_waiting(&waker));
    });
}

#[test]
fn an_earlier_due_time_moves_the_driver_s_timer() {
    on_paused_runtime(async {
        let late = Arc::new(Wakes::default());
        let late_waker = Waker::from(late.clone());
        let early = Arc::new(Wakes::default());
        let early_waker = Waker::from(early.clone());
        let start = now();
        let _late = register(&late_waker, start + ms(200), start).expect("registered");
        // Let the driver arm its timer for the late one.
        tokio::task::yield_now().await;
        let _early = register(&early_waker, start + ms(50), start).expect("registered");
        tokio::time::sleep(ms(50)).await;
        tokio::task::yield_now().await;
        assert_eq!(early.0.load(Ordering::SeqCst), 1);
        assert_eq!(late.0.load(Ordering::SeqCst), 0);
        tokio::time::sleep(ms(150)).await;
        tokio::task::yield_now().await;
        assert_eq!(late.0.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn an_attempt_that_ends_first_takes_its_waker_back() {
    on_paused_runtime(async {
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let registration = register(&waker, now() + ms(50), now()).expect("registered");
        let same = Registration(registration.0);
        drop(registration);
        assert!(!same.still_waiting(&waker));
        core::mem::forget(same);
        tokio::time::sleep(ms(100)).await;
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
        // The waker (an `Arc`) was given back: only the test holds it.
        drop(waker);
        assert_eq!(Arc::strong_count(&wakes), 1);
    });
}

#[test]
fn the_waker_is_kept_up_to_date() {
    on_paused_runtime(async {
        let first = Arc::new(Wakes::default());
        let moved = Arc::new(Wakes::default());
        let registration =
            register(&Waker::from(first.clone()), now() + ms(50), now()).expect("registered");
        // The task was polled again with another waker (as on another thread).
        assert!(registration.still_waiting(&Waker::from(moved.clone())));
        tokio::time::sleep(ms(50)).await;
        tokio::task::yield_now().await;
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(moved.0.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn outside_a_tokio_runtime_the_attempt_times_itself() {
    let waker = Waker::from(Arc::new(Wakes::default()));
    let at = Instant::now();
    assert!(register(&waker, at + ms(50), at).is_none());
}

#[test]
fn a_list_gives_its_memory_back_after_a_spike() {
    on_paused_runtime(async {
        let index = thread_shard::current().min(LISTS - 1);
        let waker = Waker::from(Arc::new(Wakes::default()));
        let start = now();
        let spike: Vec<Registration> = (0..100_000)
            .map(|_| register(&waker, start + ms(50), start).expect("registered"))
            .collect();
        let last = Registration(spike[99_999].0);
        // Most attempts end before their hedge is due; the driver wakes the rest.
        drop(spike);
        let late = register(&waker, start + ms(50), start).expect("registered");
        tokio::time::sleep(ms(50)).await;
        tokio::task::yield_now().await;
        let slots = HEDGES[index].lock().slots.capacity();
        assert!(slots <= KEEP_SLOTS, "{slots} slots kept");
        // A registration whose slot is gone reads as woken; the list still works.
        assert!(!last.still_waiting(&waker));
        drop(last);
        assert!(!late.still_waiting(&waker));
        let later = register(&waker, now() + ms(50), now()).expect("registered");
        assert!(later.still_waiting(&waker));
    });
}

#[test]
fn attempts_time_themselves_once_the_driver_has_stalled() {
    on_paused_runtime(async {
        let waker = Waker::from(Arc::new(Wakes::default()));
        let start = now();
        // The driver is started but never runs: this task does not yield.
        let _first = register(&waker, start + ms(50), start).expect("registered");
        let on_time = register(&waker, start + ms(60), start + ms(50) + STALLED);
        assert!(on_time.is_some());
        let stalled = register(&waker, start + ms(60), start + ms(51) + STALLED);
        assert!(stalled.is_none());
    });
}

#[test]
fn a_runtime_shut_down_before_its_driver_ran_lets_the_list_go() {
    std::thread::spawn(|| {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
        };
        let waker = Waker::from(Arc::new(Wakes::default()));
        let first = runtime();
        let at = first.block_on(async { now() });
        // Registered from inside the runtime, which shuts down before its driver ever runs.
        let _gone = first.enter();
        let registration = register(&waker, at + ms(50), at);
        drop(_gone);
        assert!(registration.is_some());
        drop(first);
        drop(registration);
        // The same thread, so the same list: a new runtime's attempt is served.
        let second = runtime();
        let _entered = second.enter();
        let at = Instant::now();
        assert!(register(&waker, at + ms(50), at).is_some());
    })
    .join()
    .unwrap();
}
