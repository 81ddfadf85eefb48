//! Opening a position or placing a pending order (`ORDER_SEND`), and finding an ambiguous one
//! again without trusting its comment.
//!
//! The comment carries the gateway's tag when the client brings none, but a broker may rewrite
//! comments and a client may bring its own, so an ambiguous open is found by what the terminal
//! cannot change: a deal, position or pending order with the intent's magic number and symbol,
//! the same type, no more volume than asked, made since the intent was journaled, whose order
//! ticket no settled intent took, and that does not carry another intent's intact tag. Only one open per (magic, symbol) is ever unsettled at once
//! (the gateway's key lock), so at most one record fits; a record whose comment is the one sent
//! is preferred.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::attempt::{Context, Found, Kind, Progress, Settled};
use super::{is_tag, order_comment, Execution, ExecutionError, GATEWAY_MAGIC};
use crate::protocol::OrderSpec;
use crate::terminal::{
    DealEntry, Filling, HistoryFilter, OrderType, Terminal, TradeAction, TradeRequest, TradeResult,
};

/// `ORDER_SEND` as a [`Kind`].
pub(crate) struct Open<'a> {
    order: &'a OrderSpec,
    /// A look limited to the tag passed over a record that fits but carries no tag at all:
    /// whose it is cannot be told.
    unexplained: Cell<bool>,
}

/// One record that may be the open: its order ticket, type, volume, comment.
struct Candidate<'a> {
    ticket: u64,
    order_type: OrderType,
    volume: f64,
    comment: &'a str,
}

impl<'a> Open<'a> {
    pub(crate) fn new(order: &'a OrderSpec) -> Open<'a> {
        Open {
            order,
            unexplained: Cell::new(false),
        }
    }

    fn magic(&self) -> u64 {
        self.order.magic.unwrap_or(GATEWAY_MAGIC)
    }

    /// The comment sent: the client's, or the gateway's tag.
    fn comment(&self, cx: &Context<'_>) -> String {
        self.order
            .comment
            .clone()
            .unwrap_or_else(|| order_comment(cx.req_id))
    }

    /// The first record that fits, one with the comment sent before any other.
    fn pick<'c>(
        &self,
        cx: &Context<'_>,
        candidates: impl IntoIterator<Item = Candidate<'c>>,
        same_type: impl Fn(OrderType) -> bool,
    ) -> Result<Option<u64>, ExecutionError> {
        let comment = self.comment(cx);
        let mut best: Option<(bool, u64)> = None;
        for c in candidates {
            let tagged = c.comment == comment;
            let anothers = !tagged && is_tag(c.comment);
            if anothers
                || !same_type(c.order_type)
                || c.volume > self.order.volume + 1e-9
                || cx.is_attributed(c.ticket)?
            {
                continue;
            }
            if cx.tag_only && !tagged {
                self.unexplained.set(true);
                continue;
            }
            if best.is_none_or(|(best_tagged, _)| tagged && !best_tagged) {
                best = Some((tagged, c.ticket));
            }
        }
        Ok(best.map(|(_, ticket)| ticket))
    }

    fn find_market(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        filter: &HistoryFilter,
    ) -> Result<Option<Execution>, ExecutionError> {
        let unavailable = ExecutionError::Unavailable;
        let same = |t: OrderType| t == self.order.order_type;
        let deals = terminal.history_deals_get(filter).map_err(unavailable)?;
        let opening = deals.iter().filter(|d| d.entry == DealEntry::In);
        let candidates = opening.clone().map(|d| Candidate {
            ticket: d.order,
            order_type: d.order_type,
            volume: d.volume,
            comment: &d.comment,
        });
        if let Some(ticket) = self.pick(cx, candidates, same)? {
            let deal = opening.clone().find(|d| d.order == ticket).expect("picked");
            return Ok(Some(Execution::from_deal(self.order, deal)));
        }
        // Positions are current: an open the history does not show yet is there, and its
        // opening deal shows within the history-lag bound.
        let Some(mut found) = self.find_position(terminal, cx, filter, same)? else {
            return Ok(None);
        };
        match opening_deal(terminal, cx, found.position)? {
            Some(deal) => found.deal = deal,
            None => found.deal_unknown = true,
        }
        Ok(Some(found))
    }

    fn find_position(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        filter: &HistoryFilter,
        same: impl Fn(OrderType) -> bool,
    ) -> Result<Option<Execution>, ExecutionError> {
        let positions = terminal
            .positions_get(filter)
            .map_err(ExecutionError::Unavailable)?;
        let candidates = positions.iter().map(|p| Candidate {
            ticket: p.ticket,
            order_type: p.position_type,
            volume: p.volume,
            comment: &p.comment,
        });
        Ok(self.pick(cx, candidates, same)?.map(|ticket| {
            let position = positions
                .iter()
                .find(|p| p.ticket == ticket)
                .expect("picked");
            Execution::from_position(self.order, position)
        }))
    }

