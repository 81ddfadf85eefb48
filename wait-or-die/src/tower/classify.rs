//! Deciding, from what a service answered (a response or an error), whether the call is done
//! or the attempt failed and how: a 503 response is as much a failure as a refused connection.

use crate::classify::{Action, Classify};

/// Classifies what a service answered: `None` when the call is done with it, or the
/// [`Action`] for a failed attempt.
///
/// A response classified as a failure is retried like an error; when the call gives up, the
/// caller gets that last response back (`Ok`), as it would without the layer. An error
/// classified `None` is final too, like [`Action::Die`].
///
/// Implemented for every `Fn(&Result<Resp, E>) -> Option<Action>` and for [`ErrorsOnly`].
///
/// ```
/// use wait_or_die::tower::ClassifyResponse;
/// use wait_or_die::Action;
///
/// let by_code = |r: &Result<u16, ()>| match r {
///     Ok(503) | Err(_) => Some(Action::Retry),
///     Ok(_) => None,
/// };
/// assert_eq!(by_code.classify_response(&Ok(503)), Some(Action::Retry));
/// assert_eq!(by_code.classify_response(&Ok(200)), None);
/// ```
pub trait ClassifyResponse<Resp, E> {
    /// `None` when `result` ends the call as it is; otherwise what to do after the failed attempt.
    fn classify_response(&self, result: &Result<Resp, E>) -> Option<Action>;
}

impl<Resp, E, F: Fn(&Result<Resp, E>) -> Option<Action>> ClassifyResponse<Resp, E> for F {
    #[inline]
    fn classify_response(&self, result: &Result<Resp, E>) -> Option<Action> {
        self(result)
    }
}

/// Every response ends the call; errors are classified by the [`Classify`] inside (the
/// layer's default is [`RetryAll`](crate::RetryAll): every error is retried).
///
/// ```
/// use wait_or_die::tower::{ClassifyResponse, ErrorsOnly};
/// use wait_or_die::{classify_io_error, Action};
/// use std::io::{Error, ErrorKind};
///
/// let c = ErrorsOnly(classify_io_error);
/// assert_eq!(c.classify_response(&Ok::<_, Error>(())), None);
/// assert_eq!(c.classify_response(&Err::<(), _>(Error::from(ErrorKind::ConnectionReset))), Some(Action::Retry));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorsOnly<C>(pub C);

impl<Resp, E, C: Classify<E>> ClassifyResponse<Resp, E> for ErrorsOnly<C> {
    #[inline]
    fn classify_response(&self, result: &Result<Resp, E>) -> Option<Action> {
        result.as_ref().err().map(|e| self.0.classify(e))
    }
}
