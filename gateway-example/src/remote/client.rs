//! [`RemoteTerminal`]: the [`Terminal`] trait over the link, as the MetaTrader5 Python package
//! reaches its terminal.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::error::{zmq_err, LinkError};
use super::link::{LinkThread, Pending};
use super::wire::{AuditView, Call, CallFrame, WireError};
use crate::clock::unix_ms;
use crate::terminal::{
    AccountInfo, Deal, HistoryFilter, Order, Position, SymbolInfo, Terminal, TerminalError,
    TradeRequest, TradeResult,
};
use crate::transport::{inproc_pipe, SocketLoop};

/// Where `terminal` listens and `serve --terminal` connects by default: loopback only.
pub const DEFAULT_TERMINAL_ENDPOINT: &str = "tcp://127.0.0.1:5556";
/// How long `order_send` waits for its answer by default: a third of the seed's 30 s order
/// budget, so that after a timeout there is time to look the order up and send it again.
pub const DEFAULT_ORDER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long every other call waits for its answer by default.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(3);

/// How the gateway reaches its terminal.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// The terminal's endpoint, e.g. `tcp://127.0.0.1:5556`.
    pub endpoint: String,
    /// How long `order_send` waits for its answer; then it returns [`TerminalError::Timeout`],
    /// which the gateway treats as "may have executed" and reconciles.
    pub order_timeout: Duration,
    /// How long every other call waits for its answer.
    pub query_timeout: Duration,
}

impl RemoteOptions {
    /// Default timeouts for `endpoint`.
    ///
    /// ```
    /// use gateway_example::remote::{RemoteOptions, DEFAULT_ORDER_TIMEOUT};
    ///
    /// let options = RemoteOptions::new("tcp://127.0.0.1:5556");
    /// assert_eq!(options.order_timeout, DEFAULT_ORDER_TIMEOUT);
    /// ```
    pub fn new(endpoint: impl Into<String>) -> RemoteOptions {
        RemoteOptions {
            endpoint: endpoint.into(),
            order_timeout: DEFAULT_ORDER_TIMEOUT,
            query_timeout: DEFAULT_QUERY_TIMEOUT,
        }
    }
}

/// A terminal in another process, reached over ZeroMQ; implements [`Terminal`].
///
/// Calls block, each up to its timeout, and may come from many threads at once: they share one
/// connection, and each reply goes to the call with its id. A terminal that is down or
/// restarting makes calls wait (up to their timeout) until it is back, then they go through;
/// none is queued towards a dead terminal to execute later. A call with no answer in time
/// returns [`TerminalError::Timeout`]; its late answer, if any, is discarded.
///
/// ```
/// use std::time::Duration;
/// use gateway_example::remote::{RemoteOptions, RemoteTerminal};
/// use gateway_example::terminal::{Terminal, TerminalError};
///
/// // Nobody listens there: the call times out, it does not hang or panic.
/// let options = RemoteOptions {
///     query_timeout: Duration::from_millis(50),
///     ..RemoteOptions::new("tcp://127.0.0.1:9")
/// };
/// let remote = RemoteTerminal::connect(&zmq::Context::new(), options).unwrap();
/// assert_eq!(remote.account_info(), Err(TerminalError::Timeout));
/// ```
pub struct RemoteTerminal {
    // First, so that it drops first: the link thread stops before the pipe end it reads closes.
    _thread: SocketLoop,
    options: RemoteOptions,
    calls_out: Mutex<zmq::Socket>,
    pending: Arc<Pending>,
    next_id: AtomicU64,
}

impl RemoteTerminal {
    /// Starts the link to `options.endpoint`; it connects in the background and reconnects
    /// whenever the terminal restarts.
    pub fn connect(
        context: &zmq::Context,
        options: RemoteOptions,
    ) -> Result<RemoteTerminal, LinkError> {
        let dealer = context
            .socket(zmq::DEALER)
            .map_err(zmq_err("create DEALER"))?;
        dealer
            .set_immediate(true)
            .map_err(zmq_err("set IMMEDIATE"))?;
        dealer.set_linger(0).map_err(zmq_err("set LINGER"))?;
        dealer
            .connect(&options.endpoint)
            .map_err(zmq_err(format!("connect {}", options.endpoint)))?;
        let (calls_in, calls_out) = inproc_pipe(context, "terminal-calls")
            .map_err(|(what, source)| zmq_err(what)(source))?;
        let pending = Arc::new(Pending::default());
        let link_pending = Arc::clone(&pending);
        let thread = SocketLoop::spawn("terminal-link", move |stop| {
            LinkThread {
                dealer,
                calls_in,
                pending: link_pending,
                stop,
                unsent: VecDeque::new(),
            }
            .run()
        })
        .map_err(LinkError::Spawn)?;
        Ok(RemoteTerminal {
            options,
            calls_out: Mutex::new(calls_out),
            pending,
            next_id: AtomicU64::new(1),
            _thread: thread,
        })
    }

