//! One attempt at any kind of intent, the same for all four: reconcile first when an earlier send
//! may have executed (or always, for the kinds that look before they act), then send once and
//! read the answer.
//!
//! A kind supplies the three things that differ (see [`Kind`]): how to find out whether it
//! executed, the request that executes it, and what its answer means to the client.

use serde::Serialize;
use uuid::Uuid;

use super::ExecutionError;
use crate::clock::unix_ms;
use crate::terminal::{Retcode, RetcodeClass, Terminal, TradeRequest, TradeResult};

/// Deals stamped this long before the intent was journaled still count as its own: the terminal's
/// clock and the gateway's may disagree by this much.
pub const CLOCK_SKEW_ALLOWANCE_MS: u64 = 2_000;

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
    /// When the last send that may have executed was made (or, for a resumed intent, the
    /// latest it can have been made), ms since the Unix epoch.
    pub last_send_ms: u64,
}

impl Progress {
    /// Progress of an intent that may already have been sent, at the latest by `now_ms`.
    ///
    /// ```
    /// use gateway_example::execution::Progress;
    ///
    /// let resumed = Progress::resumed(1_000);
    /// assert!(resumed.maybe_sent);
    /// assert_eq!(resumed.last_send_ms, 1_000);
    /// ```
    pub fn resumed(now_ms: u64) -> Progress {
        Progress {
            maybe_sent: true,
            last_send_ms: now_ms,
            ..Progress::default()
        }
    }
}

/// The tickets earlier settled intents took as their own: an open is only found in a record no
/// other intent took.
pub trait Attributions: Sync {
    /// Whether the order `ticket` is already attributed to a settled intent.
    fn is_attributed(&self, ticket: u64) -> Result<bool, String>;
}

/// No attributions at all: for tests and a fresh terminal.
impl Attributions for () {
    fn is_attributed(&self, _ticket: u64) -> Result<bool, String> {
        Ok(false)
    }
}

impl Attributions for std::collections::HashSet<u64> {
    fn is_attributed(&self, ticket: u64) -> Result<bool, String> {
        Ok(self.contains(&ticket))
    }
}

/// What each send must pass, and what learns each definitive answer: the gateway's key lock
/// (see `IntentKey`) is taken before a send and given back as soon as the intent's outcome on
/// the terminal is known (its tickets, or nothing executed), so only a send whose outcome is
/// still unknown holds up the other intents on its key.
pub trait SendGate {
    /// Called before each send: the intent must hold its key.
    fn before_send(&self) -> Result<(), ExecutionError>;
    /// Called once the terminal's books are known to hold this intent's `tickets` (`Some`), or
    /// nothing of it (`None`).
    fn answered(&self, tickets: Option<&[u64]>);
}

/// No gate: every send may go (tests, and a terminal used without a gateway).
impl SendGate for () {
    fn before_send(&self) -> Result<(), ExecutionError> {
        Ok(())
    }

    fn answered(&self, _tickets: Option<&[u64]>) {}
}

/// What an attempt knows about its intent besides the request itself.
pub struct Context<'a> {
    /// The client's `req_id`: the intent's identity.
    pub req_id: Uuid,
    /// When the intent was journaled, before its first send, ms since the Unix epoch.
    pub created_ms: u64,
    /// How far the terminal's history may lag its trade results.
    pub history_lag_ms: u64,
    /// The position's volume as seen before a close was journaled.
    pub seen_volume: Option<f64>,
    /// Tickets settled intents already took.
    pub attributions: &'a dyn Attributions,
    /// What each send must pass.
    pub gate: &'a dyn SendGate,
    /// Take only records carrying this intent's intact tag: set by a restarted gateway that
    /// found several possibly sent intents on one key, whose other records it cannot tell apart.
    pub tag_only: bool,
}

impl Context<'_> {
    /// A context for an intent journaled at `created_ms`, with no history lag, no seen volume
    /// and no attributions: what a test needs.
    ///
    /// ```
    /// use gateway_example::execution::Context;
    ///
    /// let cx = Context::fresh(uuid::Uuid::nil(), 0);
    /// assert_eq!(cx.history_lag_ms, 0);
    /// ```
    pub fn fresh(req_id: Uuid, created_ms: u64) -> Context<'static> {
        Context {
            req_id,
            created_ms,
            history_lag_ms: 0,
            seen_volume: None,
            attributions: &(),
            gate: &(),
            tag_only: false,
        }
    }

    /// Records made from this time on may be this intent's.
    pub(crate) fn since_msc(&self) -> u64 {
        self.created_ms.saturating_sub(CLOCK_SKEW_ALLOWANCE_MS)
    }

    /// Whether the history has had time to show everything the last send did: before this,
    /// a record missing from the history proves nothing.
    pub(crate) fn lag_passed(&self, progress: &Progress) -> bool {
        let sent = self.created_ms.max(progress.last_send_ms);
        unix_ms() >= sent.saturating_add(self.history_lag_ms)
    }

    pub(crate) fn is_attributed(&self, ticket: u64) -> Result<bool, ExecutionError> {
        self.attributions
            .is_attributed(ticket)
            .map_err(ExecutionError::Journal)
    }
}

