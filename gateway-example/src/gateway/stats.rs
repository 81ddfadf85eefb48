//! The `STATS` action: what the gateway and every retry site have done, and what operators have
//! overridden, as one JSON document.
//!
//! The `/metrics` endpoint reads the same [`GatewayStats`], so a scrape and a `STATS` reply
//! taken with no traffic in between agree figure for figure.

use std::fmt::Write as _;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AwaitingOperator, CounterSnapshot, Gateway};
use crate::live_config::{self, ConfigStatus};
use crate::protocol::Reply;
use crate::site_advice;
use crate::site_table::{self, site_rows, SiteRow};

/// Where the gateway reads how many faults its terminal injected.
pub type FaultSource = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What a `STATS` reply's `result` holds.
///
/// ```
/// use gateway_example::gateway::GatewayStats;
///
/// let json = r#"{"gateway": {"requests": 1, "orders_executed": 0, "orders_rejected": 0,
///   "outcome_unknown": 0, "replayed_from_journal": 0, "retried_after_failure": 0,
///   "joined_in_flight": 0, "reconciled_found": 0, "bad_requests": 0, "unauthorized": 0,
///   "replies_dropped": 0, "replies_unroutable": 0, "replies_peer_full": 0, "refused_busy": 0},
///   "duplicates_prevented": 0, "faults_injected": 0, "sites": [], "overrides": [],
///   "all_retries_off": false, "config": null}"#;
/// let stats: GatewayStats = serde_json::from_str(json)?;
/// assert_eq!(stats.gateway.requests, 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayStats {
    /// The gateway's own counters.
    pub gateway: CounterSnapshot,
    /// Resends that would have executed an order twice without the journal.
    pub duplicates_prevented: u64,
    /// Faults the simulated terminal injected.
    pub faults_injected: u64,
    /// Every retry site called so far.
    pub sites: Vec<SiteRow>,
    /// Sites whose policy an operator overrides (configuration file or control API).
    pub overrides: Vec<OverrideRow>,
    /// Whether every site's retries are switched off.
    pub all_retries_off: bool,
    /// The configuration file followed, if one is named by `WAIT_OR_DIE_CONFIG`.
    pub config: Option<ConfigStatus>,
    /// Pending intents whose outcome the terminal's books cannot decide: each blocks its key
    /// until an operator settles it by hand (`gateway-example journal settle`).
    #[serde(default)]
    pub awaiting_operator: Vec<AwaitingOperator>,
    /// Retry advice for every site called so far, one text per site (see [`site_advice`]).
    #[serde(default)]
    pub advice: Vec<String>,
    /// The same advice as a configuration file, ready to review and install as
    /// `WAIT_OR_DIE_CONFIG`.
    #[serde(default)]
    pub advice_toml: String,
}

/// One overridden site, as `STATS` shows it.
///
/// ```
/// let rows = gateway_example::gateway::override_rows();
/// assert!(rows.iter().all(|r| !r.site.is_empty()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideRow {
    /// The site's name.
    pub site: String,
    /// Whether its kill switch is on: one attempt per call.
    pub retries_off: bool,
    /// Retries after the first attempt, when overridden.
    pub max_retries: Option<u32>,
    /// Whether the configuration file sets it.
    pub from_file: bool,
    /// Whether the control API sets it.
    pub from_api: bool,
}

/// What is overridden now, by site.
///
/// See [`OverrideRow`] for an example.
pub fn override_rows() -> Vec<OverrideRow> {
    wait_or_die::control::list()
        .sites
        .into_iter()
        .map(|o| OverrideRow {
            site: o.site.to_owned(),
            retries_off: o.settings.retries_off,
            max_retries: o.settings.max_retries,
            from_file: o.from_file,
            from_api: o.from_api,
        })
        .collect()
}

impl Gateway {
    /// Tells the gateway where to read its terminal's injected faults (the simulator's count).
    pub fn count_faults_with(&self, source: FaultSource) {
        let _ = self.faults.set(source);
    }

