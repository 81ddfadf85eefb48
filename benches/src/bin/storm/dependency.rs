//! The simulated dependency: a server of finite capacity with a bounded FIFO queue, a scripted
//! outage and injected failures, on tokio's paused clock.
//!
//! The model, chosen to be the simplest one in which retries can hold a server down:
//! - It serves at most `capacity_per_s` requests a second, first come first served, in 1 ms
//!   ticks (tokio's timer resolution). Unused capacity is not saved up while the queue is empty.
//! - A request that finds `queue_limit` requests waiting is refused at once (`Overloaded`, a 503).
//! - While down, every request is refused at once and costs no capacity (`Refused`, a refused
//!   connection); requests still queued when it goes down are refused as well.
//! - A served request fails with probability `failure_rate` (`Failed`); it used capacity either way.
//! - A client waits [`ATTEMPT_TIMEOUT`] for its reply (`TimedOut`), as the seed's `RCVTIMEO`. The
//!   server cannot tell that a client left: it still serves the stale request and wastes the
//!   capacity. With a queue longer than the client's timeout, an overloaded server serves only
//!   requests nobody waits for, which is how a retry storm outlives the fault that started it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ops::Range;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{oneshot, Notify};
use tokio::time::{sleep_until, timeout, Instant};

/// How long a client waits for one reply before it gives the attempt up.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);

/// The server's scheduling step: tokio's timers fire on whole milliseconds.
const TICK: Duration = Duration::from_millis(1);

/// Why one attempt at the dependency failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimError {
    /// The dependency is down: refused at once.
    Refused,
    /// The queue was full: refused at once.
    Overloaded,
    /// Served, and failed (an injected transient failure).
    Failed,
    /// No reply within [`ATTEMPT_TIMEOUT`].
    TimedOut,
    /// The retry layer gave up with no error of the attempt's own (its deadline ran out).
    Deadline,
}

/// What the dependency is like during one run.
#[derive(Debug, Clone, PartialEq)]
pub struct DependencyConfig {
    /// Requests served per second at most.
    pub capacity_per_s: f64,
    /// Requests waiting at most; one more is refused.
    pub queue_limit: usize,
    /// Probability that a served request fails.
    pub failure_rate: f64,
    /// When it is down, from the start of the run (empty for never).
    pub outage: Range<Duration>,
    /// Within `outage`, down and up by turns (starting down) instead of down throughout.
    pub flapping: Option<Flapping>,
    /// A dependency of unbounded capacity whose replies take a drawn time instead: no queue,
    /// no client timeout (hedging, not a timeout, is what cuts its tail); while down, a request
    /// hangs for [`ATTEMPT_TIMEOUT`] and times out, as a terminal that stopped answering does.
    pub latency: Option<Latency>,
}

/// How long a reply of a [`DependencyConfig::latency`] dependency takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latency {
    /// Uniform in `fast` (from, to), except a `slow_share` of requests that take `slow`.
    Bimodal {
        fast: (Duration, Duration),
        slow: Duration,
        slow_share: f64,
    },
    /// Log-normal: `median`, and `sigma` the standard deviation of its logarithm.
    LogNormal { median: Duration, sigma: f64 },
}

impl Latency {
    fn draw(&self, rng: &mut StdRng) -> Duration {
        match *self {
            Latency::Bimodal {
                fast: (from, to),
                slow,
                slow_share,
            } => {
                if rng.random_bool(slow_share) {
                    slow
                } else {
                    from + (to - from).mul_f64(rng.random::<f64>())
                }
            }
            Latency::LogNormal { median, sigma } => {
                // Box-Muller: one standard normal from two uniforms.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random();
                let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                median.mul_f64((sigma * normal).exp().min(1e4))
            }
        }
    }
}

/// A dependency that comes and goes: down for `down`, then up for `up`, and again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flapping {
    pub down: Duration,
    pub up: Duration,
}

impl DependencyConfig {
    /// Whether it refuses everything at `now`, from the start of the run.
    fn is_down(&self, now: Duration) -> bool {
        if !self.outage.contains(&now) {
            return false;
        }
        let Some(Flapping { down, up }) = self.flapping else {
            return true;
        };
        let period = (down + up).as_nanos().max(1);
        (now - self.outage.start).as_nanos() % period < down.as_nanos()
    }
}

/// What the dependency saw during one run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DependencyStats {
    /// Attempts that reached it in each second of the run, refused ones included.
    pub arrived_per_s: Vec<u64>,
    /// Requests served (succeeded or failed), stale ones included.
    pub served: u64,
    /// Served requests whose client had already stopped waiting.
    pub wasted: u64,
    /// Requests refused because it was down.
    pub refused: u64,
    /// Requests refused because the queue was full.
    pub overloaded: u64,
    /// Served requests that failed by injection.
    pub failed: u64,
}

impl DependencyStats {
    /// Counts an attempt that reached the dependency `now` from the start of the run.
    fn arrived_at(&mut self, now: Duration) {
        let second = now.as_secs() as usize;
        if self.arrived_per_s.len() <= second {
            self.arrived_per_s.resize(second + 1, 0);
        }
        self.arrived_per_s[second] += 1;
    }
}

