//! Which errors are retried: `classify_io_error` for `std::io::Error`, a `retry_if` predicate
//! for a domain error (with a server's "retry after" hint), and the engine API's report of why a
//! call stopped.
//!
//! ```sh
//! cargo run -p wait-or-die --example classify_errors
//! ```

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use wait_or_die::{classify_io_error, retry, wait_or_die, Action, Policy, StopReason};

static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Timeouts, resets, refusals and interrupts are transient; permission, not-found and
/// invalid-input errors are permanent and end the call at once, without a wait.
#[wait_or_die(retry_if = classify_io_error, max_retries = 5, initial_wait = "10ms")]
async fn open_account_file(error: io::ErrorKind) -> io::Result<String> {
    ATTEMPTS.fetch_add(1, Ordering::Relaxed);
    Err(error.into())
}

/// A domain error: a broker refusal that says whether, and when, to try again.
#[derive(Debug)]
enum Refusal {
    Requote {
        retry_after_ms: u64,
    },
    NoMoney,
    /// The call's deadline ran out while an attempt was in flight.
    EngineError,
}

/// What an `async fn` with a deadline needs of its error type: a way to say "timed out".
impl From<wait_or_die::EngineError> for Refusal {
    fn from(_: wait_or_die::EngineError) -> Self {
        Refusal::EngineError
    }
}

/// Requotes are retried no sooner than the broker asks; a lack of money never is.
fn classify_refusal(refusal: &Refusal) -> Action {
    match refusal {
        Refusal::Requote { retry_after_ms } => {
            Action::RetryAfter(Duration::from_millis(*retry_after_ms))
        }
        Refusal::NoMoney | Refusal::EngineError => Action::Die,
    }
}

#[wait_or_die(retry_if = classify_refusal, max_retries = 3, initial_wait = "1ms", max_wait = "50ms")]
async fn send_order(answers: &std::sync::Mutex<Vec<Refusal>>) -> Result<u64, Refusal> {
    match answers.lock().unwrap().pop() {
        Some(refusal) => Err(refusal),
        None => Ok(7),
    }
}

#[tokio::main]
async fn main() {
    ATTEMPTS.store(0, Ordering::Relaxed);
    let error = open_account_file(io::ErrorKind::PermissionDenied)
        .await
        .unwrap_err();
    println!("{error:?}: {} attempt", ATTEMPTS.load(Ordering::Relaxed));
    assert_eq!(ATTEMPTS.load(Ordering::Relaxed), 1);

    ATTEMPTS.store(0, Ordering::Relaxed);
    let error = open_account_file(io::ErrorKind::ConnectionReset)
        .await
        .unwrap_err();
    println!("{error:?}: {} attempts", ATTEMPTS.load(Ordering::Relaxed));
    assert_eq!(ATTEMPTS.load(Ordering::Relaxed), 6);

    let answers = std::sync::Mutex::new(vec![Refusal::Requote { retry_after_ms: 20 }]);
    assert_eq!(send_order(&answers).await.unwrap(), 7);
    let answers = std::sync::Mutex::new(vec![Refusal::NoMoney]);
    println!("refused: {:?}", send_order(&answers).await.unwrap_err());

    // The engine API says which rule stopped the call, how many attempts ran and how long it took.
    let policy = Policy::builder()
        .max_retries(2)
        .initial_wait(Duration::ZERO)
        .build()
        .unwrap();
    let stopped = retry(&policy, || async { Err::<(), _>(io::Error::other("down")) })
        .when(|e: &io::Error| e.kind() != io::ErrorKind::PermissionDenied)
        .await
        .unwrap_err();
    println!("{stopped}");
    assert_eq!(
        (stopped.reason(), stopped.attempts()),
        (StopReason::Exhausted, 3)
    );
}
