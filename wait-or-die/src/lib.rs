//! Retry fallible calls with exponential backoff, jitter and a total deadline: one attribute,
//! free on the happy path.
//!
//! The function body is one attempt. The engine runs it, and after an error waits (exponential
//! backoff with jitter, capped) and tries again, or dies with the last error when the retries or
//! the total time budget run out. Numbers without units are seconds.
//!
//! ```
//! # #[cfg(feature = "macros")] {
//! use std::io;
//! use wait_or_die::wait_or_die;
//!
//! #[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
//! async fn recv_line(sock: &tokio::sync::Mutex<Vec<String>>) -> Result<String, io::Error> {
//!     sock.lock().await.pop().ok_or_else(|| io::ErrorKind::WouldBlock.into())
//! }
//! # }
//! ```
//!
//! # How a call ends
//! | ends with | returns |
//! |---|---|
//! | an attempt succeeds | `Ok(value)` |
//! | an error classified as permanent ([`Action::Die`]) | that error, at once |
//! | `max_retries` retries used (`max_retries = 10` → up to 11 attempts) | the last error |
//! | the next wait would cross `timeout`, or a wait ended past it | the last error, at once |
//! | the retry budget refuses the retry ([`StopReason::BudgetExhausted`]) | the last error, at once |
//! | a call nested in the attempt (at any depth) retried and gave up ([`StopReason::Nested`]) | that error, at once |
//! | (async) `timeout` runs out while an attempt is in flight | the attempt is dropped; a [`EngineError`] converted into the error type |
//! | the attempt panics | the panic propagates; it is never retried |
//!
//! A blocking attempt cannot be interrupted: for plain `fn`s the budget is checked before each
//! wait and so before each attempt, and an attempt may overrun it.
//!
//! # Defaults
//! A bare `#[wait_or_die]` uses [`Policy::DEFAULT`]: `max_retries = 3`, `timeout = 30 s`,
//! `initial_wait = 0.5 s`, `max_wait = 5 s`, `multiplier = 2`, exponential growth,
//! [`Jitter::Equal`] (each wait uniform in `[nominal / 2, nominal]`), no `attempt_timeout`,
//! and a retry budget of the site's own ([`BudgetPolicy::DEFAULT`]: retries up to 20 % of calls
//! plus 10 per second, over a 10 s window).
//!
//! # What `#[wait_or_die]` expands to
//! The attribute keeps the function's signature and turns its body into one attempt inside a
//! short loop over calls into `wait_or_die::__private`: a `static` site and a `static` policy (built and
//! checked at compile time), then `attempt` → `settle` → `wait` until `settle` breaks with the
//! result. The full expansion of an async and a sync function is shown in the
//! [`wait_or_die_macros`] crate docs. The attribute works above or below
//! `#[tracing::instrument]` (attempts share the call's span) and inside `#[async_trait]` impls.
//!
//! An async function with a `timeout` or `attempt_timeout` needs its error type to implement
//! `From<`[`EngineError`]`>`: `std::io::Error` and `Box<dyn Error + Send + Sync>` do already, and
//! the compile error says what to add for your own type.
//!
//! # Without the macro
//! [`retry`] and [`retry_blocking`] take a closure that returns one attempt and report a
//! [`RetryError`] saying which rule stopped the call; each place that calls them has a site
//! (counters, retry budget) of its own, named `file:line:column`. [`Backoff`] is the wait schedule as an
//! iterator. [`stats::sites`] lists every call site with its counters, and [`testing`] switches
//! waits off in a service's own tests.
//!
//! # Executors
//! An annotated `async fn` runs on any executor. Inside a tokio runtime with its timer enabled
//! (`#[tokio::main]`, `#[tokio::test]`), waits and deadlines use tokio's timer and follow its
//! paused clock in tests; anywhere else (`futures::executor::block_on`, smol, a tokio runtime
//! built without `enable_time`) they sleep on one timer thread of the engine's own, started on
//! first use. Tokio cannot be asked whether a runtime has its timer, so the first call needing
//! one on a runtime without it finds out by catching the panic tokio raises (printed once by
//! the panic hook) and logs a WARN; every later call on that runtime goes straight to the
//! thread.
//!
//! # The system around the call
//! Every site has a retry budget, on by default: within 10 s, retries may reach 20 % of calls
//! plus 10 per second, so a lone caller keeps all its retries and a fleet in an outage adds at
//! most about a fifth more load ([`BudgetPolicy`]). An annotated call made inside another's
//! attempt is nested: it never outlives the outer attempt (deadline and `attempt_timeout`), and
//! when it gives up after retrying the outer call does not retry again, however many layers
//! (retrying or not) lie between. Inside an attempt, [`current`] gives the call's site, attempt
//! number and time left.
//!
//! # Never on a thread that serves others
//! A blocking retry sleeps on the thread it runs on. Never annotate a plain `fn` that runs on a
//! thread serving other clients (a socket's I/O thread, an event loop, a runtime worker): one
//! failing peer would stall everyone for the whole wait. On such a thread, fail fast and let
//! the client (or an async task of its own) retry; the gateway example drops a reply to a peer
//! whose queue is full rather than retrying it on its router thread.
//!
//! # Observability
//! Each retry logs a WARN event, a call that gives up an ERROR (with `reason`), and a call that
//! recovers after retries an INFO, all under the `wait_or_die` target with the fields `site`,
//! `attempt`, `max_attempts`, `wait_ms`, `elapsed_ms` and `error`; [`hooks`] runs your own code
//! on the same events.
//!
//! # Operating it
//! [`control`] overrides any site's policy at run time by name, or switches its retries off (one
//! site, or all). With feature `config`, `config` loads those overrides from the TOML file named by
//! `WAIT_OR_DIE_CONFIG` and re-reads it on SIGHUP; with `metrics`, `metrics` exports every site's
//! counters to a `prometheus-client` registry, read at scrape time; with `chaos`, `chaos` makes
//! a share of a site's attempts fail with [`EngineError`] or start late.
//!
//! # How the engine is laid out
//! From the top: the public face (this file, `__private` for the expansion); the operators'
//! modules ([`control`], `config`, `metrics`, [`advice`]); the retry loop (`retry/`: attempts, waits,
//! deadlines); the pipeline (`pipeline.rs`), the one list that calls a site's strategies in a
//! fixed order (before an attempt: chaos; on its outcome: none yet; before a retry: the retry
//! budget); the site (`site/`: name, declared policy, counters, each strategy's state, and the
//! one pointer through which operators publish an override; re-exported as [`stats::Site`]);
//! the strategies (`strategy/`: `budget.rs`, `chaos.rs`, one module each, handed their state);
//! and below them counters ([`stats`]), policies, timers and errors. Imports go down only:
//! strategies, stats and policy never import the site, a strategy never imports another or
//! the retry loop, nothing below `control`/`config` imports them, and no two files import each
//! other in a circle. `ARCHITECTURE.md` at the repository's root is the map.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod advice;
mod backoff;
#[cfg(feature = "chaos")]
#[cfg_attr(docsrs, doc(cfg(feature = "chaos")))]
pub mod chaos;
mod chaos_hooks;
mod classify;
#[cfg(feature = "config")]
#[cfg_attr(docsrs, doc(cfg(feature = "config")))]
pub mod config;
pub mod control;
mod current;
mod engine_error;
mod error;
mod events;
pub mod hooks;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
mod jitter;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
mod pipeline;
mod policy;
mod retry;
mod site;
pub mod stats;
mod strategy;
mod suggest;
pub mod testing;
mod thread_rng;
mod thread_shard;
mod timer;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
mod units;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use backoff::Backoff;
pub use classify::{classify_io_error, Action, Classify, RetryAll, RetryIf};
pub use current::{current, CurrentCall};
pub use engine_error::{EngineError, EngineErrorKind};
pub use error::{RetryError, StopReason};
pub use jitter::Jitter;
pub use policy::{
    BreakerPolicy, BudgetPolicy, Growth, HedgeAfter, HedgePolicy, Policy, PolicyBuilder,
    PolicyError,
};
pub use retry::blocking::{retry_blocking, Clock, RetryBlocking, SystemClock};
pub use retry::future::{retry, Attempts, Retry};

#[doc = include_str!("attribute.md")]
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use wait_or_die_macros::wait_or_die;

/// Registers a `static` [`stats::Site`] so that [`stats::sites`] lists it.
///
/// `#[wait_or_die]` does this for every annotated function; use it for sites you pass to
/// [`Retry::site`] or [`RetryBlocking::site`].
///
/// ```
/// use wait_or_die::{register_site, stats::{self, Site}};
///
/// static FETCH: Site = Site::new("docs::fetch_listed");
/// register_site!(FETCH);
///
/// assert!(stats::sites().any(|s| s.name() == "docs::fetch_listed"));
/// ```
#[macro_export]
macro_rules! register_site {
    ($site:ident) => {
        $crate::__private::inventory::submit! {
            $crate::__private::SiteRef(&$site)
        }
    };
}

/// The package README's code blocks, compiled and run as doctests so the README cannot rot.
#[cfg(all(doctest, feature = "macros"))]
#[doc = include_str!("../README.md")]
pub struct PackageReadmeDoctests;

/// The workspace README's code blocks, compiled (and run where they can be) as doctests.
#[cfg(all(doctest, feature = "macros"))]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadmeDoctests;
