//! The `serve`, `terminal`, `send` and `stats` subcommands, and log set-up.

use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use wait_or_die::{Policy, PolicyError};

use crate::cli::{JournalArgs, JournalCommand, SendArgs, ServeArgs, StatsArgs, TerminalArgs};
use crate::demo::DemoError;
use crate::execution::{scaled_policy, EXECUTION_POLICY, SOCKET_POLICY};
use crate::gateway::{GatewayConfig, GatewayStats, DEFAULT_HISTORY_LAG};
use crate::journal::{Journal, JournalError, SettleError, Verdict, DEFAULT_JOURNAL_TTL};
use crate::live_config::{self, LiveConfigError};
use crate::metrics::{registry, MetricsError, MetricsServer, METRICS_PATH};
use crate::progress::RetryProgress;
use crate::protocol::{Action, OrderSpec, ProtocolError};
use crate::remote::{LinkError, TerminalListener};
use crate::security::{AuthError, SharedKey};
use crate::server::{
    default_data_dir, start, start_remote, RunningGateway, ServerOptions, StartError,
    REPLY_DROP_SHARE, TERMINAL_SUBDIR,
};
use crate::terminal::{LedgerError, SimulatedTerminal};
use crate::transport::{
    ClientOptions, LazyPirateClient, OrderClient, OrderClientError, RouterOptions, OUTCOME_POLICY,
};

