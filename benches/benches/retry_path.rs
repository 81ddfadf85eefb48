//! The engine's own work per retry: an operation that fails `k` times with zero waits, so that
//! only bookkeeping (classification, schedule, statistics, events) is measured.

use std::cell::Cell;
use std::hint::black_box;
use std::io;
use std::time::Duration;

use backon::Retryable;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wait_or_die::{retry, wait_or_die, Policy};

const ZERO_WAITS: Policy = Policy::builder()
    .no_timeout()
    .max_retries(10)
    .initial_wait(Duration::ZERO)
    .max_wait(Duration::ZERO)
    .build_const();

thread_local! {
    static FAILURES_LEFT: Cell<u32> = const { Cell::new(0) };
}

/// Fails while the thread's failure budget lasts, then succeeds.
#[inline(never)]
async fn flaky() -> Result<u64, io::Error> {
    FAILURES_LEFT.with(|left| match left.get() {
        0 => Ok(black_box(1)),
        n => {
            left.set(n - 1);
            Err(io::ErrorKind::ConnectionReset.into())
        }
    })
}

#[wait_or_die(timeout = "none", max_retries = 10, initial_wait = 0, max_wait = 0)]
async fn flaky_annotated() -> Result<u64, io::Error> {
    flaky().await
}

fn retry_path(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("retry_path");
    for k in [1u32, 3, 10] {
        g.bench_with_input(BenchmarkId::new("bare_loop", k), &k, |b, &k| {
            b.to_async(&rt).iter(|| async move {
                FAILURES_LEFT.with(|l| l.set(k));
                loop {
                    if let Ok(v) = flaky().await {
                        break black_box(v);
                    }
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("wait_or_die_macro", k), &k, |b, &k| {
            b.to_async(&rt).iter(|| async move {
                FAILURES_LEFT.with(|l| l.set(k));
                black_box(flaky_annotated().await)
            })
        });
        g.bench_with_input(
            BenchmarkId::new("wait_or_die_engine_api", k),
            &k,
            |b, &k| {
                b.to_async(&rt).iter(|| async move {
                    FAILURES_LEFT.with(|l| l.set(k));
                    black_box(retry(&ZERO_WAITS, flaky).await)
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("backon", k), &k, |b, &k| {
            let builder = backon::ConstantBuilder::default()
                .with_delay(Duration::ZERO)
                .with_max_times(10);
            b.to_async(&rt).iter(|| async move {
                FAILURES_LEFT.with(|l| l.set(k));
                black_box(flaky.retry(builder).await)
            })
        });
        g.bench_with_input(BenchmarkId::new("tryhard", k), &k, |b, &k| {
            b.to_async(&rt).iter(|| async move {
                FAILURES_LEFT.with(|l| l.set(k));
                black_box(tryhard::retry_fn(flaky).retries(10).await)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, retry_path);
criterion_main!(benches);
