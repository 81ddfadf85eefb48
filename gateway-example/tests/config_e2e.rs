//! `serve` follows the retry configuration file named by `WAIT_OR_DIE_CONFIG`: a kill switch
//! written into it and signalled with SIGHUP stops the retries of that site in the running
//! process, and a bad file is refused while the last good one stays and the gateway serves on.

mod common;

use std::path::Path;
use std::time::Duration;

use common::served::{order, Served};
use gateway_example::gateway::GatewayStats;
use gateway_example::site_table::SiteRow;

const SITE: &str = "gateway.place_order";

fn place_order(stats: &GatewayStats) -> SiteRow {
    let row = stats.sites.iter().find(|r| r.site == SITE);
    row.cloned()
        .expect("orders ran through gateway.place_order")
}

/// Rewrites the file and signals the gateway, then waits until `STATS` shows a reload that
/// `done` accepts.
fn reload(gateway: &Served, path: &Path, text: &str, done: impl Fn(&GatewayStats) -> bool) {
    let reloads = gateway.stats().config.expect("a file is followed").reloads;
    // Replaced whole, as a deployment tool does: the gateway never reads half a file.
    let staged = path.with_extension("new");
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&staged, path).unwrap();
    gateway.hang_up();
    for _ in 0..100 {
        let stats = gateway.stats();
        let config = stats.config.as_ref().unwrap();
        if config.reloads > reloads && done(&stats) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no reload seen: {:?}\n{}", gateway.stats(), gateway.log());
}

#[test]
fn a_kill_switch_signalled_with_sighup_stops_the_sites_retries_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    std::fs::write(&path, "[sites.\"gateway.place_order\"]\nmax_retries = 3\n").unwrap();
    // Scripted order_send faults, one per attempt, in order: the first order gets three
    // requotes and a 1 ms delay (a fill), the next two one requote each; then clean fills.
    let script = "requote,requote,requote,latency-1,requote,requote";
    let gateway = Served::start(
        &["--time-scale", "0.01", "--script", script],
        &[("WAIT_OR_DIE_CONFIG", path.as_os_str())],
    );

    // Under the file's max_retries = 3, three requotes are retried away.
    let reply = gateway.ask(&order());
    assert_eq!(reply["ok"], true, "{reply}");
    let before = place_order(&gateway.stats());
    assert_eq!((before.retries, before.recovered), (3, 1), "{before:?}");

    let kill_switch = "[sites.\"gateway.place_order\"]\nretries = \"off\"\n";
    reload(&gateway, &path, kill_switch, |stats| {
        stats
            .overrides
            .iter()
            .any(|o| o.site == SITE && o.retries_off)
    });
    let reply = gateway.ask(&order());
    assert_eq!(
        reply["ok"], false,
        "one requote ends the order now: {reply}"
    );
    assert_eq!(reply["error"]["code"], "TRADE_RETCODE_REQUOTE", "{reply}");
    assert_eq!(reply["error"]["retryable"], true, "{reply}");
    let killed = place_order(&gateway.stats());
    assert_eq!(
        (killed.calls, killed.retries, killed.gave_up),
        (2, 3, 1),
        "{killed:?}"
    );

    // A wrong type: refused with the file, the line and the key; the kill switch stays.
    let bad = "[sites.\"gateway.place_order\"]\nretries = \"off\"\nmax_retries = \"many\"\n";
    reload(&gateway, &path, bad, |stats| {
        stats.config.as_ref().is_some_and(|c| c.last_refused)
    });
    let stats = gateway.stats();
    let config = stats.config.unwrap();
    assert!(config.last.contains("retry.toml"), "{}", config.last);
    assert!(config.last.contains("max_retries"), "{}", config.last);
    assert!(config.last.contains('3'), "names line 3: {}", config.last);
    assert!(stats
        .overrides
        .iter()
        .any(|o| o.site == SITE && o.retries_off));

    let reply = gateway.ask(&order());
    assert_eq!(reply["error"]["code"], "TRADE_RETCODE_REQUOTE", "{reply}");
    let reply = gateway.ask(&order());
    assert_eq!(reply["ok"], true, "the gateway serves on: {reply}");
    let after = place_order(&gateway.stats());
    assert_eq!(
        (after.calls, after.retries, after.gave_up),
        (4, 3, 2),
        "{after:?}"
    );
}

#[test]
fn a_bad_file_at_start_up_is_reported_and_the_gateway_serves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    std::fs::write(&path, "[sites.\"gateway.place_order\"\nmax_retries = 3\n").unwrap();
    let gateway = Served::start(&[], &[("WAIT_OR_DIE_CONFIG", path.as_os_str())]);
    let config = gateway.stats().config.expect("the file is followed");
    assert!(config.last_refused, "{config:?}");
    assert!(config.last.contains("retry.toml"), "{config:?}");
    assert_eq!(gateway.ask(&order())["ok"], true);
}