/// Sends `tracing` events at `level` and above to stderr; an unknown level means `info`.
pub fn init_logging(level: &str) {
    let filter = LevelFilter::from_str(level).unwrap_or(LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Serves until the process is killed. Prints the recovery report and the bound endpoint on
/// stdout first, so that scripts (and the crash test) know when it is ready.
pub fn serve(args: &ServeArgs) -> Result<bool, CommandError> {
    init_logging(&args.log_level);
    let key = load_key(args.key_file.as_deref())?;
    // Before any signal can arrive: following the file replaces SIGHUP's default (ending the
    // process) with a reload.
    if let Some(outcome) = live_config::follow_from_env()? {
        eprintln!("{outcome}");
    }
    let simulator = args.sim.simulator_options(0.0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CommandError::Runtime)?;
    let context = zmq::Context::new();
    let options = ServerOptions {
        router: RouterOptions {
            reply_drop_rate: simulator.fault_rate * REPLY_DROP_SHARE,
            seed: args.sim.seed,
            ..RouterOptions::new(args.bind.clone())
        },
        data_dir: Some(args.data_dir.clone().unwrap_or_else(default_data_dir)),
        simulator,
        gateway: GatewayConfig {
            execution_policy: scaled_policy(EXECUTION_POLICY, args.time_scale),
            reconcile_policy: scaled_policy(SOCKET_POLICY, args.time_scale),
            history_lag: args.history_lag_ms.map_or_else(
                || DEFAULT_HISTORY_LAG.mul_f64(args.time_scale),
                Duration::from_millis,
            ),
            max_frame_bytes: args.max_frame_bytes,
            key,
            ..GatewayConfig::default()
        },
    };
    match &args.terminal {
        Some(terminal) => {
            let remote = args.link.remote_options(terminal);
            let running = start_remote(&context, &options, remote, runtime.handle().clone())?;
            serve_until_killed(&running, args.metrics.as_deref())
        }
        None => {
            let running = start(&context, &options, runtime.handle().clone())?;
            serve_until_killed(&running, args.metrics.as_deref())
        }
    }
}

/// Announces a started gateway on stdout, serves `/metrics` if asked, and parks forever.
fn serve_until_killed<T>(
    running: &RunningGateway<T>,
    metrics: Option<&str>,
) -> Result<bool, CommandError> {
    let recovery = serde_json::to_string(&running.recovery).expect("reports serialize");
    println!("recovered {recovery}");
    let _exporter = match metrics {
        Some(address) => {
            let server = MetricsServer::start(address, registry(Arc::clone(&running.gateway)))?;
            println!("metrics on http://{}{METRICS_PATH}", server.address());
            Some(server)
        }
        None => None,
    };
    println!("listening on {}", running.endpoint());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

/// Runs the simulated terminal until the process is killed, serving its calls at `--listen`.
/// Prints `terminal listening on ENDPOINT` on stdout once it listens.
pub fn terminal(args: &TerminalArgs) -> Result<bool, CommandError> {
    init_logging(&args.log_level);
    let mut simulator = args.sim.simulator_options(0.0);
    simulator.data_dir = Some(
        args.data_dir
            .clone()
            .unwrap_or_else(|| default_data_dir().join(TERMINAL_SUBDIR)),
    );
    let terminal = Arc::new(SimulatedTerminal::open(&simulator).map_err(CommandError::Books)?);
    // Calls run on the runtime's blocking threads; it needs no more than one async worker.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(CommandError::Runtime)?;
    let context = zmq::Context::new();
    let listener =
        TerminalListener::start(&context, &args.listen, terminal, runtime.handle().clone())?;
    println!("terminal listening on {}", listener.endpoint());
    let _ = std::io::stdout().flush();
    if args.until_stdin_closes {
        // Read until the parent's end of the pipe closes; nothing is expected on it.
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        tracing::info!("stdin closed: the terminal stops");
        return Ok(true);
    }
    loop {
        std::thread::park();
    }
}

/// Asks a running gateway for its `STATS` and prints them as the demo's report does (or as JSON
/// with `--json`).
pub fn stats(args: &StatsArgs) -> Result<bool, CommandError> {
    let key = load_key(args.key_file.as_deref())?;
    let policy = SOCKET_POLICY.to_builder().timeout(args.timeout).build()?;
    let context = zmq::Context::new();
    let options = ClientOptions {
        policy,
        key,
        ..ClientOptions::new(args.connect.clone())
    };
    let mut client = OrderClient::new(LazyPirateClient::new(&context, options), OUTCOME_POLICY);
    let request = serde_json::json!({"action": "STATS", "req_id": uuid::Uuid::new_v4()});
    let reply = client.call(&request)?;
    let Some(result) = reply.result.filter(|_| reply.ok) else {
        let error = reply.error.map_or_else(String::new, |e| e.message);
        return Err(CommandError::Stats(error));
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).expect("JSON values serialize")
        );
        return Ok(true);
    }
    let stats: GatewayStats =
        serde_json::from_value(result).map_err(|e| CommandError::Stats(e.to_string()))?;
    if let Some(path) = &args.advice_toml {
        write_advice(path, &stats.advice_toml)?;
        eprintln!(
            "wrote the retry advice of {} site(s) to {}",
            stats.advice.len(),
            path.display()
        );
    }
    if args.advice {
        for advice in &stats.advice {
            println!("{advice}");
        }
    } else if args.advice_toml.is_none() {
        print!("{}", stats.render());
    }
    Ok(true)
}

/// Writes an advice file.
pub fn write_advice(path: &std::path::Path, toml: &str) -> Result<(), CommandError> {
    std::fs::write(path, toml).map_err(|source| CommandError::Advice {
        path: path.display().to_string(),
        source,
    })
}

/// Sends one order and prints the reply; succeeds when the reply is `ok`. Every failed attempt
/// and every wait is shown on stderr as it happens, and the whole exchange stops at
/// `--timeout`; an exchange that ends without an answer says how to learn the outcome later.
pub fn send(args: &SendArgs) -> Result<bool, CommandError> {
    let action = action_to_send(args)?;
    let key = load_key(args.key_file.as_deref())?;
    let _ = tracing_subscriber::registry()
        .with(RetryProgress::new(std::io::stderr))
        .try_init();
    let within_timeout = |policy: Policy| policy.to_builder().timeout(args.timeout).build();
    let context = zmq::Context::new();
    let options = ClientOptions {
        reply_timeout: Duration::from_millis(args.reply_timeout_ms),
        policy: within_timeout(SOCKET_POLICY)?,
        key,
        ..ClientOptions::new(args.connect.clone())
    };
    eprintln!(
        "sending to {} (giving up after {:.1} s)",
        args.connect,
        args.timeout.as_secs_f64()
    );
    let transport = LazyPirateClient::new(&context, options);
    let mut client = OrderClient::new(transport, within_timeout(OUTCOME_POLICY)?);
    let req_id = args.req_id.unwrap_or_else(uuid::Uuid::new_v4);
    let reply = client.send(req_id, &action).inspect_err(|error| {
        if error.may_resend() {
            eprintln!(
                "the outcome of req_id {req_id} is unknown: it may have executed. Send the same \
                 request again with --req-id {req_id} (it never executes twice), or ask \
                 ORDER_STATUS about it"
            );
        }
    })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&reply).expect("replies serialize")
    );
    Ok(reply.ok)
}

