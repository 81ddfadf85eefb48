//! Command-line interface: `demo` (the default), `serve`, `terminal`, `send` and `stats`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::server::DEFAULT_BIND;

/// Largest `--max-frame-bytes` accepted: 64 MiB. libzmq's `MAXMSGSIZE` is raised with the limit
/// (see [`crate::transport::transport_limit_for`]), and one client's frame should not cost the
/// gateway more memory than this.
pub const MAX_FRAME_BYTES_LIMIT: usize = 64 * 1024 * 1024;
/// Longest `send --timeout`: a day.
const MAX_SEND_TIMEOUT_SECS: f64 = 86_400.0;
/// Largest `--time-scale`: every retry wait a hundred times the seed's.
const MAX_TIME_SCALE: f64 = 100.0;
use crate::remote::{
    RemoteOptions, DEFAULT_ORDER_TIMEOUT, DEFAULT_QUERY_TIMEOUT, DEFAULT_TERMINAL_ENDPOINT,
};
use crate::terminal::{Fault, OrderType, SimulatorOptions, DEFAULT_BALANCE};

/// A ZeroMQ JSON order gateway in front of a simulated MetaTrader 5 terminal, retried with
/// #[wait_or_die].
#[derive(Debug, Parser)]
#[command(name = "gateway-example", version, about)]
pub struct Cli {
    /// What to run; `demo` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// A simulated terminal process, then the gateway and concurrent clients, with faults; ends
    /// with a report and exits non-zero if any order was lost or duplicated.
    Demo(DemoArgs),
    /// Serve the gateway until killed; SIGHUP re-reads the retry configuration file named by
    /// WAIT_OR_DIE_CONFIG.
    Serve(ServeArgs),
    /// Run the simulated MetaTrader 5 terminal as a process of its own, serving its calls over
    /// ZeroMQ until killed (`serve --terminal` connects to it).
    Terminal(TerminalArgs),
    /// Send one order to a running gateway and print the reply.
    Send(SendArgs),
    /// Print a running gateway's counters and retry table (its `STATS` action).
    Stats(StatsArgs),
}

/// Options of the simulated MetaTrader 5 terminal.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "mt5-sim")]
pub struct SimArgs {
    /// Fraction of order_send calls that fail (requotes, busy server, lost connections, executed
    /// orders whose reply is lost, partial fills, latency); a quarter as many replies are also
    /// dropped on the socket [default: 0.2 for demo, 0 for serve and terminal].
    #[arg(long, value_parser = parse_fraction)]
    pub fault_rate: Option<f64>,
    /// Seed of faults, prices and (in the demo) orders.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Longest injected terminal latency, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub max_latency_ms: u64,
    /// Faults for the first order_send calls, in order, before the seeded ones, e.g.
    /// `executed-then-reply-lost,requote,latency-500`: to replay an incident exactly.
    #[arg(long, value_delimiter = ',')]
    pub script: Vec<Fault>,
    /// How far the simulated terminal's history (history_deals_get, history_orders_get) lags
    /// its trade results, in milliseconds; positions and pending orders are always current.
    /// (`serve --history-lag-ms` is the gateway's bound on that lag.)
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub sim_history_lag_ms: u64,
    /// Make the broker replace every order's comment with this text (`{ticket}` becomes the
    /// ticket), as some brokers do: the gateway must not rely on its comment tag.
    #[arg(long)]
    pub rewrite_comments: Option<String>,
    /// The account's starting balance, in USD.
    #[arg(long, default_value_t = DEFAULT_BALANCE, value_parser = parse_balance)]
    pub balance: f64,
}

impl SimArgs {
    /// The simulator these options describe, with `default_fault_rate` when none was given.
    pub fn simulator_options(&self, default_fault_rate: f64) -> SimulatorOptions {
        SimulatorOptions {
            data_dir: None,
            fault_rate: self.fault_rate.unwrap_or(default_fault_rate),
            seed: self.seed,
            max_latency: Duration::from_millis(self.max_latency_ms),
            scripted: self.script.clone(),
            history_lag: Duration::from_millis(self.sim_history_lag_ms),
            rewrite_comments: self.rewrite_comments.clone(),
            balance: self.balance,
            ..SimulatorOptions::default()
        }
    }

