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

/// The cumulative count of histogram `metric` at bucket bound `le` (`f64::INFINITY` for `+Inf`).
fn bucket(samples: &[Sample], metric: &str, labels: &[(&str, &str)], le: f64) -> Option<f64> {
    let found = samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v)))?;
    match &found.value {
        Value::Histogram(buckets) => buckets.iter().find(|b| b.less_than == le).map(|b| b.count),
        _ => None,
    }
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
        ("breaker_open", 0.0),
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
    // The distributions: one recovery at attempt 2, 1 s after the first failure; one death
    // exhausted at attempt 3 after 2 s; one permanent at once. Buckets are cumulative.
    let at = |metric, labels: &[(&str, &str)], le| bucket(&samples, metric, labels, le);
    let recovery = "wait_or_die_recovery_attempts";
    assert_eq!(at(recovery, &[site], 1.0), Some(0.0), "{text}");
    assert_eq!(at(recovery, &[site], 2.0), Some(1.0), "{text}");
    assert_eq!(at(recovery, &[site], f64::INFINITY), Some(1.0), "{text}");
    let seconds = "wait_or_die_recovery_seconds";
    assert_eq!(at(seconds, &[site], 0.5), Some(0.0), "{text}");
    assert_eq!(at(seconds, &[site], 1.0), Some(1.0), "{text}");
    let exhausted = [site, ("reason", "exhausted")];
    assert_eq!(at("wait_or_die_death_attempts", &exhausted, 2.0), Some(0.0));
    assert_eq!(at("wait_or_die_death_attempts", &exhausted, 3.0), Some(1.0));
    assert_eq!(at("wait_or_die_death_seconds", &exhausted, 1.0), Some(0.0));
    assert_eq!(at("wait_or_die_death_seconds", &exhausted, 2.0), Some(1.0));
    let permanent = [site, ("reason", "permanent")];
    assert_eq!(at("wait_or_die_death_attempts", &permanent, 1.0), Some(1.0));
    let deadline = [site, ("reason", "deadline")];
    assert_eq!(at("wait_or_die_death_attempts", &deadline, 1.0), None);
    assert!(
        text.contains("# TYPE wait_or_die_recovery_seconds histogram"),
        "{text}"
    );

    let shared_level = value(
        &samples,
        "wait_or_die_shared_budget_level",
        &[("budget", "metrics-terminal")],
    );
    assert!(shared_level.is_some_and(|l| l > 0.0), "{text}");
}

/// Names that break an exposition written unescaped: a quote, a backslash, a newline, and the
/// characters that end a label set or a sample.
const AWKWARD: &str = "metrics.\"quoted\" back\\slash\nnew line, a=b} {x";
static AWKWARD_SITE: Site = Site::new(AWKWARD);
register_site!(AWKWARD_SITE);
static OPERATED: Site = Site::new("metrics.operated");
register_site!(OPERATED);
const AWKWARD_BUDGET: &str = "budget \"shared\"\\\n";

static HEDGING: Site = Site::new("metrics.hedging");
register_site!(HEDGING);

#[tokio::test(start_paused = true)]
async fn hedges_and_their_wins_are_series_of_their_own() {
    let policy = Policy::builder()
        .hedge_after(Duration::from_millis(50))
        .build()
        .unwrap();
    // The attempt never ends; its hedge wins at once.
    let won = retry(&policy, || async {
        if wait_or_die::current().unwrap().is_hedge() {
            return Ok::<_, ()>(());
        }
        std::future::pending().await
    })
    .site(&HEDGING)
    .await;
    assert!(won.is_ok());
    let (text, samples) = scrape();
    let site = [("site", "metrics.hedging")];
    let hedges = value(&samples, "wait_or_die_hedges_total", &site);
    let wins = value(&samples, "wait_or_die_hedge_wins_total", &site);
    assert_eq!((hedges, wins), (Some(1.0), Some(1.0)), "{text}");
    let attempts = value(&samples, "wait_or_die_attempts_total", &site);
    assert_eq!(attempts, Some(1.0), "a hedge is not an attempt\n{text}");
}

