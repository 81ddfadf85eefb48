//! Retry behaviour through `#[wait_or_die]`, on tokio's paused clock: attempts, waits, deadlines,
//! methods, generics, owned arguments, spawned tasks, runtime policies and statistics.
//! Composition with other attributes is in `macro_composition.rs`.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{wait_or_die, EngineError, Policy};

mod support;
use support::{refused, Flaky};

impl Flaky {
    #[wait_or_die(max_retries = 3, initial_wait = 1, max_wait = 10, jitter = "none")]
    async fn exact(&mut self) -> io::Result<u32> {
        tokio::task::yield_now().await;
        self.try_once()
    }

    #[wait_or_die(max_retries = 5, initial_wait = 1, max_wait = 3)]
    async fn jittered(&mut self) -> io::Result<u32> {
        self.try_once()
    }
}

#[tokio::test(start_paused = true)]
async fn retries_until_success_with_the_nominal_waits() {
    let mut flaky = Flaky::new(2);
    let start = Instant::now();
    assert_eq!(flaky.exact().await.unwrap(), 3);
    // Waits of 1 s then 2 s: exponential, no jitter.
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn gives_up_with_the_last_error_after_max_retries() {
    let mut flaky = Flaky::new(u32::MAX);
    let start = Instant::now();
    let err = flaky.exact().await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(flaky.attempts, 4);
    assert_eq!(start.elapsed(), Duration::from_secs(1 + 2 + 4));
}

#[tokio::test(start_paused = true)]
async fn jittered_waits_stay_within_the_nominal_schedule() {
    for _ in 0..20 {
        let mut flaky = Flaky::new(5);
        let start = Instant::now();
        assert_eq!(flaky.jittered().await.unwrap(), 6);
        // Nominal 1, 2, 3, 3, 3 s; the default jitter only shortens each wait, to at least half.
        let waited = start.elapsed();
        assert!(waited <= Duration::from_secs(12), "{waited:?}");
        assert!(waited >= Duration::from_secs(6), "{waited:?}");
    }
}

#[wait_or_die(timeout = 5, max_retries = 100, initial_wait = 1, jitter = "none")]
async fn hangs(attempts: &AtomicU32) -> io::Result<()> {
    attempts.fetch_add(1, Ordering::SeqCst);
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cancels_an_attempt_in_flight_with_an_io_timeout() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let err = hangs(&attempts).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[wait_or_die(timeout = "2s")]
async fn hangs_boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn a_boxed_error_gets_the_timeout_without_user_code() {
    let err = hangs_boxed().await.unwrap_err();
    assert!(err.is::<EngineError>(), "{err}");
}

#[wait_or_die(attempt_timeout = "500ms", initial_wait = "100ms", jitter = "none")]
async fn slow_first(attempts: &AtomicU32) -> io::Result<u32> {
    let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    if n == 1 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_cancels_and_retries_a_slow_attempt() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    assert_eq!(slow_first(&attempts).await.unwrap(), 2);
    assert_eq!(start.elapsed(), Duration::from_millis(600));
}

fn is_transient(e: &io::Error) -> bool {
    e.kind() != io::ErrorKind::PermissionDenied
}

#[wait_or_die(retry_if = is_transient, max_retries = 5)]
async fn fails_with(kind: io::ErrorKind, attempts: &AtomicU32) -> io::Result<()> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(kind.into())
}

#[tokio::test(start_paused = true)]
async fn retry_if_stops_at_once_on_a_permanent_error() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let err = fails_with(io::ErrorKind::PermissionDenied, &attempts)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);

    fails_with(io::ErrorKind::TimedOut, &attempts)
        .await
        .unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), 1 + 6);
}

/// A server that says how long to back off: the engine's own io classifier, plus a hint.
fn throttled(e: &io::Error) -> wait_or_die::Action {
    match e.kind() {
        io::ErrorKind::WouldBlock => wait_or_die::Action::RetryAfter(Duration::from_secs(3)),
        _ => wait_or_die::classify_io_error(e),
    }
}

#[wait_or_die(retry_if = throttled, max_retries = 3, initial_wait = 0.1, max_wait = 0.1)]
async fn busy_once(attempts: &AtomicU32) -> io::Result<u32> {
    match attempts.fetch_add(1, Ordering::SeqCst) {
        0 => Err(io::ErrorKind::WouldBlock.into()),
        1 => Err(io::ErrorKind::InvalidInput.into()),
        n => Ok(n),
    }
}