    /// These options as `terminal` takes them on its command line, with `fault_rate` resolved.
    pub fn to_args(&self, fault_rate: f64) -> Vec<String> {
        let mut args = vec![
            "--fault-rate".to_owned(),
            fault_rate.to_string(),
            "--seed".to_owned(),
            self.seed.to_string(),
            "--max-latency-ms".to_owned(),
            self.max_latency_ms.to_string(),
            "--sim-history-lag-ms".to_owned(),
            self.sim_history_lag_ms.to_string(),
            "--balance".to_owned(),
            self.balance.to_string(),
        ];
        if let Some(text) = &self.rewrite_comments {
            args.extend(["--rewrite-comments".to_owned(), text.clone()]);
        }
        if !self.script.is_empty() {
            let script: Vec<String> = self.script.iter().map(Fault::to_string).collect();
            args.extend(["--script".to_owned(), script.join(",")]);
        }
        args
    }
}

/// How the gateway reaches a terminal in another process.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "terminal link")]
pub struct LinkArgs {
    /// How long order_send waits for the terminal's answer, in seconds; then the order counts as
    /// maybe executed, and is looked up before anything is sent again.
    #[arg(long, default_value_t = DEFAULT_ORDER_TIMEOUT.as_secs_f64(), value_parser = parse_timeout)]
    pub terminal_order_timeout: f64,
    /// How long every other terminal call (quotes, history) waits for its answer, in seconds.
    #[arg(long, default_value_t = DEFAULT_QUERY_TIMEOUT.as_secs_f64(), value_parser = parse_timeout)]
    pub terminal_query_timeout: f64,
}

impl LinkArgs {
    /// The link to the terminal at `endpoint` with these timeouts.
    pub fn remote_options(&self, endpoint: &str) -> RemoteOptions {
        RemoteOptions {
            order_timeout: Duration::from_secs_f64(self.terminal_order_timeout),
            query_timeout: Duration::from_secs_f64(self.terminal_query_timeout),
            ..RemoteOptions::new(endpoint)
        }
    }
}

/// Options of `terminal`.
#[derive(Debug, Clone, Args)]
pub struct TerminalArgs {
    /// Endpoint to listen on: loopback, ipc:// or inproc:// only (the link is unauthenticated).
    #[arg(long, default_value = DEFAULT_TERMINAL_ENDPOINT)]
    pub listen: String,
    /// Where the trade server keeps its books [default: $XDG_STATE_HOME/wait-or-die-gateway/mt5-sim,
    /// where `serve`'s in-process terminal keeps them].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Log level on stderr (off, error, warn, info, debug).
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Exit when stdin reaches its end: a parent that holds the other end (the demo) takes
    /// the terminal down with it however the parent ends, `kill -9` included.
    #[arg(long)]
    pub until_stdin_closes: bool,
    /// The simulated terminal.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Options of `demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Orders to send in all.
    #[arg(long, default_value_t = 300)]
    pub orders: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub clients: u16,
    /// Multiplies every retry wait and budget (1.0 = the seed's numbers; 0.1 runs ten times
    /// faster).
    #[arg(long, default_value_t = 1.0, value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Where to keep the journal and the terminal's books [default: a fresh temporary folder].
    /// An earlier run's folder with the same seed replays that run's orders from the journal:
    /// the seed fixes their req_ids.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Log level of retry events on stderr (off, error, warn, info, debug).
    #[arg(long, default_value = "off")]
    pub log_level: String,
    /// Run the simulated terminal inside the demo's own process instead of starting a
    /// `terminal` process.
    #[arg(long)]
    pub in_process: bool,
    /// The link to the terminal process.
    #[command(flatten)]
    pub link: LinkArgs,
    /// The simulated terminal.
    #[command(flatten)]
    pub sim: SimArgs,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs::parse_from(["demo"])
    }
}

#[derive(Parser)]
struct DemoOnly {
    #[command(flatten)]
    args: DemoArgs,
}

