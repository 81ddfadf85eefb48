//! The futures of the layer: [`AttemptFuture`] is one attempt (wait for the service to be
//! ready, stamp the request, call, classify what came back) and [`ResponseFuture`] is the
//! whole call, the engine's [`Retry`] driving attempts, mapped back to the service's types.

use core::fmt::{self, Debug};
use core::future::Future;
use core::pin::Pin;
use core::task::{ready, Context, Poll};

use pin_project_lite::pin_project;
use tower_service::Service;

use crate::classify::{Action, Classify};
use crate::current;
use crate::engine_error::EngineError;
use crate::error::StopReason;
use crate::retry::future::Retry;
use crate::tower::classify::ClassifyResponse;
use crate::tower::stamp::Propagate;
use crate::tower::BoxError;

/// An attempt that failed: what the service answered and what its classifier said to do.
pub struct Failed<Resp, E> {
    result: Result<Resp, E>,
    action: Action,
}

impl<Resp, E: Debug> Debug for Failed<Resp, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(_) => f.write_str("a response classified as a failure"),
            Err(error) => error.fmt(f),
        }
    }
}

/// Hands the engine the action an attempt's classifier already chose.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByAction;

impl<Resp, E> Classify<Failed<Resp, E>> for ByAction {
    #[inline]
    fn classify(&self, failed: &Failed<Resp, E>) -> Action {
        failed.action
    }
}

pin_project! {
    /// One attempt of the layer's call: readiness, the request stamped, the call, its verdict.
    pub struct AttemptFuture<S, Req, F, C, P> {
        pub(crate) svc: Option<S>,
        pub(crate) req: Option<Req>,
        // Whether `svc` is a fresh clone that must be polled ready before the call.
        pub(crate) needs_ready: bool,
        // Whether this attempt sends the request itself, no copy being left for another one.
        pub(crate) last_chance: bool,
        pub(crate) classifier: C,
        pub(crate) propagate: P,
        #[pin]
        pub(crate) called: Option<F>,
    }
}

impl<S, Req, C, P> Future for AttemptFuture<S, Req, S::Future, C, P>
where
    S: Service<Req>,
    C: ClassifyResponse<S::Response, S::Error>,
    P: Propagate<Req, S::Response>,
{
    type Output = Result<S::Response, Failed<S::Response, S::Error>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Some(called) = this.called.as_mut().as_pin_mut() {
                let result = ready!(called.poll(cx));
                this.called.set(None);
                let gave_up = |r: &S::Response| this.propagate.gave_up(r);
                return Poll::Ready(judge(result, this.classifier, gave_up, *this.last_chance));
            }
            // Nothing left once it has answered: polled again, it stays pending.
            let (Some(svc), Some(_)) = (this.svc.as_mut(), this.req.as_ref()) else {
                return Poll::Pending;
            };
            if *this.needs_ready {
                if let Err(error) = ready!(svc.poll_ready(cx)) {
                    *this.svc = None;
                    let never = |_: &S::Response| false;
                    return Poll::Ready(judge(
                        Err(error),
                        this.classifier,
                        never,
                        *this.last_chance,
                    ));
                }
                *this.needs_ready = false;
            }
            let (Some(mut svc), Some(mut req)) = (this.svc.take(), this.req.take()) else {
                return Poll::Pending;
            };
            // Stamped as late as possible: the time left is read when the request leaves.
            if P::STAMPS {
                if let Some(call) = current::current() {
                    this.propagate.stamp(&mut req, &call);
                }
            }
            this.called.set(Some(svc.call(req)));
        }
    }
}

/// What follows what the service answered: `Ok` ends the call with a response, `Err` is a
/// failed attempt with the action its classifier chose.
fn judge<Resp, E, C: ClassifyResponse<Resp, E>>(
    result: Result<Resp, E>,
    classifier: &C,
    gave_up: impl FnOnce(&Resp) -> bool,
    last_chance: bool,
) -> Result<Resp, Failed<Resp, E>> {
    let Some(mut action) = classifier.classify_response(&result) else {
        return result.map_err(|error| Failed {
            result: Err(error),
            action: Action::Die,
        });
    };
    if let Ok(response) = &result {
        if action.is_retry() && gave_up(response) {
            // The callee retried already: a give-up nested in this attempt, across the wire.
            current::mark_inner_gave_up();
        }
    }
    if last_chance {
        action = Action::Die;
    }
    Err(Failed { result, action })
}

pin_project! {
    /// The future of a [`RetryService`](crate::tower::RetryService) call: the engine's
    /// [`Retry`] under the layer's site and policy, answering the last response when the call
    /// gives up on one, the last error as a [`BoxError`], or an [`EngineError`] when the
    /// deadline cut the only attempt.
    pub struct ResponseFuture<R> {
        #[pin]
        pub(crate) retry: R,
    }
}

impl<Op, Fut, Resp, E> Future for ResponseFuture<Retry<'static, Op, Fut, Failed<Resp, E>, ByAction>>
where
    Retry<'static, Op, Fut, Failed<Resp, E>, ByAction>:
        Future<Output = Result<Resp, crate::RetryError<Failed<Resp, E>>>>,
    E: Into<BoxError>,
{
    type Output = Result<Resp, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let gave_up = match ready!(self.project().retry.poll(cx)) {
            Ok(response) => return Poll::Ready(Ok(response)),
            Err(gave_up) => gave_up,
        };
        Poll::Ready(match gave_up.last {
            Some(Failed { result, .. }) => result.map_err(Into::into),
            None if gave_up.reason == StopReason::AttemptTimedOut => {
                Err(Box::new(EngineError::attempt_timeout()))
            }
            None => Err(Box::new(EngineError::deadline())),
        })
    }
}

impl<R> Debug for ResponseFuture<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
