//! The tower layer and the HTTP features against real axum servers on 127.0.0.1, through a
//! real hyper client: classification of a 503 with `Retry-After`, and the three-server chain
//! (client → A → B → dead C) with and without deadline and give-up propagation.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder, ServiceExt};
use wait_or_die::http::{DeadlineLayer, HttpClassifier, Wire, TIMEOUT_MS};
use wait_or_die::tower::{BoxError, RetryLayer};
use wait_or_die::{stats, Policy};

type Req = http::Request<Full<Bytes>>;
type Res = http::Response<hyper::body::Incoming>;
type Client3 = BoxCloneSyncService<Req, Res, BoxError>;

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn policy(retries: u32, timeout: Duration) -> Policy {
    Policy::builder()
        .max_retries(retries)
        .timeout(timeout)
        .initial_wait(Duration::from_millis(1))
        .max_wait(Duration::from_millis(2))
        .no_budget()
        .build()
        .unwrap()
}

/// A hyper client under the layer, named `site`, propagating or not.
fn client(site: &str, policy: Policy, propagate: bool) -> Client3 {
    let http = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let layer = RetryLayer::new(site, policy).classify(HttpClassifier::new());
    if propagate {
        BoxCloneSyncService::new(
            ServiceBuilder::new()
                .layer(layer.propagate(Wire::Http))
                .service(http),
        )
    } else {
        BoxCloneSyncService::new(ServiceBuilder::new().layer(layer).service(http))
    }
}

fn get_req(addr: SocketAddr) -> Req {
    http::Request::get(format!("http://{addr}/"))
        .body(Full::default())
        .unwrap()
}

