//! A ZeroMQ JSON order gateway in front of a simulated MetaTrader 5 terminal.
//!
//! Clients send JSON orders over a ROUTER socket; each order is journaled by its `req_id`, executed
//! against a [`terminal::Terminal`] with retries, reconciled against the terminal's history when the
//! outcome is unknown, and answered exactly once. The retried calls mirror the seed integration:
//! socket round trips (30 s budget, 10 retries, 0.5 s → 5 s) and order execution (30 s, 5 retries,
//! 1 s → 10 s).

pub mod cli;
pub mod clock;
pub mod commands;
pub mod demo;
pub mod execution;
pub mod gateway;
pub mod journal;
pub mod protocol;
pub mod security;
pub mod server;
pub mod store;
pub mod terminal;
pub mod transport;
