//! The storm's four scenarios and what each measures, for one contender at a time.
//!
//! Every scenario offers 1000 calls/s from 100 clients. Where a figure is taken over a window,
//! the window's calls start after a 10 s healthy warm-up (so that state which fills over a
//! window, as a retry budget does, is in its steady state) and calls keep arriving 10 s after
//! it, so the measured calls see the same load until they end.

use std::ops::Range;
use std::time::Duration;

use crate::contender::Kind;
use crate::dependency::{DependencyConfig, Flapping, Latency};
use crate::sim::{run, CallRecord, Load, RunRecord};

/// The seed of every run: clients' arrivals and the dependency's failures.
pub const SEED: u64 = 0x5EED_0009;
/// Clients, each a Poisson process.
const CLIENTS: usize = 100;
/// Calls started per second by all clients together.
pub const CALLS_PER_S: f64 = 1000.0;
/// Healthy time before a measured window.
const WARM_UP: Duration = Duration::from_secs(10);
/// Length of the window of (a), (b) and (c).
const WINDOW: Duration = Duration::from_secs(10);
/// Calls keep arriving this long after a window; a one-layer call lasts at most 7.5 s here.
const TAIL: Duration = Duration::from_secs(10);
/// The dependency's queue, in seconds of its capacity: longer than [`ATTEMPT_TIMEOUT`].
const QUEUE_S: f64 = 1.5;
/// Capacity in (a), (b) and (c): twice the offered calls, so only amplification overloads it.
pub const HEADROOM_CAPACITY_PER_S: f64 = 2000.0;
/// Offered calls ÷ capacity in (d).
pub const METASTABLE_LOAD: f64 = 0.75;
/// When the dependency is down in (d).
pub const METASTABLE_OUTAGE: Range<Duration> = Duration::from_secs(20)..Duration::from_secs(30);
/// Calls of (d) that start before then are measured.
const METASTABLE_END: Duration = Duration::from_secs(90);
/// A second of (d) counts as healthy when at least this share of its calls succeeds.
pub const RECOVERED_SUCCESS: f64 = 0.95;
/// Nested retry layers in (c).
pub const NESTED_LAYERS: usize = 3;
/// Failure rates of (b), in percent.
pub const FAILURE_RATES_PCT: [u32; 12] = [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

const NEVER: Range<Duration> = Duration::ZERO..Duration::ZERO;
const FOREVER: Duration = Duration::from_secs(1_000_000);

/// Sums over the calls of a window.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Totals {
    pub calls: u64,
    pub ok: u64,
    /// Attempts of these calls that reached the dependency.
    pub attempts: u64,
    took_s: f64,
}

impl Totals {
    fn of<'a>(calls: impl Iterator<Item = &'a CallRecord>) -> Totals {
        calls.fold(Totals::default(), |t, c| Totals {
            calls: t.calls + 1,
            ok: t.ok + u64::from(c.ok),
            attempts: t.attempts + u64::from(c.attempts),
            took_s: t.took_s + c.took.as_secs_f64(),
        })
    }

    /// Attempts that reached the dependency per call.
    pub fn amplification(&self) -> f64 {
        self.attempts as f64 / self.calls.max(1) as f64
    }

    /// Share of calls that succeeded.
    pub fn success(&self) -> f64 {
        self.ok as f64 / self.calls.max(1) as f64
    }

    /// Mean time a call took to succeed or give up, in seconds.
    pub fn mean_took_s(&self) -> f64 {
        self.took_s / self.calls.max(1) as f64
    }
}

fn dependency(capacity_per_s: f64, failure_rate: f64, outage: Range<Duration>) -> DependencyConfig {
    DependencyConfig {
        capacity_per_s,
        queue_limit: (capacity_per_s * QUEUE_S) as usize,
        failure_rate,
        outage,
        flapping: None,
        latency: None,
    }
}

fn load(until: Duration, layers: usize) -> Load {
    Load {
        clients: CLIENTS,
        calls_per_s: CALLS_PER_S,
        until,
        layers,
    }
}

/// Runs a one-window scenario and sums its window.
fn windowed(kind: Kind, run_name: &str, config: DependencyConfig, layers: usize) -> Totals {
    let window = WARM_UP..WARM_UP + WINDOW;
    let until = if layers > 1 {
        // A dead dependency refuses at once, so later calls cannot change what earlier ones see.
        window.end
    } else {
        window.end + TAIL
    };
    let record = run(
        kind.build(run_name, layers),
        config,
        load(until, layers),
        SEED,
    );
    Totals::of(record.started_in(window))
}

/// The result of (a).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Outage {
    /// Every call of the window, which starts with the outage.
    pub window: Totals,
    /// The calls of the window that start after its first [`SETTLED`]: a breaker has opened by
    /// then, a retry budget has drained.
    pub settled: Totals,
}

/// How long into an outage (a) waits before it measures the settled state.
pub const SETTLED: Duration = Duration::from_secs(1);

