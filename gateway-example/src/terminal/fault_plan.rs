//! Seeded fault injection: which calls to the simulated terminal misbehave, and how.
//!
//! A fault is drawn per order, not per call in arrival order: the fault of the `n`-th send of an
//! order (and of the `n`-th history query about it) comes from the seed, the order's tag and `n`
//! alone. So the same seed and the same orders give every order the same faults however the
//! threads of a run interleave, and a demo's outcomes repeat. Nothing is drawn, or remembered,
//! while the fault rate is 0.

use std::collections::HashMap;
use std::time::Duration;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::Fault;

/// Every fault kind that `order_send` can draw, the ambiguous ones included.
const ORDER_FAULTS: [Fault; 11] = [
    Fault::Requote,
    Fault::PriceChanged,
    Fault::PriceOff,
    Fault::TooManyRequests,
    Fault::Locked,
    Fault::ConnectionLostBeforeSend,
    Fault::ExecutedThenTimeoutRetcode,
    Fault::ExecutedThenErrorRetcode,
    Fault::ExecutedThenReplyLost,
    Fault::ExecutedThenDisconnected,
    Fault::PartialFill,
];
/// History queries fail this many times less often than sends: a lookup is a cheap read, but
/// reconciliation must survive it failing too.
const QUERY_FAULT_DIVISOR: f64 = 4.0;
/// Separates the draws of sends from those of queries about the same order.
const SEND_STREAM: u64 = 1;
const QUERY_STREAM: u64 = 2;

/// How often and how the simulated terminal fails, from a seed.
#[derive(Debug)]
pub struct FaultPlan {
    rate: f64,
    max_latency: Duration,
    seed: u64,
    /// Draws made so far per (stream, order tag).
    draws: HashMap<(u64, String), u64>,
}

impl FaultPlan {
    /// A plan that fails this fraction of calls (0.0 to 1.0), drawing from `seed`.
    pub fn new(rate: f64, seed: u64, max_latency: Duration) -> FaultPlan {
        FaultPlan {
            rate: rate.clamp(0.0, 1.0),
            max_latency,
            seed,
            draws: HashMap::new(),
        }
    }

    /// A plan that never fails.
    pub fn none() -> FaultPlan {
        FaultPlan::new(0.0, 0, Duration::ZERO)
    }

    /// The fault for the next `order_send` of the order tagged `key` (its comment), if any.
    ///
    /// ```
    /// use std::time::Duration;
    /// use gateway_example::terminal::FaultPlan;
    ///
    /// let faults = |interleaved: bool| {
    ///     let mut plan = FaultPlan::new(0.5, 42, Duration::from_millis(5));
    ///     (0..20)
    ///         .map(|_| {
    ///             if interleaved {
    ///                 plan.next_order_fault("another order");
    ///             }
    ///             plan.next_order_fault("wod:1")
    ///         })
    ///         .collect::<Vec<_>>()
    /// };
    /// assert_eq!(faults(false), faults(true), "other orders' calls change nothing");
    /// ```
    pub fn next_order_fault(&mut self, key: &str) -> Option<Fault> {
        let mut rng = self.draw(SEND_STREAM, key)?;
        if !rng.random_bool(self.rate) {
            return None;
        }
        // One draw in twelve is plain latency; the rest pick a failure kind evenly.
        let pick = rng.random_range(0..=ORDER_FAULTS.len());
        if pick == ORDER_FAULTS.len() {
            let max_ms = u64::try_from(self.max_latency.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            return Some(Fault::Latency(Duration::from_millis(
                rng.random_range(1..=max_ms),
            )));
        }
        Some(ORDER_FAULTS[pick])
    }

    /// Whether the next history query about the order tagged `key` loses its connection.
    pub fn next_query_fails(&mut self, key: &str) -> bool {
        self.draw(QUERY_STREAM, key)
            .is_some_and(|mut rng| rng.random_bool(self.rate / QUERY_FAULT_DIVISOR))
    }

    /// A generator for the next draw of `key` on `stream`, `None` when faults are off.
    fn draw(&mut self, stream: u64, key: &str) -> Option<StdRng> {
        if self.rate == 0.0 {
            return None;
        }
        let count = self.draws.entry((stream, key.to_owned())).or_default();
        let n = *count;
        *count += 1;
        Some(StdRng::seed_from_u64(mix(self.seed, stream, key, n)))
    }
}

/// A stable 64-bit mix of the draw's coordinates (FNV-1a over the key, then SplitMix64 steps), the
/// same on every platform and every Rust version, unlike `std`'s hasher.
fn mix(seed: u64, stream: u64, key: &str, n: u64) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let key_hash = key.bytes().fold(FNV_OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    });
    [stream, key_hash, n]
        .into_iter()
        .fold(splitmix(seed), |state, word| splitmix(state ^ word))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(seed: u64) -> Vec<Option<Fault>> {
        let mut plan = FaultPlan::new(0.3, seed, Duration::from_millis(20));
        (0..200)
            .map(|i| plan.next_order_fault(&format!("wod:{}", i % 7)))
            .collect()
    }

    #[test]
    fn same_seed_same_faults() {
        assert_eq!(draws(42), draws(42));
        assert_ne!(draws(42), draws(43));
    }

    #[test]
    fn each_order_draws_afresh_on_each_send() {
        let mut plan = FaultPlan::new(0.5, 1, Duration::from_millis(5));
        let sends: Vec<_> = (0..40).map(|_| plan.next_order_fault("wod:x")).collect();
        assert!(sends.iter().any(Option::is_some) && sends.iter().any(Option::is_none));
    }

    #[test]
    fn rate_is_roughly_honoured_and_every_kind_appears() {
        let mut plan = FaultPlan::new(0.2, 7, Duration::from_millis(5));
        let faults: Vec<_> = (0..20_000)
            .filter_map(|i| plan.next_order_fault(&format!("wod:{i}")))
            .collect();
        let rate = faults.len() as f64 / 20_000.0;
        assert!((0.18..0.22).contains(&rate), "fault rate {rate}");
        for kind in ORDER_FAULTS {
            assert!(faults.contains(&kind), "{kind:?} never drawn");
        }
        assert!(faults.iter().any(|f| matches!(f, Fault::Latency(_))));
        let query_failures = (0..20_000)
            .filter(|i| plan.next_query_fails(&format!("wod:{i}")))
            .count();
        assert!((800..1200).contains(&query_failures), "{query_failures}");
    }

    #[test]
    fn zero_rate_never_fails_and_remembers_nothing() {
        let mut plan = FaultPlan::none();
        assert!((0..1000).all(|i| {
            let key = i.to_string();
            plan.next_order_fault(&key).is_none() && !plan.next_query_fails(&key)
        }));
        assert!(plan.draws.is_empty());
    }
}
