//! A small number for each live thread, so that per-thread state (statistics slots, deadline
//! watch lists) can live in fixed arrays without a lock on the hot path.
//!
//! A thread takes the smallest free number on first use and gives it back when it exits, so a
//! test binary that runs thousands of short threads keeps reusing the first few numbers. A
//! number is never held by two live threads.

use core::cell::Cell;
use std::sync::{Mutex, PoisonError};

/// What a thread gets when it has no number (its thread-locals are being destroyed).
pub(crate) const NONE: usize = usize::MAX;

/// Numbers given back by exited threads, and the next never-used one.
static FREE: Mutex<(Vec<usize>, usize)> = Mutex::new((Vec::new(), 0));

struct ThreadShard(Cell<usize>);

impl Drop for ThreadShard {
    fn drop(&mut self) {
        let shard = self.0.get();
        if shard != NONE {
            let mut free = FREE.lock().unwrap_or_else(PoisonError::into_inner);
            free.0.push(shard);
        }
    }
}

thread_local! {
    static SHARD: ThreadShard = const { ThreadShard(Cell::new(NONE)) };
}

/// This thread's number, or [`NONE`] while its thread-locals are being destroyed.
#[inline]
pub(crate) fn current() -> usize {
    SHARD
        .try_with(|s| match s.0.get() {
            NONE => {
                let shard = take();
                s.0.set(shard);
                shard
            }
            shard => shard,
        })
        .unwrap_or(NONE)
}

#[cold]
fn take() -> usize {
    let mut free = FREE.lock().unwrap_or_else(PoisonError::into_inner);
    let (given_back, next) = &mut *free;
    match given_back.iter().enumerate().min_by_key(|(_, &n)| n) {
        Some((i, _)) => given_back.swap_remove(i),
        None => {
            *next += 1;
            *next - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exited_threads_give_their_numbers_back() {
        // Without reuse, a thousand threads one after another would count up to a thousand.
        let highest = (0..1000)
            .map(|_| std::thread::spawn(current).join().unwrap())
            .max()
            .unwrap();
        assert!(highest < 64, "numbers are not reused: {highest}");
    }

    #[test]
    fn live_threads_hold_distinct_numbers() {
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mine = current();
                    barrier.wait(); // all eight are alive at once
                    mine
                })
            })
            .collect();
        let mut numbers: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 8);
    }
}
