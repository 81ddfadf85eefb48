//! `retry` and `retry_blocking` without `.site(..)`: each place that calls them gets a site and a
//! retry budget of its own, listed by its file, line and column. On tokio's paused clock.

use std::io;
use std::time::Duration;

use wait_or_die::{control, retry, retry_blocking, stats, Policy, RetryError, StopReason};

/// Three retries, no wait between them: the paused clock never moves, so the budget's window
/// holds every call of the test.
const NO_WAITS: Policy = Policy::builder()
    .max_retries(3)
    .initial_wait(Duration::ZERO)
    .max_wait(Duration::ZERO)
    .build_const();

fn down() -> io::Error {
    io::ErrorKind::ConnectionRefused.into()
}

/// A call to a dead "orders" service, and the line it is made on.
async fn orders() -> (Result<(), RetryError<io::Error>>, u32) {
    let result = retry(&NO_WAITS, || async { Err::<(), _>(down()) }).await;
    (result, line!() - 1)
}

/// A call to a healthy "quotes" service whose first attempt fails, and the line it is made on.
async fn quotes() -> (Result<u32, RetryError<io::Error>>, u32) {
    let mut attempts = 0;
    let op = || {
        attempts += 1;
        let n = attempts;
        async move {
            if n == 1 {
                Err(down())
            } else {
                Ok(n)
            }
        }
    };
    let result = retry(&NO_WAITS, op).await;
    (result, line!() - 1)
}

/// The site named after `line` of this file, and its counters.
fn site_at(line: u32) -> stats::SiteStats {
    let prefix = format!("{}:{line}:", file!());
    let found: Vec<_> = stats::sites()
        .filter(|s| s.name().starts_with(&prefix))
        .collect();
    assert_eq!(found.len(), 1, "one site for the call at line {line}");
    let column = &found[0].name()[prefix.len()..];
    assert!(
        column.parse::<u32>().is_ok(),
        "file:line:column, got {:?}",
        found[0].name()
    );
    found[0].snapshot()
}

#[tokio::test(start_paused = true)]
async fn each_caller_of_retry_has_a_budget_of_its_own() {
    let mut orders_line = 0;
    for _ in 0..200 {
        let (result, line) = orders().await;
        assert!(result.is_err());
        orders_line = line;
    }
    let orders = site_at(orders_line);
    assert_eq!(orders.calls, 200);
    assert!(
        orders.died_budget > 0,
        "the outage spent the orders budget: {orders:?}"
    );

    let mut quotes_line = 0;
    for _ in 0..50 {
        let (result, line) = quotes().await;
        assert_eq!(result.unwrap(), 2, "the retry was granted");
        quotes_line = line;
    }
    let quotes = site_at(quotes_line);
    assert_eq!(
        (quotes.calls, quotes.recovered, quotes.died_budget),
        (50, 50, 0)
    );
}

#[test]
fn a_blocking_caller_is_listed_and_steered_by_its_own_name() {
    let call = || {
        let result = retry_blocking(&NO_WAITS, || Err::<(), _>("down")).call();
        (result, line!() - 1)
    };
    let (first, line) = call();
    assert_eq!(first.unwrap_err().attempts(), 4);
    let name = stats::sites()
        .map(stats::Site::name)
        .find(|name| name.starts_with(&format!("{}:{line}:", file!())))
        .expect("listed once called");

    control::retries_off(name).unwrap();
    let (switched, _) = call();
    control::clear(name).unwrap();
    let switched = switched.unwrap_err();
    assert_eq!(
        (switched.attempts(), switched.reason()),
        (1, StopReason::Exhausted)
    );
    assert_eq!(site_at(line).calls, 2);
}
