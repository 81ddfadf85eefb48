//! The demo's work: mostly single orders (good market orders across four symbols, some pending
//! orders, and a few that the trade server must refuse, so the report shows every kind of
//! outcome), and lifecycles that modify, close and cancel what they open.
//!
//! Everything and every `req_id` comes from the seed: the simulated terminal draws each order's
//! faults from its tag, so the same seed gives the same orders the same faults in every run.

use rand::{rngs::StdRng, Rng, SeedableRng};
use uuid::Uuid;

use super::{ClientRecord, Lifecycle};
use crate::protocol::{Action, OrderSpec};
use crate::terminal::OrderType;
use crate::transport::OrderClient;

/// Mixed into the seed for the orders' contents.
const ORDER_STREAM: u64 = 0x5eed_0de5;
/// Mixed into the seed for the orders' `req_id`s.
const REQ_ID_STREAM: u64 = 0x0d1d_5eed;
/// Mixed into the seed for the lifecycles: which jobs are, what they open, their `req_id`s.
const LIFECYCLE_STREAM: u64 = 0x11fe_c7c1;
/// Percentage of a run's jobs that are lifecycles rather than single orders.
const LIFECYCLE_PERCENT: u32 = 25;
/// The symbols lifecycles trade, with their price digits.
const LIFECYCLE_SYMBOLS: [(&str, u32); 2] = [("EURUSD", 5), ("USDJPY", 3)];
/// Where a lifecycle's pending orders go, per symbol: far from the market, below for a buy
/// limit, above for a sell limit.
const PENDING_PRICES: [(f64, f64); 2] = [(1.0, 1.2), (140.0, 160.0)];

/// One unit of a client's work: a single order, or a lifecycle of dependent requests.
#[derive(Debug, Clone, PartialEq)]
pub enum DemoJob {
    /// One `ORDER_SEND`.
    Order(DemoOrder),
    /// An open followed by the requests that modify, close or cancel it.
    Lifecycle(Lifecycle),
}

/// `count` jobs drawn from `seed`: [`orders`] with about a quarter of them replaced by
/// lifecycles.
///
/// ```
/// use gateway_example::demo::{jobs, DemoJob};
///
/// let all = jobs(40, 7);
/// assert_eq!(all, jobs(40, 7));
/// assert!(all.iter().any(|job| matches!(job, DemoJob::Lifecycle(_))));
/// ```
pub fn jobs(count: usize, seed: u64) -> Vec<DemoJob> {
    let mut rng = StdRng::seed_from_u64(seed ^ LIFECYCLE_STREAM);
    orders(count, seed)
        .into_iter()
        .map(|order| {
            if rng.random_range(0..100) < LIFECYCLE_PERCENT {
                DemoJob::Lifecycle(lifecycle(&mut rng))
            } else {
                DemoJob::Order(order)
            }
        })
        .collect()
}

impl DemoJob {
    /// Sends the job's requests through `client`, in order; a record per request, skipped
    /// steps included.
    pub fn run(&self, client: &mut OrderClient) -> Vec<ClientRecord> {
        self.run_with(&mut |req_id, action| ClientRecord::send(client, req_id, action))
    }

    /// Sends the job's requests with `send`, in order: for a client that, say, also resends
    /// after a retryable refusal.
    pub fn run_with(
        &self,
        send: &mut dyn FnMut(Uuid, Action) -> ClientRecord,
    ) -> Vec<ClientRecord> {
        match self {
            DemoJob::Order(order) => {
                vec![send(order.req_id, Action::OrderSend(order.order.clone()))]
            }
            DemoJob::Lifecycle(lifecycle) => lifecycle.run(send),
        }
    }
}

fn lifecycle(rng: &mut StdRng) -> Lifecycle {
    let which = rng.random_range(0..LIFECYCLE_SYMBOLS.len());
    let (symbol, digits) = LIFECYCLE_SYMBOLS[which];
    let buy = rng.random_bool(0.5);
    // At least two volume steps, so that part of the position can be closed.
    let lots = f64::from(rng.random_range(2..=40u32)) / 100.0;
    let open = if rng.random_range(0..100) < 30 {
        let (below, above) = PENDING_PRICES[which];
        let (order_type, price) = if buy {
            (OrderType::BuyLimit, below)
        } else {
            (OrderType::SellLimit, above)
        };
        OrderSpec {
            price: Some(price),
            ..OrderSpec::market(symbol, order_type, lots)
        }
    } else {
        let side = if buy { OrderType::Buy } else { OrderType::Sell };
        OrderSpec::market(symbol, side, lots)
    };
    let mut req_id = || uuid::Builder::from_random_bytes(rng.random()).into_uuid();
    Lifecycle {
        open,
        digits,
        req_ids: [req_id(), req_id(), req_id(), req_id()],
    }
}

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
    // Small: the positions single orders open stay open, and must fit the account's margin
    // for a run of thousands (a lifecycle closes its own).
    let lots = f64::from(rng.random_range(1..=5u32)) / 100.0;
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

    #[test]
    fn lifecycles_of_both_shapes_with_their_own_req_ids() {
        let all = jobs(400, 42);
        let lifecycles: Vec<&Lifecycle> = all
            .iter()
            .filter_map(|job| match job {
                DemoJob::Lifecycle(l) => Some(l),
                DemoJob::Order(_) => None,
            })
            .collect();
        assert!(lifecycles.len() > 60, "{}", lifecycles.len());
        assert!(lifecycles.iter().any(|l| l.is_pending()));
        assert!(lifecycles.iter().any(|l| !l.is_pending()));
        assert!(lifecycles.iter().all(|l| l.open.volume >= 0.02));
        let ids: std::collections::HashSet<Uuid> =
            lifecycles.iter().flat_map(|l| l.req_ids).collect();
        assert_eq!(ids.len(), lifecycles.len() * 4);
    }
}
