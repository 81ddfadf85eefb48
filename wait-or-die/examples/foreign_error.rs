//! An error type of another crate (`serde_json::Error` here; `reqwest::Error` and
//! `std::num::ParseIntError` are the same case): the orphan rule forbids
//! `impl From<wait_or_die::EngineError> for serde_json::Error`, so the engine is told never to
//! build one. `on_timeout = "last_error"` keeps the deadline: no attempt starts and no wait runs
//! past it, and an attempt still running at the deadline is dropped and the call returns the
//! error of the attempt before it. Only the first attempt, with no error before it, runs to its
//! own end, so give it an I/O timeout of its own.
//!
//! ```sh
//! cargo run -p wait-or-die --example foreign_error
//! ```

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use wait_or_die::wait_or_die;

/// A quote feed whose first reply is cut short and whose second never comes.
struct Feed {
    replies: AtomicU32,
}

impl Feed {
    /// One attempt: read a reply and parse it. The attribute retries a parse error, and cuts
    /// off the hanging second read at the 300 ms deadline.
    #[wait_or_die(
        timeout = "300ms",
        max_retries = 3,
        initial_wait = "20ms",
        on_timeout = "last_error"
    )]
    async fn quote(&self) -> Result<Value, serde_json::Error> {
        let reply = match self.replies.fetch_add(1, Ordering::SeqCst) {
            0 => r#"{"symbol": "EURUSD", "bid": 1.08"#.to_owned(),
            _ => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                unreachable!("the deadline drops this attempt")
            }
        };
        serde_json::from_str(&reply)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let feed = Feed {
        replies: AtomicU32::new(0),
    };
    let start = Instant::now();
    let err = feed.quote().await.unwrap_err();
    let took = start.elapsed();
    println!("gave up after {took:?} with the first reply's own error: {err}");
    assert!(
        err.is_eof(),
        "the truncated reply's error, not a made-up one"
    );
    assert_eq!(feed.replies.load(Ordering::SeqCst), 2);
    assert!(took >= Duration::from_millis(300));
}
