//! MQL5 trade server return codes (`TRADE_RETCODE_*`) and what the gateway may do after each.
//!
//! The numbers are MetaTrader 5's own, so a reply from this gateway reads the same as a log line
//! from a real terminal. The [`RetcodeClass`] is the one decision the retry loop needs: try again
//! with a fresh price, stop at once, or find out whether the order went through before anything
//! is sent again.

use serde::{Deserialize, Serialize};

/// What an order's retcode means for the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetcodeClass {
    /// The order executed (`DONE`, `DONE_PARTIAL`) or was placed (`PLACED`): never send it again.
    Success,
    /// Nothing executed and a fresh attempt may succeed (requote, busy server...).
    Transient,
    /// Nothing executed and sending it again cannot help (bad volume, no money...).
    Permanent,
    /// The terminal cannot say whether the order executed: look it up before any resend.
    Ambiguous,
}

macro_rules! retcodes {
    ($($name:ident = $value:literal, $class:ident, $text:literal;)*) => {
        /// A trade server return code, numbered as in MQL5 (`ENUM_TRADE_RETCODE`).
        ///
        /// ```
        /// use gateway_example::terminal::{Retcode, RetcodeClass};
        ///
        /// let done: Retcode = serde_json::from_str("10009").unwrap();
        /// assert_eq!(done.name(), "TRADE_RETCODE_DONE");
        /// let newer: Retcode = serde_json::from_str("10099").unwrap();
        /// assert_eq!((newer, newer.class()), (Retcode::Unknown(10099), RetcodeClass::Ambiguous));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "u32", from = "u32")]
        #[allow(non_camel_case_types)] // spelled as MQL5's `TRADE_RETCODE_*` constants, so logs grep alike
        pub enum Retcode {
            $(
                #[doc = $text]
                $name,
            )*
            /// A code this gateway does not know (a terminal newer than it may send one),
            /// carried through with its number rather than refused.
            Unknown(u32),
        }

        impl Retcode {
            /// The MQL5 number, e.g. 10009 for `TRADE_RETCODE_DONE`.
            pub const fn code(self) -> u32 {
                match self { $(Retcode::$name => $value,)* Retcode::Unknown(code) => code }
            }

            /// The MQL5 constant's name, e.g. `TRADE_RETCODE_DONE`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Retcode::$name => concat!("TRADE_RETCODE_", stringify!($name)),)*
                    Retcode::Unknown(_) => "TRADE_RETCODE_UNKNOWN",
                }
            }

            /// MetaQuotes' description of the code.
            pub const fn description(self) -> &'static str {
                match self { $(Retcode::$name => $text,)* Retcode::Unknown(_) => "Unknown return code" }
            }

            /// What the gateway may do after this code. An unknown code is ambiguous: it may
            /// even be a success, so the order is looked up before anything is sent again.
            pub const fn class(self) -> RetcodeClass {
                match self {
                    $(Retcode::$name => RetcodeClass::$class,)*
                    Retcode::Unknown(_) => RetcodeClass::Ambiguous,
                }
            }

            /// The named code with this MQL5 number, if it is one the gateway knows.
            pub const fn from_code(code: u32) -> Option<Retcode> {
                match code { $($value => Some(Retcode::$name),)* _ => None }
            }
        }
    };
}

