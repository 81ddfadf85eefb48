//! The README's two HTTP clients against an axum server on 127.0.0.1 that answers 503 (with
//! `Retry-After: 0`) to every other request: a reqwest call under `#[wait_or_die]`, and a tower
//! stack of `RetryLayer` over a `reqwest::Client`. Both recover; a 404 and a body that is not
//! JSON end the call after one attempt.
//!
//! Run: `cargo run -p wait-or-die --features reqwest --example reqwest_client`

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::{http::StatusCode, response::IntoResponse, routing::get, Router};
use serde_json::Value;
use tower::{Service, ServiceBuilder, ServiceExt};
use wait_or_die::http::{classify_reqwest_error, HttpClassifier, Wire};
use wait_or_die::{tower::RetryLayer, wait_or_die, Policy};

static HITS: AtomicU32 = AtomicU32::new(0);

async fn quotes() -> axum::response::Response {
    match HITS.fetch_add(1, Ordering::SeqCst) % 2 {
        0 => (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")]).into_response(),
        _ => r#"{"symbol": "EURUSD", "bid": 1.08}"#.into_response(),
    }
}

/// One attempt: GET a quote as JSON within 2 s. Refused connections, timeouts, a body cut
/// short and 408/429/502/503/504 are retried; a 404 or a body that is not JSON ends the call.
#[wait_or_die(
    timeout = 10,
    max_retries = 4,
    initial_wait = "50ms",
    retry_if = classify_reqwest_error,
    on_timeout = "last_error"
)]
async fn quote(client: &reqwest::Client, url: &str) -> Result<Value, reqwest::Error> {
    let response = client
        .get(url)
        .timeout(Duration::from_secs(2))
        .send()
        .await?;
    response.error_for_status()?.json().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let app = Router::new()
        .route("/quote", get(quotes))
        .route("/text", get(|| async { "not json" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The attribute: the 503 is retried once, then the JSON comes back.
    let client = reqwest::Client::new();
    let bid = quote(&client, &format!("http://{addr}/quote")).await?["bid"].clone();
    assert_eq!((bid, HITS.load(Ordering::SeqCst)), (Value::from(1.08), 2));
    let not_found = quote(&client, &format!("http://{addr}/nowhere")).await;
    assert_eq!(not_found.unwrap_err().status(), Some(StatusCode::NOT_FOUND));
    let not_json = quote(&client, &format!("http://{addr}/text")).await;
    assert!(not_json.unwrap_err().is_decode());

    // The tower stack: the same rules, `Retry-After` honoured, the deadline sent in headers.
    let policy = Policy::builder()
        .max_retries(4)
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut stack = ServiceBuilder::new()
        .layer(
            RetryLayer::new("example.quotes", policy)
                .clone_request(reqwest::Request::try_clone)
                .classify(HttpClassifier::new().errors(classify_reqwest_error))
                .propagate(Wire::Http),
        )
        .service(client);
    let request = reqwest::Request::new(
        reqwest::Method::GET,
        format!("http://{addr}/quote").parse()?,
    );
    let response = stack.ready().await?.call(request).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        HITS.load(Ordering::SeqCst),
        4,
        "each client's 503 was retried once"
    );

    let site = wait_or_die::stats::sites()
        .find(|s| s.name() == "example.quotes")
        .unwrap();
    assert_eq!(site.snapshot().recovered, 1);
    println!("both clients recovered from a 503; the 404 and the text body were not retried");
    Ok(())
}
