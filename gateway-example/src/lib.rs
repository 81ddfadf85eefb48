//! A ZeroMQ JSON order gateway in front of a simulated MetaTrader 5 terminal.
//!
//! Clients send JSON requests (orders, closes, modifications, cancels) over a ROUTER socket; each
//! is journaled by its `req_id`, executed against a [`terminal::Terminal`] with retries,
//! reconciled against the terminal's books when the outcome is unknown, and answered exactly
//! once. The retried calls mirror the seed integration:
//! socket round trips (30 s budget, 10 retries, 0.5 s → 5 s) and order execution (30 s, 5 retries,
//! 1 s → 10 s).
//!
//! The modules, in reading order: where the retries are first, then what they call and record,
//! then how requests reach them, then what operators see, then the plumbing and the binary.
//!
//! | module | job |
//! |---|---|
//! | [`execution`] | executing one intent (open, close, modify, cancel) with `#[wait_or_die]`, reconciling ambiguous outcomes |
//! | [`terminal`] | the MT5-shaped `Terminal` trait and the simulator behind it |
//! | [`journal`] | the durable intent journal keyed by `req_id`, with the tickets each intent took |
//! | [`gateway`] | request handling: idempotency, in-flight joining, key locks, recovery |
//! | [`protocol`] | the JSON request and reply frames |
//! | [`transport`] | the ROUTER socket thread and the Lazy Pirate client |
//! | [`remote`] | the simulator as a process of its own, and the gateway's link to it |
//! | [`security`] | HMAC-SHA256 request signatures |
//! | [`server`] | assembling and starting a gateway |
//! | [`live_config`] | the retry configuration file, re-read on SIGHUP |
//! | [`metrics`] | the `/metrics` endpoint: retry sites and gateway counters for Prometheus |
//! | [`site_table`] | the retry table of the report, `STATS` and `stats` |
//! | [`site_advice`] | retry advice per site, and the configuration file that applies it |
//! | [`progress`] | retry progress lines for the `send` command |
//! | [`log_limit`] | rate-limited log lines for refused requests |
//! | [`store`] | opening the `redb` databases of the journal and the simulated terminal |
//! | [`clock`] | wall-clock milliseconds since the Unix epoch, as the protocol and journal record them |
//! | [`demo`], [`cli`], [`commands`] | the binary's subcommands |
#![deny(missing_docs)]

// Where the retries are: one intent executed exactly once, with `#[wait_or_die]`.
pub mod execution;
// What execution calls: the MT5-shaped terminal trait and its simulator.
pub mod terminal;
// What execution records: the durable intent journal keyed by `req_id`.
pub mod journal;
// Request handling: idempotency, in-flight joining, key locks, recovery.
pub mod gateway;
// The JSON request and reply frames.
pub mod protocol;
// The ROUTER socket thread and the Lazy Pirate client.
pub mod transport;
// The simulated terminal as a process of its own, and the link to it.
pub mod remote;
// HMAC-SHA256 request and reply signatures.
pub mod security;
// Assembling and starting a gateway.
pub mod server;
// The retry configuration file, re-read on SIGHUP.
pub mod live_config;
// The `/metrics` endpoint for Prometheus.
pub mod metrics;
// The retry table of the report, `STATS` and `stats`.
pub mod site_table;
// Retry advice per site, and the configuration file that applies it.
pub mod site_advice;
// Retry progress lines for the `send` command.
pub mod progress;
// Rate-limited log lines for refused requests.
pub mod log_limit;
// Opening the embedded `redb` databases.
pub mod store;
// Wall-clock milliseconds since the Unix epoch.
pub mod clock;
// The binary's default subcommand: a terminal, a gateway and clients, then an audit.
pub mod demo;
// The binary's command line: the subcommands and their arguments.
pub mod cli;
// The `serve`, `terminal`, `send` and `stats` subcommands, and log set-up.
pub mod commands;
