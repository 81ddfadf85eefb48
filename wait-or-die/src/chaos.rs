//! Fault injection, to rehearse a dependency's degradation: per site, make a share of attempts
//! fail with an injected [`EngineError`], or start late (Polly's Simmy is the model).
//!
//! Chaos is set per site like any override, with [`control::set`](crate::control::set) or in
//! the configuration file (`[sites."name".chaos]`), and applies to the attempts that start after
//! it. An attempt picked to run late waits `latency` first, inside the attempt, so the call's
//! `timeout` and `attempt_timeout` bound it as they would a slow dependency; an attempt picked
//! to fail does not run, and returns [`EngineError::injected`] converted into the function's error type.
//!
//! ```
//! use std::time::Duration;
//! use wait_or_die::{chaos::Chaos, control::{self, Override}, wait_or_die};
//!
//! #[wait_or_die(name = "docs.chaos.quotes", max_retries = 2, initial_wait = 0)]
//! fn quote() -> std::io::Result<f64> {
//!     Ok(1.0842)
//! }
//!
//! control::set("docs.chaos.quotes", Override::new().chaos(Chaos::new().fail(1.0)))?;
//! let err = quote().unwrap_err();
//! assert!(err.to_string().contains("injected fault"));
//! control::clear("docs.chaos.quotes")?;
//! assert_eq!(quote().unwrap(), 1.0842);
//! # Ok::<(), control::ControlError>(())
//! ```
//!
//! # Where it applies
//! Every `#[wait_or_die]` function, async or blocking. An error type without
//! `From<EngineError>` cannot carry an injected failure: its attempts get the latency only, and a
//! WARN says so once per site (so turning the feature on never breaks a build). With the
//! engine's own API, wrap each attempt: [`attempt`] for [`retry`](crate::retry),
//! [`attempt_blocking`] for [`retry_blocking`](crate::retry_blocking).
//!
//! # What it costs
//! Without the feature, nothing: the attribute's hook expands to no code. With it, an attempt
//! of a site with no chaos set pays one relaxed load (the site's override pointer, the same one
//! `control` uses) and its future holds two more words; an attempt made late allocates its
//! timer.
//!
//! The strategy itself lives in `strategy/chaos.rs`; this module is its public face.

use core::future::Future;

use crate::pipeline;
use crate::site::Site;
use crate::EngineError;

pub use crate::strategy::chaos::Chaos;

/// Runs an async attempt of `site` under its chaos: late, or failed without running.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{chaos::{self, Chaos}, control::{self, Override}, register_site, retry, stats::Site, Policy};
///
/// static FEED: Site = Site::new("docs.chaos.feed");
/// register_site!(FEED);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// control::set("docs.chaos.feed", Override::new().chaos(Chaos::new().fail(1.0)))?;
/// let policy = Policy::builder().max_retries(1).initial_wait(Duration::ZERO).build()?;
/// let got = retry(&policy, || chaos::attempt(&FEED, async { Ok::<_, std::io::Error>(7) }))
///     .site(&FEED)
///     .await;
/// assert_eq!(got.unwrap_err().attempts(), 2);
/// # Ok(())
/// # }
/// ```
pub async fn attempt<Fut, T, E>(site: &'static Site, attempt: Fut) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
    E: From<EngineError>,
{
    if let Some(injected) = pipeline::before_attempt_async(site).await {
        return Err(E::from(injected));
    }
    attempt.await
}

/// Runs a blocking attempt of `site` under its chaos: late (the thread sleeps), or failed
/// without running.
///
/// ```
/// use wait_or_die::{chaos::{self, Chaos}, control::{self, Override}, register_site, retry_blocking, stats::Site, Policy};
///
/// static DISK: Site = Site::new("docs.chaos.disk");
/// register_site!(DISK);
/// control::set("docs.chaos.disk", Override::new().chaos(Chaos::new().fail(1.0)))?;
/// let policy = Policy::builder().max_retries(0).build()?;
/// let got = retry_blocking(&policy, || chaos::attempt_blocking(&DISK, || Ok::<_, std::io::Error>(7))).call();
/// assert!(got.is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn attempt_blocking<T, E: From<EngineError>>(
    site: &'static Site,
    attempt: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    match pipeline::before_attempt_blocking(site) {
        Some(injected) => Err(E::from(injected)),
        None => attempt(),
    }
}
