//! The gateway proper: turns request frames into replies, independent of the socket that carries
//! them.
//!
//! [`Gateway::handle`] checks size and signature, parses, and dispatches; the four mutating
//! actions (`ORDER_SEND`, `POSITION_CLOSE`, `ORDER_MODIFY`, `ORDER_CANCEL`) go through the
//! journal, the in-flight table and the key locks (see `orders.rs`) so that each `req_id` executes
//! at most once however often it is sent. [`Gateway::recover`] must run before serving after a crash.

mod checks;
mod counters;
mod gate;
mod in_flight;
mod keys;
mod orders;
mod queries;
mod recovery;
mod standing;
mod stats;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wait_or_die::Policy;

pub use counters::{CounterSnapshot, Counters};
pub use recovery::{sweep_forever, RecoveryReport};
pub use standing::AwaitingOperator;
pub use stats::{override_rows, FaultSource, GatewayStats, OverrideRow};

use crate::execution::{TradeIntent, EXECUTION_POLICY, SOCKET_POLICY};
use crate::journal::Journal;
use crate::log_limit::LogLimiter;
use crate::protocol::{
    parse_request, peek_req_id, Action, ErrorCode, ProtocolError, Reply, Request,
};
use crate::security::{
    AuthError, SeenSignatures, SharedKey, DEFAULT_MAX_SEEN_SIGNATURES, DEFAULT_SIGNATURE_WINDOW,
};
use crate::terminal::Terminal;
use in_flight::InFlight;
use keys::KeyLocks;
use queries::Listing;

/// Largest request frame the protocol accepts (larger ones get `frame_too_large`).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 64 * 1024;
/// How long clients keep resending one order: the seed's 30 s socket budget, twice over. A
/// pending order that a restarted gateway finds unexecuted and older than this is expired, not
/// executed: its client has given up, and a late fill would surprise it.
pub const DEFAULT_CLIENT_WINDOW: Duration = Duration::from_secs(60);
/// How far the terminal's history (`history_deals_get`, `history_orders_get`) may lag its trade
/// results by default: nothing missing from the history counts as "never happened" until this
/// long after the send that could have made it.
pub const DEFAULT_HISTORY_LAG: Duration = Duration::from_millis(500);

/// How a gateway behaves.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Retry policy of order execution (the seed's: 30 s, 5 retries, 1 s → 10 s).
    pub execution_policy: Policy,
    /// Retry policy of history lookups during recovery.
    pub reconcile_policy: Policy,
    /// Largest request frame accepted.
    pub max_frame_bytes: usize,
    /// Shared key; when set, every request must be signed.
    pub key: Option<SharedKey>,
    /// Accepted clock skew of signed requests.
    pub signature_window: Duration,
    /// Signatures remembered within the window to refuse replays; more signed requests than
    /// this within one window are refused until it moves on.
    pub max_seen_signatures: usize,
    /// See [`DEFAULT_CLIENT_WINDOW`].
    pub client_window: Duration,
    /// See [`DEFAULT_HISTORY_LAG`]; `serve --history-lag-ms`.
    pub history_lag: Duration,
}

impl GatewayConfig {
    /// The policy the calls of the gateway's retry site `site` run by, before any operator's
    /// override; `None` for a site that is not the gateway's.
    ///
    /// ```
    /// use gateway_example::execution::{EXECUTION_POLICY, SOCKET_POLICY};
    /// use gateway_example::gateway::GatewayConfig;
    ///
    /// let config = GatewayConfig::default();
    /// assert_eq!(config.site_policy("gateway.place_order"), Some(EXECUTION_POLICY));
    /// assert_eq!(config.site_policy("gateway.reconcile"), Some(SOCKET_POLICY));
    /// assert_eq!(config.site_policy("client.round_trip"), None);
    /// ```
    pub fn site_policy(&self, site: &str) -> Option<Policy> {
        match site {
            "gateway.reconcile" => Some(self.reconcile_policy),
            _ if site.starts_with("gateway.") => Some(self.execution_policy),
            _ => None,
        }
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            execution_policy: EXECUTION_POLICY,
            reconcile_policy: SOCKET_POLICY,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            key: None,
            signature_window: DEFAULT_SIGNATURE_WINDOW,
            max_seen_signatures: DEFAULT_MAX_SEEN_SIGNATURES,
            client_window: DEFAULT_CLIENT_WINDOW,
            history_lag: DEFAULT_HISTORY_LAG,
        }
    }
}

