//! The bookkeeping of one call, shared by the async and blocking engines: attempt count,
//! deadline, waits, statistics and events. It knows no clock; callers pass `now`.

use core::fmt::Debug;
use core::time::Duration;
use std::time::Instant;

use crate::backoff::next_wait;
use crate::classify::Action;
use crate::error::{StopReason, TimedOut};
use crate::events;
use crate::jitter::nanos;
use crate::policy::Policy;
use crate::stats::Site;
use crate::testing;

/// The state of one call between its attempts.
#[derive(Debug)]
pub(crate) struct Schedule<'p> {
    policy: &'p Policy,
    site: &'static Site,
    /// When the budget started: set by the caller at the start (blocking), or on the first
    /// pending poll or first failure (async), so that a call that completes at once reads no clock.
    anchor: Option<Instant>,
    /// The number of the attempt running or last run (1-based).
    attempt: u32,
    /// The wait chosen after the last failure, in nanoseconds; the next wait grows from it.
    wait_nanos: u64,
}

impl<'p> Schedule<'p> {
    #[inline]
    pub(crate) fn start(site: &'static Site, policy: &'p Policy, anchor: Option<Instant>) -> Self {
        site.record_call();
        Schedule {
            policy,
            site,
            anchor,
            attempt: 1,
            wait_nanos: 0,
        }
    }

    /// Starts the budget now unless it has started already.
    pub(crate) fn anchor(&mut self, now: Instant) {
        self.anchor.get_or_insert(now);
    }

