//! The arguments of `#[wait_or_die(...)]`, parsed into typed values by the table in `args.rs`.
//!
//! Parsing checks each value's form on its own (its literal type, its sign, that it fits);
//! rules between arguments and the function live in `validate.rs`, and the rules on values in
//! the engine. Every problem found is kept and reported together, each at its own token.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use crate::args::{self, Form, Role, Spec, JITTERS, NONE};
use crate::duration;
use crate::suggest::did_you_mean;

/// A value as the expansion needs it.
pub(crate) enum Value {
    Nanos(u64),
    /// A percentile written `"p95"`: above 0 and below 100 is the engine's rule.
    Percentile(f64),
    Count(u32),
    Number(f64),
    Flag(bool),
    /// The engine's `Jitter` variant.
    Jitter(&'static str),
    /// One of a [`Form::Choice`]'s words.
    Choice(&'static str),
    Text(LitStr),
    Expr(Expr),
    /// `"none"` (or `false` for a [`Form::Switch`]): the setting is turned off.
    None,
}

/// One argument as written: which one, its name (for spans) and its value.
pub(crate) struct Arg {
    pub(crate) spec: &'static Spec,
    pub(crate) key: Ident,
    pub(crate) value: Value,
}

/// The arguments given, each at most once, in the order written.
#[derive(Default)]
pub(crate) struct Args(Vec<Arg>);

impl Args {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arg> {
        self.0.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Arg> {
        self.0.iter_mut()
    }

    /// The argument `spec`, if given.
    pub(crate) fn get(&self, spec: &Spec) -> Option<&Arg> {
        self.0.iter().find(|a| a.spec.name == spec.name)
    }

    /// The argument with `role`, if given.
    pub(crate) fn with_role(&self, role: Role) -> Option<&Arg> {
        self.get(args::with_role(role))
    }

    /// Stores an argument, refusing a second occurrence.
    fn put(&mut self, arg: Arg) -> syn::Result<()> {
        if let Some(first) = self.get(arg.spec) {
            let mut e = syn::Error::new(
                arg.key.span(),
                format!("`{}` is given twice; give each argument once", arg.key),
            );
            e.combine(syn::Error::new(
                first.key.span(),
                format!("`{}` is first given here", first.key),
            ));
            return Err(e);
        }
        self.0.push(arg);
        Ok(())
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut errors = Errors::default();
        while !input.is_empty() {
            let key: Ident = input.call(Ident::parse_any)?;
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
            let parsed = match args::find(&key.to_string()) {
                Some(spec) => {
                    parse_value(spec, value).and_then(|value| args.put(Arg { spec, key, value }))
                }
                None => Err(unknown(&key)),
            };
            if let Err(e) = parsed {
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

/// Checks a value's form for its argument.
fn parse_value(spec: &Spec, value: Expr) -> syn::Result<Value> {
    let name = spec.name;
    let wrong =
        |value: &Expr| syn::Error::new_spanned(value, format!("`{name}` expects {}", spec.expects));
    match spec.form {
        Form::Duration { or_none } => match string(&value) {
            Some(s) if or_none && s.value().trim() == NONE => Ok(Value::None),
            _ => duration::parse_nanos(name, &value).map(Value::Nanos),
        },
        Form::DurationOrPercentile { .. } => match string(&value) {
            Some(s) if s.value().trim_start().starts_with('p') => {
                percentile(name, &value, &s.value()).map(Value::Percentile)
            }
            _ => duration::parse_nanos(name, &value).map(Value::Nanos),
        },
        Form::Count => match &value {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => int.base10_parse::<u32>().map(Value::Count).map_err(|_| {
                syn::Error::new_spanned(&value, format!("`{name}` must be at most {}", u32::MAX))
            }),
            Expr::Unary(ExprUnary {
                op: UnOp::Neg(_), ..
            }) => Err(syn::Error::new_spanned(
                &value,
                format!("`{name}` cannot be negative; expected {}", spec.expects),
            )),
            _ => Err(wrong(&value)),
        },
        Form::Number => number(&value)
            .ok_or_else(|| wrong(&value))?
            .map(Value::Number),
        Form::Flag => match &value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Ok(Value::Flag(b.value)),
            _ => Err(wrong(&value)),
        },
        Form::Jitter => parse_jitter(name, &value),
        Form::Choice(words) => parse_choice(name, words, &value),
        Form::Text { or_none } => match string(&value) {
            Some(s) if or_none && s.value() == NONE => Ok(Value::None),
            Some(s) => Ok(Value::Text(s.clone())),
            None => Err(wrong(&value)),
        },
        Form::Switch { .. } => match &value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Ok(if b.value { Value::Flag(true) } else { Value::None }),
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) if s.value().trim() == NONE => Err(syn::Error::new_spanned(
                &value,
                format!("`{name} = \"{NONE}\"` would name a shared {name} \"{NONE}\"; write `{name} = false` for none"),
            )),
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(Value::Text(s.clone())),
            _ => Err(wrong(&value)),
        },
        Form::Expr => match value {
            Expr::Lit(_) => Err(wrong(&value)),
            other => Ok(Value::Expr(other)),
        },
    }
}

/// The number of a percentile written `"p95"`; its range is the engine's to check.
fn percentile(name: &str, value: &Expr, text: &str) -> syn::Result<f64> {
    let number = text.trim().trim_start_matches('p').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() => Ok(p),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{name}` = {text:?} is not a percentile: write `p` and a number above 0 and below 100, e.g. \"p95\" or \"p99.9\""),
        )),
    }
}

fn string(value: &Expr) -> Option<&LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s),
        _ => None,
    }
}

/// A number literal, maybe negative: `None` when it is not one, an error when it does not fit.
fn number(value: &Expr) -> Option<syn::Result<f64>> {
    let (lit, sign) = match value {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => (&**expr, -1.0),
        other => (other, 1.0),
    };
    let magnitude = match lit {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>(),
        _ => return None,
    };
    Some(magnitude.and_then(|m| {
        if m.is_finite() {
            Ok(sign * m)
        } else {
            Err(syn::Error::new_spanned(
                value,
                "this number is too large for an `f64`",
            ))
        }
    }))
}

fn parse_jitter(name: &str, value: &Expr) -> syn::Result<Value> {
    let allowed = format!(
        "expected one of {}",
        args::one_of(JITTERS.iter().map(|(n, _)| *n), "\"")
    );
    let Some(s) = string(value) else {
        return Err(syn::Error::new_spanned(
            value,
            format!("`{name}` expects a string: {allowed}"),
        ));
    };
    let given = s.value();
    match JITTERS.iter().find(|(n, _)| *n == given) {
        Some((_, variant)) => Ok(Value::Jitter(variant)),
        None => {
            let names: Vec<&str> = JITTERS.iter().map(|(n, _)| *n).collect();
            let hint = did_you_mean(&given, &names)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            Err(syn::Error::new_spanned(
                value,
                format!("unknown jitter {given:?}{hint}; {allowed}"),
            ))
        }
    }
}

fn parse_choice(name: &str, words: &'static [&'static str], value: &Expr) -> syn::Result<Value> {
    let allowed = format!(
        "expected one of {}",
        args::one_of(words.iter().copied(), "\"")
    );
    let Some(s) = string(value) else {
        return Err(syn::Error::new_spanned(
            value,
            format!("`{name}` expects a string: {allowed}"),
        ));
    };
    let given = s.value();
    match words.iter().find(|w| **w == given) {
        Some(word) => Ok(Value::Choice(word)),
        None => {
            let hint = did_you_mean(&given, words)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            Err(syn::Error::new_spanned(
                value,
                format!("unknown `{name}` value {given:?}{hint}; {allowed}"),
            ))
        }
    }
}

fn unknown(key: &Ident) -> syn::Error {
    let name = key.to_string();
    let names: Vec<&str> = args::names().collect();
    let hint = did_you_mean(&name, &names)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    syn::Error::new(
        key.span(),
        format!(
            "unknown argument `{name}`{hint}; expected one of: {}",
            args::one_of(args::names(), "`")
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

    fn value<'a>(args: &'a Args, name: &str) -> &'a Value {
        &args.get(args::find(name).unwrap()).unwrap().value
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
        assert!(matches!(value(&a, "timeout"), Value::Nanos(30_000_000_000)));
        assert!(matches!(
            value(&a, "exponential_backoff"),
            Value::Flag(true)
        ));
        assert!(matches!(value(&a, "max_retries"), Value::Count(10)));
        assert!(matches!(
            value(&a, "initial_wait"),
            Value::Nanos(500_000_000)
        ));
        assert!(matches!(value(&a, "max_wait"), Value::Nanos(5_000_000_000)));
        assert_eq!(a.iter().count(), 5);
    }

    #[test]
    fn parses_every_form() {
        let a = parse(r#"timeout = "none", multiplier = -3, jitter = "full", attempt_timeout = "2s", retry_if = is_transient, name = "x", policy = P"#).unwrap();
        assert!(matches!(value(&a, "timeout"), Value::None));
        assert!(matches!(value(&a, "multiplier"), Value::Number(m) if *m == -3.0));
        assert!(matches!(value(&a, "jitter"), Value::Jitter("Full")));
        assert!(matches!(
            value(&a, "attempt_timeout"),
            Value::Nanos(2_000_000_000)
        ));
        assert!(matches!(value(&a, "name"), Value::Text(s) if s.value() == "x"));
        assert!(matches!(value(&a, "retry_if"), Value::Expr(_)));
        assert!(a.with_role(Role::Policy).is_some());
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
    fn a_switch_is_on_off_or_a_name() {
        let a = parse(r#"breaker = true"#).unwrap();
        assert!(matches!(value(&a, "breaker"), Value::Flag(true)));
        let a = parse(r#"breaker = false"#).unwrap();
        assert!(matches!(value(&a, "breaker"), Value::None));
        let a = parse(r#"breaker = "mt5 terminal""#).unwrap();
        assert!(matches!(value(&a, "breaker"), Value::Text(s) if s.value() == "mt5 terminal"));
        assert!(message(r#"breaker = "none""#).contains("write `breaker = false` for none"));
        assert!(message("breaker = 1").contains("`true` for a circuit breaker of the site's own"));
        assert!(message("breaker = mt5").contains("`breaker` expects"));
    }

    #[test]
    fn rejects_wrong_literal_types() {
        assert!(message("max_retries = 1.5").contains("whole number"));
        assert!(message("exponential_backoff = 1").contains("`true`"));
        assert!(message("name = gateway").contains("string literal"));
        assert!(message("jitter = full").contains("expects a string"));
        assert!(message("multiplier = \"2\"").contains("number of at least 1"));
        assert!(message("multiplier = 1e400").contains("too large"));
        assert!(message("retry_if = 3").contains("predicate"));
        assert!(message("max_retries = 4294967296").contains("at most"));
    }
}
