//! `kill -9` of the gateway process mid-stream, then a restart on the same data directory: no
//! order is lost and none executes twice.
//!
//! The gateway runs as the real binary (`serve`), so the kill is a real SIGKILL: no destructor,
//! no flush. The simulated trade server keeps its books in the data directory, so the restarted
//! gateway reconciles its pending intents against books that outlived it, as a real broker's
//! would. At the end the books are read directly and every client's answer is checked against
//! them.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use gateway_example::demo::{audit, orders, ClientRecord};
use gateway_example::protocol::Action;
use gateway_example::remote::AuditView;
use gateway_example::server::TERMINAL_SUBDIR;
use gateway_example::terminal::Ledger;
use gateway_example::terminal::OrderType;
use gateway_example::transport::{ClientOptions, LazyPirateClient, OrderClient};
use serde_json::json;
use uuid::Uuid;
use wait_or_die::Policy;

const ORDERS: usize = 240;
const CLIENTS: usize = 6;
const KILLS: usize = 2;
/// How long the orders before a kill may take: far above a machine 4× slower than a loaded one.
const BEFORE_KILL_BOUND: Duration = Duration::from_secs(90);
/// How long an order may take to reach a state: its terminal answers within milliseconds.
const STATE_BOUND: Duration = Duration::from_secs(10);

/// Starts `serve` with `extra` options and waits for it to listen; returns the child and what
/// its start-up recovery found.
fn serve_with(endpoint: &str, data_dir: &Path, extra: &[&str]) -> (Child, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway-example"))
        .args(["serve", "--bind", endpoint, "--data-dir"])
        .arg(data_dir)
        .args(["--log-level", "off"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the gateway binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let recovered = lines.next().unwrap().unwrap();
    let listening = lines.next().unwrap().unwrap();
    let report = recovered
        .strip_prefix("recovered ")
        .expect("recovery report first");
    assert!(listening.starts_with("listening on "), "{listening}");
    (child, serde_json::from_str(report).unwrap())
}

/// A chaotic gateway: fast retries, a quarter of terminal calls failing.
fn serve(endpoint: &str, data_dir: &Path, seed: u64) -> (Child, serde_json::Value) {
    let seed = seed.to_string();
    let chaos = [
        "--time-scale",
        "0.02",
        "--fault-rate",
        "0.25",
        "--max-latency-ms",
        "30",
    ];
    serve_with(
        endpoint,
        data_dir,
        &[&chaos[..], &["--seed", &seed]].concat(),
    )
}

#[test]
fn kill_9_mid_stream_then_restart_loses_and_duplicates_nothing() {
    let data_dir = tempfile::tempdir().unwrap();
    let endpoint = format!("tcp://127.0.0.1:{}", common::free_port());
    let (mut gateway, _) = serve(&endpoint, data_dir.path(), 1);

    let context = zmq::Context::new();
    // Patient clients: they must outlast the time the gateway is down.
    let client_options = ClientOptions {
        reply_timeout: Duration::from_millis(400),
        policy: Policy::builder()
            .max_retries(30)
            .timeout(Duration::from_secs(60))
            .initial_wait(Duration::from_millis(20))
            .max_wait(Duration::from_millis(200))
            .build()
            .unwrap(),
        ..ClientOptions::new(endpoint.clone())
    };
    let outcome_policy = Policy::builder()
        .max_retries(10)
        .timeout(Duration::from_secs(60))
        .initial_wait(Duration::from_millis(50))
        .max_wait(Duration::from_millis(300))
        .build()
        .unwrap();
    let orders = orders(ORDERS, 7);
    let next = AtomicUsize::new(0);
    let answered = AtomicUsize::new(0);
    let records = Mutex::new(Vec::new());
    let reconnects = AtomicUsize::new(0);
    let mut recoveries = Vec::new();
    let started = Instant::now();

    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                let transport = LazyPirateClient::new(&context, client_options.clone());
                let mut client = OrderClient::new(transport, outcome_policy);
                while let Some(order) = orders.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let action = Action::OrderSend(order.order.clone());
                    let record = ClientRecord::send(&mut client, order.req_id, action);
                    records.lock().unwrap().push(record);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                reconnects.fetch_add(client.transport().reconnects() as usize, Ordering::Relaxed);
            });
        }
        // Kill the gateway twice while orders are flowing, restarting it each time.
        for kill in 1..=KILLS {
            let target = ORDERS * kill / (KILLS + 1);
            while answered.load(Ordering::Relaxed) < target {
                assert!(
                    started.elapsed() < BEFORE_KILL_BOUND,
                    "the bound of {BEFORE_KILL_BOUND:?} passed before kill {kill}"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            gateway.kill().unwrap(); // SIGKILL
            gateway.wait().unwrap();
            std::thread::sleep(Duration::from_millis(150));
            let (restarted, recovered) = serve(&endpoint, data_dir.path(), 1 + kill as u64);
            recoveries.push(recovered);
            gateway = restarted;
        }
    });
    gateway.kill().unwrap();
    gateway.wait().unwrap();

    // The trade server's books, read directly now that no gateway holds them.
    let ledger = Ledger::open(Some(&data_dir.path().join(TERMINAL_SUBDIR))).unwrap();
    let all = gateway_example::terminal::HistoryFilter::default();
    let records = records.into_inner().unwrap();
    assert_eq!(records.len(), ORDERS);
    let books = AuditView {
        deals: ledger.deals(&all),
        orders: ledger.orders(&all),
        history_orders: ledger.history_orders(&all),
        positions: ledger.positions(&all),
        modifications: ledger.modifications().to_vec(),
        faults_injected: 0,
    };
    let audit = audit(&records, &books);
    assert!(audit.lost.is_empty(), "lost: {:?}", audit.lost);
    assert!(
        audit.duplicated.is_empty(),
        "duplicated: {:?}",
        audit.duplicated
    );
    assert_eq!(audit.unexplained, 0);
    assert!(audit.max_fills_per_req_id <= 1);
    assert!(audit.filled > ORDERS / 2, "{audit:?}");
    // The kills landed mid-stream: clients lost replies and resent to the restarted gateway.
    assert!(reconnects.load(Ordering::Relaxed) > 0);
    assert_eq!(recoveries.len(), KILLS);
    eprintln!("recoveries: {recoveries:?}; wall {:?}", started.elapsed());
}

