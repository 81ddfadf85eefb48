//! Seeded fault injection: which calls to the simulated terminal misbehave, and how.
//!
//! The same seed gives the same faults in the same order of calls, so a failing demo run can be
//! replayed. Tests that need one particular fault queue it with
//! [`SimulatedTerminal::inject`](super::SimulatedTerminal::inject) instead of relying on chance.

use std::time::Duration;

use rand::{rngs::StdRng, Rng, SeedableRng};

/// One way a call to the terminal can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call is slow: it takes this much longer, then behaves normally.
    Latency(Duration),
    /// The dealer requotes: nothing executes.
    Requote,
    /// Prices moved before the order arrived: nothing executes.
    PriceChanged,
    /// No quotes for the symbol just now: nothing executes.
    PriceOff,
    /// The server throttles the account: nothing executes.
    TooManyRequests,
    /// The request is locked for processing: nothing executes.
    Locked,
    /// The link dropped before the request reached the server (`CONNECTION`): nothing executes,
    /// but the gateway cannot know that.
    ConnectionLostBeforeSend,
    /// The order executes, then the terminal answers `TIMEOUT`.
    ExecutedThenTimeoutRetcode,
    /// The order executes, then the terminal answers `ERROR`.
    ExecutedThenErrorRetcode,
    /// The order executes, then the reply is lost: the call returns no result at all.
    ExecutedThenReplyLost,
    /// The order executes, then the link drops: the call returns no result at all.
    ExecutedThenDisconnected,
    /// Only part of the volume fills (IOC): `DONE_PARTIAL`, the rest is cancelled.
    PartialFill,
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// Parses a fault's kebab-case name (`executed-then-reply-lost`), or `latency-<ms>`.
    fn from_str(name: &str) -> Result<Fault, String> {
        if let Some(ms) = name.strip_prefix("latency-") {
            let ms = ms
                .parse()
                .map_err(|_| format!("`{name}`: latency needs milliseconds"))?;
            return Ok(Fault::Latency(Duration::from_millis(ms)));
        }
        Ok(match name {
            "requote" => Fault::Requote,
            "price-changed" => Fault::PriceChanged,
            "price-off" => Fault::PriceOff,
            "too-many-requests" => Fault::TooManyRequests,
            "locked" => Fault::Locked,
            "connection-lost" => Fault::ConnectionLostBeforeSend,
            "executed-then-timeout" => Fault::ExecutedThenTimeoutRetcode,
            "executed-then-error" => Fault::ExecutedThenErrorRetcode,
            "executed-then-reply-lost" => Fault::ExecutedThenReplyLost,
            "executed-then-disconnected" => Fault::ExecutedThenDisconnected,
            "partial-fill" => Fault::PartialFill,
            _ => {
                return Err(format!(
                    "unknown fault `{name}`; expected requote, price-changed, price-off, \
                     too-many-requests, locked, connection-lost, executed-then-timeout, \
                     executed-then-error, executed-then-reply-lost, executed-then-disconnected, \
                     partial-fill or latency-<ms>"
                ))
            }
        })
    }
}

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

/// How often and how the simulated terminal fails, from a seed.
#[derive(Debug)]
pub struct FaultPlan {
    rate: f64,
    max_latency: Duration,
    rng: StdRng,
}

impl FaultPlan {
    /// A plan that fails this fraction of calls (0.0 to 1.0), drawing from `seed`.
    pub fn new(rate: f64, seed: u64, max_latency: Duration) -> FaultPlan {
        FaultPlan {
            rate: rate.clamp(0.0, 1.0),
            max_latency,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A plan that never fails.
    pub fn none() -> FaultPlan {
        FaultPlan::new(0.0, 0, Duration::ZERO)
    }

    /// The fault for the next `order_send`, if any. Latency is drawn as a fault of its own so a
    /// slow call can also be a failed one only through separate draws.
    pub fn next_order_fault(&mut self) -> Option<Fault> {
        if self.rate == 0.0 || !self.rng.random_bool(self.rate) {
            return None;
        }
        // One draw in twelve is plain latency; the rest pick a failure kind evenly.
        let pick = self.rng.random_range(0..=ORDER_FAULTS.len());
        if pick == ORDER_FAULTS.len() {
            let max_ms = self.max_latency.as_millis().max(1) as u64;
            return Some(Fault::Latency(Duration::from_millis(
                self.rng.random_range(1..=max_ms),
            )));
        }
        Some(ORDER_FAULTS[pick])
    }

    /// Whether the next history query loses its connection. Rarer than order faults: a lookup
    /// is a cheap read, but reconciliation must survive it failing too.
    pub fn next_query_fails(&mut self) -> bool {
        self.rate > 0.0 && self.rng.random_bool(self.rate / 4.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let draw = |seed| {
            let mut plan = FaultPlan::new(0.3, seed, Duration::from_millis(20));
            (0..200)
                .map(|_| plan.next_order_fault())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }

    #[test]
    fn rate_is_roughly_honoured_and_every_kind_appears() {
        let mut plan = FaultPlan::new(0.2, 7, Duration::from_millis(5));
        let faults: Vec<_> = (0..20_000)
            .filter_map(|_| plan.next_order_fault())
            .collect();
        let rate = faults.len() as f64 / 20_000.0;
        assert!((0.18..0.22).contains(&rate), "fault rate {rate}");
        for kind in ORDER_FAULTS {
            assert!(faults.contains(&kind), "{kind:?} never drawn");
        }
        assert!(faults.iter().any(|f| matches!(f, Fault::Latency(_))));
    }

    #[test]
    fn faults_parse_from_their_names() {
        assert_eq!(
            "executed-then-reply-lost".parse(),
            Ok(Fault::ExecutedThenReplyLost)
        );
        assert_eq!(
            "latency-250".parse(),
            Ok(Fault::Latency(Duration::from_millis(250)))
        );
        assert!("latency-soon".parse::<Fault>().is_err());
        assert!("meteor"
            .parse::<Fault>()
            .unwrap_err()
            .contains("partial-fill"));
    }

    #[test]
    fn zero_rate_never_fails() {
        let mut plan = FaultPlan::none();
        assert!((0..1000).all(|_| plan.next_order_fault().is_none() && !plan.next_query_fails()));
    }
}
