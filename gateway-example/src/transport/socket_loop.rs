//! What every socket thread here is made of: a stop flag it polls between rounds, an owner that
//! raises the flag and joins the thread when dropped, and the inproc PUSH/PULL pipe that other
//! threads hand it work through (the PULL end polled with its sockets, so work wakes it at once).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// How long a socket thread's poll waits before it looks at its stop flag again.
pub(crate) const POLL_INTERVAL_MS: i64 = 100;

/// Whether a socket thread's owner still wants it to run.
#[derive(Clone, Default)]
pub(crate) struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Whether the owner was dropped.
    pub(crate) fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A running socket thread: dropping this stops and joins it.
pub(crate) struct SocketLoop {
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl SocketLoop {
    /// Runs `body` on a thread named `name`, with the flag it must poll.
    pub(crate) fn spawn(
        name: &str,
        body: impl FnOnce(StopFlag) + Send + 'static,
    ) -> std::io::Result<SocketLoop> {
        let stop = StopFlag::default();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || body(flag))?;
        Ok(SocketLoop {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for SocketLoop {
    fn drop(&mut self) {
        self.stop.0.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A fresh inproc pipe named after `purpose`: the PULL end (bound) for the socket thread, the
/// PUSH end (connected) for the threads that feed it. Unbounded (HWM 0) like an unbounded
/// channel: the feeders never block, and what is in it is bounded by the work in flight anyway.
/// A failure says which socket call failed.
pub(crate) fn inproc_pipe(
    context: &zmq::Context,
    purpose: &str,
) -> Result<(zmq::Socket, zmq::Socket), (&'static str, zmq::Error)> {
    let channel = format!("inproc://{purpose}-{}", uuid::Uuid::new_v4());
    let pull = context.socket(zmq::PULL).map_err(|e| ("create PULL", e))?;
    pull.set_rcvhwm(0).map_err(|e| ("set RCVHWM", e))?;
    pull.bind(&channel).map_err(|e| ("bind inproc pipe", e))?;
    let push = context.socket(zmq::PUSH).map_err(|e| ("create PUSH", e))?;
    push.set_sndhwm(0).map_err(|e| ("set SNDHWM", e))?;
    push.set_linger(0).map_err(|e| ("set LINGER", e))?;
    push.connect(&channel)
        .map_err(|e| ("connect inproc pipe", e))?;
    Ok((pull, push))
}