/// (a) The dependency goes down after the warm-up and stays down.
pub fn outage(kind: Kind) -> Outage {
    let config = dependency(HEADROOM_CAPACITY_PER_S, 0.0, WARM_UP..FOREVER);
    let window = WARM_UP..WARM_UP + WINDOW;
    let record = run(kind.build("a", 1), config, load(window.end + TAIL, 1), SEED);
    Outage {
        window: Totals::of(record.started_in(window.clone())),
        settled: Totals::of(record.started_in(window.start + SETTLED..window.end)),
    }
}

/// How the dependency of (e) comes and goes: down 5 s, up 5 s.
pub const FLAPPING: Flapping = Flapping {
    down: Duration::from_secs(5),
    up: Duration::from_secs(5),
};
/// How long (e) flaps, and measures, after the warm-up: four cycles.
const FLAPPING_WINDOW: Duration = Duration::from_secs(40);

/// (e) The dependency flaps after the warm-up: down 5 s, up 5 s, and again.
pub fn flapping(kind: Kind) -> Totals {
    let window = WARM_UP..WARM_UP + FLAPPING_WINDOW;
    let config = DependencyConfig {
        flapping: Some(FLAPPING),
        ..dependency(HEADROOM_CAPACITY_PER_S, 0.0, window.clone())
    };
    let record = run(kind.build("e", 1), config, load(window.end + TAIL, 1), SEED);
    Totals::of(record.started_in(window))
}

/// The tail of (f): 98 % of replies in 4–6 ms (5 ms on average), 2 % in 1 s.
pub const BIMODAL_TAIL: Latency = Latency::Bimodal {
    fast: (Duration::from_millis(4), Duration::from_millis(6)),
    slow: Duration::from_secs(1),
    slow_share: 0.02,
};
/// The variant of (f): log-normal, median 5 ms, σ 1.5 (p99 about 160 ms, p99.9 about 520 ms).
pub const LOG_NORMAL_TAIL: Latency = Latency::LogNormal {
    median: Duration::from_millis(5),
    sigma: 1.5,
};

/// The result of (f) for one contender and one latency.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tail {
    pub totals: Totals,
    pub p50: Duration,
    pub p99: Duration,
    pub p999: Duration,
}

impl Tail {
    fn of<'a>(calls: impl Iterator<Item = &'a CallRecord>) -> Tail {
        let calls: Vec<&CallRecord> = calls.collect();
        let mut took: Vec<Duration> = calls.iter().map(|c| c.took).collect();
        took.sort_unstable();
        let at = |q: f64| {
            let i = ((took.len() as f64 * q).ceil() as usize).saturating_sub(1);
            took.get(i).copied().unwrap_or_default()
        };
        Tail {
            totals: Totals::of(calls.into_iter()),
            p50: at(0.50),
            p99: at(0.99),
            p999: at(0.999),
        }
    }

    /// Requests beyond one per call, as a share of calls: the load hedges (and retries) add.
    pub fn extra_load(&self) -> f64 {
        self.totals.amplification() - 1.0
    }
}

fn tail_dependency(latency: Latency, outage: Range<Duration>) -> DependencyConfig {
    DependencyConfig {
        latency: Some(latency),
        ..dependency(HEADROOM_CAPACITY_PER_S, 0.0, outage)
    }
}

/// (f) A dependency that never fails but is sometimes slow, with `latency`; the window's calls
/// after a warm-up in which a learnt percentile fills.
pub fn tail(kind: Kind, latency: Latency, run_name: &str) -> Tail {
    let window = WARM_UP..WARM_UP + WINDOW;
    let config = tail_dependency(latency, NEVER);
    let record = run(
        kind.build(run_name, 1),
        config,
        load(window.end + TAIL, 1),
        SEED,
    );
    Tail::of(record.started_in(window))
}

/// How long (f)'s outage is measured.
pub const OUTAGE_WINDOW: Duration = Duration::from_secs(60);

/// (f) The slow dependency stops answering after the warm-up: every request hangs for the
/// client's 1 s timeout, so every attempt is pending past any hedging delay.
///
/// Measured over [`OUTAGE_WINDOW`], six times the budget's window: hedges spend the budget
/// as soon as the outage starts, retries only after their first attempt timed out, so over
/// one budget window the two spend it at different moments and a 10 s window would credit
/// one of them with retries that the next window paid for.
pub fn hanging_outage(kind: Kind) -> Totals {
    let window = WARM_UP..WARM_UP + OUTAGE_WINDOW;
    let config = tail_dependency(BIMODAL_TAIL, WARM_UP..FOREVER);
    let record = run(
        kind.build("f-outage", 1),
        config,
        load(window.end + TAIL, 1),
        SEED,
    );
    Totals::of(record.started_in(window))
}

