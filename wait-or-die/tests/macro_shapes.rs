//! Every supported shape of `#[wait_or_die]` function compiles, keeps its signature and runs.
//!
//! Each function succeeds at once here; retry behaviour is in `macro_behaviour.rs`.

use std::fmt::Display;
use std::future::Future;
use std::io;

use wait_or_die::{wait_or_die, EngineError, Policy};

type IoResult<T> = Result<T, io::Error>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An error type with no conversion from `EngineError`.
#[derive(Debug, PartialEq)]
struct PlainError;

/// An error type that holds a `EngineError`.
#[derive(Debug)]
enum AppError {
    #[allow(dead_code)]
    Timeout(EngineError),
}

impl From<EngineError> for AppError {
    fn from(t: EngineError) -> Self {
        AppError::Timeout(t)
    }
}

fn is_transient(_: &io::Error) -> bool {
    true
}

fn runtime_policy() -> Policy {
    Policy::builder().max_retries(1).build().unwrap()
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[wait_or_die]
fn free_sync() -> Result<u8, io::Error> {
    Ok(1)
}

#[wait_or_die(
    max_retries = 2,
    jitter = "full",
    multiplier = 3,
    exponential_backoff = false
)]
async fn free_async() -> io::Result<u8> {
    Ok(1)
}

/// Doc comments and other attributes are kept.
#[wait_or_die(timeout = "2m", initial_wait = "250ms", max_wait = "1s")]
#[must_use]
pub(crate) async fn alias_and_visibility() -> IoResult<u8> {
    Ok(1)
}

#[wait_or_die(attempt_timeout = 0.5)]
async fn generic<T: Clone + Send + Sync, U>(x: &T, _u: U) -> Result<T, io::Error>
where
    U: Send,
{
    Ok(x.clone())
}

#[wait_or_die]
async fn lifetimes<'a, 'b: 'a>(a: &'a str, _b: &'b str) -> Result<&'a str, io::Error> {
    Ok(a)
}

#[wait_or_die]
async fn impl_trait_argument(s: impl AsRef<str> + Send) -> Result<usize, io::Error> {
    Ok(s.as_ref().len())
}

#[wait_or_die]
fn impl_trait_output() -> Result<impl Display, io::Error> {
    Ok(5)
}

#[wait_or_die]
async fn impl_trait_output_async() -> Result<impl Display, io::Error> {
    Ok("five")
}

#[wait_or_die]
async fn question_mark(s: &str) -> Result<u32, BoxError> {
    Ok(s.parse::<u32>()?)
}

#[wait_or_die]
fn early_return(flag: bool) -> Result<u8, io::Error> {
    if flag {
        return Ok(1);
    }
    Ok(2)
}

#[wait_or_die(timeout = "none")]
async fn no_budget_needs_no_conversion() -> Result<u8, PlainError> {
    Ok(1)
}

#[wait_or_die]
fn sync_needs_no_conversion() -> Result<u8, PlainError> {
    Ok(1)
}

#[wait_or_die]
async fn user_error_with_conversion() -> Result<u8, AppError> {
    Ok(1)
}

#[wait_or_die(retry_if = is_transient, name = "shapes::renamed")]
async fn predicate_and_name() -> io::Result<u8> {
    Ok(1)
}

#[wait_or_die(policy = runtime_policy())]
async fn runtime(policy_arg: u8) -> io::Result<u8> {
    Ok(policy_arg)
}

#[wait_or_die(policy = Policy::DEFAULT, retry_if = is_transient)]
fn runtime_sync() -> io::Result<u8> {
    Ok(1)
}

#[derive(Clone, Copy)]
struct Counter {
    n: u32,
}

impl Counter {
    #[wait_or_die]
    async fn by_ref(&self) -> io::Result<u32> {
        Ok(self.n)
    }

    #[wait_or_die]
    async fn by_mut(&mut self) -> io::Result<u32> {
        self.n += 1;
        Ok(self.n)
    }

    #[wait_or_die]
    async fn by_value(self) -> io::Result<u32> {
        Ok(self.n)
    }

    #[wait_or_die]
    fn sync_by_mut(&mut self, step: &mut u32) -> io::Result<u32> {
        *step += 1;
        self.n += *step;
        Ok(self.n)
    }

    #[wait_or_die]
    fn associated() -> io::Result<Self> {
        Ok(Counter { n: 0 })
    }
}

trait Fetch {
    fn fetch(&self) -> impl Future<Output = io::Result<u32>> + Send;
    fn fetch_sync(&mut self) -> io::Result<u32>;
}

impl Fetch for Counter {
    #[wait_or_die]
    async fn fetch(&self) -> io::Result<u32> {
        Ok(self.n)
    }

    #[wait_or_die]
    fn fetch_sync(&mut self) -> io::Result<u32> {
        Ok(self.n)
    }
}

#[async_trait::async_trait]
trait Remote {
    async fn get(&mut self, key: &str) -> io::Result<String>;
    async fn owned(&self, key: String) -> io::Result<String>;
}