retcodes! {
    REQUOTE = 10004, Transient, "Requote";
    REJECT = 10006, Permanent, "Request rejected";
    CANCEL = 10007, Permanent, "Request canceled by trader";
    PLACED = 10008, Success, "Order placed";
    DONE = 10009, Success, "Request completed";
    DONE_PARTIAL = 10010, Success, "Only part of the request was completed";
    ERROR = 10011, Ambiguous, "Request processing error";
    TIMEOUT = 10012, Ambiguous, "Request canceled by timeout";
    INVALID = 10013, Permanent, "Invalid request";
    INVALID_VOLUME = 10014, Permanent, "Invalid volume in the request";
    INVALID_PRICE = 10015, Permanent, "Invalid price in the request";
    INVALID_STOPS = 10016, Permanent, "Invalid stops in the request";
    TRADE_DISABLED = 10017, Permanent, "Trade is disabled";
    MARKET_CLOSED = 10018, Permanent, "Market is closed";
    NO_MONEY = 10019, Permanent, "There is not enough money to complete the request";
    PRICE_CHANGED = 10020, Transient, "Prices changed";
    PRICE_OFF = 10021, Transient, "There are no quotes to process the request";
    INVALID_EXPIRATION = 10022, Permanent, "Invalid order expiration date in the request";
    ORDER_CHANGED = 10023, Permanent, "Order state changed";
    TOO_MANY_REQUESTS = 10024, Transient, "Too frequent requests";
    NO_CHANGES = 10025, Permanent, "No changes in request";
    SERVER_DISABLES_AT = 10026, Permanent, "Autotrading disabled by server";
    CLIENT_DISABLES_AT = 10027, Permanent, "Autotrading disabled by client terminal";
    LOCKED = 10028, Transient, "Request locked for processing";
    FROZEN = 10029, Permanent, "Order or position frozen";
    INVALID_FILL = 10030, Permanent, "Invalid order filling type";
    CONNECTION = 10031, Ambiguous, "No connection with the trade server";
    ONLY_REAL = 10032, Permanent, "Operation is allowed only for live accounts";
    LIMIT_ORDERS = 10033, Permanent, "The number of pending orders has reached the limit";
    LIMIT_VOLUME = 10034, Permanent, "The volume of orders and positions for the symbol has reached the limit";
    INVALID_ORDER = 10035, Permanent, "Incorrect or prohibited order type";
    POSITION_CLOSED = 10036, Permanent, "Position with the specified POSITION_IDENTIFIER has already been closed";
    INVALID_CLOSE_VOLUME = 10038, Permanent, "A close volume exceeds the current position volume";
    CLOSE_ORDER_EXIST = 10039, Permanent, "A close order already exists for the specified position";
    LIMIT_POSITIONS = 10040, Permanent, "The number of open positions has reached the server's limit";
    REJECT_CANCEL = 10041, Permanent, "The pending order activation request is rejected, the order is canceled";
    LONG_ONLY = 10042, Permanent, "Only long positions are allowed for the symbol";
    SHORT_ONLY = 10043, Permanent, "Only short positions are allowed for the symbol";
    CLOSE_ONLY = 10044, Permanent, "Only position closing is allowed for the symbol";
    FIFO_CLOSE = 10045, Permanent, "Position closing is allowed only by the FIFO rule";
    HEDGE_PROHIBITED = 10046, Permanent, "Opposite positions on a single symbol are disabled";
}

impl From<Retcode> for u32 {
    fn from(retcode: Retcode) -> u32 {
        retcode.code()
    }
}

impl From<u32> for Retcode {
    fn from(code: u32) -> Retcode {
        Retcode::from_code(code).unwrap_or(Retcode::Unknown(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_match_mql5() {
        assert_eq!(Retcode::DONE.code(), 10009);
        assert_eq!(Retcode::DONE.name(), "TRADE_RETCODE_DONE");
        assert_eq!(Retcode::REQUOTE.code(), 10004);
        assert_eq!(Retcode::CONNECTION.code(), 10031);
        assert_eq!(Retcode::from_code(10024), Some(Retcode::TOO_MANY_REQUESTS));
        assert_eq!(Retcode::from_code(9999), None);
    }

    #[test]
    fn classes_follow_the_retry_rules() {
        for transient in [
            Retcode::REQUOTE,
            Retcode::PRICE_CHANGED,
            Retcode::PRICE_OFF,
            Retcode::TOO_MANY_REQUESTS,
            Retcode::LOCKED,
        ] {
            assert_eq!(transient.class(), RetcodeClass::Transient, "{transient:?}");
        }
        for ambiguous in [Retcode::TIMEOUT, Retcode::CONNECTION, Retcode::ERROR] {
            assert_eq!(ambiguous.class(), RetcodeClass::Ambiguous, "{ambiguous:?}");
        }
        for permanent in [
            Retcode::INVALID_VOLUME,
            Retcode::NO_MONEY,
            Retcode::MARKET_CLOSED,
            Retcode::INVALID_STOPS,
        ] {
            assert_eq!(permanent.class(), RetcodeClass::Permanent, "{permanent:?}");
        }
    }

    #[test]
    fn serializes_as_the_number() {
        assert_eq!(serde_json::to_string(&Retcode::NO_MONEY).unwrap(), "10019");
        let back: Retcode = serde_json::from_str("10008").unwrap();
        assert_eq!(back, Retcode::PLACED);
    }
}
