//! A simulated MetaTrader 5 terminal and trade server, with volume rules, a moving price, margin,
//! durable books and seeded faults.
//!
//! It is strict where a real server is strict (volume grid, stops distance, market hours,
//! margin, slippage) so that permanent rejections are real, and unreliable where a real link is
//! unreliable, including the case that matters most: the order executes and the answer is lost.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::dealing::{answer, book, check, refused_before_the_server, Quote};
use super::ledger::{Ledger, LedgerError};
use super::price::Market;
use super::rules::exceeds_volume_limit;
use super::symbol::{default_symbols, SymbolInfo};
use super::{
    AccountInfo, Deal, Fault, FaultPlan, HistoryFilter, Order, Position, Retcode, Terminal,
    TerminalError, TradeRequest, TradeResult,
};

/// MT5 silently cuts order comments to this many characters.
pub const MAX_COMMENT_CHARS: usize = 31;

/// How to build a [`SimulatedTerminal`].
#[derive(Debug, Clone)]
pub struct SimulatorOptions {
    /// Where the trade server keeps its books; `None` keeps them in memory.
    pub data_dir: Option<PathBuf>,
    /// Fraction of `order_send` calls that fail (0.0 to 1.0).
    pub fault_rate: f64,
    /// Seed of faults and prices.
    pub seed: u64,
    /// Longest injected latency.
    pub max_latency: Duration,
    /// Faults for the first `order_send` calls, in order, before any seeded ones: to replay an
    /// incident exactly.
    pub scripted: Vec<Fault>,
}

impl Default for SimulatorOptions {
    fn default() -> Self {
        SimulatorOptions {
            data_dir: None,
            fault_rate: 0.0,
            seed: 1,
            max_latency: Duration::from_millis(50),
            scripted: Vec::new(),
        }
    }
}

struct State {
    ledger: Ledger,
    market: Market,
    faults: FaultPlan,
    injected: VecDeque<Fault>,
    injected_query_failures: usize,
}

/// A MetaTrader 5 terminal and trade server in one process.
pub struct SimulatedTerminal {
    symbols: Vec<SymbolInfo>,
    state: Mutex<State>,
    faults_injected: AtomicU64,
}

impl SimulatedTerminal {
    /// Opens the simulator, loading its books from `options.data_dir` if they exist.
    pub fn open(options: &SimulatorOptions) -> Result<SimulatedTerminal, LedgerError> {
        let symbols = default_symbols();
        let ledger = Ledger::open(options.data_dir.as_deref())?;
        let market = Market::new(&symbols, options.seed.wrapping_add(1));
        let faults = FaultPlan::new(options.fault_rate, options.seed, options.max_latency);
        Ok(SimulatedTerminal {
            symbols,
            state: Mutex::new(State {
                ledger,
                market,
                faults,
                injected: options.scripted.iter().copied().collect(),
                injected_query_failures: 0,
            }),
            faults_injected: AtomicU64::new(0),
        })
    }

    /// Makes the next `order_send` calls fail with these faults, in order, before any seeded ones.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().injected.extend(faults);
    }

    /// Makes the next `count` history queries fail with a lost connection.
    pub fn inject_query_failures(&self, count: usize) {
        self.lock().injected_query_failures += count;
    }

    /// How many `order_send` calls drew a fault (latency included).
    pub fn faults_injected(&self) -> u64 {
        self.faults_injected.load(Ordering::Relaxed)
    }

    /// Every deal on the books, fault-free: the auditor's view, not a trading call.
    pub fn audit_deals(&self) -> Vec<Deal> {
        self.lock().ledger.deals(&HistoryFilter::default())
    }

    /// Every pending order on the books, fault-free.
    pub fn audit_orders(&self) -> Vec<Order> {
        self.lock().ledger.orders(&HistoryFilter::default())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the books as consistent as the last commit.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn rules(&self, symbol: &str) -> Option<&SymbolInfo> {
        self.symbols.iter().find(|s| s.name == symbol)
    }

    /// One `order_send` on the trade server: check, book, answer (see [`super::dealing`]).
    fn execute(
        &self,
        state: &mut State,
        rules: &SymbolInfo,
        request: &TradeRequest,
        fault: Option<Fault>,
    ) -> Result<TradeResult, TerminalError> {
        let (bid, ask) = state.market.tick(rules);
        let quote = Quote { bid, ask };
        if let Some(retcode) = refused_before_the_server(fault) {
            return Ok(quote.refused(retcode));
        }
        let price = match check(rules, request, quote) {
            Ok(price) => price,
            Err(retcode) => return Ok(quote.refused(retcode)),
        };
        if exceeds_volume_limit(rules, request, &state.ledger) {
            return Ok(quote.refused(Retcode::LIMIT_VOLUME));
        }
        let booked = book(&mut state.ledger, rules, request, price, fault, quote)?;
        answer(booked, fault)
    }

    fn query_fails(&self, state: &mut State, filter: &HistoryFilter) -> bool {
        if state.injected_query_failures > 0 {
            state.injected_query_failures -= 1;
            return true;
        }
        let key = filter.comment.as_deref().unwrap_or_default();
        state.faults.next_query_fails(key)
    }
}

