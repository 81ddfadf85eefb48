//! Site overrides from a TOML file: named by `WAIT_OR_DIE_CONFIG`, loaded at start-up by an
//! explicit call and re-read on SIGHUP (and when the file changes).
//!
//! ```toml
//! retries = "off"              # the kill switch for every site (leave it out normally)
//!
//! [sites."gateway.place_order"]
//! max_retries = 2
//! max_wait = "2s"
//!
//! [sites."client.round_trip"]
//! retries = "off"              # this site's kill switch
//! ```
//!
//! | key of `[sites."name"]` | value | |
//! |---|---|---|
//! | `max_retries` | a whole number | retries after the first attempt |
//! | `timeout` | a duration, or `"none"` | the total budget of a call |
//! | `initial_wait` | a duration | the first wait |
//! | `max_wait` | a duration | the longest single wait |
//! | `jitter` | `"none"`, `"full"`, `"equal"`, `"decorrelated"` | how waits are randomised |
//! | `retries` | `"off"` or `"on"` | the site's kill switch |
//! | `budget` | `"none"`, or a name | turns the retry budget off, or shares it by name |
//! | `budget_ratio` | a number from 0 to 1 | share of calls that may be retried |
//! | `budget_min_per_second` | a whole number | retries per second allowed whatever the share |
//! | `budget_window` | a duration | the budget's sliding window |
//! | `breaker` | `true`, `false`, or a name | gives the site a circuit breaker of its own, removes it, or shares one by name |
//! | `breaker_failure_ratio` | a number above 0, at most 1 | share of counted attempts in the window that opens it |
//! | `breaker_min_calls` | a whole number | attempts the window must hold before it may open |
//! | `breaker_window` | a duration | the breaker's sliding window |
//! | `breaker_open_for` | a duration | how long it stays open before a probe |
//! | `breaker_probes` | a whole number | attempts a half-open breaker lets through at once |
//! | `hedge_after` | a duration, `"p95"` (a percentile), or `"none"` | when a hedge starts beside a pending async attempt; `"none"` turns hedging off |
//! | `max_hedges` | a whole number | hedges that may run beside one attempt |
//! | `chaos` | a table (feature `chaos`) | fault injection, see [`crate::chaos`] |
//!
//! Durations are written as in the attribute: seconds as a number (`30`, `0.5`) or a string with
//! a unit (`"500ms"`, `"30s"`, `"2m"`). Each site's settings are laid over its policy as
//! [`control::set`](crate::control::set)'s are, and checked the same way.
//!
//! A file is applied whole or not at all: an unknown key, a value of the wrong type, a
//! `max_wait` below `initial_wait` or a TOML syntax error refuses it with a [`ConfigError`]
//! that lists every problem with its line and key, and the configuration in force stays. A site
//! name that matches no site of this process is not an error (one file may serve several
//! programs): the [`Report`] lists it, with a WARN. Each load replaces every override the
//! previous file made: a site removed from the file loses its override. Overrides made with
//! [`control`](crate::control) at run time stay, laid over the file's.
//!
//! ```
//! use wait_or_die::config;
//!
//! // At start-up: apply the file named by WAIT_OR_DIE_CONFIG, if any, then follow it.
//! match config::load_from_env() {
//!     Ok(Some(report)) => println!("{report}"),
//!     Ok(None) => {} // no file named
//!     Err(refused) => eprintln!("{refused}"),
//! }
//! if let Ok(path) = std::env::var(config::ENV_VAR) {
//!     let _reloader = config::reload_on_sighup(path)?;
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

#[cfg(feature = "chaos")]
mod chaos;
mod duration;
mod error;
pub(crate) mod keys;
pub(crate) mod parse;
mod reload;

use core::fmt;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{ConfigError, Problem, UnknownSite};
pub use reload::{reload_on_sighup, Reloader, POLL_INTERVAL};

use crate::control::{ControlError, Layer, Table};
use crate::events::TARGET;
use crate::suggest::did_you_mean;
use parse::SiteEntry;

/// The environment variable that names the configuration file.
pub const ENV_VAR: &str = "WAIT_OR_DIE_CONFIG";

