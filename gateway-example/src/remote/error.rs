//! Why one end of the terminal link could not start.

/// Why a [`TerminalListener`](super::TerminalListener) or a
/// [`RemoteTerminal`](super::RemoteTerminal) could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The terminal link has no authentication, so it listens on this host only.
    #[error("refusing to listen on {0}: the terminal link is unauthenticated, so only loopback, ipc:// and inproc:// endpoints are allowed")]
    Exposed(String),
    /// The link's socket thread could not be started.
    #[error("cannot start the link's socket thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// A socket call failed.
    #[error("{what}: {source}")]
    Zmq {
        /// What was being done.
        what: String,
        /// libzmq's error.
        source: zmq::Error,
    },
}

/// Wraps libzmq's error with what was being done.
pub(super) fn zmq_err(what: impl Into<String>) -> impl FnOnce(zmq::Error) -> LinkError {
    let what = what.into();
    move |source| LinkError::Zmq { what, source }
}
