//! Command-line interface: `demo` (the default), `serve`, `terminal`, `send`, `stats` and
//! `journal`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::remote::DEFAULT_TERMINAL_ENDPOINT;
use crate::server::DEFAULT_BIND;
use crate::terminal::OrderType;
use values::{parse_frame_limit, parse_json, parse_order_type, parse_seconds, parse_time_scale};

mod terminal_args;
mod values;

pub use terminal_args::{LinkArgs, SimArgs};
pub use values::ArgError;

/// Largest `--max-frame-bytes` accepted: 64 MiB. libzmq's `MAXMSGSIZE` is raised with the limit
/// (see [`crate::transport::transport_limit_for`]), and one client's frame should not cost the
/// gateway more memory than this.
pub const MAX_FRAME_BYTES_LIMIT: usize = 64 * 1024 * 1024;
/// Longest `send --timeout`: a day.
pub(crate) const MAX_SEND_TIMEOUT_SECS: f64 = 86_400.0;
/// Largest `--time-scale`: every retry wait a hundred times the seed's.
pub(crate) const MAX_TIME_SCALE: f64 = 100.0;

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
    /// Read or settle a stopped gateway's journal: list the pending intents, or settle one by
    /// hand from the terminal's books when the gateway cannot tell whose record is whose.
    Journal(JournalArgs),
}

/// Options of `journal`.
#[derive(Debug, Clone, Args)]
pub struct JournalArgs {
    /// The stopped gateway's data directory [default: $XDG_STATE_HOME/wait-or-die-gateway].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: JournalCommand,
}

/// What `journal` does.
#[derive(Debug, Clone, Subcommand)]
pub enum JournalCommand {
    /// Print every pending intent, oldest first, one JSON object a line.
    Pending,
    /// Settle one pending intent as the terminal's books show it; its resends get that answer.
    Settle(SettleArgs),
}

/// Options of `journal settle`: the intent, and exactly one verdict.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("verdict").required(true).args(["executed_order", "not_executed"])))]
pub struct SettleArgs {
    /// The pending intent's `req_id`.
    #[arg(long)]
    pub req_id: uuid::Uuid,
    /// It executed: this is the ticket of the order it made.
    #[arg(long, value_name = "TICKET")]
    pub executed_order: Option<u64>,
    /// Nothing on the books is its: a resend of its `req_id` executes it anew.
    #[arg(long)]
    pub not_executed: bool,
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
    /// Write the run's retry advice as a configuration file to FILE, to review and install as
    /// WAIT_OR_DIE_CONFIG for the next run (the demo reads the file that variable names).
    #[arg(long, value_name = "FILE")]
    pub advice_toml: Option<PathBuf>,
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
    /// Print only the retry advice per site: which setting to change, and the numbers behind it.
    #[arg(long)]
    pub advice: bool,
    /// Write the retry advice as a configuration file to FILE, to review and install as
    /// WAIT_OR_DIE_CONFIG (then send SIGHUP).
    #[arg(long, value_name = "FILE")]
    pub advice_toml: Option<PathBuf>,
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
    /// The action to send (ORDER_SEND, POSITION_CLOSE, ORDER_MODIFY, ORDER_CANCEL, POSITIONS,
    /// ORDERS, ACCOUNT_INFO, ORDER_STATUS, SYMBOL_INFO, PING, STATS). ORDER_SEND takes the order
    /// from the flags below unless --payload is given; the others take --payload.
    #[arg(long, default_value = "ORDER_SEND")]
    pub action: String,
    /// The action's payload as JSON, e.g. '{"position": 100000002, "volume": 0.01}'.
    #[arg(long, value_parser = parse_json)]
    pub payload: Option<serde_json::Value>,
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

#[cfg(test)]
mod tests;
