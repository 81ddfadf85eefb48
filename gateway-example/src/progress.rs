//! Retry progress for people at a terminal: the engine's retry events as one plain line each.
//!
//! `wait_or_die` logs every retry with stable fields (`site`, `attempt`, `max_attempts`,
//! `wait_ms`, `error`, `reason`). [`RetryProgress`] is a `tracing` layer that turns them into
//! lines such as `client.round_trip: attempt 2 of 11 failed (ReplyTimeout(1s)); next try in
//! 0.9 s`, so that `send` against a dead endpoint says what it is doing instead of nothing.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};

/// The target of the engine's events.
const ENGINE_TARGET: &str = "wait_or_die";

/// A layer that writes one line per retry event of the engine to `writer`.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// use gateway_example::progress::RetryProgress;
///
/// let subscriber = tracing_subscriber::registry().with(RetryProgress::new(std::io::stderr));
/// let _guard = tracing::subscriber::set_default(subscriber);
/// ```
#[derive(Debug)]
pub struct RetryProgress<W> {
    writer: W,
}

impl<W> RetryProgress<W> {
    /// Progress lines written to `writer` (e.g. `std::io::stderr`).
    pub fn new(writer: W) -> RetryProgress<W> {
        RetryProgress { writer }
    }
}

/// The fields of one engine event.
#[derive(Default)]
struct RetryEvent {
    site: String,
    attempt: u64,
    max_attempts: u64,
    wait_ms: Option<u64>,
    reason: Option<String>,
    error: String,
}

impl Visit for RetryEvent {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "attempt" => self.attempt = value,
            "max_attempts" => self.max_attempts = value,
            "wait_ms" => self.wait_ms = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, u64::try_from(value).unwrap_or_default());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "site" => self.site = value.to_owned(),
            "reason" => self.reason = Some(value.to_owned()),
            "error" => self.error = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "site" => self.site = format!("{value:?}").trim_matches('"').to_owned(),
            "reason" => self.reason = Some(format!("{value:?}").trim_matches('"').to_owned()),
            "error" => self.error = format!("{value:?}"),
            _ => {}
        }
    }
}

impl RetryEvent {
    fn line(&self, level: Level) -> Option<String> {
        let mut line = format!("{}: ", self.site);
        if let Some(wait_ms) = self.wait_ms.filter(|_| level == Level::WARN) {
            let wait = Duration::from_millis(wait_ms);
            let _ = write!(
                line,
                "attempt {} of {} failed ({}); next try in {:.1} s",
                self.attempt,
                self.max_attempts,
                self.error,
                wait.as_secs_f64()
            );
        } else if level == Level::ERROR {
            let reason = self.reason.as_deref().unwrap_or("stopped");
            let _ = write!(
                line,
                "gave up after attempt {} of {} ({reason}): {}",
                self.attempt, self.max_attempts, self.error
            );
        } else if level == Level::INFO {
            let _ = write!(line, "recovered at attempt {}", self.attempt);
        } else {
            return None;
        }
        Some(line)
    }
}

impl<S, W> Layer<S> for RetryProgress<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if metadata.target() != ENGINE_TARGET {
            return;
        }
        let mut fields = RetryEvent::default();
        event.record(&mut fields);
        if let Some(line) = fields.line(*metadata.level()) {
            let _ = writeln!(self.writer.make_writer(), "  {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tracing_subscriber::layer::SubscriberExt;
    use wait_or_die::{retry_blocking, Clock, Policy};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    /// A clock that moves only when slept on.
    struct Instant0(std::cell::Cell<Duration>, std::time::Instant);

    impl Clock for Instant0 {
        fn now(&self) -> std::time::Instant {
            self.1 + self.0.get()
        }
        fn sleep(&self, d: Duration) {
            self.0.set(self.0.get() + d);
        }
    }

    #[test]
    fn each_retry_and_the_end_is_one_line() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(RetryProgress::new(buffer.clone()));
        let policy = Policy::builder()
            .max_retries(2)
            .initial_wait(Duration::from_millis(500))
            .build()
            .unwrap();
        let clock = Instant0(Default::default(), std::time::Instant::now());
        tracing::subscriber::with_default(subscriber, || {
            let _ = retry_blocking(&policy, || Err::<(), _>("down"))
                .clock(&clock)
                .call();
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].contains("attempt 1 of 3 failed (\"down\"); next try in 0."));
        assert!(lines[1].contains("attempt 2 of 3 failed"));
        assert!(lines[2].contains("gave up after attempt 3 of 3"), "{text}");
    }
}
