//! One retry budget shared by every site that calls one dependency: in an outage the budget
//! refuses most retries, so the dead terminal sees little more than one attempt per call, not
//! four; a lone caller on a healthy day keeps every retry (the floor of retries per second).
//!
//! ```sh
//! cargo run -p wait-or-die --example shared_budget
//! ```

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use wait_or_die::{stats, wait_or_die};

/// Attempts that reached the (dead) terminal.
static REACHED_TERMINAL: AtomicU64 = AtomicU64::new(0);

fn dead_terminal() -> io::Result<u64> {
    REACHED_TERMINAL.fetch_add(1, Ordering::Relaxed);
    Err(io::ErrorKind::ConnectionRefused.into())
}

// Both sites name the budget "terminal": retries of either are counted against calls of both.
// Up to 10 % of calls may be retried, plus 1 retry per second whatever the share.
#[wait_or_die(
    max_retries = 3,
    initial_wait = 0,
    max_wait = 0,
    budget = "terminal",
    budget_ratio = 0.1,
    budget_min_per_second = 1,
    name = "example.place_order"
)]
async fn place_order() -> io::Result<u64> {
    dead_terminal()
}

#[wait_or_die(
    max_retries = 3,
    initial_wait = 0,
    max_wait = 0,
    budget = "terminal",
    budget_ratio = 0.1,
    budget_min_per_second = 1,
    name = "example.positions"
)]
async fn positions() -> io::Result<u64> {
    dead_terminal()
}

#[tokio::main]
async fn main() {
    const CALLS: u64 = 200;
    for call in 0..CALLS {
        let failed = if call % 2 == 0 {
            place_order().await
        } else {
            positions().await
        };
        assert!(failed.is_err());
    }

    let reached = REACHED_TERMINAL.load(Ordering::Relaxed);
    println!(
        "{CALLS} calls in an outage: {reached} attempts reached the terminal ({:.2} per call; \
         {} without a budget)",
        reached as f64 / CALLS as f64,
        CALLS * 4
    );
    for name in ["example.place_order", "example.positions"] {
        let site = stats::sites()
            .find(|s| s.name() == name)
            .unwrap()
            .snapshot();
        println!(
            "{name}: {} calls, {} retries, {} refused by the budget",
            site.calls, site.retries, site.died_budget
        );
        assert!(
            site.died_budget > 0,
            "{name}: the shared budget refused some of its retries"
        );
    }
    for (budget, level) in stats::shared_budgets() {
        println!("shared budget {budget}: level {level:?}");
    }
    // 10 % of 200 calls plus the floor's 10 retries per 10 s window, and a little slack.
    assert!(
        reached < CALLS + CALLS / 10 + 20,
        "the budget held the load near one attempt per call"
    );
}
