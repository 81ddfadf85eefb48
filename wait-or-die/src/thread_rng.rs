//! The random numbers behind jitter and fault injection: one small, fast generator per thread.
//!
//! Jitter only has to keep clients from retrying in lockstep; it needs no cryptographic
//! strength. A `SmallRng` per thread, seeded from the standard library's per-thread hash keys
//! (themselves seeded from the operating system), gives that without `rand`'s `std_rng` and
//! `thread_rng` features and the ChaCha generator they compile.

use std::cell::RefCell;
use std::hash::{BuildHasher, RandomState};

use rand::rngs::SmallRng;
use rand::SeedableRng;

thread_local! {
    static THREAD_RNG: RefCell<SmallRng> = RefCell::new(SmallRng::seed_from_u64(fresh_seed()));
}

/// A seed that differs between threads, processes and runs.
pub(crate) fn fresh_seed() -> u64 {
    RandomState::new().hash_one(std::thread::current().id())
}

/// Runs `draw` with this thread's generator.
pub(crate) fn with_thread_rng<T>(draw: impl FnOnce(&mut SmallRng) -> T) -> T {
    THREAD_RNG.with(|rng| match rng.try_borrow_mut() {
        Ok(mut rng) => draw(&mut rng),
        // Only a `draw` that itself asks for the generator gets here; give it a fresh one.
        Err(_) => draw(&mut SmallRng::seed_from_u64(fresh_seed())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn draws_differ_from_one_call_to_the_next() {
        let a: u64 = with_thread_rng(|rng| rng.random());
        let b: u64 = with_thread_rng(|rng| rng.random());
        assert_ne!(a, b);
    }

    #[test]
    fn threads_get_different_sequences() {
        let here: u64 = with_thread_rng(|rng| rng.random());
        let there: u64 = std::thread::spawn(|| with_thread_rng(|rng| rng.random()))
            .join()
            .unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn a_nested_draw_gets_a_generator_too() {
        let (a, b): (u64, u64) =
            with_thread_rng(|outer| (outer.random(), with_thread_rng(|inner| inner.random())));
        assert_ne!(a, b);
    }
}
