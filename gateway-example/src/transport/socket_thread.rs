//! The loop of the thread that owns the ROUTER socket: take requests in, hand them to workers,
//! send replies out. It never sleeps and never retries: everything it does returns at once, so
//! no client can hold it up.
//!
//! A client that sends without reading fills its own queue in libzmq; with `ROUTER_MANDATORY` a
//! reply to it then fails with `EAGAIN`, and the reply is dropped, counted and (rate-limited)
//! logged. Only that client pays: an order's reply is in the journal and its resend gets it. A
//! client with [`MAX_IN_FLIGHT_PER_PEER`] requests in flight gets `busy` for the next ones, so it
//! cannot queue unbounded work ahead of everyone else's. Requests and replies are handled in
//! bounded batches so that neither direction starves the other.

use std::sync::{Arc, Mutex};

use rand::{rngs::StdRng, Rng};

use super::peers::{PeersInFlight, MAX_IN_FLIGHT_PER_PEER};
use super::{StopFlag, POLL_INTERVAL_MS};
use crate::gateway::{Counters, Gateway};
use crate::log_limit::LogLimiter;
use crate::protocol::{peek_req_id, ErrorCode, Reply, ReqId};

/// Requests taken in per turn before the replies waiting to go out are sent.
const REQUEST_BATCH: usize = 256;
/// Replies sent per turn before new requests are taken in.
const REPLY_BATCH: usize = 1024;

/// Everything the socket thread owns.
pub(super) struct SocketThread {
    pub(super) router: zmq::Socket,
    pub(super) replies_in: zmq::Socket,
    pub(super) replies_out: Arc<Mutex<zmq::Socket>>,
    pub(super) gateway: Arc<Gateway>,
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) stop: StopFlag,
    pub(super) drops: StdRng,
    pub(super) drop_rate: f64,
    pub(super) peers: PeersInFlight,
    pub(super) full_peer_log: LogLimiter,
    pub(super) busy_log: LogLimiter,
}

impl SocketThread {
    pub(super) fn run(mut self) {
        while !self.stop.is_raised() {
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
        for _ in 0..REQUEST_BATCH {
            let Ok(frames) = self.router.recv_multipart(zmq::DONTWAIT) else {
                return;
            };
            let (envelope, body) = split_envelope(frames);
            let peer = envelope.first().cloned().unwrap_or_default();
            if !self.peers.admit(&peer, MAX_IN_FLIGHT_PER_PEER) {
                self.refuse_busy(envelope, &body);
                continue;
            }
            let gateway = Arc::clone(&self.gateway);
            let mut slot = ReplySlot {
                envelope: Some(envelope),
                request_signature: body.get(1).cloned(),
                req_id: None,
                gateway: Arc::clone(&self.gateway),
                replies_out: Arc::clone(&self.replies_out),
            };
            self.runtime.spawn(async move {
                // Read on the worker, not here: the socket thread does no per-request parsing.
                slot.req_id = body.first().and_then(|frame| peek_req_id(frame));
                let reply = gateway.handle(body).await;
                slot.send(&reply);
            });
        }
    }

    fn refuse_busy(&mut self, envelope: Vec<Vec<u8>>, body: &[Vec<u8>]) {
        Counters::bump(&self.gateway.counters().refused_busy);
        if let Some(suppressed) = self.busy_log.check_now() {
            tracing::warn!(
                suppressed,
                limit = MAX_IN_FLIGHT_PER_PEER,
                "refused request: its client has too many requests in flight"
            );
        }
        let mut reply = Reply::failure(
            None,
            ErrorCode::Busy,
            format!(
                "this connection already has {MAX_IN_FLIGHT_PER_PEER} requests in flight, the \
                 most allowed: read the replies before sending more"
            ),
            true,
        );
        // A pipelining client matches replies by `req_id`: a refusal without it is unusable.
        reply.req_id = body.first().and_then(|frame| peek_req_id(frame));
        let mut frames = envelope;
        let request_signature = body.get(1).map(Vec::as_slice);
        frames.extend(self.gateway.reply_frames(&reply, request_signature));
        self.send_to_peer(&frames);
    }

    fn send_replies(&mut self) {
        for _ in 0..REPLY_BATCH {
            let Ok(frames) = self.replies_in.recv_multipart(zmq::DONTWAIT) else {
                return;
            };
            if let Some(peer) = frames.first() {
                self.peers.release(peer);
            }
            if self.drop_rate > 0.0 && self.drops.random_bool(self.drop_rate) {
                Counters::bump(&self.gateway.counters().replies_dropped);
                continue;
            }
            self.send_to_peer(&frames);
        }
    }

    /// Sends one reply without waiting. A reply that cannot go out now is dropped: the client
    /// reconnected or left (`EHOSTUNREACH`), or stopped reading and filled its queue (`EAGAIN`).
    /// Either way only that client is affected, and its resend is answered from the journal.
    fn send_to_peer(&self, frames: &[Vec<u8>]) {
        let error = match self
            .router
            .send_multipart(frames.iter().map(Vec::as_slice), zmq::DONTWAIT)
        {
            Ok(()) => return,
            Err(error) => error,
        };
        let counters = self.gateway.counters();
        match error {
            zmq::Error::EHOSTUNREACH => {
                Counters::bump(&counters.replies_unroutable);
                tracing::debug!(%error, "reply not routable: its client reconnected or left");
            }
            _ => {
                Counters::bump(&counters.replies_peer_full);
                if let Some(suppressed) = self.full_peer_log.check_now() {
                    tracing::warn!(
                        %error,
                        suppressed,
                        "reply dropped: its client is not reading its replies"
                    );
                }
            }
        }
    }
}

/// The promise of one reply: sent by the worker that handled the request, or, if that worker
/// panicked or was cancelled, an `internal` error sent when the slot is dropped. Either way the
/// socket thread hears back and the client's in-flight count goes down.
struct ReplySlot {
    envelope: Option<Vec<Vec<u8>>>,
    request_signature: Option<Vec<u8>>,
    /// The request's `req_id`, for the `internal` reply of a handler that ended without one.
    req_id: Option<ReqId>,
    gateway: Arc<Gateway>,
    replies_out: Arc<Mutex<zmq::Socket>>,
}

impl ReplySlot {
    fn send(mut self, reply: &Reply) {
        self.push(reply);
    }

    fn push(&mut self, reply: &Reply) {
        let Some(mut frames) = self.envelope.take() else {
            return;
        };
        let signature = self.request_signature.as_deref();
        frames.extend(self.gateway.reply_frames(reply, signature));
        let socket = self.replies_out.lock().unwrap_or_else(|p| p.into_inner());
        // DONTWAIT: after shutdown the channel has no reader, and a worker must not hang on it.
        // A reply lost here is answered from the journal when the client resends.
        if let Err(error) = socket.send_multipart(frames, zmq::DONTWAIT) {
            tracing::debug!(%error, "reply channel closed; reply dropped");
        }
    }
}

impl Drop for ReplySlot {
    fn drop(&mut self) {
        if self.envelope.is_some() {
            tracing::error!("request handler ended without a reply");
            let mut reply = Reply::failure(None, ErrorCode::Internal, "gateway error", true);
            reply.req_id = self.req_id.take();
            self.push(&reply);
        }
    }
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
