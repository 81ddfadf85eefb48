//! reqwest against real servers on 127.0.0.1: `classify_reqwest_error` under `#[wait_or_die]`
//! (a closed port, a 503 every other request, a 404, a body that is not JSON, a body cut
//! short, a server slower than the request's timeout), and a `RetryLayer` over a
//! `reqwest::Client` honouring `Retry-After` and stamping the deadline headers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::{Service, ServiceBuilder, ServiceExt};
use wait_or_die::http::{classify_reqwest_error, HttpClassifier, Wire, ATTEMPT, TIMEOUT_MS};
use wait_or_die::tower::RetryLayer;
use wait_or_die::{stats, wait_or_die, Action, Policy};

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// One attempt: GET `url` as JSON within `limit`; `tries` counts the attempts.
#[wait_or_die(
    timeout = 10,
    max_retries = 3,
    initial_wait = "1ms",
    max_wait = "2ms",
    budget = "none",
    retry_if = classify_reqwest_error,
    on_timeout = "last_error"
)]
async fn fetch(url: &str, limit: Duration, tries: &AtomicU32) -> Result<Value, reqwest::Error> {
    tries.fetch_add(1, Ordering::SeqCst);
    let client = reqwest::Client::new();
    let response = client.get(url).timeout(limit).send().await?;
    response.error_for_status()?.json().await
}

const PLENTY: Duration = Duration::from_secs(5);

/// Calls [`fetch`] once; returns its result and how many attempts it made.
async fn attempts(url: &str, limit: Duration) -> (Result<Value, reqwest::Error>, u32) {
    let tries = AtomicU32::new(0);
    let result = fetch(url, limit, &tries).await;
    (result, tries.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_retried_to_the_last_attempt() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (result, tries) = attempts(&format!("http://{port}/"), PLENTY).await;
    let error = result.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(classify_reqwest_error(&error), Action::Retry);
    assert_eq!(tries, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_every_other_request_is_retried_and_every_call_recovers() {
    let hits = Arc::new(AtomicU32::new(0));
    let router = Router::new()
        .route(
            "/",
            get(|State(hits): State<Arc<AtomicU32>>| async move {
                if hits.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
                    (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "").into_response()
                } else {
                    (StatusCode::OK, r#"{"bid": 1.08}"#).into_response()
                }
            }),
        )
        .with_state(hits.clone());
    let addr = serve(router).await;
    for _ in 0..10 {
        let (result, tries) = attempts(&format!("http://{addr}/"), PLENTY).await;
        assert_eq!(result.unwrap()["bid"], 1.08);
        assert_eq!(tries, 2);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_and_a_body_that_is_not_json_end_the_call_at_once() {
    let router = Router::new()
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .route("/text", get(|| async { "not json" }));
    let addr = serve(router).await;

    let (result, tries) = attempts(&format!("http://{addr}/gone"), PLENTY).await;
    let error = result.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(tries, 1);

    let (result, tries) = attempts(&format!("http://{addr}/text"), PLENTY).await;
    let error = result.unwrap_err();
    assert!(error.is_decode(), "{error:?}");
    assert_eq!(classify_reqwest_error(&error), Action::Die);
    assert_eq!(tries, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_is_retried_though_reqwest_calls_it_a_decode_error() {
    // A raw server: promises 100 bytes, sends 9, closes.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"bid\": 1";
                let _ = socket.write_all(head.as_bytes()).await;
            });
        }
    });
    let (result, tries) = attempts(&format!("http://{addr}/"), PLENTY).await;
    let error = result.unwrap_err();
    assert!(error.is_decode(), "{error:?}");
    assert_eq!(classify_reqwest_error(&error), Action::Retry);
    assert_eq!(tries, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_slower_than_the_request_timeout_is_retried() {
    let router = Router::new().route(
        "/",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            "{}"
        }),
    );
    let addr = serve(router).await;
    let (result, tries) = attempts(&format!("http://{addr}/"), Duration::from_millis(50)).await;
    let error = result.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(tries, 4);
}

/// What the server of the layer's test saw: the attempt number and the time left, per request.
type Seen = Arc<Mutex<Vec<(u32, u64)>>>;

async fn busy_once(State(seen): State<Seen>, headers: HeaderMap) -> impl IntoResponse {
    let read = |name| -> u64 {
        let value = headers.get(name).expect("the layer stamps every attempt");
        value.to_str().unwrap().parse().unwrap()
    };
    let mut seen = seen.lock().unwrap();
    seen.push((read(&ATTEMPT) as u32, read(&TIMEOUT_MS)));
    if seen.len() == 1 {
        (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response()
    } else {
        StatusCode::OK.into_response()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_over_reqwest_waits_for_retry_after_and_stamps_the_deadline() {
    let seen = Seen::default();
    let router = Router::new()
        .route("/", get(busy_once))
        .with_state(seen.clone());
    let addr = serve(router).await;
    let policy = Policy::builder()
        .max_retries(3)
        .timeout(Duration::from_secs(5))
        .initial_wait(Duration::from_millis(1))
        .build()
        .unwrap();
    let layer = RetryLayer::new("reqwest.layer", policy)
        .clone_request(reqwest::Request::try_clone)
        .classify(HttpClassifier::new().errors(classify_reqwest_error))
        .propagate(Wire::Http);
    let mut client = ServiceBuilder::new()
        .layer(layer)
        .service(reqwest::Client::new());

    let start = Instant::now();
    let request = reqwest::Request::new(
        reqwest::Method::GET,
        format!("http://{addr}/").parse().unwrap(),
    );
    let response = client.ready().await.unwrap().call(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.iter().map(|&(n, _)| n).collect::<Vec<_>>(), [1, 2]);
    assert!(seen.iter().all(|&(_, left)| left <= 5_000), "{seen:?}");
    assert!(
        seen[1].1 <= 4_000,
        "the retry carried what the wait left: {seen:?}"
    );

    // A closed port through the layer: a connect error every attempt, the last one returned.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let request = reqwest::Request::new(
        reqwest::Method::GET,
        format!("http://{port}/").parse().unwrap(),
    );
    let error = client
        .ready()
        .await
        .unwrap()
        .call(request)
        .await
        .unwrap_err();
    let error = error
        .downcast_ref::<reqwest::Error>()
        .expect("reqwest's own error");
    assert!(error.is_connect(), "{error:?}");
    let site = stats::sites()
        .find(|s| s.name() == "reqwest.layer")
        .unwrap()
        .snapshot();
    assert_eq!(
        (
            site.calls,
            site.attempts,
            site.recovered,
            site.died_exhausted
        ),
        (2, 6, 1, 1)
    );
}
