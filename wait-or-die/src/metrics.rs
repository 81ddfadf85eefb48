//! Every site's counters in Prometheus form, through `prometheus-client`'s collector model.
//!
//! [`register`] adds a [`SiteCollector`] to a `prometheus_client` registry. At each scrape it
//! reads the counters every call already keeps ([`stats::sites`]) and the
//! budgets' levels, so a call does no work at all for the export: nothing is added to the
//! success path, nor to any other.
//!
//! Why a collector and not the `metrics` facade: the facade is push-based, each event a call
//! into a recorder (`counter!(..).increment(1)`: a registry lookup or a cached handle, an atomic
//! add, per call), which the happy path would pay whether or not anyone scrapes. A collector is
//! pull-based: the cost moves to the scrape, once per scrape interval and in proportion to the
//! number of sites. A service that uses the facade can still publish these figures by reading
//! [`stats::sites`] on its own timer.
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `wait_or_die_calls_total` | counter | `site`, `outcome` | calls by how they ended: `ok` (first attempt), `recovered`, `cancelled`, or the [`StopReason`] word (`exhausted`, `deadline`, `permanent`, `attempt_timeout`, `budget`, `nested`, `breaker_open`) |
//! | `wait_or_die_attempts_total` | counter | `site` | attempts run |
//! | `wait_or_die_retries_total` | counter | `site` | attempts after the first |
//! | `wait_or_die_wait_seconds_total` | counter | `site` | time spent waiting between attempts |
//! | `wait_or_die_hedges_total` | counter | `site` | hedges sent beside pending attempts (not in `attempts_total`) |
//! | `wait_or_die_hedge_wins_total` | counter | `site` | calls a hedge's success ended |
//! | `wait_or_die_budget_level` | gauge | `site` | retries the site's own budget could grant now (once it was first asked) |
//! | `wait_or_die_shared_budget_level` | gauge | `budget` | the same for each budget shared by name |
//! | `wait_or_die_recovery_attempts`, `wait_or_die_recovery_seconds` | histogram | `site` | the attempt at which calls recovered, and the time it took (see `metrics/histograms.rs`) |
//! | `wait_or_die_death_attempts`, `wait_or_die_death_seconds` | histogram | `site`, `reason` | the same for calls that died, by stop reason |
//! | `wait_or_die_breaker_state` | gauge | `breaker` | each circuit breaker in use: 0 closed, 1 open, 2 half-open |
//! | `wait_or_die_breaker_transitions_total` | counter | `breaker`, `to` | times it went `open` or `closed` |
//! | `wait_or_die_breaker_refused_total` | counter | `breaker` | attempts it refused |
//!
//! Label values are escaped as both text formats ask (`\`, `"` and line feeds), so that a site
//! or budget of any name leaves the exposition valid and reads back as its name.
//!
//! Sites that share a name are added up under it. A call still running is not in
//! `calls_total` yet, but its attempts and retries are counted as they start.
//!
//! ```
//! use prometheus_client::{encoding::text::encode, registry::Registry};
//! use wait_or_die::{register_site, stats::Site};
//!
//! static FEED: Site = Site::new("docs.metrics.feed");
//! register_site!(FEED);
//!
//! let mut registry = Registry::default();
//! wait_or_die::metrics::register(&mut registry);
//! let mut text = String::new();
//! encode(&mut text, &registry)?;
//! assert!(text.contains("# TYPE wait_or_die_calls counter"));
//! assert!(text.contains("wait_or_die_calls_total{site=\"docs.metrics.feed\",outcome=\"ok\"} "));
//! # Ok::<(), std::fmt::Error>(())
//! ```

mod breaker;
mod family;
mod histograms;
mod label;

use std::collections::BTreeMap;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use self::family::family;
use self::label::Escaped;
use crate::error::StopReason;
use crate::stats::{self, Distributions, SiteStats};

/// Registers a [`SiteCollector`] with `registry`.
///
/// See the [module's example](self).
pub fn register(registry: &mut Registry) {
    registry.register_collector(Box::new(SiteCollector));
}

/// Reads every site's counters when the registry is encoded; see the [module](self).
///
/// ```
/// use prometheus_client::registry::Registry;
/// use wait_or_die::metrics::SiteCollector;
///
/// let mut registry = Registry::with_prefix("myapp");
/// registry.register_collector(Box::new(SiteCollector));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteCollector;

