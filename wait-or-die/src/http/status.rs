//! Ready classification of HTTP answers: by status, with `Retry-After` as a wait hint.

use core::time::Duration;
use std::time::SystemTime;

use ::http::{header, HeaderMap, Response, StatusCode};

use crate::classify::{Action, Classify, RetryAll};
use crate::http::retry_after::retry_after;
use crate::tower::ClassifyResponse;

/// The longest `Retry-After` a call waits for by default; a server asking for longer ends
/// the call (see [`HttpClassifier::max_retry_after`]).
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Classifies HTTP answers: 408, 429, 502, 503 and 504 are retried (no sooner than their
/// `Retry-After`), other 4xx and 5xx end the call, 1xx–3xx are done; errors go to the
/// [`Classify`] inside (every error retried by default: a refused or reset connection).
///
/// **500 is not retried by default.** gRPC maps it to `INTERNAL`, which A6's retry configs
/// leave out, and Envoy's `gateway-error` retries 502/503/504 but not 500: a 500 says the
/// handler itself failed, most often the same way for the same request, and retrying it
/// multiplies the load on a server that is already failing. Polly's
/// `HandleTransientHttpError` and Envoy's `5xx` do retry it: opt in with
/// [`retry_500`](HttpClassifier::retry_500) for a server whose 500s are known transient.
///
/// `Retry-After` (delta-seconds or an HTTP-date) is a wait hint the engine honours within
/// the call's budget: a wait that would cross the deadline ends the call at once. A hint
/// longer than [`max_retry_after`](HttpClassifier::max_retry_after) ends the call too (the
/// server asked not to be called again that soon); a malformed or past one is ignored.
///
/// ```
/// use http::Response;
/// use wait_or_die::{http::HttpClassifier, tower::ClassifyResponse, Action};
///
/// let c = HttpClassifier::new();
/// let answer = |status: u16, after: Option<&str>| {
///     let mut r = Response::builder().status(status);
///     if let Some(a) = after { r = r.header("retry-after", a); }
///     c.classify_response(&Ok::<_, ()>(r.body(()).unwrap()))
/// };
/// assert_eq!(answer(200, None), None);
/// assert_eq!(answer(503, Some("2")), Some(Action::RetryAfter(std::time::Duration::from_secs(2))));
/// assert_eq!(answer(429, Some("soon")), Some(Action::Retry));
/// assert_eq!(answer(404, None), Some(Action::Die));
/// assert_eq!(answer(500, None), Some(Action::Die));
/// assert_eq!(answer(503, Some("3600")), Some(Action::Die));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HttpClassifier<C = RetryAll> {
    errors: C,
    max_retry_after: Duration,
    retry_500: bool,
}

impl HttpClassifier {
    /// Statuses as above, every error retried, `Retry-After` up to [`DEFAULT_MAX_RETRY_AFTER`].
    ///
    /// See [`HttpClassifier`] for an example.
    pub const fn new() -> Self {
        HttpClassifier {
            errors: RetryAll,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            retry_500: false,
        }
    }
}

impl Default for HttpClassifier {
    fn default() -> Self {
        HttpClassifier::new()
    }
}

impl<C> HttpClassifier<C> {
    /// Classifies errors (no response) with `errors` instead of retrying them all.
    ///
    /// ```
    /// use wait_or_die::{http::HttpClassifier, tower::ClassifyResponse, Action};
    ///
    /// let c = HttpClassifier::new().errors(|_: &&str| Action::Die);
    /// assert_eq!(c.classify_response(&Err::<http::Response<()>, _>("decode")), Some(Action::Die));
    /// ```
    pub fn errors<C2>(self, errors: C2) -> HttpClassifier<C2> {
        HttpClassifier {
            errors,
            max_retry_after: self.max_retry_after,
            retry_500: self.retry_500,
        }
    }

    /// The longest `Retry-After` honoured: a longer one ends the call.
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = wait_or_die::http::HttpClassifier::new().max_retry_after(Duration::from_secs(5));
    /// # let _ = c;
    /// ```
    pub const fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Retries 500 Internal Server Error too (see [`HttpClassifier`] for why it is not by default).
    ///
    /// ```
    /// use wait_or_die::{http::HttpClassifier, tower::ClassifyResponse, Action};
    ///
    /// let c = HttpClassifier::new().retry_500();
    /// let r = http::Response::builder().status(500).body(()).unwrap();
    /// assert_eq!(c.classify_response(&Ok::<_, ()>(r)), Some(Action::Retry));
    /// ```
    pub const fn retry_500(mut self) -> Self {
        self.retry_500 = true;
        self
    }

    /// The action for an error (no answer), by the classifier of errors.
    pub(crate) fn error_action<E>(&self, error: &E) -> Action
    where
        C: Classify<E>,
    {
        self.errors.classify(error)
    }

    /// The action for an answer with `status` and `headers` (`None`: the call is done); a
    /// retried status waits for the headers' `Retry-After`, if any.
    pub(crate) fn by_status(&self, status: StatusCode, headers: &HeaderMap) -> Option<Action> {
        let retried = matches!(
            status,
            StatusCode::REQUEST_TIMEOUT
                | StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
        ) || (self.retry_500 && status == StatusCode::INTERNAL_SERVER_ERROR);
        if retried {
            return Some(self.hinted(headers));
        }
        (status.is_client_error() || status.is_server_error()).then_some(Action::Die)
    }

    fn hinted(&self, headers: &HeaderMap) -> Action {
        let hint = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| retry_after(v.as_bytes(), SystemTime::now()));
        match hint {
            None => Action::Retry,
            Some(wait) if wait > self.max_retry_after => Action::Die,
            Some(wait) => Action::RetryAfter(wait),
        }
    }
}

impl<B, E, C: Classify<E>> ClassifyResponse<Response<B>, E> for HttpClassifier<C> {
    fn classify_response(&self, result: &Result<Response<B>, E>) -> Option<Action> {
        match result {
            Ok(response) => self.by_status(response.status(), response.headers()),
            Err(error) => Some(self.error_action(error)),
        }
    }
}
