//! What the client layer writes into each attempt's request (the call's time left and the
//! attempt number) and reads from each response (the callee gave up after retrying): the wire
//! side of deadline and give-up propagation, one implementation per protocol.

use crate::current::CurrentCall;

/// Carries a call's deadline and attempt number out in a request, and a callee's "gave up
/// after retrying, do not retry" back in its response.
///
/// `()` propagates nothing (the layer's default, for any request type); with feature `http`,
/// [`Wire`](crate::http::Wire) writes and reads HTTP or gRPC headers.
///
/// ```
/// use wait_or_die::tower::Propagate;
///
/// let none = ();
/// assert!(!Propagate::<u8, u8>::gave_up(&none, &0));
/// ```
pub trait Propagate<Req, Resp> {
    /// Whether [`stamp`](Propagate::stamp) writes anything; `false` (as for `()`) spares each
    /// attempt reading the clock for the [`CurrentCall`] it would be handed.
    const STAMPS: bool = true;

    /// Writes what the callee should know about the call into `request`, just before the
    /// attempt `call` describes sends it.
    fn stamp(&self, request: &mut Req, call: &CurrentCall);
    /// Whether `response` says the callee gave up after retrying: the call then does not
    /// retry it, as with a nested call that gave up in-process.
    fn gave_up(&self, response: &Resp) -> bool;
}

impl<Req, Resp> Propagate<Req, Resp> for () {
    const STAMPS: bool = false;

    #[inline]
    fn stamp(&self, _: &mut Req, _: &CurrentCall) {}
    #[inline]
    fn gave_up(&self, _: &Resp) -> bool {
        false
    }
}
