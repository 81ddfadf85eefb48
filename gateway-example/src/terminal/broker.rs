//! Broker behaviours a client must survive: comments it rewrites, and a history that lags the
//! trade results.
//!
//! Both are real: brokers overwrite order comments with their own text (`#12345`, `[sl 1.085]`),
//! and a terminal's `history_deals_get` only lists a deal once the history has synchronised,
//! while the `order_send` answer and `positions_get` already show it.

use std::time::Duration;

use super::{Deal, Order, MAX_COMMENT_CHARS};

/// Placeholder for the order's ticket in a rewriting broker's comment.
const TICKET_PLACEHOLDER: &str = "{ticket}";

/// The broker's habits, from the simulator's options.
#[derive(Debug, Clone, Default)]
pub(crate) struct Broker {
    rewrite_comments: Option<String>,
    history_lag_ms: u64,
}

impl Broker {
    pub(crate) fn new(rewrite_comments: Option<String>, history_lag: Duration) -> Broker {
        Broker {
            rewrite_comments,
            history_lag_ms: u64::try_from(history_lag.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The comment the books keep for an order with this ticket: the client's, cut to 31
    /// characters as MT5 does, or the broker's own text.
    pub(crate) fn comment(&self, requested: &str, ticket: u64) -> String {
        let text = match &self.rewrite_comments {
            Some(template) => template.replace(TICKET_PLACEHOLDER, &ticket.to_string()),
            None => requested.to_owned(),
        };
        text.chars().take(MAX_COMMENT_CHARS).collect()
    }

    /// Whether the history already shows something that happened at `time_msc`.
    fn synced(&self, time_msc: u64, now_ms: u64) -> bool {
        time_msc.saturating_add(self.history_lag_ms) <= now_ms
    }

    /// Whether `history_deals_get` lists this deal yet.
    pub(crate) fn shows_deal(&self, deal: &Deal, now_ms: u64) -> bool {
        self.synced(deal.time_msc, now_ms)
    }

    /// Whether `history_orders_get` lists this finished order yet.
    pub(crate) fn shows_order(&self, order: &Order, now_ms: u64) -> bool {
        self.synced(order.time_done_msc, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewriting_broker_replaces_the_comment_with_its_own_text() {
        let kept = Broker::default();
        assert_eq!(kept.comment("wod:abc", 7), "wod:abc");
        assert_eq!(kept.comment(&"x".repeat(40), 7).len(), MAX_COMMENT_CHARS);
        let rewriting = Broker::new(Some("#{ticket}".into()), Duration::ZERO);
        assert_eq!(rewriting.comment("wod:abc", 100_000_001), "#100000001");
    }

    #[test]
    fn history_shows_a_record_once_the_lag_has_passed() {
        let lagging = Broker::new(None, Duration::from_millis(500));
        assert!(!lagging.synced(1_000, 1_499));
        assert!(lagging.synced(1_000, 1_500));
        assert!(Broker::default().synced(1_000, 1_000));
    }
}
