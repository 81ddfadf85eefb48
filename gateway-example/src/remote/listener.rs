//! The terminal process's end of the link: a ROUTER socket on a thread of its own, each call
//! run on a blocking worker, each reply sent back by the socket thread.
//!
//! The socket thread never runs a terminal call: `order_send` may sleep on injected latency, and
//! the gateway's other calls must not wait behind it. A read of the books waits for the sends
//! it could be looking for (see [`super::sends_in_flight`]). Workers hand replies back through an
//! `inproc` PUSH/PULL pair that the socket thread polls with the ROUTER, as the gateway's own
//! socket thread does. A frame that is not a call is answered at once with
//! [`WireError::BadFrame`]; nothing a peer sends can make this end panic.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::error::{zmq_err, LinkError};
use super::sends_in_flight::SendsInFlight;
use super::wire::{read_call, write_reply, AuditView, Call, CallFrame, ReplyFrame, WireError};
use crate::clock::unix_ms;
use crate::log_limit::LogLimiter;
use crate::terminal::{HistoryFilter, SimulatedTerminal, Terminal, TerminalError};
use crate::transport::{
    bind_endpoint, inproc_pipe, is_local_only, SocketLoop, StopFlag, POLL_INTERVAL_MS,
};

/// Calls run at once at most; more are answered [`WireError::Busy`] without running.
pub const MAX_CALLS_IN_FLIGHT: usize = 512;

/// A simulated terminal served over ZeroMQ; stops (and joins its socket thread) when dropped.
///
/// ```
/// use std::sync::Arc;
/// use gateway_example::remote::{RemoteOptions, RemoteTerminal, TerminalListener};
/// use gateway_example::terminal::{SimulatedTerminal, SimulatorOptions, Terminal};
///
/// let runtime = tokio::runtime::Runtime::new().unwrap();
/// let context = zmq::Context::new();
/// let simulator = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
/// let listener =
///     TerminalListener::start(&context, "tcp://127.0.0.1:*", simulator, runtime.handle().clone())
///         .unwrap();
/// let remote = RemoteTerminal::connect(&context, RemoteOptions::new(listener.endpoint())).unwrap();
/// assert!(remote.symbol_info("EURUSD").unwrap().is_some());
/// ```
pub struct TerminalListener {
    endpoint: String,
    _thread: SocketLoop,
}

impl TerminalListener {
    /// Binds `endpoint` (this host only) and serves `terminal`, running its calls on `runtime`'s
    /// blocking threads.
    pub fn start(
        context: &zmq::Context,
        endpoint: &str,
        terminal: Arc<SimulatedTerminal>,
        runtime: tokio::runtime::Handle,
    ) -> Result<TerminalListener, LinkError> {
        if !is_local_only(endpoint) {
            return Err(LinkError::Exposed(endpoint.to_owned()));
        }
        let router = context
            .socket(zmq::ROUTER)
            .map_err(zmq_err("create ROUTER"))?;
        router
            .set_router_mandatory(true)
            .map_err(zmq_err("set ROUTER_MANDATORY"))?;
        router.set_linger(0).map_err(zmq_err("set LINGER"))?;
        router
            .bind(&bind_endpoint(endpoint))
            .map_err(zmq_err(format!("bind {endpoint}")))?;
        let endpoint = router
            .get_last_endpoint()
            .map_err(zmq_err("read bound endpoint"))?
            .unwrap_or_else(|_| endpoint.to_owned());
        let (replies_in, replies_out) = inproc_pipe(context, "terminal-replies")
            .map_err(|(what, source)| zmq_err(what)(source))?;
        let workers = Workers {
            terminal,
            runtime,
            replies_out: Arc::new(Mutex::new(replies_out)),
            in_flight: Arc::new(AtomicUsize::new(0)),
            sends: Arc::new(SendsInFlight::default()),
        };
        let thread = SocketLoop::spawn("terminal-router", move |stop| {
            SocketThread {
                router,
                replies_in,
                workers,
                stop,
                bad_frame_log: LogLimiter::default(),
            }
            .run()
        })
        .map_err(LinkError::Spawn)?;
        tracing::info!(%endpoint, "terminal listening");
        Ok(TerminalListener {
            endpoint,
            _thread: thread,
        })
    }

    /// The bound endpoint, with the port filled in.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

struct SocketThread {
    router: zmq::Socket,
    replies_in: zmq::Socket,
    workers: Workers,
    stop: StopFlag,
    bad_frame_log: LogLimiter,
}

impl SocketThread {
    fn run(self) {
        while !self.stop.is_raised() {
            let mut items = [
                self.router.as_poll_item(zmq::POLLIN),
                self.replies_in.as_poll_item(zmq::POLLIN),
            ];
            if let Err(error) = zmq::poll(&mut items, POLL_INTERVAL_MS) {
                tracing::warn!(%error, "poll failed");
                continue;
            }
            let (calls, replies) = (items[0].is_readable(), items[1].is_readable());
            if calls {
                self.take_calls();
            }
            if replies {
                self.send_replies();
            }
        }
    }

