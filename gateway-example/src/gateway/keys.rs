//! The key each unsettled intent holds (see [`IntentKey`]): one open per (magic, symbol), one
//! close or SL/TP change per position, one change or cancel per pending order at a time.
//!
//! A key is taken before each send, its holder marked in the journal as the key's sender, and
//! given back as soon as the intent's outcome on the terminal is known, with any tickets it took
//! journaled first (see [`super::gate`]). An intent left pending while it may have executed
//! (`outcome_unknown`, or found so after a restart) keeps its key: its outcome is still to be
//! found, and another intent's reconciliation could take it for its own. Waiting happens on the
//! blocking thread that runs the intent, never on a runtime worker.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::Gateway;
use crate::execution::IntentKey;

/// How often a waiter looks at its key again even without a wake-up: a holder left pending by
/// a request that ended is settled by the waiter itself (see [`Gateway::settle_idle`]).
const KEY_RECHECK: Duration = Duration::from_millis(250);

/// Which `req_id` holds each key, and who waits for it, first come first.
#[derive(Default)]
pub struct KeyLocks {
    state: Mutex<Keys>,
    freed: Condvar,
}

#[derive(Default)]
struct Keys {
    held: HashMap<IntentKey, Uuid>,
    waiting: HashMap<IntentKey, VecDeque<Uuid>>,
}

impl KeyLocks {
    fn lock(&self) -> MutexGuard<'_, Keys> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `key` for `req_id` (again, if it holds it already), or names its holder.
    pub fn try_take(&self, key: &IntentKey, req_id: Uuid) -> Result<(), Uuid> {
        let mut keys = self.lock();
        match keys.held.get(key) {
            Some(&holder) if holder != req_id => Err(holder),
            Some(_) => Ok(()),
            None => {
                keys.held.insert(key.clone(), req_id);
                Ok(())
            }
        }
    }

    /// Gives `key` back if `req_id` holds it, and wakes the waiters.
    pub fn release(&self, key: &IntentKey, req_id: Uuid) {
        self.hand_over(key, req_id, None);
    }

    /// Gives `key` from `req_id` to `next` if `next` still waits for it (else back), and wakes
    /// the waiters. Nothing happens unless `req_id` holds it.
    pub fn hand_over(&self, key: &IntentKey, req_id: Uuid, next: Option<Uuid>) {
        let mut keys = self.lock();
        if keys.held.get(key) != Some(&req_id) {
            return;
        }
        let queue = keys.waiting.get_mut(key);
        let next = next.filter(|next| queue.is_some_and(|q| q.contains(next)));
        match next {
            Some(next) => keys.held.insert(key.clone(), next),
            None => keys.held.remove(key),
        };
        drop(keys);
        self.freed.notify_all();
    }

    /// The first intent waiting for `key`, if any.
    pub fn next_waiter(&self, key: &IntentKey) -> Option<Uuid> {
        self.lock().waiting.get(key)?.front().copied()
    }

    /// Counts `req_id` among the waiters for `key` (`true`) or no longer (`false`).
    fn wait_in_line(&self, key: &IntentKey, req_id: Uuid, waiting: bool) {
        let mut keys = self.lock();
        let queue = keys.waiting.entry(key.clone()).or_default();
        queue.retain(|&id| id != req_id);
        if waiting {
            queue.push_back(req_id);
        } else if queue.is_empty() {
            keys.waiting.remove(key);
        }
    }

    /// Blocks until some key is given back or `timeout` passes: the caller tries again. Only
    /// on a blocking thread that serves no one else.
    pub fn wait_freed(&self, timeout: Duration) {
        let keys = self.lock();
        let _ = self.freed.wait_timeout(keys, timeout);
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
        let holder = match self.keys.try_take(key, req_id) {
            Ok(()) => return Ok(()),
            Err(holder) => holder,
        };
        if let Some(suppressed) = self.key_wait_log.check_now() {
            tracing::info!(%key, %req_id, %holder, suppressed, "an intent waits for its key");
        }
        // In line: a holder that finishes hands the key (and its journal mark) to the first.
        self.keys.wait_in_line(key, req_id, true);
        let taken = self.wait_for_key(key, req_id, Instant::now() + wait);
        self.keys.wait_in_line(key, req_id, false);
        // Out of line, nobody hands it over any more; it may have been, just before.
        taken.or_else(|holder| match self.keys.try_take(key, req_id) {
            Ok(()) => Ok(()),
            Err(_) => Err(holder),
        })
    }

    fn wait_for_key(&self, key: &IntentKey, req_id: Uuid, deadline: Instant) -> Result<(), Uuid> {
        loop {
            let holder = match self.keys.try_take(key, req_id) {
                Ok(()) => return Ok(()),
                Err(holder) => holder,
            };
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

    #[test]
    fn a_key_is_handed_over_only_to_an_intent_still_waiting_for_it() {
        let keys = KeyLocks::default();
        let key = IntentKey::Order(7);
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(keys.try_take(&key, a), Ok(()));
        keys.wait_in_line(&key, b, true);
        keys.wait_in_line(&key, c, true);
        assert_eq!(keys.next_waiter(&key), Some(b), "first come first");
        keys.hand_over(&key, c, Some(b));
        assert_eq!(
            keys.try_take(&key, b),
            Err(a),
            "only the holder hands it over"
        );
        keys.hand_over(&key, a, Some(b));
        assert_eq!(keys.try_take(&key, c), Err(b));
        keys.wait_in_line(&key, b, false);
        keys.wait_in_line(&key, c, false);
        keys.hand_over(&key, b, Some(c));
        assert_eq!(
            keys.try_take(&key, a),
            Ok(()),
            "c had left: the key went back"
        );
        assert_eq!(keys.next_waiter(&key), None);
    }
}
