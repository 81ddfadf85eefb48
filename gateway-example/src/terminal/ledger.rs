//! The simulated trade server's books: every deal, every order (on the book and done), the open
//! positions and the log of applied modifications.
//!
//! A real broker keeps its books on its own servers, so they survive anything that happens to the
//! gateway. To make "reconcile against the terminal after a `kill -9`" mean something, the
//! simulator keeps its books in their own `redb` file, separate from the gateway's journal, and
//! commits each trade operation as one transaction (the deal, its order and the position it
//! changes together) before it answers. An in-memory copy serves the queries.

use std::path::Path;

use redb::{Database, ReadableTable, TableDefinition};

use super::exposure::{Exposure, Exposures};
use super::{Deal, HistoryFilter, Modification, Order, OrderState, Position};
use crate::store::{open_database, store_err, StoreError};

const DEALS: TableDefinition<u64, &str> = TableDefinition::new("deals");
const ORDERS: TableDefinition<u64, &str> = TableDefinition::new("orders");
const POSITIONS: TableDefinition<u64, &str> = TableDefinition::new("positions");
const MODIFICATIONS: TableDefinition<u64, &str> = TableDefinition::new("modifications");
const LEDGER_FILE: &str = "terminal.redb";
/// First ticket of a fresh account: real tickets are large numbers, which keeps them from being
/// confused with counts in logs.
const FIRST_TICKET: u64 = 100_000_001;

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

/// Everything one trade operation changes, committed at once: new deals, new or updated orders
/// and positions, positions closed in full, and the modification it applied.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) deals: Vec<Deal>,
    pub(crate) orders: Vec<Order>,
    pub(crate) positions: Vec<Position>,
    pub(crate) closed: Vec<u64>,
    pub(crate) modifications: Vec<Modification>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.deals.is_empty()
            && self.orders.is_empty()
            && self.positions.is_empty()
            && self.closed.is_empty()
            && self.modifications.is_empty()
    }
}

/// Deals, orders, positions and modifications, durable when opened on a directory.
pub struct Ledger {
    db: Database,
    deals: Vec<Deal>,
    /// Every order, by ascending ticket: those on the book and those done.
    orders: Vec<Order>,
    /// Open positions, by ascending ticket.
    positions: Vec<Position>,
    modifications: Vec<Modification>,
    next_ticket: u64,
    /// The open positions summed per symbol and direction.
    exposures: Exposures,
    /// Profit realised by every closing deal so far.
    realised: f64,
}

impl Ledger {
    /// Opens the ledger in `dir` (created if needed), or in memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<Ledger, LedgerError> {
        let db = open_database(dir, LEDGER_FILE)?;
        let tx = db.begin_write().map_err(store_err)?;
        let (deals, orders, positions, modifications) = {
            (
                load(&tx.open_table(DEALS).map_err(store_err)?)?,
                load(&tx.open_table(ORDERS).map_err(store_err)?)?,
                load(&tx.open_table(POSITIONS).map_err(store_err)?)?,
                load(&tx.open_table(MODIFICATIONS).map_err(store_err)?)?,
            )
        };
        tx.commit().map_err(store_err)?;
        let last = deals
            .iter()
            .map(|d: &Deal| d.ticket.max(d.order))
            .chain(orders.iter().map(|o: &Order| o.ticket))
            .chain(positions.iter().map(|p: &Position| p.ticket))
            .max();
        let next_ticket = last.map_or(FIRST_TICKET, |t| t + 1);
        let exposures = Exposures::of(&positions);
        let realised = deals.iter().map(|d: &Deal| d.profit).sum();
        Ok(Ledger {
            db,
            deals,
            orders,
            positions,
            modifications,
            next_ticket,
            exposures,
            realised,
        })
    }

    /// Hands out a fresh ticket.
    pub fn next_ticket(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        ticket
    }

    /// The sequence number the next logged modification gets.
    pub(crate) fn next_modification_seq(&self) -> u64 {
        self.modifications.len() as u64 + 1
    }

    /// Commits every change of one operation to disk in one transaction, then to memory.
    pub(crate) fn commit(&mut self, batch: Batch) -> Result<(), LedgerError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(store_err)?;
        {
            let mut table = tx.open_table(DEALS).map_err(store_err)?;
            for deal in &batch.deals {
                put(&mut table, deal.ticket, deal)?;
            }
            let mut table = tx.open_table(ORDERS).map_err(store_err)?;
            for order in &batch.orders {
                put(&mut table, order.ticket, order)?;
            }
            let mut table = tx.open_table(POSITIONS).map_err(store_err)?;
            for position in &batch.positions {
                put(&mut table, position.ticket, position)?;
            }
            for ticket in &batch.closed {
                table.remove(*ticket).map_err(store_err)?;
            }
            let mut table = tx.open_table(MODIFICATIONS).map_err(store_err)?;
            for modification in &batch.modifications {
                put(&mut table, modification.seq, modification)?;
            }
        }
        tx.commit().map_err(store_err)?;
        self.realised += batch.deals.iter().map(|d| d.profit).sum::<f64>();
        self.deals.extend(batch.deals);
        for order in batch.orders {
            upsert(&mut self.orders, order, |o| o.ticket);
        }
        for position in batch.positions {
            self.exposures.add(&position, 1.0);
            if let Some(old) = upsert(&mut self.positions, position, |p| p.ticket) {
                self.exposures.add(&old, -1.0);
            }
        }
        for ticket in batch.closed {
            if let Ok(i) = self.positions.binary_search_by_key(&ticket, |p| p.ticket) {
                let old = self.positions.remove(i);
                self.exposures.add(&old, -1.0);
            }
        }
        self.modifications.extend(batch.modifications);
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
        self.placed()
            .filter(|o| filter.matches_order(o))
            .cloned()
            .collect()
    }

    /// Every pending order on the book.
    pub(crate) fn placed(&self) -> impl Iterator<Item = &Order> {
        self.orders.iter().filter(|o| o.state == OrderState::Placed)
    }

    /// Orders that left the book matching the filter, oldest first.
    pub fn history_orders(&self, filter: &HistoryFilter) -> Vec<Order> {
        self.orders
            .iter()
            .filter(|o| o.state != OrderState::Placed && filter.matches_order(o))
            .cloned()
            .collect()
    }

    /// Open positions matching the filter, as last booked (their current price and floating
    /// profit are the simulator's to fill in).
    pub fn positions(&self, filter: &HistoryFilter) -> Vec<Position> {
        self.positions
            .iter()
            .filter(|p| filter.matches_position(p))
            .cloned()
            .collect()
    }

    /// Every open position.
    pub(crate) fn open_positions(&self) -> &[Position] {
        &self.positions
    }

    /// The open position with this ticket.
    pub(crate) fn position(&self, ticket: u64) -> Option<&Position> {
        find(&self.positions, ticket, |p| p.ticket)
    }

    /// The pending order on the book with this ticket.
    pub(crate) fn placed_order(&self, ticket: u64) -> Option<&Order> {
        find(&self.orders, ticket, |o| o.ticket).filter(|o| o.state == OrderState::Placed)
    }

    /// Profit realised by every closing deal so far.
    pub(crate) fn realised_profit(&self) -> f64 {
        self.realised
    }

    /// The open positions of `symbol` in one direction (`buys` or sells), summed.
    pub(crate) fn exposure(&self, symbol: &str, buys: bool) -> Exposure {
        self.exposures.get(symbol, buys)
    }

    /// Every applied modification, in order.
    pub fn modifications(&self) -> &[Modification] {
        &self.modifications
    }
}

