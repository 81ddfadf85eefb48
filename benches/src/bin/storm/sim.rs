//! One run of the storm: open-loop clients calling the dependency through a contender's retry
//! layers, on a current-thread runtime whose clock is paused, with a record of every call.
//!
//! Nothing in a run reads the real clock or an unseeded random source, and a current-thread
//! runtime polls tasks in a fixed order, so a run's record depends on its inputs alone.

use std::cell::Cell;
use std::ops::Range;
use std::rc::Rc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::task::{spawn_local, JoinHandle, LocalSet};
use tokio::time::{sleep_until, Instant};

use crate::contender::{Attempt, Contender};
use crate::dependency::{Dependency, DependencyConfig, DependencyStats};

/// Who calls, how often and how deep.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Clients, each starting calls as a Poisson process of its own.
    pub clients: usize,
    /// Calls started per second by all clients together.
    pub calls_per_s: f64,
    /// Clients start calls until then; the run ends when the last call ends.
    pub until: Duration,
    /// Retry layers around the dependency: 1 for a plain call, 3 for three nested ones.
    pub layers: usize,
}

/// One top-level call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRecord {
    /// When it started, from the start of the run.
    pub start: Duration,
    /// How long it took to succeed or give up.
    pub took: Duration,
    pub ok: bool,
    /// Attempts of this call that reached the dependency, at every layer.
    pub attempts: u32,
}

/// Everything one run saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Every call, in the order they started.
    pub calls: Vec<CallRecord>,
    pub dependency: DependencyStats,
}

impl RunRecord {
    /// The calls that started within `window`.
    pub fn started_in(&self, window: Range<Duration>) -> impl Iterator<Item = &CallRecord> {
        self.calls.iter().filter(move |c| window.contains(&c.start))
    }
}

/// Runs `contender` against a dependency configured as `dependency` under `load`.
pub fn run(
    contender: Box<dyn Contender>,
    dependency: DependencyConfig,
    load: Load,
    seed: u64,
) -> RunRecord {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime builds");
    LocalSet::new().block_on(&runtime, simulate(contender.into(), dependency, load, seed))
}

async fn simulate(
    contender: Rc<dyn Contender>,
    dependency: DependencyConfig,
    load: Load,
    seed: u64,
) -> RunRecord {
    let start = Instant::now();
    let dependency = Rc::new(Dependency::new(dependency, start, seed));
    let server = spawn_local({
        let dependency = Rc::clone(&dependency);
        async move { dependency.serve().await }
    });
    let clients: Vec<_> = (0..load.clients)
        .map(|client| {
            let client_seed = seed ^ (client as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let calls = Calls {
                contender: Rc::clone(&contender),
                dependency: Rc::clone(&dependency),
                layers: load.layers,
                start,
            };
            spawn_local(client_loop(calls, load.clone(), client_seed))
        })
        .collect();
    let mut calls = Vec::new();
    for client in clients {
        calls.extend(client.await.expect("a client task never panics"));
    }
    server.abort();
    calls.sort_by_key(|c| c.start);
    RunRecord {
        calls,
        dependency: dependency.stats(),
    }
}

/// What each call of a client needs.
#[derive(Clone)]
struct Calls {
    contender: Rc<dyn Contender>,
    dependency: Rc<Dependency>,
    layers: usize,
    start: Instant,
}

/// Starts calls at exponentially distributed intervals until `load.until`, without waiting for
/// earlier calls to end (an open loop, as users keep arriving), then collects them.
async fn client_loop(calls: Calls, load: Load, seed: u64) -> Vec<CallRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let rate = load.calls_per_s / load.clients as f64;
    let mut at = Duration::ZERO;
    let mut started: Vec<JoinHandle<CallRecord>> = Vec::new();
    loop {
        let uniform: f64 = rng.random();
        at += Duration::from_secs_f64(-(1.0 - uniform).ln() / rate);
        if at >= load.until {
            break;
        }
        sleep_until(calls.start + at).await;
        started.push(spawn_local(one_call(calls.clone())));
    }
    let mut records = Vec::with_capacity(started.len());
    for call in started {
        records.push(call.await.expect("a call task never panics"));
    }
    records
}

async fn one_call(calls: Calls) -> CallRecord {
    let start = calls.start.elapsed();
    let attempts = Cell::new(0);
    let outcome = through(
        &*calls.contender,
        &calls.dependency,
        &attempts,
        0,
        calls.layers,
    )
    .await;
    CallRecord {
        start,
        took: calls.start.elapsed() - start,
        ok: outcome.is_ok(),
        attempts: attempts.get(),
    }
}

