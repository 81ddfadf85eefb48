//! The Prometheus export: a registry rendered to text after known calls, parsed back with a
//! parser crate, figures checked against what the calls did.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use prometheus_parse::{Sample, Scrape, Value};
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry, Action, Jitter, Policy};

static ORDERS: Site = Site::new("metrics.orders");
register_site!(ORDERS);
static IDLE: Site = Site::new("metrics.idle");
register_site!(IDLE);
static SHARING: Site = Site::new("metrics.sharing");
register_site!(SHARING);

const TWO_RETRIES: Policy = Policy::builder()
    .max_retries(2)
    .initial_wait(Duration::from_secs(1))
    .max_wait(Duration::from_secs(1))
    .jitter(Jitter::None)
    .build_const();

/// A call on `site` whose attempts fail `failures` times, then succeed.
async fn call(site: &'static Site, policy: &Policy, failures: u32) -> Result<(), ()> {
    let mut left = failures;
    retry(policy, || {
        let fail = left > 0;
        left = left.saturating_sub(1);
        async move {
            if fail {
                Err("refused")
            } else {
                Ok(())
            }
        }
    })
    .site(site)
    .await
    .map_err(drop)
}

fn scrape() -> (String, Vec<Sample>) {
    let mut registry = Registry::default();
    wait_or_die::metrics::register(&mut registry);
    let mut text = String::new();
    encode(&mut text, &registry).unwrap();
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    (text.clone(), Scrape::parse(lines).unwrap().samples)
}

fn value(samples: &[Sample], metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found = samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v)))?;
    match found.value {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => Some(x),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn the_scrape_shows_what_the_calls_did() {
    call(&ORDERS, &TWO_RETRIES, 0).await.unwrap();
    call(&ORDERS, &TWO_RETRIES, 0).await.unwrap();
    call(&ORDERS, &TWO_RETRIES, 1).await.unwrap(); // recovered after a 1 s wait
    call(&ORDERS, &TWO_RETRIES, 9).await.unwrap_err(); // exhausted after two 1 s waits
    let permanent = retry(&TWO_RETRIES, || async { Err::<(), _>("rejected") })
        .classify(|_: &&str| Action::Die)
        .site(&ORDERS)
        .await;
    assert!(permanent.is_err());
    // Dropped half-way through its first wait: cancelled, 0.5 s waited.
    let dropped =
        tokio::time::timeout(Duration::from_millis(500), call(&ORDERS, &TWO_RETRIES, 9)).await;
    assert!(dropped.is_err());
    let shared = Policy::builder()
        .shared_budget("metrics-terminal")
        .max_retries(1)
        .initial_wait(Duration::ZERO)
        .build()
        .unwrap();
    call(&SHARING, &shared, 1).await.unwrap();

    let (text, samples) = scrape();
    assert!(text.contains("# TYPE wait_or_die_calls counter"), "{text}");
    assert!(
        text.contains("# TYPE wait_or_die_budget_level gauge"),
        "{text}"
    );
    let site = ("site", "metrics.orders");
    let calls = |outcome| {
        value(
            &samples,
            "wait_or_die_calls_total",
            &[site, ("outcome", outcome)],
        )
    };
    let expected = [
        ("ok", 2.0),
        ("recovered", 1.0),
        ("cancelled", 1.0),
        ("exhausted", 1.0),
        ("deadline", 0.0),
        ("permanent", 1.0),
        ("attempt_timeout", 0.0),
        ("budget", 0.0),
        ("nested", 0.0),
    ];
    for (outcome, n) in expected {
        assert_eq!(calls(outcome), Some(n), "{outcome}\n{text}");
    }
    // 2 + 2 + 3 + 1 attempts, and the dropped call's first.
    assert_eq!(
        value(&samples, "wait_or_die_attempts_total", &[site]),
        Some(9.0)
    );
    assert_eq!(
        value(&samples, "wait_or_die_retries_total", &[site]),
        Some(3.0)
    );
    assert_eq!(
        value(&samples, "wait_or_die_wait_seconds_total", &[site]),
        Some(3.5)
    );

    // The budget's level is a gauge once a retry asked it; a site never asked has none.
    let level = value(&samples, "wait_or_die_budget_level", &[site]).unwrap();
    assert!(level > 0.0, "{level}");
    assert_eq!(
        value(
            &samples,
            "wait_or_die_budget_level",
            &[("site", "metrics.idle")]
        ),
        None
    );
    assert_eq!(
        value(
            &samples,
            "wait_or_die_calls_total",
            &[("site", "metrics.idle"), ("outcome", "ok")]
        ),
        Some(0.0)
    );
    let shared_level = value(
        &samples,
        "wait_or_die_shared_budget_level",
        &[("budget", "metrics-terminal")],
    );
    assert!(shared_level.is_some_and(|l| l > 0.0), "{text}");
}