#[tokio::test(start_paused = true)]
async fn retry_if_may_answer_an_action_with_a_hint_or_death() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let err = busy_once(&attempts).await.unwrap_err();
    // The hint stretched the 0.1 s wait to 3 s; InvalidInput is permanent for io errors.
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[wait_or_die(max_retries = 2, initial_wait = 0, max_wait = 0)]
async fn question_mark_ends_the_attempt(input: &mut Vec<&'static str>) -> io::Result<u32> {
    let next = input.pop().ok_or_else(refused)?;
    if next.is_empty() {
        return Err(refused());
    }
    next.parse::<u32>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[tokio::test(start_paused = true)]
async fn question_mark_and_return_end_one_attempt_not_the_call() {
    let mut input = vec!["7", "", "x"];
    // "x" fails to parse (?), "" returns early, "7" succeeds.
    assert_eq!(question_mark_ends_the_attempt(&mut input).await.unwrap(), 7);
    assert!(input.is_empty());
}

#[wait_or_die(max_retries = 4, initial_wait = "10ms", max_wait = "10ms")]
async fn generic_pop<T: Clone + Send>(items: &mut Vec<T>, want: usize) -> Result<T, io::Error> {
    let item = items.pop().ok_or_else(refused)?;
    if items.len() > want {
        Err(refused())
    } else {
        Ok(item)
    }
}

#[tokio::test(start_paused = true)]
async fn a_generic_function_retries_with_mutable_arguments() {
    let mut items = vec!['a', 'b', 'c', 'd'];
    // Pops 'd' and 'c' (too many left: retried), then 'b'.
    assert_eq!(generic_pop(&mut items, 1).await.unwrap(), 'b');
    assert_eq!(items, vec!['a']);
}

#[wait_or_die(max_retries = 3, initial_wait = 1, jitter = "none")]
async fn send_owned(
    payload: String,
    sent: Arc<std::sync::Mutex<Vec<String>>>,
) -> io::Result<usize> {
    let mut sent = sent.lock().unwrap();
    // Consuming the owned argument needs an explicit clone per attempt.
    sent.push(payload.clone());
    if sent.len() < 3 {
        Err(refused())
    } else {
        Ok(sent.len())
    }
}

#[tokio::test(start_paused = true)]
async fn owned_arguments_are_cloned_explicitly_and_the_future_spawns() {
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let task = tokio::spawn(send_owned("order".to_owned(), Arc::clone(&sent)));
    assert_eq!(task.await.unwrap().unwrap(), 3);
    assert_eq!(*sent.lock().unwrap(), vec!["order"; 3]);
}

/// A self-contained client whose method future is `Send + 'static` when given an `Arc`.
struct Client {
    calls: AtomicU32,
}

impl Client {
    #[wait_or_die(max_retries = 2, initial_wait = 1, jitter = "none")]
    async fn call(self: Arc<Self>) -> io::Result<u32> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
        if n < 3 {
            Err(refused())
        } else {
            Ok(n)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn spawned_method_futures_retry_concurrently() {
    let client = Arc::new(Client {
        calls: AtomicU32::new(0),
    });
    let start = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|_| tokio::spawn(Arc::clone(&client).call()))
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap().unwrap());
    }
    results.sort_unstable();
    // Both calls fail their first attempt together, then succeed on the second.
    assert_eq!(results, vec![3, 4]);
    assert_eq!(start.elapsed(), Duration::from_millis(100 + 1000 + 100));
}

#[wait_or_die(policy = Policy::builder().max_retries(1).initial_wait(Duration::from_secs(2)).build().unwrap())]
async fn with_runtime_policy(attempts: &AtomicU32) -> io::Result<()> {
    attempts.fetch_add(1, Ordering::SeqCst);
    Err(refused())
}

#[tokio::test(start_paused = true)]
async fn a_runtime_policy_is_used() {
    let attempts = AtomicU32::new(0);
    with_runtime_policy(&attempts).await.unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[wait_or_die(
    max_retries = 2,
    initial_wait = "1ms",
    max_wait = "1ms",
    jitter = "none"
)]
fn blocking(flaky: &mut Flaky) -> io::Result<u32> {
    flaky.try_once()
}

#[test]
fn a_blocking_function_retries_in_place() {
    let mut flaky = Flaky::new(2);
    assert_eq!(blocking(&mut flaky).unwrap(), 3);
    let mut always = Flaky::new(u32::MAX);
    assert_eq!(
        blocking(&mut always).unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused
    );
    assert_eq!(always.attempts, 3);
}

#[wait_or_die(
    name = "behaviour::counted",
    max_retries = 1,
    initial_wait = 1,
    jitter = "none"
)]
async fn counted(flaky: &mut Flaky) -> io::Result<u32> {
    flaky.try_once()
}

#[tokio::test(start_paused = true)]
async fn each_function_is_a_statistics_site() {
    counted(&mut Flaky::new(1)).await.unwrap();
    counted(&mut Flaky::new(5)).await.unwrap_err();
    let site = wait_or_die::stats::sites()
        .find(|s| s.name() == "behaviour::counted")
        .expect("the renamed site is listed");
    let stats = site.snapshot();
    assert_eq!((stats.calls, stats.attempts, stats.retries), (2, 4, 2));
    assert_eq!((stats.recovered, stats.died_exhausted), (1, 1));
    // Unnamed sites are `module::function@line`.
    assert!(wait_or_die::stats::sites().any(|s| s.name().starts_with("macro_behaviour::blocking@")));
}
