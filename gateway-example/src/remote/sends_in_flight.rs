//! The terminal's `order_send` calls still running, so that a read of the books never answers
//! "not there" about an order the terminal is still executing.
//!
//! A gateway whose `order_send` timed out looks the order up before it sends it again. If the
//! terminal still holds that order (slow dealer, injected latency) and the lookup is answered at
//! once, the order is not on the books yet, the gateway sends it again, and the held one then
//! executes too: two deals. So a read (`history_deals_get`, `history_orders_get`, `orders_get`,
//! `positions_get`) first waits for every send that was already running when it started and that
//! it could be looking for (same magic and symbol, when the read names them), up to the read's
//! own deadline. A send that arrives after its caller's deadline is never started (see
//! [`CallFrame`](super::CallFrame)), so once a read has waited, no send it waited for can
//! still add a deal behind its back. Sends started after the read do not hold it up.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::terminal::{HistoryFilter, TradeRequest};

/// The sends running now.
#[derive(Debug, Default)]
pub(super) struct SendsInFlight {
    state: Mutex<Running>,
    finished: Condvar,
}

#[derive(Debug, Default)]
struct Running {
    next: u64,
    sends: Vec<Send>,
}

#[derive(Debug)]
struct Send {
    sequence: u64,
    magic: u64,
    symbol: String,
}

/// A running send; it counts as finished when dropped (also if the call panics).
pub(super) struct SendGuard<'a> {
    sends: &'a SendsInFlight,
    sequence: u64,
}

impl Drop for SendGuard<'_> {
    fn drop(&mut self) {
        self.sends
            .lock()
            .sends
            .retain(|send| send.sequence != self.sequence);
        self.sends.finished.notify_all();
    }
}

impl SendsInFlight {
    fn lock(&self) -> MutexGuard<'_, Running> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts `request` as running until the guard is dropped.
    pub(super) fn start(&self, request: &TradeRequest) -> SendGuard<'_> {
        let mut running = self.lock();
        let sequence = running.next;
        running.next += 1;
        running.sends.push(Send {
            sequence,
            magic: request.magic,
            symbol: request.symbol.clone(),
        });
        SendGuard {
            sends: self,
            sequence,
        }
    }

    /// Waits until no send that is running now and that a read with `filter` could be looking
    /// for is still running; `false` if `wait` ran out first.
    pub(super) fn settle(&self, filter: &HistoryFilter, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut running = self.lock();
        let started_before = running.next;
        let blocks = |send: &Send| {
            send.sequence < started_before
                && filter.magic.is_none_or(|magic| magic == send.magic)
                && filter
                    .symbol
                    .as_deref()
                    .is_none_or(|symbol| symbol == send.symbol)
        };
        while running.sends.iter().any(blocks) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            running = self
                .finished
                .wait_timeout(running, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{Filling, OrderType, TradeAction};

    fn request(magic: u64, symbol: &str) -> TradeRequest {
        TradeRequest {
            volume: 0.01,
            price: 1.0,
            deviation: 20,
            type_filling: Filling::Ioc,
            magic,
            ..TradeRequest::blank(TradeAction::Deal, symbol, OrderType::Buy)
        }
    }

    fn filter(magic: u64, symbol: &str) -> HistoryFilter {
        HistoryFilter {
            magic: Some(magic),
            symbol: Some(symbol.into()),
            ..HistoryFilter::default()
        }
    }

    #[test]
    fn a_read_waits_for_the_sends_it_could_be_looking_for() {
        let sends = SendsInFlight::default();
        let held = sends.start(&request(7, "EURUSD"));
        let short = Duration::from_millis(20);
        assert!(!sends.settle(&filter(7, "EURUSD"), short));
        assert!(!sends.settle(&HistoryFilter::default(), short));
        assert!(sends.settle(&filter(8, "EURUSD"), short), "another magic");
        assert!(sends.settle(&filter(7, "GBPUSD"), short), "another symbol");
        std::thread::scope(|scope| {
            let read = scope.spawn(|| sends.settle(&filter(7, "EURUSD"), Duration::from_secs(30)));
            drop(held);
            assert!(read.join().unwrap(), "released when the send finished");
        });
    }
}
