//! The `#[wait_or_die]` attribute macro. Use it through the `wait-or-die` crate, which
//! re-exports it (`use wait_or_die::wait_or_die;`) and holds all of the behaviour.
//!
//! Every argument and jitter name is declared once, in `args.rs`, which parsing, messages,
//! validation and expansion all read. The macro parses the arguments (`attr.rs`, with literal
//! durations in `duration.rs`), checks the attribute's own rules against each other and against
//! the function (`validate.rs`), and rewrites the body into a loop of attempts (`expand.rs`)
//! around a `static` policy (`policy.rs`). It copies none of the engine's defaults or rules: the
//! policy is built by the engine's `const` builder, and each rule it breaks is reported at the
//! argument it is blamed on. Nothing is decided at run time here: the expansion is a thin call
//! into the hidden `wait_or_die::__private` module.
//!
//! # What an annotation expands to
//!
//! This `async fn`:
//!
//! ```text
//! #[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
//! pub async fn recv_json(&self) -> Result<Value, GatewayError> {
//!     self.socket.recv().await
//! }
//! ```
//!
//! becomes (the signature, attributes and visibility are untouched):
//!
//! ```text
//! pub async fn recv_json(&self) -> Result<Value, GatewayError> {
//!     static __WOD_SITE: ::wait_or_die::__private::Site =
//!         ::wait_or_die::__private::Site::new(::core::concat!(
//!             ::core::module_path!(), "::", "recv_json", "@", ::core::line!()
//!         ))
//!         // The static policy is declared with the site: operators' overrides are checked against it.
//!         .with_policy(&__WOD_POLICY);
//!     ::wait_or_die::register_site!(__WOD_SITE);
//!     static __WOD_POLICY: ::wait_or_die::Policy = {
//!         const __WOD_BUILDER: ::wait_or_die::PolicyBuilder = ::wait_or_die::Policy::builder()
//!             .timeout(::core::time::Duration::from_nanos(30000000000))
//!             .max_retries(10)
//!             .initial_wait(::core::time::Duration::from_nanos(500000000))
//!             .max_wait(::core::time::Duration::from_nanos(5000000000));
//!         const __WOD_GIVEN: &[&str] = &["timeout", "max_retries", "initial_wait", "max_wait"];
//!         // One check per argument, spanned at its name: a rule of the engine that the
//!         // policy breaks and that is blamed on this argument stops compilation here.
//!         const _: () = if let ::core::option::Option::Some(__wod_broken) =
//!             ::wait_or_die::__private::blame(&__WOD_BUILDER, __WOD_GIVEN, 0usize)
//!         {
//!             ::core::panic!("{}", __wod_broken)
//!         };
//!         // ... the same for 1usize, 2usize, 3usize ...
//!         ::wait_or_die::__private::built(&__WOD_BUILDER, __WOD_GIVEN)
//!     };
//!     let __wod_classify = ::wait_or_die::__private::RetryAll;
//!     let mut __wod_call = ::wait_or_die::__private::Call::start(&__WOD_SITE, &__WOD_POLICY);
//!     loop {
//!         // One attempt: the original body, in a fresh `async` block that borrows the
//!         // arguments again; `attempt` publishes the call to it (`wait_or_die::current()`,
//!         // nested calls) and cancels it at the deadline with `E::from(EngineError)`.
//!         let __wod_result = __wod_call
//!             .attempt(async {
//!                 // Fault injection: expands to nothing unless the engine's `chaos` feature is on.
//!                 ::wait_or_die::__private::chaos_async!(&__WOD_SITE, Result<Value, GatewayError>);
//!                 let __wod_out: Result<Value, GatewayError> = { self.socket.recv().await };
//!                 #[allow(unreachable_code)]
//!                 __wod_out
//!             })
//!             .await;
//!         match __wod_call.settle(__wod_result, &__wod_classify) {
//!             ::core::ops::ControlFlow::Break(__wod_r) => break __wod_r,
//!             // A retry: wait, then loop; a wait that ends at or past the deadline hands
//!             // the last error back instead, so no attempt starts after the deadline.
//!             ::core::ops::ControlFlow::Continue(__wod_e) => match __wod_call.wait(__wod_e).await {
//!                 ::core::ops::ControlFlow::Continue(()) => {}
//!                 ::core::ops::ControlFlow::Break(__wod_e) => break ::core::result::Result::Err(__wod_e),
//!             },
//!         }
//!     }
//! }
//! ```
//!
//! A plain `fn` gets the same loop with `::wait_or_die::__private::BlockingCall`, each attempt a
//! closure run by the call, `__wod_call.attempt(|| -> Result<T, E> { __private::chaos_blocking!(..); <body> })`, and a blocking
//! `wait(error)`. In
//! both, `return` and `?` in the body end the attempt, not the call. `policy = expr` replaces the
//! `static` policy with `let __wod_policy: ::wait_or_die::Policy = expr;`, and `retry_if = pred`
//! replaces `RetryAll` with `RetryIf(pred)`, built through a local generic function whose bound
//! `Fn(&E) -> R` names the error type `E` of the return type, so that a closure's parameter
//! needs no type (`retry_if = |e| e.kind() != io::ErrorKind::NotFound`). With `timeout = "none"` and no `attempt_timeout`,
//! an async attempt cannot be cancelled, so `.attempt_uncancelled(...)` replaces `.attempt(...)`
//! and the error type needs no `From<EngineError>`.
//!
//! # Order with other attributes
//!
//! `#[tracing::instrument]` composes in either order on an `async fn`, and the span covers the
//! whole call, retries included. Above `#[wait_or_die]`, `#[instrument]` has already wrapped the
//! body in `let __tracing_instrument_future = async move { ... };`: the loop is placed inside that
//! future, which takes the arguments once, and each attempt borrows them from it (with `err` or
//! `ret`, the inner `async move` it nests loses its `move` for the same reason).
//!
//! `#[async_trait]` runs before `#[wait_or_die]` (it sits on the `impl`), turning the method
//! into a plain `fn` returning `Box::pin(async move { ... let __ret: R = { <body> }; __ret })`.
//! That shape is recognised, also with `#[instrument]` between them: the loop replaces `<body>`,
//! so the method stays async (`attempt_timeout` is allowed) and its arguments are taken once.
//! By then `self` has been moved into async-trait's `__self`, so `self` in `policy` and
//! `retry_if` (`policy = self.policy`, also with `self: Arc<Self>`) is read as `__self`.
//!
//! On a plain `fn`, `#[instrument]` above `#[wait_or_die]` has already declared and entered its
//! span at the top of the body: the loop goes after that, and the `move` closure it uses with
//! `err` or `ret` loses its `move`, so again one span covers the call and arguments are borrowed.
//!
//! # Return types
//!
//! The function must return a `Result`. A type alias cannot be seen through in a macro, so only
//! types that are certainly not a `Result` are rejected here with a message (no return type,
//! `()`, tuples, references, slices, arrays, pointers, `impl Trait`, trait objects, `Option`,
//! primitives, `String`, `Vec`, `Box`); any other path is taken to be a `Result` or an alias of
//! one, and if it is not, the engine's `Result<T, E>` parameter reports the mismatch at the
//! return type.

