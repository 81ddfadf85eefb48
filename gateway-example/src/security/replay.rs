//! The signatures accepted within the timestamp window, so that a captured request sent again is
//! refused rather than answered twice.
//!
//! A signature outside the window is refused anyway, so only those inside it are kept: each is
//! dropped once its timestamp has left the window. The set is bounded. Only signatures that
//! verified are stored, so only a key holder can fill it; when it is full the gateway refuses new
//! signed requests (fail closed) instead of forgetting ones that could still be replayed.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use super::{AuthError, Signature};

/// Signatures remembered at most: 250,000, about 8,000 signed requests a second over the default
/// 30 s window, in some 15 MB.
pub const DEFAULT_MAX_SEEN_SIGNATURES: usize = 250_000;

/// The request signatures accepted within the window, oldest timestamp first.
///
/// ```
/// use std::time::Duration;
/// use gateway_example::security::{AuthError, SeenSignatures, SharedKey};
///
/// let seen = SeenSignatures::new(Duration::from_secs(30), 1000);
/// let key = SharedKey::new("sixteen-bytes-or-more").unwrap();
/// let frame = key.sign(b"{}", 5_000);
/// let signature = key.verify(b"{}", Some(&frame), 5_000, Duration::from_secs(30)).unwrap();
/// assert_eq!(seen.accept(signature, 5_000), Ok(()));
/// assert_eq!(seen.accept(signature, 6_000), Err(AuthError::Replayed));
/// ```
#[derive(Debug)]
pub struct SeenSignatures {
    window_ms: u64,
    capacity: usize,
    seen: Mutex<BTreeSet<Signature>>,
}

impl SeenSignatures {
    /// Remembers signatures for `window` past their timestamp, at most `capacity` at once.
    pub fn new(window: Duration, capacity: usize) -> SeenSignatures {
        SeenSignatures {
            window_ms: u64::try_from(window.as_millis()).unwrap_or(u64::MAX),
            capacity,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Accepts a verified signature the first time, refuses it as [`AuthError::Replayed`] after.
    pub fn accept(&self, signature: Signature, now_ms: u64) -> Result<(), AuthError> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Signatures stamped before the window's start can no longer pass the window check.
        let oldest_allowed = now_ms.saturating_sub(self.window_ms);
        while seen
            .first()
            .is_some_and(|first| first.timestamp_ms < oldest_allowed)
        {
            seen.pop_first();
        }
        if seen.contains(&signature) {
            return Err(AuthError::Replayed);
        }
        if seen.len() >= self.capacity {
            return Err(AuthError::TooManySignatures(self.capacity));
        }
        seen.insert(signature);
        Ok(())
    }

    /// Signatures remembered now.
    pub fn len(&self) -> usize {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::TAG_BYTES;

    const WINDOW: Duration = Duration::from_secs(30);

    fn signature(timestamp_ms: u64, byte: u8) -> Signature {
        Signature {
            timestamp_ms,
            tag: [byte; TAG_BYTES],
        }
    }

    #[test]
    fn a_signature_is_accepted_once_while_it_can_pass_the_window() {
        let seen = SeenSignatures::new(WINDOW, 10);
        let first = signature(100_000, 1);
        assert_eq!(seen.accept(first, 100_000), Ok(()));
        assert_eq!(seen.accept(first, 129_999), Err(AuthError::Replayed));
        assert_eq!(seen.accept(signature(100_000, 2), 100_000), Ok(()));
    }

    #[test]
    fn signatures_leave_once_their_timestamp_leaves_the_window() {
        let seen = SeenSignatures::new(WINDOW, 10);
        seen.accept(signature(100_000, 1), 100_000).unwrap();
        // A timestamp from the future stays until it, too, is past the window.
        seen.accept(signature(120_000, 2), 100_000).unwrap();
        seen.accept(signature(131_000, 3), 131_000).unwrap();
        assert_eq!(seen.len(), 2, "the first left at 130 s");
        seen.accept(signature(160_000, 4), 160_000).unwrap();
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn a_full_set_refuses_rather_than_forgets() {
        let seen = SeenSignatures::new(WINDOW, 2);
        seen.accept(signature(1_000, 1), 1_000).unwrap();
        seen.accept(signature(1_000, 2), 1_000).unwrap();
        assert_eq!(
            seen.accept(signature(1_000, 3), 1_000),
            Err(AuthError::TooManySignatures(2))
        );
        assert_eq!(
            seen.accept(signature(1_000, 1), 1_000),
            Err(AuthError::Replayed)
        );
        // Room again once the window moves on.
        assert_eq!(seen.accept(signature(40_000, 3), 40_000), Ok(()));
    }
}
