//! The classic Prometheus text format (0.0.4), made from the OpenMetrics text that
//! `prometheus-client` writes.
//!
//! Prometheus asks for OpenMetrics and gets it as `prometheus-client` wrote it. Everything else
//! (`curl`, `promtool check metrics`, older scrapers) reads the classic format, in which a
//! counter's `# HELP` and `# TYPE` name the `_total` series itself and there is no `# EOF`.
//! The two differ only in those lines for what the collectors here emit (counters and gauges,
//! no units, no exemplars), so the conversion rewrites comment lines and passes every sample
//! through untouched.

use std::collections::HashSet;

/// The content type of the classic text format.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `openmetrics` (as `prometheus-client` encodes it) in the classic text format.
///
/// ```
/// let open = "# HELP jobs Jobs run.\n# TYPE jobs counter\njobs_total 3\n# EOF\n";
/// let classic = gateway_example::metrics::to_prometheus_text(open);
/// assert_eq!(classic, "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 3\n");
/// ```
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: HashSet<&str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len() + 16 * counters.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        match comment(line) {
            Some((keyword, name, rest)) if counters.contains(name) => {
                out.push_str(&format!("# {keyword} {name}_total {rest}"));
            }
            Some((keyword, name, rest)) if keyword == "TYPE" && rest == "unknown" => {
                out.push_str(&format!("# TYPE {name} untyped"));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// A `# HELP` or `# TYPE` line as keyword, family name and the rest.
fn comment(line: &str) -> Option<(&str, &str, &str)> {
    let rest = line.strip_prefix("# ")?;
    let (keyword, rest) = rest.split_once(' ')?;
    if keyword != "HELP" && keyword != "TYPE" {
        return None;
    }
    let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((keyword, name, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_renamed_and_gauges_kept() {
        let open = "# HELP calls Calls.\n# TYPE calls counter\ncalls_total{site=\"a\"} 1\n\
                    # HELP level Level.\n# TYPE level gauge\nlevel{site=\"a\"} 2.5\n\
                    # HELP odd Odd.\n# TYPE odd unknown\nodd 1\n# EOF\n";
        let classic = to_prometheus_text(open);
        assert_eq!(
            classic,
            "# HELP calls_total Calls.\n# TYPE calls_total counter\ncalls_total{site=\"a\"} 1\n\
             # HELP level Level.\n# TYPE level gauge\nlevel{site=\"a\"} 2.5\n\
             # HELP odd Odd.\n# TYPE odd untyped\nodd 1\n"
        );
    }

    #[test]
    fn a_sample_line_is_never_touched() {
        // A label value that looks like a comment stays as it is.
        let open = "# TYPE calls counter\ncalls_total{site=\"# TYPE calls counter\"} 1\n";
        let classic = to_prometheus_text(open);
        assert!(classic.ends_with("calls_total{site=\"# TYPE calls counter\"} 1\n"));
    }
}
