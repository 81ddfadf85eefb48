//! Why an override was refused.

use crate::policy::PolicyError;

/// Why [`control`](crate::control) refused a change; nothing of a refused change is applied.
///
/// ```
/// use wait_or_die::control::{self, ControlError, Override};
///
/// let err = control::set("no.such.site", Override::new().max_retries(1)).unwrap_err();
/// assert!(matches!(err, ControlError::UnknownSite { .. }));
/// assert!(err.to_string().starts_with("no site is named `no.such.site`"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// No registered site has this name.
    #[error("no site is named `{name}`{}; `wait_or_die::stats::sites()` lists them", did_you_mean(*.suggestion))]
    UnknownSite {
        /// The name given.
        name: String,
        /// A registered site whose name is close to it.
        suggestion: Option<&'static str>,
    },
    /// The override would make the site's policy invalid.
    #[error("the override of `{site}` makes an invalid policy: {error}")]
    InvalidPolicy {
        /// The site's name.
        site: String,
        /// The rule the resulting policy breaks.
        error: PolicyError,
    },
    /// The override turns the retry budget off and sets one of its numbers.
    #[error("the override of `{site}` turns the retry budget off and sets `{setting}`: keep one of them")]
    BudgetOffAndSet {
        /// The site's name.
        site: String,
        /// The budget setting given with `budget = "none"`.
        setting: &'static str,
    },
    /// The override turns the circuit breaker off and sets one of its settings.
    #[error("the override of `{site}` turns the circuit breaker off and sets `{setting}`: keep one of them")]
    BreakerOffAndSet {
        /// The site's name.
        site: String,
        /// The breaker setting given with `breaker = false`.
        setting: &'static str,
    },
    /// The override sets a circuit breaker setting for a site that has no breaker.
    #[error("the override of `{site}` sets `{setting}`, but the site has no circuit breaker: give it one with `breaker = true` or `breaker = \"NAME\"`")]
    NoBreakerToSet {
        /// The site's name.
        site: String,
        /// The breaker setting given.
        setting: &'static str,
    },
    /// A fault-injection share is not a number from 0 to 1.
    #[cfg(feature = "chaos")]
    #[cfg_attr(docsrs, doc(cfg(feature = "chaos")))]
    #[error(
        "the chaos of `{site}` sets `{setting}` to {value}: a share must be a number from 0 to 1"
    )]
    InvalidShare {
        /// The site's name.
        site: String,
        /// The share's name.
        setting: &'static str,
        /// The value given.
        value: f64,
    },
}

impl ControlError {
    /// The setting the error is about, by its name as an override field or config key, when
    /// it is about one.
    ///
    /// ```
    /// use wait_or_die::{control::ControlError, PolicyError};
    ///
    /// let err = ControlError::InvalidPolicy { site: "s".into(), error: PolicyError::ZeroTimeout };
    /// assert_eq!(err.setting(), Some("timeout"));
    /// ```
    pub fn setting(&self) -> Option<&'static str> {
        match self {
            ControlError::UnknownSite { .. } => None,
            ControlError::InvalidPolicy { error, .. } => error.settings().first().copied(),
            ControlError::BudgetOffAndSet { setting, .. }
            | ControlError::BreakerOffAndSet { setting, .. }
            | ControlError::NoBreakerToSet { setting, .. } => Some(setting),
            #[cfg(feature = "chaos")]
            ControlError::InvalidShare { setting, .. } => Some(setting),
        }
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}
