//! The cost of a retry wrapper when the first attempt succeeds, side by side with the bare call
//! and the crates users would pick instead. One group per flavour, so ratios come from one run.
//!
//! The `happy_path_pending_*` groups time the realistic case, an attempt that is Pending once
//! before it succeeds (as any attempt doing I/O is), on a current-thread runtime and on a
//! 2-worker multi-thread runtime. Their measured loop runs inside a task spawned on the runtime
//! and times itself there, so on the multi-thread runtime a worker thread polls every call, with
//! its own timer and scheduler handles, as in a server (`block_on` would poll on the bench
//! thread instead).

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use backon::{BlockingRetryable, Retryable};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use tokio::runtime::Runtime;
use wait_or_die::{retry, retry_blocking};
use wait_or_die_benches::*;

/// The seed's policy, hedged after 50 ms.
static HEDGED_POLICY: wait_or_die::Policy = SEED_POLICY
    .to_builder()
    .hedge_after(Duration::from_millis(50))
    .build_const();

fn current_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

fn happy_path_async(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("happy_path_async");
    g.bench_function("bare", |b| {
        b.to_async(&rt).iter(|| async { black_box(op().await) })
    });
    g.bench_function("wait_or_die_seed", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(seed_annotated().await) })
    });
    g.bench_function("wait_or_die_no_timeout", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(seed_annotated_no_timeout().await) })
    });
    g.bench_function("wait_or_die_engine_api", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(retry(&SEED_POLICY, op).await) })
    });
    g.bench_function("tokio_timeout_30s", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(tokio::time::timeout(TIMEOUT, op()).await) })
    });
    g.bench_function("backon", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(op.retry(backon_builder()).await) })
    });
    g.bench_function("tokio_retry", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(tokio_retry::Retry::start(tokio_retry_strategy(), op).await)
        })
    });
    g.bench_function("backoff", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                backoff::future::retry(backoff_policy(), || async {
                    op().await.map_err(backoff::Error::transient)
                })
                .await,
            )
        })
    });
    g.bench_function("tryhard", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(tryhard::retry_fn(op).with_config(tryhard_config()).await) })
    });
    g.finish();
}

/// Workers of the multi-thread runtime in the `happy_path_pending_multi_thread` group.
const WORKERS: usize = 2;

fn multi_thread() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_time()
        .build()
        .expect("runtime")
}

/// Runs `iters` calls in one task spawned on `rt` and returns the time the task measured.
///
/// Spawning and joining the task happen outside the timed span, so they do not count.
fn on_worker<F, Fut>(rt: &Runtime, call: F, iters: u64) -> Duration
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future + Send,
{
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(call().await);
            }
            start.elapsed()
        })
        .await
        .expect("the measured task panicked")
    })
}

fn bench_on_worker<F, Fut>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, name: &str, call: F)
where
    F: Fn() -> Fut + Copy + Send + 'static,
    Fut: Future + Send,
{
    g.bench_function(name, |b| b.iter_custom(|iters| on_worker(rt, call, iters)));
}

/// Every peer around an attempt that is Pending once, plus the ready bare call for reference.
fn pending_group(c: &mut Criterion, name: &str, rt: &Runtime) {
    let mut g = c.benchmark_group(name);
    bench_on_worker(&mut g, rt, "bare_ready", op);
    bench_on_worker(&mut g, rt, "bare", op_pending);
    bench_on_worker(&mut g, rt, "wait_or_die_seed", seed_annotated_pending);
    bench_on_worker(
        &mut g,
        rt,
        "wait_or_die_no_timeout",
        seed_annotated_pending_no_timeout,
    );
    bench_on_worker(&mut g, rt, "wait_or_die_engine_api", || {
        retry(&SEED_POLICY, op_pending)
    });
    bench_on_worker(
        &mut g,
        rt,
        "wait_or_die_engine_api_site",
        seed_engine_pending,
    );
    bench_on_worker(
        &mut g,
        rt,
        "wait_or_die_engine_api_breaker",
        seed_breaker_pending,
    );
    // The same with hedging configured: the attempt wins long before the 50 ms delay.
    bench_on_worker(&mut g, rt, "wait_or_die_engine_api_hedged", || {
        retry(&HEDGED_POLICY, op_pending)
    });
    bench_on_worker(&mut g, rt, "tokio_timeout_30s", || {
        tokio::time::timeout(TIMEOUT, op_pending())
    });
    bench_on_worker(&mut g, rt, "backon", || op_pending.retry(backon_builder()));
    bench_on_worker(&mut g, rt, "tokio_retry", || {
        tokio_retry::Retry::start(tokio_retry_strategy(), op_pending)
    });
    bench_on_worker(&mut g, rt, "backoff", || {
        backoff::future::retry(backoff_policy(), || async {
            op_pending().await.map_err(backoff::Error::transient)
        })
    });
    bench_on_worker(&mut g, rt, "tryhard", || {
        tryhard::retry_fn(op_pending).with_config(tryhard_config())
    });
    g.finish();
}

fn happy_path_pending_current_thread(c: &mut Criterion) {
    pending_group(c, "happy_path_pending_current_thread", &current_thread());
}

fn happy_path_pending_multi_thread(c: &mut Criterion) {
    pending_group(c, "happy_path_pending_multi_thread", &multi_thread());
}

fn happy_path_blocking(c: &mut Criterion) {
    let mut g = c.benchmark_group("happy_path_blocking");
    g.bench_function("bare", |b| b.iter(|| black_box(op_blocking())));
    g.bench_function("wait_or_die_seed", |b| {
        b.iter(|| black_box(seed_annotated_blocking()))
    });
    g.bench_function("wait_or_die_engine_api", |b| {
        b.iter(|| black_box(retry_blocking(&SEED_POLICY, op_blocking).call()))
    });
    g.bench_function("backon", |b| {
        b.iter(|| black_box(op_blocking.retry(backon_builder()).call()))
    });
    g.bench_function("backoff", |b| {
        b.iter(|| {
            black_box(backoff::retry(backoff_policy(), || {
                op_blocking().map_err(backoff::Error::transient)
            }))
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    happy_path_pending_current_thread,
    happy_path_pending_multi_thread,
    happy_path_async,
    happy_path_blocking
);
criterion_main!(benches);
