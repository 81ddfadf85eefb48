//! The success path on 1, 2 and all cores at once: per-call cost must not grow with the number
//! of threads calling the same site, which it would if a call wrote a cache line that the
//! threads share (a shared counter, the retry budget). Each thread runs its calls back to back
//! on its own current-thread runtime; a sample's time is the slowest thread's, divided by the
//! calls of one thread, so equal figures across thread counts mean no contention. The breaker
//! rows share one site (and its closed breaker) between the threads, against the same call on
//! a site without one.
//!
//! `cargo bench -p wait-or-die-benches --bench threads`

use std::hint::black_box;
use std::io;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wait_or_die::wait_or_die;
use wait_or_die_benches::{
    op_pending, seed_annotated_pending, seed_breaker_pending, seed_engine_pending,
};

/// The seed's annotation with the retry budget turned off: the reference the budget must match.
#[wait_or_die(
    timeout = 30,
    max_retries = 10,
    initial_wait = 0.5,
    max_wait = 5.0,
    budget = "none"
)]
async fn seed_without_budget() -> Result<u64, io::Error> {
    op_pending().await
}

/// Times `iters` calls of `call` on each of `threads` threads started together.
fn on_threads<F, Fut, E>(threads: usize, iters: u64, call: F) -> Duration
where
    F: Fn() -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Result<u64, E>>,
{
    let start = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let start = start.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    start.wait();
                    let began = Instant::now();
                    for _ in 0..iters {
                        black_box(call().await.ok());
                    }
                    began.elapsed()
                })
            })
        })
        .collect();
    workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .max()
        .unwrap_or_default()
}

fn threads(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut counts = vec![1, 2, all];
    counts.dedup();
    let mut g = c.benchmark_group("happy_path_pending_threads");
    for &n in &counts {
        g.bench_with_input(BenchmarkId::new("bare", n), &n, |b, &n| {
            b.iter_custom(|iters| on_threads(n, iters, op_pending))
        });
        g.bench_with_input(BenchmarkId::new("wait_or_die_seed", n), &n, |b, &n| {
            b.iter_custom(|iters| on_threads(n, iters, seed_annotated_pending))
        });
        g.bench_with_input(
            BenchmarkId::new("wait_or_die_seed_no_budget", n),
            &n,
            |b, &n| b.iter_custom(|iters| on_threads(n, iters, seed_without_budget)),
        );
        g.bench_with_input(
            BenchmarkId::new("wait_or_die_engine_api_site", n),
            &n,
            |b, &n| b.iter_custom(|iters| on_threads(n, iters, seed_engine_pending)),
        );
        g.bench_with_input(
            BenchmarkId::new("wait_or_die_engine_api_breaker", n),
            &n,
            |b, &n| b.iter_custom(|iters| on_threads(n, iters, seed_breaker_pending)),
        );
    }
    g.finish();
}

criterion_group!(benches, threads);
criterion_main!(benches);
