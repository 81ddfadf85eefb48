//! One order, placed with retries: the body of [`place_order`] is one attempt.

use wait_or_die::{wait_or_die, Policy};

use super::{find_executed, order_comment, Execution, ExecutionError, OrderIntent, GATEWAY_MAGIC};
use crate::terminal::{Filling, OrderTime, RetcodeClass, Terminal, TradeAction, TradeRequest};

/// What the attempts of one call have learned, kept across attempts (and across calls: a pending
/// intent resumed after a restart starts with `maybe_sent` set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Whether an earlier send may have executed: the next attempt must reconcile first.
    pub maybe_sent: bool,
    /// Attempts run so far.
    pub attempts: u32,
    /// Sends that reached the terminal's `order_send`.
    pub sends: u32,
}

impl Progress {
    /// Progress of an order that may already have been sent (a pending journal entry).
    pub fn resumed() -> Progress {
        Progress {
            maybe_sent: true,
            ..Progress::default()
        }
    }
}

/// Places `intent` on the terminal, at most once: the seed's order policy (30 s, 5 retries,
/// 1 s → 10 s) by default, retrying everything but a permanent rejection.
///
/// Each attempt first reconciles if an earlier one may have executed, then takes a fresh quote
/// (a requote means the last one went stale) and sends. `PLACED`, `DONE` and `DONE_PARTIAL` end
/// the call: after a partial fill the rest is cancelled (IOC), never resent.
#[wait_or_die(policy = *policy, retry_if = ExecutionError::is_retryable, name = "gateway.place_order")]
pub fn place_order(
    terminal: &dyn Terminal,
    intent: &OrderIntent,
    progress: &mut Progress,
    policy: &Policy,
) -> Result<Execution, ExecutionError> {
    progress.attempts += 1;
    let order = &intent.order;
    if progress.maybe_sent {
        match find_executed(terminal, intent).map_err(ExecutionError::Unavailable)? {
            Some(found) => return Ok(found),
            None => progress.maybe_sent = false,
        }
    }
    let quote = terminal
        .symbol_info(&order.symbol)
        .map_err(ExecutionError::Unavailable)?
        .ok_or_else(|| ExecutionError::UnknownSymbol(order.symbol.clone()))?;
    let price = match (order.order_type.is_market(), order.order_type.is_buy()) {
        (true, true) => quote.ask,
        (true, false) => quote.bid,
        (false, _) => order.price.unwrap_or_default(),
    };
    let request = TradeRequest {
        action: TradeAction::placing(order.order_type),
        symbol: order.symbol.clone(),
        volume: order.volume,
        order_type: order.order_type,
        price,
        stoplimit: order.stoplimit.unwrap_or_default(),
        sl: order.sl,
        tp: order.tp,
        deviation: order.deviation,
        type_filling: order
            .type_filling
            .unwrap_or_else(|| Filling::preferred(&quote, order.order_type)),
        magic: GATEWAY_MAGIC,
        comment: order_comment(intent.req_id),
        type_time: OrderTime::Gtc,
        expiration: 0,
        position: 0,
        order: 0,
    };
    // Set before the call: whatever happens inside it, the next attempt looks before it sends.
    progress.maybe_sent = true;
    progress.sends += 1;
    let result = terminal
        .order_send(&request)
        .map_err(|e| ExecutionError::Ambiguous(e.to_string()))?;
    match result.retcode.class() {
        RetcodeClass::Success => Ok(Execution::from_result(order, &result)),
        RetcodeClass::Ambiguous => Err(ExecutionError::Ambiguous(result.retcode.name().into())),
        RetcodeClass::Transient => {
            progress.maybe_sent = false;
            Err(ExecutionError::Transient(result.retcode))
        }
        RetcodeClass::Permanent => {
            progress.maybe_sent = false;
            Err(ExecutionError::Rejected(result.retcode))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::execution::ExecutionStatus;
    use crate::protocol::OrderSpec;
    use crate::terminal::{Fault, OrderType, Retcode, SimulatedTerminal, SimulatorOptions};

    const FAST: Policy = Policy::builder()
        .max_retries(5)
        .initial_wait(Duration::from_millis(1))
        .max_wait(Duration::from_millis(1))
        .build_const();

    fn setup(volume: f64) -> (SimulatedTerminal, OrderIntent) {
        let terminal = SimulatedTerminal::open(&SimulatorOptions::default()).unwrap();
        let intent = OrderIntent {
            req_id: uuid::Uuid::new_v4(),
            order: OrderSpec {
                symbol: "EURUSD".into(),
                order_type: OrderType::Buy,
                volume,
                price: None,
                stoplimit: None,
                sl: 0.0,
                tp: 0.0,
                deviation: 20,
                type_filling: None,
            },
        };
        (terminal, intent)
    }

    #[test]
    fn transient_retcodes_are_retried_with_a_fresh_price() {
        let (terminal, intent) = setup(0.01);
        terminal.inject([
            Fault::Requote,
            Fault::PriceChanged,
            Fault::TooManyRequests,
            Fault::Locked,
        ]);
        let mut progress = Progress::default();
        let done = place_order(&terminal, &intent, &mut progress, &FAST).unwrap();
        assert_eq!(done.status, ExecutionStatus::Filled);
        assert_eq!(progress.attempts, 5);
        assert_eq!(terminal.audit_deals().len(), 1);
    }

    #[test]
    fn every_ambiguous_outcome_is_reconciled_not_resent() {
        for fault in [
            Fault::ExecutedThenTimeoutRetcode,
            Fault::ExecutedThenErrorRetcode,
            Fault::ExecutedThenReplyLost,
            Fault::ExecutedThenDisconnected,
        ] {
            let (terminal, intent) = setup(0.02);
            terminal.inject([fault]);
            let mut progress = Progress::default();
            let done = place_order(&terminal, &intent, &mut progress, &FAST).unwrap();
            assert!(done.reconciled, "{fault:?}");
            assert_eq!(progress.sends, 1, "{fault:?} was resent");
            let deals = terminal.audit_deals();
            assert_eq!(deals.len(), 1, "{fault:?}");
            assert_eq!(deals[0].ticket, done.deal);
        }
    }

    #[test]
    fn an_ambiguous_failure_that_did_not_execute_is_sent_again() {
        let (terminal, intent) = setup(0.01);
        terminal.inject([Fault::ConnectionLostBeforeSend]);
        let mut progress = Progress::default();
        let done = place_order(&terminal, &intent, &mut progress, &FAST).unwrap();
        assert!(!done.reconciled);
        assert_eq!(progress.sends, 2);
        assert_eq!(terminal.audit_deals().len(), 1);
    }

    #[test]
    fn a_failed_lookup_is_retried_before_any_resend() {
        let (terminal, intent) = setup(0.01);
        terminal.inject([Fault::ExecutedThenReplyLost]);
        terminal.inject_query_failures(2);
        let mut progress = Progress::default();
        let done = place_order(&terminal, &intent, &mut progress, &FAST).unwrap();
        assert!(done.reconciled);
        assert_eq!(progress.sends, 1);
        assert_eq!(progress.attempts, 4);
    }

    #[test]
    fn permanent_rejections_die_at_once() {
        let (terminal, intent) = setup(0.015);
        let mut progress = Progress::default();
        let err = place_order(&terminal, &intent, &mut progress, &FAST).unwrap_err();
        assert_eq!(err, ExecutionError::Rejected(Retcode::INVALID_VOLUME));
        assert_eq!(progress.attempts, 1);
    }

    #[test]
    fn a_partial_fill_is_final() {
        let (terminal, intent) = setup(0.10);
        terminal.inject([Fault::PartialFill]);
        let mut progress = Progress::default();
        let done = place_order(&terminal, &intent, &mut progress, &FAST).unwrap();
        assert_eq!(done.status, ExecutionStatus::Partial);
        assert_eq!(progress.sends, 1);
        assert_eq!(terminal.audit_deals().len(), 1);
    }

    /// `SYMBOL_FILLING_MODE`: with no `type_filling` the gateway sends a policy the symbol
    /// allows; one the client names is sent as named, and refused if the symbol forbids it.
    #[test]
    fn the_fill_policy_is_one_the_symbol_allows_unless_the_client_names_one() {
        for symbol in ["USDJPY", "XAUUSD", "EURUSD"] {
            let (terminal, mut intent) = setup(0.01);
            intent.order.symbol = symbol.into();
            let done = place_order(&terminal, &intent, &mut Progress::default(), &FAST);
            assert_eq!(done.unwrap().status, ExecutionStatus::Filled, "{symbol}");
        }
        let (terminal, mut intent) = setup(0.01);
        intent.order.symbol = "USDJPY".into();
        intent.order.type_filling = Some(Filling::Fok);
        let err = place_order(&terminal, &intent, &mut Progress::default(), &FAST).unwrap_err();
        assert_eq!(err, ExecutionError::Rejected(Retcode::INVALID_FILL));
    }

    #[test]
    fn exhausted_retries_leave_nothing_executed() {
        let (terminal, intent) = setup(0.01);
        terminal.inject([Fault::Requote; 6]);
        let mut progress = Progress::default();
        let err = place_order(&terminal, &intent, &mut progress, &FAST).unwrap_err();
        assert_eq!(err, ExecutionError::Transient(Retcode::REQUOTE));
        assert!(!progress.maybe_sent);
        assert!(terminal.audit_deals().is_empty());
    }
}
