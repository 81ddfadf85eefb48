//! The advice as a configuration file, in the `config` feature's format: one
//! `[sites."name"]` table per site with a change, the evidence as comments above it, ready for
//! an operator to review and install as `WAIT_OR_DIE_CONFIG`.
//!
//! Written by hand rather than through the `toml` crate, so that the advice needs no feature;
//! a test under the `config` feature reads every file this writes back with the engine's own
//! parser, and checks the keys against the parser's table.

use core::fmt::Write as _;
use core::time::Duration;

use super::finding::{Advice, Change};

/// What the file starts with.
const HEADER: &str = "\
# wait-or-die retry advice, drawn from each site's recoveries and deaths.
# Review it, then install it as WAIT_OR_DIE_CONFIG and send SIGHUP. It holds only the advised
# settings: a file already in force is replaced whole, so merge its other keys in first.
";

/// The configuration key a change sets, and its value as TOML.
pub(super) fn key_and_value(change: &Change) -> (&'static str, String) {
    match *change {
        Change::MaxRetries { to, .. } => ("max_retries", to.to_string()),
        Change::Timeout { to, .. } => ("timeout", format!("\"{}\"", duration(to))),
    }
}

/// Every advice as one configuration file: a table for each site with a change, comments for
/// the others, in the order given.
///
/// See the [module's example](super).
pub fn to_toml(advice: &[Advice]) -> String {
    let mut out = String::from(HEADER);
    for site in advice {
        let name = escaped(&site.site);
        let _ = write!(
            out,
            "\n# {name}: {} calls retried and ended, {} recovered\n",
            site.retried, site.recovered
        );
        if site.findings.is_empty() {
            out.push_str("#   keep the policy: the data supports it\n");
        }
        for finding in &site.findings {
            let _ = writeln!(out, "#   {}", one_line(&finding.to_string()));
        }
        let mut changes = site.changes().peekable();
        if changes.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "[sites.\"{name}\"]");
        for change in changes {
            let (key, value) = key_and_value(change);
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    out
}

/// `d` in the largest whole unit the configuration file reads: `"30s"`, `"500ms"`, `"250us"`.
fn duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    for (unit, per) in [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] {
        if nanos % per == 0 {
            return format!("{}{unit}", nanos / per);
        }
    }
    format!("{nanos}ns")
}

/// `name` as the inside of a TOML basic string: `\`, `"` and control characters escaped.
fn escaped(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` with line breaks made spaces, to stay inside one comment.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_largest_whole_unit() {
        assert_eq!(duration(Duration::from_secs(30)), "30s");
        assert_eq!(duration(Duration::from_millis(2500)), "2500ms");
        assert_eq!(duration(Duration::from_micros(250)), "250us");
        assert_eq!(duration(Duration::from_nanos(7)), "7ns");
        assert_eq!(duration(Duration::ZERO), "0s");
    }

    #[test]
    fn names_are_escaped_for_a_basic_string() {
        assert_eq!(escaped("gateway.place_order"), "gateway.place_order");
        assert_eq!(escaped("a\"b\\c\nd"), "a\\\"b\\\\c\\u000Ad");
        assert_eq!(one_line("a\nb"), "a b");
    }
}
