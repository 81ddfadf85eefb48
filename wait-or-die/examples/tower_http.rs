//! A hyper client under `RetryLayer` with HTTP classification and deadline propagation,
//! against an axum server on 127.0.0.1 behind `DeadlineLayer`: the server answers 503 with
//! `Retry-After: 0` once, then 200 and the time left the client's deadline gave it.
//!
//! Run: `cargo run -p wait-or-die --features http --example tower_http`

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::{http::StatusCode, routing::get, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use tower::{Service, ServiceBuilder, ServiceExt};
use wait_or_die::http::{DeadlineLayer, HttpClassifier, Wire};
use wait_or_die::{current, tower::RetryLayer, Policy};

static CALLS: AtomicU32 = AtomicU32::new(0);

async fn handler() -> (StatusCode, [(&'static str, &'static str); 1], String) {
    if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "0")],
            String::new(),
        );
    }
    // Inside the handler, the caller's deadline caps every annotated call made here.
    let left = current()
        .and_then(|c| c.remaining())
        .expect("the caller sent a deadline");
    (
        StatusCode::OK,
        [("cache-control", "no-store")],
        format!("{}", left.as_millis()),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // The server: the caller's deadline, trusted up to 10 s.
    let app = Router::new()
        .route("/", get(handler))
        .layer(DeadlineLayer::new("example.inbound").max_timeout(Duration::from_secs(10)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The client: a tower stack in three lines.
    let policy = Policy::builder()
        .max_retries(3)
        .timeout(Duration::from_secs(5))
        .build()?;
    let layer = RetryLayer::new("example.client", policy)
        .classify(HttpClassifier::new())
        .propagate(Wire::Http);
    let mut client = ServiceBuilder::new()
        .layer(layer)
        .service(Client::builder(TokioExecutor::new()).build_http());

    let request = http::Request::get(format!("http://{addr}/")).body(Full::<Bytes>::default())?;
    let response = client.ready().await?.call(request).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let left: u64 =
        String::from_utf8(response.into_body().collect().await?.to_bytes().to_vec())?.parse()?;
    assert!(
        left > 0 && left <= 5_000,
        "the server saw the client's 5 s budget: {left} ms"
    );
    assert_eq!(CALLS.load(Ordering::SeqCst), 2, "the 503 was retried once");
    println!("recovered after a 503; the server had {left} ms of the client's deadline left");
    Ok(())
}
