//! Running attempts: the async engine (tokio timers) and the blocking one (thread sleep).

pub(crate) mod blocking;
pub(crate) mod call;
pub(crate) mod future;
pub(crate) mod schedule;
mod watch;