fn site(name: &str) -> stats::SiteStats {
    stats::sites()
        .find(|s| s.name() == name)
        .unwrap()
        .snapshot()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_retried_and_a_404_is_not() {
    let hits = Arc::new(AtomicU32::new(0));
    let router = Router::new()
        .route(
            "/",
            get(|State(hits): State<Arc<AtomicU32>>| async move {
                match hits.fetch_add(1, Ordering::SeqCst) {
                    0 => (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")])
                        .into_response_parts(),
                    _ => (StatusCode::OK, [("retry-after", "0")]).into_response_parts(),
                }
            }),
        )
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .with_state(hits.clone());
    let addr = serve(router).await;
    let mut svc = client(
        "loopback.retry_after",
        policy(3, Duration::from_secs(5)),
        false,
    );
    let res = svc
        .ready()
        .await
        .unwrap()
        .call(get_req(addr))
        .await
        .unwrap();
    assert_eq!(
        (res.status(), hits.load(Ordering::SeqCst)),
        (StatusCode::OK, 2)
    );
    let gone = http::Request::get(format!("http://{addr}/gone"))
        .body(Full::default())
        .unwrap();
    let res = svc.ready().await.unwrap().call(gone).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let s = site("loopback.retry_after");
    assert_eq!(
        (s.calls, s.attempts, s.recovered, s.died_permanent),
        (2, 3, 1, 1)
    );
}

trait Parts {
    fn into_response_parts(self) -> axum::response::Response;
}
impl<T: axum::response::IntoResponse> Parts for T {
    fn into_response_parts(self) -> axum::response::Response {
        self.into_response()
    }
}

/// What the dead server C saw: when each request arrived, and the time left it carried.
#[derive(Default)]
struct Seen(Mutex<Vec<(Instant, Option<u64>)>>);

async fn dead(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> StatusCode {
    let left = headers
        .get(TIMEOUT_MS)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    seen.0.lock().unwrap().push((Instant::now(), left));
    tokio::time::sleep(Duration::from_millis(DEAD_MS.load(Ordering::SeqCst).into())).await;
    StatusCode::SERVICE_UNAVAILABLE
}

static DEAD_MS: AtomicU32 = AtomicU32::new(0);

/// A hop: its handler calls `next` through `client` and answers what it got (503 on an error).
async fn hop(next: SocketAddr, client: Client3, propagate: bool) -> SocketAddr {
    let router = Router::new()
        .route(
            "/",
            get(move |State(mut client): State<Client3>| async move {
                match client.ready().await.unwrap().call(get_req(next)).await {
                    Ok(res) => res.status(),
                    Err(_) => StatusCode::SERVICE_UNAVAILABLE,
                }
            }),
        )
        .with_state(client);
    let router = if propagate {
        router.layer(DeadlineLayer::new("loopback.inbound"))
    } else {
        router
    };
    serve(router).await
}

/// client → A → B → C, every layer 3 retries; returns the requests C saw.
async fn chain(
    tag: &str,
    propagate: bool,
    timeout: Duration,
    b_retries: u32,
) -> (Vec<(Instant, Option<u64>)>, Instant, StatusCode) {
    let seen = Arc::new(Seen::default());
    let c = serve(Router::new().route("/", get(dead)).with_state(seen.clone())).await;
    let b = hop(
        c,
        client(
            &format!("{tag}.b"),
            policy(b_retries, Duration::from_secs(5)),
            propagate,
        ),
        propagate,
    )
    .await;
    let a = hop(
        b,
        client(
            &format!("{tag}.a"),
            policy(3, Duration::from_secs(5)),
            propagate,
        ),
        propagate,
    )
    .await;
    let mut me = client(&format!("{tag}.client"), policy(3, timeout), propagate);
    let deadline = Instant::now() + timeout;
    let status = match me.ready().await.unwrap().call(get_req(a)).await {
        Ok(res) => res.status(),
        Err(e) => {
            assert!(
                e.downcast_ref::<wait_or_die::EngineError>().is_some(),
                "{e}"
            );
            StatusCode::GATEWAY_TIMEOUT
        }
    };
    let seen = seen.0.lock().unwrap().clone();
    (seen, deadline, status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_64_requests_reach_c_without_propagation_and_4_with() {
    let (without, _, status) = chain("chain.off", false, Duration::from_secs(20), 3).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(without.len(), 64, "4 × 4 × 4 attempts");

    let (with, deadline, status) = chain("chain.on", true, Duration::from_secs(20), 3).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(with.len() <= 4, "only B retries: {}", with.len());
    assert_eq!(with.len(), 4);
    assert!(with
        .iter()
        .all(|&(at, left)| at <= deadline && left.is_some()));
    // A and the client saw B's and A's give-up and did not retry it.
    let (a, me) = (site("chain.on.a"), site("chain.on.client"));
    assert_eq!((a.attempts, a.died_nested), (1, 1));
    assert_eq!((me.attempts, me.died_nested), (1, 1));
    println!(
        "requests reaching C per client call: without propagation {}, with {}",
        without.len(),
        with.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_reaches_c_after_the_clients_deadline() {
    // C answers 503 after 40 ms; B would retry 50 times (2 s) if nothing told it the client
    // gives up after 300 ms.
    DEAD_MS.store(40, Ordering::SeqCst);
    let timeout = Duration::from_millis(300);
    let (seen, deadline, _) = chain("deadline.on", true, timeout, 50).await;
    let last = seen.iter().map(|&(at, _)| at).max().unwrap();
    let (gap, side) = if last <= deadline {
        (deadline - last, "before")
    } else {
        (last - deadline, "after")
    };
    println!(
        "deadline test: {} requests reached C (B alone would send 51); the last arrived {:.1} ms {side} the client's deadline",
        seen.len(),
        gap.as_secs_f64() * 1e3,
    );
    assert!(!seen.is_empty());
    for (at, left) in &seen {
        // Sent before the deadline: the time left it carried fits in what the client had.
        assert!(left.is_some_and(|ms| ms <= 300), "{left:?}");
        // Loopback transit only: no attempt starts at or after the deadline.
        assert!(
            *at <= deadline + Duration::from_millis(50),
            "{:?} past",
            at.duration_since(deadline)
        );
    }
    assert!(
        seen.len() < 50,
        "B stopped at the client's deadline: {}",
        seen.len()
    );
}
