//! The attribute's fault-injection hooks (feature `chaos`): `#[macro_export]` macros the expansion
//! reaches through `__private`; without the feature they expand to nothing.

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