    pub(crate) fn policy(&self) -> &'p Policy {
        self.policy
    }

    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// When the total budget runs out, if there is one.
    #[inline]
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match (self.anchor, self.policy.timeout) {
            (Some(start), Some(budget)) => start.checked_add(budget),
            _ => None,
        }
    }

    /// The wait chosen by the last [`Schedule::on_failure`].
    pub(crate) fn wait(&self) -> Duration {
        Duration::from_nanos(self.wait_nanos)
    }

    pub(crate) fn elapsed(&self, now: Instant) -> Duration {
        self.anchor
            .map_or(Duration::ZERO, |a| now.saturating_duration_since(a))
    }

    fn max_attempts(&self) -> u32 {
        let allowed = self.policy.max_attempts();
        testing::max_attempts().map_or(allowed, |cap| cap.min(allowed))
    }

    /// Records a success; `now` is read only when the call had retried.
    #[inline]
    pub(crate) fn on_success(&mut self, now: impl FnOnce() -> Instant) {
        if self.attempt > 1 {
            self.site.record_recovered();
            let elapsed = self.elapsed(now());
            events::recovered(self.site.name(), self.attempt, self.max_attempts(), elapsed);
        }
    }

    /// Decides what follows a failed attempt: `Ok(())` to wait [`Schedule::wait`] and retry, or
    /// the reason to stop. `timed_out` is set when the engine cancelled the attempt.
    pub(crate) fn on_failure(
        &mut self,
        action: Action,
        error: &dyn Debug,
        timed_out: Option<TimedOut>,
        now: Instant,
    ) -> Result<(), StopReason> {
        let anchor = *self.anchor.get_or_insert(now);
        let elapsed = now.saturating_duration_since(anchor);
        let max_attempts = self.max_attempts();
        let decision = self.decide(action, timed_out, now, max_attempts);
        match decision {
            Ok(wait) => {
                self.site.record_retry(self.attempt == 1, wait);
                events::retrying(
                    self.site.name(),
                    self.attempt,
                    max_attempts,
                    wait,
                    elapsed,
                    error,
                );
                self.wait_nanos = nanos(wait);
                self.attempt += 1;
                Ok(())
            }
            Err(reason) => {
                self.site.record_died(reason);
                events::gave_up(
                    self.site.name(),
                    self.attempt,
                    max_attempts,
                    elapsed,
                    reason,
                    error,
                );
                Err(reason)
            }
        }
    }

    fn decide(
        &self,
        action: Action,
        timed_out: Option<TimedOut>,
        now: Instant,
        max_attempts: u32,
    ) -> Result<Duration, StopReason> {
        let by_attempt_timeout = match timed_out {
            Some(t) if !t.is_attempt_timeout() => return Err(StopReason::Deadline),
            Some(_) => true,
            None => false,
        };
        let hint = match action {
            Action::Die => return Err(StopReason::Permanent),
            Action::Retry => Duration::ZERO,
            Action::RetryAfter(hint) => hint,
        };
        if self.attempt >= max_attempts {
            return Err(if by_attempt_timeout {
                StopReason::AttemptTimedOut
            } else {
                StopReason::Exhausted
            });
        }
        let wait = if testing::max_attempts().is_some() {
            Duration::ZERO
        } else {
            let previous = Duration::from_nanos(self.wait_nanos);
            next_wait(self.policy, self.attempt, previous, &mut rand::rng()).max(hint)
        };
        // Never sleep into a deadline that leaves no time for another attempt.
        if let Some(deadline) = self.deadline() {
            if now
                .checked_add(wait)
                .is_none_or(|resume| resume >= deadline)
            {
                return Err(StopReason::Deadline);
            }
        }
        Ok(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jitter::Jitter;

    static SITE: Site = Site::new("schedule::tests");

    fn policy(retries: u32, timeout_ms: Option<u64>) -> Policy {
        let b = Policy::builder()
            .max_retries(retries)
            .initial_wait(Duration::from_millis(100))
            .max_wait(Duration::from_millis(400))
            .jitter(Jitter::None);
        match timeout_ms {
            Some(ms) => b.timeout(Duration::from_millis(ms)),
            None => b.no_timeout(),
        }
        .build()
        .unwrap()
    }

    #[test]
    fn retries_until_exhausted() {
        let p = policy(2, None);
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, None);
        assert_eq!(s.on_failure(Action::Retry, &"e", None, t0), Ok(()));
        assert_eq!(s.wait(), Duration::from_millis(100));
        assert_eq!(s.on_failure(Action::Retry, &"e", None, t0), Ok(()));
        assert_eq!(s.wait(), Duration::from_millis(200));
        assert_eq!(
            s.on_failure(Action::Retry, &"e", None, t0),
            Err(StopReason::Exhausted)
        );
        assert_eq!(s.attempt(), 3);
    }

    #[test]
    fn stops_before_a_wait_that_crosses_the_deadline() {
        let p = policy(10, Some(250));
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, Some(t0));
        assert_eq!(s.on_failure(Action::Retry, &"e", None, t0), Ok(()));
        // 100 ms later, a 200 ms wait would end at 300 ms > 250 ms.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(
            s.on_failure(Action::Retry, &"e", None, t1),
            Err(StopReason::Deadline)
        );
    }

    #[test]
    fn hint_lengthens_the_wait() {
        let p = policy(3, None);
        let mut s = Schedule::start(&SITE, &p, None);
        let hint = Duration::from_secs(2);
        s.on_failure(Action::RetryAfter(hint), &"e", None, Instant::now())
            .unwrap();
        assert_eq!(s.wait(), hint);
    }

    #[test]
    fn permanent_and_deadline_timeouts_stop_at_once() {
        let p = policy(3, Some(1000));
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, Some(t0));
        assert_eq!(
            s.on_failure(Action::Die, &"e", None, t0),
            Err(StopReason::Permanent)
        );
        let mut s = Schedule::start(&SITE, &p, Some(t0));
        let cancelled = Some(TimedOut::deadline());
        assert_eq!(
            s.on_failure(Action::Retry, &"e", cancelled, t0),
            Err(StopReason::Deadline)
        );
    }

    #[test]
    fn last_attempt_cut_by_attempt_timeout_says_so() {
        let p = policy(0, None);
        let mut s = Schedule::start(&SITE, &p, None);
        assert_eq!(
            s.on_failure(
                Action::Retry,
                &"e",
                Some(TimedOut::attempt()),
                Instant::now()
            ),
            Err(StopReason::AttemptTimedOut)
        );
    }
}
