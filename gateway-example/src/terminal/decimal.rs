//! Numbers read as the decimal a client wrote: the shortest decimal that parses back to the same
//! `f64`, which is what `Display` prints.
//!
//! MetaTrader 5 checks volumes against `SYMBOL_VOLUME_STEP` and prices against `SYMBOL_DIGITS`
//! exactly, which floats cannot do: 0.07 is a hair above `7 × 10⁻²` in binary, and
//! `1.1 - 0.0351` is `1.0649000000000002`. Read as decimals, the first is on a 0.01 grid and
//! the second is off a 5-digit one, as the client would expect.

/// Digits after the decimal point beyond which a volume is refused rather than read: no trade
/// server has a volume step finer than this.
const MAX_VOLUME_DECIMALS: u32 = 12;

/// `value` as `mantissa × 10^-scale`, exactly as its shortest decimal reads; `None` for a value
/// that is negative, not finite, too large or too finely divided.
pub(crate) fn decimal(value: f64) -> Option<(u128, u32)> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let text = value.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let scale = u32::try_from(fraction.len()).ok()?;
    if scale > MAX_VOLUME_DECIMALS {
        return None;
    }
    let mantissa = format!("{whole}{fraction}").parse().ok()?;
    Some((mantissa, scale))
}

/// Whether `value` has at most `digits` decimals: a price normalised to the symbol's digits
/// (MQL5's `NormalizeDouble(price, SYMBOL_DIGITS)`).
pub(crate) fn is_normalised(value: f64, digits: u32) -> bool {
    decimal(value).is_some_and(|(_, scale)| scale <= digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_read_as_written() {
        assert_eq!(decimal(0.07), Some((7, 2)));
        assert_eq!(decimal(151.2), Some((1512, 1)));
        assert_eq!(decimal(3.0), Some((3, 0)));
        assert_eq!(decimal(1e300), None, "too large for the mantissa");
        assert_eq!(decimal(-1.0), None);
        assert!(is_normalised(1.0649, 5));
        assert!(!is_normalised(1.1 - 0.0351, 5));
        assert!(!is_normalised(1.085001, 5));
        assert!(is_normalised(39_000.0, 1));
    }
}
