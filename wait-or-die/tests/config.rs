//! The configuration file: loaded, reloaded and refused, through the public API. One test
//! function per concern, serialised: the file's overrides are process-wide.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use wait_or_die::config::{self, ConfigError};
use wait_or_die::control::{self, BreakerOverride, ControlError, Override};
use wait_or_die::stats::{self, BreakerState, Site};
use wait_or_die::{register_site, retry_blocking, Policy, StopReason};

static ORDERS: Site = Site::new("config.orders");
register_site!(ORDERS);
static QUOTES: Site = Site::new("config.quotes");
register_site!(QUOTES);

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const FIVE_RETRIES: Policy = Policy::builder()
    .max_retries(5)
    .initial_wait(Duration::ZERO)
    .no_budget()
    .build_const();

fn attempts(site: &'static Site) -> u32 {
    retry_blocking(&FIVE_RETRIES, || Err::<(), _>("down"))
        .site(site)
        .call()
        .unwrap_err()
        .attempts()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_reload_replaces_the_files_overrides_and_a_bad_file_changes_nothing() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    write(&path, "[sites.\"config.orders\"]\nmax_retries = 1\n\n[sites.\"config.quotes\"]\nretries = \"off\"\n");
    let report = config::load(&path).unwrap();
    assert_eq!(report.sites, ["config.orders", "config.quotes"]);
    assert_eq!((attempts(&ORDERS), attempts(&QUOTES)), (2, 1));

    // The quotes site leaves the file: it loses its override.
    write(&path, "[sites.\"config.orders\"]\nmax_retries = 3\n");
    config::load(&path).unwrap();
    assert_eq!((attempts(&ORDERS), attempts(&QUOTES)), (4, 6));

    // A bad file is refused whole: the last good configuration stays.
    write(&path, "[sites.\"config.orders\"]\nmax_retries = 0\n[sites.\"config.quotes\"]\nmax_retries = \"x\"\n");
    let ConfigError::Invalid { problems, .. } = config::load(&path).unwrap_err() else {
        panic!()
    };
    assert_eq!(
        (problems[0].line, problems[0].key.as_deref()),
        (4, Some("sites.\"config.quotes\".max_retries"))
    );
    assert_eq!((attempts(&ORDERS), attempts(&QUOTES)), (4, 6));

    // The kill switch for all sites, from the file.
    write(&path, "retries = \"off\"\n");
    assert!(config::load(&path).unwrap().all_retries_off);
    assert_eq!((attempts(&ORDERS), attempts(&QUOTES)), (1, 1));
    write(&path, "");
    config::load(&path).unwrap();
    assert_eq!((attempts(&ORDERS), attempts(&QUOTES)), (6, 6));
}

#[test]
fn the_apis_overrides_lie_over_the_files_and_clear_returns_to_the_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    write(&path, "[sites.\"config.orders\"]\nmax_retries = 1\n");
    config::load(&path).unwrap();
    control::set("config.orders", Override::new().max_retries(2)).unwrap();
    assert_eq!(attempts(&ORDERS), 3);
    let listed = control::list();
    let entry = listed
        .sites
        .iter()
        .find(|s| s.site == "config.orders")
        .unwrap();
    assert!(entry.from_file && entry.from_api);
    control::clear("config.orders").unwrap();
    assert_eq!(attempts(&ORDERS), 2);
    write(&path, "");
    config::load(&path).unwrap();
    assert_eq!(attempts(&ORDERS), 6);
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_unknown_site_is_a_warning_in_the_report_and_the_log() {
    let _serial = serial();
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _log = tracing::subscriber::set_default(subscriber);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    write(&path, "[sites.\"config.order\"]\nmax_retries = 1\n");
    let report = config::load(&path).unwrap();
    assert!(report.sites.is_empty());
    let unknown = &report.unknown_sites[0];
    assert_eq!((unknown.site.as_str(), unknown.line), ("config.order", 1));
    assert_eq!(unknown.suggestion, Some("config.orders"));
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("WARN"), "{text}");
    assert!(
        text.contains(
            "no site of this process is named `config.order` (did you mean `config.orders`?)"
        ),
        "{text}"
    );
    write(&path, "");
    config::load(&path).unwrap();
}

#[test]
fn the_environment_variable_names_the_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    write(&path, "[sites.\"config.quotes\"]\nmax_retries = 0\n");
    std::env::set_var(config::ENV_VAR, &path);
    let report = config::load_from_env().unwrap().unwrap();
    std::env::remove_var(config::ENV_VAR);
    assert_eq!(report.path, path);
    assert_eq!(attempts(&QUOTES), 1);
    assert_eq!(config::load_from_env().unwrap(), None);
    write(&path, "");
    config::load(&path).unwrap();
}

static TINY_WINDOW: Site = Site::new("config.tiny_window");
register_site!(TINY_WINDOW);

