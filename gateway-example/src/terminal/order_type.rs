//! Order types as MetaTrader 5 numbers them, with the MT4 names clients still send.
//!
//! MT5's Python API takes `ORDER_TYPE_BUY` (0) ... `ORDER_TYPE_SELL_STOP` (5); the seed's clients
//! send MT4's `OP_BUY`/`OP_SELL`. Both spellings parse to the same [`OrderType`].

use serde::{Deserialize, Serialize};

/// Direction and kind of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
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
        }
    }

    /// The type named by an MT5 (`ORDER_TYPE_BUY`) or MT4 (`OP_BUY`) constant.
    pub fn from_name(name: &str) -> Option<OrderType> {
        Some(match name {
            "ORDER_TYPE_BUY" | "OP_BUY" => OrderType::Buy,
            "ORDER_TYPE_SELL" | "OP_SELL" => OrderType::Sell,
            "ORDER_TYPE_BUY_LIMIT" | "OP_BUYLIMIT" => OrderType::BuyLimit,
            "ORDER_TYPE_SELL_LIMIT" | "OP_SELLLIMIT" => OrderType::SellLimit,
            "ORDER_TYPE_BUY_STOP" | "OP_BUYSTOP" => OrderType::BuyStop,
            "ORDER_TYPE_SELL_STOP" | "OP_SELLSTOP" => OrderType::SellStop,
            _ => return None,
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
            OrderType::Buy | OrderType::BuyLimit | OrderType::BuyStop
        )
    }
}

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
