//! The bookkeeping of one call, shared by the async and blocking engines: attempt count,
//! deadline, waits, statistics and events. It knows no clock; callers pass `now`.

use core::fmt::Debug;
use core::time::Duration;
use std::borrow::Cow;
use std::time::Instant;

use crate::backoff::next_wait;
use crate::classify::Action;
use crate::current::{self, Frame, Limits};
use crate::engine_error::{EngineError, EngineErrorKind};
use crate::error::StopReason;
use crate::events;
use crate::pipeline;
use crate::policy::Policy;
use crate::site::{self, Site, SiteControl};
use crate::strategy::breaker::Admission;
use crate::testing;

/// The state of one call between its attempts.
///
/// It holds no time: the callers keep when the budget started (the anchor) and the last wait,
/// the async engine in a box allocated only once the call has to wait, so that the state every
/// in-flight future carries stays small.
///
/// `S` is a small piece of the caller's own state, kept here so that it fits in the padding
/// after `attempt` (the async engine keeps its timer phase there).
#[derive(Debug)]
pub(crate) struct Schedule<'p, S = ()> {
    /// The policy the call was given; [`Self::policy`] lays the override over it.
    policy: &'p Policy,
    /// The operator's override the call started under, if any (see `control`).
    control: Option<&'static SiteControl>,
    site: &'static Site,
    /// The number of the attempt running or last run (1-based).
    attempt: u32,
    progress: Progress,
    /// [`INNER_GAVE_UP`] and [`PROBE`], as bits: one byte, so the state every in-flight
    /// future carries keeps its size.
    marks: u8,
    pub(crate) state: S,
}

/// A call nested in the current attempt gave up after retrying (or because a call nested in
/// it had).
const INNER_GAVE_UP: u8 = 1;
/// The attempt running or last run is a half-open circuit breaker's probe.
const PROBE: u8 = 2;

/// How far a call got, for the statistics: each call is counted once, by what really happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// A future not polled yet: nothing to count if it is dropped.
    Unstarted,
    /// Running its first attempt, not counted yet: a success costs one increment.
    Fast,
    /// Counted as a call whose first attempt failed; it ends later.
    Failed,
    /// Ended and counted by its outcome.
    Done,
}

impl<'p, S> Schedule<'p, S> {
    /// A schedule for a call that starts now.
    #[inline]
    pub(crate) fn start(site: &'static Site, policy: &'p Policy, state: S) -> Self {
        let mut schedule = Self::unstarted(site, policy, state);
        schedule.begin();
        schedule
    }

    /// A schedule for a call that starts later (a future not yet polled); see [`Self::begin`].
    #[inline]
    pub(crate) fn unstarted(site: &'static Site, policy: &'p Policy, state: S) -> Self {
        Schedule {
            policy,
            control: None,
            site,
            attempt: 1,
            progress: Progress::Unstarted,
            marks: 0,
            state,
        }
    }

    /// Starts the call, under the operator's override of its site if there is one (see
    /// `control`). Nothing is counted until it ends or first has to wait.
    #[inline]
    pub(crate) fn begin(&mut self) {
        self.control = site::starts_under(self.site);
        self.progress = Progress::Fast;
    }

    /// Counts the call into `site` instead, before it starts.
    pub(crate) fn set_site(&mut self, site: &'static Site) {
        self.site = site;
    }

