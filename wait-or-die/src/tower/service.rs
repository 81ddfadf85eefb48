//! The service the layer wraps around another: each call runs under the layer's site and
//! policy, one attempt per clone of the request, classified on what the service answered.

use core::fmt::Debug;
use core::mem;
use core::task::{Context, Poll};

use tower_service::Service;

use crate::policy::Policy;
use crate::retry::future::{retry, Attempts, Retry};
use crate::site::Site;
use crate::tower::classify::ClassifyResponse;
use crate::tower::future::{AttemptFuture, ByAction, Failed, ResponseFuture};
use crate::tower::stamp::Propagate;
use crate::tower::BoxError;

/// Makes the copy of a request that one attempt sends: `None` when it cannot (a streaming
/// body), and then the request is sent once, never retried.
///
/// [`Cloned`] (the default) uses `Clone`; any `Fn(&Req) -> Option<Req>` works too, as tower's
/// `Policy::clone_request` does (`reqwest::Request::try_clone`, say).
///
/// ```
/// use wait_or_die::tower::{CloneRequest, Cloned};
///
/// assert_eq!(Cloned.clone_request(&"GET /"), Some("GET /"));
/// let streaming = |_: &u8| None::<u8>;
/// assert_eq!(streaming.clone_request(&1), None);
/// ```
pub trait CloneRequest<Req> {
    /// A copy of `request` for one attempt, if it can be made.
    fn clone_request(&self, request: &Req) -> Option<Req>;
}

/// Copies requests with `Clone`: the layer's default.
///
/// See [`CloneRequest`] for an example.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cloned;

impl<Req: Clone> CloneRequest<Req> for Cloned {
    #[inline]
    fn clone_request(&self, request: &Req) -> Option<Req> {
        Some(request.clone())
    }
}

impl<Req, F: Fn(&Req) -> Option<Req>> CloneRequest<Req> for F {
    #[inline]
    fn clone_request(&self, request: &Req) -> Option<Req> {
        self(request)
    }
}

/// A [`Service`] that retries the one inside it under a site's policy; made by
/// [`RetryLayer`](crate::tower::RetryLayer).
///
/// See [`RetryLayer`](crate::tower::RetryLayer) for an example.
#[derive(Debug, Clone)]
pub struct RetryService<S, K, C, P> {
    pub(crate) inner: S,
    pub(crate) policy: &'static Policy,
    pub(crate) site: &'static Site,
    pub(crate) clone: K,
    pub(crate) classifier: C,
    pub(crate) propagate: P,
}

/// The attempts of one call: the service and request they copy.
#[derive(Debug)]
pub struct ServiceAttempts<S, Req, K, C, P> {
    svc: S,
    // Until an attempt had to send it for want of a copy.
    req: Option<Req>,
    first: bool,
    clone: K,
    classifier: C,
    propagate: P,
}

impl<S, Req, K, C, P> Attempts for ServiceAttempts<S, Req, K, C, P>
where
    S: Service<Req> + Clone,
    K: CloneRequest<Req>,
    C: Clone,
    P: Clone,
{
    type Attempt = AttemptFuture<S, Req, S::Future, C, P>;

    fn next_attempt(&mut self) -> Self::Attempt {
        // The first attempt calls the service that was polled ready; later ones a fresh clone.
        let spare = self.svc.clone();
        let (svc, needs_ready) = if mem::take(&mut self.first) {
            (mem::replace(&mut self.svc, spare), false)
        } else {
            (spare, true)
        };
        let (req, last_chance) = match self.req.take() {
            Some(original) => match self.clone.clone_request(&original) {
                Some(copy) => {
                    self.req = Some(original);
                    (Some(copy), false)
                }
                None => (Some(original), true),
            },
            None => (None, true),
        };
        AttemptFuture {
            svc: Some(svc),
            req,
            needs_ready,
            last_chance,
            classifier: self.classifier.clone(),
            propagate: self.propagate.clone(),
            called: None,
        }
    }
}

/// The engine's future that runs one call of a [`RetryService`].
type CallOf<S, Req, K, C, P> = Retry<
    'static,
    ServiceAttempts<S, Req, K, C, P>,
    AttemptFuture<S, Req, <S as Service<Req>>::Future, C, P>,
    Failed<<S as Service<Req>>::Response, <S as Service<Req>>::Error>,
    ByAction,
>;

impl<S, Req, K, C, P> Service<Req> for RetryService<S, K, C, P>
where
    S: Service<Req> + Clone,
    S::Error: Into<BoxError> + Debug,
    K: CloneRequest<Req> + Clone,
    C: ClassifyResponse<S::Response, S::Error> + Clone,
    P: Propagate<Req, S::Response> + Clone,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<CallOf<S, Req, K, C, P>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        // The service polled ready goes to the call; this one keeps a clone (as tower's own
        // `Retry` does).
        let clone = self.inner.clone();
        let ready = mem::replace(&mut self.inner, clone);
        let attempts = ServiceAttempts {
            svc: ready,
            req: Some(request),
            first: true,
            clone: self.clone.clone(),
            classifier: self.classifier.clone(),
            propagate: self.propagate.clone(),
        };
        ResponseFuture {
            retry: retry(self.policy, attempts)
                .site(self.site)
                .classify(ByAction),
        }
    }
}
