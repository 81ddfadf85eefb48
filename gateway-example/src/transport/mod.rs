//! ZeroMQ transport: the gateway's ROUTER socket on its own thread, and the Lazy Pirate client.

mod endpoint;

pub use endpoint::is_local_only;