/// What a configuration file put in force.
///
/// See [`UnknownSite`] for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The file.
    pub path: PathBuf,
    /// The sites it overrides, by name.
    pub sites: Vec<String>,
    /// Whether it switches every site's retries off.
    pub all_retries_off: bool,
    /// Sites it names that this process does not have; their settings apply to nothing.
    pub unknown_sites: Vec<UnknownSite>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "configuration file {} applied: {} site(s) overridden",
            self.path.display(),
            self.sites.len()
        )?;
        if self.all_retries_off {
            f.write_str(", every site's retries off")?;
        }
        for unknown in &self.unknown_sites {
            write!(f, "\n  warning: {}: {unknown}", self.path.display())?;
        }
        Ok(())
    }
}

/// Loads the file named by [`ENV_VAR`] with [`load`]; `Ok(None)` when the variable is unset or
/// empty.
///
/// See the [module's example](self).
pub fn load_from_env() -> Result<Option<Report>, ConfigError> {
    match std::env::var_os(ENV_VAR) {
        Some(path) if !path.is_empty() => load(Path::new(&path)).map(Some),
        _ => Ok(None),
    }
}

/// Reads the file at `path` and, if it is valid, puts its overrides in force in place of the
/// previous file's; if not, changes nothing.
///
/// ```
/// use wait_or_die::config;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("retry.toml");
/// std::fs::write(&path, "[sites.\"a\"]\nmax_wait = \"1s\"\ninitial_wait = \"2s\"\n")?;
/// let refused = config::load(&path).unwrap_err().to_string();
/// assert!(refused.contains("retry.toml:2: `sites.\"a\".max_wait`: max_wait must be at least initial_wait"), "{refused}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Report, ConfigError> {
    let path = path.as_ref();
    let outcome = read_and_apply(path);
    match &outcome {
        Ok(report) => {
            for unknown in &report.unknown_sites {
                tracing::warn!(target: TARGET, file = %path.display(), "wait_or_die: configuration: {unknown}");
            }
            tracing::info!(target: TARGET, sites = report.sites.len(), "wait_or_die: {report}");
        }
        Err(refused) => tracing::error!(target: TARGET, "wait_or_die: {refused}"),
    }
    outcome
}

fn read_and_apply(path: &Path) -> Result<Report, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source: Arc::new(source),
    })?;
    let invalid = |problems| ConfigError::Invalid {
        path: path.to_owned(),
        problems,
    };
    let parsed = parse::parse(&text).map_err(invalid)?;
    let mut table = Table::lock();
    let mut problems = Vec::new();
    let mut sites = BTreeMap::new();
    let mut unknown_sites = Vec::new();
    for entry in parsed.sites {
        match check(&table, &entry) {
            Check::Known => {
                sites.insert(entry.name, entry.settings);
            }
            Check::Unknown(unknown) => unknown_sites.push(unknown),
            Check::Invalid(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(invalid(problems));
    }
    let report = Report {
        path: path.to_owned(),
        sites: sites.keys().cloned().collect(),
        all_retries_off: parsed.all_off,
        unknown_sites,
    };
    table.replace(Layer::File, sites, parsed.all_off);
    Ok(report)
}

enum Check {
    Known,
    Unknown(UnknownSite),
    Invalid(Problem),
}

/// Checks a site's settings against the site (with the API's overrides over them), or on their
/// own when no site of this process has the name.
fn check(table: &Table, entry: &SiteEntry) -> Check {
    let known = crate::stats::sites().any(|s| s.name() == entry.name);
    let checked = if known {
        table.check(Layer::File, &entry.name, &entry.settings)
    } else {
        entry.settings.check(&entry.name, None)
    };
    match checked {
        Err(error) => {
            // The first setting the error is about that the file gives, at its line.
            let settings: Vec<&str> = match &error {
                ControlError::InvalidPolicy { error, .. } => error.settings().to_vec(),
                other => other.setting().into_iter().collect(),
            };
            let given = settings
                .iter()
                .find_map(|s| entry.keys.iter().find(|(k, _)| k == s));
            let line = given.map_or(entry.line, |&(_, line)| line);
            let key = entry.path(given.map(|&(k, _)| k));
            Check::Invalid(Problem::new(line, Some(key), without_site(&error)))
        }
        Ok(()) if known => Check::Known,
        Ok(()) => Check::Unknown(UnknownSite {
            site: entry.name.clone(),
            line: entry.line,
            suggestion: did_you_mean(&entry.name, crate::stats::sites().map(|s| s.name())),
        }),
    }
}

/// The error's own message: the problem already names the site's key.
fn without_site(error: &ControlError) -> String {
    match error {
        ControlError::InvalidPolicy { error, .. } => error.to_string(),
        other => other.to_string(),
    }
}
