//! Prometheus metrics: every annotated site's counters, read when the registry is encoded (no
//! cost on the call's path). Serve the text at `/metrics` with the HTTP server of your choice.
//!
//! ```sh
//! cargo run -p wait-or-die --features metrics --example prometheus_metrics
//! ```

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use wait_or_die::wait_or_die;

static CALLS: AtomicU32 = AtomicU32::new(0);

/// Every third call fails once before it succeeds.
#[wait_or_die(
    max_retries = 3,
    initial_wait = "1ms",
    max_wait = "2ms",
    name = "example.fetch_rates"
)]
async fn fetch_rates() -> io::Result<f64> {
    if CALLS.fetch_add(1, Ordering::Relaxed) % 4 == 0 {
        return Err(io::ErrorKind::TimedOut.into());
    }
    Ok(1.0842)
}

#[tokio::main]
async fn main() -> Result<(), std::fmt::Error> {
    let mut registry = Registry::default();
    wait_or_die::metrics::register(&mut registry);

    for _ in 0..30 {
        fetch_rates()
            .await
            .expect("every failure recovers on the next attempt");
    }

    let mut text = String::new();
    encode(&mut text, &registry)?;
    let ours: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("example.fetch_rates") || line.starts_with("# TYPE"))
        .collect();
    println!("{}", ours.join("\n"));

    assert!(text.contains(r#"wait_or_die_calls_total{site="example.fetch_rates",outcome="ok"} 20"#));
    assert!(text
        .contains(r#"wait_or_die_calls_total{site="example.fetch_rates",outcome="recovered"} 10"#));
    Ok(())
}