    /// The options it was connected with.
    pub fn options(&self) -> &RemoteOptions {
        &self.options
    }

    /// How many replies came after their call had given up, and were discarded.
    pub fn discarded_replies(&self) -> u64 {
        self.pending.discarded.load(Ordering::Relaxed)
    }

    /// The terminal's whole books, fault-free: not a trading call (see [`Call::Audit`]).
    pub fn audit(&self) -> Result<AuditView, TerminalError> {
        self.call(Call::Audit, self.options.query_timeout)
    }

    /// Sends `call` and waits up to `timeout` for its answer, or up to what is left of the
    /// retried call it runs in (`wait_or_die::current()`), whichever is shorter: the link never
    /// holds an attempt past its call's deadline. With nothing left, nothing is sent.
    fn call<T: DeserializeOwned>(&self, call: Call, timeout: Duration) -> Result<T, TerminalError> {
        let timeout = match wait_or_die::current().and_then(|c| c.remaining()) {
            Some(remaining) if remaining.is_zero() => return Err(TerminalError::Timeout),
            Some(remaining) => timeout.min(remaining),
            None => timeout,
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let name = call.name();
        let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let frame = CallFrame {
            id,
            deadline_ms: unix_ms().saturating_add(timeout_ms),
            call,
        };
        let body = serde_json::to_vec(&frame).map_err(|e| bad_call(name, &e.to_string()))?;
        let (reply, answer) = sync_channel(1);
        self.pending.lock().insert(id, reply);
        let handed = self
            .calls_out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send_multipart([&id.to_le_bytes()[..], &body], zmq::DONTWAIT);
        if handed.is_err() {
            self.pending.lock().remove(&id);
            return Err(TerminalError::Disconnected);
        }
        let result = match answer.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Disconnected) => return Err(TerminalError::Disconnected),
            Err(RecvTimeoutError::Timeout) => {
                if self.pending.lock().remove(&id).is_some() {
                    tracing::warn!(id, call = name, ?timeout, "terminal call timed out");
                    return Err(TerminalError::Timeout);
                }
                // The answer came as the wait ended: it is already in the channel.
                answer.try_recv().map_err(|_| TerminalError::Timeout)?
            }
        };
        let value = result.map_err(|error| match error {
            WireError::Terminal(error) => error,
            WireError::Expired => TerminalError::Timeout,
            other => bad_call(name, &other.to_string()),
        })?;
        serde_json::from_value(value).map_err(|e| bad_call(name, &e.to_string()))
    }

    fn query<T: DeserializeOwned>(&self, call: Call) -> Result<T, TerminalError> {
        self.call(call, self.options.query_timeout)
    }
}

/// A call the terminal could not take, or an answer that could not be read: the two ends speak
/// different versions. Reported as a lost link, which the gateway retries and reconciles.
fn bad_call(call: &str, why: &str) -> TerminalError {
    tracing::error!(call, why, "the terminal link failed");
    TerminalError::Disconnected
}

impl Terminal for RemoteTerminal {
    fn order_send(&self, request: &TradeRequest) -> Result<TradeResult, TerminalError> {
        self.call(Call::OrderSend(request.clone()), self.options.order_timeout)
    }

    fn history_deals_get(&self, filter: &HistoryFilter) -> Result<Vec<Deal>, TerminalError> {
        self.query(Call::HistoryDealsGet(filter.clone()))
    }

    fn history_orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        self.query(Call::HistoryOrdersGet(filter.clone()))
    }

    fn orders_get(&self, filter: &HistoryFilter) -> Result<Vec<Order>, TerminalError> {
        self.query(Call::OrdersGet(filter.clone()))
    }

    fn positions_get(&self, filter: &HistoryFilter) -> Result<Vec<Position>, TerminalError> {
        self.query(Call::PositionsGet(filter.clone()))
    }

    fn symbol_info(&self, symbol: &str) -> Result<Option<SymbolInfo>, TerminalError> {
        self.query(Call::SymbolInfo(symbol.to_owned()))
    }

    fn account_info(&self) -> Result<AccountInfo, TerminalError> {
        self.query(Call::AccountInfo)
    }
}
