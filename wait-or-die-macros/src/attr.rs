//! The arguments of `#[wait_or_die(...)]`, parsed into a typed struct.
//!
//! Parsing checks each value on its own (its literal type, its sign, that it is finite and fits);
//! rules that relate arguments to each other or to the function live in `validate.rs`. Every
//! problem found is kept and reported together, each at its own token.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use crate::duration;
use crate::suggest::did_you_mean;

/// Every argument name, in the order the docs list them.
pub(crate) const ARGUMENTS: &[&str] = &[
    "timeout",
    "max_retries",
    "initial_wait",
    "max_wait",
    "exponential_backoff",
    "multiplier",
    "jitter",
    "attempt_timeout",
    "retry_if",
    "name",
    "policy",
];

/// The jitter names accepted by `jitter = "..."`.
const JITTERS: &[&str] = &["none", "full", "equal", "decorrelated"];

/// One argument as written: its name (for spans) and its checked value.
pub(crate) struct Arg<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

/// `timeout = ...`: a budget in nanoseconds, or `"none"` for no total budget.
#[derive(Clone, Copy)]
pub(crate) enum Timeout {
    Nanos(u64),
    Unbounded,
}

/// `jitter = "..."`, named as the engine's `Jitter` variants.
#[derive(Clone, Copy)]
pub(crate) enum JitterKind {
    None,
    Full,
    Equal,
    Decorrelated,
}

/// Everything `#[wait_or_die(...)]` may say; each field is `None` when the argument was not given.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) timeout: Option<Arg<Timeout>>,
    pub(crate) max_retries: Option<Arg<u32>>,
    pub(crate) initial_wait: Option<Arg<u64>>,
    pub(crate) max_wait: Option<Arg<u64>>,
    pub(crate) exponential_backoff: Option<Arg<bool>>,
    pub(crate) multiplier: Option<Arg<f64>>,
    pub(crate) jitter: Option<Arg<JitterKind>>,
    pub(crate) attempt_timeout: Option<Arg<u64>>,
    pub(crate) retry_if: Option<Arg<Expr>>,
    pub(crate) name: Option<Arg<LitStr>>,
    pub(crate) policy: Option<Arg<Expr>>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut errors = Errors::default();
        while !input.is_empty() {
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            if !input.peek(Token![=]) {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("expected `{key} = <value>`: every argument of `#[wait_or_die]` takes a value"),
                ));
                skip_to_comma(input)?;
                continue;
            }
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            if let Err(e) = args.set(key, value) {
                errors.push(e);
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        errors.finish()?;
        Ok(args)
    }
}

impl Args {
    /// Records one `key = value`, checking the value's own form.
    fn set(&mut self, key: Ident, value: Expr) -> syn::Result<()> {
        let name = key.to_string();
        match name.as_str() {
            "timeout" => {
                let v = match &value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) if s.value().trim() == "none" => Timeout::Unbounded,
                    _ => Timeout::Nanos(duration::parse_nanos(&name, &value)?),
                };
                put(&mut self.timeout, key, v)
            }
            "max_retries" => put(&mut self.max_retries, key, parse_retries(&value)?),
            "initial_wait" => put(
                &mut self.initial_wait,
                key,
                duration::parse_nanos(&name, &value)?,
            ),
            "max_wait" => put(
                &mut self.max_wait,
                key,
                duration::parse_nanos(&name, &value)?,
            ),
            "attempt_timeout" => put(
                &mut self.attempt_timeout,
                key,
                duration::parse_nanos(&name, &value)?,
            ),
            "exponential_backoff" => match &value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => put(&mut self.exponential_backoff, key, b.value),
                _ => Err(syn::Error::new_spanned(
                    &value,
                    "`exponential_backoff` expects `true` (waits grow) or `false` (constant waits of `initial_wait`)",
                )),
            },
            "multiplier" => put(&mut self.multiplier, key, parse_multiplier(&value)?),
            "jitter" => put(&mut self.jitter, key, parse_jitter(&value)?),
            "name" => match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => put(&mut self.name, key, s),
                other => Err(syn::Error::new_spanned(
                    other,
                    "`name` expects a string literal, e.g. `name = \"gateway::recv\"`",
                )),
            },
            "retry_if" => match value {
                Expr::Lit(_) => Err(syn::Error::new_spanned(
                    value,
                    "`retry_if` expects a predicate on the error, e.g. `retry_if = is_transient` where `fn is_transient(e: &MyError) -> bool`",
                )),
                other => put(&mut self.retry_if, key, other),
            },
            "policy" => match value {
                Expr::Lit(_) => Err(syn::Error::new_spanned(
                    value,
                    "`policy` expects an expression of type `wait_or_die::Policy`, e.g. `policy = SOCKET_POLICY`",
                )),
                other => put(&mut self.policy, key, other),
            },
            _ => Err(unknown(&key)),
        }
    }
}

