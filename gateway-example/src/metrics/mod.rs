//! The `/metrics` endpoint of `serve --metrics`: every retry site's counters (the engine's
//! collector) and the gateway's own, in the Prometheus text format, read at scrape time.
//!
//! Nothing is counted for the export: at each scrape the collectors read the atomics that the
//! gateway and the engine keep anyway ([`Gateway::stats`], the same figures `STATS` returns).
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `wait_or_die_*` | `site`, ... | every retry site: see [`wait_or_die::metrics`] |
//! | `gateway_requests_total` | | request frames received |
//! | `gateway_orders_total` | `outcome`: `executed`, `rejected`, `outcome_unknown` | orders by how they ended |
//! | `gateway_duplicates_prevented_total` | `how`: `journal`, `in_flight`, `reconciliation` | resends that would have executed twice |
//! | `gateway_requests_refused_total` | `reason`: `bad_request`, `unauthorized`, `busy` | requests refused before any work |
//! | `gateway_replies_dropped_total` | `reason`: `injected`, `unroutable`, `peer_full` | replies that never reached their client |
//! | `gateway_faults_injected_total` | | faults the simulated terminal injected |

mod http;
mod text_format;

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

pub use http::{MetricsError, MetricsServer, METRICS_PATH};
pub use text_format::{to_prometheus_text, PROMETHEUS_TEXT};

use crate::gateway::{Gateway, GatewayStats};

/// Reads one figure of the gateway's stats.
type Read = fn(&GatewayStats) -> u64;

/// One counter family of the gateway: name (without `_total`), help, label, and one series per
/// label value (a family without a label has one series and an empty label name).
struct Family {
    name: &'static str,
    help: &'static str,
    label: &'static str,
    series: &'static [(&'static str, Read)],
}

/// Every gateway metric, declared once.
const FAMILIES: &[Family] = &[
    Family {
        name: "gateway_requests",
        help: "Request frames received.",
        label: "",
        series: &[("", |s| s.gateway.requests)],
    },
    Family {
        name: "gateway_orders",
        help: "Orders by how their execution ended.",
        label: "outcome",
        series: &[
            ("executed", |s| s.gateway.orders_executed),
            ("rejected", |s| s.gateway.orders_rejected),
            ("outcome_unknown", |s| s.gateway.outcome_unknown),
        ],
    },
    Family {
        name: "gateway_duplicates_prevented",
        help: "Resends that would have executed an order twice, by what caught them.",
        label: "how",
        series: &[
            ("journal", |s| s.gateway.replayed_from_journal),
            ("in_flight", |s| s.gateway.joined_in_flight),
            ("reconciliation", |s| s.gateway.reconciled_found),
        ],
    },
    Family {
        name: "gateway_requests_refused",
        help: "Requests refused before any work, by reason.",
        label: "reason",
        series: &[
            ("bad_request", |s| s.gateway.bad_requests),
            ("unauthorized", |s| s.gateway.unauthorized),
            ("busy", |s| s.gateway.refused_busy),
        ],
    },
    Family {
        name: "gateway_replies_dropped",
        help: "Replies that never reached their client, by reason.",
        label: "reason",
        series: &[
            ("injected", |s| s.gateway.replies_dropped),
            ("unroutable", |s| s.gateway.replies_unroutable),
            ("peer_full", |s| s.gateway.replies_peer_full),
        ],
    },
    Family {
        name: "gateway_faults_injected",
        help: "Faults the simulated terminal injected.",
        label: "",
        series: &[("", |s| s.faults_injected)],
    },
];

/// A registry with every retry site's metrics and the gateway's, read from `gateway` at each
/// scrape.
///
/// ```
/// use prometheus_client::encoding::text::encode;
/// # use std::sync::Arc;
/// # use gateway_example::{gateway::{Gateway, GatewayConfig}, journal::Journal, terminal::*};
/// # let terminal = Arc::new(SimulatedTerminal::open(&SimulatorOptions::default()).unwrap());
/// # let journal = Journal::open(None, std::time::Duration::from_secs(60)).unwrap();
/// let gateway = Gateway::new(terminal, journal, GatewayConfig::default());
/// let registry = gateway_example::metrics::registry(gateway);
/// let mut text = String::new();
/// encode(&mut text, &registry)?;
/// assert!(text.contains("gateway_orders_total{outcome=\"executed\"} 0"));
/// # Ok::<(), std::fmt::Error>(())
/// ```
pub fn registry(gateway: Arc<Gateway>) -> Registry {
    let mut registry = Registry::default();
    wait_or_die::metrics::register(&mut registry);
    registry.register_collector(Box::new(GatewayCollector(gateway)));
    registry
}

/// Reads a gateway's counters at each scrape.
#[derive(Clone)]
struct GatewayCollector(Arc<Gateway>);

impl std::fmt::Debug for GatewayCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewayCollector")
    }
}

impl Collector for GatewayCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.stats();
        for family in FAMILIES {
            let mut descriptor =
                encoder.encode_descriptor(family.name, family.help, None, MetricType::Counter)?;
            if family.label.is_empty() {
                // One series without labels: no `{}` after its name.
                let read = family.series[0].1;
                ConstCounter::new(read(&stats)).encode(descriptor)?;
                continue;
            }
            for &(value, read) in family.series {
                let labels = [(family.label, value)];
                ConstCounter::new(read(&stats)).encode(descriptor.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}
