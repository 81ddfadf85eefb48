//! A blocking call: the same attribute on a plain `fn`. Each wait sleeps the calling thread, so
//! run such a call on a thread of its own, never on one that serves others (a socket's I/O
//! thread, a runtime worker).
//!
//! ```sh
//! cargo run -p wait-or-die --example blocking_call
//! ```

use std::cell::Cell;
use std::io;
use std::time::Instant;

use wait_or_die::wait_or_die;

thread_local! {
    /// How many attempts the simulated terminal refuses before it accepts an order.
    static REFUSALS_LEFT: Cell<u32> = const { Cell::new(2) };
}

/// An order sent to a trading terminal that is busy for its first two attempts.
///
/// The seed's order settings: 30 s in all, up to 5 retries, waits from 0.1 s doubling to 1 s
/// (shortened here so the example runs in well under a second). A blocking attempt cannot be
/// interrupted: the budget is checked before each attempt and each wait.
#[wait_or_die(timeout = 30, max_retries = 5, initial_wait = 0.1, max_wait = 1.0)]
fn execute_order(symbol: &str, volume: f64) -> io::Result<u64> {
    if REFUSALS_LEFT.with(|left| left.replace(left.get().saturating_sub(1))) > 0 {
        return Err(io::Error::new(io::ErrorKind::WouldBlock, "terminal busy"));
    }
    println!("filled {volume} {symbol}");
    Ok(100_000_001)
}

/// A call that cannot succeed dies with its last error once its retries run out.
#[wait_or_die(max_retries = 2, initial_wait = "10ms", max_wait = "20ms")]
fn unreachable_terminal() -> io::Result<u64> {
    Err(io::ErrorKind::ConnectionRefused.into())
}

fn main() {
    let started = Instant::now();
    let deal = execute_order("EURUSD", 0.1).expect("the third attempt fills");
    println!("deal {deal} after {:?}", started.elapsed());
    assert_eq!(deal, 100_000_001);

    let error = unreachable_terminal().expect_err("every attempt is refused");
    println!("gave up: {error}");
    assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
}
