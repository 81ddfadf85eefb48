//! Serving a registry over HTTP: `GET /metrics` with `tiny_http`, on a thread of its own.
//!
//! `tiny_http` is a small, maintained, blocking HTTP/1.1 server with no async runtime: the
//! endpoint gets one thread, which blocks in `recv` between scrapes, so it never runs on the
//! ROUTER's socket thread nor on a tokio worker, and a slow scraper delays only the next scrape.
//! (axum or hyper would bring an HTTP stack built for thousands of connections to answer one
//! scraper every few seconds.)

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use tiny_http::{Header, Method, Response, Server};

use super::text_format::{to_prometheus_text, PROMETHEUS_TEXT};

/// The path scraped.
pub const METRICS_PATH: &str = "/metrics";
/// The content type of the text `prometheus-client` writes: OpenMetrics 1.0, served to
/// scrapers that ask for it (Prometheus does); others get the classic format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Why the endpoint did not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The address could not be bound.
    #[error("cannot serve metrics on {address}: {reason}")]
    Bind {
        /// The address asked for.
        address: String,
        /// Why.
        reason: String,
    },
    /// The serving thread could not be started.
    #[error("cannot start the metrics thread: {0}")]
    Thread(#[source] io::Error),
}

/// A running `/metrics` endpoint; stops when dropped.
pub struct MetricsServer {
    server: Arc<Server>,
    address: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Serves `registry` at `http://ADDRESS/metrics` (port 0 picks a free one) until dropped.
    ///
    /// ```
    /// let registry = prometheus_client::registry::Registry::default();
    /// let server = gateway_example::metrics::MetricsServer::start("127.0.0.1:0", registry)?;
    /// assert_ne!(server.address().port(), 0);
    /// # Ok::<(), gateway_example::metrics::MetricsError>(())
    /// ```
    pub fn start(address: &str, registry: Registry) -> Result<MetricsServer, MetricsError> {
        let server = Server::http(address).map_err(|e| MetricsError::Bind {
            address: address.to_owned(),
            reason: e.to_string(),
        })?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| MetricsError::Bind {
                address: address.to_owned(),
                reason: "not an IP address".into(),
            })?;
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let thread = thread::Builder::new()
            .name("gateway-metrics".into())
            .spawn(move || serve(&serving, &registry))
            .map_err(MetricsError::Thread)?;
        Ok(MetricsServer {
            server,
            address,
            thread: Some(thread),
        })
    }

    /// The bound address.
    ///
    /// See [`start`](Self::start) for an example.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers requests until the server is unblocked.
fn serve(server: &Server, registry: &Registry) {
    for request in server.incoming_requests() {
        let response = match (request.method(), request.url()) {
            (Method::Get, METRICS_PATH) => scrape(registry, wants_openmetrics(&request)),
            (Method::Get, _) => {
                Response::from_string(format!("not found; metrics are at {METRICS_PATH}\n"))
                    .with_status_code(404)
            }
            _ => Response::from_string("only GET is allowed\n").with_status_code(405),
        };
        if let Err(error) = request.respond(response) {
            tracing::debug!(%error, "metrics scraper went away");
        }
    }
}

/// Whether the scraper accepts OpenMetrics (Prometheus's `Accept` header lists it first).
fn wants_openmetrics(request: &tiny_http::Request) -> bool {
    request.headers().iter().any(|h| {
        h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text")
    })
}

fn scrape(registry: &Registry, openmetrics: bool) -> Response<io::Cursor<Vec<u8>>> {
    let mut text = String::new();
    if let Err(error) = encode(&mut text, registry) {
        tracing::error!(%error, "cannot encode metrics");
        return Response::from_string("cannot encode metrics\n").with_status_code(500);
    }
    let (text, content_type) = if openmetrics {
        (text, OPENMETRICS)
    } else {
        (to_prometheus_text(&text), PROMETHEUS_TEXT)
    };
    let header = Header::from_bytes("Content-Type", content_type).expect("a valid header");
    Response::from_string(text).with_header(header)
}
