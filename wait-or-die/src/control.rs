//! Live tuning and a kill switch, keyed by site name: change a site's policy while the process
//! runs, or switch its retries off during an incident.
//!
//! An [`Override`] sets some of a site's `max_retries`, `timeout`, `initial_wait`, `max_wait`,
//! `jitter` and retry budget; [`set`] puts it in force for calls that **start** after it (a call
//! in progress keeps the policy it started with). The kill switch ([`retries_off`], or
//! [`all_retries_off`] for every registered site) makes each call one attempt, no retries.
//! [`list`] shows what is overridden, [`clear`] and [`clear_all`] put the sites back.
//!
//! Circuit breakers: an override's [`BreakerOverride`] gives a site a breaker of its own, shares
//! one by name, removes it, or tunes it (`Override::new().breaker(...)`, or the `breaker*` keys
//! of the configuration file); during an incident [`force_breaker`] forces a breaker open (every
//! call refused at once) or closed (every call runs), by its name, and releases it.
//!
//! ```
//! use std::time::Duration;
//! use wait_or_die::{control::{self, Override}, register_site, retry_blocking, stats::Site, Policy};
//!
//! static QUOTES: Site = Site::new("docs.control.quotes");
//! register_site!(QUOTES);
//!
//! let policy = Policy::builder().max_retries(4).initial_wait(Duration::ZERO).build()?;
//! let fetch = || retry_blocking(&policy, || Err::<(), _>("down")).site(&QUOTES).call();
//! assert_eq!(fetch().unwrap_err().attempts(), 5);
//!
//! control::set("docs.control.quotes", Override::new().max_retries(1))?;
//! assert_eq!(fetch().unwrap_err().attempts(), 2);
//!
//! control::retries_off("docs.control.quotes")?;
//! assert_eq!(fetch().unwrap_err().attempts(), 1);
//!
//! control::clear("docs.control.quotes")?;
//! assert_eq!(fetch().unwrap_err().attempts(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What it costs
//! Each site holds a pointer to the override in force, null when there is none: a call reads it
//! once, with a relaxed load, when it starts, and keeps it. With an override, the call lays it
//! over its own policy where it reads the policy (when it waits, retries or gives up; never on
//! the happy path), so no call allocates or locks, and the override holds for every call
//! whatever policy it passes: a policy computed per request (`policy = ...`) is overridden too.
//!
//! # What is checked
//! A change that would make an invalid policy is refused with the engine's [`PolicyError`](crate::PolicyError)
//! (inside [`ControlError::InvalidPolicy`]) and nothing of it is applied. It is checked against
//! the policy the site declares ([`Site::with_policy`](crate::site::Site::with_policy): every
//! `#[wait_or_die]` function with literal arguments does): `max_wait = 100ms` over a declared
//! `initial_wait = 0.5s` is refused. A site whose policy is given at run time (`policy = ...`,
//! [`retry`](crate::retry)) is checked on the override's own values; when a call's policy then
//! has `initial_wait` above an overridden `max_wait` (or `max_wait` below an overridden
//! `initial_wait`), that one is brought to the overridden value. A name that matches no
//! registered site is refused with [`ControlError::UnknownSite`] (and a WARN).
//!
//! # Two layers
//! The configuration file (feature `config`) and this API each hold overrides. A site runs under
//! the file's settings with this API's laid over them, field by field; a kill switch of either
//! holds. [`clear`] removes this API's override only, so the site returns to what the file says;
//! a reload of the file replaces the file's overrides only.
//!
//! # Memory
//! A call may hold the settings it started under after they are replaced, so settings put in
//! force are leaked, never freed: equal settings share one copy, however often they are put
//! back. Memory is bounded by the number of distinct settings ever used, whatever the policies.
//!
//! # Limits
//! - The kill switch for all sites reaches every *registered* site: every `#[wait_or_die]`
//!   function, [`register_site!`](crate::register_site)'s sites and the site of each place that
//!   calls [`retry`](crate::retry) or [`retry_blocking`](crate::retry_blocking) without
//!   `.site(..)` (named `file:line:column`, from its first call on). A `static Site` that is not
//!   registered cannot be reached by name.
//! - A breaker an override gives a `#[wait_or_die]` function that has none refuses its
//!   retries while open, but its first attempts only where the expansion asks the breaker
//!   (an async function whose attempts may be cancelled, the default); write `breaker = ...` in
//!   the attribute for a function whose error type must carry the refusal.
//! - A `#[wait_or_die]` async function written with `timeout = "none"` and no
//!   `attempt_timeout` does not make its attempts cancellable, so an overridden `timeout` then
//!   bounds its waits and stops retries at the deadline but does not cut an attempt in flight.

mod breaker;
mod breaker_settings;
mod error;
mod names;
pub(crate) mod settings;
mod table;

pub use crate::strategy::breaker::Forced;
pub use breaker::force_breaker;
pub use breaker_settings::{BreakerChoice, BreakerOverride};
pub use error::ControlError;
pub(crate) use names::intern_name;
pub use settings::{BudgetChoice, Override};
pub(crate) use table::{Layer, Table};

use crate::events::TARGET;
use crate::policy::Policy;