    fn find_pending(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        filter: &HistoryFilter,
    ) -> Result<Option<Execution>, ExecutionError> {
        let unavailable = ExecutionError::Unavailable;
        let same = |t: OrderType| t == self.order.order_type;
        let mut orders = terminal.orders_get(filter).map_err(unavailable)?;
        // Already triggered, cancelled or expired: it was placed all the same.
        orders.extend(terminal.history_orders_get(filter).map_err(unavailable)?);
        let candidates = orders.iter().map(|o| Candidate {
            ticket: o.ticket,
            order_type: o.order_type,
            volume: o.volume_initial,
            comment: &o.comment,
        });
        if let Some(ticket) = self.pick(cx, candidates, same)? {
            let order = orders.iter().find(|o| o.ticket == ticket).expect("picked");
            return Ok(Some(Execution::from_order(self.order, order)));
        }
        // Triggered while the history lags: the position it opened is there, its ticket the order's.
        let buy = self.order.order_type.is_buy();
        let found = self.find_position(terminal, cx, filter, |t| t.is_buy() == buy)?;
        Ok(found.map(|position| Execution {
            status: super::ExecutionStatus::Placed,
            ..position
        }))
    }
}

impl Kind for Open<'_> {
    const LOOKS_FIRST: bool = false;

    fn reconcile(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
    ) -> Result<Found, ExecutionError> {
        let filter = HistoryFilter {
            magic: Some(self.magic()),
            symbol: Some(self.order.symbol.clone()),
            since_msc: Some(cx.since_msc()),
            ..HistoryFilter::default()
        };
        let found = if self.order.order_type.is_market() {
            self.find_market(terminal, cx, &filter)?
        } else {
            self.find_pending(terminal, cx, &filter)?
        };
        Ok(match found {
            Some(execution) => {
                let ticket = execution.order;
                Found::Executed(Settled::new(&execution, true, vec![ticket]))
            }
            // A record that fits and carries no tag may be this intent's or another's on the
            // key: nothing proves it did not run.
            None if self.unexplained.get() => Found::Unattributable,
            None if cx.lag_passed(progress) => Found::NotExecuted,
            None => Found::NotYet,
        })
    }

    fn request(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
    ) -> Result<TradeRequest, ExecutionError> {
        let order = self.order;
        let quote = terminal
            .symbol_info(&order.symbol)
            .map_err(ExecutionError::Unavailable)?
            .ok_or_else(|| ExecutionError::UnknownSymbol(order.symbol.clone()))?;
        let price = match (order.order_type.is_market(), order.order_type.is_buy()) {
            (true, true) => quote.ask,
            (true, false) => quote.bid,
            (false, _) => order.price.unwrap_or_default(),
        };
        Ok(TradeRequest {
            volume: order.volume,
            price,
            stoplimit: order.stoplimit.unwrap_or_default(),
            sl: order.sl,
            tp: order.tp,
            deviation: order.deviation,
            type_filling: order
                .type_filling
                .unwrap_or_else(|| Filling::preferred(&quote, order.order_type)),
            type_time: order.type_time.unwrap_or_default(),
            expiration: order.expiration.unwrap_or_default(),
            magic: self.magic(),
            comment: self.comment(cx),
            ..TradeRequest::blank(
                TradeAction::placing(order.order_type),
                &order.symbol,
                order.order_type,
            )
        })
    }

    fn settle(&self, _cx: &Context<'_>, _request: &TradeRequest, result: &TradeResult) -> Settled {
        let execution = Execution::from_result(self.order, result);
        Settled::new(&execution, false, vec![result.order])
    }
}

/// How often a fill found through its position asks the history for its deal again.
const DEAL_POLL: Duration = Duration::from_millis(10);

/// The ticket of `position`'s opening deal, asking the history until it shows it or the
/// history-lag bound has passed (`None`: not known yet).
fn opening_deal(
    terminal: &dyn Terminal,
    cx: &Context<'_>,
    position: u64,
) -> Result<Option<u64>, ExecutionError> {
    let filter = HistoryFilter {
        position: Some(position),
        ..HistoryFilter::default()
    };
    let deadline = Instant::now() + Duration::from_millis(cx.history_lag_ms);
    loop {
        let deals = terminal
            .history_deals_get(&filter)
            .map_err(ExecutionError::Unavailable)?;
        if let Some(deal) = deals.iter().find(|d| d.entry == DealEntry::In) {
            return Ok(Some(deal.ticket));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        std::thread::sleep(left.min(DEAL_POLL));
    }
}