impl Terminal for SimulatedTerminal {
    fn order_send(&self, request: &TradeRequest) -> Result<TradeResult, TerminalError> {
        let mut fault = {
            let mut state = self.lock();
            let injected = state.injected.pop_front();
            injected.or_else(|| state.faults.next_order_fault(&request.comment))
        };
        if fault.is_some() {
            self.faults_injected.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(Fault::Latency(delay)) = fault {
            // Sleep without the lock: a slow call must not stall every other client.
            std::thread::sleep(delay);
            fault = None;
        }
        let slow_reply = match fault {
            Some(Fault::ExecutedThenSlowReply(delay)) => {
                fault = None;
                Some(delay)
            }
            _ => None,
        };
        let Some(rules) = self.rules(&request.symbol) else {
            let no_quote = Quote { bid: 0.0, ask: 0.0 };
            return Ok(no_quote.refused(Retcode::INVALID));
        };
        let answer = self.execute(&mut self.lock(), rules, request, fault);
        if let Some(delay) = slow_reply {
            // Booked and committed; the answer is held without the lock, so the books can be
            // read (and the process killed) while it waits.
            std::thread::sleep(delay);
        }
        answer
    }

    fn history_deals_get(&self, filter: &HistoryFilter) -> Result<Vec<Deal>, TerminalError> {
        let mut state = self.lock();
        if self.query_fails(&mut state, filter) {
            return Err(TerminalError::Disconnected);
        }
        Ok(state.ledger.deals(filter))
    }

    fn history_orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        let mut state = self.lock();
        if self.query_fails(&mut state, filter) {
            return Err(TerminalError::Disconnected);
        }
        Ok(state.ledger.history_orders(filter))
    }

