//! The rules of the attribute itself: between its arguments and against the annotated function.
//!
//! Rules on values and on policy settings together (a zero budget, `max_wait` below
//! `initial_wait`, counting the defaults) are the engine's: the expansion builds the `static`
//! policy in a `const` that reports each broken rule at its argument (`policy.rs`). All problems
//! found here are collected and reported together.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use crate::args::{
    self, AsyncOnly, Cancels, Form, Role, ARGUMENTS, HEDGE_AFTER, NONE, ON_TIMEOUT_LAST_ERROR,
};
use crate::attr::{Arg, Args, Errors, Value};
use crate::item::Target;

/// Path types that are certainly not a `Result`, named in their own error.
const NOT_RESULT: &[&str] = &[
    "Option", "Vec", "String", "Box", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128",
    "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// Checked arguments, ready to expand.
pub(crate) struct Plan {
    pub(crate) args: Args,
    /// Whether an async attempt may be cancelled (a total or per-attempt budget may be set),
    /// which needs the error type to hold an `EngineError`.
    pub(crate) may_time_out: bool,
    /// `on_timeout = "last_error"`: an attempt is cut off only when the error of the one
    /// before can be returned instead, so the error type needs no `From<EngineError>`.
    pub(crate) last_error: bool,
    /// A circuit breaker is on: it may refuse a call before its first attempt, which then
    /// returns an `EngineError` converted into the function's error type.
    pub(crate) may_refuse: bool,
    /// `hedge_after` is given: hedges run beside a pending attempt.
    pub(crate) hedged: bool,
}

/// Checks the arguments against each other and against the function.
pub(crate) fn validate(args: Args, target: &Target) -> syn::Result<Plan> {
    let mut errors = Errors::default();
    check_function(target, &mut errors);
    if let Some(policy) = args.with_role(Role::Policy) {
        for arg in args
            .iter()
            .filter(|a| matches!(a.spec.role, Role::Setter { .. }))
        {
            errors.push(syn::Error::new(
                arg.key.span(),
                format!(
                    "`{}` cannot be combined with `{}`: set it on the `Policy` instead, or drop `{}` and use literal arguments",
                    arg.key, policy.key, policy.key
                ),
            ));
        }
    }
    if !target.is_async() {
        let total = ARGUMENTS.iter().find(|s| s.cancels == Cancels::UnlessNone);
        for arg in args.iter() {
            let why = match arg.spec.async_only {
                AsyncOnly::No => continue,
                AsyncOnly::Interrupts => {
                    let instead = total.map(|t| format!("; use `{}` to bound the whole call", t.name));
                    format!("a blocking attempt cannot be interrupted{}", instead.unwrap_or_default())
                }
                AsyncOnly::RunsBeside => "a hedge runs beside an attempt that is still pending, and a blocking attempt holds its thread until it ends".to_owned(),
            };
            errors.push(syn::Error::new(
                arg.key.span(),
                format!("`{}` needs an `async fn`: {why}", arg.key),
            ));
        }
    }
    check_hedging(&args, target, &mut errors);
    check_groups(&args, &mut errors);
    if let Some(arg) = args.with_role(Role::SiteName) {
        if let Value::Text(name) = &arg.value {
            if name.value().trim().is_empty() {
                errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "`{}` cannot be empty; it names the site in statistics and logs",
                        arg.key
                    ),
                ));
            }
        }
    }
    let may_time_out = may_time_out(&args);
    let last_error = check_on_timeout(&args, may_time_out, &mut errors);
    let may_refuse = switched_on(&args).is_some();
    errors.finish()?;
    let hedged = args::find(HEDGE_AFTER).is_some_and(|spec| args.get(spec).is_some());
    Ok(Plan {
        args,
        may_time_out,
        last_error,
        may_refuse,
        hedged,
    })
}

