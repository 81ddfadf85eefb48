//! Volumes as whole numbers of `SYMBOL_VOLUME_STEP`, compared as integers.
//!
//! A float tolerance lets 49.999999 lots pass as 50 and 0.0100000001 as 0.01. Instead a volume
//! is read as the decimal the client wrote (the shortest decimal that parses back to the same
//! `f64`, which is what `Display` prints): 0.07 is `7 × 10⁻²` even though the `f64` is a hair
//! above it, and it is on a 0.01 grid only if that decimal is a whole multiple of the step's.

use super::decimal::decimal;

/// How many whole `step`s `volume` is, or `None` if it is not exactly on the grid.
///
/// ```text
/// steps(0.07, 0.01) == Some(7); steps(0.0100000001, 0.01) == None; steps(49.999999, 0.01) == None
/// ```
pub(crate) fn steps(volume: f64, step: f64) -> Option<u64> {
    let (volume, volume_scale) = decimal(volume)?;
    let (step, step_scale) = decimal(step)?;
    let scale = volume_scale.max(step_scale);
    let volume = volume.checked_mul(10u128.checked_pow(scale - volume_scale)?)?;
    let step = step.checked_mul(10u128.checked_pow(scale - step_scale)?)?;
    if step == 0 || volume % step != 0 {
        return None;
    }
    u64::try_from(volume / step).ok()
}

/// The whole steps nearest to a volume already on the books (booked volumes are on the grid;
/// rounding only removes float noise).
pub(crate) fn booked_steps(volume: f64, step: f64) -> u64 {
    (volume / step).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_exact_on_the_decimal_the_client_wrote() {
        assert_eq!(steps(0.07, 0.01), Some(7));
        assert_eq!(steps(100.0, 0.01), Some(10_000));
        assert_eq!(steps(0.3, 0.1), Some(3));
        assert_eq!(steps(0.0, 0.01), Some(0));
        assert_eq!(steps(49.999999, 0.01), None);
        assert_eq!(steps(0.0100000001, 0.01), None);
        assert_eq!(steps(0.015, 0.01), None);
        assert_eq!(steps(1e-30, 0.01), None);
        assert_eq!(steps(1e300, 0.01), None);
        assert_eq!(steps(f64::NAN, 0.01), None);
        assert_eq!(steps(-0.01, 0.01), None);
        assert_eq!(steps(0.01, 0.0), None);
    }
}
