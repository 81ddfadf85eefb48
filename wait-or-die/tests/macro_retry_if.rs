//! `retry_if` written as a closure, the way people write them for backon or tenacity: its
//! parameter needs no type, because the attribute knows the error type from the return type
//! (also through an alias such as `io::Result<T>`). Path predicates are in `macro_behaviour.rs`.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{wait_or_die, Action};

#[wait_or_die(retry_if = |e| e.kind() != io::ErrorKind::NotFound, max_retries = 4, initial_wait = 1, jitter = "none")]
async fn fetch(kind: io::ErrorKind, attempts: &AtomicU32) -> io::Result<()> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(kind.into())
}

#[tokio::test(start_paused = true)]
async fn a_closure_with_an_untyped_parameter_classifies_the_error() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let err = fetch(io::ErrorKind::NotFound, &attempts).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);

    fetch(io::ErrorKind::ConnectionReset, &attempts)
        .await
        .unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), 1 + 5);
}

#[derive(Debug, PartialEq)]
enum Reply {
    Busy(u64),
    Rejected,
}

#[wait_or_die(
    retry_if = |reply| match reply {
        Reply::Busy(secs) => Action::RetryAfter(Duration::from_secs(*secs)),
        Reply::Rejected => Action::Die,
    },
    max_retries = 3,
    initial_wait = "10ms",
    max_wait = "10ms"
)]
fn place(replies: &mut Vec<Reply>) -> Result<u32, Reply> {
    match replies.pop() {
        Some(reply) => Err(reply),
        None => Ok(7),
    }
}

#[test]
fn a_blocking_closure_may_answer_an_action() {
    let mut replies = vec![Reply::Rejected, Reply::Busy(0)];
    assert_eq!(place(&mut replies), Err(Reply::Rejected));
    assert!(replies.is_empty());
    let mut replies = vec![Reply::Busy(0), Reply::Busy(0)];
    assert_eq!(place(&mut replies), Ok(7));
}

#[wait_or_die(retry_if = move |e| e.kind() != fatal, max_retries = 2, initial_wait = 0, max_wait = 0)]
async fn with_captured_argument(
    fatal: io::ErrorKind,
    fails: &mut Vec<io::ErrorKind>,
) -> io::Result<u8> {
    match fails.pop() {
        Some(kind) => Err(kind.into()),
        None => Ok(1),
    }
}

#[tokio::test(start_paused = true)]
async fn a_closure_may_capture_an_argument_of_the_function() {
    let mut fails = vec![io::ErrorKind::PermissionDenied, io::ErrorKind::TimedOut];
    let err = with_captured_argument(io::ErrorKind::PermissionDenied, &mut fails)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert!(fails.is_empty());
}
