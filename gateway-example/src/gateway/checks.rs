//! The gateway's own checks of an intent before it is journaled: the terminal would refuse
//! these too, but a refusal here costs no journal write and no terminal call. A close also
//! records the position's volume as seen, which its reconciliation compares against.

use uuid::Uuid;

use super::Gateway;
use crate::execution::{check_lookup, ExecutionError, TradeIntent};
use crate::protocol::{CloseSpec, ErrorCode, OrderSpec, Reply};
use crate::terminal::{HistoryFilter, SymbolInfo, TerminalError};

impl Gateway {
    /// `Ok` with a close's seen volume (`None` for other kinds), or the refusal.
    pub(super) fn check(
        &self,
        req_id: Uuid,
        intent: &TradeIntent,
    ) -> Result<Option<f64>, Box<Reply>> {
        match intent {
            TradeIntent::Open(order) => self.check_open(req_id, order).map(|()| None),
            TradeIntent::Close(close) => self.check_close(req_id, close).map(Some),
            // Both look at their target on every attempt and answer from what they find.
            TradeIntent::Modify(_) | TradeIntent::Cancel(_) => Ok(None),
        }
    }

    /// `lookup` through the terminal's circuit breaker (see [`check_lookup`]).
    fn look<T>(
        &self,
        req_id: Uuid,
        lookup: &dyn Fn() -> Result<T, TerminalError>,
    ) -> Result<T, Box<Reply>> {
        let lookup = || lookup().map_err(ExecutionError::Unavailable);
        check_lookup(&lookup, &self.config.execution_policy)
            .map_err(|e| Box::new(unavailable(req_id, &e)))
    }

    fn symbol(&self, req_id: Uuid, symbol: &str) -> Result<SymbolInfo, Box<Reply>> {
        match self.look(req_id, &|| self.terminal.symbol_info(symbol))? {
            Some(info) => Ok(info),
            None => Err(Box::new(Reply::failure(
                Some(req_id),
                ErrorCode::UnknownSymbol,
                format!("unknown symbol `{symbol}`"),
                false,
            ))),
        }
    }

    fn check_open(&self, req_id: Uuid, order: &OrderSpec) -> Result<(), Box<Reply>> {
        let info = self.symbol(req_id, &order.symbol)?;
        check_volume(req_id, &info, order.volume)
    }

    fn check_close(&self, req_id: Uuid, close: &CloseSpec) -> Result<f64, Box<Reply>> {
        let filter = HistoryFilter {
            ticket: Some(close.position),
            ..HistoryFilter::default()
        };
        let positions = self.look(req_id, &|| self.terminal.positions_get(&filter))?;
        let Some(position) = positions.first() else {
            return Err(Box::new(Reply::failure(
                Some(req_id),
                ErrorCode::UnknownPosition,
                format!("no open position {}", close.position),
                false,
            )));
        };
        if let Some(volume) = close.volume {
            let info = self.symbol(req_id, &position.symbol)?;
            check_volume(req_id, &info, volume)?;
            if volume > position.volume + 1e-9 {
                return Err(Box::new(Reply::failure(
                    Some(req_id),
                    ErrorCode::InvalidVolume,
                    format!(
                        "volume {volume} is more than the {} lots position {} holds",
                        position.volume, close.position
                    ),
                    false,
                )));
            }
        }
        Ok(position.volume)
    }
}

fn check_volume(req_id: Uuid, info: &SymbolInfo, volume: f64) -> Result<(), Box<Reply>> {
    if info.volume_is_valid(volume) {
        return Ok(());
    }
    Err(Box::new(Reply::failure(
        Some(req_id),
        ErrorCode::InvalidVolume,
        format!(
            "volume {volume} is off the rules of {}: min {}, max {}, step {}",
            info.name, info.volume_min, info.volume_max, info.volume_step
        ),
        false,
    )))
}

/// The reply to a request the terminal could not be asked about: nothing executed, retryable.
pub(super) fn unavailable(req_id: Uuid, error: &dyn std::fmt::Display) -> Reply {
    Reply::failure(
        Some(req_id),
        ErrorCode::TerminalUnavailable,
        error.to_string(),
        true,
    )
}
