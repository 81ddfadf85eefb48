//! The storm's plots: the failure-rate curves of (b) and the time line of (d).

use crate::contender::Kind;
use crate::scenarios::{Metastable, Totals, FAILURE_RATES_PCT, METASTABLE_OUTAGE};
use crate::svg::{document, Panel, Series};

/// Colour and dash of each contender, in [`Kind::ALL`] order; dashes keep equal lines apart.
/// One per contender, so a contender added without a style does not compile.
const STYLES: [(&str, &str); Kind::ALL.len()] = [
    ("#7f7f7f", ""),
    ("#1f77b4", ""),
    ("#9467bd", "2 3"),
    ("#d62728", "7 4"),
    ("#2ca02c", ""),
    ("#ff7f0e", "3 3"),
];

fn series(kind: Kind, points: Vec<(f64, f64)>) -> Series {
    let index = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let (color, dash) = STYLES[index];
    Series {
        name: kind.label(),
        color,
        dash,
        points,
    }
}

fn ticks(from: f64, to: f64, step: f64) -> Vec<f64> {
    let steps = ((to - from) / step).round() as usize;
    (0..=steps).map(|i| from + step * i as f64).collect()
}

/// (b): amplification and success rate against the failure rate.
pub fn failure_rate(columns: &[(Kind, Vec<Totals>)]) -> String {
    let curve = |value: fn(&Totals) -> f64| -> Vec<Series> {
        columns
            .iter()
            .map(|(kind, totals)| {
                let points = FAILURE_RATES_PCT
                    .iter()
                    .zip(totals)
                    .map(|(pct, t)| (f64::from(*pct), value(t)))
                    .collect();
                series(*kind, points)
            })
            .collect()
    };
    let panels = [
        Panel {
            title: "(b) load amplification".into(),
            x_label: "failure rate of the dependency (%)",
            y_label: "attempts ÷ calls",
            x: 0.0..100.0,
            y: 0.0..4.5,
            x_ticks: ticks(0.0, 100.0, 20.0),
            y_ticks: ticks(0.0, 4.5, 0.5),
            shade: None,
            series: curve(Totals::amplification),
        },
        Panel {
            title: "(b) calls that succeed".into(),
            x_label: "failure rate of the dependency (%)",
            y_label: "success rate (%)",
            x: 0.0..100.0,
            y: 0.0..100.0,
            x_ticks: ticks(0.0, 100.0, 20.0),
            y_ticks: ticks(0.0, 100.0, 20.0),
            shade: None,
            series: curve(|t| 100.0 * t.success()),
        },
    ];
    document(&panels, 2)
}

/// (d): success rate and load of each second, the outage shaded.
pub fn metastable(rows: &[(Kind, Metastable)]) -> String {
    let seconds = rows.first().map_or(0, |(_, m)| m.seconds.len()) as f64;
    let outage = METASTABLE_OUTAGE.start.as_secs_f64()..METASTABLE_OUTAGE.end.as_secs_f64();
    let line = |value: fn(&crate::scenarios::Second) -> f64| -> Vec<Series> {
        rows.iter()
            .map(|(kind, m)| {
                let points = m
                    .seconds
                    .iter()
                    .enumerate()
                    .map(|(s, second)| (s as f64 + 0.5, value(second)))
                    .collect();
                series(*kind, points)
            })
            .collect()
    };
    let panels = [
        Panel {
            title: "(d) calls that succeed, by the second they start".into(),
            x_label: "time (s); the dependency is down in the shaded span",
            y_label: "success rate (%)",
            x: 0.0..seconds,
            y: 0.0..100.0,
            x_ticks: ticks(0.0, seconds, 10.0),
            y_ticks: ticks(0.0, 100.0, 20.0),
            shade: Some(outage.clone()),
            series: line(|s| 100.0 * s.calls.success()),
        },
        Panel {
            title: "(d) attempts reaching the dependency".into(),
            x_label: "time (s); the dependency is down in the shaded span",
            y_label: "attempts per second ÷ capacity",
            x: 0.0..seconds,
            y: 0.0..4.0,
            x_ticks: ticks(0.0, seconds, 10.0),
            y_ticks: ticks(0.0, 4.0, 0.5),
            shade: Some(outage),
            series: line(|s| s.load),
        },
    ];
    document(&panels, 1)
}
