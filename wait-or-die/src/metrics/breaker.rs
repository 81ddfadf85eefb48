//! The circuit breakers' series: each breaker's state and its transitions, read from
//! [`stats::breakers`] at the scrape, so that a call does nothing for them.

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use super::family::family;
use super::label::Escaped;
use crate::stats::{self, BreakerState};

/// Encodes `wait_or_die_breaker_state{breaker}` (0 closed, 1 open, 2 half-open),
/// `wait_or_die_breaker_transitions_total{breaker,to}` (`open`, `closed`) and
/// `wait_or_die_breaker_refused_total{breaker}` (attempts refused).
pub(super) fn encode(encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
    let all = stats::breakers();
    let states = all
        .iter()
        .map(|b| (vec![("breaker", Escaped(b.name))], i64::from(b.state as u8)));
    family(
        encoder,
        "wait_or_die_breaker_state",
        "The circuit breaker's state: 0 closed, 1 open, 2 half-open.",
        ConstGauge::new,
        states,
    )?;
    let transitions = all.iter().flat_map(|b| {
        [
            (BreakerState::Open, b.opened),
            (BreakerState::Closed, b.closed),
        ]
        .into_iter()
        .map(|(to, n)| {
            let labels = vec![("breaker", Escaped(b.name)), ("to", Escaped(to.as_str()))];
            (labels, n)
        })
    });
    family(
        encoder,
        "wait_or_die_breaker_transitions",
        "Times the circuit breaker opened or closed.",
        ConstCounter::new,
        transitions,
    )?;
    let refused = all
        .iter()
        .map(|b| (vec![("breaker", Escaped(b.name))], b.refused));
    family(
        encoder,
        "wait_or_die_breaker_refused",
        "Attempts the circuit breaker refused.",
        ConstCounter::new,
        refused,
    )
}
