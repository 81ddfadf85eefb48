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

thread_local! {
    /// This thread's number: a plain cell, so that reading it costs no destructor check.
    static SHARD: Cell<usize> = const { Cell::new(NONE) };
    /// Gives the number back when the thread exits; touched once, when the number is taken.
    static RELEASE: Release = const { Release };
}

struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        // `SHARD` has no destructor, so it is still readable while `RELEASE` is destroyed.
        let shard = SHARD.with(|s| s.replace(NONE));
        if shard != NONE {
            let mut free = FREE.lock().unwrap_or_else(PoisonError::into_inner);
            free.0.push(shard);
        }
    }
}

/// This thread's number, or [`NONE`] while its thread-locals are being destroyed.
#[inline]
pub(crate) fn current() -> usize {
    match SHARD.with(Cell::get) {
        NONE => assign(),
        shard => shard,
    }
}

/// Takes a number for this thread, unless its thread-locals are being destroyed.
#[cold]
fn assign() -> usize {
    // Registering the release fails once destruction has begun: then the thread gets none.
    if RELEASE.try_with(|_| ()).is_err() {
        return NONE;
    }
    let shard = take();
    SHARD.with(|s| s.set(shard));
    shard
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
