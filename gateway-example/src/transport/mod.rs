//! ZeroMQ transport: the gateway's ROUTER socket on its own thread, and the Lazy Pirate client.

mod client;
mod endpoint;
mod order_client;
mod peers;
mod router;
mod socket_loop;
mod socket_thread;

pub use client::{ClientError, ClientOptions, LazyPirateClient, DEFAULT_REPLY_TIMEOUT};
pub use endpoint::{bind_endpoint, is_local_only};
pub use order_client::{OrderClient, OrderClientError, OUTCOME_POLICY};
pub use peers::MAX_IN_FLIGHT_PER_PEER;
pub use router::{
    transport_limit_for, RouterOptions, RouterServer, TransportError,
    DEFAULT_TRANSPORT_MAX_MSG_BYTES,
};
pub(crate) use socket_loop::{inproc_pipe, SocketLoop, StopFlag, POLL_INTERVAL_MS};