    /// The policy the call runs by: the one it was given, under the override it started with.
    #[inline]
    pub(crate) fn policy(&self) -> Cow<'p, Policy> {
        site::effective(self.policy, self.control)
    }

    /// Where [`Self::policy`] comes from, to read it later without borrowing the schedule.
    #[inline]
    pub(crate) fn policy_source(&self) -> PolicySource<'p> {
        PolicySource {
            policy: self.policy,
            control: self.control,
        }
    }

    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The site the call counts into.
    pub(crate) fn site(&self) -> &'static Site {
        self.site
    }

    /// The circuit breaker refused the call before its first attempt.
    #[inline]
    pub(crate) fn refused(&self) -> bool {
        self.attempt == 0
    }

    /// When the total budget started at `anchor` runs out, capped by `cap` (the deadline of the
    /// call this one is nested in), if there is either.
    #[inline]
    pub(crate) fn deadline(&self, anchor: Instant, cap: Option<Instant>) -> Option<Instant> {
        let own = self
            .policy()
            .timeout
            .and_then(|budget| anchor.checked_add(budget));
        current::capped(own, cap)
    }

    /// The frame an attempt of this call publishes (see `current.rs`).
    #[inline]
    pub(crate) fn frame(&self, clock: fn() -> Instant, limits: Limits) -> Frame {
        let policy = (self.policy, self.control);
        Frame::new(self.site, policy, clock, self.attempt, limits)
    }

    fn has(&self, mark: u8) -> bool {
        self.marks & mark != 0
    }

    fn set(&mut self, mark: u8, on: bool) {
        self.marks = if on {
            self.marks | mark
        } else {
            self.marks & !mark
        };
    }

    /// Whether `mark` is set, clearing it.
    fn take(&mut self, mark: u8) -> bool {
        let was = self.has(mark);
        self.set(mark, false);
        was
    }

    /// Starts an attempt: no nested call has given up in it yet.
    #[inline]
    pub(crate) fn attempt_starts(&mut self) {
        self.set(INNER_GAVE_UP, false);
    }

    /// Takes what a frame of the current attempt saw.
    #[inline]
    pub(crate) fn leave(&mut self, frame: &Frame) {
        if frame.inner_gave_up() {
            self.set(INNER_GAVE_UP, true);
        }
    }

    fn max_attempts(&self) -> u32 {
        let allowed = self.policy().max_attempts();
        testing::max_attempts().map_or(allowed, |cap| cap.min(allowed))
    }

    /// Asks the circuit breaker whether the first attempt may run (`now` is read only when the
    /// breaker is not closed). A refused call ends here: counted as refused, no attempt, no
    /// wait, no budget; to the call around it, a give-up it does not retry.
    #[inline]
    pub(crate) fn admit_first(&mut self, now: impl FnOnce() -> Instant) -> bool {
        match pipeline::admit(self.site, &self.policy(), now) {
            Admission::Run => true,
            Admission::Probe => {
                self.set(PROBE, true);
                true
            }
            Admission::Refused => {
                self.refuse();
                false
            }
        }
    }

    #[cold]
    fn refuse(&mut self) {
        self.progress = Progress::Done;
        self.attempt = 0;
        self.site.counters().record_refused();
        current::mark_inner_gave_up();
    }

    /// Counts the call as one whose first attempt failed.
    fn failed(&mut self) {
        if self.progress == Progress::Fast {
            self.progress = Progress::Failed;
            self.site.counters().record_other_call();
        }
    }

    /// Records a success; `elapsed` is asked only when the call had retried.
    #[inline]
    pub(crate) fn on_success(&mut self, elapsed: impl FnOnce() -> Duration) {
        self.progress = Progress::Done;
        if self.take(PROBE) {
            pipeline::on_success(self.site, &self.policy());
        }
        if self.attempt > 1 {
            let elapsed = elapsed();
            self.site.counters().record_recovered(self.attempt, elapsed);
            events::recovered(self.site.name(), self.attempt, self.max_attempts(), elapsed);
        } else {
            self.site.counters().record_first_ok();
        }
    }

    /// Decides what follows a failed attempt: the wait before the next one, or the reason to
    /// stop. `anchor` is when the budget started and `previous` the last wait (zero before the
    /// first). Nothing is counted as a retry until [`Self::begin_retry`] says it starts.
    pub(crate) fn on_failure(
        &mut self,
        failure: Failure<'_>,
        now: Instant,
        (anchor, cap): (Instant, Option<Instant>),
        previous: Duration,
    ) -> Result<Duration, StopReason> {
        self.failed();
        let counted = !matches!(failure.action, Action::Die);
        let probe = self.take(PROBE);
        pipeline::on_outcome(self.site, &self.policy(), counted, probe, now);
        let elapsed = now.saturating_duration_since(anchor);
        let max_attempts = self.max_attempts();
        let deadline = self.deadline(anchor, cap);
        match self.decide(&failure, now, deadline, previous, max_attempts) {
            Ok(wait) => {
                events::retrying(
                    self.site.name(),
                    self.attempt,
                    max_attempts,
                    wait,
                    elapsed,
                    failure.error,
                );
                Ok(wait)
            }
            Err(reason) => Err(self.die(reason, elapsed, failure.error)),
        }
    }

    /// Starts the next attempt at `now`, after a wait of `waited` — unless the wait ended at or
    /// past the deadline (timers fire late), when the call stops with the last error instead.
    pub(crate) fn begin_retry(
        &mut self,
        now: Instant,
        (anchor, cap): (Instant, Option<Instant>),
        waited: Duration,
        last_error: &dyn Debug,
    ) -> Result<(), StopReason> {
        if self
            .deadline(anchor, cap)
            .is_some_and(|deadline| now >= deadline)
        {
            self.site.counters().record_waited(waited);
            let elapsed = now.saturating_duration_since(anchor);
            return Err(self.die(StopReason::Deadline, elapsed, last_error));
        }
        match pipeline::admit(self.site, &self.policy(), || now) {
            Admission::Refused => {
                self.site.counters().record_waited(waited);
                let elapsed = now.saturating_duration_since(anchor);
                return Err(self.die(StopReason::BreakerOpen, elapsed, last_error));
            }
            admission => self.set(PROBE, admission == Admission::Probe),
        }
        self.site.counters().record_retry(self.attempt == 1, waited);
        self.attempt += 1;
        Ok(())
    }

    #[cold]
    fn die(&mut self, reason: StopReason, elapsed: Duration, error: &dyn Debug) -> StopReason {
        // Counted before anything else runs: a hook that panics must not make it a cancel too.
        self.progress = Progress::Done;
        self.site
            .counters()
            .record_died(reason, self.attempt, elapsed);
        if self.retried_for_the_outer_call(reason) {
            current::mark_inner_gave_up();
        }
        events::gave_up(
            self.site.name(),
            self.attempt,
            self.max_attempts(),
            elapsed,
            reason,
            error,
        );
        reason
    }

    /// Whether this call, giving up for `reason`, has done the retrying for the call around it:
    /// it really retried (a permanent error aside), or its last attempt failed because a call
    /// nested in it had. What happened counts, not what could have: a layer that does not retry
    /// (`max_retries = 0`, the kill switch) passes a give-up below it upward, and a call that
    /// gave up at its first attempt (a deadline, the retry budget) leaves the outer call its retries.
    fn retried_for_the_outer_call(&self, reason: StopReason) -> bool {
        self.has(INNER_GAVE_UP)
            || reason == StopReason::BreakerOpen
            || (self.attempt > 1 && reason != StopReason::Permanent)
    }

    /// Counts a call dropped before it ended as cancelled, with the part of its last wait that
    /// it really waited.
    pub(crate) fn on_drop(&mut self, waited: impl FnOnce() -> Duration) {
        if self.take(PROBE) && self.progress != Progress::Done {
            pipeline::on_dropped(self.site, &self.policy());
        }
        match self.progress {
            Progress::Unstarted | Progress::Done => return,
            Progress::Fast => self.site.counters().record_other_call(),
            Progress::Failed => {}
        }
        self.site.counters().record_cancelled(waited());
        self.progress = Progress::Done;
    }

    fn decide(
        &self,
        failure: &Failure<'_>,
        now: Instant,
        deadline: Option<Instant>,
        previous: Duration,
        max_attempts: u32,
    ) -> Result<Duration, StopReason> {
        let by_attempt_timeout = match failure.timed_out {
            Some(t) if t.kind() != EngineErrorKind::AttemptTimeout => {
                return Err(StopReason::Deadline)
            }
            Some(_) => true,
            None => false,
        };
        let hint = match failure.action {
            Action::Die => return Err(StopReason::Permanent),
            Action::RetryAfter(hint) => hint,
            _ => Duration::ZERO,
        };
        let policy = self.policy();
        if self.has(INNER_GAVE_UP) && !policy.retries_nested() {
            return Err(StopReason::Nested);
        }
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
            crate::thread_rng::with_thread_rng(|rng| {
                next_wait(&policy, self.attempt, previous, rng)
            })
            .max(hint)
        };
        // Never sleep into a deadline that leaves no time for another attempt.
        if let Some(deadline) = deadline {
            if now
                .checked_add(wait)
                .is_none_or(|resume| resume >= deadline)
            {
                return Err(StopReason::Deadline);
            }
        }
        // Asked last, so that only a retry that would otherwise happen is withdrawn.
        pipeline::before_retry(self.site, &policy, now)?;
        Ok(wait)
    }
}

