//! A simulated MetaTrader 5 terminal and trade server, with volume rules, a moving price, margin,
//! durable books, positions and pending orders that live on their own, and seeded faults.
//!
//! It is strict where a real server is strict (volume grid, stops and freeze levels, sessions,
//! margin, slippage) so that permanent rejections are real, and unreliable where a real link is
//! unreliable, including the case that matters most: the operation executes and the answer is
//! lost. Time comes from the options' [`Clock`], so expiry and sessions are testable exactly.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::account::{account, valued};
use super::broker::Broker;
use super::dealing::{answer, book, check, refused_before_the_server};
use super::ledger::{Ledger, LedgerError};
use super::moment::{market_is_open, Moment, Quote};
use super::outcome::{storage, Outcome};
use super::price::Market;
use super::rules::exceeds_volume_limit;
use super::symbol::{default_symbols, SymbolInfo};
use super::{pending, positions, stop_out, triggers};
use super::{
    AccountInfo, Clock, Deal, Fault, FaultPlan, HistoryFilter, Order, Position, Retcode,
    SimulatorOptions, Terminal, TerminalError, TradeAction, TradeRequest, TradeResult,
};

/// MT5 silently cuts order comments to this many characters.
pub const MAX_COMMENT_CHARS: usize = 31;

struct State {
    ledger: Ledger,
    market: Market,
    faults: FaultPlan,
    injected: VecDeque<Fault>,
    injected_query_failures: usize,
}

/// A MetaTrader 5 terminal and trade server in one process.
///
/// A hedging account: each opening deal opens a position ticketed as its order, and a deal
/// naming a position closes all or part of it.
///
/// ```
/// use gateway_example::terminal::{
///     Filling, HistoryFilter, OrderTime, OrderType, Retcode, SimulatedTerminal,
///     SimulatorOptions, Terminal, TradeAction, TradeRequest,
/// };
///
/// let terminal = SimulatedTerminal::open(&SimulatorOptions::default()).unwrap();
/// let ask = terminal.symbol_info("EURUSD").unwrap().unwrap().ask;
/// let buy = TradeRequest {
///     action: TradeAction::Deal,
///     symbol: "EURUSD".into(),
///     volume: 0.1,
///     order_type: OrderType::Buy,
///     price: ask,
///     stoplimit: 0.0,
///     sl: 0.0,
///     tp: 0.0,
///     deviation: 20,
///     type_filling: Filling::Ioc,
///     type_time: OrderTime::Gtc,
///     expiration: 0,
///     magic: 7,
///     comment: "example".into(),
///     position: 0,
///     order: 0,
/// };
/// let opened = terminal.order_send(&buy).unwrap();
/// let all = HistoryFilter::default();
/// assert_eq!(terminal.positions_get(&all).unwrap()[0].ticket, opened.order);
///
/// // Close half of it: an opposite deal naming the position.
/// let bid = terminal.symbol_info("EURUSD").unwrap().unwrap().bid;
/// let close = TradeRequest {
///     order_type: OrderType::Sell,
///     price: bid,
///     volume: 0.05,
///     position: opened.order,
///     ..buy
/// };
/// assert_eq!(terminal.order_send(&close).unwrap().retcode, Retcode::DONE);
/// assert_eq!(terminal.positions_get(&all).unwrap()[0].volume, 0.05);
/// ```
pub struct SimulatedTerminal {
    symbols: Vec<SymbolInfo>,
    state: Mutex<State>,
    faults_injected: AtomicU64,
    clock: Arc<dyn Clock>,
    broker: Broker,
    balance: f64,
}

