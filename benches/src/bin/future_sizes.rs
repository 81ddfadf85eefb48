//! Prints the size of each crate's retry future around the same operation, next to the bare
//! future: what every in-flight call keeps in memory.
//!
//! `cargo run --release -p wait-or-die-benches --bin future_sizes`

use std::mem::size_of_val;

use backon::Retryable;
use wait_or_die::retry;
use wait_or_die_benches::*;

fn main() {
    // tokio::time::timeout creates its timer eagerly, inside a runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let _entered = rt.enter();
    let bare = size_of_val(&op());
    let rows = [
        ("bare op()", bare),
        (
            "#[wait_or_die] seed (timeout = 30)",
            size_of_val(&seed_annotated()),
        ),
        (
            "#[wait_or_die] seed, no timeout",
            size_of_val(&seed_annotated_no_timeout()),
        ),
        (
            "wait_or_die::retry (engine API)",
            size_of_val(&retry(&SEED_POLICY, op)),
        ),
        (
            "tokio::time::timeout(30 s)",
            size_of_val(&tokio::time::timeout(TIMEOUT, op())),
        ),
        ("backon", size_of_val(&op.retry(backon_builder()))),
        (
            "tokio-retry",
            size_of_val(&tokio_retry::Retry::start(tokio_retry_strategy(), op)),
        ),
        (
            "backoff",
            size_of_val(&backoff::future::retry(backoff_policy(), || async {
                op().await.map_err(backoff::Error::transient)
            })),
        ),
        (
            "tryhard",
            size_of_val(&tryhard::retry_fn(op).with_config(tryhard_config())),
        ),
    ];
    println!("| future | bytes | over bare |");
    println!("|---|---:|---:|");
    for (name, size) in rows {
        println!("| {name} | {size} | {:+} |", size as i64 - bare as i64);
    }
}