/// Whether `on_timeout = "last_error"` is asked for, and where it cannot be: with nothing that
/// cuts an attempt off, or with a per-attempt budget, which cuts off the first attempt too.
fn check_on_timeout(args: &Args, may_time_out: bool, errors: &mut Errors) -> bool {
    let Some(arg) = args.with_role(Role::OnTimeout) else {
        return false;
    };
    if !may_time_out {
        errors.push(syn::Error::new(
            arg.key.span(),
            format!("`{}` has no effect here: with `timeout = \"{NONE}\"` and no `attempt_timeout` nothing cuts an attempt off; drop it", arg.key),
        ));
    }
    let last_error = matches!(arg.value, Value::Choice(word) if word == ON_TIMEOUT_LAST_ERROR);
    let per_attempt = ARGUMENTS
        .iter()
        .filter(|spec| spec.cancels == Cancels::WhenGiven && spec.role != Role::Policy)
        .find_map(|spec| args.get(spec));
    if let (true, Some(refuses)) = (last_error, switched_on(args)) {
        errors.push(syn::Error::new(
            refuses.key.span(),
            format!(
                "`{}` cannot be combined with `{} = \"{ON_TIMEOUT_LAST_ERROR}\"`: an open breaker refuses a call before its first attempt, when there is no earlier error to return",
                refuses.key, arg.key
            ),
        ));
    }
    if let (true, Some(per_attempt)) = (last_error, per_attempt) {
        errors.push(syn::Error::new(
            per_attempt.key.span(),
            format!(
                "`{}` cannot be combined with `{} = \"{ON_TIMEOUT_LAST_ERROR}\"`: it cuts off the first attempt too, when there is no earlier error to return; bound the attempt's own I/O instead",
                per_attempt.key, arg.key
            ),
        ));
    }
    last_error
}

/// Hedges borrow the arguments side by side, so none may be `&mut`; and a hedged call returns
/// the engine's error when the deadline cuts its attempts off, keeping no single earlier error
/// to return instead.
fn check_hedging(args: &Args, target: &Target, errors: &mut Errors) {
    let Some(hedge) = args::find(HEDGE_AFTER).and_then(|spec| args.get(spec)) else {
        return;
    };
    // Hedges run side by side, each borrowing the arguments: none may be borrowed `&mut`.
    for input in &target.item.sig.inputs {
        let name = match input {
            syn::FnArg::Receiver(r) if receiver_is_mut_ref(r) => "self".to_owned(),
            syn::FnArg::Typed(t) if matches!(&*t.ty, Type::Reference(r) if r.mutability.is_some()) => {
                t.pat.to_token_stream().to_string()
            }
            _ => continue,
        };
        errors.push(syn::Error::new_spanned(
            input,
            format!(
                "`{}` runs hedges side by side, each borrowing the arguments, so none can be `&mut`: `{name}` is; take it `&` (with a lock inside if it must change), or drop `{}`",
                hedge.key, hedge.key
            ),
        ));
    }
    let on_timeout = args.with_role(Role::OnTimeout);
    if let Some(on_timeout) = on_timeout {
        if matches!(on_timeout.value, Value::Choice(word) if word == ON_TIMEOUT_LAST_ERROR) {
            errors.push(syn::Error::new(
                hedge.key.span(),
                format!(
                    "`{}` cannot be combined with `{} = \"{ON_TIMEOUT_LAST_ERROR}\"`: a hedged call cut off at its deadline returns the engine's error; drop one of them",
                    hedge.key, on_timeout.key
                ),
            ));
        }
    }
}

/// `&mut self`, or `self: &mut Self`.
fn receiver_is_mut_ref(receiver: &syn::Receiver) -> bool {
    match &receiver.kind {
        syn::ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
        syn::ReceiverKind::Typed(_, ty) => {
            matches!(&**ty, Type::Reference(r) if r.mutability.is_some())
        }
        _ => false,
    }
}

/// An argument given as `"none"` (or `false`) turns its group off: the others of the group
/// cannot be given; and a group that is off unless turned on cannot be tuned without it.
fn check_groups(args: &Args, errors: &mut Errors) {
    for off in args.iter().filter(|a| matches!(a.value, Value::None)) {
        let Some(group) = off.spec.group else {
            continue;
        };
        let written = match off.spec.form {
            Form::Switch { .. } => "false".to_owned(),
            _ => format!("\"{NONE}\""),
        };
        for arg in args
            .iter()
            .filter(|a| a.spec.group == Some(group) && a.spec.name != off.spec.name)
        {
            errors.push(syn::Error::new(
                arg.key.span(),
                format!(
                    "`{}` cannot be combined with `{} = {written}`, which turns it off; drop one of them",
                    arg.key, off.key
                ),
            ));
        }
    }
    for switch in ARGUMENTS
        .iter()
        .filter(|s| matches!(s.form, Form::Switch { .. }))
    {
        let group = switch.group.filter(|g| g.off_by_default());
        if group.is_none() || args.get(switch).is_some() {
            continue;
        }
        for arg in args.iter().filter(|a| a.spec.group == group) {
            errors.push(syn::Error::new(
                arg.key.span(),
                format!(
                    "`{}` needs `{name} = true` (one of the site's own) or `{name} = \"NAME\"` (one shared by name): the {name} is off unless asked for",
                    arg.key,
                    name = switch.name
                ),
            ));
        }
    }
}

