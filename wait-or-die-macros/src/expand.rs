//! Rewrites the annotated function's body into a retry loop around the original body.
//!
//! The signature, attributes and visibility are emitted unchanged. Everything the loop calls is
//! an absolute path into `::wait_or_die::__private` or `::core`, so the expansion works whatever
//! the user imported. Calls whose trait bounds concern the user's error type are spanned at the
//! function's return type, so that an unmet bound points there.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Stmt, Type};

use crate::args::Role;
use crate::attr::Value;
use crate::instrument;
use crate::item::{async_trait_body_mut, Flavor, Target};
use crate::policy;
use crate::validate::Plan;

/// Emits the function with its body replaced by the retry loop.
pub(crate) fn expand(mut plan: Plan, target: Target) -> TokenStream {
    for arg in plan.args.iter_mut() {
        if let Value::Expr(expr) = &mut arg.value {
            *expr = target.adapt_argument(expr);
        }
    }
    let Target { mut item, flavor } = target;
    let output = attempt_output(&item, flavor);
    match flavor {
        Flavor::Async => {
            let body = rebrace(&item.block.stmts);
            let call = async_call(&plan, &item.sig.ident, &output, body);
            *item.block = block(call);
        }
        Flavor::Blocking => {
            let body = rebrace(&item.block.stmts);
            let call = blocking_call(&plan, &item.sig.ident, &output, body);
            *item.block = block(call);
        }
        Flavor::Instrumented => {
            let name = item.sig.ident.clone();
            let slot = instrument::future_body_mut(&mut item.block)
                .expect("the instrumented shape has a future");
            let call = async_call(&plan, &name, &output, rebrace(&slot.stmts));
            *slot = block(call);
        }
        Flavor::InstrumentedBlocking => {
            let name = item.sig.ident.clone();
            let (block, rest) = instrument::split_blocking_body_mut(&mut item.block)
                .expect("the instrumented shape has a span prelude");
            let call = blocking_call(&plan, &name, &output, rebrace(&rest));
            block
                .stmts
                .push(Stmt::Expr(Expr::Verbatim(quote!({ #call })), None));
        }
        Flavor::AsyncTrait => {
            let name = item.sig.ident.clone();
            let slot = async_trait_body_mut(&mut item.block)
                .expect("validated: the async-trait shape has a result local");
            let body = std::mem::replace(slot, Expr::Verbatim(TokenStream::new()));
            let body = match body {
                Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => {
                    rebrace(&b.block.stmts)
                }
                other => other.into_token_stream(),
            };
            let call = async_call(&plan, &name, &output, body);
            *slot = Expr::Verbatim(quote!({ #call }));
        }
    }
    item.into_token_stream()
}

/// The type of one attempt, with `impl Trait` replaced by `_` so that it can annotate a local.
fn attempt_output(item: &syn::ItemFn, flavor: Flavor) -> Type {
    let target = Target {
        item: item.clone(),
        flavor,
    };
    let mut ty = target
        .attempt_output()
        .cloned()
        .expect("validated: the function returns a value");
    InferImplTrait.visit_type_mut(&mut ty);
    ty
}

/// Replaces every `impl Trait` with `_`: a local's type may not name an opaque type.
struct InferImplTrait;

impl VisitMut for InferImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(it) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](it.impl_token.span),
            });
        } else {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}

/// The user's statements in braces of the expansion's own. The user's braces, put where a
/// value goes, would draw rustc's `unused_braces` for a one-line body (`{ Ok(1) }`): the lint
/// looks at braces written in the source, and skips those a macro made.
fn rebrace(stmts: &[Stmt]) -> TokenStream {
    match stmts {
        // A block that only holds a block (as `#[instrument]` leaves some): the inner one's.
        [Stmt::Expr(Expr::Block(inner), None)]
            if inner.attrs.is_empty() && inner.label.is_none() =>
        {
            rebrace(&inner.block.stmts)
        }
        _ => quote!({ #(#stmts)* }),
    }
}

fn block(tokens: TokenStream) -> Block {
    syn::parse2(quote!({ #tokens })).expect("the expansion is a block")
}

/// The loop of an async function: one fresh `async` block per attempt.
fn async_call(plan: &Plan, name: &syn::Ident, output: &Type, body: TokenStream) -> TokenStream {
    let setup = setup(plan, name, output, quote!(::wait_or_die::__private::Call));
    let span = output.span();
    // The fault-injection hook expands to nothing unless the engine's `chaos` feature is on.
    let attempt = quote! {
        async {
            ::wait_or_die::__private::chaos_async!(&__WOD_SITE, #output);
            let __wod_out: #output = #body;
            #[allow(unreachable_code)]
            __wod_out
        }
    };
    if plan.hedged {
        return hedged_call(setup, output, attempt);
    }
    // With `on_timeout = "last_error"` the error of each failed attempt is kept through the
    // wait, to be returned if the deadline cuts the next attempt off.
    let (last, attempt, keep) = match (plan.may_time_out, plan.last_error) {
        (true, true) => (
            quote!(let mut __wod_last = ::core::option::Option::None;),
            quote!(__wod_call.attempt_or_last(__wod_last.take(), #attempt).await),
            quote!(::core::ops::ControlFlow::Continue(__wod_e) => __wod_last = ::core::option::Option::Some(__wod_e)),
        ),
        (true, false) => (
            quote!(),
            quote_spanned!(span=> __wod_call.attempt(#attempt).await),
            quote!(::core::ops::ControlFlow::Continue(_) => {}),
        ),
        (false, _) => (
            quote!(),
            quote!(__wod_call.attempt_uncancelled(#attempt).await),
            quote!(::core::ops::ControlFlow::Continue(_) => {}),
        ),
    };
    let settle = quote_spanned!(span=> __wod_call.settle(__wod_result, &__wod_classify));
    let done = quote_spanned!(span=> break __wod_r);
    let wait = quote_spanned!(span=> __wod_call.wait(__wod_e).await);
    let gave_up = quote_spanned!(span=> break ::core::result::Result::Err(__wod_e));
    quote! {
        #setup
        #last
        loop {
            let __wod_result = #attempt;
            match #settle {
                ::core::ops::ControlFlow::Break(__wod_r) => #done,
                ::core::ops::ControlFlow::Continue(__wod_e) => match #wait {
                    #keep,
                    ::core::ops::ControlFlow::Break(__wod_e) => #gave_up,
                },
            }
        }
    }
}

/// The loop of a hedged async function: the attempts are made by one closure, which the call
/// asks again for each hedge it sends beside a pending attempt, so the body borrows the
/// arguments shared (hedges run side by side).
fn hedged_call(setup: TokenStream, output: &Type, attempt: TokenStream) -> TokenStream {
    let span = output.span();
    let hedged = quote_spanned!(span=> __wod_call.hedged(&mut __wod_next, &__wod_classify).await);
    let settle = quote_spanned!(span=> __wod_call.settle(__wod_result, &__wod_classify));
    let wait = quote_spanned!(span=> __wod_call.wait(__wod_e).await);
    quote! {
        #setup
        let mut __wod_next = || #attempt;
        loop {
            let __wod_result = #hedged;
            match #settle {
                ::core::ops::ControlFlow::Break(__wod_r) => break __wod_r,
                ::core::ops::ControlFlow::Continue(__wod_e) => match #wait {
                    ::core::ops::ControlFlow::Continue(_) => {}
                    ::core::ops::ControlFlow::Break(__wod_e) => break ::core::result::Result::Err(__wod_e),
                },
            }
        }
    }
}

/// The loop of a blocking function: one closure per attempt, run by the call (which publishes
/// itself to the attempt), so that `return` and `?` in the body end the attempt, not the call.
fn blocking_call(plan: &Plan, name: &syn::Ident, output: &Type, body: TokenStream) -> TokenStream {
    let setup = setup(
        plan,
        name,
        output,
        quote!(::wait_or_die::__private::BlockingCall),
    );
    let span = output.span();
    let settle = quote_spanned!(span=> __wod_call.settle(__wod_result, &__wod_classify));
    let done = quote_spanned!(span=> break __wod_r);
    let wait = quote_spanned!(span=> __wod_call.wait(__wod_e));
    let gave_up = quote_spanned!(span=> break ::core::result::Result::Err(__wod_e));
    let attempts = quote! {
        loop {
            let __wod_result = __wod_call.attempt(|| -> #output {
                ::wait_or_die::__private::chaos_blocking!(&__WOD_SITE, #output);
                #body
            });
            match #settle {
                ::core::ops::ControlFlow::Break(__wod_r) => #done,
                ::core::ops::ControlFlow::Continue(__wod_e) => match #wait {
                    ::core::ops::ControlFlow::Continue(()) => {}
                    ::core::ops::ControlFlow::Break(__wod_e) => #gave_up,
                },
            }
        }
    };
    // An open breaker answers before the first attempt (the async loop's `attempt` asks it):
    // with `breaker = ...` the error type must carry the refusal; without, the policy may still
    // have a breaker, which is asked only when the error type can carry it.
    let refused = match plan.may_refuse {
        true => quote_spanned!(span=> __wod_call.refused_result()),
        false => quote! {{
            #[allow(unused_imports)]
            use ::wait_or_die::__private::{Carried as _, Uncarried as _};
            (&::wait_or_die::__private::FirstAdmission::<#output>::new()).admit(&mut __wod_call)
        }},
    };
    quote! {
        #setup
        // The probe's borrow picks the fallback when the error type cannot carry a refusal.
        #[allow(clippy::needless_borrow)]
        let __wod_refused: ::core::option::Option<#output> = #refused;
        match __wod_refused {
            ::core::option::Option::Some(__wod_r) => __wod_r,
            ::core::option::Option::None => #attempts,
        }
    }
}

/// The site, the policy, the classifier and the call state, shared by both loops.
fn setup(plan: &Plan, fn_name: &syn::Ident, output: &Type, call: TokenStream) -> TokenStream {
    let args = &plan.args;
    let site_name = match args.with_role(Role::SiteName).map(|a| &a.value) {
        Some(Value::Text(name)) => name.to_token_stream(),
        _ => default_site_name(fn_name),
    };
    // A static policy is declared with the site, so that operators' overrides are checked against it.
    let (policy_item, policy_ref, declared) = match args.with_role(Role::Policy).map(|a| &a.value) {
        Some(Value::Expr(expr)) => (
            quote_spanned!(expr.span()=> let __wod_policy: ::wait_or_die::Policy = #expr;),
            quote!(&__wod_policy),
            quote!(),
        ),
        _ => (
            policy::static_policy(args),
            quote!(&__WOD_POLICY),
            quote!(.with_policy(&__WOD_POLICY)),
        ),
    };
    let classify = match args.with_role(Role::RetryIf).map(|a| &a.value) {
        Some(Value::Expr(pred)) => retry_if(pred, output),
        _ => quote!(::wait_or_die::__private::RetryAll),
    };
    quote! {
        static __WOD_SITE: ::wait_or_die::__private::Site =
            ::wait_or_die::__private::Site::new(#site_name) #declared;
        ::wait_or_die::register_site!(__WOD_SITE);
        #policy_item
        let __wod_classify = #classify;
        let mut __wod_call = #call::start(&__WOD_SITE, #policy_ref);
    }
}

/// `module::function@line`, the line being the `fn`'s: an attribute on a method cannot see its
/// `impl`'s type, so the line is what tells `Orders::send` from `Quotes::send` in one module.
/// `line!()` is spanned at the function's name so that it reads the name's line.
fn default_site_name(fn_name: &syn::Ident) -> TokenStream {
    let name = fn_name.to_string();
    let line = quote_spanned!(fn_name.span()=> ::core::line!());
    quote!(::core::concat!(::core::module_path!(), "::", #name, "@", #line))
}

/// The `retry_if` classifier, built through a generic function whose bound names the error type
/// (taken from the attempt's output, so aliases such as `io::Result<T>` work): a closure's
/// untyped parameter (`|e| e.kind() != ..`) is then inferred as `&E`, as it is for a closure
/// passed to a function. A mistyped predicate is reported at the predicate, and again at the
/// return type that sets the expected signature.
fn retry_if(pred: &Expr, output: &Type) -> TokenStream {
    quote_spanned! {pred.span()=>
        {
            #[inline(always)]
            fn __wod_retry_if<__WodT, __WodE, __WodR, __WodP>(
                _: ::core::marker::PhantomData<::core::result::Result<__WodT, __WodE>>,
                predicate: __WodP,
            ) -> impl ::wait_or_die::Classify<__WodE>
            where
                __WodP: ::core::ops::Fn(&__WodE) -> __WodR,
                __WodR: ::core::convert::Into<::wait_or_die::Action>,
            {
                ::wait_or_die::__private::RetryIf(predicate)
            }
            __wod_retry_if(::core::marker::PhantomData::<#output>, #pred)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate;

    fn expand_str(args: &str, item: &str) -> String {
        let target = Target::new(syn::parse_str(item).unwrap());
        let plan = validate(syn::parse_str(args).unwrap(), &target).unwrap();
        expand(plan, target).to_string()
    }

    #[test]
    fn emits_only_the_given_setters() {
        let out = expand_str(
            "timeout = 30, max_retries = 10, initial_wait = 0.5",
            "async fn f() -> Result<(), E> { Ok(()) }",
        );
        assert!(
            out.contains(". timeout (:: core :: time :: Duration :: from_nanos (30000000000))"),
            "{out}"
        );
        assert!(out.contains(". max_retries (10)"), "{out}");
        assert!(
            out.contains(". initial_wait (:: core :: time :: Duration :: from_nanos (500000000))"),
            "{out}"
        );
        assert!(!out.contains("max_wait"), "{out}");
        assert!(out.contains("__wod_call . attempt"), "{out}");
        assert!(out.contains(". with_policy (& __WOD_POLICY) ;"), "{out}");
    }

    #[test]
    fn without_a_budget_attempts_are_not_cancellable() {
        let out = expand_str(
            "timeout = \"none\"",
            "async fn f() -> Result<(), E> { Ok(()) }",
        );
        assert!(out.contains(". no_timeout ()"), "{out}");
        assert!(out.contains("__wod_call . attempt_uncancelled ("), "{out}");
        assert!(!out.contains("__wod_call . attempt ("), "{out}");
    }

    #[test]
    fn last_error_keeps_each_error_for_the_next_attempt() {
        let out = expand_str(
            "timeout = 5, on_timeout = \"last_error\"",
            "async fn f() -> Result<(), E> { Ok(()) }",
        );
        assert!(
            out.contains("let mut __wod_last = :: core :: option :: Option :: None ;"),
            "{out}"
        );
        assert!(
            out.contains("__wod_call . attempt_or_last (__wod_last . take () ,"),
            "{out}"
        );
        assert!(
            out.contains("__wod_last = :: core :: option :: Option :: Some (__wod_e)"),
            "{out}"
        );
        assert!(!out.contains("__wod_call . attempt ("), "{out}");
    }

    #[test]
    fn a_blocking_call_with_a_breaker_asks_it_before_the_first_attempt() {
        let item = "fn f() -> Result<(), E> { Ok(()) }";
        let out = expand_str("breaker = \"mt5\"", item);
        assert!(
            out.contains("let __wod_refused : :: core :: option :: Option < Result < () , E > > = __wod_call . refused_result () ;"),
            "{out}"
        );
        // Without one, the policy's breaker is asked if the error type can carry the refusal.
        for args in ["breaker = false", ""] {
            let out = expand_str(args, item);
            assert!(!out.contains("refused_result"), "{out}");
            assert!(
                out.contains(
                    "FirstAdmission :: < Result < () , E > > :: new ()) . admit (& mut __wod_call)"
                ),
                "{out}"
            );
        }
    }

    #[test]
    fn impl_trait_in_the_output_is_inferred() {
        let out = expand_str("", "fn f() -> Result<impl Sized, E> { Ok(1) }");
        assert!(
            out.contains("| | -> Result < _ , E > { :: wait_or_die :: __private :: chaos_blocking ! (& __WOD_SITE , Result < _ , E >) ; { Ok (1) } }"),
            "{out}"
        );
        assert!(
            out.contains("fn f () -> Result < impl Sized , E >"),
            "{out}"
        );
        assert!(out.contains("BlockingCall :: start"), "{out}");
    }

    #[test]
    fn runtime_policy_and_predicate() {
        let out = expand_str(
            "policy = POLICY, retry_if = transient, name = \"n\"",
            "async fn f() -> Result<(), E> { Ok(()) }",
        );
        assert!(
            out.contains("let __wod_policy : :: wait_or_die :: Policy = POLICY ;"),
            "{out}"
        );
        // The predicate goes through a function whose bound names the error type.
        assert!(
            out.contains("__wod_retry_if (:: core :: marker :: PhantomData :: < Result < () , E > > , transient)"),
            "{out}"
        );
        assert!(out.contains("Site :: new (\"n\") ;"), "{out}");
    }
}