/// A JSON order gateway in front of one terminal.
pub struct Gateway {
    terminal: Arc<dyn Terminal>,
    journal: Journal,
    in_flight: InFlight,
    keys: KeyLocks,
    attributed: gate::RecentTickets,
    /// The intents pending when this gateway was made: sent, maybe, by a gateway that is gone.
    inherited: std::collections::HashSet<uuid::Uuid>,
    /// When this gateway was made, ms since the Unix epoch: no inherited intent was sent later.
    started_ms: u64,
    /// The last send of each intent left pending in this process, ms since the Unix epoch: the
    /// history lag counts from there, not from each resend.
    last_sends: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, u64>>,
    counters: Counters,
    config: GatewayConfig,
    seen_signatures: SeenSignatures,
    unauthorized_log: LogLimiter,
    refused_log: LogLimiter,
    /// Intents journaled and waiting for a key another intent holds (logged at most once a
    /// second: under load it is the common case).
    key_wait_log: LogLimiter,
    faults: OnceLock<FaultSource>,
}

impl Gateway {
    /// A gateway over `terminal`, remembering orders in `journal`.
    pub fn new(
        terminal: Arc<dyn Terminal>,
        journal: Journal,
        config: GatewayConfig,
    ) -> Arc<Gateway> {
        let seen_signatures =
            SeenSignatures::new(config.signature_window, config.max_seen_signatures);
        // An unreadable journal fails recovery before anyone is served.
        let inherited = journal
            .pending()
            .map(|pending| pending.into_iter().map(|(req_id, _)| req_id).collect())
            .unwrap_or_default();
        Arc::new(Gateway {
            seen_signatures,
            terminal,
            journal,
            in_flight: InFlight::default(),
            keys: KeyLocks::default(),
            attributed: gate::RecentTickets::default(),
            inherited,
            started_ms: crate::clock::unix_ms(),
            last_sends: Default::default(),
            counters: Counters::default(),
            config,
            unauthorized_log: LogLimiter::default(),
            refused_log: LogLimiter::default(),
            key_wait_log: LogLimiter::default(),
            faults: OnceLock::new(),
        })
    }

    /// The live counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The one reply to one request (its frames after the routing envelope). It carries the
    /// request's `req_id` as the request spelled it.
    pub async fn handle(self: Arc<Self>, frames: Vec<Vec<u8>>) -> Reply {
        Counters::bump(&self.counters.requests);
        let request = match self.admit(&frames) {
            Ok(request) => request,
            Err(refusal) => return *refusal,
        };
        let req_id = request.req_id.clone();
        let mut reply = self.dispatch(request).await;
        reply.req_id = Some(req_id);
        reply
    }

    /// The checks before any work: size, signature, then the request's shape.
    fn admit(&self, frames: &[Vec<u8>]) -> Result<Request, Box<Reply>> {
        let Some(body) = frames.first() else {
            let empty = ProtocolError::Invalid("empty message".into());
            return Err(Box::new(self.refuse(None, empty)));
        };
        if body.len() > self.config.max_frame_bytes {
            let error = ProtocolError::FrameTooLarge {
                size: body.len(),
                limit: self.config.max_frame_bytes,
            };
            return Err(Box::new(self.refuse(None, error)));
        }
        if let Some(key) = &self.config.key {
            if let Err(error) = self.authenticate(key, body, frames.get(1)) {
                let mut refusal = self.refuse_unauthorized(error);
                refusal.req_id = peek_req_id(body);
                return Err(Box::new(refusal));
            }
        }
        parse_request(body).map_err(|(req_id, error)| {
            let mut refusal = self.refuse(None, error);
            refusal.req_id = req_id;
            Box::new(refusal)
        })
    }

