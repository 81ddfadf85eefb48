//! The simulated terminal as a process of its own, and the gateway's link to it.
//!
//! A real MetaTrader 5 terminal is a separate process that keeps executing while the gateway
//! restarts, and the MetaTrader5 Python package reaches it over IPC with timeouts of its own.
//! `gateway-example terminal` serves a [`SimulatedTerminal`](crate::terminal::SimulatedTerminal)
//! through a [`TerminalListener`]; `serve --terminal` reaches it through a [`RemoteTerminal`],
//! which implements the same [`Terminal`](crate::terminal::Terminal) trait. Each call is one JSON
//! [`CallFrame`], answered by one [`ReplyFrame`] with the same id (see [`wire`]).

mod client;
mod error;
mod link;
mod listener;
mod sends_in_flight;
pub mod wire;

pub use client::{
    RemoteOptions, RemoteTerminal, DEFAULT_ORDER_TIMEOUT, DEFAULT_QUERY_TIMEOUT,
    DEFAULT_TERMINAL_ENDPOINT,
};
pub use error::LinkError;
pub use listener::{TerminalListener, MAX_CALLS_IN_FLIGHT};
pub use wire::{read_call, AuditView, Call, CallFrame, ReplyFrame, WireError};
