//! The auditor's views of the books: everything the trade server holds, fault-free and without
//! history lag, so a soak can prove no close was lost, no position closed twice and no
//! modification applied twice. Not trading calls: a real terminal offers none of these.

use std::sync::MutexGuard;

use super::{triggers, SimulatedTerminal, State};
use crate::terminal::account::valued;
use crate::terminal::{Deal, HistoryFilter, Modification, Order, Position};

impl SimulatedTerminal {
    /// Every deal on the books, fault-free and without history lag: the auditor's view, not a
    /// trading call.
    pub fn audit_deals(&self) -> Vec<Deal> {
        self.audited().ledger.deals(&HistoryFilter::default())
    }

    /// Every pending order on the book, fault-free.
    pub fn audit_orders(&self) -> Vec<Order> {
        self.audited().ledger.orders(&HistoryFilter::default())
    }

    /// Every order that left the book (filled, cancelled, expired), fault-free, without lag.
    pub fn audit_history_orders(&self) -> Vec<Order> {
        self.audited()
            .ledger
            .history_orders(&HistoryFilter::default())
    }

    /// Every open position at current prices, fault-free.
    pub fn audit_positions(&self) -> Vec<Position> {
        let state = self.audited();
        let open = state.ledger.positions(&HistoryFilter::default());
        let value = |p: &Position| valued(p, &self.symbols, &state.market);
        open.iter().map(value).collect()
    }

    /// Every modification applied (`SLTP`, `MODIFY`, `REMOVE`), in order, fault-free.
    pub fn audit_modifications(&self) -> Vec<Modification> {
        self.audited().ledger.modifications().to_vec()
    }

    /// The state for an auditor: expired as far as storage allows (an expiry that fails to
    /// commit is tried again at the next call).
    fn audited(&self) -> MutexGuard<'_, State> {
        let mut state = self.lock();
        let _ = triggers::expire(&mut state.ledger, self.clock.now_ms());
        state
    }
}