    fn take_calls(&self) {
        while let Ok(mut frames) = self.router.recv_multipart(zmq::DONTWAIT) {
            if frames.is_empty() {
                continue; // a ROUTER always prepends the routing id; never seen, never fatal
            }
            let peer = frames.remove(0);
            let frame = match frames.as_slice() {
                [body] => read_call(body),
                _ => Err(ReplyFrame {
                    id: None,
                    result: Err(WireError::BadFrame(format!(
                        "expected one frame after the routing id, got {}",
                        frames.len()
                    ))),
                }),
            };
            match frame {
                Ok(call) => {
                    if let Err(refusal) = self.workers.run(peer.clone(), call) {
                        self.send(&peer, &write_reply(&refusal));
                    }
                }
                Err(refusal) => {
                    if let Some(suppressed) = self.bad_frame_log.check_now() {
                        tracing::warn!(result = ?refusal.result, suppressed, "refused a call frame");
                    }
                    self.send(&peer, &write_reply(&refusal));
                }
            }
        }
    }

    fn send_replies(&self) {
        while let Ok(frames) = self.replies_in.recv_multipart(zmq::DONTWAIT) {
            if let [peer, body] = frames.as_slice() {
                self.send(peer, body);
            }
        }
    }

    /// Sends without waiting. A caller that is gone (a gateway killed mid-call) loses its reply:
    /// its books entry is what its restarted self will find.
    fn send(&self, peer: &[u8], body: &[u8]) {
        if let Err(error) = self.router.send_multipart([peer, body], zmq::DONTWAIT) {
            tracing::info!(%error, "reply not delivered: its caller is gone");
        }
    }
}

/// Runs calls on the runtime's blocking threads and pushes their replies to the socket thread.
struct Workers {
    terminal: Arc<SimulatedTerminal>,
    runtime: tokio::runtime::Handle,
    replies_out: Arc<Mutex<zmq::Socket>>,
    in_flight: Arc<AtomicUsize>,
    sends: Arc<SendsInFlight>,
}

impl Workers {
    /// Starts `frame` on a worker, or returns the refusal to send when too many are running.
    fn run(&self, peer: Vec<u8>, frame: CallFrame) -> Result<(), ReplyFrame> {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= MAX_CALLS_IN_FLIGHT {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(ReplyFrame {
                id: Some(frame.id),
                result: Err(WireError::Busy(MAX_CALLS_IN_FLIGHT)),
            });
        }
        let terminal = Arc::clone(&self.terminal);
        let replies_out = Arc::clone(&self.replies_out);
        let in_flight = Arc::clone(&self.in_flight);
        let sends = Arc::clone(&self.sends);
        self.runtime.spawn_blocking(move || {
            let id = frame.id;
            let run = || answer(&terminal, &sends, frame);
            let result = std::panic::catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
                Err(WireError::Terminal(TerminalError::Storage(
                    "the terminal call panicked".into(),
                )))
            });
            let body = write_reply(&ReplyFrame {
                id: Some(id),
                result,
            });
            let socket = replies_out.lock().unwrap_or_else(|p| p.into_inner());
            // DONTWAIT: after shutdown the channel has no reader, and a worker must not hang.
            let _ = socket.send_multipart([peer, body], zmq::DONTWAIT);
            in_flight.fetch_sub(1, Ordering::AcqRel);
        });
        Ok(())
    }
}

/// Runs one call on the terminal, unless its caller has given up on it already.
fn answer(
    terminal: &SimulatedTerminal,
    sends: &SendsInFlight,
    frame: CallFrame,
) -> Result<serde_json::Value, WireError> {
    if unix_ms() > frame.deadline_ms {
        tracing::warn!(
            id = frame.id,
            call = frame.call.name(),
            "expired call not run"
        );
        return Err(WireError::Expired);
    }
    let deadline_ms = frame.deadline_ms;
    let read = |filter: &HistoryFilter| {
        let wait = Duration::from_millis(deadline_ms.saturating_sub(unix_ms()));
        if sends.settle(filter, wait) {
            Ok(())
        } else {
            Err(WireError::Terminal(TerminalError::Timeout))
        }
    };
    match frame.call {
        Call::OrderSend(request) => {
            tracing::info!(id = frame.id, comment = %request.comment, "order_send started");
            let running = sends.start(&request);
            let result = terminal.order_send(&request);
            drop(running);
            match &result {
                Ok(done) => tracing::info!(
                    id = frame.id,
                    retcode = done.retcode.name(),
                    deal = done.deal,
                    "order_send answered"
                ),
                Err(error) => tracing::info!(id = frame.id, %error, "order_send failed"),
            }
            json(result)
        }
        Call::HistoryDealsGet(filter) => {
            read(&filter).and_then(|()| json(terminal.history_deals_get(&filter)))
        }
        Call::HistoryOrdersGet(filter) => {
            read(&filter).and_then(|()| json(terminal.history_orders_get(&filter)))
        }
        Call::OrdersGet(filter) => read(&filter).and_then(|()| json(terminal.orders_get(&filter))),
        Call::PositionsGet(filter) => {
            read(&filter).and_then(|()| json(terminal.positions_get(&filter)))
        }
        Call::SymbolInfo(symbol) => json(terminal.symbol_info(&symbol)),
        Call::AccountInfo => json(terminal.account_info()),
        Call::Audit => json(Ok(AuditView::of(terminal))),
    }
}

fn json<T: serde::Serialize>(
    result: Result<T, TerminalError>,
) -> Result<serde_json::Value, WireError> {
    let value = result.map_err(WireError::Terminal)?;
    serde_json::to_value(value).map_err(|e| {
        WireError::Terminal(TerminalError::Storage(format!("unencodable answer: {e}")))
    })
}
