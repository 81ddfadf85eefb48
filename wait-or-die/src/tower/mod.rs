//! A tower [`Layer`](tower_layer::Layer) that runs a [`Service`](tower_service::Service)
//! under a site's policy (feature `tower`).
//!
//! [`RetryLayer`] is built from a [`Policy`](crate::Policy) and a site name; every call of the
//! service under it is one call of the engine ([`retry`](crate::retry)) at that site, so the
//! deadline, the retries, the retry budget, the operators' overrides and kill switch, config
//! and metrics all apply by that name, as for an annotated function. Its future is `Send`
//! when the service's future, request and response are.
//!
//! - **Requests are copied per attempt**, with `Clone` or a function of yours
//!   ([`CloneRequest`], as tower's `Policy::clone_request`). A request that cannot be copied
//!   (a streaming body) is sent once and never retried: unlike gRPC A6's replay buffer, the
//!   layer keeps no copy of a body it cannot clone, so buffer the body first
//!   (`http_body_util::Full`, `Bytes`) to make a request retryable.
//! - **Answers are classified whole** ([`ClassifyResponse`] on `Result<Response, Error>`), so
//!   a 503 response is retried like a refused connection; when the call gives up on a
//!   response, the caller gets that response.
//! - **Deadlines and give-ups cross the wire** with a [`Propagate`] (feature `http`:
//!   [`Wire`](crate::http::Wire)): each attempt's request carries the time left and the
//!   attempt number, and a response saying the callee gave up after retrying ends the call
//!   as a nested give-up ([`StopReason::Nested`](crate::StopReason::Nested)).
//!
//! Errors are boxed ([`BoxError`], as tower's own middleware do); a call the deadline cut
//! before any answer ends with an [`EngineError`](crate::EngineError).

mod classify;
mod future;
mod layer;
mod service;
mod stamp;

pub use classify::{ClassifyResponse, ErrorsOnly};
pub use future::{AttemptFuture, ByAction, Failed, ResponseFuture};
pub use layer::RetryLayer;
pub use service::{CloneRequest, Cloned, RetryService, ServiceAttempts};
pub use stamp::Propagate;

/// The error of a [`RetryService`]: the service's own, boxed, or an
/// [`EngineError`](crate::EngineError).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