/// The call at `layer`: the contender's retries around the layer below, or at the bottom one
/// request to the dependency.
fn through<'a>(
    contender: &'a dyn Contender,
    dependency: &'a Dependency,
    attempts: &'a Cell<u32>,
    layer: usize,
    layers: usize,
) -> Attempt<'a> {
    if layer == layers {
        return Box::pin(async move {
            attempts.set(attempts.get() + 1);
            dependency.request().await
        });
    }
    let below = move || through(contender, dependency, attempts, layer + 1, layers);
    contender.call(layer, Box::new(below))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::Kind;

    fn dependency(outage: Range<Duration>) -> DependencyConfig {
        DependencyConfig {
            capacity_per_s: 150.0,
            queue_limit: 200,
            failure_rate: 0.1,
            outage,
            flapping: None,
            latency: None,
        }
    }

    fn load(layers: usize) -> Load {
        Load {
            clients: 10,
            calls_per_s: 100.0,
            until: Duration::from_secs(3),
            layers,
        }
    }

    #[test]
    fn two_runs_with_one_seed_record_the_same_calls() {
        let outage = Duration::from_secs(1)..Duration::from_secs(2);
        let once = || {
            run(
                Kind::WaitOrDie.build("test", 1),
                dependency(outage.clone()),
                load(1),
                7,
            )
        };
        let first = once();
        assert!(first.calls.len() > 250, "{} calls", first.calls.len());
        assert!(first.calls.iter().any(|c| c.ok) && first.calls.iter().any(|c| !c.ok));
        assert!(first.calls.iter().any(|c| c.attempts > 1));
        assert_eq!(first, once());
        let other_seed = run(
            Kind::WaitOrDie.build("test", 1),
            dependency(outage),
            load(1),
            8,
        );
        assert_ne!(first.calls, other_seed.calls);
    }

    #[test]
    fn every_attempt_at_every_layer_is_counted_once() {
        let dead = Duration::ZERO..Duration::from_secs(1_000);
        for (kind, per_call) in [
            (Kind::NoRetries, 1),
            (Kind::Backon, 16),
            (Kind::TokioRetry, 16),
        ] {
            let record = run(kind.build("test", 2), dependency(dead.clone()), load(2), 7);
            assert!(
                record.calls.iter().all(|c| !c.ok && c.attempts == per_call),
                "{kind:?}"
            );
            let attempts: u64 = record.calls.iter().map(|c| u64::from(c.attempts)).sum();
            let arrived: u64 = record.dependency.arrived_per_s.iter().sum();
            assert_eq!(arrived, attempts, "{kind:?}");
            assert_eq!(record.dependency.refused, attempts, "{kind:?}");
        }
    }

    #[test]
    fn an_open_breaker_keeps_calls_off_a_dead_dependency() {
        let dead = Duration::ZERO..Duration::from_secs(1_000);
        let attempts = |kind: Kind| -> u64 {
            let record = run(
                kind.build("test-breaker", 1),
                dependency(dead.clone()),
                load(1),
                7,
            );
            assert!(record.calls.iter().all(|c| !c.ok), "{kind:?}");
            record.calls.iter().map(|c| u64::from(c.attempts)).sum()
        };
        let budget_only = attempts(Kind::WaitOrDie);
        let with_breaker = attempts(Kind::WaitOrDieBreaker);
        // 300 calls: the budget lets about 1.2 attempts per call through; the breaker opens
        // after its 20 minimum attempts and lets one probe through each 5 s open period.
        assert!(budget_only >= 300, "{budget_only}");
        assert!(
            with_breaker <= 30,
            "{with_breaker} attempts with the breaker"
        );
    }

    #[test]
    fn a_hedge_cuts_the_slow_tail_for_a_few_extra_requests() {
        let slow = DependencyConfig {
            latency: Some(crate::dependency::Latency::Bimodal {
                fast: (Duration::from_millis(4), Duration::from_millis(6)),
                slow: Duration::from_secs(1),
                slow_share: 0.05,
            }),
            ..dependency(Duration::ZERO..Duration::ZERO)
        };
        let slowest = |kind: Kind| {
            let record = run(kind.build("test-hedge", 1), slow.clone(), load(1), 7);
            let late = record
                .calls
                .iter()
                .filter(|c| c.took >= Duration::from_millis(500));
            let attempts: u64 = record.calls.iter().map(|c| u64::from(c.attempts)).sum();
            (late.count(), attempts, record.calls.len() as u64)
        };
        let (late_plain, attempts_plain, calls) = slowest(Kind::WaitOrDie);
        let (late_hedged, attempts_hedged, _) = slowest(Kind::WaitOrDieHedgeFixed);
        // About 5 % of 300 calls take 1 s without hedging; a hedge 10 ms in answers them.
        assert!(late_plain >= 5, "{late_plain} slow calls without hedging");
        assert_eq!(late_hedged, 0, "a slow call despite the hedge");
        assert_eq!(attempts_plain, calls);
        assert!(attempts_hedged > calls && attempts_hedged <= calls + calls / 5);
    }
}