impl DemoArgs {
    fn parse_from<const N: usize>(argv: [&str; N]) -> DemoArgs {
        DemoOnly::parse_from(argv).args
    }
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Endpoint to bind. Anything but loopback, ipc:// or inproc:// needs --key-file.
    #[arg(long, default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Where to keep the journal and the terminal's books [default: $XDG_STATE_HOME/wait-or-die-gateway].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// File holding the shared HMAC key (at least 16 bytes); requests must then be signed.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// Multiplies every retry wait and budget (1.0 = the seed's numbers).
    #[arg(long, default_value_t = 1.0, value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Largest request frame answered, at most 64 MiB; larger ones get `frame_too_large`.
    #[arg(long, default_value_t = crate::gateway::DEFAULT_MAX_FRAME_BYTES, value_parser = parse_frame_limit)]
    pub max_frame_bytes: usize,
    /// How far the terminal's history may lag its trade results: nothing missing from the
    /// history counts as never executed until this long after the send [default: 500 times
    /// --time-scale].
    #[arg(long, value_name = "MS")]
    pub history_lag_ms: Option<u64>,
    /// Log level on stderr (off, error, warn, info, debug).
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Serve Prometheus metrics at http://ADDRESS/metrics, e.g. 127.0.0.1:9464 (port 0 picks a
    /// free one).
    #[arg(long, value_name = "ADDRESS")]
    pub metrics: Option<String>,
    /// Reach a `gateway-example terminal` process at ENDPOINT instead of simulating the
    /// terminal in this process (the simulator options then only set the socket's dropped
    /// replies).
    #[arg(long, value_name = "ENDPOINT")]
    pub terminal: Option<String>,
    /// The link to the terminal process.
    #[command(flatten)]
    pub link: LinkArgs,
    /// The simulated terminal.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Options of `stats`.
#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// Gateway endpoint.
    #[arg(long, default_value = DEFAULT_BIND)]
    pub connect: String,
    /// File holding the shared HMAC key, if the gateway wants signatures.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// Print the reply's JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Give up after this many seconds without a reply (resends included).
    #[arg(long, default_value = "10", value_parser = parse_seconds)]
    pub timeout: Duration,
}

/// Options of `send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// Gateway endpoint.
    #[arg(long, default_value = DEFAULT_BIND)]
    pub connect: String,
    /// Symbol.
    #[arg(long, default_value = "EURUSD")]
    pub symbol: String,
    /// Order type: OP_BUY, OP_SELL, ORDER_TYPE_BUY_LIMIT...
    #[arg(long = "type", default_value = "OP_BUY", value_parser = parse_order_type)]
    pub order_type: OrderType,
    /// Lots.
    #[arg(long, default_value_t = 0.01)]
    pub volume: f64,
    /// Trigger price (pending orders only).
    #[arg(long)]
    pub price: Option<f64>,
    /// Stop loss.
    #[arg(long, default_value_t = 0.0)]
    pub sl: f64,
    /// Take profit.
    #[arg(long, default_value_t = 0.0)]
    pub tp: f64,
    /// Request id to use (resend an earlier order by giving its id) [default: a new UUID].
    #[arg(long)]
    pub req_id: Option<uuid::Uuid>,
    /// File holding the shared HMAC key, if the gateway wants signatures.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// How long one attempt waits for the reply, in milliseconds (less when the call has less
    /// time left before --timeout).
    #[arg(long, default_value_t = 1000)]
    pub reply_timeout_ms: u64,
    /// Give up after this many seconds without a final reply (resends included).
    #[arg(long, default_value = "60", value_parser = parse_seconds)]
    pub timeout: Duration,
}

/// A command-line value that is out of range or unreadable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArgError {
    /// Not an order type's name.
    #[error("unknown order type `{0}`; expected OP_BUY, OP_SELL or an ORDER_TYPE_* name")]
    OrderType(String),
    /// Not in `[0, 1]`.
    #[error("`{0}` is not a fraction between 0 and 1")]
    Fraction(String),
    /// Not in `(0, 100]`.
    #[error("`{0}` is not a time scale in (0, {MAX_TIME_SCALE}]")]
    TimeScale(String),
    /// Not in `1..=MAX_FRAME_BYTES_LIMIT`.
    #[error("`{0}` is not a frame size between 1 and {MAX_FRAME_BYTES_LIMIT} bytes")]
    FrameLimit(String),
    /// Not a positive number of seconds up to a day.
    #[error("`{0}` is not a number of seconds in (0, {MAX_SEND_TIMEOUT_SECS}]")]
    Seconds(String),
    /// Not a positive, finite amount of money.
    #[error("`{0}` is not a positive balance in USD")]
    Balance(String),
}