    /// The request's signature is valid, inside the window, and not seen before.
    fn authenticate(
        &self,
        key: &SharedKey,
        body: &[u8],
        signature: Option<&Vec<u8>>,
    ) -> Result<(), AuthError> {
        let now = crate::clock::unix_ms();
        let window = self.config.signature_window;
        let signature = key.verify(body, signature.map(Vec::as_slice), now, window)?;
        self.seen_signatures.accept(signature, now)
    }

    fn refuse_unauthorized(&self, error: AuthError) -> Reply {
        Counters::bump(&self.counters.unauthorized);
        if let Some(suppressed) = self.unauthorized_log.check_now() {
            tracing::warn!(%error, suppressed, "refused request: bad signature");
        }
        // Only a full set of signatures passes: the same request signed afresh may get in later.
        let retryable = matches!(error, AuthError::TooManySignatures(_));
        Reply::failure(None, ErrorCode::Unauthorized, error.to_string(), retryable)
    }

    /// The frames of a reply: its JSON and, when the gateway has a key, its signature bound to
    /// the request's signature frame (`None` for a request that had none).
    pub fn reply_frames(&self, reply: &Reply, request_signature: Option<&[u8]>) -> Vec<Vec<u8>> {
        let body = reply.to_bytes();
        match &self.config.key {
            Some(key) => {
                let request_signature = request_signature.unwrap_or_default();
                let signature = key.sign_reply(request_signature, &body, crate::clock::unix_ms());
                vec![body, signature]
            }
            None => vec![body],
        }
    }

    async fn dispatch(self: Arc<Self>, request: Request) -> Reply {
        let req_id = request.req_id.uuid();
        match request.action {
            Action::Ping => queries::ping(req_id),
            // Reading the overrides takes the engine's control lock, which a reload holds.
            Action::Stats => {
                let gateway = Arc::clone(&self);
                blocking(move || gateway.stats_reply(req_id), req_id).await
            }
            Action::SymbolInfo(query) => self.symbol_info(req_id, &query.symbol),
            Action::OrderStatus(query) => {
                let gateway = Arc::clone(&self);
                blocking(move || gateway.order_status(req_id, query.req_id), req_id).await
            }
            Action::Positions(query) => self.listing(req_id, Listing::Positions, query).await,
            Action::Orders(query) => self.listing(req_id, Listing::Orders, query).await,
            Action::AccountInfo => self.listing(req_id, Listing::Account, None).await,
            Action::OrderSend(order) => self.intent_send(req_id, TradeIntent::Open(order)).await,
            Action::PositionClose(close) => {
                self.intent_send(req_id, TradeIntent::Close(close)).await
            }
            Action::OrderModify(modify) => {
                self.intent_send(req_id, TradeIntent::Modify(modify)).await
            }
            Action::OrderCancel(cancel) => {
                self.intent_send(req_id, TradeIntent::Cancel(cancel)).await
            }
        }
    }

    fn refuse(&self, req_id: Option<uuid::Uuid>, error: ProtocolError) -> Reply {
        Counters::bump(&self.counters.bad_requests);
        if let Some(suppressed) = self.refused_log.check_now() {
            tracing::debug!(%error, suppressed, "refused request");
        }
        Reply::failure(req_id, error.code(), error.to_string(), false)
    }
}

/// Runs journal and terminal work (both block) off the async workers.
async fn blocking(work: impl FnOnce() -> Reply + Send + 'static, req_id: uuid::Uuid) -> Reply {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, %req_id, "request handler panicked");
        Reply::failure(Some(req_id), ErrorCode::Internal, "gateway error", true)
    })
}