/// The argument given that may refuse a call before its first attempt, if it is on.
fn switched_on(args: &Args) -> Option<&Arg> {
    args.iter()
        .find(|a| a.spec.cancels == Cancels::WhenOn && !matches!(a.value, Value::None))
}

/// Whether some argument, or the engine's default budget, may cancel an attempt.
fn may_time_out(args: &Args) -> bool {
    ARGUMENTS.iter().any(|spec| {
        let given = args.get(spec);
        match spec.cancels {
            Cancels::Never => false,
            Cancels::WhenGiven => given.is_some(),
            Cancels::WhenOn => given.is_some_and(|arg| !matches!(arg.value, Value::None)),
            Cancels::UnlessNone => !matches!(given, Some(arg) if matches!(arg.value, Value::None)),
        }
    })
}

/// The function must have a body, not be `const`, and return something that may be a `Result`.
fn check_function(target: &Target, errors: &mut Errors) {
    let sig = &target.item.sig;
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span(),
            "`#[wait_or_die]` cannot be used on a `const fn`: retrying waits at run time",
        ));
    }
    match target.attempt_output() {
        None => errors.push(syn::Error::new(
            match &sig.output {
                ReturnType::Default => sig.paren_token.span.close(),
                ReturnType::Type(_, ty) => ty.span(),
            },
            "`#[wait_or_die]` needs a function that returns a `Result`: the error decides whether to retry, but this function returns `()`",
        )),
        Some(ty) => {
            if let Some(what) = not_result(ty) {
                errors.push(syn::Error::new_spanned(
                    ty,
                    format!("`#[wait_or_die]` needs a function that returns a `Result<T, E>` (or an alias of one): the error decides whether to retry, but this function returns {what}"),
                ));
            }
        }
    }
}

