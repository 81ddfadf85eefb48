//! The rules that relate the arguments to each other and to the annotated function.
//!
//! They mirror `PolicyBuilder::build` in the engine, so that the `const` policy the expansion
//! emits can never fail to build: every mistake is reported here, at the user's token, with what
//! is allowed. All problems are collected and reported together.

use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use crate::attr::{Arg, Args, Errors, Timeout};
use crate::item::Target;

/// The engine's `DEFAULT_INITIAL_WAIT` (0.5 s), needed to check a lone `max_wait`.
const DEFAULT_INITIAL_WAIT_NANOS: u64 = 500_000_000;
/// The engine's `DEFAULT_MAX_WAIT` (5 s), needed to check a lone `initial_wait`.
const DEFAULT_MAX_WAIT_NANOS: u64 = 5_000_000_000;

/// Path types that are certainly not a `Result`, named in their own error.
const NOT_RESULT: &[&str] = &[
    "Option", "Vec", "String", "Box", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128",
    "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// Checked arguments, ready to expand.
pub(crate) struct Plan {
    pub(crate) args: Args,
    /// Whether an async attempt may be cancelled (a total or per-attempt budget may be set),
    /// which needs the error type to hold a `TimedOut`.
    pub(crate) may_time_out: bool,
}

/// Checks the arguments against each other and against the function.
pub(crate) fn validate(args: Args, target: &Target) -> syn::Result<Plan> {
    let mut errors = Errors::default();
    check_function(target, &mut errors);
    if let Some(policy) = &args.policy {
        for key in literal_keys(&args) {
            errors.push(syn::Error::new(
                key.span(),
                format!(
                    "`{key}` cannot be combined with `{}`: set it on the `Policy` instead, or drop `policy` and use literal arguments",
                    policy.key
                ),
            ));
        }
    }
    if let Some(Arg {
        key,
        value: Timeout::Nanos(0),
    }) = &args.timeout
    {
        errors.push(syn::Error::new(
            key.span(),
            "`timeout` must be greater than zero; write `timeout = \"none\"` for no total budget",
        ));
    }
    if let Some(Arg { key, value: 0 }) = &args.attempt_timeout {
        errors.push(syn::Error::new(
            key.span(),
            "`attempt_timeout` must be greater than zero",
        ));
    }
    if let Some(Arg { key, .. }) = &args.attempt_timeout {
        if !target.is_async() {
            errors.push(syn::Error::new(
                key.span(),
                "`attempt_timeout` needs an `async fn`: a blocking attempt cannot be interrupted; use `timeout` to bound the whole call",
            ));
        }
    }
    if let Some(Arg { key, value }) = &args.multiplier {
        if !(value.is_finite() && *value >= 1.0) {
            errors.push(syn::Error::new(
                key.span(),
                "`multiplier` must be a finite number of at least 1, e.g. `multiplier = 2.0`",
            ));
        }
    }
    check_waits(&args, &mut errors);
    if let Some(Arg { value, .. }) = &args.name {
        if value.value().trim().is_empty() {
            errors.push(syn::Error::new(
                value.span(),
                "`name` cannot be empty; it names the site in statistics and logs",
            ));
        }
    }
    errors.finish()?;
    let may_time_out = args.policy.is_some()
        || args.attempt_timeout.is_some()
        || !matches!(
            args.timeout,
            Some(Arg {
                value: Timeout::Unbounded,
                ..
            })
        );
    Ok(Plan { args, may_time_out })
}

/// `max_wait >= initial_wait`, counting the engine's defaults for the one not given.
fn check_waits(args: &Args, errors: &mut Errors) {
    let initial = args.initial_wait.as_ref();
    let max = args.max_wait.as_ref();
    let initial_nanos = initial.map_or(DEFAULT_INITIAL_WAIT_NANOS, |a| a.value);
    let max_nanos = max.map_or(DEFAULT_MAX_WAIT_NANOS, |a| a.value);
    if max_nanos >= initial_nanos {
        return;
    }
    let message = match (initial, max) {
        (Some(_), Some(_)) => "`max_wait` must be at least `initial_wait`".to_owned(),
        (Some(_), None) => format!(
            "`initial_wait` is longer than the default `max_wait` ({} s); give `max_wait` too",
            seconds(DEFAULT_MAX_WAIT_NANOS)
        ),
        (None, _) => format!(
            "`max_wait` must be at least the default `initial_wait` ({} s); give `initial_wait` too",
            seconds(DEFAULT_INITIAL_WAIT_NANOS)
        ),
    };
    let at = max
        .or(initial)
        .map(|a| a.key.span())
        .unwrap_or_else(proc_macro2::Span::call_site);
    errors.push(syn::Error::new(at, message));
}

fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

/// Names of the literal policy arguments given, which `policy = expr` excludes.
fn literal_keys(args: &Args) -> Vec<&syn::Ident> {
    let mut keys = Vec::new();
    keys.extend(args.timeout.as_ref().map(|a| &a.key));
    keys.extend(args.max_retries.as_ref().map(|a| &a.key));
    keys.extend(args.initial_wait.as_ref().map(|a| &a.key));
    keys.extend(args.max_wait.as_ref().map(|a| &a.key));
    keys.extend(args.exponential_backoff.as_ref().map(|a| &a.key));
    keys.extend(args.multiplier.as_ref().map(|a| &a.key));
    keys.extend(args.jitter.as_ref().map(|a| &a.key));
    keys.extend(args.attempt_timeout.as_ref().map(|a| &a.key));
    keys
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
        Type::BareFn(_) => Some("a function pointer".to_owned()),
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
    fn no_budget_means_no_cancellation() {
        assert!(!check("timeout = \"none\"", ASYNC).unwrap());
        assert!(check("timeout = \"none\", attempt_timeout = 1", ASYNC).unwrap());
        assert!(check("policy = P", ASYNC).unwrap());
    }

    #[test]
    fn rejects_bad_combinations() {
        let err = check("initial_wait = 2, max_wait = 1", SYNC).unwrap_err();
        assert!(
            err.contains("`max_wait` must be at least `initial_wait`"),
            "{err}"
        );
        let err = check("initial_wait = 6", SYNC).unwrap_err();
        assert!(err.contains("default `max_wait` (5 s)"), "{err}");
        let err = check("max_wait = 0.25", SYNC).unwrap_err();
        assert!(err.contains("default `initial_wait` (0.5 s)"), "{err}");
        let err = check("attempt_timeout = 1", SYNC).unwrap_err();
        assert!(err.contains("needs an `async fn`"), "{err}");
        let err = check("timeout = 0, attempt_timeout = 0, multiplier = 0.5", ASYNC).unwrap_err();
        assert_eq!(err.lines().count(), 3, "{err}");
        let err = check("policy = P, timeout = 3, jitter = \"full\"", ASYNC).unwrap_err();
        assert_eq!(
            err.matches("cannot be combined with `policy`").count(),
            2,
            "{err}"
        );
        assert!(check("name = \" \"", ASYNC).is_err());
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
