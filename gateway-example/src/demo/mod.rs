//! `demo`: a simulated terminal process, then a gateway connected to it and concurrent clients
//! in the demo's process, faults on, then an audit of every answer against the terminal's books.
//! `--in-process` keeps the terminal in the demo's process too.

mod audit;
mod lifecycle;
mod report;
mod terminal_process;
mod workload;

pub use audit::{audit, Audit, ClientRecord, KindCounts};
pub use lifecycle::{IntentKind, Lifecycle};
pub use terminal_process::{TerminalProcess, TerminalProcessError, LISTENING};
pub use workload::{jobs, orders, DemoJob, DemoOrder};

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cli::DemoArgs;
use crate::clock::unix_ms;
use crate::execution::{scaled_policy, EXECUTION_POLICY, SOCKET_POLICY};
use crate::gateway::{GatewayConfig, DEFAULT_HISTORY_LAG};
use crate::remote::AuditView;
use crate::server::{
    start, start_remote, RunningGateway, ServerOptions, StartError, REPLY_DROP_SHARE,
    TERMINAL_SUBDIR,
};
use crate::site_advice;
use crate::terminal::TerminalError;
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
    /// The terminal process did not start.
    #[error(transparent)]
    TerminalProcess(#[from] TerminalProcessError),
    /// The terminal process did not answer the audit.
    #[error("reading the terminal's books: {0}")]
    Books(#[from] TerminalError),
}

/// Deletes the demo's temporary data directory at the end.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the demo, prints the report, and returns the audit.
///
/// The terminal runs as `gateway-example terminal`, started from this process's own binary:
/// call it from that binary, or pass `--in-process`.
pub fn run(args: &DemoArgs) -> Result<Audit, DemoError> {
    let started = Instant::now();
    let config = retry_config();
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
        data_dir: Some(data_dir.clone()),
        simulator: args.sim.simulator_options(DEFAULT_DEMO_FAULT_RATE),
        gateway: GatewayConfig {
            execution_policy: scaled_policy(EXECUTION_POLICY, scale),
            reconcile_policy: scaled_policy(SOCKET_POLICY, scale),
            history_lag: history_lag_bound(args),
            ..GatewayConfig::default()
        },
    };
    let run = DemoRun {
        args,
        config,
        gateway: &options.gateway,
        fault_rate,
        started,
        context: &context,
        reply_drop_rate: options.router.reply_drop_rate,
    };
    if args.in_process {
        let running = start(&context, &options, runtime.handle().clone())?;
        let simulator = &running.terminal;
        return run.drive(&running, || Ok(AuditView::of(simulator)));
    }
    // Field order is drop order: the gateway lets go of the terminal before it is killed.
    let terminal = TerminalProcess::spawn(
        &data_dir.join(TERMINAL_SUBDIR),
        &args.log_level,
        &args.sim.to_args(fault_rate),
    )?;
    let remote = args.link.remote_options(terminal.endpoint());
    let running = start_remote(&context, &options, remote, runtime.handle().clone())?;
    let audit = run.drive(&running, || running.terminal.audit());
    drop(running);
    drop(terminal);
    audit
}

/// How far the demo's gateway lets the history lag: the scaled default, or more if the
/// simulated terminal is told to lag further. A deal shows in the history its lag after it is
/// made, and it is made up to the longest injected latency after the send: a bound below both
/// would have the gateway call an executed intent unexecuted, as on a misconfigured gateway.
fn history_lag_bound(args: &DemoArgs) -> Duration {
    let terminal = Duration::from_millis(args.sim.sim_history_lag_ms + args.sim.max_latency_ms);
    DEFAULT_HISTORY_LAG.mul_f64(args.time_scale).max(terminal)
}

/// Applies the retry configuration file named by `WAIT_OR_DIE_CONFIG`, if any (an advice file
/// written by an earlier run, say); the outcome as a line for the report. A refused file leaves
/// the compiled-in policies in force, as it does for `serve`.
fn retry_config() -> Option<String> {
    match wait_or_die::config::load_from_env() {
        Ok(None) => None,
        Ok(Some(report)) => Some(report.to_string()),
        Err(refused) => Some(format!("{refused} (running with the compiled-in policies)")),
    }
}

