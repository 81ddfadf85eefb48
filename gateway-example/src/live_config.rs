//! The retry configuration file of `serve`: named by `WAIT_OR_DIE_CONFIG`, applied at start-up
//! and re-read on SIGHUP (and when it changes) by the engine's [`wait_or_die::config`].
//!
//! A bad file at start-up is refused like a bad reload: the gateway logs the error, serves with
//! the policies compiled in, and the `STATS` action shows it ([`status`]), so that a typo in a
//! file pushed to many hosts never takes the gateway down. The follower is kept in a
//! process-wide slot: SIGHUP is process-wide too, and `STATS` reads its outcome from any thread.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use wait_or_die::config::{self, Reloader};

/// The file followed and the reloader following it.
struct Followed {
    path: PathBuf,
    startup: Result<String, String>,
    reloader: Reloader,
}

static FOLLOWED: OnceLock<Followed> = OnceLock::new();

/// What the configuration file put in force, as `STATS` reports it.
///
/// ```
/// // No file followed in this process.
/// assert!(gateway_example::live_config::status().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigStatus {
    /// The file.
    pub path: String,
    /// Reloads since start-up (each applied or refused).
    pub reloads: u64,
    /// The outcome of the last load: what it applied, or why it was refused (the configuration
    /// in force is then the last good one).
    pub last: String,
    /// Whether the last load was refused.
    pub last_refused: bool,
}

/// Why the configuration file could not be followed.
#[derive(Debug, thiserror::Error)]
pub enum LiveConfigError {
    /// The SIGHUP handler or the reload thread could not be set up.
    #[error("cannot follow {path}: {source}")]
    Follow {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// Applies the file named by `WAIT_OR_DIE_CONFIG`, if any, and follows it: SIGHUP (or a change
/// of the file) re-reads it. Returns the start-up outcome as a line for the operator, `None`
/// when no file is named. A refused file is an outcome, not an error: the gateway serves on.
///
/// ```no_run
/// if let Some(line) = gateway_example::live_config::follow_from_env()? {
///     println!("{line}");
/// }
/// # Ok::<(), gateway_example::live_config::LiveConfigError>(())
/// ```
pub fn follow_from_env() -> Result<Option<String>, LiveConfigError> {
    let path = match std::env::var_os(config::ENV_VAR) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => return Ok(None),
    };
    let startup = config::load(&path)
        .map(|report| report.to_string())
        .map_err(|refused| refused.to_string());
    let reloader = config::reload_on_sighup(&path).map_err(|source| LiveConfigError::Follow {
        path: path.display().to_string(),
        source,
    })?;
    let line = match &startup {
        Ok(applied) => applied.clone(),
        Err(refused) => format!("{refused} (serving with the compiled-in policies)"),
    };
    let _ = FOLLOWED.set(Followed {
        path,
        startup,
        reloader,
    });
    Ok(Some(line))
}

/// The file followed and the outcome of its last load; `None` when none is followed.
///
/// See [`ConfigStatus`] for an example.
pub fn status() -> Option<ConfigStatus> {
    let followed = FOLLOWED.get()?;
    let last = match followed.reloader.last() {
        Some(outcome) => outcome
            .map(|report| report.to_string())
            .map_err(|e| e.to_string()),
        None => followed.startup.clone(),
    };
    Some(ConfigStatus {
        path: followed.path.display().to_string(),
        reloads: followed.reloader.reloads(),
        last_refused: last.is_err(),
        last: last.unwrap_or_else(|refused| refused),
    })
}
