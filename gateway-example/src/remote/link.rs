//! The gateway's end of the link: one DEALER socket on a thread of its own, shared by every
//! caller, with replies matched to calls by id.
//!
//! Callers hand their frames to the thread through an `inproc` PUSH/PULL pair and wait on a
//! channel of their own, registered under the call's id. A caller that gives up takes its id out
//! of the table; the thread then never sends that call if it has not yet, and discards its reply
//! if one comes late, so a late reply can never be taken for another call's.
//!
//! The DEALER has `IMMEDIATE` set: while the terminal is down nothing is queued towards it (a
//! queued order delivered after its caller gave up would execute unasked), and the calls wait
//! here, unsent, until it is back or their callers give up. libzmq reconnects by itself.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, MutexGuard};

use super::wire::{ReplyFrame, WireError};
use crate::terminal::TerminalError;
use crate::transport::{StopFlag, POLL_INTERVAL_MS};

/// Where a call's reply goes.
pub(super) type ReplySender = SyncSender<Result<serde_json::Value, WireError>>;

/// The calls whose callers still wait, by id.
#[derive(Default)]
pub(super) struct Pending {
    waiting: Mutex<HashMap<u64, ReplySender>>,
    /// Replies that came for no waiting call: late answers to calls abandoned on timeout.
    pub(super) discarded: AtomicU64,
}

impl Pending {
    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<u64, ReplySender>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_waiting(&self, id: u64) -> bool {
        self.lock().contains_key(&id)
    }

    /// Hands `result` to the caller of `id`, if it still waits; `false` if it does not.
    fn answer(&self, id: u64, result: Result<serde_json::Value, WireError>) -> bool {
        // Sent under the lock: a caller that times out and finds its id gone knows its answer is
        // already in its channel. The channel holds one reply, so this never blocks.
        match self.lock().remove(&id) {
            Some(reply) => {
                let _ = reply.try_send(result);
                true
            }
            None => false,
        }
    }
}

/// Everything the link thread owns.
pub(super) struct LinkThread {
    pub(super) dealer: zmq::Socket,
    pub(super) calls_in: zmq::Socket,
    pub(super) pending: Arc<Pending>,
    pub(super) stop: StopFlag,
    pub(super) unsent: VecDeque<(u64, Vec<u8>)>,
}

impl LinkThread {
    pub(super) fn run(mut self) {
        while !self.stop.is_raised() {
            // POLLOUT only while calls wait to go out: a connected DEALER is always writable.
            let out = if self.unsent.is_empty() {
                zmq::PollEvents::empty()
            } else {
                zmq::POLLOUT
            };
            let mut items = [
                self.dealer.as_poll_item(zmq::POLLIN | out),
                self.calls_in.as_poll_item(zmq::POLLIN),
            ];
            if let Err(error) = zmq::poll(&mut items, POLL_INTERVAL_MS) {
                tracing::warn!(%error, "terminal link poll failed");
                continue;
            }
            let (replies, calls) = (items[0].is_readable(), items[1].is_readable());
            if calls {
                self.take_calls();
            }
            self.send_calls();
            if replies {
                self.take_replies();
            }
        }
        // Dropping the senders tells every waiting caller the link is gone.
        self.pending.lock().clear();
    }

    fn take_calls(&mut self) {
        while let Ok(frames) = self.calls_in.recv_multipart(zmq::DONTWAIT) {
            if let [id, body] = frames.as_slice() {
                if let Ok(id) = <[u8; 8]>::try_from(id.as_slice()) {
                    self.unsent
                        .push_back((u64::from_le_bytes(id), body.clone()));
                }
            }
        }
    }

    /// Sends the calls whose callers still wait, in order, until the socket takes no more.
    fn send_calls(&mut self) {
        while let Some((id, body)) = self.unsent.front() {
            if !self.pending.is_waiting(*id) {
                self.unsent.pop_front();
                continue;
            }
            match self.dealer.send(body.as_slice(), zmq::DONTWAIT) {
                Ok(()) => {}
                // Not connected (IMMEDIATE) or the queue is full: keep it for later.
                Err(zmq::Error::EAGAIN) => return,
                Err(error) => {
                    tracing::warn!(%error, "terminal call not sent");
                    let link_down = WireError::Terminal(TerminalError::Disconnected);
                    self.pending.answer(*id, Err(link_down));
                }
            }
            self.unsent.pop_front();
        }
    }

    fn take_replies(&mut self) {
        while let Ok(frames) = self.dealer.recv_multipart(zmq::DONTWAIT) {
            let reply = frames
                .first()
                .and_then(|body| serde_json::from_slice::<ReplyFrame>(body).ok());
            let Some(ReplyFrame {
                id: Some(id),
                result,
            }) = reply
            else {
                tracing::warn!("unreadable reply from the terminal discarded");
                continue;
            };
            if !self.pending.answer(id, result) {
                self.pending.discarded.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(id, "late reply to an abandoned call discarded");
            }
        }
    }
}