    /// Everything `STATS` reports, read now.
    pub fn stats(&self) -> GatewayStats {
        let gateway = self.counters.snapshot();
        let advice = site_advice::advise_all(&|site| self.config.site_policy(site));
        GatewayStats {
            advice: site_advice::render(&advice),
            advice_toml: wait_or_die::advice::to_toml(&advice),
            duplicates_prevented: gateway.duplicates_prevented(),
            faults_injected: self.faults.get().map_or(0, |read| read()),
            gateway,
            sites: site_rows(),
            overrides: override_rows(),
            all_retries_off: wait_or_die::control::list().all_retries_off,
            config: live_config::status(),
            awaiting_operator: self.awaiting_operator(),
        }
    }

    pub(super) fn stats_reply(&self, req_id: Uuid) -> Reply {
        let stats = serde_json::to_value(self.stats()).expect("stats serialize");
        Reply::success(req_id, stats)
    }
}

impl GatewayStats {
    /// The stats as text: the gateway's counters, then the retry table as the demo's report
    /// shows it, then the overrides in force.
    ///
    /// ```
    /// # let json = r#"{"gateway": {"requests": 1, "orders_executed": 0, "orders_rejected": 0,
    /// #   "outcome_unknown": 0, "replayed_from_journal": 0, "retried_after_failure": 0,
    /// #   "joined_in_flight": 0, "reconciled_found": 0, "bad_requests": 0, "unauthorized": 0,
    /// #   "replies_dropped": 0, "replies_unroutable": 0, "replies_peer_full": 0, "refused_busy": 0},
    /// #   "duplicates_prevented": 0, "faults_injected": 0, "sites": [], "overrides": [],
    /// #   "all_retries_off": false, "config": null}"#;
    /// let stats: gateway_example::gateway::GatewayStats = serde_json::from_str(json)?;
    /// assert!(stats.render().contains("retries by site"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn render(&self) -> String {
        let c = &self.gateway;
        let mut w = String::new();
        let _ = writeln!(w, "  requests                     {:>6}", c.requests);
        let _ = writeln!(
            w,
            "  orders                       executed {}, rejected {}, outcome unknown {}",
            c.orders_executed, c.orders_rejected, c.outcome_unknown
        );
        let _ = writeln!(
            w,
            "  duplicates prevented         {:>6}   replayed from journal {}, joined in flight {}, found executed by reconciliation {}",
            self.duplicates_prevented, c.replayed_from_journal, c.joined_in_flight, c.reconciled_found
        );
        let _ = writeln!(
            w,
            "  faults injected              terminal {}, replies dropped {}",
            self.faults_injected, c.replies_dropped
        );
        let _ = writeln!(w, "\n{}", site_table::render(&self.sites));
        if self.all_retries_off {
            let _ = writeln!(w, "  every site's retries are OFF (kill switch)");
        }
        for o in &self.overrides {
            let retries = match (o.retries_off, o.max_retries) {
                (true, _) => "retries off".to_owned(),
                (false, Some(n)) => format!("max_retries {n}"),
                (false, None) => "overridden".to_owned(),
            };
            let _ = writeln!(w, "  override {:<24} {retries}", o.site);
        }
        if !self.advice.is_empty() {
            let _ = writeln!(w, "\n  retry advice by site (wait_or_die::advice)");
            for line in self.advice.iter().flat_map(|a| a.lines()) {
                let _ = writeln!(w, "    {line}");
            }
        }
        for waiting in &self.awaiting_operator {
            let _ = writeln!(
                w,
                "  AWAITING OPERATOR {} on {}: {}",
                waiting.req_id, waiting.key, waiting.why
            );
        }
        if let Some(config) = &self.config {
            let _ = writeln!(
                w,
                "  config {} ({} reloads): {}",
                config.path, config.reloads, config.last
            );
        }
        w
    }
}
