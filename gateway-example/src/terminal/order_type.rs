//! Order types as MetaTrader 5 numbers them, with the MT4 names clients still send.
//!
//! MT5's Python API takes `mt5.ORDER_TYPE_BUY`, which is the number 0, ...
//! `ORDER_TYPE_SELL_STOP_LIMIT` (7); the seed's clients send MT4's `OP_BUY`/`OP_SELL`. The number, the MT5 name and the MT4
//! name all parse to the same [`OrderType`], which serializes as the MT5 name.

use super::constant::{self, Constant};

/// Direction and kind of an order.
///
/// ```
/// use gateway_example::terminal::OrderType;
///
/// let sell_limit: OrderType = serde_json::from_str("3").unwrap();
/// assert_eq!(sell_limit, OrderType::SellLimit);
/// assert_eq!(serde_json::from_str::<OrderType>(r#""OP_SELLLIMIT""#).unwrap(), sell_limit);
/// assert_eq!(serde_json::to_string(&sell_limit).unwrap(), r#""ORDER_TYPE_SELL_LIMIT""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderType {
    /// Market buy at the ask.
    Buy,
    /// Market sell at the bid.
    Sell,
    /// Pending buy below the market.
    BuyLimit,
    /// Pending sell above the market.
    SellLimit,
    /// Pending buy above the market.
    BuyStop,
    /// Pending sell below the market.
    SellStop,
    /// Pending buy stop above the market that places a buy limit at its `stoplimit` price.
    BuyStopLimit,
    /// Pending sell stop below the market that places a sell limit at its `stoplimit` price.
    SellStopLimit,
}

impl OrderType {
    /// The MT5 constant's name, e.g. `ORDER_TYPE_BUY`.
    pub const fn name(self) -> &'static str {
        match self {
            OrderType::Buy => "ORDER_TYPE_BUY",
            OrderType::Sell => "ORDER_TYPE_SELL",
            OrderType::BuyLimit => "ORDER_TYPE_BUY_LIMIT",
            OrderType::SellLimit => "ORDER_TYPE_SELL_LIMIT",
            OrderType::BuyStop => "ORDER_TYPE_BUY_STOP",
            OrderType::SellStop => "ORDER_TYPE_SELL_STOP",
            OrderType::BuyStopLimit => "ORDER_TYPE_BUY_STOP_LIMIT",
            OrderType::SellStopLimit => "ORDER_TYPE_SELL_STOP_LIMIT",
        }
    }

    /// The MT5 number (`ENUM_ORDER_TYPE`).
    pub const fn code(self) -> u32 {
        match self {
            OrderType::Buy => 0,
            OrderType::Sell => 1,
            OrderType::BuyLimit => 2,
            OrderType::SellLimit => 3,
            OrderType::BuyStop => 4,
            OrderType::SellStop => 5,
            OrderType::BuyStopLimit => 6,
            OrderType::SellStopLimit => 7,
        }
    }

    /// The type named by an MT5 (`ORDER_TYPE_BUY`) or MT4 (`OP_BUY`) constant.
    pub fn from_name(name: &str) -> Option<OrderType> {
        constant::from_name(name)
    }

    /// The MT4 constant's name, e.g. `OP_BUY` (MT4 had no stop-limit orders).
    const fn mt4_name(self) -> Option<&'static str> {
        Some(match self {
            OrderType::Buy => "OP_BUY",
            OrderType::Sell => "OP_SELL",
            OrderType::BuyLimit => "OP_BUYLIMIT",
            OrderType::SellLimit => "OP_SELLLIMIT",
            OrderType::BuyStop => "OP_BUYSTOP",
            OrderType::SellStop => "OP_SELLSTOP",
            OrderType::BuyStopLimit | OrderType::SellStopLimit => return None,
        })
    }

    /// Whether the order executes at once (a deal) rather than waiting in the book.
    pub const fn is_market(self) -> bool {
        matches!(self, OrderType::Buy | OrderType::Sell)
    }

    /// Whether the order buys.
    pub const fn is_buy(self) -> bool {
        matches!(
            self,
            OrderType::Buy | OrderType::BuyLimit | OrderType::BuyStop | OrderType::BuyStopLimit
        )
    }

    /// Whether the order is a stop-limit order, which carries a `stoplimit` price.
    pub const fn is_stop_limit(self) -> bool {
        matches!(self, OrderType::BuyStopLimit | OrderType::SellStopLimit)
    }
}

impl Constant for OrderType {
    const WHAT: &'static str = "order type";
    const ALL: &'static [OrderType] = &[
        OrderType::Buy,
        OrderType::Sell,
        OrderType::BuyLimit,
        OrderType::SellLimit,
        OrderType::BuyStop,
        OrderType::SellStop,
        OrderType::BuyStopLimit,
        OrderType::SellStopLimit,
    ];

    fn code(self) -> u32 {
        OrderType::code(self)
    }

    fn name(self) -> &'static str {
        OrderType::name(self)
    }

    fn from_alias(name: &str) -> Option<OrderType> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.mt4_name() == Some(name))
    }
}

constant::serde_by_name!(OrderType);

impl From<OrderType> for &'static str {
    fn from(order_type: OrderType) -> &'static str {
        order_type.name()
    }
}

impl TryFrom<String> for OrderType {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        OrderType::from_name(&name).ok_or_else(|| format!("unknown order type `{name}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt4_and_mt5_names_parse_alike() {
        assert_eq!(OrderType::from_name("OP_BUY"), Some(OrderType::Buy));
        assert_eq!(OrderType::from_name("ORDER_TYPE_BUY"), Some(OrderType::Buy));
        assert_eq!(
            OrderType::from_name("OP_SELLSTOP"),
            Some(OrderType::SellStop)
        );
        assert_eq!(OrderType::from_name("op_buy"), None);
        assert_eq!(OrderType::Sell.code(), 1);
        assert!(OrderType::Buy.is_market() && !OrderType::BuyLimit.is_market());
    }
}
