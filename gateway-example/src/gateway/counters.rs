//! What the gateway did, counted with atomics so request handlers never contend on a lock.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

macro_rules! counters {
    ($($field:ident: $doc:literal,)*) => {
        /// Live counters of one gateway.
        #[derive(Debug, Default)]
        pub struct Counters {
            $(#[doc = $doc] pub $field: AtomicU64,)*
        }

        /// A copy of [`Counters`] at one moment.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct CounterSnapshot {
            $(#[doc = $doc] pub $field: u64,)*
        }

        impl Counters {
            /// Reads every counter.
            pub fn snapshot(&self) -> CounterSnapshot {
                CounterSnapshot { $($field: self.$field.load(Ordering::Relaxed),)* }
            }
        }
    };
}

counters! {
    requests: "Request frames received.",
    orders_executed: "Orders whose execution ended with a deal or a placed order.",
    orders_rejected: "Orders the trade server refused for good (or that gave up after retries).",
    outcome_unknown: "Orders answered `outcome_unknown` (still pending in the journal).",
    replayed_from_journal: "Resends answered from the journal without executing again.",
    retried_after_failure: "Resends of an order whose last reply was a retryable failure, so executed again.",
    joined_in_flight: "Resends that arrived while the first copy was executing and shared its reply.",
    reconciled_found: "Ambiguous sends found executed in the terminal's history (a resend avoided).",
    bad_requests: "Requests refused before execution (bad JSON, bad fields, unknown symbol...).",
    unauthorized: "Requests refused for a missing, forged or stale signature.",
    replies_dropped: "Replies dropped on purpose by transport fault injection.",
    replies_unroutable: "Replies whose client had gone (a Lazy Pirate client that reconnected).",
    replies_peer_full: "Replies dropped because their client's queue was full (it sends without reading).",
    refused_busy: "Requests refused at the socket because their client already had too many in flight.",
}

impl Counters {
    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl CounterSnapshot {
    /// Resends that would have executed an order twice without the journal and reconciliation.
    pub fn duplicates_prevented(&self) -> u64 {
        self.replayed_from_journal + self.joined_in_flight + self.reconciled_found
    }
}
