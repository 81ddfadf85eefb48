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
use gateway_example::server::TERMINAL_SUBDIR;
use gateway_example::terminal::Ledger;
use gateway_example::transport::{ClientOptions, LazyPirateClient, OrderClient};
use uuid::Uuid;
use wait_or_die::Policy;

const ORDERS: usize = 240;
const CLIENTS: usize = 6;
const KILLS: usize = 2;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` and waits for it to listen; returns the child and its recovery line.
fn serve(endpoint: &str, data_dir: &Path, seed: u64) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway-example"))
        .args(["serve", "--bind", endpoint, "--data-dir"])
        .arg(data_dir)
        .args([
            "--time-scale",
            "0.02",
            "--fault-rate",
            "0.25",
            "--max-latency-ms",
            "30",
        ])
        .args(["--seed", &seed.to_string(), "--log-level", "off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the gateway binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let recovered = lines.next().unwrap().unwrap();
    let listening = lines.next().unwrap().unwrap();
    assert!(recovered.starts_with("recovered "), "{recovered}");
    assert!(listening.starts_with("listening on "), "{listening}");
    (child, recovered)
}

#[test]
fn kill_9_mid_stream_then_restart_loses_and_duplicates_nothing() {
    let data_dir = tempfile::tempdir().unwrap();
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
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
                    let req_id = Uuid::new_v4();
                    let sent = Instant::now();
                    let reply = client.send_order(req_id, order).map_err(|e| e.to_string());
                    records.lock().unwrap().push(ClientRecord {
                        req_id,
                        order: order.clone(),
                        reply,
                        latency: sent.elapsed(),
                    });
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
                    started.elapsed() < Duration::from_secs(90),
                    "stalled before kill {kill}"
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
    let audit = audit(&records, &ledger.deals(&all), &ledger.orders(&all));
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
