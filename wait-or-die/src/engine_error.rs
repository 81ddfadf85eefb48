//! The one error the engine makes itself, rather than the operation: a deadline that cut an
//! attempt off, an injected fault, a circuit breaker that refused the call, and the kinds that
//! follow. A user's error type converts from it once.

use core::fmt;
use std::error::Error as StdError;
use std::io;

/// A failure the engine made, rather than the operation: why a call or attempt ended without
/// the operation's own error.
///
/// The `#[wait_or_die]` attribute turns it into the function's error type with `From`, so a
/// user's error needs one conversion, whatever kinds the engine adds later:
/// `impl From<wait_or_die::EngineError> for MyError`. [`std::io::Error`] (kind `EngineError` for
/// the timeouts, `Other` for the rest) and `Box<dyn Error + Send + Sync>` already have it. For
/// an error type of another crate, which cannot be given that impl, see the attribute's
/// `on_timeout = "last_error"`.
///
/// ```
/// use std::io;
/// use wait_or_die::{EngineError, EngineErrorKind};
///
/// let err: io::Error = EngineError::deadline().into();
/// assert_eq!(err.kind(), io::ErrorKind::TimedOut);
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> = EngineError::injected().into();
/// let engine = boxed.downcast_ref::<EngineError>().unwrap();
/// assert_eq!(engine.kind(), EngineErrorKind::Injected);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EngineError {
    kind: EngineErrorKind,
}

/// What the engine stopped: the kinds of [`EngineError`].
///
/// ```
/// use wait_or_die::{EngineError, EngineErrorKind};
/// assert_eq!(EngineError::attempt_timeout().kind(), EngineErrorKind::AttemptTimeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EngineErrorKind {
    /// The call's total budget (`timeout`) ran out during an attempt, which was dropped.
    Deadline,
    /// The attempt's own budget (`attempt_timeout`) ran out, and the attempt was dropped.
    AttemptTimeout,
    /// Fault injection (feature `chaos`) made the attempt fail without running it.
    Injected,
    /// The site's circuit breaker is open: the call ran no attempt.
    BreakerOpen,
}

impl EngineError {
    /// The call's total budget ran out during an attempt.
    ///
    /// ```
    /// assert!(wait_or_die::EngineError::deadline().is_timeout());
    /// ```
    pub const fn deadline() -> Self {
        Self::of(EngineErrorKind::Deadline)
    }

    /// The attempt's own budget (`attempt_timeout`) ran out.
    ///
    /// ```
    /// assert!(wait_or_die::EngineError::attempt_timeout().is_timeout());
    /// ```
    pub const fn attempt_timeout() -> Self {
        Self::of(EngineErrorKind::AttemptTimeout)
    }

    /// Fault injection made the attempt fail.
    ///
    /// ```
    /// assert!(!wait_or_die::EngineError::injected().is_timeout());
    /// ```
    pub const fn injected() -> Self {
        Self::of(EngineErrorKind::Injected)
    }

    /// The site's circuit breaker refused the call.
    ///
    /// ```
    /// use wait_or_die::{EngineError, EngineErrorKind};
    /// assert_eq!(EngineError::breaker_open().kind(), EngineErrorKind::BreakerOpen);
    /// ```
    pub const fn breaker_open() -> Self {
        Self::of(EngineErrorKind::BreakerOpen)
    }

    const fn of(kind: EngineErrorKind) -> Self {
        EngineError { kind }
    }

    /// What the engine stopped.
    ///
    /// See [`EngineError`] for an example.
    pub const fn kind(&self) -> EngineErrorKind {
        self.kind
    }

    /// Whether a timeout (the call's or the attempt's) cut an attempt off.
    ///
    /// ```
    /// assert!(!wait_or_die::EngineError::breaker_open().is_timeout());
    /// ```
    pub const fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            EngineErrorKind::Deadline | EngineErrorKind::AttemptTimeout
        )
    }

    /// The error as it would be found inside an [`io::Error`] or a boxed error, if it is one.
    ///
    /// ```
    /// use std::io;
    /// use wait_or_die::EngineError;
    ///
    /// let err: io::Error = EngineError::breaker_open().into();
    /// assert_eq!(EngineError::find(&err), Some(EngineError::breaker_open()));
    /// assert_eq!(EngineError::find(&io::Error::other("down")), None);
    /// ```
    pub fn find(error: &(dyn StdError + 'static)) -> Option<EngineError> {
        let mut next = Some(error);
        while let Some(error) = next {
            if let Some(engine) = error.downcast_ref::<EngineError>() {
                return Some(*engine);
            }
            if let Some(inner) = error
                .downcast_ref::<io::Error>()
                .and_then(|io| io.get_ref())
            {
                if let Some(engine) = inner.downcast_ref::<EngineError>() {
                    return Some(*engine);
                }
            }
            next = error.source();
        }
        None
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            EngineErrorKind::Deadline => "wait_or_die: call timed out (total budget spent)",
            EngineErrorKind::AttemptTimeout => "wait_or_die: attempt timed out",
            EngineErrorKind::Injected => "wait_or_die: injected fault (chaos)",
            EngineErrorKind::BreakerOpen => "wait_or_die: circuit breaker open (no attempt ran)",
        })
    }
}

impl StdError for EngineError {}

impl From<EngineError> for io::Error {
    fn from(error: EngineError) -> io::Error {
        let kind = if error.is_timeout() {
            io::ErrorKind::TimedOut
        } else {
            io::ErrorKind::Other
        };
        io::Error::new(kind, error)
    }
}

// `Box<dyn Error + Send + Sync>` and `Box<dyn Error>` get `From<EngineError>` from std's blanket impl.

/// An error type that can carry a failure the engine made; it exists for its compile error.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry a failure the engine makes: it needs `From<wait_or_die::EngineError>`",
    label = "the call's deadline may cut an attempt off, or its circuit breaker refuse the call, and the call must then return an error of this type",
    note = "if `{Self}` is defined in your crate, add `impl From<wait_or_die::EngineError> for {Self}`; `std::io::Error` and `Box<dyn Error + Send + Sync>` already have it",
    note = "if `{Self}` belongs to another crate (the orphan rule forbids that impl), write `on_timeout = \"last_error\"` (with no `breaker`): the deadline still holds, and a call cut off returns its last real error"
)]
pub trait FromEngineError: From<EngineError> {}

impl<E: From<EngineError>> FromEngineError for E {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_conversion_keeps_kind_and_message() {
        let e: io::Error = EngineError::attempt_timeout().into();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(e.to_string().contains("attempt timed out"));
        let e: io::Error = EngineError::injected().into();
        assert_eq!(e.kind(), io::ErrorKind::Other);
        assert!(e.to_string().contains("injected fault"));
    }

    #[test]
    fn find_looks_through_sources() {
        #[derive(Debug)]
        struct Wrapper(io::Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("wrapper")
            }
        }
        impl StdError for Wrapper {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = Wrapper(EngineError::deadline().into());
        assert_eq!(EngineError::find(&wrapped), Some(EngineError::deadline()));
    }

    #[test]
    fn every_kind_has_its_own_message() {
        let kinds = [
            EngineError::deadline(),
            EngineError::attempt_timeout(),
            EngineError::injected(),
            EngineError::breaker_open(),
        ];
        let mut texts: Vec<String> = kinds.iter().map(ToString::to_string).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), kinds.len());
    }
}
