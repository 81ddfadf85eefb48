//! The options of the simulated terminal (`serve`, `demo`, `terminal`) and of the gateway's link
//! to a terminal process.

use std::time::Duration;

use clap::Args;

use super::values::{parse_balance, parse_fraction, parse_timeout};
use crate::remote::{RemoteOptions, DEFAULT_ORDER_TIMEOUT, DEFAULT_QUERY_TIMEOUT};
use crate::terminal::{Fault, SimulatorOptions, DEFAULT_BALANCE};

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
