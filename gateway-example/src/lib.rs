//! A ZeroMQ JSON order gateway in front of a simulated MetaTrader 5 terminal.
//!
//! Clients send JSON requests (orders, closes, modifications, cancels) over a ROUTER socket; each
//! is journaled by its `req_id`, executed against a [`terminal::Terminal`] with retries,
//! reconciled against the terminal's books when the outcome is unknown, and answered exactly
//! once. The retried calls mirror the seed integration:
//! socket round trips (30 s budget, 10 retries, 0.5 s → 5 s) and order execution (30 s, 5 retries,
//! 1 s → 10 s).
//!
//! | module | job |
//! |---|---|
//! | [`protocol`] | the JSON request and reply frames |
//! | [`terminal`] | the MT5-shaped `Terminal` trait and the simulator behind it |
//! | [`remote`] | the simulator as a process of its own, and the gateway's link to it |
//! | [`execution`] | executing one intent (open, close, modify, cancel) with `#[wait_or_die]`, reconciling ambiguous outcomes |
//! | [`journal`] | the durable intent journal keyed by `req_id`, with the tickets each intent took |
//! | [`gateway`] | request handling: idempotency, in-flight joining, key locks, recovery |
//! | [`transport`] | the ROUTER socket thread and the Lazy Pirate client |
//! | [`security`] | HMAC-SHA256 request signatures |
//! | [`log_limit`] | rate-limited log lines for refused requests |
//! | [`metrics`] | the `/metrics` endpoint: retry sites and gateway counters for Prometheus |
//! | [`live_config`] | the retry configuration file, re-read on SIGHUP |
//! | [`site_table`] | the retry table of the report, `STATS` and `stats` |
//! | [`progress`] | retry progress lines for the `send` command |
//! | [`server`] | assembling and starting a gateway |
//! | [`demo`], [`cli`], [`commands`] | the binary's subcommands |
#![deny(missing_docs)]

pub mod cli;
pub mod clock;
pub mod commands;
pub mod demo;
pub mod execution;
pub mod gateway;
pub mod journal;
pub mod live_config;
pub mod log_limit;
pub mod metrics;
pub mod progress;
pub mod protocol;
pub mod remote;
pub mod security;
pub mod server;
pub mod site_table;
pub mod store;
pub mod terminal;
pub mod transport;
