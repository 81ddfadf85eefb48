//! Numbers as the advice writes them for a reader: shares in per cent, durations with a unit.

use core::time::Duration;

/// `part` of `total` in per cent, one decimal, rounded down so that 99.96 % never reads 100 %.
pub(super) fn percent(part: u64, total: u64) -> String {
    if total == 0 {
        return "0 %".into();
    }
    let tenths = u128::from(part.min(total)) * 1000 / u128::from(total);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// `d` as `250 ms`, `3.5 s` or `2 min`.
pub(super) fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        return format!("{} ms", d.as_millis());
    }
    if d < Duration::from_secs(120) {
        let s = format!("{:.1}", d.as_secs_f64());
        return format!("{} s", s.strip_suffix(".0").unwrap_or(&s));
    }
    format!("{} min", d.as_secs() / 60)
}

/// A call's budget: a duration, or `none`.
pub(super) fn budget(d: Option<Duration>) -> String {
    d.map_or_else(|| "none".into(), duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_down_and_never_divide_by_zero() {
        assert_eq!(percent(9_996, 10_000), "99.9 %");
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(percent(5, 0), "0 %");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0 %");
    }

    #[test]
    fn durations_carry_a_unit() {
        assert_eq!(duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(duration(Duration::from_millis(3500)), "3.5 s");
        assert_eq!(duration(Duration::from_secs(30)), "30 s");
        assert_eq!(duration(Duration::MAX), format!("{} min", u64::MAX / 60));
        assert_eq!(budget(None), "none");
    }
}
