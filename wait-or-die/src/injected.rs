//! The error of an attempt that fault injection (feature `chaos`) made fail.

use core::fmt;
use std::error::Error as StdError;
use std::io;

/// An attempt that fault injection made fail, without running it (feature `chaos`).
///
/// The attribute converts it into the function's error type with `From`, as it does
/// [`TimedOut`](crate::TimedOut): conversions into [`std::io::Error`] (kind `Other`) and
/// `Box<dyn Error + Send + Sync>` are provided; add `impl From<Injected> for YourError` for your
/// own type. The type exists without the feature too, so that impl needs no `cfg`.
///
/// ```
/// use std::io;
/// use wait_or_die::Injected;
///
/// let err: io::Error = Injected::new().into();
/// assert_eq!(err.kind(), io::ErrorKind::Other);
/// assert!(err.to_string().contains("injected fault"));
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> = Injected::new().into();
/// assert!(boxed.is::<Injected>());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Injected {
    _private: (),
}

impl Injected {
    /// An injected fault.
    ///
    /// See [`Injected`] for an example.
    pub const fn new() -> Self {
        Injected { _private: () }
    }
}

impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wait_or_die: injected fault (chaos)")
    }
}

impl StdError for Injected {}

impl From<Injected> for io::Error {
    fn from(injected: Injected) -> io::Error {
        io::Error::other(injected)
    }
}

// `Box<dyn Error + Send + Sync>` and `Box<dyn Error>` get `From<Injected>` from std's blanket impl.

/// The attribute's fault-injection hook at the start of an async attempt: nothing without the
/// `chaos` feature.
#[doc(hidden)]
#[macro_export]
#[cfg(not(feature = "chaos"))]
macro_rules! __chaos_async {
    ($site:expr, $output:ty) => {};
}

/// The attribute's fault-injection hook at the start of a blocking attempt: nothing without
/// the `chaos` feature.
#[doc(hidden)]
#[macro_export]
#[cfg(not(feature = "chaos"))]
macro_rules! __chaos_blocking {
    ($site:expr, $output:ty) => {};
}

/// The attribute's fault-injection hook at the start of an async attempt: waits the latency
/// picked for it, then returns the injected fault from the attempt if it must fail.
#[doc(hidden)]
#[macro_export]
#[cfg(feature = "chaos")]
macro_rules! __chaos_async {
    ($site:expr, $output:ty) => {
        if let ::core::option::Option::Some(fault) = $crate::__private::enter_async($site).await {
            $crate::__private::chaos_return!($site, $output, fault);
        }
    };
}

/// The attribute's fault-injection hook at the start of a blocking attempt.
#[doc(hidden)]
#[macro_export]
#[cfg(feature = "chaos")]
macro_rules! __chaos_blocking {
    ($site:expr, $output:ty) => {
        if let ::core::option::Option::Some(fault) = $crate::__private::enter_blocking($site) {
            $crate::__private::chaos_return!($site, $output, fault);
        }
    };
}

/// Returns `fault` from the attempt as its error, when the error type can carry it.
#[doc(hidden)]
#[macro_export]
#[cfg(feature = "chaos")]
macro_rules! __chaos_return {
    ($site:expr, $output:ty, $fault:ident) => {
        #[allow(unused_imports)]
        use $crate::__private::{CannotInject as _, InjectError as _};
        if let ::core::option::Option::Some(injected) =
            (&$crate::__private::Inject::<$output>::new())
                .injected($crate::__private::Site::name($site), $fault)
        {
            return injected;
        }
    };
}
