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

/// Resends after `outcome_unknown` or a round trip that gave up: 5 retries, 20 ms → 200 ms.
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

/// How long a soak's client keeps asking for a request's final answer: minutes, far above the
/// gateway's budgets on a machine 4× slower than the one the soaks were written on.
pub const FINAL_ANSWER_BOUND: Duration = Duration::from_secs(120);
/// The first pause before asking again; it doubles with each ask, up to [`ASK_AGAIN_MAX_PAUSE`].
/// It paces the resends of a refusal that came at once (`key_busy`, `busy`), and the asks of a
/// client whose outcome layer gave up (its retry budget refused, say): it decides nothing.
const ASK_AGAIN_PAUSE: Duration = Duration::from_millis(50);
/// The longest pause between two asks: the test clients' outcome policy's longest wait, so that
/// no client asks more often than its budgeted layer would.
const ASK_AGAIN_MAX_PAUSE: Duration = Duration::from_millis(200);

/// Sends `action` under `req_id` as a real order client does: until the answer is final (a
/// success, or a refusal with `retryable: false`), asking again with the same `req_id` after a
/// retryable refusal and after no reply at all (`OrderClientError::may_resend`): an order the
/// client heard nothing about may be on the books. A request still without a final answer after
/// [`FINAL_ANSWER_BOUND`] is recorded as unanswered, naming the bound.
pub fn until_final(client: &mut OrderClient, req_id: Uuid, action: Action) -> ClientRecord {
    let sent = Instant::now();
    let mut pause = ASK_AGAIN_PAUSE;
    loop {
        let reply = client.send(req_id, &action);
        let final_answer = match &reply {
            Ok(reply) => !reply.error.as_ref().is_some_and(|e| e.retryable),
            Err(error) => !error.may_resend(),
        };
        if final_answer {
            let reply = reply.map_err(|e| e.to_string());
            return ClientRecord::answered(req_id, action, reply, sent);
        }
        if sent.elapsed() >= FINAL_ANSWER_BOUND {
            let last = match reply {
                Ok(reply) => reply.to_json(),
                Err(error) => error.to_string(),
            };
            let why = format!(
                "no final answer within the soak's bound of {FINAL_ANSWER_BOUND:?}; last: {last}"
            );
            return ClientRecord::answered(req_id, action, Err(why), sent);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(ASK_AGAIN_MAX_PAUSE);
    }
}
