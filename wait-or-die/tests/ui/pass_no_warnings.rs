//! Expansions emit no warnings, even for bodies that never return.
#![deny(warnings)]

use std::io;

use wait_or_die::wait_or_die;

#[wait_or_die(timeout = 30, exponential_backoff = true, max_retries = 10, initial_wait = 0.5, max_wait = 5.0)]
async fn seed_async(input: &mut Vec<u8>) -> Result<u8, io::Error> {
    input.pop().ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
}

#[wait_or_die(timeout = 30, exponential_backoff = true, max_retries = 5, initial_wait = 1.0, max_wait = 10.0)]
fn seed_blocking(input: &[u8]) -> Result<u8, io::Error> {
    Ok(input[0])
}

#[wait_or_die]
async fn diverges() -> io::Result<u8> {
    unimplemented!()
}

#[wait_or_die]
fn diverges_blocking() -> io::Result<u8> {
    loop {}
}

#[wait_or_die(retry_if = io_error_is_transient, jitter = "decorrelated", multiplier = 1.5)]
pub async fn public(x: u8) -> io::Result<u8> {
    Ok(x)
}

#[wait_or_die(budget = "gateway", budget_ratio = 0.1, budget_min_per_second = 5, budget_window = "30s")]
fn shared_budget() -> io::Result<u8> {
    Ok(1)
}

#[wait_or_die(budget = "none", retry_if = |e| e.kind() != io::ErrorKind::NotFound)]
async fn no_budget() -> io::Result<u8> {
    Ok(1)
}

fn io_error_is_transient(e: &io::Error) -> bool {
    e.kind() != io::ErrorKind::PermissionDenied
}

#[async_trait::async_trait]
trait Source {
    async fn read(&self) -> io::Result<u8>;
}

struct Fixed;

#[async_trait::async_trait]
impl Source for Fixed {
    #[wait_or_die(attempt_timeout = "500ms")]
    async fn read(&self) -> io::Result<u8> {
        Ok(1)
    }
}

/// Hedged: the body borrows its arguments shared, owned ones too.
#[wait_or_die(hedge_after = "50ms", max_hedges = 2)]
async fn hedged(symbol: &str, depth: String, n: u32) -> io::Result<usize> {
    Ok(symbol.len() + depth.len() + n as usize)
}

struct Quotes;

impl Quotes {
    #[wait_or_die(hedge_after = "p99.9")]
    async fn last(&self, symbol: &str) -> io::Result<usize> {
        if symbol.is_empty() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        Ok(symbol.len())
    }
}

#[async_trait::async_trait]
trait Hedged {
    async fn read(&self) -> io::Result<u8>;
}

#[async_trait::async_trait]
impl Hedged for Quotes {
    #[wait_or_die(hedge_after = 0.05)]
    async fn read(&self) -> io::Result<u8> {
        Ok(1)
    }
}

fn main() {
    let _ = hedged("EURUSD", String::new(), 1);
    let _ = Quotes.last("EURUSD");
    let _ = Hedged::read(&Quotes);
    let _ = seed_async(&mut vec![1]);
    let _ = seed_blocking(&[1]);
    let _ = diverges();
    let _ = diverges_blocking as fn() -> io::Result<u8>;
    let _ = Fixed.read();
    let _ = public(1);
    let _ = shared_budget();
    let _ = no_budget();
}
