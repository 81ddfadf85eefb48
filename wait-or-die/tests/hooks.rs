//! Hooks run on each retry and when a call gives up (a binary of its own: hooks are process-wide).

use std::io;
use std::sync::{Arc, Mutex};

use wait_or_die::{hooks, wait_or_die, StopReason};

#[wait_or_die(
    name = "hooks.flaky",
    max_retries = 2,
    initial_wait = "100ms",
    max_wait = "1s",
    jitter = "none"
)]
async fn always_refused() -> io::Result<()> {
    Err(io::ErrorKind::ConnectionRefused.into())
}

type Seen = Arc<Mutex<Vec<String>>>;

#[tokio::test(start_paused = true)]
async fn hooks_see_each_retry_and_the_give_up_until_removed() {
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let on_retry = hooks::on_retry(move |e| {
        if e.site == "hooks.flaky" {
            let line = format!(
                "retry {}/{} wait {:?} after {:?}",
                e.attempt, e.max_attempts, e.wait, e.error
            );
            log.lock().unwrap().push(line);
        }
    });
    let log = Arc::clone(&seen);
    let on_give_up = hooks::on_give_up(move |e| {
        if e.site == "hooks.flaky" {
            log.lock()
                .unwrap()
                .push(format!("gave up: {} after {}", e.reason, e.attempt));
            assert_eq!(e.reason, StopReason::Exhausted);
        }
    });

    always_refused().await.unwrap_err();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "retry 1/3 wait 100ms after Kind(ConnectionRefused)",
            "retry 2/3 wait 200ms after Kind(ConnectionRefused)",
            "gave up: exhausted after 3",
        ]
    );

    on_retry.remove();
    on_give_up.remove();
    always_refused().await.unwrap_err();
    assert_eq!(seen.lock().unwrap().len(), 3, "removed hooks no longer run");
}

#[test]
fn a_hook_may_register_and_remove_hooks() {
    let inner: Arc<Mutex<Option<hooks::Hook>>> = Arc::default();
    let slot = Arc::clone(&inner);
    let outer = hooks::on_give_up(move |e| {
        if e.site.starts_with(file!()) {
            if let Some(h) = slot.lock().unwrap().take() {
                h.remove();
            }
            *slot.lock().unwrap() = Some(hooks::on_retry(|_| {}));
        }
    });
    let policy = wait_or_die::Policy::builder()
        .max_retries(0)
        .build()
        .unwrap();
    for _ in 0..2 {
        let _ = wait_or_die::retry_blocking(&policy, || Err::<(), _>("x")).call();
    }
    outer.remove();
    inner
        .lock()
        .unwrap()
        .take()
        .expect("registered by the hook")
        .remove();
}
