//! Observe → advise → apply on a serving gateway: orders that all recover at their second
//! attempt, `stats --advice` saying so, `stats --advice-toml` writing the file, and the file,
//! installed as `WAIT_OR_DIE_CONFIG` and signalled with SIGHUP, in force.

mod common;

use std::process::Command;
use std::time::Duration;

use common::served::{order, Served};
use wait_or_die::advice::MIN_SAMPLES;

const BINARY: &str = env!("CARGO_BIN_EXE_gateway-example");

/// `gateway-example stats --connect <endpoint>` with `args`; its stdout.
fn stats(gateway: &Served, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(BINARY)
        .args(["stats", "--connect", &gateway.endpoint])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn advice_from_a_serving_gateway_installs_and_takes_effect() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("retry.toml");
    std::fs::write(&config, "# nothing overridden yet\n").unwrap();
    // Every order's first attempt is requoted, its second filled.
    let script = vec!["requote,latency-1"; MIN_SAMPLES as usize].join(",");
    let gateway = Served::start(
        &["--time-scale", "0.01", "--script", &script],
        &[("WAIT_OR_DIE_CONFIG", config.as_os_str())],
    );
    for _ in 0..MIN_SAMPLES {
        let reply = gateway.ask(&order());
        assert_eq!(reply["ok"], true, "{reply}");
    }

    let advice = stats(&gateway, &["--advice".as_ref()]);
    assert!(
        advice.contains("gateway.place_order: 100 calls retried and ended, 100 recovered"),
        "{advice}"
    );
    assert!(
        advice.contains("max_retries 5 → 2: 100.0 % of recoveries by attempt 2"),
        "{advice}"
    );

    let file = dir.path().join("advice.toml");
    stats(&gateway, &["--advice-toml".as_ref(), file.as_os_str()]);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains("[sites.\"gateway.place_order\"]\nmax_retries = 2\n"),
        "{written}"
    );

    // Installed as a deployment tool does, whole, then signalled.
    std::fs::copy(&file, config.with_extension("new")).unwrap();
    std::fs::rename(config.with_extension("new"), &config).unwrap();
    gateway.hang_up();
    for _ in 0..100 {
        let stats = gateway.stats();
        let applied = stats
            .overrides
            .iter()
            .find(|o| o.site == "gateway.place_order");
        if applied.is_some_and(|o| o.from_file && o.max_retries == Some(2)) {
            assert!(!stats.config.unwrap().last_refused);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the advice file was not applied: {:?}\n{}",
        gateway.stats(),
        gateway.log()
    );
}
