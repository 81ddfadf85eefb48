//! The gateway's ROUTER socket, on a thread of its own, bridged to tokio by channels.
//!
//! A ZeroMQ socket must stay on one thread, and a REP loop would answer one client at a time. So
//! one thread owns the ROUTER socket: it polls for requests, hands each to a tokio task with its
//! routing envelope, and sends back the replies the tasks push through an `inproc` channel. A
//! slow order then only delays its own client.
//!
//! Socket options: `ROUTER_MANDATORY` so a reply to a client that is gone fails loudly
//! (`EHOSTUNREACH`) instead of vanishing; `MAXMSGSIZE` so libzmq drops a peer that sends a huge
//! frame before buffering it; `LINGER` so shutdown never hangs on unsent replies.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rand::{rngs::StdRng, Rng, SeedableRng};
use wait_or_die::wait_or_die;

use crate::gateway::{Counters, Gateway};

/// Frames above this size make libzmq drop the sending peer without reading the frame. It is
/// above the protocol's 64 KiB limit so that moderately oversized requests still get a
/// `frame_too_large` reply.
pub const DEFAULT_TRANSPORT_MAX_MSG_BYTES: i64 = 1024 * 1024;
/// How long closing the socket may wait for queued replies.
pub const LINGER_MS: i32 = 500;
/// How often the socket thread checks for shutdown when idle.
const POLL_INTERVAL_MS: i64 = 100;

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
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
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
        router
            .bind(&options.endpoint)
            .map_err(zmq_err(format!("bind {}", options.endpoint)))?;
        let endpoint = router
            .get_last_endpoint()
            .map_err(zmq_err("read bound endpoint"))?
            .unwrap_or_else(|_| options.endpoint.clone());

        // Replies come back from tokio tasks through an inproc PUSH/PULL pair: the PULL end is
        // polled with the ROUTER, so a reply wakes the thread at once.
        let channel = format!("inproc://gateway-replies-{}", uuid::Uuid::new_v4());
        // Unbounded (HWM 0) like an unbounded channel: the workers never block on it, and the
        // number of replies in it is bounded by the requests in flight anyway.
        let replies_in = context.socket(zmq::PULL).map_err(zmq_err("create PULL"))?;
        replies_in.set_rcvhwm(0).map_err(zmq_err("set RCVHWM"))?;
        replies_in
            .bind(&channel)
            .map_err(zmq_err("bind reply channel"))?;
        let replies_out = context.socket(zmq::PUSH).map_err(zmq_err("create PUSH"))?;
        replies_out.set_sndhwm(0).map_err(zmq_err("set SNDHWM"))?;
        replies_out.set_linger(0).map_err(zmq_err("set LINGER"))?;
        replies_out
            .connect(&channel)
            .map_err(zmq_err("connect reply channel"))?;
        let replies_out = Arc::new(Mutex::new(replies_out));

        let stop = Arc::new(AtomicBool::new(false));
        let worker = SocketThread {
            router,
            replies_in,
            replies_out,
            gateway,
            runtime,
            stop: Arc::clone(&stop),
            drops: StdRng::seed_from_u64(options.seed),
            drop_rate: options.reply_drop_rate.clamp(0.0, 1.0),
        };
        let thread = std::thread::Builder::new()
            .name("gateway-router".into())
            .spawn(move || worker.run())
            .expect("spawn the router thread");
        tracing::info!(%endpoint, "gateway listening");
        Ok(RouterServer {
            endpoint,
            stop,
            thread: Some(thread),
        })
    }

    /// The bound endpoint, with the port filled in.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for RouterServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct SocketThread {
    router: zmq::Socket,
    replies_in: zmq::Socket,
    replies_out: Arc<Mutex<zmq::Socket>>,
    gateway: Arc<Gateway>,
    runtime: tokio::runtime::Handle,
    stop: Arc<AtomicBool>,
    drops: StdRng,
    drop_rate: f64,
}