/// What `send` sends: `--action` with `--payload`, or, for ORDER_SEND without a payload, the
/// order its flags describe. Refused before anything is sent, as the gateway would refuse it.
fn action_to_send(args: &SendArgs) -> Result<Action, ProtocolError> {
    if args.action == "ORDER_SEND" && args.payload.is_none() {
        let order = OrderSpec {
            price: args.price,
            sl: args.sl,
            tp: args.tp,
            ..OrderSpec::market(&args.symbol, args.order_type, args.volume)
        };
        order.validate()?;
        return Ok(Action::OrderSend(order));
    }
    Action::parse(&args.action, args.payload.clone())
}

/// `journal pending` and `journal settle`, on a stopped gateway's journal; `Ok(true)` when done.
pub fn journal(args: &JournalArgs) -> Result<bool, CommandError> {
    let dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let journal = Journal::open(Some(&dir), DEFAULT_JOURNAL_TTL)?;
    match &args.command {
        JournalCommand::Pending => {
            for (req_id, entry) in journal.pending()? {
                let line = serde_json::json!({"req_id": req_id, "entry": entry});
                println!("{line}");
            }
        }
        JournalCommand::Settle(settle) => {
            let verdict = match settle.executed_order {
                Some(order) => Verdict::Executed { order },
                None => Verdict::NotExecuted,
            };
            let reply = journal.settle_by_hand(settle.req_id, verdict, crate::clock::unix_ms())?;
            println!("{}", reply.to_json());
        }
    }
    Ok(true)
}

/// Reads the shared key from `path`, if one was given.
fn load_key(path: Option<&std::path::Path>) -> Result<Option<SharedKey>, AuthError> {
    path.map(SharedKey::from_file).transpose()
}

/// Why a subcommand could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The shared key could not be loaded.
    #[error("shared key: {0}")]
    Key(#[from] AuthError),
    /// The tokio runtime did not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The gateway did not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The terminal's books could not be opened.
    #[error("simulated terminal: {0}")]
    Books(#[source] LedgerError),
    /// The terminal's socket did not start.
    #[error("terminal: {0}")]
    Listen(#[from] LinkError),
    /// `--timeout` made an invalid retry policy.
    #[error("--timeout: {0}")]
    Timeout(#[from] PolicyError),
    /// The order got no final reply.
    #[error(transparent)]
    Send(#[from] OrderClientError),
    /// The demo could not run.
    #[error(transparent)]
    Demo(#[from] DemoError),
    /// The configuration file could not be followed.
    #[error(transparent)]
    Config(#[from] LiveConfigError),
    /// The metrics endpoint did not start.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// `--action` and `--payload` do not make a request the gateway would take.
    #[error("--action/--payload: {0}")]
    Request(#[from] ProtocolError),
    /// The journal could not be opened or read.
    #[error("journal: {0} (a running gateway holds its journal open: stop it first)")]
    Journal(#[from] JournalError),
    /// The intent could not be settled by hand.
    #[error(transparent)]
    Settle(#[from] SettleError),
    /// The gateway's `STATS` reply was a refusal or unreadable.
    #[error("STATS: {0}")]
    Stats(String),
    /// The advice file could not be written.
    #[error("cannot write the advice file {path}: {source}")]
    Advice {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}