#[tokio::test(start_paused = true)]
async fn any_name_leaves_the_exposition_valid_and_reads_back() {
    call(&AWKWARD_SITE, &TWO_RETRIES, 1).await.unwrap();
    let shared = Policy::builder()
        .shared_budget(AWKWARD_BUDGET)
        .max_retries(1)
        .initial_wait(Duration::ZERO)
        .build()
        .unwrap();
    call(&SHARING, &shared, 1).await.unwrap();
    // A shared budget named at run time, by an operator.
    let runtime_name = "operator's \"budget\"\\\r\n";
    let policy = Policy::builder()
        .max_retries(1)
        .initial_wait(Duration::ZERO)
        .build()
        .unwrap();
    wait_or_die::control::set(
        "metrics.operated",
        wait_or_die::control::Override::new().shared_budget(runtime_name),
    )
    .unwrap();
    call(&OPERATED, &policy, 1).await.unwrap();
    wait_or_die::control::clear("metrics.operated").unwrap();

    let (text, samples) = scrape();
    assert!(
        !samples.is_empty(),
        "prometheus-parse read nothing:\n{text}"
    );
    let series = exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let label_values = |label: &str| -> Vec<String> {
        series
            .iter()
            .filter_map(|(_, labels)| labels.iter().find(|(k, _)| k == label))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let sites = label_values("site");
    assert!(sites.iter().any(|s| s == AWKWARD), "{sites:?}");
    assert!(sites.iter().any(|s| s == "metrics.orders"), "{sites:?}");
    let budgets = label_values("budget");
    assert!(budgets.iter().any(|b| b == AWKWARD_BUDGET), "{budgets:?}");
    assert!(budgets.iter().any(|b| b == runtime_name), "{budgets:?}");
    let awkward_calls = series
        .iter()
        .filter(|(name, labels)| {
            name == "wait_or_die_calls_total"
                && labels.iter().any(|(k, v)| k == "site" && v == AWKWARD)
        })
        .count();
    assert_eq!(awkward_calls, 10, "one series per outcome");
}

/// A strict reader of the text exposition (OpenMetrics, as `prometheus-client` writes it, and
/// the classic format for what it shares with it): every line must be a comment or a sample
/// whose label values use only the escapes both formats allow.
mod exposition {
    type Series = (String, Vec<(String, String)>);

    pub fn parse(text: &str) -> Result<Vec<Series>, String> {
        let mut series = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if line == "# EOF" {
                if lines.peek().is_some() {
                    return Err("lines after # EOF".into());
                }
                continue;
            }
            if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
                continue;
            }
            series.push(sample(line).map_err(|e| format!("{e} in line {line:?}"))?);
        }
        Ok(series)
    }

    fn sample(line: &str) -> Result<Series, String> {
        let name_end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .ok_or("no value")?;
        let (name, mut rest) = line.split_at(name_end);
        if name.is_empty() {
            return Err("no metric name".into());
        }
        let mut labels = Vec::new();
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            loop {
                if let Some(after) = rest.strip_prefix('}') {
                    rest = after;
                    break;
                }
                let (key, after) = rest.split_once("=\"").ok_or("no label value")?;
                if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!("bad label name {key:?}"));
                }
                let (value, after) = label_value(after)?;
                labels.push((key.to_owned(), value));
                rest = after.strip_prefix(',').unwrap_or(after);
            }
        }
        let value = rest.strip_prefix(' ').ok_or("no space before the value")?;
        value
            .parse::<f64>()
            .map_err(|_| format!("bad value {value:?}"))?;
        Ok((name.to_owned(), labels))
    }

    /// Reads an escaped label value up to its closing quote; returns it unescaped.
    fn label_value(text: &str) -> Result<(String, &str), String> {
        let mut value = String::new();
        let mut chars = text.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((value, &text[i + 1..])),
                '\\' => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                c => value.push(c),
            }
        }
        Err("unterminated label value".into())
    }
}