/// A settled intent: the reply's `result`, and the order tickets it takes as its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The `result` of the reply.
    pub result: serde_json::Value,
    /// Whether the outcome was found on the terminal rather than in its answer.
    pub reconciled: bool,
    /// Order tickets the journal attributes to this intent.
    pub tickets: Vec<u64>,
}

impl Settled {
    pub(crate) fn new(result: &impl Serialize, reconciled: bool, tickets: Vec<u64>) -> Settled {
        Settled {
            result: serde_json::to_value(result).expect("results serialize"),
            reconciled,
            tickets,
        }
    }
}

/// What a look at the terminal found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// It executed: here is its outcome.
    Executed(Settled),
    /// It did not execute, and can be sent.
    NotExecuted,
    /// Not in the history, but the history may not show it yet.
    NotYet,
    /// A record fits, but it may be another intent's: whose it is cannot be told.
    Unattributable,
}

/// What differs between the kinds of intent.
pub(crate) trait Kind {
    /// Whether every attempt looks before it sends, not only one after an ambiguous send: the
    /// kinds that are idempotent by their target state (modify, cancel).
    const LOOKS_FIRST: bool;

    /// Whether the intent executed, judged from the terminal's books.
    fn reconcile(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
        progress: &Progress,
    ) -> Result<Found, ExecutionError>;

    /// The request that executes the intent now.
    fn request(
        &self,
        terminal: &dyn Terminal,
        cx: &Context<'_>,
    ) -> Result<TradeRequest, ExecutionError>;

    /// The outcome of a successful answer.
    fn settle(&self, cx: &Context<'_>, request: &TradeRequest, result: &TradeResult) -> Settled;

    /// A permanent refusal that still means done (a modification's `NO_CHANGES`).
    fn refusal_means_done(&self, _retcode: Retcode) -> Option<Settled> {
        None
    }
}

/// One attempt at `kind`; the retry loop around it is each kind's site (see [`super::execute`]).
pub(crate) fn attempt<K: Kind>(
    kind: &K,
    terminal: &dyn Terminal,
    cx: &Context<'_>,
    progress: &mut Progress,
) -> Result<Settled, ExecutionError> {
    progress.attempts += 1;
    if progress.maybe_sent || K::LOOKS_FIRST {
        if progress.maybe_sent {
            // Look under the key: no other intent's send on it can appear meanwhile.
            cx.gate.before_send()?;
        }
        match kind.reconcile(terminal, cx, progress)? {
            Found::Executed(settled) => {
                cx.gate.answered(Some(&settled.tickets));
                return Ok(settled);
            }
            Found::NotExecuted => progress.maybe_sent = false,
            Found::NotYet | Found::Unattributable => return Err(ExecutionError::NotYet),
        }
    }
    let request = kind.request(terminal, cx)?;
    cx.gate.before_send()?;
    // Set before the call: whatever happens inside it, the next attempt looks before it sends.
    progress.maybe_sent = true;
    progress.sends += 1;
    progress.last_send_ms = unix_ms();
    let result = terminal
        .order_send(&request)
        .map_err(|e| ExecutionError::Ambiguous(e.to_string()))?;
    match result.retcode.class() {
        RetcodeClass::Success => {
            let settled = kind.settle(cx, &request, &result);
            cx.gate.answered(Some(&settled.tickets));
            Ok(settled)
        }
        RetcodeClass::Ambiguous => Err(ExecutionError::Ambiguous(result.retcode.name().into())),
        RetcodeClass::Transient => {
            progress.maybe_sent = false;
            cx.gate.answered(None);
            Err(ExecutionError::Transient(result.retcode))
        }
        RetcodeClass::Permanent => {
            progress.maybe_sent = false;
            cx.gate.answered(None);
            match kind.refusal_means_done(result.retcode) {
                Some(done) => Ok(done),
                None => Err(ExecutionError::Rejected(result.retcode)),
            }
        }
    }
}

/// Prices written to a symbol's digits compare equal within this.
pub(crate) fn same_price(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Volumes on a step grid compare equal within this.
pub(crate) fn same_volume(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}
