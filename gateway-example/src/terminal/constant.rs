//! MetaTrader 5 enum constants on the wire: the number the MetaTrader5 Python package sends
//! (`mt5.ORDER_TYPE_BUY` is `0`), or the constant's name (`"ORDER_TYPE_BUY"`).
//!
//! Each enum declares its values once, in [`Constant::ALL`]; parsing by number or by name, the
//! message listing what is allowed, and serialization (always the name) all read that table.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Visitor};
use serde::Deserializer;

/// An MQL5 enum whose values have a number and a name.
pub(crate) trait Constant: Copy + 'static {
    /// What the enum is, for messages: `"order type"`.
    const WHAT: &'static str;
    /// Every value the gateway supports.
    const ALL: &'static [Self];

    /// The MQL5 number.
    fn code(self) -> u32;

    /// The MQL5 constant's name.
    fn name(self) -> &'static str;

    /// Another accepted spelling (MT4's `OP_BUY`), besides the name.
    fn from_alias(_name: &str) -> Option<Self> {
        None
    }
}

/// The value numbered `code`.
pub(crate) fn from_code<C: Constant>(code: u64) -> Option<C> {
    C::ALL.iter().copied().find(|c| u64::from(c.code()) == code)
}

/// The value named `name`, or spelled as one of its aliases.
pub(crate) fn from_name<C: Constant>(name: &str) -> Option<C> {
    C::ALL
        .iter()
        .copied()
        .find(|c| c.name() == name)
        .or_else(|| C::from_alias(name))
}

/// The allowed values for a message: `` `ORDER_FILLING_FOK` (0), `ORDER_FILLING_IOC` (1) ``.
pub(crate) fn allowed<C: Constant>() -> String {
    let names: Vec<String> = C::ALL
        .iter()
        .map(|c| format!("`{}` ({})", c.name(), c.code()))
        .collect();
    names.join(", ")
}

/// Deserializes a [`Constant`] from its number or its name, naming what is allowed otherwise.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, C: Constant>(
    deserializer: D,
) -> Result<C, D::Error> {
    deserializer.deserialize_any(ConstantVisitor(PhantomData))
}

struct ConstantVisitor<C>(PhantomData<C>);

impl<C: Constant> ConstantVisitor<C> {
    fn unknown<E: de::Error>(shown: impl fmt::Display) -> E {
        E::custom(format!(
            "unknown {} {shown}, expected one of {}",
            C::WHAT,
            allowed::<C>()
        ))
    }
}

impl<C: Constant> Visitor<'_> for ConstantVisitor<C> {
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an {} number or name: {}", C::WHAT, allowed::<C>())
    }

    fn visit_u64<E: de::Error>(self, code: u64) -> Result<C, E> {
        from_code(code).ok_or_else(|| Self::unknown(code))
    }

    fn visit_i64<E: de::Error>(self, code: i64) -> Result<C, E> {
        u64::try_from(code)
            .ok()
            .and_then(from_code)
            .ok_or_else(|| Self::unknown(code))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<C, E> {
        from_name(name).ok_or_else(|| Self::unknown(format_args!("`{name}`")))
    }
}

/// Serializes each [`Constant`] as its name, and deserializes it from its number or its name.
macro_rules! serde_by_name {
    ($($constant:ty),* $(,)?) => {$(
        impl serde::Serialize for $constant {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::terminal::constant::Constant::name(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $constant {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::terminal::constant::deserialize(deserializer)
            }
        }
    )*};
}
pub(crate) use serde_by_name;