mod args;
mod attr;
mod duration;
mod expand;
mod instrument;
mod item;
mod policy;
mod suggest;
mod validate;

use proc_macro::TokenStream;
use quote::ToTokens;

/// The `#[wait_or_die]` attribute, re-exported by the `wait-or-die` crate: use it from there.
///
/// `use wait_or_die::wait_or_die;` brings it in scope together with the engine it expands into;
/// the re-export's docs list every argument with its meaning and default, with examples.
#[proc_macro_attribute]
pub fn wait_or_die(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    let func = match syn::parse::<syn::ItemFn>(item) {
        Ok(func) => func,
        Err(_) => {
            return syn::Error::new_spanned(
                &original,
                "`#[wait_or_die]` goes on a function with a body: a free `fn` or `async fn`, or a method in an `impl` block",
            )
            .into_compile_error()
            .into();
        }
    };
    let target = item::Target::new(func);
    let plan = match syn::parse::<attr::Args>(args) {
        Ok(args) => validate::validate(args, &target),
        // Check the function too, so that every problem shows at once.
        Err(mut errors) => {
            if let Err(fn_errors) = validate::validate(attr::Args::default(), &target) {
                errors.combine(fn_errors);
            }
            Err(errors)
        }
    };
    match plan {
        Ok(plan) => expand::expand(plan, target).into(),
        Err(errors) => {
            // Keep the function as written so that its callers report no errors of their own.
            let mut out = errors.into_compile_error();
            target.item.to_tokens(&mut out);
            out.into()
        }
    }
}
