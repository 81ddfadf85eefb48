//! The watch lists give their memory back after a spike, and keep working.

use super::*;
use std::sync::Arc;
use std::task::Wake;

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// The bytes list `index` holds for its slots and its free list.
fn held(index: usize) -> usize {
    let state = WATCH[index].lock();
    state.slots.capacity() * size_of::<Entry>() + state.free.capacity() * size_of::<u32>()
}

#[test]
fn a_list_gives_its_memory_back_after_a_spike() {
    // A thread of its own has a list of its own.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let index = thread_shard::current().min(LISTS - 1);
            let waker = Waker::from(Arc::new(Noop));
            let now = tokio::time::Instant::now().into_std();
            let spike: Vec<Ticket> = (0..200_000)
                .map(|_| watch(&waker, now).expect("watched"))
                .collect();
            let at_the_peak = held(index);
            assert!(at_the_peak >= 200_000 * size_of::<Entry>(), "{at_the_peak}");
            // Half the attempts end before a round, the driver wakes the rest.
            spike[..100_000].iter().copied().for_each(unwatch);
            tokio::time::sleep(3 * ROUND).await;
            let after = held(index);
            assert!(
                after <= KEEP_SLOTS * (size_of::<Entry>() + size_of::<u32>()),
                "{at_the_peak} bytes at the peak, {after} after"
            );
            // Tickets of the spike, their slots gone, read as drained; the list still works.
            assert!(!still_watched(spike[199_999], &waker));
            unwatch(spike[199_999]);
            let later = watch(&waker, tokio::time::Instant::now().into_std()).unwrap();
            assert!(still_watched(later, &waker));
            unwatch(later);
        });
    })
    .join()
    .unwrap();
}

#[test]
fn a_busy_list_empties_its_back_and_shrinks_while_attempts_keep_coming() {
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let index = thread_shard::current().min(LISTS - 1);
            let waker = Waker::from(Arc::new(Noop));
            let now = || tokio::time::Instant::now().into_std();
            let spike: Vec<Ticket> = (0..50_000).map(|_| watch(&waker, now()).unwrap()).collect();
            spike.into_iter().for_each(unwatch);
            // A hundred attempts pending in every round from now on, never none.
            for _ in 0..10 {
                for _ in 0..100 {
                    watch(&waker, now()).unwrap();
                }
                tokio::time::sleep(ROUND).await;
            }
            let slots = WATCH[index].lock().slots.capacity();
            assert!(slots <= KEEP_SLOTS, "{slots} slots kept");
        });
    })
    .join()
    .unwrap();
}

#[test]
fn a_late_round_wakes_every_attempt() {
    assert_eq!(due(5, Duration::ZERO), 4);
    assert_eq!(due(5, ROUND), 4);
    assert_eq!(due(5, LATE - Duration::from_nanos(1)), 4);
    assert_eq!(due(5, LATE), 5);
    assert_eq!(due(5, Duration::MAX), 5);
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
        let waker = Waker::from(Arc::new(Noop));
        let first = runtime();
        let entered = first.enter();
        // Watched from inside the runtime, which shuts down before its driver ever runs.
        let ticket = watch(&waker, Instant::now());
        drop(entered);
        assert!(ticket.is_some());
        drop(first);
        // The same thread, so the same list: a new runtime's attempt is watched.
        let second = runtime();
        let _entered = second.enter();
        assert!(watch(&waker, Instant::now()).is_some());
    })
    .join()
    .unwrap();
}
