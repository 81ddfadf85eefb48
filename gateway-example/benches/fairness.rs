//! How fast a well-behaved client's PINGs are answered while another client floods the gateway
//! with 100,000 requests and never reads a reply, with and without a shared key.
//!
//! `cargo bench -p gateway-example --bench fairness` prints p50, p99 and max per case; the
//! fairness test only asserts that every PING is answered.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::flood::{percentile, pings_during_flood};
use common::{options, TestGateway};
use gateway_example::security::SharedKey;

/// A PING unanswered this long is reported as unanswered.
const PING_TIMEOUT: Duration = Duration::from_secs(1);
const KEY: &str = "fairness-bench-key-of-32-bytes!!";

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: skip the measurement.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("| case | PINGs | unanswered | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    let key = SharedKey::new(KEY).expect("a valid key");
    for (case, key) in [("unkeyed", None), ("keyed, flood refused", Some(key))] {
        let mut opts = options(None, 0.0, 31);
        opts.gateway.key = key.clone();
        let gateway = TestGateway::start(&opts);
        let pings = pings_during_flood(
            &gateway.running.gateway,
            &gateway.endpoint(),
            key.as_ref(),
            PING_TIMEOUT,
            5,
        );
        let answered = &pings.answered;
        println!(
            "| {case} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
            answered.len(),
            pings.unanswered,
            ms(percentile(answered, 50)),
            ms(percentile(answered, 99)),
            ms(answered[answered.len() - 1]),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