fn status(client: &mut OrderClient, req_id: Uuid) -> serde_json::Value {
    let query =
        json!({"action": "ORDER_STATUS", "req_id": Uuid::new_v4(), "payload": {"req_id": req_id}});
    client.call(&query).unwrap().result.unwrap()
}

/// Polls `ORDER_STATUS` until `until` holds, within 10 s.
fn wait_for_status(
    client: &mut OrderClient,
    req_id: Uuid,
    until: impl Fn(&serde_json::Value) -> bool,
) {
    let deadline = Instant::now() + STATE_BOUND;
    loop {
        let now = status(client, req_id);
        if until(&now) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "order not in the state within the bound of {STATE_BOUND:?}: {now}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn quick_client(context: &zmq::Context, endpoint: &str) -> OrderClient {
    common::client(context, endpoint, Duration::from_secs(2))
}

/// Sends an order on a bare REQ socket and leaves without reading the reply.
fn send_and_forget(context: &zmq::Context, endpoint: &str, req_id: Uuid) -> zmq::Socket {
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    let body = json!({"action": "ORDER_SEND", "req_id": req_id, "payload": common::market("EURUSD", OrderType::Buy, 0.03)});
    socket.send(body.to_string().as_bytes(), 0).unwrap();
    socket
}

fn deals_on_books(data_dir: &Path, req_id: Uuid) -> Vec<u64> {
    let ledger = Ledger::open(Some(&data_dir.join(TERMINAL_SUBDIR))).unwrap();
    let filter = gateway_example::execution::order_filter(req_id);
    ledger.deals(&filter).iter().map(|d| d.ticket).collect()
}

#[test]
fn a_kill_after_the_deal_but_before_the_reply_is_journaled_is_reconciled_at_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    let endpoint = format!("tcp://127.0.0.1:{}", common::free_port());
    // The first order executes and its answer is lost; the gateway then waits (the seed's 1 s,
    // jittered down to no less than 0.5 s) before it looks the order up. It dies in that wait.
    let (mut gateway, _) = serve_with(
        &endpoint,
        data_dir.path(),
        &["--script", "executed-then-reply-lost"],
    );
    let context = zmq::Context::new();
    let req_id = Uuid::new_v4();
    let _first_copy = send_and_forget(&context, &endpoint, req_id);
    let mut observer = quick_client(&context, &endpoint);
    wait_for_status(&mut observer, req_id, |s| {
        s["state"] == "pending" && s["deals"].as_array().unwrap().len() == 1
    });
    gateway.kill().unwrap();
    gateway.wait().unwrap();

    let (mut gateway, recovered) = serve_with(&endpoint, data_dir.path(), &[]);
    assert_eq!(recovered["pending"], 1, "{recovered}");
    assert_eq!(recovered["found_executed"], 1, "{recovered}");
    let reply = quick_client(&context, &endpoint)
        .send_order(req_id, &common::market("EURUSD", OrderType::Buy, 0.03))
        .unwrap();
    let result = reply.result.expect("the resend gets the fill");
    assert_eq!(result["reconciled"], true);
    gateway.kill().unwrap();
    gateway.wait().unwrap();
    assert_eq!(
        deals_on_books(data_dir.path(), req_id),
        vec![result["deal"].as_u64().unwrap()]
    );
}

#[test]
fn a_kill_while_the_order_is_on_its_way_executes_it_once_after_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    let endpoint = format!("tcp://127.0.0.1:{}", common::free_port());
    // The terminal takes 3 s before it executes the first order; the gateway dies meanwhile.
    let (mut gateway, _) = serve_with(&endpoint, data_dir.path(), &["--script", "latency-3000"]);
    let context = zmq::Context::new();
    let req_id = Uuid::new_v4();
    let _first_copy = send_and_forget(&context, &endpoint, req_id);
    let mut observer = quick_client(&context, &endpoint);
    // Answered while the slow order is in flight: one slow order blocks no other client.
    wait_for_status(&mut observer, req_id, |s| s["state"] == "pending");
    gateway.kill().unwrap();
    gateway.wait().unwrap();

    let (mut gateway, recovered) = serve_with(&endpoint, data_dir.path(), &[]);
    assert_eq!(recovered["pending"], 1, "{recovered}");
    assert_eq!(
        recovered["left_pending"], 1,
        "not executed, its client may still resend: {recovered}"
    );
    let reply = quick_client(&context, &endpoint)
        .send_order(req_id, &common::market("EURUSD", OrderType::Buy, 0.03))
        .unwrap();
    let result = reply.result.expect("the resend executes");
    assert_eq!(result["reconciled"], false);
    gateway.kill().unwrap();
    gateway.wait().unwrap();
    assert_eq!(
        deals_on_books(data_dir.path(), req_id),
        vec![result["deal"].as_u64().unwrap()]
    );
}
