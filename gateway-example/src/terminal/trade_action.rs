//! What an `order_send` asks the trade server to do (`ENUM_TRADE_REQUEST_ACTIONS`) and how long a
//! pending order lives (`ENUM_ORDER_TYPE_TIME`), numbered as the MetaTrader5 Python package
//! numbers them; on the wire, the number or the name.

use super::constant::{self, Constant};
use super::OrderType;

/// The `action` of a trade request.
///
/// ```
/// use gateway_example::terminal::TradeAction;
///
/// let sltp: TradeAction = serde_json::from_str("6").unwrap();
/// assert_eq!(sltp, TradeAction::Sltp);
/// assert_eq!(serde_json::to_string(&sltp).unwrap(), r#""TRADE_ACTION_SLTP""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TradeAction {
    /// A market deal: open a position, or close one when `position` is set.
    #[default]
    Deal,
    /// Place a pending order.
    Pending,
    /// Change an open position's stop loss and take profit.
    Sltp,
    /// Change a pending order's prices and expiry.
    Modify,
    /// Delete a pending order.
    Remove,
}

impl TradeAction {
    /// The action that places an order of `order_type`: `DEAL` for a market order, `PENDING`
    /// otherwise.
    ///
    /// ```
    /// use gateway_example::terminal::{OrderType, TradeAction};
    ///
    /// assert_eq!(TradeAction::placing(OrderType::SellLimit), TradeAction::Pending);
    /// ```
    pub const fn placing(order_type: OrderType) -> TradeAction {
        if order_type.is_market() {
            TradeAction::Deal
        } else {
            TradeAction::Pending
        }
    }
}

impl Constant for TradeAction {
    const WHAT: &'static str = "trade action";
    const ALL: &'static [TradeAction] = &[
        TradeAction::Deal,
        TradeAction::Pending,
        TradeAction::Sltp,
        TradeAction::Modify,
        TradeAction::Remove,
    ];

    fn code(self) -> u32 {
        match self {
            TradeAction::Deal => 1,
            TradeAction::Pending => 5,
            TradeAction::Sltp => 6,
            TradeAction::Modify => 7,
            TradeAction::Remove => 8,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TradeAction::Deal => "TRADE_ACTION_DEAL",
            TradeAction::Pending => "TRADE_ACTION_PENDING",
            TradeAction::Sltp => "TRADE_ACTION_SLTP",
            TradeAction::Modify => "TRADE_ACTION_MODIFY",
            TradeAction::Remove => "TRADE_ACTION_REMOVE",
        }
    }
}

/// How long a pending order stays on the book (`type_time`).
///
/// ```
/// use gateway_example::terminal::OrderTime;
///
/// let specified: OrderTime = serde_json::from_str(r#""ORDER_TIME_SPECIFIED""#).unwrap();
/// assert_eq!(specified, OrderTime::Specified);
/// assert_eq!(serde_json::from_str::<OrderTime>("0").unwrap(), OrderTime::Gtc);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum OrderTime {
    /// Good till cancelled (MT5's default, 0).
    #[default]
    Gtc,
    /// Until the end of the trading day.
    Day,
    /// Until `expiration`.
    Specified,
    /// Until the end of the day of `expiration`.
    SpecifiedDay,
}

impl Constant for OrderTime {
    const WHAT: &'static str = "type_time";
    const ALL: &'static [OrderTime] = &[
        OrderTime::Gtc,
        OrderTime::Day,
        OrderTime::Specified,
        OrderTime::SpecifiedDay,
    ];

    fn code(self) -> u32 {
        self as u32
    }

    fn name(self) -> &'static str {
        match self {
            OrderTime::Gtc => "ORDER_TIME_GTC",
            OrderTime::Day => "ORDER_TIME_DAY",
            OrderTime::Specified => "ORDER_TIME_SPECIFIED",
            OrderTime::SpecifiedDay => "ORDER_TIME_SPECIFIED_DAY",
        }
    }
}

constant::serde_by_name!(TradeAction, OrderTime);
