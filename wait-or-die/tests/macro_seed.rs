//! The seed's two annotations, unchanged, on a stand-in gateway: they compile and retry as the
//! seed expects (socket receive on the paused clock, a blocking order send on the real clock).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant as StdInstant};

use tokio::time::Instant;
use wait_or_die::{wait_or_die, EngineError};

type Value = String;

#[derive(Debug, Clone, PartialEq)]
enum GatewayError {
    Recv(&'static str),
    Timeout,
}

impl From<EngineError> for GatewayError {
    fn from(_: EngineError) -> Self {
        GatewayError::Timeout
    }
}

#[derive(Debug, PartialEq)]
enum Mt5Error {
    Requote,
}

#[derive(Debug, PartialEq)]
struct TradeResult {
    ticket: u64,
}

struct OrderRequest {
    volume: f64,
}

/// Scripted replies: `None` is a receive that never completes.
struct Gateway {
    replies: Mutex<VecDeque<Option<Result<Value, GatewayError>>>>,
    orders: Mutex<VecDeque<Result<u64, Mt5Error>>>,
}

// Keep the seed's annotations exactly as written there.
#[rustfmt::skip::attributes(wait_or_die)]
impl Gateway {
    fn new(
        replies: Vec<Option<Result<Value, GatewayError>>>,
        orders: Vec<Result<u64, Mt5Error>>,
    ) -> Self {
        Gateway {
            replies: Mutex::new(replies.into()),
            orders: Mutex::new(orders.into()),
        }
    }

    #[wait_or_die(timeout = 30, exponential_backoff = true, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
    async fn recv_json(&self) -> Result<Value, GatewayError> {
        let reply = self.replies.lock().unwrap().pop_front();
        match reply {
            Some(Some(reply)) => reply,
            Some(None) => std::future::pending().await,
            None => Err(GatewayError::Recv("no more replies")),
        }
    }

    #[wait_or_die(timeout = 30, exponential_backoff = true, max_retries = 5, initial_wait = 1.0, max_wait = 10.0)]
    fn execute_order(&self, payload: &OrderRequest) -> Result<TradeResult, Mt5Error> {
        assert!(payload.volume > 0.0);
        let order = self.orders.lock().unwrap().pop_front();
        order
            .unwrap_or(Err(Mt5Error::Requote))
            .map(|ticket| TradeResult { ticket })
    }

    fn left(&self) -> usize {
        self.replies.lock().unwrap().len()
    }
}

fn garbled() -> Option<Result<Value, GatewayError>> {
    Some(Err(GatewayError::Recv("garbled")))
}

#[tokio::test(start_paused = true)]
async fn recv_json_recovers_within_the_jittered_schedule() {
    let gateway = Gateway::new(
        vec![garbled(), garbled(), garbled(), Some(Ok("{}".into()))],
        vec![],
    );
    let start = Instant::now();
    assert_eq!(gateway.recv_json().await.unwrap(), "{}");
    // Nominal waits 0.5 s, 1 s, 2 s; jitter keeps each in [half, nominal].
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1750), "{waited:?}");
    assert!(waited <= Duration::from_millis(3500), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn recv_json_gives_up_with_the_last_error_inside_the_budget() {
    let gateway = Gateway::new(vec![garbled(); 11], vec![]);
    let start = Instant::now();
    assert_eq!(
        gateway.recv_json().await,
        Err(GatewayError::Recv("garbled"))
    );
    assert!(start.elapsed() <= Duration::from_secs(30));
    // Up to 11 attempts; the nominal waits (0.5, 1, 2, 4, then 5 s) reach the budget after the
    // 9th at the latest, and jitter only shortens them.
    assert!(gateway.left() <= 2, "{} replies left", gateway.left());
}

#[tokio::test(start_paused = true)]
async fn recv_json_hanging_past_the_budget_returns_the_timeout_conversion() {
    let gateway = Gateway::new(vec![garbled(), None], vec![]);
    let start = Instant::now();
    assert_eq!(gateway.recv_json().await, Err(GatewayError::Timeout));
    assert_eq!(start.elapsed(), Duration::from_secs(30));
}

#[test]
fn execute_order_retries_a_requote_then_fills() {
    let gateway = Gateway::new(vec![], vec![Err(Mt5Error::Requote), Ok(42)]);
    let order = OrderRequest { volume: 0.1 };
    let start = StdInstant::now();
    assert_eq!(
        gateway.execute_order(&order),
        Ok(TradeResult { ticket: 42 })
    );
    // One real wait: nominal 1 s, at least half of it.
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert!(gateway.orders.lock().unwrap().is_empty());
}
