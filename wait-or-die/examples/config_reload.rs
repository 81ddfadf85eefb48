//! Operating a service: site overrides from a TOML file, re-read on SIGHUP, and the kill switch
//! (from the file, and from code as an admin endpoint would call it).
//!
//! ```sh
//! cargo run -p wait-or-die --features config --example config_reload
//! ```

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use wait_or_die::{config, control, wait_or_die};

static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// A quote request to a dependency that is down; its declared policy retries 3 times.
#[wait_or_die(
    max_retries = 3,
    initial_wait = "1ms",
    max_wait = "1ms",
    name = "example.quote"
)]
fn quote() -> io::Result<f64> {
    ATTEMPTS.fetch_add(1, Ordering::Relaxed);
    Err(io::ErrorKind::ConnectionRefused.into())
}

/// Runs one call and answers how many attempts it made.
fn attempts_of_one_call() -> u32 {
    ATTEMPTS.store(0, Ordering::Relaxed);
    assert!(quote().is_err());
    ATTEMPTS.load(Ordering::Relaxed)
}

/// Rewrites the file, signals this process as `kill -HUP` would, and waits for the reload.
fn edit_and_sighup(
    path: &std::path::Path,
    reloader: &config::Reloader,
    toml: &str,
) -> io::Result<()> {
    let before = reloader.reloads();
    std::fs::write(path, toml)?;
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP)?;
    let started = Instant::now();
    while reloader.reloads() == before {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no reload within 30 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    match reloader.last() {
        Some(Ok(report)) => println!("reloaded: {report}"),
        Some(Err(refused)) => println!("refused, the last good file stays: {refused}"),
        None => unreachable!("a reload happened"),
    }
    Ok(())
}

fn main() -> io::Result<()> {
    println!("declared policy: {} attempts", attempts_of_one_call());

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("retry.toml");
    std::fs::write(&path, "[sites.\"example.quote\"]\nmax_retries = 1\n")?;
    println!("{}", config::load(&path).expect("a valid file"));
    let reloader = config::reload_on_sighup(&path)?;
    assert_eq!(attempts_of_one_call(), 2);

    // The incident: switch this site's retries off in the file, then SIGHUP.
    edit_and_sighup(
        &path,
        &reloader,
        "[sites.\"example.quote\"]\nretries = \"off\"\n",
    )?;
    assert_eq!(attempts_of_one_call(), 1);

    // A bad file is refused whole; the kill switch stays in force.
    edit_and_sighup(
        &path,
        &reloader,
        "[sites.\"example.quote\"]\nmax_retries = -1\n",
    )?;
    assert_eq!(attempts_of_one_call(), 1);

    // Back to normal in the file; then the process-wide switch from code, and back.
    edit_and_sighup(&path, &reloader, "")?;
    assert_eq!(attempts_of_one_call(), 4);
    control::all_retries_off();
    assert_eq!(attempts_of_one_call(), 1);
    control::all_retries_on();
    assert_eq!(attempts_of_one_call(), 4);
    reloader.stop();
    Ok(())
}
