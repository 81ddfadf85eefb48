//! How precisely a call honours its total budget on the real clock.
//!
//! `cargo run --release -p wait-or-die-benches --bin deadline_precision [-- RUNS]`
//!
//! Three cases, each run many times on a current-thread runtime:
//! - an attempt that hangs is cancelled at the deadline: how late does the call return?
//! - the same under a 1 s budget, which the engine watches coarsely first and times precisely
//!   only after a watch round; the calls run concurrently, as in a server;
//! - attempts that fail at once: the call returns when the next wait would cross the deadline;
//!   it must never return while the next wait would still have fit.

use std::io;
use std::time::{Duration, Instant};

use wait_or_die::{retry, Jitter, Policy};

const BUDGET: Duration = Duration::from_millis(100);
/// A budget long enough for the coarse watch (at least 300 ms).
const WATCHED_BUDGET: Duration = Duration::from_secs(1);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let hanging = Policy::builder().timeout(BUDGET).build().expect("policy");
    let failing = Policy::builder()
        .timeout(BUDGET)
        .max_retries(1000)
        .initial_wait(Duration::from_millis(7))
        .max_wait(Duration::from_millis(7))
        .jitter(Jitter::None)
        // Hundreds of retries a second from one site: the budget would end them early, and this
        // measures the deadline alone.
        .no_budget()
        .build()
        .expect("policy");

    let mut late = Vec::with_capacity(runs);
    let mut early_with_room = 0;
    let mut slack = Vec::with_capacity(runs);
    rt.block_on(async {
        for _ in 0..runs {
            let start = Instant::now();
            let _ = retry(&hanging, std::future::pending::<Result<(), io::Error>>).await;
            late.push(start.elapsed().saturating_sub(BUDGET));

            let start = Instant::now();
            let _ = retry(&failing, || async { Err::<(), _>("down") }).await;
            let elapsed = start.elapsed();
            // Returning early is right only when one more 7 ms wait would cross the budget.
            if elapsed + Duration::from_millis(7) < BUDGET {
                early_with_room += 1;
            }
            slack.push(BUDGET.saturating_sub(elapsed));
        }
    });
    let watched = Policy::builder()
        .timeout(WATCHED_BUDGET)
        .build()
        .expect("policy");
    let mut watched_late: Vec<Duration> = rt.block_on(async {
        let calls: Vec<_> = (0..runs)
            .map(|_| {
                tokio::spawn(async move {
                    let start = Instant::now();
                    let _ = retry(&watched, std::future::pending::<Result<(), io::Error>>).await;
                    start.elapsed().saturating_sub(WATCHED_BUDGET)
                })
            })
            .collect();
        let mut late = Vec::with_capacity(runs);
        for call in calls {
            late.push(call.await.expect("call"));
        }
        late
    });
    late.sort();
    watched_late.sort();
    slack.sort();
    println!("budget {BUDGET:?}, {runs} runs of each case");
    println!("| case | p50 | p99 | max |");
    println!("|---|---:|---:|---:|");
    println!(
        "| hanging attempt: returned after the deadline by | {:?} | {:?} | {:?} |",
        percentile(&late, 0.5),
        percentile(&late, 0.99),
        late[late.len() - 1]
    );
    println!(
        "| hanging attempt, {WATCHED_BUDGET:?} budget (watched), {runs} at once: late by | {:?} | {:?} | {:?} |",
        percentile(&watched_late, 0.5),
        percentile(&watched_late, 0.99),
        watched_late[watched_late.len() - 1]
    );
    println!(
        "| failing attempts: returned before the deadline by | {:?} | {:?} | {:?} |",
        percentile(&slack, 0.5),
        percentile(&slack, 0.99),
        slack[slack.len() - 1]
    );
    println!("returned early although another 7 ms wait fitted: {early_with_room} of {runs}");
}
