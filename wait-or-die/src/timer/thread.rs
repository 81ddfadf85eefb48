//! A timer thread of the engine's own, for executors that bring no tokio timer
//! (`futures::executor::block_on`, smol, a tokio runtime built without `enable_time`).
//!
//! One thread, started on first use, keeps the pending deadlines in a heap and wakes each
//! sleeper's task when its deadline passes. It is only ever used where tokio's timer cannot be:
//! a sleep costs an allocation and a lock here, which the tokio path never pays.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Instant;

/// The heap of pending deadlines, shared with the thread.
struct Shared {
    heap: Mutex<Heap>,
    changed: Condvar,
}

#[derive(Default)]
struct Heap {
    /// Deadline, then registration order; the entry is gone once its sleeper is dropped.
    due: BinaryHeap<Reverse<(Instant, u64, Slot)>>,
    next_id: u64,
    /// The heap's length at which entries of dropped sleepers are cleared out next.
    purge_at: usize,
}

/// The least heap length at which a purge runs.
const MIN_PURGE_AT: usize = 64;

/// A heap entry: only its sleeper holds it strongly.
struct Slot(Weak<Mutex<Option<Waker>>>);

impl PartialEq for Slot {
    fn eq(&self, _: &Self) -> bool {
        true // ordered by (deadline, id) alone, which are unique
    }
}
impl Eq for Slot {}
impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Slot {
    fn cmp(&self, _: &Self) -> core::cmp::Ordering {
        core::cmp::Ordering::Equal
    }
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<&'static Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            heap: Mutex::new(Heap::default()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("wait-or-die-timer".into())
            .spawn(move || run(shared))
            .expect("the timer thread starts");
        shared
    })
}

fn lock(heap: &Mutex<Heap>) -> MutexGuard<'_, Heap> {
    heap.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Wakes every sleeper whose deadline has passed, then waits for the next deadline.
fn run(shared: &'static Shared) {
    let mut due_now = Vec::new();
    let mut heap = lock(&shared.heap);
    loop {
        let now = Instant::now();
        while let Some(Reverse((at, _, _))) = heap.due.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, _, Slot(slot)))) = heap.due.pop() else {
                break;
            };
            due_now.extend(slot.upgrade());
        }
        let next = heap.due.peek().map(|Reverse((at, _, _))| *at);
        drop(heap);
        for slot in due_now.drain(..) {
            let waker = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            waker.into_iter().for_each(Waker::wake); // never under the heap's lock
        }
        heap = lock(&shared.heap);
        heap = match next {
            Some(at) if heap.due.peek().map(|Reverse((first, _, _))| *first) == Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                shared
                    .changed
                    .wait_timeout(heap, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            Some(_) => heap, // an earlier deadline arrived meanwhile: look again at once
            None if heap.due.is_empty() => shared
                .changed
                .wait(heap)
                .unwrap_or_else(PoisonError::into_inner),
            None => heap,
        };
    }
}

/// A sleep until a deadline, woken by the timer thread.
#[derive(Debug)]
pub(crate) struct ThreadSleep {
    deadline: Instant,
    /// The waker slot the thread holds weakly, once registered for this deadline.
    slot: Option<Arc<Mutex<Option<Waker>>>>,
}

impl ThreadSleep {
    /// A sleep that ends at `deadline`.
    pub(crate) fn until(deadline: Instant) -> Self {
        ThreadSleep {
            deadline,
            slot: None,
        }
    }

    /// When the sleep ends.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline; the old registration lapses.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.slot = None;
    }

    fn register(&mut self, waker: &Waker) {
        if let Some(slot) = &self.slot {
            let mut held = slot.lock().unwrap_or_else(PoisonError::into_inner);
            match held.as_mut() {
                Some(old) if old.will_wake(waker) => {}
                _ => *held = Some(waker.clone()),
            }
            return;
        }
        let slot = Arc::new(Mutex::new(Some(waker.clone())));
        let shared = shared();
        let mut heap = lock(&shared.heap);
        heap.next_id += 1;
        let id = heap.next_id;
        let earliest = heap
            .due
            .peek()
            .is_none_or(|Reverse((at, _, _))| self.deadline < *at);
        heap.due
            .push(Reverse((self.deadline, id, Slot(Arc::downgrade(&slot)))));
        if heap.due.len() >= heap.purge_at.max(MIN_PURGE_AT) {
            // Amortised: the next purge waits until the heap has doubled again.
            heap.due
                .retain(|Reverse((_, _, Slot(slot)))| slot.strong_count() > 0);
            heap.purge_at = 2 * heap.due.len();
        }
        drop(heap);
        if earliest {
            shared.changed.notify_one();
        }
        self.slot = Some(slot);
    }
}

impl Future for ThreadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.slot = None;
            return Poll::Ready(());
        }
        self.register(cx.waker());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn block_on<F: Future>(future: F) -> F::Output {
        struct ThreadWaker(std::thread::Thread);
        impl std::task::Wake for ThreadWaker {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    #[test]
    fn a_sleep_ends_at_its_deadline_and_not_before() {
        let start = Instant::now();
        block_on(ThreadSleep::until(start + Duration::from_millis(30)));
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn a_reset_sleep_ends_at_the_new_deadline() {
        let start = Instant::now();
        let mut sleep = ThreadSleep::until(start + Duration::from_secs(3600));
        let waker = Waker::noop();
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(waker))
            .is_pending());
        sleep.reset(start + Duration::from_millis(20));
        block_on(sleep);
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_past_deadline_is_ready_at_once() {
        let mut sleep = ThreadSleep::until(Instant::now());
        let waker = Waker::noop();
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(waker))
            .is_ready());
    }

    #[test]
    fn dropped_sleepers_are_purged_from_the_heap() {
        let far = Instant::now() + Duration::from_secs(3600);
        let waker = Waker::noop();
        for _ in 0..1000 {
            let mut sleep = ThreadSleep::until(far);
            let _ = Pin::new(&mut sleep).poll(&mut Context::from_waker(waker));
        }
        assert!(
            lock(&shared().heap).due.len() <= 200,
            "stale entries are dropped as they pile up"
        );
    }
}