    fn orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        let mut state = self.lock();
        if self.query_fails(&mut state, filter) {
            return Err(TerminalError::Disconnected);
        }
        Ok(state.ledger.orders(filter))
    }

    fn positions_get(&self, filter: &HistoryFilter) -> Result<Vec<Position>, TerminalError> {
        let state = self.lock();
        Ok(state.ledger.positions(filter))
    }

    fn account_info(&self) -> Result<AccountInfo, TerminalError> {
        Ok(self.lock().ledger.account())
    }

    fn symbol_info(&self, symbol: &str) -> Result<Option<SymbolInfo>, TerminalError> {
        let Some(rules) = self.rules(symbol) else {
            return Ok(None);
        };
        let (bid, ask) = self.lock().market.quote(rules);
        Ok(Some(SymbolInfo {
            bid,
            ask,
            ..rules.clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{Filling, OrderTime, OrderType, TradeAction};

    fn terminal() -> SimulatedTerminal {
        SimulatedTerminal::open(&SimulatorOptions::default()).unwrap()
    }

    fn buy(terminal: &SimulatedTerminal, volume: f64) -> TradeRequest {
        let info = terminal.symbol_info("EURUSD").unwrap().unwrap();
        TradeRequest {
            action: TradeAction::Deal,
            symbol: "EURUSD".into(),
            volume,
            order_type: OrderType::Buy,
            price: info.ask,
            stoplimit: 0.0,
            sl: 0.0,
            tp: 0.0,
            deviation: 20,
            type_filling: Filling::Ioc,
            type_time: OrderTime::Gtc,
            expiration: 0,
            magic: 9,
            comment: "t".into(),
            position: 0,
            order: 0,
        }
    }

    #[test]
    fn a_clean_market_order_makes_one_deal() {
        let t = terminal();
        let result = t.order_send(&buy(&t, 0.05)).unwrap();
        assert_eq!(result.retcode, Retcode::DONE);
        let deals = t.audit_deals();
        assert_eq!(deals.len(), 1);
        assert_eq!(deals[0].ticket, result.deal);
        assert_eq!(deals[0].volume, 0.05);
    }

    #[test]
    fn permanent_rejections_execute_nothing() {
        let t = terminal();
        assert_eq!(
            t.order_send(&buy(&t, 0.015)).unwrap().retcode,
            Retcode::INVALID_VOLUME
        );
        assert_eq!(
            t.order_send(&buy(&t, 99.0)).unwrap().retcode,
            Retcode::NO_MONEY
        );
        let mut stops = buy(&t, 0.01);
        stops.sl = stops.price;
        assert_eq!(
            t.order_send(&stops).unwrap().retcode,
            Retcode::INVALID_STOPS
        );
        let mut closed = buy(&t, 0.1);
        closed.symbol = "US30".into();
        assert_eq!(
            t.order_send(&closed).unwrap().retcode,
            Retcode::MARKET_CLOSED
        );
        assert!(t.audit_deals().is_empty());
    }

    #[test]
    fn a_stale_price_is_requoted() {
        let t = terminal();
        let mut stale = buy(&t, 0.01);
        stale.price += 0.01;
        assert_eq!(t.order_send(&stale).unwrap().retcode, Retcode::REQUOTE);
        assert!(t.audit_deals().is_empty());
    }

    #[test]
    fn executed_then_lost_still_books_the_deal() {
        let t = terminal();
        t.inject([
            Fault::ExecutedThenReplyLost,
            Fault::ExecutedThenTimeoutRetcode,
        ]);
        assert_eq!(t.order_send(&buy(&t, 0.01)), Err(TerminalError::Timeout));
        let second = t.order_send(&buy(&t, 0.01)).unwrap();
        assert_eq!(second.retcode, Retcode::TIMEOUT);
        assert_eq!(second.deal, 0, "a timeout answer carries no ticket");
        assert_eq!(t.audit_deals().len(), 2);
    }

    #[test]
    fn a_slow_reply_is_booked_before_it_is_answered() {
        let t = std::sync::Arc::new(terminal());
        let delay = Duration::from_millis(300);
        t.inject([Fault::ExecutedThenSlowReply(delay)]);
        let request = buy(&t, 0.01);
        let sender = std::sync::Arc::clone(&t);
        let call = std::thread::spawn(move || sender.order_send(&request));
        // The deal is on the books while the call still waits; nothing else is held up.
        let started = std::time::Instant::now();
        while t.audit_deals().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(10), "never booked");
            std::thread::yield_now();
        }
        let result = call.join().unwrap().unwrap();
        assert_eq!(result.retcode, Retcode::DONE);
        assert_eq!(t.audit_deals()[0].ticket, result.deal);
    }

    #[test]
    fn partial_fill_books_part_of_the_volume() {
        let t = terminal();
        t.inject([Fault::PartialFill]);
        let result = t.order_send(&buy(&t, 0.10)).unwrap();
        assert_eq!(result.retcode, Retcode::DONE_PARTIAL);
        assert_eq!(result.volume, 0.05);
        assert_eq!(t.audit_deals()[0].volume, 0.05);
    }

    #[test]
    fn comments_are_cut_to_31_characters_like_mt5() {
        let t = terminal();
        let mut long = buy(&t, 0.01);
        long.comment = "x".repeat(40);
        t.order_send(&long).unwrap();
        assert_eq!(t.audit_deals()[0].comment.len(), MAX_COMMENT_CHARS);
    }
}
