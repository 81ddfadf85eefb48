//! Turning an injected fault into the annotated function's error type, when that type can
//! carry one.
//!
//! The attribute's hook calls `(&Inject::<R>::new()).injected(site_name, fault)`, with both traits in
//! scope. Method lookup tries `InjectError` first (receiver `&Inject<R>`), which exists only
//! for `Result<T, E>` with `E: From<EngineError>`; otherwise it falls back to `CannotInject`
//! (receiver `&&Inject<R>`), which warns once per site and lets the attempt run (autoref
//! specialisation). So turning the feature on never breaks a build.

use core::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use crate::events::TARGET;
use crate::EngineError;

/// The result type of an attempt, for the hook of the attribute.
#[doc(hidden)]
#[derive(Debug)]
pub struct Inject<R>(PhantomData<fn() -> R>);

impl<R> Inject<R> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Inject(PhantomData)
    }
}

impl<R> Default for Inject<R> {
    fn default() -> Self {
        Inject::new()
    }
}

/// An attempt's result that can carry an injected fault.
#[doc(hidden)]
pub trait InjectError<R> {
    /// The fault as the attempt's result.
    fn injected(&self, site: &'static str, fault: EngineError) -> Option<R>;
}

impl<T, E: From<EngineError>> InjectError<Result<T, E>> for Inject<Result<T, E>> {
    fn injected(&self, _: &'static str, fault: EngineError) -> Option<Result<T, E>> {
        Some(Err(E::from(fault)))
    }
}

/// An attempt's result that cannot: the fault is dropped, with a WARN once per site.
#[doc(hidden)]
pub trait CannotInject<R> {
    /// `None`, after warning once for `site`.
    fn injected(&self, site: &'static str, fault: EngineError) -> Option<R>;
}

impl<R> CannotInject<R> for &Inject<R> {
    fn injected(&self, site: &'static str, _: EngineError) -> Option<R> {
        static WARNED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
        let mut warned = WARNED.lock().unwrap_or_else(PoisonError::into_inner);
        if !warned.contains(&site) {
            warned.push(site);
            tracing::warn!(
                target: TARGET,
                site = site,
                "wait_or_die: chaos cannot fail this site's attempts: its error type has no From<wait_or_die::EngineError>; only latency is injected"
            );
        }
        None
    }
}
