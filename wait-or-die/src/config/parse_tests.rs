//! Each shape of a bad file, with the exact line and key it is reported at.

use core::time::Duration;

use super::*;
use crate::config::{load, ConfigError};

/// The one problem of `text`, as `(line, key, message)`.
fn problem(text: &str) -> (usize, String, String) {
    let problems = parse(text).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    (p.line, p.key.clone().unwrap_or_default(), p.message.clone())
}

#[test]
fn reads_every_key() {
    let parsed = parse(
        r#"
retries = "on"

[sites."gateway.place_order"]
max_retries = 2
timeout = "none"
initial_wait = 0.25
max_wait = "2s"
jitter = "full"
budget = "orders"
budget_ratio = 0.5
budget_min_per_second = 3
budget_window = 60

[sites."client.round_trip"]
retries = "off"
"#,
    )
    .unwrap();
    assert!(!parsed.all_off);
    let [client, gateway] = &parsed.sites[..] else {
        panic!("{parsed:?}")
    };
    assert_eq!(
        (client.name.as_str(), client.line),
        ("client.round_trip", 15)
    );
    assert!(client.settings.retries_off);
    let expected = Override::new()
        .max_retries(2)
        .no_timeout()
        .initial_wait(Duration::from_millis(250))
        .max_wait(Duration::from_secs(2))
        .jitter(Jitter::Full)
        .shared_budget("orders")
        .budget_ratio(0.5)
        .budget_min_per_second(3)
        .budget_window(Duration::from_secs(60));
    assert_eq!(gateway.settings, expected);
    assert_eq!(
        gateway.keys.iter().find(|(k, _)| *k == "max_wait"),
        Some(&("max_wait", 8))
    );
}

#[test]
fn an_unknown_key_is_named_with_the_closest_one() {
    let (line, key, message) = problem("[sites.\"a\"]\nmax_retries = 1\nmax_retires = 2\n");
    assert_eq!((line, key.as_str()), (3, "sites.\"a\".max_retires"));
    assert!(
        message.starts_with("unknown key `max_retires`: expected one of `max_retries`, `timeout`"),
        "{message}"
    );
    assert!(
        message.ends_with("did you mean `max_retries`?"),
        "{message}"
    );
    let (line, key, _) = problem("\n\nretrys = \"off\"\n");
    assert_eq!((line, key.as_str()), (3, "retrys"));
}

#[test]
fn a_value_of_the_wrong_type_is_named() {
    let (line, key, message) = problem("[sites.\"a\"]\n\nmax_retries = \"two\"\n");
    assert_eq!((line, key.as_str()), (3, "sites.\"a\".max_retries"));
    assert_eq!(
        message,
        "`max_retries` expects a whole number from 0 to 4294967295, found the string \"two\""
    );
    let (line, key, message) = problem("[sites.\"a\"]\nmax_retries = -1\n");
    assert_eq!((line, key.as_str()), (2, "sites.\"a\".max_retries"));
    assert!(message.ends_with("found the number -1"), "{message}");
    let (line, key, message) = problem("[sites.\"a\"]\nmax_wait = \"5 days\"\n");
    assert_eq!((line, key.as_str()), (2, "sites.\"a\".max_wait"));
    assert!(
        message.starts_with("`max_wait` = \"5 days\" is not a duration: expected seconds"),
        "{message}"
    );
    let (line, _, message) = problem("[sites.\"a\"]\njitter = \"fulll\"\n");
    assert_eq!(line, 2);
    assert!(message.ends_with("did you mean `full`?"), "{message}");
    let (line, key, message) = problem("retries = \"of\"\n");
    assert_eq!((line, key.as_str()), (1, "retries"));
    assert_eq!(
        message,
        "`retries` expects one of `off` or `on`, found the string \"of\""
    );
    let (_, _, message) = problem("[sites.\"a\"]\nbudget_ratio = 1.5\n");
    assert_eq!(
        message,
        "`budget_ratio` expects a number from 0 to 1, found the number 1.5"
    );
    let (_, key, _) = problem("sites = 3\n");
    assert_eq!(key, "sites");
    let (line, key, _) = problem("[sites]\n\"a\" = 3\n");
    assert_eq!((line, key.as_str()), (2, "sites.\"a\""));
}