#[async_trait::async_trait]
impl Remote for Counter {
    #[wait_or_die(attempt_timeout = 1)]
    async fn get(&mut self, key: &str) -> io::Result<String> {
        self.n += 1;
        Ok(format!("{key}{}", self.n))
    }

    #[wait_or_die]
    async fn owned(&self, key: String) -> io::Result<String> {
        Ok(key.clone())
    }
}

#[wait_or_die]
#[tracing::instrument(skip(counter))]
async fn instrumented_inside(counter: &mut Counter, label: String) -> io::Result<u32> {
    counter.n += label.len() as u32;
    Ok(counter.n)
}

#[tracing::instrument(skip(counter))]
#[wait_or_die]
async fn instrumented_outside(counter: &Counter, label: &str) -> io::Result<u32> {
    Ok(counter.n + label.len() as u32)
}

#[wait_or_die]
#[tracing::instrument]
fn instrumented_sync(label: &str) -> io::Result<usize> {
    Ok(label.len())
}

#[tokio::test(start_paused = true)]
async fn every_shape_runs_once_and_keeps_its_signature() {
    let sync_fn: fn() -> Result<u8, io::Error> = free_sync;
    assert_eq!(sync_fn().unwrap(), 1);
    assert_eq!(assert_send(free_async()).await.unwrap(), 1);
    assert_eq!(alias_and_visibility().await.unwrap(), 1);
    assert_eq!(assert_send(generic(&"x", 1u8)).await.unwrap(), "x");
    assert_eq!(lifetimes("a", "b").await.unwrap(), "a");
    assert_eq!(impl_trait_argument("abc").await.unwrap(), 3);
    assert_eq!(impl_trait_output().unwrap().to_string(), "5");
    assert_eq!(impl_trait_output_async().await.unwrap().to_string(), "five");
    assert_eq!(question_mark("7").await.unwrap(), 7);
    assert!(early_return(true).is_ok());
    assert_eq!(no_budget_needs_no_conversion().await, Ok(1));
    assert_eq!(sync_needs_no_conversion(), Ok(1));
    assert!(user_error_with_conversion().await.is_ok());
    assert_eq!(predicate_and_name().await.unwrap(), 1);
    assert_eq!(runtime(9).await.unwrap(), 9);
    assert_eq!(runtime_sync().unwrap(), 1);

    let mut c = Counter::associated().unwrap();
    assert_eq!(c.by_ref().await.unwrap(), 0);
    assert_eq!(assert_send(c.by_mut()).await.unwrap(), 1);
    assert_eq!(c.by_value().await.unwrap(), 1);
    let mut step = 0;
    assert_eq!(c.sync_by_mut(&mut step).unwrap(), 2);
    assert_eq!(assert_send(c.fetch()).await.unwrap(), 2);
    assert_eq!(c.fetch_sync().unwrap(), 2);
    assert_eq!(c.get("k").await.unwrap(), "k3");
    assert_eq!(c.owned("o".to_owned()).await.unwrap(), "o");
    let label = String::from("ab");
    assert_eq!(
        assert_send(instrumented_inside(&mut c, label))
            .await
            .unwrap(),
        5
    );
    assert_eq!(instrumented_outside(&c, "abc").await.unwrap(), 8);
    assert_eq!(instrumented_sync("abcd").unwrap(), 4);
}

#[test]
fn every_annotated_function_is_a_listed_site() {
    // Unnamed sites are `module::function@line`: compare what precedes the line.
    let names: Vec<&str> = wait_or_die::stats::sites()
        .map(|s| s.name().split('@').next().unwrap())
        .collect();
    for expected in [
        "macro_shapes::free_sync",
        "macro_shapes::free_async",
        "macro_shapes::by_mut",
        "macro_shapes::get",
        "shapes::renamed",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    assert!(!names.contains(&"macro_shapes::predicate_and_name"));
}

async fn bare(c: &Counter) -> io::Result<u32> {
    Ok(c.n)
}

/// What the loop adds to a future: the call state (eight words: with the deadline's anchor and
/// watch ticket kept inline, a pending attempt allocates nothing), the attempt in flight, and
/// the wait with the last error it hands back when it ends past the deadline.
const LOOP_OVERHEAD_BYTES: usize = 104;
/// With the `chaos` feature, the fault-injection hook's state (two words) at an attempt's start.
const CHAOS_HOOK_BYTES: usize = if cfg!(feature = "chaos") { 16 } else { 0 };

#[test]
fn an_annotated_future_is_not_much_larger_than_the_bare_one() {
    let c = Counter { n: 1 };
    let bare_size = std::mem::size_of_val(&bare(&c));
    let annotated_size = std::mem::size_of_val(&c.by_ref());
    assert!(
        annotated_size <= bare_size + LOOP_OVERHEAD_BYTES + CHAOS_HOOK_BYTES,
        "bare {bare_size} B, annotated {annotated_size} B"
    );
}
