//! Turns a duration written in the attribute into whole nanoseconds, at compile time.
//!
//! A bare number is seconds (`30`, `0.5`); a string carries its unit (`"500ms"`, `"30s"`, `"2m"`).
//! The result is a `u64` of nanoseconds because the expansion emits `Duration::from_nanos`, which
//! is `const` and exact; durations that do not fit (about 584 years) are rejected here.

use syn::{Expr, ExprLit, ExprUnary, Lit, UnOp};

/// Nanoseconds in one second.
const NANOS_PER_SEC: f64 = 1_000_000_000.0;

/// What a duration argument may look like, for error messages.
pub(crate) const DURATION_FORMS: &str =
    "seconds as a number (`30`, `0.5`) or a string with a unit (`\"250us\"`, `\"500ms\"`, `\"30s\"`, `\"2m\"`, `\"1h\"`)";

/// Units accepted in a duration string, longest suffix first so that `ms` wins over `s`.
const UNITS: &[(&str, f64)] = &[
    ("ns", 1.0),
    ("us", 1_000.0),
    ("µs", 1_000.0),
    ("ms", 1_000_000.0),
    ("s", NANOS_PER_SEC),
    ("m", 60.0 * NANOS_PER_SEC),
    ("h", 3_600.0 * NANOS_PER_SEC),
];

/// Parses a duration argument's value into nanoseconds; `what` names the argument in errors.
pub(crate) fn parse_nanos(what: &str, expr: &Expr) -> syn::Result<u64> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(int) => {
                let secs: u64 = int.base10_parse().map_err(|_| too_large(what, expr))?;
                secs.checked_mul(1_000_000_000)
                    .ok_or_else(|| too_large(what, expr))
            }
            Lit::Float(float) => {
                let secs: f64 = float.base10_parse()?;
                seconds_to_nanos(what, expr, secs * NANOS_PER_SEC)
            }
            Lit::Str(text) => parse_text(what, expr, &text.value()),
            _ => Err(wrong_type(what, expr)),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            expr,
            format!("`{what}` cannot be negative; expected {DURATION_FORMS}"),
        )),
        _ => Err(wrong_type(what, expr)),
    }
}

/// Parses `"<number><unit>"`, e.g. `"500ms"` or `"1.5 s"`.
fn parse_text(what: &str, expr: &Expr, text: &str) -> syn::Result<u64> {
    let unreadable = || {
        syn::Error::new_spanned(
            expr,
            format!(
                "`{what}` = {text:?} is not a duration: write a number and a unit (ns, us, ms, s, m, h), e.g. \"500ms\", or seconds as a bare number, e.g. `0.5`"
            ),
        )
    };
    let text = text.trim();
    let (number, scale) = UNITS
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n.trim_end(), *scale)))
        .ok_or_else(unreadable)?;
    if number.starts_with('-') {
        return Err(syn::Error::new_spanned(
            expr,
            format!("`{what}` cannot be negative; expected {DURATION_FORMS}"),
        ));
    }
    let digits = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let value: f64 = match number.parse() {
        Ok(v) if digits => v,
        _ => return Err(unreadable()),
    };
    seconds_to_nanos(what, expr, value * scale)
}

/// Rounds a nanosecond count held in a float, rejecting what `u64` cannot hold.
fn seconds_to_nanos(what: &str, expr: &Expr, nanos: f64) -> syn::Result<u64> {
    if !nanos.is_finite() {
        return Err(syn::Error::new_spanned(
            expr,
            format!("`{what}` must be finite; expected {DURATION_FORMS}"),
        ));
    }
    let rounded = nanos.round();
    // `u64::MAX as f64` rounds up to 2^64, so compare with `<` to stay in range.
    if rounded < 0.0 || rounded >= u64::MAX as f64 {
        return Err(too_large(what, expr));
    }
    Ok(rounded as u64)
}

fn too_large(what: &str, expr: &Expr) -> syn::Error {
    syn::Error::new_spanned(
        expr,
        format!("`{what}` is too large: a duration must fit in 2^64 nanoseconds (about 584 years)"),
    )
}

fn wrong_type(what: &str, expr: &Expr) -> syn::Error {
    syn::Error::new_spanned(expr, format!("`{what}` expects {DURATION_FORMS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(src: &str) -> syn::Result<u64> {
        parse_nanos("timeout", &syn::parse_str(src).unwrap())
    }

    #[test]
    fn numbers_are_seconds() {
        assert_eq!(nanos("30").unwrap(), 30_000_000_000);
        assert_eq!(nanos("0.5").unwrap(), 500_000_000);
        assert_eq!(nanos("5.0").unwrap(), 5_000_000_000);
        assert_eq!(nanos("0").unwrap(), 0);
    }

    #[test]
    fn strings_carry_units() {
        assert_eq!(nanos("\"250us\"").unwrap(), 250_000);
        assert_eq!(nanos("\"500ms\"").unwrap(), 500_000_000);
        assert_eq!(nanos("\"30s\"").unwrap(), 30_000_000_000);
        assert_eq!(nanos("\"2m\"").unwrap(), 120_000_000_000);
        assert_eq!(nanos("\"1h\"").unwrap(), 3_600_000_000_000);
        assert_eq!(nanos("\"1.5 s\"").unwrap(), 1_500_000_000);
        assert_eq!(nanos("\"7ns\"").unwrap(), 7);
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "-1",
            "-0.5",
            "\"-1s\"",
            "\"10\"",
            "\"ms\"",
            "\"1e3s\"",
            "\"5d\"",
            "true",
            "1e400",
            "\"1e400s\"",
            "x",
        ] {
            assert!(nanos(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn rejects_what_overflows_nanoseconds() {
        assert!(nanos("18446744074").is_err());
        assert!(nanos("18446744073").is_ok());
        assert!(nanos("\"100000000h\"").is_err());
    }

    #[test]
    fn messages_name_the_argument_and_the_forms() {
        let msg = nanos("-1").unwrap_err().to_string();
        assert!(msg.contains("`timeout` cannot be negative"), "{msg}");
        assert!(msg.contains("\"500ms\""), "{msg}");
        let msg = nanos("\"5 days\"").unwrap_err().to_string();
        assert!(msg.contains("\"5 days\" is not a duration"), "{msg}");
    }
}