impl SocketThread {
    fn run(mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            let mut items = [
                self.router.as_poll_item(zmq::POLLIN),
                self.replies_in.as_poll_item(zmq::POLLIN),
            ];
            if let Err(error) = zmq::poll(&mut items, POLL_INTERVAL_MS) {
                tracing::warn!(%error, "poll failed");
                continue;
            }
            let (requests, replies) = (items[0].is_readable(), items[1].is_readable());
            if requests {
                self.take_requests();
            }
            if replies {
                self.send_replies();
            }
        }
    }

    fn take_requests(&mut self) {
        while let Ok(frames) = self.router.recv_multipart(zmq::DONTWAIT) {
            let (envelope, body) = split_envelope(frames);
            let gateway = Arc::clone(&self.gateway);
            let replies_out = Arc::clone(&self.replies_out);
            self.runtime.spawn(async move {
                let reply = gateway.handle(body).await;
                let mut frames = envelope;
                frames.push(reply.to_bytes());
                let socket = replies_out.lock().unwrap_or_else(|p| p.into_inner());
                // DONTWAIT: after shutdown the channel has no reader, and a worker must not hang
                // on it. A reply lost here is answered from the journal when the client resends.
                if let Err(error) = socket.send_multipart(frames, zmq::DONTWAIT) {
                    tracing::warn!(%error, "reply channel closed; reply dropped");
                }
            });
        }
    }

    fn send_replies(&mut self) {
        while let Ok(frames) = self.replies_in.recv_multipart(zmq::DONTWAIT) {
            if self.drop_rate > 0.0 && self.drops.random_bool(self.drop_rate) {
                Counters::bump(&self.gateway.counters().replies_dropped);
                continue;
            }
            if let Err(error) = send_reply(&self.router, &frames) {
                // The client reconnected (Lazy Pirate) or left: it will resend and be answered
                // from the journal, so the reply is not lost, only this copy of it.
                Counters::bump(&self.gateway.counters().replies_unroutable);
                tracing::debug!(%error, "reply not routable");
            }
        }
    }
}

/// Sends one reply, retried while the peer's queue is full: the seed's socket policy (30 s,
/// 10 retries, 0.5 s → 5 s). A peer that is gone (`EHOSTUNREACH`) is not retried.
#[wait_or_die(
    timeout = 30,
    max_retries = 10,
    initial_wait = 0.5,
    max_wait = 5.0,
    retry_if = is_transient_send_error,
    name = "gateway.send_reply"
)]
fn send_reply(router: &zmq::Socket, frames: &[Vec<u8>]) -> Result<(), zmq::Error> {
    router.send_multipart(frames.iter().map(Vec::as_slice), zmq::DONTWAIT)
}

fn is_transient_send_error(error: &zmq::Error) -> bool {
    matches!(error, zmq::Error::EAGAIN | zmq::Error::EINTR)
}

/// Splits a ROUTER message into its routing envelope (identities up to and including the empty
/// delimiter a REQ peer adds) and the request frames after it. A DEALER peer without a delimiter
/// gets the first frame (its identity) as the envelope.
fn split_envelope(mut frames: Vec<Vec<u8>>) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let cut = frames
        .iter()
        .position(Vec::is_empty)
        .map_or(1.min(frames.len()), |i| i + 1);
    let body = frames.split_off(cut);
    (frames, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_split_at_the_delimiter() {
        let frames = vec![b"id".to_vec(), vec![], b"{}".to_vec(), b"sig".to_vec()];
        let (envelope, body) = split_envelope(frames);
        assert_eq!(envelope, vec![b"id".to_vec(), vec![]]);
        assert_eq!(body, vec![b"{}".to_vec(), b"sig".to_vec()]);
        let (envelope, body) = split_envelope(vec![b"id".to_vec(), b"{}".to_vec()]);
        assert_eq!(envelope, vec![b"id".to_vec()]);
        assert_eq!(body, vec![b"{}".to_vec()]);
    }
}
