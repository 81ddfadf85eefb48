//! 100,000 concurrent annotated calls, all waiting between retries on one runtime: peak memory,
//! bytes per in-flight call, and the time to drive them all to completion.
//!
//! `cargo run --release -p wait-or-die-benches --bin scale [-- CALLS]`
//!
//! Each call fails once, waits 0.5 s to 1 s (a first wait of 1 s with equal jitter), then
//! succeeds. The same shape written as a hand loop with `tokio::time::sleep` is measured for
//! comparison. Each variant runs in a process of its own (this binary re-runs itself), so
//! that one cannot reuse memory the other freed.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use wait_or_die::wait_or_die;

const DEFAULT_CALLS: usize = 100_000;

/// Fails on its first attempt, succeeds on the second.
#[wait_or_die(timeout = 30, max_retries = 10, initial_wait = 1.0, max_wait = 5.0)]
async fn fails_once(tries: &AtomicUsize) -> Result<usize, io::Error> {
    match tries.fetch_add(1, Ordering::Relaxed) {
        0 => Err(io::ErrorKind::ConnectionReset.into()),
        n => Ok(n),
    }
}

/// The same with a hand-written loop: what the annotation replaces.
async fn fails_once_by_hand(tries: &AtomicUsize) -> Result<usize, io::Error> {
    loop {
        match tries.fetch_add(1, Ordering::Relaxed) {
            0 => tokio::time::sleep(Duration::from_millis(750)).await,
            n => return Ok(n),
        }
    }
}

/// Resident memory now and at its peak, in KiB, from /proc (Linux).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn phase<F, Fut>(label: &str, calls: usize, call: F)
where
    F: Fn(Arc<AtomicUsize>) -> Fut,
    Fut: std::future::Future<Output = Result<usize, io::Error>> + Send + 'static,
{
    let (before, _) = rss_kib();
    let start = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..calls {
        set.spawn(call(Arc::new(AtomicUsize::new(0))));
    }
    // Every call has failed once and is now waiting (the first wait is at least 0.5 s).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (waiting, _) = rss_kib();
    let mut ok = 0;
    while let Some(joined) = set.join_next().await {
        ok += usize::from(joined.expect("task").is_ok());
    }
    let elapsed = start.elapsed();
    let (_, peak) = rss_kib();
    let per_call = (waiting.saturating_sub(before) * 1024) as f64 / calls as f64;
    println!(
        "| {label} | {calls} | {ok} | {:.0} | {per_call:.0} | {:.2} |",
        peak as f64 / 1024.0,
        elapsed.as_secs_f64()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if let Some(variant) = first.as_deref().and_then(|a| a.strip_prefix("--variant=")) {
        let calls = args
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or(DEFAULT_CALLS);
        run_variant(variant, calls);
        return;
    }
    let calls = first.and_then(|a| a.parse().ok()).unwrap_or(DEFAULT_CALLS);
    println!("| calls of | in flight | succeeded | peak RSS (MiB) | bytes per waiting call | wall time (s) |");
    println!("|---|---:|---:|---:|---:|---:|");
    let exe = std::env::current_exe().expect("own path");
    for variant in ["annotated", "hand"] {
        let status = std::process::Command::new(&exe)
            .arg(format!("--variant={variant}"))
            .arg(calls.to_string())
            .status()
            .expect("run variant");
        assert!(status.success(), "variant {variant} failed");
    }
}

fn run_variant(variant: &str, calls: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .expect("runtime");
    rt.block_on(async {
        match variant {
            "annotated" => {
                phase(
                    "#[wait_or_die] (fail once, wait, succeed)",
                    calls,
                    |tries| async move { fails_once(&tries).await },
                )
                .await
            }
            _ => {
                phase(
                    "hand loop with tokio::time::sleep",
                    calls,
                    |tries| async move { fails_once_by_hand(&tries).await },
                )
                .await
            }
        }
    });
}