/// Puts `settings` in force for every site called `site`, replacing the override this API
/// made for it before (the file's stays under it).
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{control::{self, ControlError, Override}, register_site, stats::Site};
///
/// static ORDERS: Site = Site::new("docs.control.set");
/// register_site!(ORDERS);
///
/// control::set("docs.control.set", Override::new().max_wait(Duration::from_secs(2)))?;
/// let refused = control::set("docs.control.set", Override::new().timeout(Duration::ZERO));
/// assert!(matches!(refused, Err(ControlError::InvalidPolicy { .. })));
/// assert_eq!(control::list().sites[0].settings.max_wait, Some(Duration::from_secs(2)));
/// # control::clear("docs.control.set")?;
/// # Ok::<(), ControlError>(())
/// ```
pub fn set(site: &str, settings: Override) -> Result<(), ControlError> {
    let mut table = Table::lock();
    warn_refused(table.check(Layer::Api, site, &settings))?;
    table.put(Layer::Api, site, Some(settings));
    Ok(())
}

/// Removes the override this API made for `site` (its kill switch included).
///
/// See the [module's example](self).
pub fn clear(site: &str) -> Result<(), ControlError> {
    let mut table = Table::lock();
    warn_refused(table::registered(site).map(drop))?;
    table.put(Layer::Api, site, None);
    Ok(())
}

/// Removes every override this API made, and releases its kill switch for all sites.
///
/// ```
/// wait_or_die::control::all_retries_off();
/// wait_or_die::control::clear_all();
/// assert!(!wait_or_die::control::list().all_retries_off);
/// ```
pub fn clear_all() {
    Table::lock().replace(Layer::Api, Default::default(), false);
}

/// Engages the kill switch of `site`: its calls make one attempt and no retries.
///
/// See the [module's example](self).
pub fn retries_off(site: &str) -> Result<(), ControlError> {
    switch(site, true)
}

/// Releases the kill switch of `site` that this API engaged.
///
/// ```
/// use wait_or_die::{control, register_site, stats::Site};
///
/// static FEED: Site = Site::new("docs.control.feed");
/// register_site!(FEED);
/// control::retries_off("docs.control.feed")?;
/// assert!(control::list().sites.iter().any(|s| s.site == "docs.control.feed" && s.settings.retries_off));
/// control::retries_on("docs.control.feed")?;
/// assert!(!control::list().sites.iter().any(|s| s.site == "docs.control.feed"));
/// # Ok::<(), control::ControlError>(())
/// ```
pub fn retries_on(site: &str) -> Result<(), ControlError> {
    switch(site, false)
}

fn switch(site: &str, off: bool) -> Result<(), ControlError> {
    let mut table = Table::lock();
    warn_refused(table::registered(site).map(drop))?;
    let mut settings = table.get(Layer::Api, site).unwrap_or_default();
    settings.retries_off = off;
    table.put(Layer::Api, site, Some(settings));
    Ok(())
}

/// Engages the kill switch of every registered site: one attempt per call, no retries.
///
/// ```no_run
/// // During an incident: stop every retry in the process at once.
/// wait_or_die::control::all_retries_off();
/// ```
pub fn all_retries_off() {
    Table::lock().set_all_off(Layer::Api, true);
}

/// Releases the kill switch for all sites that this API engaged.
///
/// ```
/// wait_or_die::control::all_retries_on();
/// assert!(!wait_or_die::control::list().all_retries_off);
/// ```
pub fn all_retries_on() {
    Table::lock().set_all_off(Layer::Api, false);
}

/// What is overridden now: the kill switch for all sites, and each site with an override.
///
/// ```
/// let now = wait_or_die::control::list();
/// for site in &now.sites {
///     println!("{}: {:?} (file: {}, api: {})", site.site, site.settings, site.from_file, site.from_api);
/// }
/// ```
pub fn list() -> Overrides {
    let table = Table::lock();
    let sites = table
        .names()
        .into_iter()
        .filter_map(|name| {
            let site = table::registered(&name).ok()?[0];
            let settings = table.settings(&name)?;
            let in_force = table.in_force(&name).unwrap_or_default();
            let (from_file, from_api) = table.origin(&name);
            Some(SiteOverride {
                site: site.name(),
                policy: site.policy().map(|p| in_force.apply_leniently(p)),
                settings,
                from_file,
                from_api,
            })
        })
        .collect();
    Overrides {
        all_retries_off: table.all_off(),
        sites,
    }
}

/// What [`list`] returns: the kill switch for all sites and the sites with an override.
///
/// ```
/// let overrides = wait_or_die::control::list();
/// # let _ = overrides;
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// Whether every registered site's retries are off (by this API or the file).
    pub all_retries_off: bool,
    /// Each site with an override, by name.
    pub sites: Vec<SiteOverride>,
}

/// One site's override, as [`list`] shows it.
///
/// ```
/// for site in wait_or_die::control::list().sites {
///     if let Some(policy) = site.policy {
///         println!("{} now makes up to {} attempts", site.site, policy.max_attempts());
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SiteOverride {
    /// The site's name.
    pub site: &'static str,
    /// The file's settings with this API's over them (the kill switch for all sites apart).
    pub settings: Override,
    /// Whether the configuration file overrides the site.
    pub from_file: bool,
    /// Whether this API overrides the site.
    pub from_api: bool,
    /// The policy the site's calls run under now, when the site declares its policy.
    pub policy: Option<Policy>,
}

/// Puts the override in force on a site made at run time (see `site/callers.rs`), then lists it
/// with `list`, so that no call of a listed site runs without the override.
pub(crate) fn adopt(site: &'static crate::site::Site, list: &mut dyn FnMut()) {
    Table::lock().adopt(site, list);
}

/// Logs a refused change as a WARN and hands it on.
fn warn_refused(result: Result<(), ControlError>) -> Result<(), ControlError> {
    if let Err(error) = &result {
        tracing::warn!(target: TARGET, %error, "wait_or_die: override refused");
    }
    result
}
