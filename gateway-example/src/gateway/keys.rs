//! The key each unsettled intent holds (see [`IntentKey`]): one open per (magic, symbol), one
//! close or SL/TP change per position, one change or cancel per pending order at a time.
//!
//! A key is taken before each send, its holder marked in the journal as the key's sender, and
//! given back as soon as the intent's outcome on the terminal is known, with any tickets it took
//! journaled first (see [`super::gate`]). An intent left pending while it may have executed
//! (`outcome_unknown`, or found so after a restart) keeps its key: its outcome is still to be
//! found, and another intent's reconciliation could take it for its own. Waiting happens on the
//! blocking thread that runs the intent, never on a runtime worker.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::Gateway;
use crate::execution::IntentKey;

/// How often a waiter looks at its key again even without a wake-up: a holder left pending by
/// a request that ended is settled by the waiter itself (see [`Gateway::settle_idle`]).
const KEY_RECHECK: Duration = Duration::from_millis(250);

/// Which `req_id` holds each key.
#[derive(Default)]
pub struct KeyLocks {
    held: Mutex<HashMap<IntentKey, Uuid>>,
    freed: Condvar,
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
            self.freed.notify_all();
        }
    }

    /// Blocks until some key is given back or `timeout` passes: the caller tries again. Only
    /// on a blocking thread that serves no one else.
    pub fn wait_freed(&self, timeout: Duration) {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.freed.wait_timeout(held, timeout);
    }
}

impl Gateway {
    /// The longest an attempt waits for its key: the execution budget.
    pub(super) fn key_wait(&self) -> Duration {
        self.config
            .execution_policy
            .timeout()
            .unwrap_or(KEY_RECHECK * 120)
    }

    /// Takes `key` for `req_id`, waiting at most `wait` while another intent holds it; a holder
    /// that no request is executing is settled here rather than left to block every intent on
    /// its key until its client resends. `Err` names the holder.
    pub(super) fn take_key_blocking(
        &self,
        key: &IntentKey,
        req_id: Uuid,
        wait: Duration,
    ) -> Result<(), Uuid> {
        let deadline = Instant::now() + wait;
        let mut waited = false;
        loop {
            let holder = match self.keys.try_take(key, req_id) {
                Ok(()) => return Ok(()),
                Err(holder) => holder,
            };
            if !std::mem::replace(&mut waited, true) {
                if let Some(suppressed) = self.key_wait_log.check_now() {
                    tracing::info!(%key, %req_id, %holder, suppressed, "an intent waits for its key");
                }
            }
            if !self.in_flight.contains(holder) {
                self.settle_idle(holder);
                if self.keys.try_take(key, req_id).is_ok() {
                    return Ok(());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(holder);
            }
            self.keys.wait_freed(left.min(KEY_RECHECK));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_one_holder_until_given_back() {
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
        keys.release(&key, b);
        assert_eq!(
            keys.try_take(&key, b),
            Err(a),
            "only the holder gives it back"
        );
        keys.release(&key, a);
        assert_eq!(keys.try_take(&key, b), Ok(()));
    }
}
