//! Shared set-up of the end-to-end tests: a gateway on a random loopback port, and clients.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod flood;
pub mod processes;
pub mod served;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gateway_example::demo::ClientRecord;
use gateway_example::execution::{scaled_policy, EXECUTION_POLICY};
use gateway_example::gateway::{GatewayConfig, DEFAULT_HISTORY_LAG};
use gateway_example::protocol::{Action, OrderSpec};
use gateway_example::server::{start, RunningGateway, ServerOptions};
use gateway_example::terminal::{OrderType, SimulatorOptions};
use gateway_example::transport::{ClientOptions, LazyPirateClient, OrderClient, RouterOptions};
use uuid::Uuid;
use wait_or_die::Policy;

/// The seed's order policy, 100 times faster: same shape, short waits.
pub fn fast_execution() -> Policy {
    scaled_policy(EXECUTION_POLICY, 0.01)
}

/// A client round trip that outlasts any fast execution: 10 retries, 10 ms → 100 ms, 20 s budget.
pub fn fast_client() -> Policy {
    Policy::builder()
        .max_retries(10)
        .timeout(Duration::from_secs(20))
        .initial_wait(Duration::from_millis(10))
        .max_wait(Duration::from_millis(100))
        .build()
        .unwrap()
}

/// Resends after `outcome_unknown`: 5 retries, 20 ms → 200 ms.
pub fn fast_outcome() -> Policy {
    Policy::builder()
        .max_retries(5)
        .timeout(Duration::from_secs(20))
        .initial_wait(Duration::from_millis(20))
        .max_wait(Duration::from_millis(200))
        .build()
        .unwrap()
}

/// Options for a gateway on a random free loopback port.
pub fn options(data_dir: Option<PathBuf>, fault_rate: f64, seed: u64) -> ServerOptions {
    ServerOptions {
        router: RouterOptions::new("tcp://127.0.0.1:*"),
        data_dir,
        simulator: SimulatorOptions {
            data_dir: None,
            fault_rate,
            seed,
            max_latency: Duration::from_millis(20),
            scripted: Vec::new(),
            ..SimulatorOptions::default()
        },
        gateway: GatewayConfig {
            execution_policy: fast_execution(),
            reconcile_policy: fast_execution(),
            // The seed's schedule runs 100 times faster; so does the history-lag bound.
            history_lag: DEFAULT_HISTORY_LAG / 100,
            ..GatewayConfig::default()
        },
    }
}

/// A gateway serving on its own tokio runtime, stopped when dropped.
pub struct TestGateway {
    // Field order is drop order: the gateway stops before its runtime and context go.
    pub running: RunningGateway,
    pub context: zmq::Context,
    pub runtime: tokio::runtime::Runtime,
}

impl TestGateway {
    pub fn start(options: &ServerOptions) -> TestGateway {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let context = zmq::Context::new();
        let running = start(&context, options, runtime.handle().clone()).unwrap();
        TestGateway {
            running,
            context,
            runtime,
        }
    }

    pub fn endpoint(&self) -> String {
        self.running.endpoint().to_owned()
    }

    /// A client with fast retries and this reply timeout.
    pub fn client(&self, reply_timeout: Duration) -> OrderClient {
        client(&self.context, &self.endpoint(), reply_timeout)
    }
}

pub fn client(context: &zmq::Context, endpoint: &str, reply_timeout: Duration) -> OrderClient {
    let options = ClientOptions {
        reply_timeout,
        policy: fast_client(),
        ..ClientOptions::new(endpoint)
    };
    OrderClient::new(LazyPirateClient::new(context, options), fast_outcome())
}

pub fn market(symbol: &str, order_type: OrderType, volume: f64) -> OrderSpec {
    OrderSpec::market(symbol, order_type, volume)
}

/// A loopback TCP port free at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Resends the same `req_id` until the answer is final: a success, or a refusal with
/// `retryable: false`. A retryable one (nothing executed) is sent again for up to 30 s.
pub fn until_final(client: &mut OrderClient, req_id: Uuid, action: Action) -> ClientRecord {
    let sent = Instant::now();
    let retryable = |record: &ClientRecord| {
        let error = record.reply.as_ref().ok().and_then(|r| r.error.as_ref());
        error.is_some_and(|e| e.retryable)
    };
    let mut last = ClientRecord::send(client, req_id, action.clone());
    while retryable(&last) && sent.elapsed() < Duration::from_secs(30) {
        // Paces the resends of a refusal that came at once (`key_busy`); decides nothing.
        std::thread::sleep(Duration::from_millis(50));
        last = ClientRecord::send(client, req_id, action.clone());
    }
    // The whole exchange, from the first send to the final answer.
    ClientRecord {
        sent,
        latency: sent.elapsed(),
        ..last
    }
}
