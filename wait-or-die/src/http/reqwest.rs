//! `reqwest` (feature `reqwest`): which of its errors are worth another attempt, its responses
//! classified by the status rules, and the deadline headers on its requests.

use std::error::Error as StdError;

use crate::classify::{Action, Classify};
use crate::current::CurrentCall;
use crate::http::status::HttpClassifier;
use crate::http::wire::Wire;
use crate::tower::{ClassifyResponse, Propagate};

/// The status rules with no `Retry-After` to read: a status error keeps only the code.
const STATUS_RULES: HttpClassifier = HttpClassifier::new();

/// Classifies a [`reqwest::Error`]: connect errors, timeouts and a connection lost while
/// sending or reading are retried; decode, builder, redirect and upgrade errors end the call;
/// a status error (`error_for_status`) follows [`HttpClassifier`]'s rules.
///
/// - **Retried:** `is_connect` (refused, unreachable, DNS), `is_timeout` (reqwest's own
///   `.timeout()` included), `is_request` and `is_body` (the connection broke), and a decode
///   error whose cause is the transport (the body was cut short), since reqwest reports a
///   failed body read as a decode error too.
/// - **Ended:** a decode error of the bytes themselves (not the JSON asked for), a builder
///   error (a bad URL or header), a redirect error (a loop, or more than the policy allows),
///   an upgrade error: asking again sends the same request and gets the same answer.
/// - **Status errors:** 408, 429, 502, 503, 504 retried, other 4xx and 5xx (500 included) end
///   the call. The error keeps no headers, so `Retry-After` is not read here: to honour it,
///   classify the response instead, as [`HttpClassifier`] does for a
///   [`RetryLayer`](crate::tower::RetryLayer) over a `reqwest::Client`.
/// - Anything else is retried, as [`classify_io_error`](crate::classify_io_error) retries
///   unknown kinds: a retry costs less than a lost request.
///
/// ```
/// use wait_or_die::{http::classify_reqwest_error, Action};
///
/// let bad_url = reqwest::Client::new().get("not a url").build().unwrap_err();
/// assert_eq!(classify_reqwest_error(&bad_url), Action::Die);
/// ```
pub fn classify_reqwest_error(error: &reqwest::Error) -> Action {
    if let Some(status) = error.status() {
        return STATUS_RULES
            .by_status(status, &::http::HeaderMap::new())
            .unwrap_or(Action::Die);
    }
    if error.is_connect() || error.is_timeout() || error.is_request() || error.is_body() {
        return Action::Retry;
    }
    if error.is_decode() {
        return if transport_failed(error) {
            Action::Retry
        } else {
            Action::Die
        };
    }
    if error.is_builder() || error.is_redirect() || error.is_upgrade() {
        return Action::Die;
    }
    Action::Retry
}

/// Whether an error's causes include a broken transport: a reqwest body error, a hyper error
/// or an I/O error.
fn transport_failed(error: &reqwest::Error) -> bool {
    let mut cause = error.source();
    while let Some(e) = cause {
        let transport = e.is::<hyper::Error>()
            || e.is::<std::io::Error>()
            || e.downcast_ref::<reqwest::Error>()
                .is_some_and(|e| e.is_body() || e.is_request());
        if transport {
            return true;
        }
        cause = e.source();
    }
    false
}

/// A `reqwest::Response` is classified by its status and `Retry-After` as an `http` one is;
/// errors by the classifier inside (for reqwest, [`classify_reqwest_error`]).
///
/// ```
/// use wait_or_die::{http::{classify_reqwest_error, HttpClassifier}, tower::ClassifyResponse, Action};
///
/// let c = HttpClassifier::new().errors(classify_reqwest_error);
/// let busy = reqwest::Response::from(http::Response::builder().status(503).header("retry-after", "1").body("").unwrap());
/// assert_eq!(c.classify_response(&Ok(busy)), Some(Action::RetryAfter(std::time::Duration::from_secs(1))));
/// ```
impl<C: Classify<reqwest::Error>> ClassifyResponse<reqwest::Response, reqwest::Error>
    for HttpClassifier<C>
{
    fn classify_response(
        &self,
        result: &Result<reqwest::Response, reqwest::Error>,
    ) -> Option<Action> {
        match result {
            Ok(response) => self.by_status(response.status(), response.headers()),
            Err(error) => Some(self.error_action(error)),
        }
    }
}

/// Stamps each attempt's `reqwest::Request` with the call's time left and attempt number, and
/// reads a callee's give-up from the `reqwest::Response`, as for `http` ones.
///
/// ```
/// use wait_or_die::{http::{classify_reqwest_error, HttpClassifier, Wire}, tower::RetryLayer, Policy};
///
/// let client = tower::ServiceBuilder::new()
///     .layer(
///         RetryLayer::new("docs.reqwest", Policy::DEFAULT)
///             .clone_request(reqwest::Request::try_clone)
///             .classify(HttpClassifier::new().errors(classify_reqwest_error))
///             .propagate(Wire::Http),
///     )
///     .service(reqwest::Client::new());
/// # let _ = client;
/// ```
impl Propagate<reqwest::Request, reqwest::Response> for Wire {
    #[inline]
    fn stamp(&self, request: &mut reqwest::Request, call: &CurrentCall) {
        self.write(request.headers_mut(), call.remaining(), call.attempt());
    }

    #[inline]
    fn gave_up(&self, response: &reqwest::Response) -> bool {
        self.reads_gave_up(response.headers())
    }
}
