//! The demo's orders: mostly good market orders across four symbols, some pending orders, and a
//! few that the trade server must refuse, so the report shows every kind of outcome.

use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::protocol::OrderSpec;
use crate::terminal::OrderType;

/// `count` orders drawn from `seed`.
pub fn orders(count: usize, seed: u64) -> Vec<OrderSpec> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0de5_u64);
    (0..count).map(|_| one(&mut rng)).collect()
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
        let a = orders(500, 42);
        assert_eq!(a, orders(500, 42));
        assert!(a.iter().any(|o| o.symbol == "US30"));
        assert!(a.iter().any(|o| o.order_type == OrderType::BuyLimit));
        assert!(a.iter().any(|o| o.volume == 90.0));
    }
}