/// The figures of one site name, added up over the sites of that name.
#[derive(Default)]
struct Figures {
    outcomes: Vec<(&'static str, u64)>,
    attempts: u64,
    retries: u64,
    hedges: u64,
    hedge_wins: u64,
    wait_seconds: f64,
    budget_level: Option<f64>,
    distributions: Option<Distributions>,
}

impl Figures {
    fn add(&mut self, s: &SiteStats, level: Option<f64>) {
        let outcomes = [
            ("ok", s.ok),
            ("recovered", s.recovered),
            ("cancelled", s.cancelled),
        ]
        .into_iter()
        .chain(StopReason::all().map(|r| (r.as_str(), s.died_by(r))));
        if self.outcomes.is_empty() {
            self.outcomes = outcomes.collect();
        } else {
            for (sum, (_, n)) in self.outcomes.iter_mut().zip(outcomes) {
                sum.1 += n;
            }
        }
        self.attempts += s.attempts;
        self.retries += s.retries;
        self.hedges += s.hedges;
        self.hedge_wins += s.hedge_wins;
        self.wait_seconds += s.waited.as_secs_f64();
        self.budget_level = match (self.budget_level, level) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.distributions = Some(match &self.distributions {
            Some(sum) => histograms::sum(sum, &s.distributions),
            None => s.distributions,
        });
    }
}

impl Collector for SiteCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut sites: BTreeMap<&'static str, Figures> = BTreeMap::new();
        for site in stats::sites() {
            let figures = sites.entry(site.name()).or_default();
            figures.add(&site.snapshot(), site.budget_level());
        }
        let calls = sites.iter().flat_map(|(site, f)| {
            f.outcomes.iter().map(move |&(outcome, n)| {
                let labels = vec![("site", Escaped(site)), ("outcome", Escaped(outcome))];
                (labels, n)
            })
        });
        family(
            &mut encoder,
            "wait_or_die_calls",
            "Calls by how they ended.",
            ConstCounter::new,
            calls,
        )?;
        let per_site = |pick: fn(&Figures) -> u64| {
            sites
                .iter()
                .map(move |(site, f)| (vec![("site", Escaped(site))], pick(f)))
        };
        family(
            &mut encoder,
            "wait_or_die_attempts",
            "Attempts run.",
            ConstCounter::new,
            per_site(|f| f.attempts),
        )?;
        family(
            &mut encoder,
            "wait_or_die_retries",
            "Attempts after the first.",
            ConstCounter::new,
            per_site(|f| f.retries),
        )?;
        family(
            &mut encoder,
            "wait_or_die_hedges",
            "Hedges sent beside pending attempts.",
            ConstCounter::new,
            per_site(|f| f.hedges),
        )?;
        family(
            &mut encoder,
            "wait_or_die_hedge_wins",
            "Calls a hedge's success ended.",
            ConstCounter::new,
            per_site(|f| f.hedge_wins),
        )?;
        let waited = sites
            .iter()
            .map(|(site, f)| (vec![("site", Escaped(site))], f.wait_seconds));
        family(
            &mut encoder,
            "wait_or_die_wait_seconds",
            "Time spent waiting between attempts.",
            ConstCounter::new,
            waited,
        )?;
        let levels = sites
            .iter()
            .filter_map(|(site, f)| Some((vec![("site", Escaped(site))], f.budget_level?)));
        family(
            &mut encoder,
            "wait_or_die_budget_level",
            "Retries the site's own budget could grant now.",
            ConstGauge::new,
            levels,
        )?;
        let shared = stats::shared_budgets()
            .into_iter()
            .filter_map(|(name, level)| Some((vec![("budget", Escaped(name))], level?)));
        family(
            &mut encoder,
            "wait_or_die_shared_budget_level",
            "Retries a shared budget could grant now.",
            ConstGauge::new,
            shared,
        )?;
        let distributions = sites
            .iter()
            .filter_map(|(&site, f)| Some((site, f.distributions?)))
            .collect();
        histograms::encode(&mut encoder, &distributions)?;
        breaker::encode(&mut encoder)
    }
}