/// Describes `ty` when it is certainly not a `Result`. A path type that is not on the list may
/// be an alias (`io::Result<T>`, `type Res<T> = ...`), which only the compiler can see through,
/// so it is accepted here and the engine's `Result` parameter checks it.
fn not_result(ty: &Type) -> Option<String> {
    match ty {
        Type::Paren(p) => not_result(&p.elem),
        Type::Group(g) => not_result(&g.elem),
        Type::Tuple(t) if t.elems.is_empty() => Some("`()`".to_owned()),
        Type::Tuple(_) => Some("a tuple".to_owned()),
        Type::Reference(_) => Some("a reference".to_owned()),
        Type::Array(_) | Type::Slice(_) => Some("an array or slice".to_owned()),
        Type::Ptr(_) => Some("a raw pointer".to_owned()),
        Type::FnPtr(_) => Some("a function pointer".to_owned()),
        Type::Never(_) => Some("`!`".to_owned()),
        Type::TraitObject(_) => Some("a trait object".to_owned()),
        Type::ImplTrait(_) => Some("an `impl Trait`".to_owned()),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?.ident.to_string();
            NOT_RESULT
                .contains(&last.as_str())
                .then(|| format!("`{last}`"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the plan may cancel attempts, or every error message.
    fn check(args: &str, item: &str) -> Result<bool, String> {
        let args: Args = syn::parse_str(args).unwrap();
        let target = Target::new(syn::parse_str(item).unwrap());
        validate(args, &target)
            .map(|plan| plan.may_time_out)
            .map_err(|e| {
                e.into_iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
    }

    const ASYNC: &str = "async fn f() -> Result<(), E> { Ok(()) }";
    const SYNC: &str = "fn f() -> Result<(), E> { Ok(()) }";

    #[test]
    fn accepts_the_seed_and_the_defaults() {
        let seed = "timeout = 30, exponential_backoff = true, max_retries = 10, initial_wait = 0.5, max_wait = 5.0";
        assert!(check(seed, ASYNC).unwrap());
        assert!(check(seed, SYNC).is_ok());
        assert!(check("", ASYNC).unwrap());
        assert!(check("initial_wait = 5", SYNC).is_ok());
        assert!(check("max_wait = 0.5", SYNC).is_ok());
    }

    #[test]
    fn last_error_needs_a_deadline_and_no_attempt_timeout() {
        assert!(check("on_timeout = \"last_error\"", ASYNC).unwrap());
        assert!(check("timeout = 5, on_timeout = \"engine_error\"", ASYNC).unwrap());
        let err = check("timeout = \"none\", on_timeout = \"last_error\"", ASYNC).unwrap_err();
        assert!(err.contains("`on_timeout` has no effect here"), "{err}");
        let err = check("attempt_timeout = 1, on_timeout = \"last_error\"", ASYNC).unwrap_err();
        assert!(
            err.contains("`attempt_timeout` cannot be combined with `on_timeout = \"last_error\"`"),
            "{err}"
        );
        let err = check("on_timeout = \"last_error\"", SYNC).unwrap_err();
        assert!(err.contains("`on_timeout` needs an `async fn`"), "{err}");
    }

    #[test]
    fn no_budget_means_no_cancellation() {
        assert!(!check("timeout = \"none\"", ASYNC).unwrap());
        assert!(check("timeout = \"none\", attempt_timeout = 1", ASYNC).unwrap());
        assert!(check("policy = P", ASYNC).unwrap());
    }

    #[test]
    fn rejects_what_the_attribute_cannot_do() {
        let err = check("attempt_timeout = 1", SYNC).unwrap_err();
        assert!(err.contains("needs an `async fn`"), "{err}");
        assert!(
            err.contains("use `timeout` to bound the whole call"),
            "{err}"
        );
        let err = check(
            "policy = P, timeout = 3, jitter = \"full\", name = \"n\"",
            ASYNC,
        )
        .unwrap_err();
        assert_eq!(
            err.matches("cannot be combined with `policy`").count(),
            2,
            "{err}"
        );
        assert!(check("name = \" \"", ASYNC).is_err());
    }

    #[test]
    fn a_budget_turned_off_cannot_be_tuned() {
        let err = check(
            "budget = \"none\", budget_ratio = 0.1, budget_window = 5, max_retries = 2",
            ASYNC,
        )
        .unwrap_err();
        assert_eq!(err.lines().count(), 2, "{err}");
        assert!(
            err.contains("`budget_ratio` cannot be combined with `budget = \"none\"`"),
            "{err}"
        );
        assert!(check("budget = \"mt5\", budget_ratio = 0.1", ASYNC).is_ok());
        assert!(check("budget = \"none\", timeout = \"none\"", ASYNC).is_ok());
    }

    #[test]
    fn a_breaker_is_asked_for_and_then_may_refuse_a_call() {
        // An open breaker answers with an `EngineError`, even with no deadline.
        assert!(check("timeout = \"none\", breaker = true", ASYNC).unwrap());
        assert!(check("timeout = \"none\", breaker = \"mt5\"", ASYNC).unwrap());
        assert!(!check("timeout = \"none\", breaker = false", ASYNC).unwrap());
        assert!(check("breaker = \"mt5\", breaker_open_for = 2", SYNC).is_ok());
        let err = check("breaker_open_for = 2, breaker_probes = 2", SYNC).unwrap_err();
        assert_eq!(err.lines().count(), 2, "{err}");
        assert!(
            err.contains("`breaker_open_for` needs `breaker = true` (one of the site's own) or `breaker = \"NAME\"`"),
            "{err}"
        );
        let err = check("breaker = false, breaker_window = 5", SYNC).unwrap_err();
        assert!(
            err.contains("`breaker_window` cannot be combined with `breaker = false`"),
            "{err}"
        );
        let err = check("breaker = true, on_timeout = \"last_error\"", ASYNC).unwrap_err();
        assert!(
            err.contains("`breaker` cannot be combined with `on_timeout = \"last_error\"`"),
            "{err}"
        );
        assert!(check("breaker = false, on_timeout = \"last_error\"", ASYNC).is_ok());
    }

    #[test]
    fn leaves_the_rules_on_values_to_the_engine() {
        // Checked when the expansion builds the policy, at the argument each rule is blamed on.
        for args in [
            "initial_wait = 2, max_wait = 1",
            "initial_wait = 6",
            "timeout = 0, multiplier = 0.5",
        ] {
            assert!(check(args, ASYNC).is_ok(), "{args}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_result() {
        for item in [
            "fn f() {}",
            "async fn f() -> () {}",
            "fn f() -> Option<u8> { None }",
            "fn f() -> u32 { 1 }",
            "fn f() -> (u8, u8) { (1, 2) }",
            "fn f() -> &'static str { \"\" }",
            "fn f() -> impl Sized { 1 }",
        ] {
            let err = check("", item).unwrap_err();
            assert!(
                err.contains("needs a function that returns a `Result"),
                "{item}: {err}"
            );
        }
        for item in [
            "fn f() -> io::Result<u8> { Ok(1) }",
            "fn f() -> MyResult { Ok(1) }",
            "fn f() -> Result<impl Sized, E> { Ok(1) }",
        ] {
            assert!(check("", item).is_ok(), "{item}");
        }
        assert!(check("", "const fn f() -> Result<(), E> { Ok(()) }").is_err());
    }
}
