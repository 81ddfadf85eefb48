//! `#[wait_or_die]` composed with `#[async_trait]` and `#[tracing::instrument]`, in every order:
//! attempts are retried, arguments (`&mut`, owned) are borrowed afresh by each attempt, and one
//! span covers the whole call.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{wait_or_die, Policy};

mod support;
use support::Flaky;

#[async_trait::async_trait]
trait Source {
    async fn read(&mut self) -> io::Result<u32>;
}

#[async_trait::async_trait]
impl Source for Flaky {
    #[wait_or_die(
        max_retries = 3,
        initial_wait = 1,
        jitter = "none",
        attempt_timeout = 5
    )]
    async fn read(&mut self) -> io::Result<u32> {
        if self.attempts == 0 {
            self.attempts += 1;
            // The first attempt hangs: cancelled by attempt_timeout, then retried.
            std::future::pending::<()>().await;
        }
        self.try_once()
    }
}

#[tokio::test(start_paused = true)]
async fn async_trait_methods_retry_inside_the_boxed_future() {
    let mut flaky: Box<dyn Source + Send> = Box::new(Flaky::new(2));
    let start = Instant::now();
    assert_eq!(flaky.read().await.unwrap(), 3);
    // 5 s cancelled attempt, 1 s wait, one failure, 2 s wait, success.
    assert_eq!(start.elapsed(), Duration::from_secs(5 + 1 + 2));
}

/// Records the current span's id at each attempt.
fn span_of_attempt(spans: &mut Vec<Option<tracing::Id>>) {
    spans.push(tracing::Span::current().id());
}

#[wait_or_die(max_retries = 2, initial_wait = 1, jitter = "none")]
#[tracing::instrument(skip(flaky, spans), fields(label = %label))]
async fn instrumented_inside(
    flaky: &mut Flaky,
    label: String,
    spans: &mut Vec<Option<tracing::Id>>,
) -> io::Result<u32> {
    span_of_attempt(spans);
    flaky.try_once()
}

#[tracing::instrument(skip(flaky, spans), err)]
#[wait_or_die(max_retries = 2, initial_wait = 1, jitter = "none")]
async fn instrumented_outside(
    flaky: &mut Flaky,
    label: String,
    spans: &mut Vec<Option<tracing::Id>>,
) -> io::Result<u32> {
    span_of_attempt(spans);
    flaky.try_once()
}

#[tokio::test(start_paused = true)]
async fn composes_with_tracing_instrument_in_either_order_with_one_span_per_call() {
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
    let mut spans = Vec::new();
    let mut flaky = Flaky::new(2);
    let got = instrumented_inside(&mut flaky, "in".to_owned(), &mut spans).await;
    assert_eq!(got.unwrap(), 3);
    let mut flaky = Flaky::new(1);
    let start = Instant::now();
    let got = instrumented_outside(&mut flaky, "out".to_owned(), &mut spans).await;
    assert_eq!(got.unwrap(), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    // Three attempts in the first call's span, two in the second's.
    assert_eq!(spans.len(), 5);
    assert!(spans[0].is_some() && spans[3].is_some());
    assert!(spans[..3].iter().all(|id| *id == spans[0]), "{spans:?}");
    assert!(spans[3..].iter().all(|id| *id == spans[3]), "{spans:?}");
    assert_ne!(spans[0], spans[3]);
}

#[tracing::instrument(skip(flaky, spans), err)]
#[wait_or_die(max_retries = 2, initial_wait = "1ms", max_wait = "1ms")]
fn blocking_instrumented_outside(
    flaky: &mut Flaky,
    label: String,
    spans: &mut Vec<Option<tracing::Id>>,
) -> io::Result<u32> {
    span_of_attempt(spans);
    flaky.try_once()
}

#[tracing::instrument(skip(flaky, spans))]
#[wait_or_die(max_retries = 2, initial_wait = "1ms", max_wait = "1ms")]
fn blocking_instrumented_plain(
    flaky: &mut Flaky,
    label: String,
    spans: &mut Vec<Option<tracing::Id>>,
) -> io::Result<u32> {
    span_of_attempt(spans);
    flaky.try_once()
}

#[test]
fn a_blocking_function_under_instrument_has_one_span_per_call() {
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
    let mut spans = Vec::new();
    let got = blocking_instrumented_outside(&mut Flaky::new(2), "a".to_owned(), &mut spans);
    assert_eq!(got.unwrap(), 3);
    let got = blocking_instrumented_plain(&mut Flaky::new(1), "b".to_owned(), &mut spans);
    assert_eq!(got.unwrap(), 2);
    assert_eq!(spans.len(), 5);
    assert!(spans[0].is_some() && spans[3].is_some());
    assert!(spans[..3].iter().all(|id| *id == spans[0]), "{spans:?}");
    assert!(spans[3..].iter().all(|id| *id == spans[3]), "{spans:?}");
}

#[async_trait::async_trait]
trait Journal {
    async fn append(&mut self, entry: String) -> io::Result<u32>;
}

#[async_trait::async_trait]
impl Journal for Flaky {
    #[tracing::instrument(skip(self))]
    #[wait_or_die(
        max_retries = 2,
        initial_wait = 1,
        jitter = "none",
        attempt_timeout = 5
    )]
    async fn append(&mut self, entry: String) -> io::Result<u32> {
        assert!(!entry.is_empty());
        self.try_once()
    }
}

