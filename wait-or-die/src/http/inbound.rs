//! The server side: a layer that reads the caller's deadline and attempt number from each
//! request, and runs the handler as if it were an attempt of the caller's call, so that every
//! annotated call made while handling the request is capped by that deadline (no attempt
//! starts after it) exactly as a nested call is in-process; and that marks the response when
//! such a call gave up after retrying, so that the caller does not retry it again.

use core::future::Future;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use core::time::Duration;
use std::time::Instant;

use ::http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::current::{Cap, Frame, Limits};
use crate::http::wire::Wire;
use crate::policy::Policy;
use crate::site::Site;

/// The longest deadline a caller is trusted with by default; a longer one is cut to it.
pub const DEFAULT_MAX_INBOUND_TIMEOUT: Duration = Duration::from_secs(60);

/// What a handler runs under: no timeout of its own and no retries, only the caller's deadline.
static HANDLER: Policy = Policy::builder().max_retries(0).no_timeout().build_const();

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// A tower [`Layer`] for servers: the handler of each request runs capped by the deadline
/// the caller sent (at most [`max_timeout`](DeadlineLayer::max_timeout)), and a response whose
/// handler's annotated call gave up after retrying says so ([`Wire::write_gave_up`]).
///
/// A request that arrives with no time left is answered 504 at once, without running the
/// handler. Inside the handler, [`current`](crate::current) names the layer and gives the
/// caller's attempt number and the time left. Only calls made in the handler's own task are
/// capped; a task it spawns is not.
///
/// ```
/// use wait_or_die::http::{DeadlineLayer, Wire};
///
/// let layer = DeadlineLayer::new("orders.inbound").wire(Wire::Http);
/// # let _ = layer;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DeadlineLayer {
    site: &'static Site,
    max: Duration,
    wire: Wire,
}

impl DeadlineLayer {
    /// A layer reading plain HTTP headers, trusting deadlines up to
    /// [`DEFAULT_MAX_INBOUND_TIMEOUT`]; `name` is what [`current`](crate::current) reports as
    /// the site inside the handler.
    ///
    /// See [`DeadlineLayer`] for an example.
    pub fn new(name: &str) -> Self {
        let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        DeadlineLayer {
            site: Box::leak(Box::new(Site::new(name).with_policy(&HANDLER))),
            max: DEFAULT_MAX_INBOUND_TIMEOUT,
            wire: Wire::Http,
        }
    }

    /// Cuts a caller's deadline to `max`: a caller is never trusted beyond it.
    ///
    /// ```
    /// let layer = wait_or_die::http::DeadlineLayer::new("docs.in").max_timeout(std::time::Duration::from_secs(5));
    /// # let _ = layer;
    /// ```
    pub const fn max_timeout(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// Reads and writes `wire`'s headers (plain HTTP by default).
    ///
    /// See [`DeadlineLayer`] for an example.
    pub const fn wire(mut self, wire: Wire) -> Self {
        self.wire = wire;
        self
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = DeadlineService<S>;

    fn layer(&self, inner: S) -> DeadlineService<S> {
        DeadlineService {
            inner,
            layer: *self,
        }
    }
}

/// The service of a [`DeadlineLayer`].
///
/// See [`DeadlineLayer`] for an example.
#[derive(Debug, Clone)]
pub struct DeadlineService<S> {
    inner: S,
    layer: DeadlineLayer,
}

impl<S, B, R> Service<Request<B>> for DeadlineService<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = DeadlineFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let arrived = now();
        let (left, attempt) = self.layer.wire.read(request.headers());
        let left = left.map(|left| {
            if left > self.layer.max {
                tracing::debug!(target: "wait_or_die", ?left, max = ?self.layer.max, "wait_or_die: inbound deadline cut to the maximum");
            }
            left.min(self.layer.max)
        });
        let expired = left.is_some_and(|left| left.is_zero());
        DeadlineFuture {
            handler: (!expired).then(|| self.inner.call(request)),
            deadline: left.and_then(|left| arrived.checked_add(left)),
            arrived,
            attempt,
            layer: self.layer,
            gave_up: false,
        }
    }
}

pin_project! {
    /// The future of a [`DeadlineService`]: the handler, run under the caller's deadline.
    #[derive(Debug)]
    pub struct DeadlineFuture<F> {
        // `None` when the request came with no time left.
        #[pin]
        handler: Option<F>,
        deadline: Option<Instant>,
        arrived: Instant,
        attempt: u32,
        layer: DeadlineLayer,
        gave_up: bool,
    }
}

impl<F, R, E> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response<R>, E>>,
    R: Default,
{
    type Output = Result<Response<R>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(handler) = this.handler.as_pin_mut() else {
            let mut late = Response::new(R::default());
            *late.status_mut() = StatusCode::GATEWAY_TIMEOUT;
            return Poll::Ready(Ok(late));
        };
        // Published for this poll only (the task may move threads between polls), as the
        // engine publishes an attempt's frame.
        let limits = Limits {
            anchor: Some(*this.arrived),
            cap: Cap::Known(*this.deadline),
            attempt_limit: None,
        };
        let frame = Frame::new(
            this.layer.site,
            (&HANDLER, None),
            now,
            *this.attempt,
            limits,
        );
        let polled = frame.enter(|| handler.poll(cx));
        *this.gave_up |= frame.inner_gave_up();
        let mut response = ready!(polled)?;
        if *this.gave_up {
            this.layer.wire.write_gave_up(response.headers_mut());
        }
        Poll::Ready(Ok(response))
    }
}
