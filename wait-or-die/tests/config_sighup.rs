//! SIGHUP reloads the configuration file (a binary of its own: the signal is process-wide).

use std::fs::File;
use std::time::{Duration, SystemTime};

use wait_or_die::config;
use wait_or_die::stats::Site;
use wait_or_die::{register_site, retry_blocking, Policy};

static FEED: Site = Site::new("sighup.feed");
register_site!(FEED);

fn attempts() -> u32 {
    let policy = Policy::builder()
        .max_retries(5)
        .initial_wait(Duration::ZERO)
        .no_budget()
        .build()
        .unwrap();
    retry_blocking(&policy, || Err::<(), _>("down"))
        .site(&FEED)
        .call()
        .unwrap_err()
        .attempts()
}

/// Waits until the reloader has made `n` reloads; the bound only keeps a broken build from hanging.
fn until_reloads(reloader: &config::Reloader, n: u64) {
    for _ in 0..3000 {
        if reloader.reloads() >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no reload after SIGHUP");
}

#[test]
fn sighup_reloads_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.toml");
    std::fs::write(&path, "[sites.\"sighup.feed\"]\nmax_retries = 1\n").unwrap();
    config::load(&path).unwrap();
    assert_eq!(attempts(), 2);
    let reloader = config::reload_on_sighup(&path).unwrap();

    // Same length and modification time: only the signal can tell the thread.
    let stamp = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, "[sites.\"sighup.feed\"]\nmax_retries = 3\n").unwrap();
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
    until_reloads(&reloader, 1);
    assert!(reloader.last().unwrap().is_ok());
    assert_eq!(attempts(), 4);

    // A changed file is noticed without a signal too.
    std::fs::write(&path, "[sites.\"sighup.feed\"]\nretries = \"off\"\n").unwrap();
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    until_reloads(&reloader, 2);
    assert_eq!(attempts(), 1);
    reloader.stop();
    std::fs::write(&path, "").unwrap();
    config::load(&path).unwrap();
}
