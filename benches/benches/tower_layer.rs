//! The tower layer's success path beside tower's own `RetryLayer` with a `TpsBudget`, over the
//! same service whose call is Pending once (as any call doing I/O is), on a current-thread
//! runtime; and the cost of writing and reading the deadline headers (feature `http`).
//!
//! Each sample spawns one task that owns the service and makes the N calls back to back
//! (`ready().await`, then `call(..).await`), timing itself; spawning and joining it are not
//! timed. The layers are built once, outside the timed loop, as a program builds its stack.

use std::fmt::Debug;
use std::future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use http::HeaderMap;
use tokio::runtime::Runtime;
use tower::retry::budget::{Budget, TpsBudget};
use tower::{service_fn, Service, ServiceBuilder, ServiceExt};
use wait_or_die::http::Wire;
use wait_or_die::tower::RetryLayer;
use wait_or_die::Policy;
use wait_or_die_benches::op_pending;

fn current_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// tower's documented budget policy: a success deposits, a failure withdraws or gives up.
#[derive(Clone, Debug)]
struct TpsPolicy {
    budget: Arc<TpsBudget>,
}

impl<Res, E> tower::retry::Policy<u32, Res, E> for TpsPolicy {
    type Future = future::Ready<()>;

    fn retry(&mut self, _: &mut u32, result: &mut Result<Res, E>) -> Option<Self::Future> {
        match result {
            Ok(_) => {
                self.budget.deposit();
                None
            }
            Err(_) => self.budget.withdraw().then(|| future::ready(())),
        }
    }

    fn clone_request(&mut self, req: &u32) -> Option<u32> {
        Some(*req)
    }
}

/// Makes `iters` calls of `svc` in one task on `rt` and returns the time the task measured.
fn on_runtime<S>(rt: &Runtime, svc: S, iters: u64) -> Duration
where
    S: Service<u32> + Send + 'static,
    S::Future: Send,
    S::Response: Send,
    S::Error: Debug + Send,
{
    rt.block_on(async move {
        tokio::spawn(async move {
            let mut svc = svc;
            let start = Instant::now();
            for _ in 0..iters {
                let ready = svc.ready().await.expect("always ready");
                black_box(ready.call(black_box(1)).await.expect("never fails"));
            }
            start.elapsed()
        })
        .await
        .expect("the measured task panicked")
    })
}

fn tower_layer_pending(c: &mut Criterion) {
    let rt = current_thread();
    let pending = service_fn(|_: u32| op_pending());
    let mut g = c.benchmark_group("tower_layer_pending");
    g.bench_function("bare_service", |b| {
        b.iter_custom(|iters| on_runtime(&rt, pending, iters))
    });
    let ours = ServiceBuilder::new()
        .layer(RetryLayer::new("bench.tower.default", Policy::DEFAULT))
        .service(pending);
    g.bench_function("wait_or_die_layer", |b| {
        b.iter_custom(|iters| on_runtime(&rt, ours.clone(), iters))
    });
    let no_deadline = Policy::builder()
        .no_timeout()
        .build()
        .expect("a valid policy");
    let ours = ServiceBuilder::new()
        .layer(RetryLayer::new("bench.tower.no_timeout", no_deadline))
        .service(pending);
    g.bench_function("wait_or_die_layer_no_timeout", |b| {
        b.iter_custom(|iters| on_runtime(&rt, ours.clone(), iters))
    });
    // The same budget as the layer's default: 20 % of calls plus 10 per second over 10 s.
    let budget = Arc::new(TpsBudget::new(Duration::from_secs(10), 10, 0.2));
    let theirs = ServiceBuilder::new()
        .layer(tower::retry::RetryLayer::new(TpsPolicy { budget }))
        .service(pending);
    g.bench_function("tower_retry_tps_budget", |b| {
        b.iter_custom(|iters| on_runtime(&rt, theirs.clone(), iters))
    });
    g.finish();
}

/// A deadline of the kind the layer writes: 29.876 s left, second attempt.
const LEFT: Duration = Duration::from_millis(29_876);

fn deadline_headers(c: &mut Criterion) {
    let mut g = c.benchmark_group("deadline_headers");
    for (name, wire) in [("http", Wire::Http), ("grpc", Wire::Grpc)] {
        // Cleared, not rebuilt, per write: a request's map is allocated once, with the request.
        let mut headers = HeaderMap::new();
        g.bench_function(format!("write_{name}"), |b| {
            b.iter(|| {
                headers.clear();
                wire.write(black_box(&mut headers), black_box(Some(LEFT)), black_box(2));
            })
        });
        let mut sent = HeaderMap::new();
        wire.write(&mut sent, Some(LEFT), 2);
        assert_eq!(wire.read(&sent), (Some(LEFT), 2));
        g.bench_function(format!("read_{name}"), |b| {
            b.iter(|| black_box(wire.read(black_box(&sent))))
        });
        let mut answer = HeaderMap::new();
        wire.write_gave_up(&mut answer);
        g.bench_function(format!("reads_gave_up_{name}"), |b| {
            b.iter(|| black_box(wire.reads_gave_up(black_box(&answer))))
        });
    }
    g.finish();
}

criterion_group!(benches, tower_layer_pending, deadline_headers);
criterion_main!(benches);