type Reply = oneshot::Sender<Result<(), SimError>>;

/// The simulated server; see the module docs for its model.
pub struct Dependency {
    config: DependencyConfig,
    start: Instant,
    state: RefCell<State>,
    work: Notify,
}

struct State {
    queue: VecDeque<Reply>,
    rng: StdRng,
    stats: DependencyStats,
}

impl Dependency {
    /// A dependency whose clock starts at `start`, failing requests from `seed`'s random stream.
    pub fn new(config: DependencyConfig, start: Instant, seed: u64) -> Self {
        Dependency {
            config,
            start,
            state: RefCell::new(State {
                queue: VecDeque::new(),
                rng: StdRng::seed_from_u64(seed),
                stats: DependencyStats::default(),
            }),
            work: Notify::new(),
        }
    }

    /// A copy of what it saw so far.
    pub fn stats(&self) -> DependencyStats {
        self.state.borrow().stats.clone()
    }

    /// One attempt: sends a request and waits for its reply.
    pub async fn request(&self) -> Result<(), SimError> {
        if let Some(latency) = self.config.latency {
            return self.request_with_latency(latency).await;
        }
        let reply = self.enqueue()?;
        match timeout(ATTEMPT_TIMEOUT, reply).await {
            Ok(Ok(outcome)) => outcome,
            // The server answers every request it takes; a dropped one counts as refused.
            Ok(Err(_)) => Err(SimError::Refused),
            Err(_) => Err(SimError::TimedOut),
        }
    }

    /// Serves the queue for ever; the run drops this task when its calls are done.
    pub async fn serve(&self) {
        let per_tick = self.config.capacity_per_s * TICK.as_secs_f64();
        loop {
            if self.state.borrow().queue.is_empty() {
                self.work.notified().await;
            }
            let mut credit = 0.0;
            let mut next = Instant::now();
            while !self.state.borrow().queue.is_empty() {
                next += TICK;
                sleep_until(next).await;
                credit = self.serve_tick(credit + per_tick);
            }
        }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// One attempt at a dependency of unbounded capacity whose replies take a drawn time.
    async fn request_with_latency(&self, latency: Latency) -> Result<(), SimError> {
        let now = self.now();
        let took = {
            let mut state = self.state.borrow_mut();
            state.stats.arrived_at(now);
            if self.config.is_down(now) {
                None
            } else {
                state.stats.served += 1;
                Some(latency.draw(&mut state.rng))
            }
        };
        match took {
            Some(took) => {
                tokio::time::sleep(took).await;
                Ok(())
            }
            None => {
                tokio::time::sleep(ATTEMPT_TIMEOUT).await;
                Err(SimError::TimedOut)
            }
        }
    }

    fn enqueue(&self) -> Result<oneshot::Receiver<Result<(), SimError>>, SimError> {
        let now = self.now();
        let mut state = self.state.borrow_mut();
        state.stats.arrived_at(now);
        if self.config.is_down(now) {
            state.stats.refused += 1;
            return Err(SimError::Refused);
        }
        if state.queue.len() >= self.config.queue_limit {
            state.stats.overloaded += 1;
            return Err(SimError::Overloaded);
        }
        let (reply, receiver) = oneshot::channel();
        state.queue.push_back(reply);
        self.work.notify_one();
        Ok(receiver)
    }

    /// Answers as many queued requests as `credit` allows; returns the credit left.
    fn serve_tick(&self, mut credit: f64) -> f64 {
        let down = self.config.is_down(self.now());
        let mut state = self.state.borrow_mut();
        let State { queue, rng, stats } = &mut *state;
        while down || credit >= 1.0 {
            let Some(reply) = queue.pop_front() else {
                break;
            };
            if down {
                stats.refused += 1;
                let _ = reply.send(Err(SimError::Refused));
                continue;
            }
            credit -= 1.0;
            stats.served += 1;
            let outcome = if rng.random_bool(self.config.failure_rate) {
                stats.failed += 1;
                Err(SimError::Failed)
            } else {
                Ok(())
            };
            if reply.send(outcome).is_err() {
                stats.wasted += 1;
            }
        }
        credit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flapping_dependency_starts_down_and_takes_turns_within_its_outage() {
        let secs = Duration::from_secs;
        let config = DependencyConfig {
            capacity_per_s: 1.0,
            queue_limit: 1,
            failure_rate: 0.0,
            outage: secs(10)..secs(30),
            latency: None,
            flapping: Some(Flapping {
                down: secs(5),
                up: secs(3),
            }),
        };
        let down: Vec<u64> = (0..35).filter(|&s| config.is_down(secs(s))).collect();
        assert_eq!(
            down,
            [10, 11, 12, 13, 14, 18, 19, 20, 21, 22, 26, 27, 28, 29]
        );
        let steady = DependencyConfig {
            flapping: None,
            ..config
        };
        assert!((10..30).all(|s| steady.is_down(secs(s))));
        assert!(!steady.is_down(secs(30)) && !steady.is_down(secs(9)));
    }
}
