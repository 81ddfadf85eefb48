//! `demo`: gateway, simulated terminal and concurrent clients in one process, faults on, then an
//! audit of every answer against the terminal's books.

mod audit;
mod report;
mod workload;

pub use audit::{audit, Audit, ClientRecord};
pub use workload::{orders, DemoOrder};

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cli::DemoArgs;
use crate::clock::unix_ms;
use crate::execution::{scaled_policy, EXECUTION_POLICY, SOCKET_POLICY};
use crate::gateway::{GatewayConfig, DEFAULT_HISTORY_LAG};
use crate::server::{start, ServerOptions, StartError, REPLY_DROP_SHARE};
use crate::transport::{
    ClientOptions, LazyPirateClient, OrderClient, RouterOptions, DEFAULT_REPLY_TIMEOUT,
    OUTCOME_POLICY,
};

/// Terminal fault rate of the demo when none is given.
pub const DEFAULT_DEMO_FAULT_RATE: f64 = 0.2;
/// Shortest reply timeout of a time-scaled client: below this, normal latency reads as loss.
const MIN_REPLY_TIMEOUT: Duration = Duration::from_millis(250);

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The gateway did not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The runtime or the data directory could not be set up.
    #[error("{0}")]
    Setup(#[from] std::io::Error),
}

/// Deletes the demo's temporary data directory at the end.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the demo, prints the report, and returns the audit.
pub fn run(args: &DemoArgs) -> Result<Audit, DemoError> {
    let started = Instant::now();
    let fault_rate = args.sim.fault_rate.unwrap_or(DEFAULT_DEMO_FAULT_RATE);
    let scale = args.time_scale;
    let (data_dir, _cleanup) = match &args.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "wait-or-die-demo-{}-{}",
                std::process::id(),
                unix_ms()
            ));
            (dir.clone(), Some(TempDir(dir)))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let context = zmq::Context::new();
    let options = ServerOptions {
        router: RouterOptions {
            reply_drop_rate: fault_rate * REPLY_DROP_SHARE,
            seed: args.sim.seed,
            ..RouterOptions::new("tcp://127.0.0.1:*")
        },
        data_dir: Some(data_dir),
        simulator: args.sim.simulator_options(DEFAULT_DEMO_FAULT_RATE),
        gateway: GatewayConfig {
            execution_policy: scaled_policy(EXECUTION_POLICY, scale),
            reconcile_policy: scaled_policy(SOCKET_POLICY, scale),
            history_lag: DEFAULT_HISTORY_LAG.mul_f64(scale),
            ..GatewayConfig::default()
        },
    };
    let running = start(&context, &options, runtime.handle().clone())?;
    let client_options = ClientOptions {
        reply_timeout: DEFAULT_REPLY_TIMEOUT.mul_f64(scale).max(MIN_REPLY_TIMEOUT),
        policy: scaled_policy(SOCKET_POLICY, scale),
        ..ClientOptions::new(running.endpoint())
    };
    let outcome_policy = scaled_policy(OUTCOME_POLICY, scale);
    let orders = orders(args.orders, args.sim.seed);
    println!(
        "wait-or-die gateway demo: {} orders from {} clients to {} ({}% terminal faults, seed {})",
        orders.len(),
        args.clients,
        running.endpoint(),
        fault_rate * 100.0,
        args.sim.seed
    );

    let next = AtomicUsize::new(0);
    let answered = AtomicUsize::new(0);
    let records = Mutex::new(Vec::with_capacity(orders.len()));
    std::thread::scope(|scope| {
        for _ in 0..args.clients {
            scope.spawn(|| {
                let transport = LazyPirateClient::new(&context, client_options.clone());
                let mut client = OrderClient::new(transport, outcome_policy);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(order) = orders.get(index) else {
                        break;
                    };
                    let record = ClientRecord::send(&mut client, order);
                    records
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(record);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        show_progress(&answered, orders.len());
    });

    let records = records.into_inner().unwrap_or_else(|p| p.into_inner());
    let audit = audit(
        &records,
        &running.terminal.audit_deals(),
        &running.terminal.audit_orders(),
    );
    let facts = report::RunFacts {
        clients: usize::from(args.clients),
        fault_rate,
        reply_drop_rate: options.router.reply_drop_rate,
        seed: args.sim.seed,
        time_scale: scale,
        terminal_faults: running.terminal.faults_injected(),
        counters: running.gateway.counters().snapshot(),
        wall: started.elapsed(),
    };
    print!("{}", report::render(&audit, &facts));
    drop(running);
    Ok(audit)
}

/// Prints how many orders are answered until all are.
fn show_progress(answered: &AtomicUsize, total: usize) {
    let tty = std::io::stderr().is_terminal();
    let mut last_line = Instant::now();
    loop {
        let done = answered.load(Ordering::Relaxed);
        if tty {
            let width = 40;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            eprint!(
                "\r  [{}{}] {done}/{total} orders answered",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            let _ = std::io::stderr().flush();
        } else if last_line.elapsed() >= Duration::from_secs(2) || done == total {
            eprintln!("  {done}/{total} orders answered");
            last_line = Instant::now();
        }
        if done >= total {
            if tty {
                eprintln!();
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