fn find<T>(records: &[T], ticket: u64, key: impl Fn(&T) -> u64) -> Option<&T> {
    records
        .binary_search_by_key(&ticket, key)
        .ok()
        .map(|i| &records[i])
}

/// Replaces the record with the same ticket, returning it, or inserts it in ticket order.
fn upsert<T>(records: &mut Vec<T>, record: T, key: impl Fn(&T) -> u64) -> Option<T> {
    match records.binary_search_by_key(&key(&record), &key) {
        Ok(i) => Some(std::mem::replace(&mut records[i], record)),
        Err(i) => {
            records.insert(i, record);
            None
        }
    }
}

fn put<T: serde::Serialize>(
    table: &mut redb::Table<'_, u64, &str>,
    key: u64,
    record: &T,
) -> Result<(), LedgerError> {
    let json = serde_json::to_string(record).expect("ledger records always serialize");
    table.insert(key, json.as_str()).map_err(store_err)?;
    Ok(())
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

    fn position(ticket: u64, volume: f64) -> Position {
        Position {
            ticket,
            time_msc: 0,
            time_update_msc: 0,
            symbol: "EURUSD".into(),
            position_type: OrderType::Buy,
            volume,
            price_open: 1.085,
            sl: 0.0,
            tp: 0.0,
            price_current: 1.085,
            profit: 0.0,
            magic: 7,
            comment: "p".into(),
        }
    }

    #[test]
    fn deals_survive_reopening_and_tickets_keep_growing() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let mut ledger = Ledger::open(Some(dir.path())).unwrap();
            let t = ledger.next_ticket();
            let batch = Batch {
                deals: vec![deal(t, "a")],
                ..Batch::default()
            };
            ledger.commit(batch).unwrap();
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

    #[test]
    fn position_updates_and_closes_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut ledger = Ledger::open(Some(dir.path())).unwrap();
            let opened = Batch {
                positions: vec![position(5, 0.3), position(6, 0.1)],
                ..Batch::default()
            };
            ledger.commit(opened).unwrap();
            let changed = Batch {
                positions: vec![position(5, 0.2)],
                closed: vec![6],
                ..Batch::default()
            };
            ledger.commit(changed).unwrap();
        }
        let ledger = Ledger::open(Some(dir.path())).unwrap();
        let open = ledger.positions(&HistoryFilter::default());
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].ticket, open[0].volume), (5, 0.2));
        assert!(ledger.position(6).is_none());
        let buys = ledger.exposure("EURUSD", true);
        assert!((buys.volume - 0.2).abs() < 1e-12, "{buys:?}");
        assert!((buys.notional - 0.2 * 1.085).abs() < 1e-12, "{buys:?}");
    }
}
