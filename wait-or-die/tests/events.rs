//! The tracing events a call emits, captured by a subscriber layer: levels, messages and the
//! stable field names operators grep for.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use wait_or_die::{register_site, retry, stats::Site, Action, Jitter, Policy};

#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
}

fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let guard = tracing::subscriber::set_default(subscriber);
    (capture, guard)
}

fn policy() -> Policy {
    Policy::builder()
        .timeout(Duration::from_secs(30))
        .max_retries(3)
        .initial_wait(Duration::from_millis(500))
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

static RECOVERING: Site = Site::new("events::recovering");
register_site!(RECOVERING);
static DYING: Site = Site::new("events::dying");
register_site!(DYING);
static HAPPY: Site = Site::new("events::happy");

#[tokio::test(start_paused = true)]
async fn warn_per_retry_then_info_on_recovery() {
    let (capture, _guard) = capture();
    let mut left = 2;
    retry(&policy(), || {
        let fail = left > 0;
        left -= 1;
        async move {
            if fail {
                Err("connection reset")
            } else {
                Ok(())
            }
        }
    })
    .site(&RECOVERING)
    .await
    .unwrap();

    let events = capture.0.lock().unwrap().clone();
    let levels: Vec<Level> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::WARN, Level::WARN, Level::INFO]);
    assert!(events.iter().all(|e| e.target == "wait_or_die"));

    let first = &events[0].fields;
    assert_eq!(first["site"], "events::recovering");
    assert_eq!(first["attempt"], "1");
    assert_eq!(first["max_attempts"], "4");
    assert_eq!(first["wait_ms"], "500");
    assert_eq!(first["elapsed_ms"], "0");
    assert_eq!(first["error"], "\"connection reset\"");
    assert!(first["message"].contains("wait_or_die") && first["message"].contains("retry"));

    assert_eq!(events[1].fields["wait_ms"], "1000");
    assert_eq!(events[1].fields["elapsed_ms"], "500");

    let info = &events[2].fields;
    assert!(info["message"].contains("recovered"));
    assert_eq!(info["attempt"], "3");
    assert_eq!(info["elapsed_ms"], "1500");
}

#[tokio::test(start_paused = true)]
async fn error_names_the_reason_when_giving_up() {
    let (capture, _guard) = capture();
    let _ = retry(&policy(), || async { Err::<(), _>("forbidden") })
        .classify(|_: &&str| Action::Die)
        .site(&DYING)
        .await;
    let events = capture.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].level, Level::ERROR);
    assert_eq!(events[0].fields["reason"], "permanent");
    assert_eq!(events[0].fields["site"], "events::dying");
    assert!(events[0].fields["message"].contains("gave up"));
}

#[tokio::test(start_paused = true)]
async fn happy_path_is_silent() {
    let (capture, _guard) = capture();
    retry(&policy(), || async { Ok::<_, ()>(()) })
        .site(&HAPPY)
        .await
        .unwrap();
    assert!(capture.0.lock().unwrap().is_empty());
}
