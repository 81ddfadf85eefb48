//! Re-reading the configuration file on SIGHUP, and when it changes, on a thread of its own.
//!
//! The thread waits on a pipe that the signal handler writes to (`signal-hook`'s self-pipe),
//! with a timeout so that it also notices a changed file (its modification time or length)
//! every [`POLL_INTERVAL`]. It never runs on a runtime's worker: loading a file reads the disk
//! and takes the override table's lock.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::SystemTime;

use signal_hook::consts::SIGHUP;
use signal_hook::SigId;

use crate::config::{load, ConfigError, Report};

/// How often the thread looks whether the file changed.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Loads `path` again on every SIGHUP and whenever it changes, on a background thread, until
/// the [`Reloader`] is stopped or dropped. Call [`load`] first for the start-up load.
///
/// Registering a SIGHUP handler replaces SIGHUP's default action (ending the process).
///
/// ```
/// use wait_or_die::config;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("retry.toml");
/// std::fs::write(&path, "")?;
/// config::load(&path).unwrap();
/// let reloader = config::reload_on_sighup(&path)?;
/// assert_eq!(reloader.reloads(), 0);
/// reloader.stop();
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn reload_on_sighup(path: impl Into<PathBuf>) -> io::Result<Reloader> {
    let path = path.into();
    let (wake, signalled) = UnixStream::pair()?;
    signalled.set_read_timeout(Some(POLL_INTERVAL))?;
    let signal = signal_hook::low_level::pipe::register(SIGHUP, wake)?;
    let shared = Arc::new(Shared::default());
    let state = Arc::clone(&shared);
    let thread = thread::Builder::new()
        .name("wait-or-die-config".into())
        .spawn(move || follow(&path, signalled, &state));
    let thread = match thread {
        Ok(thread) => thread,
        Err(e) => {
            signal_hook::low_level::unregister(signal);
            return Err(e);
        }
    };
    Ok(Reloader {
        shared,
        signal,
        thread: Some(thread),
    })
}

/// The thread that follows the configuration file; see [`reload_on_sighup`].
///
/// Dropping it stops the thread (within [`POLL_INTERVAL`]) and unregisters its SIGHUP handler.
#[derive(Debug)]
pub struct Reloader {
    shared: Arc<Shared>,
    signal: SigId,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    reloads: AtomicU64,
    last: Mutex<Option<Result<Report, ConfigError>>>,
    stop: AtomicBool,
}

impl Reloader {
    /// How many reloads the thread has made (each applied or refused) since it started.
    ///
    /// See [`reload_on_sighup`] for an example.
    pub fn reloads(&self) -> u64 {
        self.shared.reloads.load(Ordering::Acquire)
    }

    /// The outcome of the last reload, if there was one.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("retry.toml");
    /// # std::fs::write(&path, "")?;
    /// let reloader = wait_or_die::config::reload_on_sighup(&path)?;
    /// assert!(reloader.last().is_none());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn last(&self) -> Option<Result<Report, ConfigError>> {
        let last = self
            .shared
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.clone()
    }

    /// Stops the thread and waits for it to end (at most about [`POLL_INTERVAL`]).
    ///
    /// See [`reload_on_sighup`] for an example.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        signal_hook::low_level::unregister(self.signal);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Reloader {
    fn drop(&mut self) {
        self.halt();
    }
}

/// What tells a changed file: its modification time and length.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn follow(path: &Path, mut signalled: UnixStream, shared: &Shared) {
    let mut seen = stamp(path);
    let mut buf = [0u8; 64];
    while !shared.stop.load(Ordering::Relaxed) {
        let hup = match signalled.read(&mut buf) {
            Ok(n) => n > 0,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                false
            }
            Err(_) => return, // the pipe is gone: nothing can wake us any more
        };
        let now = stamp(path);
        if (hup || now != seen) && !shared.stop.load(Ordering::Relaxed) {
            seen = now;
            let outcome = load(path);
            *shared.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
            shared.reloads.fetch_add(1, Ordering::Release);
        }
    }
}
