//! The `static` policy of an annotated function: one `PolicyBuilder` call per argument given,
//! built at compile time, with the engine's rules reported at the user's tokens.
//!
//! The macro knows neither the defaults nor the rules. For each argument given it emits a
//! `const` check, spanned at that argument, that asks the engine (`__private::blame`) whether
//! a rule the built policy breaks is blamed on it, and panics with the engine's message if so:
//! every broken rule is a compile error at its argument, all of them at once.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

use crate::args::{Form, Role};
use crate::attr::{Arg, Args, Value};

/// `static __WOD_POLICY: ::wait_or_die::Policy = ...;`, checked at compile time.
pub(crate) fn static_policy(args: &Args) -> TokenStream {
    let setters: Vec<&Arg> = args
        .iter()
        .filter(|a| matches!(a.spec.role, Role::Setter { .. }))
        .collect();
    if setters.is_empty() {
        return quote! {
            static __WOD_POLICY: ::wait_or_die::Policy = ::wait_or_die::Policy::DEFAULT;
        };
    }
    let calls = setters.iter().map(|a| setter_call(a));
    let given = setters.iter().map(|a| a.spec.name);
    let checks = setters.iter().enumerate().map(|(index, arg)| {
        quote_spanned! {arg.key.span()=>
            const _: () = if let ::core::option::Option::Some(__wod_broken) =
                ::wait_or_die::__private::blame(&__WOD_BUILDER, __WOD_GIVEN, #index)
            {
                ::core::panic!("{}", __wod_broken)
            };
        }
    });
    quote! {
        static __WOD_POLICY: ::wait_or_die::Policy = {
            const __WOD_BUILDER: ::wait_or_die::PolicyBuilder =
                ::wait_or_die::Policy::builder() #(#calls)*;
            const __WOD_GIVEN: &[&str] = &[#(#given),*];
            #(#checks)*
            ::wait_or_die::__private::built(&__WOD_BUILDER, __WOD_GIVEN)
        };
    }
}

/// `.set(value)`, or `.unset()` for `"none"` and `false`, or a switch's `.own()` for `true`,
/// spanned at the argument's name.
fn setter_call(arg: &Arg) -> TokenStream {
    let Role::Setter { set, unset } = arg.spec.role else {
        unreachable!("only setters are called on the builder");
    };
    let (method, value) = match &arg.value {
        Value::None | Value::Flag(false) => (
            unset.expect("the table gives an `unset` to every argument that may be off"),
            None,
        ),
        Value::Flag(true) => match arg.spec.form {
            Form::Switch { own } => (own, None),
            _ => (set, None),
        },
        Value::Nanos(n) => {
            let n = Literal::u64_unsuffixed(*n);
            (set, Some(quote!(::core::time::Duration::from_nanos(#n))))
        }
        Value::Percentile(p) => {
            let Form::DurationOrPercentile { percentile } = arg.spec.form else {
                unreachable!("only a percentile's form reads one");
            };
            (
                percentile,
                Some(Literal::f64_suffixed(*p).into_token_stream()),
            )
        }
        Value::Count(n) => (set, Some(Literal::u32_unsuffixed(*n).into_token_stream())),
        Value::Number(x) => {
            let magnitude = Literal::f64_suffixed(x.abs());
            let sign = x.is_sign_negative().then(|| quote!(-));
            (set, Some(quote!(#sign #magnitude)))
        }
        Value::Jitter(variant) => {
            let variant = Ident::new(variant, arg.key.span());
            (set, Some(quote!(::wait_or_die::Jitter::#variant)))
        }
        Value::Text(text) => (set, Some(quote!(#text))),
        Value::Expr(_) | Value::Choice(_) => {
            unreachable!("no setter takes an expression or a choice")
        }
    };
    let method = Ident::new(method, arg.key.span());
    quote_spanned!(arg.key.span()=> .#method(#value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(src: &str) -> String {
        static_policy(&syn::parse_str(src).unwrap()).to_string()
    }

    #[test]
    fn emits_one_setter_and_one_check_per_argument_given() {
        let out = policy(
            r#"timeout = "none", max_retries = 10, initial_wait = 0.5, exponential_backoff = false, multiplier = -2, jitter = "full", name = "n""#,
        );
        for call in [
            ". no_timeout ()",
            ". max_retries (10)",
            ". initial_wait (:: core :: time :: Duration :: from_nanos (500000000))",
            ". constant ()",
            ". multiplier (- 2f64)",
            ". jitter (:: wait_or_die :: Jitter :: Full)",
        ] {
            assert!(out.contains(call), "{call} in {out}");
        }
        assert!(
            out.contains(r#"& ["timeout" , "max_retries" , "initial_wait" , "exponential_backoff" , "multiplier" , "jitter"]"#),
            "{out}"
        );
        assert_eq!(out.matches("__private :: blame").count(), 6, "{out}");
        assert!(!out.contains("max_wait"), "{out}");
    }

    #[test]
    fn the_budget_is_shared_or_turned_off_by_name() {
        let out = policy(
            r#"budget = "mt5", budget_ratio = 0.1, budget_min_per_second = 5, budget_window = "30s""#,
        );
        for call in [
            ". shared_budget (\"mt5\")",
            ". budget_ratio (0.1f64)",
            ". budget_min_per_second (5)",
            ". budget_window (:: core :: time :: Duration :: from_nanos (30000000000))",
        ] {
            assert!(out.contains(call), "{call} in {out}");
        }
        assert!(policy(r#"budget = "none""#).contains(". no_budget ()"));
    }

    #[test]
    fn the_breaker_is_the_site_s_own_shared_by_name_or_none() {
        let out = policy(r#"breaker = true, breaker_open_for = "2s", breaker_min_calls = 5"#);
        for call in [
            ". breaker ()",
            ". breaker_open_for (:: core :: time :: Duration :: from_nanos (2000000000))",
            ". breaker_min_calls (5)",
        ] {
            assert!(out.contains(call), "{call} in {out}");
        }
        let shared = policy(
            r#"breaker = "terminal", breaker_failure_ratio = 0.25, breaker_window = 10, breaker_probes = 2"#,
        );
        for call in [
            ". shared_breaker (\"terminal\")",
            ". breaker_failure_ratio (0.25f64)",
            ". breaker_window (:: core :: time :: Duration :: from_nanos (10000000000))",
            ". breaker_probes (2)",
        ] {
            assert!(shared.contains(call), "{call} in {shared}");
        }
        assert!(policy("breaker = false").contains(". no_breaker ()"));
    }

    #[test]
    fn no_argument_is_the_engine_s_default() {
        assert!(policy("").contains("Policy :: DEFAULT"));
        assert!(policy("retry_if = f").contains("Policy :: DEFAULT"));
    }
}