/// Stores an argument, refusing a second occurrence.
fn put<T>(slot: &mut Option<Arg<T>>, key: Ident, value: T) -> syn::Result<()> {
    if let Some(first) = slot {
        let mut e = syn::Error::new(
            key.span(),
            format!("`{key}` is given twice; give each argument once"),
        );
        e.combine(syn::Error::new(
            first.key.span(),
            format!("`{}` is first given here", first.key),
        ));
        return Err(e);
    }
    *slot = Some(Arg { key, value });
    Ok(())
}

fn parse_retries(value: &Expr) -> syn::Result<u32> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<u32>().map_err(|_| {
            syn::Error::new_spanned(value, format!("`max_retries` must be at most {}", u32::MAX))
        }),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            value,
            "`max_retries` cannot be negative; expected a whole number of retries after the first attempt, e.g. `max_retries = 3`",
        )),
        _ => Err(syn::Error::new_spanned(
            value,
            "`max_retries` expects a whole number of retries after the first attempt, e.g. `max_retries = 3`",
        )),
    }
}

fn parse_multiplier(value: &Expr) -> syn::Result<f64> {
    let (lit, negative) = match value {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => (&**expr, true),
        other => (other, false),
    };
    let magnitude = match lit {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>()?,
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>()?,
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                "`multiplier` expects a number of at least 1, e.g. `multiplier = 2.0`",
            ))
        }
    };
    Ok(if negative { -magnitude } else { magnitude })
}

fn parse_jitter(value: &Expr) -> syn::Result<JitterKind> {
    let allowed = "expected one of \"none\", \"full\", \"equal\", \"decorrelated\"";
    let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    else {
        return Err(syn::Error::new_spanned(
            value,
            format!("`jitter` expects a string: {allowed}"),
        ));
    };
    Ok(match s.value().as_str() {
        "none" => JitterKind::None,
        "full" => JitterKind::Full,
        "equal" => JitterKind::Equal,
        "decorrelated" => JitterKind::Decorrelated,
        other => {
            let hint = did_you_mean(other, JITTERS)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            return Err(syn::Error::new_spanned(
                value,
                format!("unknown jitter {other:?}{hint}; {allowed}"),
            ));
        }
    })
}

fn unknown(key: &Ident) -> syn::Error {
    let name = key.to_string();
    let hint = did_you_mean(&name, ARGUMENTS)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    syn::Error::new(
        key.span(),
        format!(
            "unknown argument `{name}`{hint}; expected one of: {}",
            ARGUMENTS
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// Collects errors so that all of them are reported at once (`syn::Error::combine`).
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> syn::Result<Args> {
        syn::parse_str(src)
    }

    fn message(src: &str) -> String {
        match parse(src) {
            Ok(_) => panic!("{src} was accepted"),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn parses_the_seed() {
        let a = parse("timeout = 30, exponential_backoff = true, max_retries = 10, initial_wait = 0.5, max_wait = 5.0").unwrap();
        assert!(matches!(
            a.timeout.unwrap().value,
            Timeout::Nanos(30_000_000_000)
        ));
        assert!(a.exponential_backoff.unwrap().value);
        assert_eq!(a.max_retries.unwrap().value, 10);
        assert_eq!(a.initial_wait.unwrap().value, 500_000_000);
        assert_eq!(a.max_wait.unwrap().value, 5_000_000_000);
        assert!(a.jitter.is_none() && a.policy.is_none());
    }

    #[test]
    fn parses_every_argument() {
        let a = parse(r#"timeout = "none", multiplier = 3, jitter = "full", attempt_timeout = "2s", retry_if = is_transient, name = "x", policy = P"#).unwrap();
        assert!(matches!(a.timeout.unwrap().value, Timeout::Unbounded));
        assert_eq!(a.multiplier.unwrap().value, 3.0);
        assert!(matches!(a.jitter.unwrap().value, JitterKind::Full));
        assert_eq!(a.attempt_timeout.unwrap().value, 2_000_000_000);
        assert_eq!(a.name.unwrap().value.value(), "x");
        assert!(a.retry_if.is_some() && a.policy.is_some());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let msg = message("timout = 3, max_retries = -1, max_retries = 2, max_retries = 3, jitter = \"ful\", retry");
        assert!(
            msg.contains("unknown argument `timout` (did you mean `timeout`?)"),
            "{msg}"
        );
        assert!(msg.contains("`max_retries` cannot be negative"), "{msg}");
        assert!(msg.contains("`max_retries` is given twice"), "{msg}");
        assert!(msg.contains("did you mean \"full\"?"), "{msg}");
        assert!(msg.contains("expected `retry = <value>`"), "{msg}");
    }

    #[test]
    fn rejects_wrong_literal_types() {
        assert!(message("max_retries = 1.5").contains("whole number"));
        assert!(message("exponential_backoff = 1").contains("`true`"));
        assert!(message("name = gateway").contains("string literal"));
        assert!(message("jitter = full").contains("expects a string"));
        assert!(message("multiplier = \"2\"").contains("number of at least 1"));
        assert!(message("retry_if = 3").contains("predicate"));
        assert!(message("max_retries = 4294967296").contains("at most"));
    }
}
