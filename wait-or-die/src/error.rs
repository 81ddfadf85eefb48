//! What a call that gave up returns: why it stopped, after how many attempts, and the last error.

use core::fmt;
use core::time::Duration;
use std::error::Error as StdError;

/// Which rule ended a call that did not succeed.
///
/// ```
/// use wait_or_die::StopReason;
/// assert_eq!(StopReason::Deadline.as_str(), "deadline");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// Every retry was used.
    Exhausted,
    /// The total budget ran out, or the next wait would have crossed it.
    Deadline,
    /// The error was classified as permanent.
    Permanent,
    /// The last attempt was cancelled by `attempt_timeout` and no retry was left.
    AttemptTimedOut,
    /// The retry budget refused the retry: the site (or the sites sharing its budget) already
    /// retried its share of calls within the window.
    BudgetExhausted,
    /// The attempt failed because a call nested in it (an annotated call run inside the
    /// attempt) already retried and gave up, or itself ended `Nested`: only the layer directly
    /// above a failure retries.
    Nested,
    /// The circuit breaker was open: the call was refused before its first attempt (no attempt
    /// ran, nothing waited, no retry budget spent), or its retry would have found the breaker
    /// open (or half-open with every probe out, or it was itself a probe that failed) and the
    /// call ended at once with its last error.
    BreakerOpen,
}

impl StopReason {
    /// The reason as a stable lowercase word, as logged in the `reason` field.
    ///
    /// ```
    /// assert_eq!(wait_or_die::StopReason::Exhausted.as_str(), "exhausted");
    /// ```
    pub const fn as_str(self) -> &'static str {
        Self::ALL[self.index()].1
    }

    /// Every reason with its word, in the order of [`StopReason::index`].
    const ALL: [(StopReason, &'static str); Self::COUNT] = [
        (StopReason::Exhausted, "exhausted"),
        (StopReason::Deadline, "deadline"),
        (StopReason::Permanent, "permanent"),
        (StopReason::AttemptTimedOut, "attempt_timeout"),
        (StopReason::BudgetExhausted, "budget"),
        (StopReason::Nested, "nested"),
        (StopReason::BreakerOpen, "breaker_open"),
    ];

    /// Every reason, in a stable order: for a table or a metric per reason.
    ///
    /// ```
    /// use wait_or_die::StopReason;
    /// let words: Vec<&str> = StopReason::all().map(StopReason::as_str).collect();
    /// assert_eq!(words[..3], ["exhausted", "deadline", "permanent"]);
    /// ```
    pub fn all() -> impl Iterator<Item = StopReason> {
        Self::ALL.into_iter().map(|(reason, _)| reason)
    }

    /// How many reasons there are.
    pub(crate) const COUNT: usize = 7;

    /// A dense index, for per-reason counters.
    pub(crate) const fn index(self) -> usize {
        match self {
            StopReason::Exhausted => 0,
            StopReason::Deadline => 1,
            StopReason::Permanent => 2,
            StopReason::AttemptTimedOut => 3,
            StopReason::BudgetExhausted => 4,
            StopReason::Nested => 5,
            StopReason::BreakerOpen => 6,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call of the engine's own API that gave up: why, after how many attempts, how long, and the last error.
///
/// `source()` is the last error the operation returned, if any (an attempt cancelled by the
/// deadline returns none).
///
/// ```
/// use wait_or_die::{retry_blocking, Policy, StopReason};
///
/// let policy = Policy::builder().max_retries(2).initial_wait(std::time::Duration::ZERO).build()?;
/// let err = retry_blocking(&policy, || Err::<(), _>("down")).call().unwrap_err();
/// assert_eq!(err.reason(), StopReason::Exhausted);
/// assert_eq!(err.attempts(), 3);
/// assert_eq!(err.last_error(), Some(&"down"));
/// # Ok::<(), wait_or_die::PolicyError>(())
/// ```
#[derive(Debug)]
pub struct RetryError<E> {
    pub(crate) reason: StopReason,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
    pub(crate) last: Option<E>,
}

impl<E> RetryError<E> {
    /// Which rule ended the call.
    ///
    /// See [`RetryError`] for an example.
    pub fn reason(&self) -> StopReason {
        self.reason
    }

    /// How many attempts ran (including one cancelled by a timeout).
    ///
    /// See [`RetryError`] for an example.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the start of the call (or from its first failure, when the policy has no
    /// `timeout` and so no reason to read the clock earlier) until it gave up.
    ///
    /// ```
    /// use wait_or_die::{retry_blocking, Policy};
    /// let err = retry_blocking(&Policy::builder().max_retries(0).build()?, || Err::<(), _>(()))
    ///     .call()
    ///     .unwrap_err();
    /// assert!(err.elapsed() < std::time::Duration::from_secs(1));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The last error the operation returned, if any.
    ///
    /// See [`RetryError`] for an example.
    pub fn last_error(&self) -> Option<&E> {
        self.last.as_ref()
    }

    /// Takes the last error the operation returned, if any.
    ///
    /// ```
    /// use wait_or_die::{retry_blocking, Policy};
    /// let err = retry_blocking(&Policy::builder().max_retries(0).build()?, || Err::<(), _>(7))
    ///     .call()
    ///     .unwrap_err();
    /// assert_eq!(err.into_last_error(), Some(7));
    /// # Ok::<(), wait_or_die::PolicyError>(())
    /// ```
    pub fn into_last_error(self) -> Option<E> {
        self.last
    }
}

impl<E: fmt::Display> fmt::Display for RetryError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wait_or_die: gave up ({}) after {} attempt{} in {:?}",
            self.reason,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" },
            self.elapsed
        )?;
        if let Some(last) = &self.last {
            write!(f, ": {last}")?;
        }
        Ok(())
    }
}

impl<E: StdError + 'static> StdError for RetryError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.last.as_ref().map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn every_reason_has_its_own_index_and_word() {
        for (i, (reason, word)) in StopReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
            assert_eq!(reason.as_str(), *word);
        }
    }

    #[test]
    fn display_names_reason_and_last_error() {
        let e = RetryError {
            reason: StopReason::Deadline,
            attempts: 3,
            elapsed: Duration::from_secs(30),
            last: Some(io::Error::from(io::ErrorKind::ConnectionRefused)),
        };
        let text = e.to_string();
        assert!(
            text.contains("gave up (deadline) after 3 attempts"),
            "{text}"
        );
        assert!(e.source().is_some());
    }
}
