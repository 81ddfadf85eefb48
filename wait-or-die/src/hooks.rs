//! Your code run on each retry and when a call gives up, for services that do not use `tracing`
//! (backon's `notify`, tenacity's `before_sleep`).
//!
//! Hooks are process-wide: [`on_retry`] and [`on_give_up`] register a function that every call
//! of every site runs, with the same facts as the WARN and ERROR events (filter on
//! [`RetryEvent::site`] for one site). They run on the calling thread or task, before the wait,
//! so keep them short and never block in one that async calls run; a hook that panics panics
//! the call. While no hook is registered, a retry pays one relaxed load for them and a
//! successful call nothing.
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::time::Duration;
//! use wait_or_die::{hooks, retry_blocking, Policy};
//!
//! static RETRIES: AtomicU32 = AtomicU32::new(0);
//! let hook = hooks::on_retry(|event| {
//!     RETRIES.fetch_add(1, Ordering::Relaxed);
//!     eprintln!("{}: attempt {} failed ({:?}), next in {:?}", event.site, event.attempt, event.error, event.wait);
//! });
//!
//! let policy = Policy::builder().max_retries(2).initial_wait(Duration::ZERO).build()?;
//! let _ = retry_blocking(&policy, || Err::<(), _>("down")).call();
//! assert_eq!(RETRIES.load(Ordering::Relaxed), 2);
//! hook.remove();
//! # Ok::<(), wait_or_die::PolicyError>(())
//! ```

use core::fmt::Debug;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use core::time::Duration;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::StopReason;

/// What a retry hook is told: an attempt failed and the call will retry after `wait`.
///
/// See the [module's example](self).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryEvent<'a> {
    /// The site's name.
    pub site: &'a str,
    /// The number of the attempt that failed (1 for the first).
    pub attempt: u32,
    /// Attempts the call may make in all.
    pub max_attempts: u32,
    /// The wait before the next attempt.
    pub wait: Duration,
    /// Time since the call's budget started.
    pub elapsed: Duration,
    /// The attempt's error.
    pub error: &'a dyn Debug,
}

/// What a give-up hook is told: the call ends with an error, and why.
///
/// ```
/// use wait_or_die::{hooks, register_site, retry_blocking, stats::Site, Policy, StopReason};
///
/// static SUBMIT: Site = Site::new("docs::submit");
/// register_site!(SUBMIT);
///
/// let hook = hooks::on_give_up(|event| {
///     if event.site == "docs::submit" {
///         assert_eq!((event.reason, event.attempt), (StopReason::Permanent, 1));
///     }
/// });
/// let _ = retry_blocking(&Policy::DEFAULT, || Err::<(), _>("bad request"))
///     .when(|_: &&str| false)
///     .site(&SUBMIT)
///     .call();
/// hook.remove();
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct GiveUpEvent<'a> {
    /// The site's name.
    pub site: &'a str,
    /// The number of the last attempt.
    pub attempt: u32,
    /// Attempts the call could have made in all.
    pub max_attempts: u32,
    /// Time since the call's budget started.
    pub elapsed: Duration,
    /// The rule that ended the call.
    pub reason: StopReason,
    /// The last error.
    pub error: &'a dyn Debug,
}

type RetryHook = dyn Fn(&RetryEvent<'_>) + Send + Sync;
type GiveUpHook = dyn Fn(&GiveUpEvent<'_>) + Send + Sync;

/// The hooks registered, each list replaced whole on a change so an event clones one `Arc`.
struct Registry {
    retry: Arc<[(u64, Arc<RetryHook>)]>,
    give_up: Arc<[(u64, Arc<GiveUpHook>)]>,
    next_id: u64,
}

static ANY_RETRY: AtomicBool = AtomicBool::new(false);
static ANY_GIVE_UP: AtomicBool = AtomicBool::new(false);
static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn registry() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn with_registry<R>(change: impl FnOnce(&mut Registry) -> R) -> R {
    let mut guard = registry();
    let registry = guard.get_or_insert_with(|| Registry {
        retry: Arc::new([]),
        give_up: Arc::new([]),
        next_id: 0,
    });
    let out = change(registry);
    ANY_RETRY.store(!registry.retry.is_empty(), Relaxed);
    ANY_GIVE_UP.store(!registry.give_up.is_empty(), Relaxed);
    out
}

/// Runs `hook` on every retry of every call, until [`Hook::remove`].
///
/// See the [module's example](self).
pub fn on_retry(hook: impl Fn(&RetryEvent<'_>) + Send + Sync + 'static) -> Hook {
    with_registry(|r| {
        let id = r.next_id;
        r.next_id += 1;
        r.retry = r
            .retry
            .iter()
            .cloned()
            .chain([(id, Arc::new(hook) as Arc<RetryHook>)])
            .collect();
        Hook { id }
    })
}

/// Runs `hook` whenever a call gives up, until [`Hook::remove`].
///
/// See [`GiveUpEvent`] for an example.
pub fn on_give_up(hook: impl Fn(&GiveUpEvent<'_>) + Send + Sync + 'static) -> Hook {
    with_registry(|r| {
        let id = r.next_id;
        r.next_id += 1;
        r.give_up = r
            .give_up
            .iter()
            .cloned()
            .chain([(id, Arc::new(hook) as Arc<GiveUpHook>)])
            .collect();
        Hook { id }
    })
}

/// A registered hook; it stays registered when this is dropped, until [`Hook::remove`].
///
/// See the [module's example](self).
#[derive(Debug)]
pub struct Hook {
    id: u64,
}

impl Hook {
    /// Unregisters the hook: calls that retry or give up from now on no longer run it.
    ///
    /// See the [module's example](self).
    pub fn remove(self) {
        with_registry(|r| {
            r.retry = r
                .retry
                .iter()
                .filter(|(id, _)| *id != self.id)
                .cloned()
                .collect();
            r.give_up = r
                .give_up
                .iter()
                .filter(|(id, _)| *id != self.id)
                .cloned()
                .collect();
        });
    }
}

/// Runs the retry hooks with `event`.
#[inline]
pub(crate) fn retrying(event: &RetryEvent<'_>) {
    if ANY_RETRY.load(Relaxed) {
        run_retry(event);
    }
}

#[cold]
fn run_retry(event: &RetryEvent<'_>) {
    // Cloned out of the lock, so a hook may register or remove hooks.
    let hooks = registry().as_ref().map(|r| Arc::clone(&r.retry));
    for (_, hook) in hooks.iter().flat_map(|h| h.iter()) {
        hook(event);
    }
}

/// Runs the give-up hooks with `event`.
#[inline]
pub(crate) fn gave_up(event: &GiveUpEvent<'_>) {
    if ANY_GIVE_UP.load(Relaxed) {
        run_give_up(event);
    }
}

#[cold]
fn run_give_up(event: &GiveUpEvent<'_>) {
    let hooks = registry().as_ref().map(|r| Arc::clone(&r.give_up));
    for (_, hook) in hooks.iter().flat_map(|h| h.iter()) {
        hook(event);
    }
}
