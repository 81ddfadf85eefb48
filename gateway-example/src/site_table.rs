//! The retry table: every `#[wait_or_die]` site's counters as rows, as the demo's report, the
//! `STATS` action and the `stats` command show them.
//!
//! One row type serves all three, so the JSON a `STATS` client reads and the text an operator
//! reads always agree on what a column means.

use std::fmt::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wait_or_die::stats::{self, SiteStats};

/// What the two kinds of unsuccessful call in the table mean.
pub const SITE_COLUMNS: &str = "gave up: the retries or the time budget ran out; final error: \
stopped at once on an error the site does not retry, which for gateway.place_order is the trade \
server's refusal of an order: an answer, not a failure";

/// One site's counters.
///
/// ```
/// let rows = gateway_example::site_table::site_rows();
/// assert!(rows.windows(2).all(|w| w[0].site <= w[1].site));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteRow {
    /// The site's name.
    pub site: String,
    /// Calls made.
    pub calls: u64,
    /// Calls whose first attempt succeeded.
    pub ok: u64,
    /// Attempts run.
    pub attempts: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Calls that succeeded after a retry.
    pub recovered: u64,
    /// Calls that ran out of retries, time or retry budget.
    pub gave_up: u64,
    /// Calls stopped at once by an error the site does not retry.
    pub final_error: u64,
    /// Calls that did not retry because a call nested in their attempt had given up.
    pub nested: u64,
    /// Calls dropped before they ended.
    pub cancelled: u64,
    /// Time spent waiting between attempts, in milliseconds.
    pub waited_ms: u64,
}

impl From<&SiteStats> for SiteRow {
    fn from(s: &SiteStats) -> SiteRow {
        SiteRow {
            site: s.name.to_owned(),
            calls: s.calls,
            ok: s.ok,
            attempts: s.attempts,
            retries: s.retries,
            recovered: s.recovered,
            gave_up: s.died_exhausted + s.died_deadline + s.died_attempt_timeout + s.died_budget,
            final_error: s.died_permanent,
            nested: s.died_nested,
            cancelled: s.cancelled,
            waited_ms: u64::try_from(s.waited.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Every site of this process that has been called, by name.
///
/// See [`SiteRow`] for an example.
pub fn site_rows() -> Vec<SiteRow> {
    let mut rows: Vec<SiteRow> = stats::sites()
        .map(|s| SiteRow::from(&s.snapshot()))
        .filter(|row| row.calls > 0)
        .collect();
    rows.sort_by(|a, b| a.site.cmp(&b.site));
    rows
}

/// The rows as the report's text table, with the columns' note under it.
///
/// ```
/// use gateway_example::site_table::{render, SiteRow};
///
/// let row = SiteRow {
///     site: "gateway.place_order".into(), calls: 3, ok: 2, attempts: 4, retries: 1,
///     recovered: 1, gave_up: 0, final_error: 0, nested: 0, cancelled: 0, waited_ms: 1500,
/// };
/// let text = render(&[row]);
/// assert!(text.contains("gateway.place_order"));
/// assert!(text.contains("1.50 s"));
/// ```
pub fn render(rows: &[SiteRow]) -> String {
    let mut w = String::new();
    let _ = writeln!(w, "  retries by site (wait_or_die::stats)");
    let _ = writeln!(
        w,
        "    {:<24} {:>7} {:>8} {:>8} {:>9} {:>8} {:>11} {:>9}",
        "site", "calls", "attempts", "retries", "recovered", "gave up", "final error", "waited"
    );
    for s in rows {
        let _ = writeln!(
            w,
            "    {:<24} {:>7} {:>8} {:>8} {:>9} {:>8} {:>11} {:>9}",
            s.site,
            s.calls,
            s.attempts,
            s.retries,
            s.recovered,
            s.gave_up,
            s.final_error,
            millis(Duration::from_millis(s.waited_ms))
        );
    }
    for line in wrap(&format!("({SITE_COLUMNS})"), NOTE_WIDTH) {
        let _ = writeln!(w, "     {line}");
    }
    w
}

/// Width of the report's prose lines, in characters.
pub const NOTE_WIDTH: usize = 92;

/// A duration as the report writes it: milliseconds below a second, else seconds.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(gateway_example::site_table::millis(Duration::from_millis(250)), "250 ms");
/// ```
pub fn millis(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// `text` in lines of at most `width` characters, split at spaces.
///
/// ```
/// let lines = gateway_example::site_table::wrap("one two three", 7);
/// assert_eq!(lines, ["one two", "three"]);
/// ```
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}
