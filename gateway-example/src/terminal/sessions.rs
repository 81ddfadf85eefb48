//! Trading sessions (`SymbolInfoSessionTrade`): the hours of each UTC weekday in which a symbol
//! trades. Outside them the trade server answers `TRADE_RETCODE_MARKET_CLOSED` (10018).

use serde::{Deserialize, Serialize};

const SECS_PER_DAY: u64 = 86_400;
/// The Unix epoch fell on a Thursday (`ENUM_DAY_OF_WEEK` 4).
const EPOCH_WEEKDAY: u64 = 4;

/// One trading window of one weekday, as MQL5's `SymbolInfoSessionTrade` reports it.
///
/// ```
/// use gateway_example::terminal::TradeSession;
///
/// // Monday 07:00-21:00 UTC.
/// let monday = TradeSession { day: 1, from_secs: 7 * 3600, to_secs: 21 * 3600 };
/// // 2024-01-01 was a Monday; 08:00 UTC.
/// assert!(monday.contains(1_704_096_000_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeSession {
    /// Weekday (`ENUM_DAY_OF_WEEK`): 0 is Sunday, 6 Saturday.
    pub day: u8,
    /// Start, seconds after 00:00 UTC.
    pub from_secs: u32,
    /// End (excluded), seconds after 00:00 UTC; 86400 is midnight.
    pub to_secs: u32,
}

impl TradeSession {
    /// Whether the moment `now_ms` (ms since the Unix epoch) lies in this window.
    pub fn contains(&self, now_ms: u64) -> bool {
        let secs = now_ms / 1000;
        let day = (secs / SECS_PER_DAY + EPOCH_WEEKDAY) % 7;
        let second = secs % SECS_PER_DAY;
        day == u64::from(self.day)
            && (u64::from(self.from_secs)..u64::from(self.to_secs)).contains(&second)
    }
}

/// Whether a symbol with these sessions trades at `now_ms`: always when it lists none.
pub(crate) fn is_open(sessions: &[TradeSession], now_ms: u64) -> bool {
    sessions.is_empty() || sessions.iter().any(|s| s.contains(now_ms))
}

/// The same window every weekday, Monday to Friday.
pub(crate) fn weekdays(from_secs: u32, to_secs: u32) -> Vec<TradeSession> {
    (1..=5)
        .map(|day| TradeSession {
            day,
            from_secs,
            to_secs,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-06 00:00 UTC, a Saturday.
    const SATURDAY_MS: u64 = 1_704_499_200_000;
    const HOUR_MS: u64 = 3_600_000;

    #[test]
    fn weekday_sessions_close_at_night_and_at_weekends() {
        let sessions = weekdays(7 * 3600, 21 * 3600);
        let monday = SATURDAY_MS + 2 * 24 * HOUR_MS;
        assert!(!is_open(&sessions, SATURDAY_MS + 12 * HOUR_MS));
        assert!(!is_open(&sessions, monday + 7 * HOUR_MS - 1));
        assert!(is_open(&sessions, monday + 7 * HOUR_MS));
        assert!(is_open(&sessions, monday + 21 * HOUR_MS - 1));
        assert!(!is_open(&sessions, monday + 21 * HOUR_MS));
        assert!(is_open(&[], SATURDAY_MS));
    }
}