#[test]
fn bad_toml_is_named_at_its_line_and_key() {
    let (line, key, message) = problem("[sites.\"a\"]\nmax_retries = 1\nmax_wait = 2s\n");
    assert_eq!((line, key.as_str()), (3, "sites.\"a\".max_wait"));
    assert!(message.starts_with("not valid TOML: "), "{message}");
    let (line, _, _) = problem("[sites.\"a\"]\nmax_retries = 1\nmax_retries = 2\n");
    assert_eq!(line, 3, "a repeated key");
}

#[test]
fn every_problem_is_reported_in_the_order_of_the_lines() {
    let problems =
        parse("[sites.\"b\"]\nmax_wait = true\n[sites.\"a\"]\ncolour = 1\nretries = 1\n")
            .unwrap_err();
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.line, p.key.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            (2, Some("sites.\"b\".max_wait")),
            (4, Some("sites.\"a\".colour")),
            (5, Some("sites.\"a\".retries"))
        ]
    );
}

#[test]
fn crossed_waits_are_refused_at_the_key_to_change_and_nothing_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crossed.toml");
    std::fs::write(
        &path,
        "[sites.\"parse_tests.nowhere\"]\ninitial_wait = \"2s\"\n\nmax_wait = \"1s\"\n",
    )
    .unwrap();
    let ConfigError::Invalid {
        problems,
        path: named,
    } = load(&path).unwrap_err()
    else {
        panic!("not refused as invalid")
    };
    assert_eq!(named, path);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(
        (p.line, p.key.as_deref()),
        (4, Some("sites.\"parse_tests.nowhere\".max_wait"))
    );
    assert!(
        p.message
            .starts_with("max_wait must be at least initial_wait"),
        "{}",
        p.message
    );
    let missing = load(dir.path().join("missing.toml")).unwrap_err();
    assert!(matches!(missing, ConfigError::Read { .. }), "{missing}");
    assert!(missing.to_string().contains("missing.toml"), "{missing}");
}

#[cfg(feature = "chaos")]
#[test]
fn reads_a_sites_chaos_and_names_a_bad_share_at_its_key() {
    let parsed =
        parse("[sites.\"a\".chaos]\nfail = 0.2\nlatency = \"50ms\"\nlatency_share = 0.5\n")
            .unwrap();
    let chaos = crate::strategy::chaos::Chaos::new()
        .fail(0.2)
        .latency(Duration::from_millis(50), 0.5);
    assert_eq!(parsed.sites[0].settings.chaos, Some(chaos));
    let (line, key, message) =
        problem("[sites.\"a\"]\nmax_retries = 1\n\n[sites.\"a\".chaos]\nfail = 1.2\n");
    assert_eq!((line, key.as_str()), (5, "sites.\"a\".chaos.fail"));
    assert_eq!(
        message,
        "`fail` expects a number from 0 to 1, found the number 1.2"
    );
    let (line, key, message) = problem("[sites.\"a\"]\nchaos = { failure = 0.1 }\n");
    assert_eq!((line, key.as_str()), (2, "sites.\"a\".chaos.failure"));
    assert!(message.ends_with("did you mean `fail`?"), "{message}");
}

#[test]
fn reads_hedging_as_a_delay_a_percentile_or_none() {
    let parsed = parse(
        r#"
[sites."a"]
hedge_after = "50ms"
max_hedges = 2

[sites."b"]
hedge_after = "p99.5"

[sites."c"]
hedge_after = "none"
"#,
    )
    .unwrap();
    let settings: Vec<_> = parsed.sites.iter().map(|s| &s.settings).collect();
    let a = Override::new()
        .hedge_after(Duration::from_millis(50))
        .max_hedges(2);
    let b = Override::new().hedge_at_percentile(99.5);
    assert_eq!(settings, [&a, &b, &Override::new().no_hedging()]);
    let (line, key, message) = problem("[sites.\"a\"]\nhedge_after = \"pfast\"\n");
    assert_eq!((line, key.as_str()), (2, "sites.\"a\".hedge_after"));
    assert!(message.contains("is not a percentile"), "{message}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p100.toml");
    std::fs::write(
        &path,
        "[sites.\"parse_tests.p100\"]\nhedge_after = \"p100\"\n",
    )
    .unwrap();
    let Err(ConfigError::Invalid { problems, .. }) = load(&path) else {
        panic!("a percentile of 100 is refused")
    };
    let p = &problems[0];
    assert_eq!(
        (p.line, p.key.as_deref()),
        (2, Some("sites.\"parse_tests.p100\".hedge_after"))
    );
    assert!(p.message.contains("below 100"), "{}", p.message);
}
