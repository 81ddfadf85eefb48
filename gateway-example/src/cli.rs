//! Command-line interface: `demo` (the default), `serve`, `send` and `stats`.

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
use crate::terminal::{Fault, OrderType, SimulatorOptions};

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
    /// Gateway, simulated terminal and concurrent clients in one process, with faults; ends with
    /// a report and exits non-zero if any order was lost or duplicated.
    Demo(DemoArgs),
    /// Serve the gateway until killed; SIGHUP re-reads the retry configuration file named by
    /// WAIT_OR_DIE_CONFIG.
    Serve(ServeArgs),
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
    /// dropped on the socket [default: 0.2 for demo, 0 for serve].
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
            ..SimulatorOptions::default()
        }
    }
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
    }
}