#[tokio::test(start_paused = true)]
async fn composes_with_async_trait_and_instrument_above() {
    let mut flaky = Flaky::new(1);
    assert_eq!(flaky.append("entry".to_owned()).await.unwrap(), 2);
    assert_eq!(flaky.attempts, 2);
}

#[async_trait::async_trait]
trait Quote {
    async fn quote(self: Arc<Self>) -> io::Result<u32>;
    async fn quote_checked(self: Arc<Self>) -> io::Result<u32>;
}

/// A client whose policy and error rule are set at run time and read from `self`.
struct Quoter {
    policy: Policy,
    fatal: io::ErrorKind,
    failures: Vec<io::ErrorKind>,
    attempts: AtomicU32,
}

impl Quoter {
    fn next(&self) -> io::Result<u32> {
        let n = self.attempts.fetch_add(1, Ordering::SeqCst);
        match self.failures.get(n as usize) {
            Some(kind) => Err((*kind).into()),
            None => Ok(n + 1),
        }
    }
}

#[async_trait::async_trait]
impl Quote for Quoter {
    #[wait_or_die(policy = self.policy)]
    async fn quote(self: Arc<Self>) -> io::Result<u32> {
        self.next()
    }

    #[tracing::instrument(skip(self))]
    #[wait_or_die(policy = self.policy, retry_if = |e| e.kind() != self.fatal)]
    async fn quote_checked(self: Arc<Self>) -> io::Result<u32> {
        self.next()
    }
}

#[tokio::test(start_paused = true)]
async fn a_policy_read_from_an_owned_self_works_under_async_trait() {
    let policy = Policy::builder()
        .max_retries(1)
        .initial_wait(Duration::from_secs(2))
        .max_wait(Duration::from_secs(2))
        .jitter(wait_or_die::Jitter::None)
        .build()
        .unwrap();
    let refused = io::ErrorKind::ConnectionRefused;
    let quoter = Arc::new(Quoter {
        policy,
        fatal: io::ErrorKind::PermissionDenied,
        failures: vec![refused, refused, io::ErrorKind::PermissionDenied],
        attempts: AtomicU32::new(0),
    });
    let start = Instant::now();
    // One retry allowed by the run-time policy: two refusals exhaust it after one 2 s wait.
    let err = Arc::clone(&quoter).quote().await.unwrap_err();
    assert_eq!(err.kind(), refused);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    // The third failure is the fatal kind read from `self`: no retry, no wait.
    let err = Arc::clone(&quoter).quote_checked().await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(quoter.attempts.load(Ordering::SeqCst), 3);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(Arc::clone(&quoter).quote().await.unwrap(), 4);
}
