//! Loopback round trips through the ZeroMQ order gateway, with and without the client's
//! `#[wait_or_die]` wrapper, next to a raw libzmq REQ/REP ping-pong (the transport's limit).
//!
//! `cargo bench -p wait-or-die-benches --bench gateway [-- ROUND_TRIPS]`
//!
//! Percentiles need every latency, so this is a small harness of its own rather than criterion.
//! The wrapped and unwrapped round trips alternate request by request, in one process, so that
//! drift on a shared machine hits both alike. The gateway's own retried call,
//! `gateway.place_order`, runs for orders in every variant (a PING runs none, and replies are
//! sent once, without a retry); its happy-path cost is in the `happy_path_blocking` group.

use std::time::{Duration, Instant};

use gateway_example::execution::SOCKET_POLICY;
use gateway_example::gateway::GatewayConfig;
use gateway_example::server::{start, ServerOptions};
use gateway_example::terminal::SimulatorOptions;
use gateway_example::transport::{ClientOptions, LazyPirateClient, RouterOptions};

const DEFAULT_ROUND_TRIPS: usize = 20_000;

/// Latencies of one variant, over all rounds.
struct Series {
    name: &'static str,
    latencies: Vec<Duration>,
    busy: Duration,
}

impl Series {
    fn new(name: &'static str) -> Self {
        Series {
            name,
            latencies: Vec::new(),
            busy: Duration::ZERO,
        }
    }

    fn time(&mut self, round_trip: impl FnOnce()) {
        let t = Instant::now();
        round_trip();
        let took = t.elapsed();
        self.latencies.push(took);
        self.busy += took;
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.busy.as_secs_f64()
    }

    fn row(&mut self, baseline: f64) -> String {
        self.latencies.sort();
        let at = |p: f64| self.latencies[((self.latencies.len() - 1) as f64 * p) as usize];
        format!(
            "| {} | {:.0} | {:.1} % | {:.1} | {:.1} |",
            self.name,
            self.per_second(),
            100.0 * self.per_second() / baseline,
            at(0.50).as_secs_f64() * 1e6,
            at(0.99).as_secs_f64() * 1e6,
        )
    }
}

/// Times one unwrapped and one wrapped round trip; which goes first alternates with `i`, so
/// neither always follows the other.
fn alternate(
    i: usize,
    client: &mut LazyPirateClient,
    (bare, bare_body): (&mut Series, &[u8]),
    (wrapped, wrapped_body): (&mut Series, &[u8]),
) {
    let mut run_bare = |c: &mut LazyPirateClient| {
        bare.time(|| drop(c.request_once(bare_body).expect("one attempt")));
    };
    let mut run_wrapped = |c: &mut LazyPirateClient| {
        wrapped.time(|| drop(c.request(wrapped_body).expect("wrapped")));
    };
    if i % 2 == 0 {
        run_bare(client);
        run_wrapped(client);
    } else {
        run_wrapped(client);
        run_bare(client);
    }
}

fn ping(i: usize) -> Vec<u8> {
    let id = uuid::Uuid::from_u128(i as u128 + 1);
    format!(r#"{{"action":"PING","req_id":"{id}"}}"#).into_bytes()
}

/// A market order with a req_id of its own (resent req_ids would be answered from the journal).
fn order(i: usize) -> Vec<u8> {
    let id = uuid::Uuid::from_u128((1 << 64) + i as u128);
    format!(
        r#"{{"action":"ORDER_SEND","req_id":"{id}","payload":{{"symbol":"EURUSD","type":"OP_BUY","volume":0.01}}}}"#
    )
    .into_bytes()
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_ROUND_TRIPS);

    // Raw libzmq REQ/REP echo on loopback TCP.
    let context = zmq::Context::new();
    let rep = context.socket(zmq::REP).expect("rep");
    rep.bind("tcp://127.0.0.1:*").expect("bind");
    let raw_endpoint = rep.get_last_endpoint().expect("endpoint").expect("utf-8");
    let echo = std::thread::spawn(move || {
        while let Ok(msg) = rep.recv_bytes(0) {
            if msg.is_empty() || rep.send(msg, 0).is_err() {
                break;
            }
        }
    });
    let req = context.socket(zmq::REQ).expect("req");
    req.connect(&raw_endpoint).expect("connect");

    // The gateway: in-memory journal and books, no faults, no injected latency.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let options = ServerOptions {
        router: RouterOptions::new("tcp://127.0.0.1:*"),
        data_dir: None,
        simulator: SimulatorOptions {
            max_latency: Duration::ZERO,
            ..SimulatorOptions::default()
        },
        gateway: GatewayConfig::default(),
    };
    let gateway = start(&context, &options, runtime.handle().clone()).expect("gateway");
    let client_options = ClientOptions {
        policy: SOCKET_POLICY,
        ..ClientOptions::new(gateway.endpoint())
    };
    let mut client = LazyPirateClient::new(&context, client_options);

    let mut raw = Series::new("raw libzmq REQ/REP echo");
    let mut ping_bare = Series::new("gateway PING, one attempt (no wrapper)");
    let mut ping_wrapped = Series::new("gateway PING, #[wait_or_die] seed policy");
    let mut order_bare = Series::new("gateway ORDER_SEND, one attempt (no wrapper)");
    let mut order_wrapped = Series::new("gateway ORDER_SEND, #[wait_or_die] seed policy");
    let payload = ping(0);
    for _ in 0..n {
        raw.time(|| {
            req.send(&payload[..], 0).expect("send");
            req.recv_bytes(0).expect("recv");
        });
    }
    for i in 0..n {
        let body = ping(i);
        alternate(
            i,
            &mut client,
            (&mut ping_bare, &body),
            (&mut ping_wrapped, &body),
        );
    }
    for i in 0..n / 4 {
        let (first, second) = (order(2 * i), order(2 * i + 1));
        alternate(
            i,
            &mut client,
            (&mut order_bare, &first),
            (&mut order_wrapped, &second),
        );
    }
    req.send(&b""[..], 0).expect("stop echo");
    echo.join().expect("echo thread");

    println!(
        "{n} PING round trips and {} orders per variant, alternating",
        n / 4
    );
    println!("| variant | round trips/s | vs one attempt | p50 (µs) | p99 (µs) |");
    println!("|---|---:|---:|---:|---:|");
    let raw_rate = raw.per_second();
    println!("{}", raw.row(raw_rate));
    let ping_rate = ping_bare.per_second();
    println!("{}", ping_bare.row(ping_rate));
    println!("{}", ping_wrapped.row(ping_rate));
    let order_rate = order_bare.per_second();
    println!("{}", order_bare.row(order_rate));
    println!("{}", order_wrapped.row(order_rate));
}
