//! The cost of a retry wrapper when the first attempt succeeds, side by side with the bare call
//! and the crates users would pick instead. One group per flavour, so ratios come from one run.

use std::hint::black_box;

use backon::{BlockingRetryable, Retryable};
use criterion::{criterion_group, criterion_main, Criterion};
use tokio::runtime::Runtime;
use wait_or_die::{retry, retry_blocking};
use wait_or_die_benches::*;

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

criterion_group!(benches, happy_path_async, happy_path_blocking);
criterion_main!(benches);
