//! HTTP for the tower layer (feature `http`): ready classification by status and
//! `Retry-After`, and deadlines and give-ups carried across processes in headers.
//!
//! - [`HttpClassifier`]: 408, 429, 502, 503, 504 retried (no sooner than `Retry-After`),
//!   other 4xx and 5xx (500 included: see why there) end the call.
//! - [`Wire`]: the headers. A client [`RetryLayer`](crate::tower::RetryLayer) with
//!   `.propagate(Wire::Http)` writes each attempt's time left (`wait-or-die-timeout-ms`) and
//!   number (`wait-or-die-attempt`); gRPC uses `grpc-timeout` and `grpc-previous-rpc-attempts`.
//! - With feature `reqwest`: [`classify_reqwest_error`] for `#[wait_or_die]` functions that
//!   call reqwest (connect errors and timeouts retried, decode errors ended, statuses as
//!   above), and [`HttpClassifier`] and [`Wire`] for a [`RetryLayer`](crate::tower::RetryLayer)
//!   over a `reqwest::Client`.
//! - [`DeadlineLayer`]: on the server, caps every annotated call made while handling a
//!   request by the caller's deadline, and answers `wait-or-die-pushback-ms: -1` (gRPC A6's
//!   `grpc-retry-pushback-ms` with a negative value) when such a call gave up after retrying;
//!   the calling layer then does not retry, as with a nested give-up in-process.
//!
//! ```
//! use std::time::Duration;
//! use wait_or_die::{http::{HttpClassifier, Wire}, tower::RetryLayer, Policy};
//!
//! let policy = Policy::builder().max_retries(3).timeout(Duration::from_secs(2)).build()?;
//! let layer = RetryLayer::new("docs.http.client", policy)
//!     .classify(HttpClassifier::new())
//!     .propagate(Wire::Http);
//! # let _ = layer;
//! # Ok::<(), wait_or_die::PolicyError>(())
//! ```

mod inbound;
#[cfg(feature = "reqwest")]
mod reqwest;
mod retry_after;
mod status;
mod wire;

#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use self::reqwest::classify_reqwest_error;
pub use inbound::{DeadlineFuture, DeadlineLayer, DeadlineService, DEFAULT_MAX_INBOUND_TIMEOUT};
pub use retry_after::retry_after;
pub use status::{HttpClassifier, DEFAULT_MAX_RETRY_AFTER};
pub use wire::{
    Wire, ATTEMPT, GRPC_PREVIOUS_ATTEMPTS, GRPC_PUSHBACK_MS, GRPC_TIMEOUT, PUSHBACK_MS, TIMEOUT_MS,
};