/// One demo run's settings, whichever terminal it drives.
struct DemoRun<'a> {
    args: &'a DemoArgs,
    /// What the retry configuration file put in force, if one is named.
    config: Option<String>,
    /// The gateway's settings, for the policy each of its retry sites runs by.
    gateway: &'a GatewayConfig,
    fault_rate: f64,
    reply_drop_rate: f64,
    started: Instant,
    context: &'a zmq::Context,
}

impl DemoRun<'_> {
    /// Sends the orders from concurrent clients, then audits the answers against `books` and
    /// prints the report.
    fn drive<T>(
        &self,
        running: &RunningGateway<T>,
        books: impl FnOnce() -> Result<AuditView, TerminalError>,
    ) -> Result<Audit, DemoError> {
        let (args, scale) = (self.args, self.args.time_scale);
        let client_options = ClientOptions {
            reply_timeout: DEFAULT_REPLY_TIMEOUT.mul_f64(scale).max(MIN_REPLY_TIMEOUT),
            policy: scaled_policy(SOCKET_POLICY, scale),
            ..ClientOptions::new(running.endpoint())
        };
        let outcome_policy = scaled_policy(OUTCOME_POLICY, scale);
        let jobs = jobs(args.orders, args.sim.seed);
        println!(
            "wait-or-die gateway demo: {} jobs (orders and lifecycles) from {} clients to {} ({}% terminal faults, seed {})",
            jobs.len(),
            args.clients,
            running.endpoint(),
            self.fault_rate * 100.0,
            args.sim.seed
        );

        let next = AtomicUsize::new(0);
        let answered = AtomicUsize::new(0);
        let records = Mutex::new(Vec::with_capacity(jobs.len()));
        std::thread::scope(|scope| {
            for _ in 0..args.clients {
                scope.spawn(|| {
                    let transport = LazyPirateClient::new(self.context, client_options.clone());
                    let mut client = OrderClient::new(transport, outcome_policy);
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else {
                            break;
                        };
                        let done = job.run(&mut client);
                        records
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .extend(done);
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            show_progress(&answered, jobs.len());
        });

        let records = records.into_inner().unwrap_or_else(|p| p.into_inner());
        let books = books()?;
        let audit = audit(&records, &books);
        let policy_of = |site: &str| match site {
            "client.round_trip" => Some(client_options.policy),
            "client.await_outcome" => Some(outcome_policy),
            _ => self.gateway.site_policy(site),
        };
        let advice = site_advice::advise_all(&policy_of);
        if let Some(path) = &args.advice_toml {
            std::fs::write(path, wait_or_die::advice::to_toml(&advice))?;
        }
        let facts = report::RunFacts {
            clients: usize::from(args.clients),
            fault_rate: self.fault_rate,
            reply_drop_rate: self.reply_drop_rate,
            seed: args.sim.seed,
            time_scale: scale,
            terminal_faults: books.faults_injected,
            counters: running.gateway.counters().snapshot(),
            wall: self.started.elapsed(),
            config: self.config.clone(),
            advice: site_advice::render(&advice),
            advice_file: args.advice_toml.clone(),
        };
        print!("{}", report::render(&audit, &facts));
        Ok(audit)
    }
}

/// Prints how many jobs are answered until all are.
fn show_progress(answered: &AtomicUsize, total: usize) {
    let tty = std::io::stderr().is_terminal();
    let mut last_line = Instant::now();
    loop {
        let done = answered.load(Ordering::Relaxed);
        if tty {
            let width = 40;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            eprint!(
                "\r  [{}{}] {done}/{total} jobs answered",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            let _ = std::io::stderr().flush();
        } else if last_line.elapsed() >= Duration::from_secs(2) || done == total {
            eprintln!("  {done}/{total} jobs answered");
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
