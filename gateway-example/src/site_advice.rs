//! Retry advice for every site of this process, as the demo's report, the `STATS` action and
//! `stats --advice` show it, and the configuration file `--advice-toml` writes.
//!
//! The engine's [`wait_or_die::advice`] draws the advice from each site's recoveries and deaths;
//! this module only says which policy each site's calls run by (the gateway passes its policies
//! at run time, so the sites declare none) and lists the sites that have been called.

use wait_or_die::advice::{self, Advice};
use wait_or_die::stats;
use wait_or_die::Policy;

/// The policy each site's calls run by, by site name; `None` for a site this process does not
/// know (its declared policy, if any, is used instead).
pub type PolicyOf<'a> = &'a dyn Fn(&str) -> Option<Policy>;

/// The advice for every site called so far, by name (sites that share a name counted once).
///
/// ```
/// let advice = gateway_example::site_advice::advise_all(&|_| None);
/// assert!(advice.windows(2).all(|w| w[0].site < w[1].site));
/// ```
pub fn advise_all(policy_of: PolicyOf<'_>) -> Vec<Advice> {
    let mut all: Vec<Advice> = stats::sites()
        .filter(|site| site.snapshot().calls > 0)
        .filter_map(|site| advice::for_site(site, policy_of(site.name()).as_ref()))
        .collect();
    all.sort_by(|a, b| a.site.cmp(&b.site));
    all.dedup_by(|a, b| a.site == b.site);
    all
}

/// Each advice as its text: one line for the site, one indented line per finding.
///
/// ```
/// let lines = gateway_example::site_advice::render(&[]);
/// assert!(lines.is_empty());
/// ```
pub fn render(advice: &[Advice]) -> Vec<String> {
    advice.iter().map(ToString::to_string).collect()
}
