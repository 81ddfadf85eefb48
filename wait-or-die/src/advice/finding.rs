//! What the advice says about a site: its findings, each a change with its evidence, a note,
//! or "not enough data", and how they read as text.

use core::fmt;
use core::time::Duration;

use super::show;

/// A setting the advice changes, from the value in force to the advised one.
///
/// See the [module's example](super).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// `max_retries`: retries after the first attempt.
    MaxRetries {
        /// In force.
        from: u32,
        /// Advised.
        to: u32,
    },
    /// `timeout`: the total budget of a call.
    Timeout {
        /// In force (`None`: no budget).
        from: Option<Duration>,
        /// Advised.
        to: Duration,
    },
}

/// One thing the numbers show about a site.
///
/// ```
/// use wait_or_die::advice::Finding;
/// let f = Finding::NotEnoughData { retried: 3, recovered: 1, needed: 100 };
/// assert!(f.to_string().starts_with("not enough data"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// Too few calls for the rules to speak; no setting is advised.
    NotEnoughData {
        /// Calls that retried and then ended (recovered or died).
        retried: u64,
        /// Of them, calls that recovered.
        recovered: u64,
        /// Calls each rule needs ([`MIN_SAMPLES`](crate::advice::MIN_SAMPLES)).
        needed: u64,
    },
    /// A setting to change, and the evidence.
    Change {
        /// The change.
        change: Change,
        /// The numbers behind it.
        evidence: String,
    },
    /// What the numbers show that no setting of this site fixes.
    Note {
        /// The numbers.
        evidence: String,
    },
}

/// The advice for one site: what its record supports, change by change.
///
/// See the [module's example](super).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Advice {
    /// The site's name.
    pub site: String,
    /// Calls that retried and then ended (recovered or died): the sample the rules read.
    pub retried: u64,
    /// Of them, calls that recovered.
    pub recovered: u64,
    /// What the rules found, in the order of the rules; empty when the policy fits the data.
    pub findings: Vec<Finding>,
}

impl Advice {
    /// The settings to change.
    ///
    /// See the [module's example](super).
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.findings.iter().filter_map(|f| match f {
            Finding::Change { change, .. } => Some(change),
            _ => None,
        })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::NotEnoughData {
                retried,
                recovered,
                needed,
            } => write!(
                f,
                "not enough data: {retried} calls retried and ended, {recovered} recovered; \
                 the rules need {needed}"
            ),
            Finding::Change { change, evidence } => write!(f, "{change}: {evidence}"),
            Finding::Note { evidence } => write!(f, "note: {evidence}"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Change::MaxRetries { from, to } => write!(f, "max_retries {from} → {to}"),
            Change::Timeout { from, to } => {
                write!(f, "timeout {} → {}", show::budget(from), show::duration(to))
            }
        }
    }
}

/// One line for the site, then one indented line per finding.
impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} calls retried and ended, {} recovered",
            self.site, self.retried, self.recovered
        )?;
        if self.findings.is_empty() {
            f.write_str("\n  keep the policy: the data supports it")?;
        }
        for finding in &self.findings {
            write!(f, "\n  {finding}")?;
        }
        Ok(())
    }
}