impl SimulatedTerminal {
    /// Opens the simulator, loading its books from `options.data_dir` if they exist.
    pub fn open(options: &SimulatorOptions) -> Result<SimulatedTerminal, LedgerError> {
        let symbols = default_symbols();
        let ledger = Ledger::open(options.data_dir.as_deref())?;
        let market = Market::new(&symbols, options.seed.wrapping_add(1), options.tick_points);
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
            clock: Arc::clone(&options.clock),
            broker: Broker::new(options.rewrite_comments.clone(), options.history_lag),
            balance: options.balance,
        })
    }

    /// Makes the next `order_send` calls fail with these faults, in order, before any seeded ones.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().injected.extend(faults);
    }

    /// Makes the next `count` queries (history, orders, positions) fail with a lost connection.
    pub fn inject_query_failures(&self, count: usize) {
        self.lock().injected_query_failures += count;
    }

    /// How many `order_send` calls drew a fault (latency included).
    pub fn faults_injected(&self) -> u64 {
        self.faults_injected.load(Ordering::Relaxed)
    }

    /// Moves `symbol`'s market to this bid (the ask a spread above), as a price tick: pending
    /// orders it crosses trigger and stops it reaches close their positions. The new
    /// `(bid, ask)`, or `None` for an unknown symbol.
    ///
    /// ```
    /// use gateway_example::terminal::{SimulatedTerminal, SimulatorOptions};
    ///
    /// let terminal = SimulatedTerminal::open(&SimulatorOptions::default()).unwrap();
    /// assert_eq!(terminal.set_bid("EURUSD", 1.1).unwrap(), Some((1.1, 1.10012)));
    /// assert_eq!(terminal.set_bid("NOPE", 1.1).unwrap(), None);
    /// ```
    pub fn set_bid(&self, symbol: &str, bid: f64) -> Result<Option<(f64, f64)>, TerminalError> {
        let Some(rules) = self.rules(symbol) else {
            return Ok(None);
        };
        let mut state = self.settled()?;
        let (bid, ask) = state.market.set_bid(rules, bid);
        self.react(&mut state, rules, Quote { bid, ask })?;
        Ok(Some((bid, ask)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the books as consistent as the last commit.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state with every order whose time has run out expired.
    fn settled(&self) -> Result<MutexGuard<'_, State>, TerminalError> {
        let mut state = self.lock();
        triggers::expire(&mut state.ledger, self.clock.now_ms()).map_err(storage)?;
        Ok(state)
    }

    fn rules(&self, symbol: &str) -> Option<&SymbolInfo> {
        self.symbols.iter().find(|s| s.name == symbol)
    }

    /// The symbol a request trades: its own, or the position's or order's it names; the
    /// refusal when there is none (`POSITION_CLOSED` or `INVALID_ORDER` for a record no
    /// longer open, `INVALID` otherwise).
    fn target_rules(&self, state: &State, request: &TradeRequest) -> Result<&SymbolInfo, Retcode> {
        let symbol = if !request.symbol.is_empty() {
            request.symbol.clone()
        } else {
            match request.action {
                TradeAction::Deal if request.position == 0 => return Err(Retcode::INVALID),
                TradeAction::Deal | TradeAction::Sltp => state
                    .ledger
                    .position(request.position)
                    .ok_or(Retcode::POSITION_CLOSED)?
                    .symbol
                    .clone(),
                TradeAction::Modify | TradeAction::Remove => state
                    .ledger
                    .placed_order(request.order)
                    .ok_or(Retcode::INVALID_ORDER)?
                    .symbol
                    .clone(),
                TradeAction::Pending => return Err(Retcode::INVALID),
            }
        };
        self.rules(&symbol).ok_or(Retcode::INVALID)
    }

    fn moment<'a>(&'a self, rules: &'a SymbolInfo, quote: Quote) -> Moment<'a> {
        Moment {
            rules,
            quote,
            now_ms: self.clock.now_ms(),
            broker: &self.broker,
        }
    }

    fn account(&self, state: &State) -> AccountInfo {
        account(&state.ledger, &self.symbols, &state.market, self.balance)
    }

    /// The server's reaction to a new quote: triggers and stops (see [`triggers`]), then a
    /// stop out if the margin level fell too low (see [`stop_out`]); none while the symbol's
    /// market is closed.
    fn react(
        &self,
        state: &mut State,
        rules: &SymbolInfo,
        quote: Quote,
    ) -> Result<(), TerminalError> {
        let m = self.moment(rules, quote);
        if market_is_open(&m).is_err() {
            return Ok(());
        }
        let free_margin = |ledger: &Ledger| {
            account(ledger, &self.symbols, &state.market, self.balance).margin_free
        };
        triggers::on_tick(&mut state.ledger, &m, free_margin)?;
        let books = stop_out::Account {
            symbols: &self.symbols,
            market: &state.market,
            balance: self.balance,
            broker: &self.broker,
            now_ms: m.now_ms,
        };
        stop_out::stop_out(&mut state.ledger, &books)
    }

    /// One `order_send` on the trade server: a tick, the server's reaction to it, then the
    /// request checked, booked and answered (see [`super::dealing`]).
    fn execute(
        &self,
        state: &mut State,
        rules: &SymbolInfo,
        request: &TradeRequest,
        fault: Option<Fault>,
    ) -> Result<TradeResult, TerminalError> {
        let (bid, ask) = state.market.tick(rules);
        let quote = Quote { bid, ask };
        self.react(state, rules, quote)?;
        if let Some(retcode) = refused_before_the_server(fault) {
            return Ok(quote.refused(retcode));
        }
        let m = self.moment(rules, quote);
        let outcome = match request.action {
            TradeAction::Deal if request.position != 0 => {
                positions::close(&mut state.ledger, &m, request, fault)
            }
            TradeAction::Deal | TradeAction::Pending => self.open_order(state, &m, request, fault),
            TradeAction::Sltp => positions::sltp(&mut state.ledger, &m, request),
            TradeAction::Modify => pending::modify(&mut state.ledger, &m, request),
            TradeAction::Remove => pending::remove(&mut state.ledger, &m, request),
        };
        match outcome? {
            Ok(result) => answer(result, fault),
            Err(retcode) => Ok(quote.refused(retcode)),
        }
    }

    /// An order that opens: a market deal or a pending order.
    fn open_order(
        &self,
        state: &mut State,
        m: &Moment,
        request: &TradeRequest,
        fault: Option<Fault>,
    ) -> Outcome {
        let free_margin = self.account(state).margin_free;
        let price = match check(m, request, free_margin) {
            Ok(price) => price,
            Err(retcode) => return Ok(Err(retcode)),
        };
        if exceeds_volume_limit(m.rules, request, &state.ledger) {
            return Ok(Err(Retcode::LIMIT_VOLUME));
        }
        book(&mut state.ledger, m, request, price, fault).map(Ok)
    }

    /// Whether this query loses its connection: an injected failure, or a seeded one keyed by
    /// the filter (its comment, else the whole filter), so seeded runs repeat.
    fn query_fails(&self, state: &mut State, filter: &HistoryFilter) -> bool {
        if state.injected_query_failures > 0 {
            state.injected_query_failures -= 1;
            return true;
        }
        let key = match &filter.comment {
            Some(comment) => comment.clone(),
            None => serde_json::to_string(filter).unwrap_or_default(),
        };
        state.faults.next_query_fails(&key)
    }

    /// The settled state for a query, or the lost connection the query draws.
    fn queried(&self, filter: &HistoryFilter) -> Result<MutexGuard<'_, State>, TerminalError> {
        let mut state = self.settled()?;
        if self.query_fails(&mut state, filter) {
            return Err(TerminalError::Disconnected);
        }
        Ok(state)
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
        let answer = {
            let mut state = self.settled()?;
            let rules = match self.target_rules(&state, request) {
                Ok(rules) => rules,
                Err(retcode) => return Ok(Quote { bid: 0.0, ask: 0.0 }.refused(retcode)),
            };
            self.execute(&mut state, rules, request, fault)
        };
        if let Some(delay) = slow_reply {
            // Booked and committed; the answer is held without the lock, so the books can be
            // read (and the process killed) while it waits.
            std::thread::sleep(delay);
        }
        answer
    }

    fn history_deals_get(&self, filter: &HistoryFilter) -> Result<Vec<Deal>, TerminalError> {
        let state = self.queried(filter)?;
        let now = self.clock.now_ms();
        let mut deals = state.ledger.deals(filter);
        deals.retain(|d| self.broker.shows_deal(d, now));
        Ok(deals)
    }

    fn history_orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        let state = self.queried(filter)?;
        let now = self.clock.now_ms();
        let mut orders = state.ledger.history_orders(filter);
        orders.retain(|o| self.broker.shows_order(o, now));
        Ok(orders)
    }

    fn orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        Ok(self.queried(filter)?.ledger.orders(filter))
    }

    fn positions_get(&self, filter: &HistoryFilter) -> Result<Vec<Position>, TerminalError> {
        let state = self.queried(filter)?;
        let open = state.ledger.positions(filter);
        let value = |p: &Position| valued(p, &self.symbols, &state.market);
        Ok(open.iter().map(value).collect())
    }

    fn account_info(&self) -> Result<AccountInfo, TerminalError> {
        let state = self.settled()?;
        Ok(self.account(&state))
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

mod audit;
#[cfg(test)]
mod tests;