fn parse_order_type(name: &str) -> Result<OrderType, ArgError> {
    OrderType::from_name(name).ok_or_else(|| ArgError::OrderType(name.to_owned()))
}

fn parse_fraction(text: &str) -> Result<f64, ArgError> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(ArgError::Fraction(text.to_owned())),
    }
}

fn parse_balance(text: &str) -> Result<f64, ArgError> {
    match text.parse::<f64>() {
        Ok(balance) if balance > 0.0 && balance.is_finite() => Ok(balance),
        _ => Err(ArgError::Balance(text.to_owned())),
    }
}

fn parse_frame_limit(text: &str) -> Result<usize, ArgError> {
    match text.parse::<usize>() {
        Ok(bytes) if (1..=MAX_FRAME_BYTES_LIMIT).contains(&bytes) => Ok(bytes),
        _ => Err(ArgError::FrameLimit(text.to_owned())),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, ArgError> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= MAX_SEND_TIMEOUT_SECS => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(ArgError::Seconds(text.to_owned())),
    }
}

fn parse_timeout(text: &str) -> Result<f64, ArgError> {
    parse_seconds(text).map(|_| text.parse().unwrap_or_default())
}

fn parse_time_scale(text: &str) -> Result<f64, ArgError> {
    match text.parse::<f64>() {
        Ok(value) if value > 0.0 && value <= MAX_TIME_SCALE => Ok(value),
        _ => Err(ArgError::TimeScale(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_refused_with_what_is_allowed() {
        assert_eq!(parse_fraction("0.2"), Ok(0.2));
        assert_eq!(parse_fraction("1.5"), Err(ArgError::Fraction("1.5".into())));
        assert_eq!(parse_time_scale("0"), Err(ArgError::TimeScale("0".into())));
        assert_eq!(parse_frame_limit("65536"), Ok(65536));
        let too_big = parse_frame_limit("4000000000").unwrap_err();
        assert!(too_big.to_string().contains("67108864 bytes"), "{too_big}");
        assert_eq!(parse_seconds("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_seconds("-1").is_err() && parse_seconds("nan").is_err());
        assert!(parse_order_type("OP_HODL").is_err());
        assert_eq!(parse_timeout("0.25"), Ok(0.25));
        assert!(parse_timeout("0").is_err());
    }

    #[test]
    fn simulator_options_pass_through_to_a_terminal_process() {
        let demo = DemoArgs::parse_from([
            "demo",
            "--seed",
            "9",
            "--script",
            "requote,latency-40,executed-then-slow-reply-900",
            "--sim-history-lag-ms",
            "250",
            "--rewrite-comments",
            "#{ticket}",
            "--balance",
            "1e6",
        ]);
        let args = demo.sim.to_args(0.3);
        let terminal =
            TerminalOnly::parse_from(std::iter::once("terminal".to_owned()).chain(args)).args;
        assert_eq!(terminal.sim.fault_rate, Some(0.3));
        assert_eq!(terminal.sim.seed, 9);
        assert_eq!(terminal.sim.script, demo.sim.script);
        let options = terminal.sim.simulator_options(0.0);
        assert_eq!(options.history_lag, Duration::from_millis(250));
        assert_eq!(options.rewrite_comments.as_deref(), Some("#{ticket}"));
        assert_eq!(options.balance, 1e6);
        assert!(parse_balance("0").is_err() && parse_balance("inf").is_err());
    }

    #[test]
    fn every_command_line_is_well_formed() {
        // clap's own checks: among them, no two options of one command share a name.
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let serve = Cli::parse_from(["gateway-example", "serve", "--history-lag-ms", "300"]);
        assert!(matches!(serve.command, Some(Command::Serve(s)) if s.history_lag_ms == Some(300)));
    }

    #[derive(Parser)]
    struct TerminalOnly {
        #[command(flatten)]
        args: TerminalArgs,
    }
}
