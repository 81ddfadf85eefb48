//! The demo's orders: mostly good market orders across four symbols, some pending orders, and a
//! few that the trade server must refuse, so the report shows every kind of outcome.
//!
//! Orders and their `req_id`s both come from the seed: the simulated terminal draws each order's
//! faults from its tag, so the same seed gives the same orders the same faults in every run.

use rand::{rngs::StdRng, Rng, SeedableRng};
use uuid::Uuid;

use crate::protocol::OrderSpec;
use crate::terminal::OrderType;

/// Mixed into the seed for the orders' contents.
const ORDER_STREAM: u64 = 0x5eed_0de5;
/// Mixed into the seed for the orders' `req_id`s.
const REQ_ID_STREAM: u64 = 0x0d1d_5eed;

/// One order of a run and the `req_id` it is sent under.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOrder {
    /// The order's idempotency key.
    pub req_id: Uuid,
    /// The order.
    pub order: OrderSpec,
}

/// `count` orders and their `req_id`s, drawn from `seed`.
///
/// ```
/// use gateway_example::demo::orders;
///
/// assert_eq!(orders(3, 42), orders(3, 42));
/// assert_ne!(orders(3, 42)[0].req_id, orders(3, 43)[0].req_id);
/// ```
pub fn orders(count: usize, seed: u64) -> Vec<DemoOrder> {
    let mut contents = StdRng::seed_from_u64(seed ^ ORDER_STREAM);
    let mut ids = StdRng::seed_from_u64(seed ^ REQ_ID_STREAM);
    (0..count)
        .map(|_| DemoOrder {
            req_id: uuid::Builder::from_random_bytes(ids.random()).into_uuid(),
            order: one(&mut contents),
        })
        .collect()
}

fn one(rng: &mut StdRng) -> OrderSpec {
    let side = if rng.random_bool(0.5) {
        OrderType::Buy
    } else {
        OrderType::Sell
    };
    let lots = f64::from(rng.random_range(1..=50u32)) / 100.0;
    match rng.random_range(0..100) {
        // Margin far beyond the account: NO_MONEY.
        0..=1 => OrderSpec::market("EURUSD", side, 90.0),
        // The index's session is closed: MARKET_CLOSED.
        2..=3 => OrderSpec::market("US30", side, 0.1),
        // A stop loss on the wrong side of the price: INVALID_STOPS.
        4 => OrderSpec {
            sl: 9.0,
            ..OrderSpec::market("EURUSD", OrderType::Buy, lots)
        },
        // Off the volume grid: the gateway refuses it before the terminal sees it.
        5 => OrderSpec::market("GBPUSD", side, 0.015),
        // A buy limit well below the market: PLACED.
        6..=9 => OrderSpec {
            price: Some(1.0),
            ..OrderSpec::market("EURUSD", OrderType::BuyLimit, lots)
        },
        10..=29 => OrderSpec::market("USDJPY", side, lots),
        30..=39 => OrderSpec::market("XAUUSD", side, lots),
        40..=59 => OrderSpec::market("GBPUSD", side, lots),
        _ => OrderSpec::market("EURUSD", side, lots),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_orders_with_every_kind() {
        let all = orders(500, 42);
        assert_eq!(all, orders(500, 42));
        let a: Vec<&OrderSpec> = all.iter().map(|o| &o.order).collect();
        assert!(a.iter().any(|o| o.symbol == "US30"));
        assert!(a.iter().any(|o| o.order_type == OrderType::BuyLimit));
        assert!(a.iter().any(|o| o.volume == 90.0));
        let ids: std::collections::HashSet<Uuid> = all.iter().map(|o| o.req_id).collect();
        assert_eq!(ids.len(), 500);
    }
}
