//! For the expansion of a blocking `#[wait_or_die]` function with no `breaker` argument: asks
//! the circuit breaker before the first attempt when the function's error type can carry the
//! refusal (`From<EngineError>`), and does not ask otherwise.
//!
//! Its policy may still have a breaker (`policy = ...`, or an operator's override), and a
//! refused call must return an error of the function's type; a type that cannot carry one (of
//! another crate, or a generic `E` with no such bound) keeps its first attempt, and the breaker
//! still refuses its retries. The choice is made at compile time by method resolution
//! ("autoref specialization"): [`Carried`] is implemented for the probe itself when the bound
//! holds, [`Uncarried`] for a reference to it, and a method call on `&FirstAdmission<R>` finds
//! the first before it looks through the reference.

use core::marker::PhantomData;

use crate::engine_error::EngineError;
use crate::retry::blocking::{BlockingCall, Clock};

/// The probe for a function whose attempts return `R`.
#[derive(Debug)]
pub struct FirstAdmission<R>(PhantomData<fn() -> R>);

impl<R> FirstAdmission<R> {
    /// The probe.
    #[inline]
    pub const fn new() -> Self {
        FirstAdmission(PhantomData)
    }
}

impl<R> Default for FirstAdmission<R> {
    fn default() -> Self {
        FirstAdmission::new()
    }
}

/// The error type carries the refusal: the breaker is asked.
pub trait Carried<R> {
    /// `Some(Err(E::from(breaker_open)))` when the breaker refuses the call.
    fn admit<K: Clock>(&self, call: &mut BlockingCall<'_, K>) -> Option<R>;
}

impl<T, E: From<EngineError>> Carried<Result<T, E>> for FirstAdmission<Result<T, E>> {
    #[inline]
    fn admit<K: Clock>(&self, call: &mut BlockingCall<'_, K>) -> Option<Result<T, E>> {
        call.refused().map(|refused| Err(E::from(refused)))
    }
}

/// The error type cannot carry the refusal: the first attempt runs.
pub trait Uncarried<R> {
    /// `None`: the breaker is not asked.
    fn admit<K: Clock>(&self, call: &mut BlockingCall<'_, K>) -> Option<R>;
}

impl<R> Uncarried<R> for &FirstAdmission<R> {
    #[inline]
    fn admit<K: Clock>(&self, _: &mut BlockingCall<'_, K>) -> Option<R> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::{force_breaker, Forced};
    use crate::policy::Policy;
    use crate::site::Site;

    #[derive(Debug)]
    struct Foreign;

    static SITE: Site = Site::new("admission.probe");

    // The borrow is the point: without it, method resolution would never fall back.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn asks_the_breaker_only_for_an_error_type_that_carries_the_refusal() {
        let policy = Policy::builder()
            .shared_breaker("admission.dep")
            .build()
            .unwrap();
        force_breaker("admission.dep", Some(Forced::Open));
        let mut call = BlockingCall::start(&SITE, &policy);
        let carried = (&FirstAdmission::<std::io::Result<()>>::new()).admit(&mut call);
        let refused = carried.unwrap().unwrap_err();
        assert!(EngineError::find(&refused).is_some());
        let mut call = BlockingCall::start(&SITE, &policy);
        let uncarried = (&FirstAdmission::<Result<(), Foreign>>::new()).admit(&mut call);
        assert!(uncarried.is_none());
        force_breaker("admission.dep", None);
    }
}