#[test]
fn a_budget_window_under_one_retry_of_the_floor_still_grants_a_lone_caller_its_retries() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    write(
        &path,
        "[sites.\"config.tiny_window\"]\nbudget_window = \"50ms\"\n",
    );
    config::load(&path).unwrap();
    // Three retries 200 ms apart: 5 a second, half the default floor of 10.
    let policy = Policy::builder()
        .no_timeout()
        .max_retries(3)
        .initial_wait(Duration::from_millis(200))
        .constant()
        .jitter(wait_or_die::Jitter::None)
        .build()
        .unwrap();
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let attempts = paused.block_on(async {
        wait_or_die::retry(&policy, || async { Err::<(), _>("down") })
            .site(&TINY_WINDOW)
            .await
            .unwrap_err()
            .attempts()
    });
    write(&path, "");
    config::load(&path).unwrap();
    assert_eq!(attempts, 4);
}

static DEP_A: Site = Site::new("config.dep_a");
register_site!(DEP_A);
static DEP_B: Site = Site::new("config.dep_b");
register_site!(DEP_B);
static NO_BREAKER: Site = Site::new("config.no_breaker").with_policy(&FIVE_RETRIES);
register_site!(NO_BREAKER);

/// One call of `site` with no retries: its attempts and whether the breaker refused it.
fn once(site: &'static Site) -> (u32, bool) {
    let policy = FIVE_RETRIES.to_builder().max_retries(0).build().unwrap();
    let err = retry_blocking(&policy, || Err::<(), _>("down"))
        .site(site)
        .call()
        .unwrap_err();
    (err.attempts(), err.reason() == StopReason::BreakerOpen)
}

#[test]
fn the_file_gives_sites_a_shared_breaker_tunes_it_and_takes_it_away() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    let shared = "breaker = \"config.dep\"\nbreaker_min_calls = 2\nbreaker_open_for = \"1h\"\n";
    write(
        &path,
        &format!("[sites.\"config.dep_a\"]\n{shared}\n[sites.\"config.dep_b\"]\n{shared}"),
    );
    config::load(&path).unwrap();
    // Three failures through A (the first starts the window, then 2 attempts) open the
    // breaker B shares: B's next call is refused with no attempt.
    for _ in 0..3 {
        assert_eq!(once(&DEP_A), (1, false));
    }
    assert_eq!(once(&DEP_B), (0, true));
    let open = stats::breakers()
        .into_iter()
        .find(|b| b.name == "config.dep")
        .unwrap();
    assert_eq!(open.state, BreakerState::Open);

    // `breaker = false` takes B's away: B runs again while A's stays open.
    write(
        &path,
        &format!("[sites.\"config.dep_a\"]\n{shared}\n[sites.\"config.dep_b\"]\nbreaker = false\n"),
    );
    config::load(&path).unwrap();
    assert_eq!((once(&DEP_A), once(&DEP_B)), ((0, true), (1, false)));
    write(&path, "");
    config::load(&path).unwrap();
    assert_eq!(once(&DEP_A), (1, false));
}

#[test]
fn breaker_keys_are_checked_each_at_its_line() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    let problems = |text: &str| {
        write(&path, text);
        let ConfigError::Invalid { problems, .. } = config::load(&path).unwrap_err() else {
            panic!()
        };
        problems
    };
    // A value of the wrong form is refused as the file is read.
    let none = problems("[sites.\"config.dep_b\"]\nmax_retries = 1\nbreaker = \"none\"\n");
    assert_eq!(
        (none[0].line, none[0].key.as_deref()),
        (3, Some("sites.\"config.dep_b\".breaker"))
    );
    assert!(none[0].message.contains("write `breaker = false` for none"));
    // Then each site's settings, against its policy.
    let problems = problems(
        "[sites.\"config.dep_a\"]\nbreaker = false\nbreaker_window = 5\n\
         [sites.\"config.no_breaker\"]\nbreaker_probes = 2\n\
         [sites.\"config.orders\"]\nbreaker = true\nbreaker_open_for = 0\n",
    );
    let found: Vec<_> = problems
        .iter()
        .map(|p| (p.line, p.key.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "sites.\"config.dep_a\".breaker_window"),
            (5, "sites.\"config.no_breaker\".breaker_probes"),
            (8, "sites.\"config.orders\".breaker_open_for"),
        ],
        "{problems:?}"
    );
    assert!(problems[0]
        .message
        .contains("turns the circuit breaker off"));
    assert!(problems[1]
        .message
        .contains("the site has no circuit breaker"));
    // Through the API, the same rules.
    let tune = Override::new().breaker(BreakerOverride::new().probes(2));
    let err = control::set("config.no_breaker", tune).unwrap_err();
    assert!(matches!(err, ControlError::NoBreakerToSet { .. }), "{err}");
    let own = Override::new().breaker(BreakerOverride::new().own().probes(2));
    control::set("config.no_breaker", own).unwrap();
    control::clear("config.no_breaker").unwrap();
}
