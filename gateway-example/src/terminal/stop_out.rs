//! Stop out: when the account's margin level falls below `ACCOUNT_MARGIN_SO_SO`, the trade
//! server closes positions itself, the one losing most first, until the level is back above it
//! (`DEAL_REASON_SO`).

use super::account::{account, valued};
use super::broker::Broker;
use super::ledger::Ledger;
use super::moment::{Moment, Quote};
use super::positions::{close_fill, Closing};
use super::price::Market;
use super::{DealReason, SymbolInfo, TerminalError};

/// `ACCOUNT_MARGIN_SO_SO`: the margin level, in percent, below which positions are closed.
pub(crate) const STOP_OUT_LEVEL_PERCENT: f64 = 50.0;

/// The books an account's stop out reads and changes.
pub(crate) struct Account<'a> {
    pub(crate) symbols: &'a [SymbolInfo],
    pub(crate) market: &'a Market,
    pub(crate) balance: f64,
    pub(crate) broker: &'a Broker,
    pub(crate) now_ms: u64,
}

/// Closes the most losing position, at its closing price, while the margin level is below
/// [`STOP_OUT_LEVEL_PERCENT`].
pub(crate) fn stop_out(ledger: &mut Ledger, a: &Account) -> Result<(), TerminalError> {
    loop {
        let info = account(ledger, a.symbols, a.market, a.balance);
        if info.margin <= 0.0 || info.margin_level >= STOP_OUT_LEVEL_PERCENT {
            return Ok(());
        }
        let worst = ledger
            .open_positions()
            .iter()
            .map(|p| valued(p, a.symbols, a.market))
            .min_by(|x, y| x.profit.total_cmp(&y.profit));
        let Some(position) = worst else {
            return Ok(());
        };
        let Some(rules) = a.symbols.iter().find(|s| s.name == position.symbol) else {
            return Ok(());
        };
        let (bid, ask) = a.market.quote(rules);
        let m = Moment {
            rules,
            quote: Quote { bid, ask },
            now_ms: a.now_ms,
            broker: a.broker,
        };
        let comment = format!("[so {:.2}%]", info.margin_level);
        let closing = Closing {
            position: &position,
            volume: position.volume,
            price: position.price_current,
            reason: DealReason::So,
            magic: position.magic,
            comment: &comment,
        };
        close_fill(ledger, &m, closing)?;
    }
}
