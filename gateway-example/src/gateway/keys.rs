//! The key each unsettled intent holds (see [`IntentKey`]): one open per (magic, symbol), one
//! close or SL/TP change per position, one change or cancel per pending order at a time.
//!
//! A key is taken before the intent is journaled and given back when its final reply is
//! journaled. An intent left pending (`outcome_unknown`, or found pending after a restart) keeps
//! its key: its outcome is still to be found, and another intent's reconciliation could take it
//! for its own. Waiting is asynchronous, never on a runtime worker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use uuid::Uuid;

use super::Gateway;
use crate::execution::IntentKey;
use crate::protocol::{ErrorCode, Reply};

/// How often a waiter looks at its key again even without a wake-up: a holder left pending by
/// a request that ended is settled by the waiter itself (see [`Gateway::settle_idle`]).
const KEY_RECHECK: Duration = Duration::from_millis(250);

/// Which `req_id` holds each key.
#[derive(Default)]
pub struct KeyLocks {
    held: Mutex<HashMap<IntentKey, Uuid>>,
    freed: Notify,
}

impl KeyLocks {
    /// Takes `key` for `req_id` (again, if it holds it already), or names its holder.
    pub fn try_take(&self, key: &IntentKey, req_id: Uuid) -> Result<(), Uuid> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        match held.get(key) {
            Some(&holder) if holder != req_id => Err(holder),
            Some(_) => Ok(()),
            None => {
                held.insert(key.clone(), req_id);
                Ok(())
            }
        }
    }

    /// Gives `key` back if `req_id` holds it, and wakes the waiters.
    pub fn release(&self, key: &IntentKey, req_id: Uuid) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.get(key) == Some(&req_id) {
            held.remove(key);
            drop(held);
            self.freed.notify_waiters();
        }
    }

    /// Resolves when some key is given back (or spuriously): the caller tries again.
    pub fn freed(&self) -> tokio::sync::futures::Notified<'_> {
        self.freed.notified()
    }
}

impl Gateway {
    /// Takes `key` for `req_id`, waiting (asynchronously) while another intent holds it, at most
    /// the execution budget; a holder that no request is executing is settled here rather than
    /// left to block every intent on its key until its client resends.
    pub(super) async fn take_key(
        self: &Arc<Self>,
        key: &IntentKey,
        req_id: Uuid,
    ) -> Result<(), Reply> {
        let budget = self
            .config
            .execution_policy
            .timeout()
            .unwrap_or(KEY_RECHECK * 120);
        let deadline = tokio::time::Instant::now() + budget;
        loop {
            let freed = self.keys.freed();
            let holder = match self.keys.try_take(key, req_id) {
                Ok(()) => return Ok(()),
                Err(holder) => holder,
            };
            if !self.in_flight.contains(holder) {
                let gateway = Arc::clone(self);
                let _ = tokio::task::spawn_blocking(move || gateway.settle_idle(holder)).await;
                if self.keys.try_take(key, req_id).is_ok() {
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Reply::failure(
                    Some(req_id),
                    ErrorCode::KeyBusy,
                    format!("request {holder} on the same key is still unsettled; nothing executed: resend the same req_id"),
                    true,
                ));
            }
            let _ = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + KEY_RECHECK),
                freed,
            )
            .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_key_has_one_holder_until_given_back() {
        let keys = KeyLocks::default();
        let key = IntentKey::Position(7);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(keys.try_take(&key, a), Ok(()));
        assert_eq!(keys.try_take(&key, a), Ok(()), "its holder takes it again");
        assert_eq!(keys.try_take(&key, b), Err(a));
        assert_eq!(
            keys.try_take(&IntentKey::Order(7), b),
            Ok(()),
            "other keys are free"
        );
        let freed = keys.freed();
        keys.release(&key, b);
        assert_eq!(
            keys.try_take(&key, b),
            Err(a),
            "only the holder gives it back"
        );
        keys.release(&key, a);
        freed.await;
        assert_eq!(keys.try_take(&key, b), Ok(()));
    }
}