/// The policy a call was given and the override it started under: [`PolicySource::get`] is
/// the policy it runs by, read only when needed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolicySource<'p> {
    policy: &'p Policy,
    control: Option<&'static SiteControl>,
}

impl<'p> PolicySource<'p> {
    /// The policy the call runs by.
    pub(crate) fn get(&self) -> Cow<'p, Policy> {
        site::effective(self.policy, self.control)
    }
}

/// A failed attempt as the schedule sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failure<'e> {
    /// What the classifier said (always `Retry` for an attempt the engine cancelled).
    pub(crate) action: Action,
    /// The error, for the events.
    pub(crate) error: &'e dyn Debug,
    /// Set when the engine cancelled the attempt.
    pub(crate) timed_out: Option<EngineError>,
}

impl<'e> Failure<'e> {
    pub(crate) fn error(action: Action, error: &'e dyn Debug) -> Self {
        Failure {
            action,
            error,
            timed_out: None,
        }
    }

    pub(crate) fn timed_out(timed_out: &'e EngineError) -> Self {
        Failure {
            action: Action::Retry,
            error: timed_out,
            timed_out: Some(*timed_out),
        }
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

    fn err() -> Failure<'static> {
        Failure::error(Action::Retry, &"e")
    }

    #[test]
    fn retries_until_exhausted() {
        let p = policy(2, None);
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, ());
        let first = s.on_failure(err(), t0, (t0, None), Duration::ZERO);
        assert_eq!(first, Ok(Duration::from_millis(100)));
        assert_eq!(s.attempt(), 1, "a retry counts once it starts");
        s.begin_retry(t0, (t0, None), first.unwrap(), &"e").unwrap();
        let second = s.on_failure(err(), t0, (t0, None), first.unwrap());
        assert_eq!(second, Ok(Duration::from_millis(200)));
        s.begin_retry(t0, (t0, None), second.unwrap(), &"e")
            .unwrap();
        assert_eq!(
            s.on_failure(err(), t0, (t0, None), second.unwrap()),
            Err(StopReason::Exhausted)
        );
        assert_eq!(s.attempt(), 3);
    }

    #[test]
    fn a_retry_that_would_start_at_the_deadline_stops_instead() {
        let p = policy(10, Some(250));
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, ());
        let wait = s.on_failure(err(), t0, (t0, None), Duration::ZERO).unwrap();
        // The wait was chosen to end before the deadline, but the timer fired late.
        let woke = t0 + Duration::from_millis(250);
        assert_eq!(
            s.begin_retry(woke, (t0, None), wait, &"e"),
            Err(StopReason::Deadline)
        );
        assert_eq!(s.attempt(), 1);
        let before = t0 + Duration::from_millis(249);
        let mut s = Schedule::start(&SITE, &p, ());
        s.on_failure(err(), t0, (t0, None), Duration::ZERO).unwrap();
        assert_eq!(s.begin_retry(before, (t0, None), wait, &"e"), Ok(()));
        assert_eq!(s.attempt(), 2);
    }

    #[test]
    fn stops_before_a_wait_that_crosses_the_deadline() {
        let p = policy(10, Some(250));
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, ());
        let first = s.on_failure(err(), t0, (t0, None), Duration::ZERO).unwrap();
        // 100 ms later, a 200 ms wait would end at 300 ms > 250 ms.
        let t1 = t0 + Duration::from_millis(100);
        s.begin_retry(t1, (t0, None), first, &"e").unwrap();
        assert_eq!(
            s.on_failure(err(), t1, (t0, None), first),
            Err(StopReason::Deadline)
        );
    }

    #[test]
    fn hint_lengthens_the_wait() {
        let p = policy(3, None);
        let mut s = Schedule::start(&SITE, &p, ());
        let hint = Duration::from_secs(2);
        let now = Instant::now();
        let failure = Failure::error(Action::RetryAfter(hint), &"e");
        assert_eq!(
            s.on_failure(failure, now, (now, None), Duration::ZERO),
            Ok(hint)
        );
    }

    #[test]
    fn permanent_and_deadline_timeouts_stop_at_once() {
        let p = policy(3, Some(1000));
        let t0 = Instant::now();
        let mut s = Schedule::start(&SITE, &p, ());
        let die = Failure::error(Action::Die, &"e");
        assert_eq!(
            s.on_failure(die, t0, (t0, None), Duration::ZERO),
            Err(StopReason::Permanent)
        );
        let mut s = Schedule::start(&SITE, &p, ());
        let cancelled = EngineError::deadline();
        assert_eq!(
            s.on_failure(
                Failure::timed_out(&cancelled),
                t0,
                (t0, None),
                Duration::ZERO
            ),
            Err(StopReason::Deadline)
        );
    }

    #[test]
    fn last_attempt_cut_by_attempt_timeout_says_so() {
        let p = policy(0, None);
        let mut s = Schedule::start(&SITE, &p, ());
        let now = Instant::now();
        let cut = EngineError::attempt_timeout();
        assert_eq!(
            s.on_failure(Failure::timed_out(&cut), now, (now, None), Duration::ZERO),
            Err(StopReason::AttemptTimedOut)
        );
    }
}
