//! Reading the command line's numbers and names, each refused with what is allowed.

use std::time::Duration;

use super::{MAX_FRAME_BYTES_LIMIT, MAX_SEND_TIMEOUT_SECS, MAX_TIME_SCALE};
use crate::terminal::OrderType;

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
    /// Not JSON.
    #[error("`{0}` is not JSON: {1}")]
    Json(String, String),
    /// Not a positive, finite amount of money.
    #[error("`{0}` is not a positive balance in USD")]
    Balance(String),
}

pub(super) fn parse_order_type(name: &str) -> Result<OrderType, ArgError> {
    OrderType::from_name(name).ok_or_else(|| ArgError::OrderType(name.to_owned()))
}

pub(super) fn parse_fraction(text: &str) -> Result<f64, ArgError> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(ArgError::Fraction(text.to_owned())),
    }
}

pub(super) fn parse_balance(text: &str) -> Result<f64, ArgError> {
    match text.parse::<f64>() {
        Ok(balance) if balance > 0.0 && balance.is_finite() => Ok(balance),
        _ => Err(ArgError::Balance(text.to_owned())),
    }
}

pub(super) fn parse_frame_limit(text: &str) -> Result<usize, ArgError> {
    match text.parse::<usize>() {
        Ok(bytes) if (1..=MAX_FRAME_BYTES_LIMIT).contains(&bytes) => Ok(bytes),
        _ => Err(ArgError::FrameLimit(text.to_owned())),
    }
}

pub(super) fn parse_seconds(text: &str) -> Result<Duration, ArgError> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= MAX_SEND_TIMEOUT_SECS => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(ArgError::Seconds(text.to_owned())),
    }
}

pub(super) fn parse_timeout(text: &str) -> Result<f64, ArgError> {
    parse_seconds(text).map(|_| text.parse().unwrap_or_default())
}

pub(super) fn parse_time_scale(text: &str) -> Result<f64, ArgError> {
    match text.parse::<f64>() {
        Ok(value) if value > 0.0 && value <= MAX_TIME_SCALE => Ok(value),
        _ => Err(ArgError::TimeScale(text.to_owned())),
    }
}

pub(super) fn parse_json(text: &str) -> Result<serde_json::Value, ArgError> {
    serde_json::from_str(text).map_err(|e| ArgError::Json(text.to_owned(), e.to_string()))
}
