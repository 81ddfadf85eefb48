//! The simulated trade server's books: every deal and pending order it has ever accepted.
//!
//! A real broker keeps its deal history on its own servers, so it survives anything that happens
//! to the gateway. To make "reconcile against the terminal after a `kill -9`" mean something, the
//! simulator keeps its books in their own `redb` file, separate from the gateway's journal, and
//! commits each deal before it answers. An in-memory copy serves the history queries.

use std::path::Path;

use redb::{Database, ReadableTable, TableDefinition};

use super::rules::{FREE_MARGIN, LEVERAGE};
use super::{AccountInfo, Deal, DealEntry, HistoryFilter, Order, OrderState, Position};
use crate::store::{open_database, store_err, StoreError};

const DEALS: TableDefinition<u64, &str> = TableDefinition::new("deals");
const ORDERS: TableDefinition<u64, &str> = TableDefinition::new("orders");
const LEDGER_FILE: &str = "terminal.redb";
/// First ticket of a fresh account: real tickets are large numbers, which keeps them from being
/// confused with counts in logs.
const FIRST_TICKET: u64 = 100_000_001;
/// The simulated account's number.
const ACCOUNT_LOGIN: u64 = 5_000_001;

/// Why the ledger could not record or read a trade.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored record did not decode.
    #[error("ledger record {ticket} is corrupt: {source}")]
    Corrupt {
        /// The record's ticket.
        ticket: u64,
        /// The decoding error.
        source: serde_json::Error,
    },
}

/// Deals and pending orders, durable when opened on a directory.
pub struct Ledger {
    db: Database,
    deals: Vec<Deal>,
    orders: Vec<Order>,
    next_ticket: u64,
}

