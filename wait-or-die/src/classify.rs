//! Deciding, from an error, whether to retry, retry no sooner than a hint, or die now.

use core::time::Duration;
use std::io;

/// What to do after an attempt failed with an error.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::Action;
///
/// let throttled = Action::RetryAfter(Duration::from_secs(2));
/// assert!(throttled.is_retry());
/// assert!(!Action::Die.is_retry());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Wait as the policy says, then try again.
    Retry,
    /// Try again, but wait at least this long (a server's "retry after"); still within the budget.
    RetryAfter(Duration),
    /// The error is permanent: return it now, without waiting.
    Die,
}

impl Action {
    /// Whether another attempt may follow.
    ///
    /// ```
    /// assert!(wait_or_die::Action::Retry.is_retry());
    /// ```
    pub const fn is_retry(self) -> bool {
        !matches!(self, Action::Die)
    }
}

impl From<bool> for Action {
    /// `true` retries and `false` dies: what a `retry_if` predicate's answer means.
    ///
    /// ```
    /// use wait_or_die::Action;
    /// assert_eq!(Action::from(true), Action::Retry);
    /// assert_eq!(Action::from(false), Action::Die);
    /// ```
    fn from(retry: bool) -> Action {
        if retry {
            Action::Retry
        } else {
            Action::Die
        }
    }
}

/// Classifies the errors of an operation.
///
/// Implemented for every `Fn(&E) -> Action`, for [`RetryAll`] (the default) and for [`RetryIf`].
///
/// ```
/// use wait_or_die::{Action, Classify};
///
/// let by_code = |code: &u16| if *code == 429 { Action::Retry } else { Action::Die };
/// assert_eq!(by_code.classify(&429), Action::Retry);
/// assert_eq!(by_code.classify(&404), Action::Die);
/// ```
pub trait Classify<E: ?Sized> {
    /// What to do after `error`.
    fn classify(&self, error: &E) -> Action;
}

impl<E: ?Sized, F: Fn(&E) -> Action> Classify<E> for F {
    fn classify(&self, error: &E) -> Action {
        self(error)
    }
}

/// Retries every error: the default, as in the seed.
///
/// ```
/// use wait_or_die::{Action, Classify, RetryAll};
/// assert_eq!(RetryAll.classify(&"anything"), Action::Retry);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryAll;

impl<E: ?Sized> Classify<E> for RetryAll {
    #[inline]
    fn classify(&self, _: &E) -> Action {
        Action::Retry
    }
}

/// Classifies with a function of the error (`retry_if = path`): one that answers `bool`
/// retries on `true` and dies on `false`; one that answers [`Action`] can also give a hint.
///
/// ```
/// use std::time::Duration;
/// use wait_or_die::{Action, Classify, RetryIf};
///
/// let transient = RetryIf(|code: &u16| *code >= 500);
/// assert_eq!(transient.classify(&503), Action::Retry);
/// assert_eq!(transient.classify(&400), Action::Die);
///
/// let throttled = RetryIf(|code: &u16| match code {
///     429 => Action::RetryAfter(Duration::from_secs(1)),
///     500.. => Action::Retry,
///     _ => Action::Die,
/// });
/// assert_eq!(throttled.classify(&429), Action::RetryAfter(Duration::from_secs(1)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RetryIf<P>(pub P);

impl<E: ?Sized, P: Fn(&E) -> R, R: Into<Action>> Classify<E> for RetryIf<P> {
    fn classify(&self, error: &E) -> Action {
        (self.0)(error).into()
    }
}

/// Classifies an I/O error by kind: timeouts, resets, refusals and interrupts are transient;
/// permission, invalid input and the like are permanent.
///
/// Unknown kinds (`Other` and future ones) are retried: a retry costs less than a lost request.
///
/// ```
/// use std::io::{Error, ErrorKind};
/// use wait_or_die::{classify_io_error, Action};
///
/// assert_eq!(classify_io_error(&Error::from(ErrorKind::ConnectionReset)), Action::Retry);
/// assert_eq!(classify_io_error(&Error::from(ErrorKind::PermissionDenied)), Action::Die);
/// ```
pub fn classify_io_error(error: &io::Error) -> Action {
    use io::ErrorKind::*;
    match error.kind() {
        // Asking again cannot change these: the request, the path or the resource is wrong.
        PermissionDenied | NotFound | InvalidInput | InvalidData | Unsupported | AlreadyExists
        | AddrInUse | AddrNotAvailable | OutOfMemory | IsADirectory | NotADirectory
        | ReadOnlyFilesystem | InvalidFilename | FileTooLarge | DirectoryNotEmpty
        | CrossesDevices | TooManyLinks | ArgumentListTooLong | NotSeekable => Action::Die,
        _ => Action::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io::ErrorKind;

    #[test]
    fn io_transient_kinds_retry() {
        for kind in [
            ErrorKind::TimedOut,
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionRefused,
            ErrorKind::ConnectionAborted,
            ErrorKind::Interrupted,
            ErrorKind::WouldBlock,
            ErrorKind::BrokenPipe,
            ErrorKind::UnexpectedEof,
        ] {
            assert_eq!(classify_io_error(&kind.into()), Action::Retry, "{kind:?}");
        }
    }

    #[test]
    fn io_permanent_kinds_die() {
        for kind in [
            ErrorKind::PermissionDenied,
            ErrorKind::InvalidInput,
            ErrorKind::NotFound,
            ErrorKind::Unsupported,
            ErrorKind::IsADirectory,
            ErrorKind::NotADirectory,
            ErrorKind::ReadOnlyFilesystem,
            ErrorKind::InvalidFilename,
            ErrorKind::FileTooLarge,
            ErrorKind::DirectoryNotEmpty,
            ErrorKind::CrossesDevices,
            ErrorKind::TooManyLinks,
            ErrorKind::ArgumentListTooLong,
            ErrorKind::NotSeekable,
        ] {
            assert_eq!(classify_io_error(&kind.into()), Action::Die, "{kind:?}");
        }
    }

    #[test]
    fn retry_if_follows_predicate() {
        let c = RetryIf(|e: &i32| *e > 0);
        assert_eq!(c.classify(&1), Action::Retry);
        assert_eq!(c.classify(&-1), Action::Die);
    }
}
