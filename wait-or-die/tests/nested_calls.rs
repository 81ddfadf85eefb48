//! Nested annotated calls: only the layer directly above a failure retries, an inner call never
//! outlives the outer one, and an attempt can read its call through `current()`. On tokio's
//! paused clock.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use wait_or_die::{current, wait_or_die};

fn refused() -> io::Error {
    io::ErrorKind::ConnectionRefused.into()
}

static SENT: AtomicU32 = AtomicU32::new(0);

/// The dependency's client: a bare annotation over a dependency that is down.
#[wait_or_die(name = "nested.dependency")]
async fn dependency(sent: &AtomicU32) -> Result<(), io::Error> {
    sent.fetch_add(1, Ordering::SeqCst);
    Err(refused())
}

#[wait_or_die(name = "nested.service")]
async fn service(sent: &AtomicU32) -> Result<(), io::Error> {
    dependency(sent).await
}

#[wait_or_die(name = "nested.handler")]
async fn handler(sent: &AtomicU32) -> Result<(), io::Error> {
    service(sent).await
}

#[tokio::test(start_paused = true)]
async fn three_default_layers_send_one_layer_of_attempts() {
    let sent = AtomicU32::new(0);
    let err = handler(&sent).await.unwrap_err();
    assert_eq!(
        err.kind(),
        io::ErrorKind::ConnectionRefused,
        "the real error"
    );
    assert_eq!(
        sent.load(Ordering::SeqCst),
        4,
        "the inner layer's 4 attempts, not 64"
    );
    let _ = &SENT;
}

#[wait_or_die(name = "nested.reconnecting", retry_nested = true, budget = "none")]
async fn reconnecting(sent: &AtomicU32) -> Result<(), io::Error> {
    dependency(sent).await
}

#[tokio::test(start_paused = true)]
async fn an_outer_layer_that_opts_in_retries_what_the_inner_one_gave_up() {
    let sent = AtomicU32::new(0);
    let _ = reconnecting(&sent).await;
    assert_eq!(
        sent.load(Ordering::SeqCst),
        16,
        "4 outer attempts of 4 inner ones"
    );
}

#[wait_or_die(name = "nested.spawning")]
async fn spawning(sent: &'static AtomicU32) -> Result<(), io::Error> {
    // A call in another task is not nested: it runs on its own, and its failure is retried.
    tokio::spawn(dependency(sent)).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_call_in_another_task_is_not_nested() {
    static SPAWNED: AtomicU32 = AtomicU32::new(0);
    let _ = spawning(&SPAWNED).await;
    assert_eq!(SPAWNED.load(Ordering::SeqCst), 16);
}

#[wait_or_die(
    timeout = 30,
    max_retries = 10,
    initial_wait = 1,
    max_wait = 1,
    jitter = "none"
)]
async fn patient(sent: &AtomicU32) -> Result<(), io::Error> {
    sent.fetch_add(1, Ordering::SeqCst);
    Err(refused())
}

#[wait_or_die(timeout = "3500ms", name = "nested.impatient")]
async fn impatient(sent: &AtomicU32) -> Result<(), io::Error> {
    patient(sent).await
}

#[tokio::test(start_paused = true)]
async fn an_inner_call_never_outlives_the_outer_one() {
    let sent = AtomicU32::new(0);
    let start = Instant::now();
    let err = impatient(&sent).await.unwrap_err();
    // The inner call stops waiting before the outer deadline and hands back its real error,
    // instead of being cancelled there with a timeout.
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(
        sent.load(Ordering::SeqCst),
        4,
        "attempts at 0, 1, 2 and 3 s"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[wait_or_die(
    timeout = 30,
    max_retries = 2,
    initial_wait = 0.5,
    jitter = "none",
    name = "nested.reader"
)]
async fn reader(
    seen: &std::sync::Mutex<Vec<(&'static str, u32, u32, Duration)>>,
) -> Result<(), io::Error> {
    let call = current().expect("inside an attempt");
    let remaining = call.remaining().expect("a budget");
    seen.lock()
        .unwrap()
        .push((call.site(), call.attempt(), call.max_attempts(), remaining));
    Err(refused())
}

#[tokio::test(start_paused = true)]
async fn an_attempt_reads_its_site_attempt_and_time_left() {
    assert!(current().is_none(), "outside any attempt");
    let seen = std::sync::Mutex::new(Vec::new());
    let _ = reader(&seen).await;
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen,
        [
            ("nested.reader", 1, 3, Duration::from_secs(30)),
            ("nested.reader", 2, 3, Duration::from_millis(29_500)),
            ("nested.reader", 3, 3, Duration::from_millis(28_500)),
        ]
    );
    assert!(current().is_none(), "unpublished after the call");
}

#[wait_or_die(
    max_retries = 3,
    initial_wait = 0,
    max_wait = 0,
    name = "nested.blocking_inner"
)]
fn blocking_inner(sent: &mut u32) -> io::Result<()> {
    *sent += 1;
    Err(refused())
}

#[wait_or_die(
    max_retries = 3,
    initial_wait = 0,
    max_wait = 0,
    name = "nested.blocking_outer"
)]
fn blocking_outer(sent: &mut u32) -> io::Result<Duration> {
    let outer = current().expect("inside the outer attempt");
    assert_eq!(outer.site(), "nested.blocking_outer");
    blocking_inner(sent)?;
    Ok(outer.remaining().unwrap())
}

#[test]
fn blocking_layers_nest_on_one_thread() {
    let mut sent = 0;
    assert!(blocking_outer(&mut sent).is_err());
    assert_eq!(sent, 4);
    let outer = wait_or_die::stats::sites()
        .find(|s| s.name() == "nested.blocking_outer")
        .unwrap()
        .snapshot();
    assert_eq!((outer.died_nested, outer.retries), (1, 0));
}
