//! How an order carries its `req_id` onto the terminal, so that it can be found again.
//!
//! MT5 keeps a `magic` number and a `comment` with every order and deal, and the history can be
//! filtered by both. The comment is cut to 31 characters, and a UUID is 36, so the tag is the
//! UUID's 128 bits in base 36 (at most 25 characters) after a short prefix: unique, and intact
//! after MT5's truncation.

use uuid::Uuid;

use crate::terminal::HistoryFilter;

/// The gateway's Expert Advisor id on the terminal (the seed's integration date).
pub const GATEWAY_MAGIC: u64 = 20_260_118;
const TAG_PREFIX: &str = "wod:";
const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The comment that identifies the order `req_id` on the terminal.
///
/// ```
/// use gateway_example::execution::order_comment;
/// use uuid::Uuid;
///
/// let tag = order_comment(Uuid::from_u128(u128::MAX));
/// assert_eq!(tag, "wod:f5lxx1zz5pnorynqglhzmsp33");
/// assert!(tag.len() <= 31, "survives MT5's comment truncation");
/// ```
pub fn order_comment(req_id: Uuid) -> String {
    let mut value = req_id.as_u128();
    let mut digits = Vec::with_capacity(25);
    loop {
        digits.push(BASE36[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    digits.reverse();
    let mut comment = String::with_capacity(TAG_PREFIX.len() + digits.len());
    comment.push_str(TAG_PREFIX);
    comment.push_str(std::str::from_utf8(&digits).expect("base 36 digits are ASCII"));
    comment
}

/// Whether `comment` is some intent's tag: a record carrying another intent's intact tag is
/// that intent's, whatever else fits.
///
/// ```
/// use gateway_example::execution::{is_tag, order_comment};
///
/// assert!(is_tag(&order_comment(uuid::Uuid::nil())));
/// assert!(!is_tag("my strategy"));
/// ```
pub fn is_tag(comment: &str) -> bool {
    comment.starts_with(TAG_PREFIX)
}

/// The history filter that finds the deals and orders of `req_id`.
pub fn order_filter(req_id: Uuid) -> HistoryFilter {
    HistoryFilter {
        magic: Some(GATEWAY_MAGIC),
        comment: Some(order_comment(req_id)),
        ..HistoryFilter::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_fit_mt5_comments_and_differ() {
        let longest = order_comment(Uuid::from_u128(u128::MAX));
        assert!(
            longest.len() <= crate::terminal::MAX_COMMENT_CHARS,
            "{longest}"
        );
        assert_eq!(order_comment(Uuid::from_u128(0)), "wod:0");
        assert_eq!(order_comment(Uuid::from_u128(35)), "wod:z");
        assert_eq!(order_comment(Uuid::from_u128(36)), "wod:10");
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_ne!(order_comment(a), order_comment(b));
    }
}