/// Times the breaker of the run named `run` opened, for the contender with a breaker.
pub fn breaker_opened(kind: Kind, run: &str) -> Option<u64> {
    if kind != Kind::WaitOrDieBreaker {
        return None;
    }
    let name = kind.site_name(run, 0);
    // A breaker is listed once its site has called; one that is not never opened.
    let opened = wait_or_die::stats::breakers()
        .into_iter()
        .find(|b| b.name == name)
        .map_or(0, |b| b.opened);
    Some(opened)
}

/// (b) Every served request fails independently with probability `rate_pct` %.
pub fn failure_rate(kind: Kind, rate_pct: u32) -> Totals {
    let config = dependency(HEADROOM_CAPACITY_PER_S, f64::from(rate_pct) / 100.0, NEVER);
    windowed(kind, &format!("b{rate_pct}"), config, 1)
}

/// (c) Three nested retry layers; the dependency goes down after the warm-up.
pub fn nested(kind: Kind) -> Totals {
    let config = dependency(HEADROOM_CAPACITY_PER_S, 0.0, WARM_UP..FOREVER);
    windowed(kind, "c", config, NESTED_LAYERS)
}

/// One second of (d).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Second {
    /// Calls that started in this second.
    pub calls: Totals,
    /// Attempts that reached the dependency in this second, ÷ its capacity.
    pub load: f64,
}

/// The result of (d).
#[derive(Debug, Clone, PartialEq)]
pub struct Metastable {
    /// Every second of the measured span, from the start of the run.
    pub seconds: Vec<Second>,
    /// Seconds from the end of the fault to the first second from which every second succeeds
    /// at least [`RECOVERED_SUCCESS`]; `None` if the last second still does not.
    pub recovery_s: Option<u64>,
    /// Calls that started after the fault ended.
    pub after: Totals,
}

/// (d) Offered load at [`METASTABLE_LOAD`] of capacity, the dependency down during
/// [`METASTABLE_OUTAGE`], then up.
pub fn metastable(kind: Kind) -> Metastable {
    let capacity = CALLS_PER_S / METASTABLE_LOAD;
    let config = dependency(capacity, 0.0, METASTABLE_OUTAGE);
    let record = run(
        kind.build("d", 1),
        config,
        load(METASTABLE_END + TAIL, 1),
        SEED,
    );
    let seconds = per_second(&record, METASTABLE_END.as_secs(), capacity);
    let fault_end = METASTABLE_OUTAGE.end.as_secs();
    Metastable {
        recovery_s: recovery(&seconds, fault_end).map(|s| s - fault_end),
        after: Totals::of(record.started_in(METASTABLE_OUTAGE.end..METASTABLE_END)),
        seconds,
    }
}

fn per_second(record: &RunRecord, seconds: u64, capacity_per_s: f64) -> Vec<Second> {
    (0..seconds)
        .map(|s| {
            let span = Duration::from_secs(s)..Duration::from_secs(s + 1);
            let arrived = record.dependency.arrived_per_s.get(s as usize);
            Second {
                calls: Totals::of(record.started_in(span)),
                load: arrived.copied().unwrap_or(0) as f64 / capacity_per_s,
            }
        })
        .collect()
}

/// The first second at or after `from` from which every second is healthy.
fn recovery(seconds: &[Second], from: u64) -> Option<u64> {
    let healthy = |s: &Second| s.calls.success() >= RECOVERED_SUCCESS;
    let unhealthy_tail = seconds.iter().rposition(|s| !healthy(s));
    let first_healthy = unhealthy_tail.map_or(0, |i| i as u64 + 1);
    (first_healthy < seconds.len() as u64).then_some(first_healthy.max(from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dependency::ATTEMPT_TIMEOUT;

    #[test]
    fn the_tail_outlasts_every_measured_call() {
        // Four attempts that time out and the three waits between them.
        let longest_call = ATTEMPT_TIMEOUT * 4 + Duration::from_millis(3_500);
        assert!(longest_call <= TAIL);
    }

    #[test]
    fn tail_percentiles_are_nearest_rank() {
        let calls: Vec<CallRecord> = (1..=1000)
            .map(|ms| CallRecord {
                start: Duration::ZERO,
                took: Duration::from_millis(ms),
                ok: true,
                attempts: 1,
            })
            .collect();
        let tail = Tail::of(calls.iter());
        assert_eq!(tail.p50, Duration::from_millis(500));
        assert_eq!(tail.p99, Duration::from_millis(990));
        assert_eq!(tail.p999, Duration::from_millis(999));
        assert_eq!(tail.extra_load(), 0.0);
    }

    #[test]
    fn recovery_is_the_start_of_the_healthy_tail() {
        let second = |ok| Second {
            calls: Totals {
                calls: 100,
                ok,
                attempts: 100,
                took_s: 0.0,
            },
            load: 0.0,
        };
        let seconds = [
            second(100),
            second(10),
            second(96),
            second(20),
            second(95),
            second(99),
        ];
        assert_eq!(recovery(&seconds, 1), Some(4));
        assert_eq!(recovery(&seconds, 5), Some(5));
        assert_eq!(recovery(&seconds[..4], 1), None);
    }
}
