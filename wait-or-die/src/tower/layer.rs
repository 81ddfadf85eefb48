//! Building the layer: the policy and the site it runs under, how requests are copied, how
//! answers are classified, and what crosses the wire. Construction only.

use tower_layer::Layer;

use crate::classify::RetryAll;
use crate::policy::Policy;
use crate::site::{self, Site};
use crate::tower::classify::ErrorsOnly;
use crate::tower::service::{Cloned, RetryService};

/// A tower [`Layer`] that runs every call of the service under it through the engine, under
/// a site named at run time: deadline, retries, retry budget, operators' overrides and the
/// kill switch, metrics and config by that name.
///
/// Build it once, at start-up: the first layer built with a name makes that name's site, and
/// later ones share it. The policy is kept for the program's life.
///
/// ```
/// use std::sync::{atomic::{AtomicU32, Ordering}, Arc};
/// use std::time::Duration;
/// use tower::{service_fn, Service, ServiceBuilder, ServiceExt};
/// use wait_or_die::{tower::RetryLayer, Policy};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let policy = Policy::builder().max_retries(2).initial_wait(Duration::ZERO).build().unwrap();
/// // Each attempt calls a clone of the service: state they share lives behind an `Arc`.
/// let tries = Arc::new(AtomicU32::new(0));
/// let flaky = service_fn(move |req: u32| {
///     let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
///     async move { if n < 3 { Err("not yet") } else { Ok(req * 2) } }
/// });
/// let mut svc = ServiceBuilder::new().layer(RetryLayer::new("docs.doubler", policy)).service(flaky);
/// assert_eq!(svc.ready().await.unwrap().call(21).await.unwrap(), 42);
/// let site = wait_or_die::stats::sites().find(|s| s.name() == "docs.doubler").unwrap();
/// assert_eq!(site.snapshot().recovered, 1);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RetryLayer<K = Cloned, C = ErrorsOnly<RetryAll>, P = ()> {
    policy: &'static Policy,
    site: &'static Site,
    clone: K,
    classifier: C,
    propagate: P,
}

impl RetryLayer {
    /// A layer running calls under `policy` at the site `name`, copying requests with `Clone`,
    /// retrying every error (no response), propagating nothing.
    ///
    /// See [`RetryLayer`] for an example.
    pub fn new(name: &str, policy: Policy) -> Self {
        let policy: &'static Policy = Box::leak(Box::new(policy));
        RetryLayer {
            policy,
            site: site::site_named(name, policy, crate::control::adopt),
            clone: Cloned,
            classifier: ErrorsOnly(RetryAll),
            propagate: (),
        }
    }
}

impl<K, C, P> RetryLayer<K, C, P> {
    /// Classifies what the service answers with `classifier` (a
    /// [`ClassifyResponse`](crate::tower::ClassifyResponse); with feature `http`,
    /// [`HttpClassifier`](crate::http::HttpClassifier)).
    ///
    /// ```
    /// use wait_or_die::{tower::RetryLayer, Action, Policy};
    ///
    /// let layer = RetryLayer::new("docs.classify", Policy::DEFAULT)
    ///     .classify(|r: &Result<u16, ()>| (r != &Ok(200)).then_some(Action::Retry));
    /// # let _ = layer;
    /// ```
    pub fn classify<C2>(self, classifier: C2) -> RetryLayer<K, C2, P> {
        RetryLayer {
            policy: self.policy,
            site: self.site,
            clone: self.clone,
            classifier,
            propagate: self.propagate,
        }
    }

    /// Copies each attempt's request with `clone` (a
    /// [`CloneRequest`](crate::tower::CloneRequest)) instead of `Clone`; a request it cannot
    /// copy is sent once, not retried.
    ///
    /// ```
    /// use wait_or_die::{tower::RetryLayer, Policy};
    ///
    /// let layer = RetryLayer::new("docs.clone", Policy::DEFAULT).clone_request(|r: &String| Some(r.clone()));
    /// # let _ = layer;
    /// ```
    pub fn clone_request<K2>(self, clone: K2) -> RetryLayer<K2, C, P> {
        RetryLayer {
            policy: self.policy,
            site: self.site,
            clone,
            classifier: self.classifier,
            propagate: self.propagate,
        }
    }

    /// Writes the call's deadline and attempt number into each request and honours a callee's
    /// give-up, with `propagate` (a [`Propagate`](crate::tower::Propagate); with feature
    /// `http`, [`Wire`](crate::http::Wire)).
    ///
    /// ```
    /// use wait_or_die::{tower::RetryLayer, Policy};
    ///
    /// let layer = RetryLayer::new("docs.propagate", Policy::DEFAULT).propagate(());
    /// # let _ = layer;
    /// ```
    pub fn propagate<P2>(self, propagate: P2) -> RetryLayer<K, C, P2> {
        RetryLayer {
            policy: self.policy,
            site: self.site,
            clone: self.clone,
            classifier: self.classifier,
            propagate,
        }
    }

    /// The site the layer's calls count into.
    ///
    /// ```
    /// use wait_or_die::{tower::RetryLayer, Policy};
    ///
    /// assert_eq!(RetryLayer::new("docs.site", Policy::DEFAULT).site().name(), "docs.site");
    /// ```
    pub fn site(&self) -> &'static Site {
        self.site
    }
}

impl<S, K: Clone, C: Clone, P: Clone> Layer<S> for RetryLayer<K, C, P> {
    type Service = RetryService<S, K, C, P>;

    fn layer(&self, inner: S) -> Self::Service {
        RetryService {
            inner,
            policy: self.policy,
            site: self.site,
            clone: self.clone.clone(),
            classifier: self.classifier.clone(),
            propagate: self.propagate.clone(),
        }
    }
}
