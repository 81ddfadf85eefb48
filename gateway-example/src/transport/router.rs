//! The gateway's ROUTER socket, on a thread of its own, bridged to tokio by channels.
//!
//! A ZeroMQ socket must stay on one thread, and a REP loop would answer one client at a time. So
//! one thread owns the ROUTER socket (see [`super::socket_thread`]): it polls for requests, hands
//! each to a tokio task with its routing envelope, and sends back the replies the tasks push
//! through an `inproc` channel. A slow order then only delays its own client.
//!
//! Socket options: `ROUTER_MANDATORY` so a reply that cannot be delivered fails at once
//! (`EHOSTUNREACH` for a client that is gone, `EAGAIN` for one whose queue is full) instead of
//! vanishing or blocking; `MAXMSGSIZE` so libzmq drops a peer that sends a huge frame before
//! buffering it; `LINGER` so shutdown never hangs on unsent replies.

use std::sync::{Arc, Mutex};

use rand::{rngs::StdRng, SeedableRng};

use super::socket_thread::SocketThread;
use super::{bind_endpoint, inproc_pipe, SocketLoop};
use crate::gateway::Gateway;
use crate::log_limit::LogLimiter;

/// Frames above this size make libzmq drop the sending peer without reading the frame. It is
/// above the protocol's 64 KiB limit so that moderately oversized requests still get a
/// `frame_too_large` reply.
pub const DEFAULT_TRANSPORT_MAX_MSG_BYTES: i64 = 1024 * 1024;

/// The `MAXMSGSIZE` that serves a protocol limit of `max_frame_bytes`: twice that limit (so that
/// frames somewhat over it still get `frame_too_large`), and never below
/// [`DEFAULT_TRANSPORT_MAX_MSG_BYTES`].
///
/// ```
/// use gateway_example::transport::{transport_limit_for, DEFAULT_TRANSPORT_MAX_MSG_BYTES};
///
/// assert_eq!(transport_limit_for(64 * 1024), DEFAULT_TRANSPORT_MAX_MSG_BYTES);
/// assert_eq!(transport_limit_for(4_000_000), 8_000_000);
/// ```
pub fn transport_limit_for(max_frame_bytes: usize) -> i64 {
    let doubled = i64::try_from(max_frame_bytes)
        .unwrap_or(i64::MAX)
        .saturating_mul(2);
    doubled.max(DEFAULT_TRANSPORT_MAX_MSG_BYTES)
}
/// How long closing the socket may wait for queued replies.
pub const LINGER_MS: i32 = 500;

/// How the ROUTER socket is set up.
#[derive(Debug, Clone)]
pub struct RouterOptions {
    /// Endpoint to bind, e.g. `tcp://127.0.0.1:5555` (`:*` picks a free port).
    pub endpoint: String,
    /// `ZMQ_MAXMSGSIZE`.
    pub max_msg_bytes: i64,
    /// Fraction of replies dropped on purpose (fault injection: a lost reply).
    pub reply_drop_rate: f64,
    /// Seed of the reply drops.
    pub seed: u64,
}

impl RouterOptions {
    /// Options for `endpoint` with defaults and no faults.
    pub fn new(endpoint: impl Into<String>) -> RouterOptions {
        RouterOptions {
            endpoint: endpoint.into(),
            max_msg_bytes: DEFAULT_TRANSPORT_MAX_MSG_BYTES,
            reply_drop_rate: 0.0,
            seed: 0,
        }
    }
}

/// Why the transport could not start.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A TCP bind to a host name: libzmq binds interfaces and IP addresses only.
    #[error("cannot bind {0}: libzmq binds a network interface or an IP address, not a host name; use e.g. tcp://127.0.0.1:PORT")]
    NoSuchInterface(String),
    /// A socket call failed.
    #[error("{what}: {source}")]
    Zmq {
        /// What was being done.
        what: String,
        /// libzmq's error.
        source: zmq::Error,
    },
}

fn zmq_err(what: impl Into<String>) -> impl FnOnce(zmq::Error) -> TransportError {
    let what = what.into();
    move |source| TransportError::Zmq { what, source }
}

/// A running ROUTER thread; stops (and joins) when dropped.
pub struct RouterServer {
    endpoint: String,
    _thread: SocketLoop,
}

impl RouterServer {
    /// Binds the socket and starts serving `gateway` on the tokio runtime `runtime`.
    pub fn start(
        context: &zmq::Context,
        options: &RouterOptions,
        gateway: Arc<Gateway>,
        runtime: tokio::runtime::Handle,
    ) -> Result<RouterServer, TransportError> {
        let router = context
            .socket(zmq::ROUTER)
            .map_err(zmq_err("create ROUTER"))?;
        router
            .set_router_mandatory(true)
            .map_err(zmq_err("set ROUTER_MANDATORY"))?;
        router
            .set_maxmsgsize(options.max_msg_bytes)
            .map_err(zmq_err("set MAXMSGSIZE"))?;
        router
            .set_linger(LINGER_MS)
            .map_err(zmq_err("set LINGER"))?;
        let bind = bind_endpoint(&options.endpoint);
        router.bind(&bind).map_err(|source| match source {
            zmq::Error::ENODEV => TransportError::NoSuchInterface(options.endpoint.clone()),
            source => zmq_err(format!("bind {}", options.endpoint))(source),
        })?;
        let endpoint = router
            .get_last_endpoint()
            .map_err(zmq_err("read bound endpoint"))?
            .unwrap_or(bind);

        // Replies come back from tokio tasks through an inproc pipe polled with the ROUTER.
        let (replies_in, replies_out) = inproc_pipe(context, "gateway-replies")
            .map_err(|(what, source)| zmq_err(what)(source))?;
        let replies_out = Arc::new(Mutex::new(replies_out));

        let drops = StdRng::seed_from_u64(options.seed);
        let drop_rate = options.reply_drop_rate.clamp(0.0, 1.0);
        let thread = SocketLoop::spawn("gateway-router", move |stop| {
            SocketThread {
                router,
                replies_in,
                replies_out,
                gateway,
                runtime,
                stop,
                drops,
                drop_rate,
                peers: Default::default(),
                full_peer_log: LogLimiter::default(),
                busy_log: LogLimiter::default(),
            }
            .run()
        })
        .expect("spawn the router thread");
        tracing::info!(%endpoint, "gateway listening");
        Ok(RouterServer {
            endpoint,
            _thread: thread,
        })
    }

    /// The bound endpoint, with the port filled in.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}
