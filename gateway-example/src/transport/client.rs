//! The Lazy Pirate client (ZeroMQ Guide, chapter 4): reliable request-reply over a REQ socket.
//!
//! A REQ socket must alternate send and receive, so "retry the receive" after a timeout would
//! either wait forever on a reply that was lost or break the socket's state machine with a second
//! send. Instead one attempt is a whole round trip: send, poll for the reply with a timeout, and
//! on timeout close the socket (LINGER 0, so the stale request is discarded), open a fresh one and
//! let `#[wait_or_die]` send the *same* request again after its backoff. The gateway's journal
//! makes that resend safe.

use std::time::Duration;

use wait_or_die::{wait_or_die, Policy};

use crate::clock::unix_ms;
use crate::execution::SOCKET_POLICY;
use crate::security::{AuthError, SharedKey, DEFAULT_SIGNATURE_WINDOW};

/// How long one attempt waits for its reply: the seed's `RCVTIMEO` of 1 s.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_millis(1000);

/// How a client talks to the gateway.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Gateway endpoint, e.g. `tcp://127.0.0.1:5555`.
    pub endpoint: String,
    /// How long one attempt waits for the reply (less when its call has less time left).
    pub reply_timeout: Duration,
    /// Retry policy of the round trip (the seed's socket policy by default).
    pub policy: Policy,
    /// Shared key to sign requests with, if the gateway wants signatures; replies must then be
    /// signed with it too.
    pub key: Option<SharedKey>,
}

impl ClientOptions {
    /// Defaults for `endpoint`: seed policy, 1 s reply timeout, unsigned.
    pub fn new(endpoint: impl Into<String>) -> ClientOptions {
        ClientOptions {
            endpoint: endpoint.into(),
            reply_timeout: DEFAULT_REPLY_TIMEOUT,
            policy: SOCKET_POLICY,
            key: None,
        }
    }
}

/// Why one round trip failed. Every kind is retried: each leaves the client with a fresh socket.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No reply within the attempt's wait: the reply timeout, or the call's time left if less.
    #[error("no reply within {0:?}")]
    ReplyTimeout(Duration),
    /// The reply of a keyed gateway is unsigned, forged or stale.
    #[error("reply signature: {0}")]
    ReplySignature(AuthError),
    /// A socket call failed.
    #[error("{what}: {source}")]
    Socket {
        /// What was being done.
        what: &'static str,
        /// libzmq's error.
        source: zmq::Error,
    },
}

/// A REQ client that survives lost replies and restarted gateways.
pub struct LazyPirateClient {
    context: zmq::Context,
    options: ClientOptions,
    socket: Option<zmq::Socket>,
    reconnects: u64,
}

impl LazyPirateClient {
    /// A client for `options.endpoint`; it connects on the first request.
    pub fn new(context: &zmq::Context, options: ClientOptions) -> LazyPirateClient {
        LazyPirateClient {
            context: context.clone(),
            options,
            socket: None,
            reconnects: 0,
        }
    }

    /// How often the socket was thrown away and reopened.
    pub fn reconnects(&self) -> u64 {
        self.reconnects
    }

    /// Sends `body` and returns the reply frame, resending the same body on a fresh socket after
    /// each lost reply: the seed's socket policy (30 s, 10 retries, 0.5 s → 5 s) unless the
    /// options say otherwise.
    #[wait_or_die(policy = self.options.policy, name = "client.round_trip")]
    pub fn request(&mut self, body: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.round_trip(body)
    }

    /// One round trip with no retry: what [`request`](Self::request) runs per attempt. For
    /// measuring what the retry wrapper costs; callers want `request`.
    pub fn request_once(&mut self, body: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.round_trip(body)
    }

    /// How long this attempt waits for its reply: the reply timeout, cut to the time its call
    /// has left (`wait_or_die::current`), so that no attempt outlives its call's budget.
    fn reply_wait(&self) -> Duration {
        let left = wait_or_die::current().and_then(|call| call.remaining());
        left.map_or(self.options.reply_timeout, |left| {
            left.min(self.options.reply_timeout)
        })
    }

    fn round_trip(&mut self, body: &[u8]) -> Result<Vec<u8>, ClientError> {
        let wait = self.reply_wait();
        let socket = match self.socket.take() {
            Some(socket) => socket,
            None => self.open(wait)?,
        };
        // Signed afresh on every attempt: a resend must not fall out of the time window, and the
        // gateway accepts each signature once.
        let signature = self
            .options
            .key
            .as_ref()
            .map(|key| key.sign(body, unix_ms()));
        let send = match &signature {
            Some(signature) => socket.send_multipart([body, &signature[..]], 0),
            None => socket.send(body, 0),
        };
        send.map_err(|source| ClientError::Socket {
            what: "send",
            source,
        })?;
        let timeout_ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
        let ready = socket
            .poll(zmq::POLLIN, timeout_ms)
            .map_err(|source| ClientError::Socket {
                what: "poll",
                source,
            })?;
        if ready == 0 {
            // Dropping the socket closes it; LINGER 0 discards the unanswered request.
            self.reconnects += 1;
            return Err(ClientError::ReplyTimeout(wait));
        }
        let mut frames = socket
            .recv_multipart(0)
            .map_err(|source| ClientError::Socket {
                what: "recv",
                source,
            })?
            .into_iter();
        self.socket = Some(socket);
        let reply = frames.next().unwrap_or_default();
        if let (Some(key), Some(request_signature)) = (&self.options.key, &signature) {
            let reply_signature = frames.next();
            key.verify_reply(
                request_signature,
                &reply,
                reply_signature.as_deref(),
                unix_ms(),
                DEFAULT_SIGNATURE_WINDOW,
            )
            .map_err(ClientError::ReplySignature)?;
        }
        Ok(reply)
    }

    fn open(&self, wait: Duration) -> Result<zmq::Socket, ClientError> {
        let fail = |what| move |source| ClientError::Socket { what, source };
        let socket = self.context.socket(zmq::REQ).map_err(fail("socket"))?;
        socket.set_linger(0).map_err(fail("set LINGER"))?;
        let send_timeout = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        socket
            .set_sndtimeo(send_timeout)
            .map_err(fail("set SNDTIMEO"))?;
        socket
            .connect(&self.options.endpoint)
            .map_err(fail("connect"))?;
        Ok(socket)
    }
}