impl Ledger {
    /// Opens the ledger in `dir` (created if needed), or in memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<Ledger, LedgerError> {
        let db = open_database(dir, LEDGER_FILE)?;
        let tx = db.begin_write().map_err(store_err)?;
        let (deals, orders) = {
            let deals_table = tx.open_table(DEALS).map_err(store_err)?;
            let orders_table = tx.open_table(ORDERS).map_err(store_err)?;
            (load(&deals_table)?, load(&orders_table)?)
        };
        tx.commit().map_err(store_err)?;
        let last = deals
            .iter()
            .map(|d: &Deal| d.ticket.max(d.order))
            .chain(orders.iter().map(|o: &Order| o.ticket))
            .max();
        let next_ticket = last.map_or(FIRST_TICKET, |t| t + 1);
        Ok(Ledger {
            db,
            deals,
            orders,
            next_ticket,
        })
    }

    /// Hands out a fresh ticket.
    pub fn next_ticket(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        ticket
    }

    /// Commits a deal to disk, then to the in-memory history.
    pub fn record_deal(&mut self, deal: Deal) -> Result<(), LedgerError> {
        self.write(DEALS, deal.ticket, &deal)?;
        self.deals.push(deal);
        Ok(())
    }

    /// Commits a pending order to disk, then to the in-memory book.
    pub fn record_order(&mut self, order: Order) -> Result<(), LedgerError> {
        self.write(ORDERS, order.ticket, &order)?;
        self.orders.push(order);
        Ok(())
    }

    /// Deals matching the filter, oldest first.
    pub fn deals(&self, filter: &HistoryFilter) -> Vec<Deal> {
        self.deals
            .iter()
            .filter(|d| filter.matches_deal(d))
            .cloned()
            .collect()
    }

    /// Pending orders on the book matching the filter, oldest first.
    pub fn orders(&self, filter: &HistoryFilter) -> Vec<Order> {
        self.orders
            .iter()
            .filter(|o| o.state == OrderState::Placed && filter.matches_order(o))
            .cloned()
            .collect()
    }

    /// Orders that left the book matching the filter, oldest first.
    pub fn history_orders(&self, filter: &HistoryFilter) -> Vec<Order> {
        self.orders
            .iter()
            .filter(|o| o.state != OrderState::Placed && filter.matches_order(o))
            .cloned()
            .collect()
    }

    /// Open positions matching the filter: each opening deal's volume less its closing deals'.
    pub fn positions(&self, filter: &HistoryFilter) -> Vec<Position> {
        let mut positions: Vec<Position> = Vec::new();
        for deal in &self.deals {
            match deal.entry {
                DealEntry::In => positions.push(Position {
                    ticket: deal.position_id,
                    time_msc: deal.time_msc,
                    time_update_msc: deal.time_msc,
                    symbol: deal.symbol.clone(),
                    position_type: deal.order_type,
                    volume: deal.volume,
                    price_open: deal.price,
                    sl: 0.0,
                    tp: 0.0,
                    price_current: deal.price,
                    profit: 0.0,
                    magic: deal.magic,
                    comment: deal.comment.clone(),
                }),
                DealEntry::Out => {
                    if let Some(open) = positions.iter_mut().find(|p| p.ticket == deal.position_id)
                    {
                        open.volume -= deal.volume;
                        open.time_update_msc = deal.time_msc;
                    }
                }
            }
        }
        positions.retain(|p| p.volume > 1e-9 && filter.matches_position(p));
        positions
    }

    /// The account: the starting balance plus realised profit.
    pub fn account(&self) -> AccountInfo {
        let realised: f64 = self.deals.iter().map(|d| d.profit).sum();
        let balance = FREE_MARGIN + realised;
        AccountInfo {
            login: ACCOUNT_LOGIN,
            currency: "USD".into(),
            leverage: LEVERAGE,
            balance,
            equity: balance,
            margin: 0.0,
            margin_free: balance,
            margin_level: 0.0,
            profit: 0.0,
        }
    }

    fn write<T: serde::Serialize>(
        &self,
        table: TableDefinition<u64, &str>,
        ticket: u64,
        record: &T,
    ) -> Result<(), LedgerError> {
        let json = serde_json::to_string(record).expect("ledger records always serialize");
        let tx = self.db.begin_write().map_err(store_err)?;
        tx.open_table(table)
            .map_err(store_err)?
            .insert(ticket, json.as_str())
            .map_err(store_err)?;
        tx.commit().map_err(store_err)?;
        Ok(())
    }
}

fn load<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<u64, &'static str>,
) -> Result<Vec<T>, LedgerError> {
    let mut records = Vec::new();
    for row in table.iter().map_err(store_err)? {
        let (ticket, json) = row.map_err(store_err)?;
        let record = serde_json::from_str(json.value()).map_err(|source| LedgerError::Corrupt {
            ticket: ticket.value(),
            source,
        })?;
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::OrderType;

    fn deal(ticket: u64, comment: &str) -> Deal {
        Deal {
            ticket,
            order: ticket + 1,
            time_msc: 0,
            symbol: "EURUSD".into(),
            order_type: OrderType::Buy,
            entry: Default::default(),
            position_id: ticket + 1,
            reason: Default::default(),
            volume: 0.01,
            price: 1.085,
            profit: 0.0,
            magic: 7,
            comment: comment.into(),
        }
    }

    #[test]
    fn deals_survive_reopening_and_tickets_keep_growing() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let mut ledger = Ledger::open(Some(dir.path())).unwrap();
            let t = ledger.next_ticket();
            ledger.record_deal(deal(t, "a")).unwrap();
            t
        };
        let mut ledger = Ledger::open(Some(dir.path())).unwrap();
        let filter = HistoryFilter {
            magic: Some(7),
            comment: Some("a".into()),
            ..HistoryFilter::default()
        };
        assert_eq!(ledger.deals(&filter).len(), 1);
        assert!(ledger.next_ticket() > first + 1);
        let other = HistoryFilter {
            comment: Some("b".into()),
            ..HistoryFilter::default()
        };
        assert!(ledger.deals(&other).is_empty());
    }
}
