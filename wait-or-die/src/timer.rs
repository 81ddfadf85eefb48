//! Which timer a call sleeps on: tokio's when the call runs inside a tokio runtime whose timer
//! is enabled, and the engine's own timer thread everywhere else, so an annotated `async fn`
//! works on any executor and never panics for want of a timer.
//!
//! Tokio offers no way to ask whether a runtime has its timer enabled; creating a `Sleep` in
//! one that has not panics. The first call that needs a timer on a runtime finds out by
//! creating one under `catch_unwind` (the panic's message is printed once, by the panic hook),
//! and the answer is kept: per thread for the last runtime seen with a timer (one comparison
//! afterwards), and process-wide for the rare runtimes without one.

mod thread;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

use pin_project_lite::pin_project;
use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};

pub(crate) use thread::ThreadSleep;

/// The longest sleep the engine arms, about 30 years: a later deadline could overflow inside
/// tokio's timer driver.
pub(crate) const FOREVER: Duration = Duration::from_secs(30 * 365 * 86_400);

pin_project! {
    /// A sleep on whichever timer the context offers; see the [module](self).
    #[project = TimerProj]
    #[derive(Debug)]
    pub(crate) enum Timer {
        // tokio's timer (which also follows a paused test clock).
        Tokio { #[pin] sleep: Sleep },
        // The engine's timer thread.
        Thread { sleep: ThreadSleep },
    }
}

impl Timer {
    /// A sleep that ends at `deadline`.
    pub(crate) fn until(deadline: Instant) -> Timer {
        if tokio_timer_is_usable() {
            Timer::Tokio {
                sleep: tokio::time::sleep_until(deadline),
            }
        } else {
            Timer::Thread {
                sleep: ThreadSleep::until(deadline.into_std()),
            }
        }
    }

    /// A sleep of `wait` from now (a wait past the clock's range sleeps about 30 years).
    #[cfg(feature = "chaos")]
    pub(crate) fn after(wait: Duration) -> Timer {
        let now = Instant::now();
        let at = now.checked_add(wait.min(FOREVER));
        Timer::until(at.unwrap_or(now))
    }

    /// When the sleep ends.
    pub(crate) fn deadline(&self) -> Instant {
        match self {
            Timer::Tokio { sleep } => sleep.deadline(),
            Timer::Thread { sleep } => Instant::from_std(sleep.deadline()),
        }
    }

    /// Moves the deadline.
    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        match self.project() {
            TimerProj::Tokio { sleep } => sleep.reset(deadline),
            TimerProj::Thread { sleep } => sleep.reset(deadline.into_std()),
        }
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project() {
            TimerProj::Tokio { sleep } => sleep.poll(cx),
            TimerProj::Thread { sleep } => Pin::new(sleep).poll(cx),
        }
    }
}

thread_local! {
    /// The last runtime this thread found with a timer.
    static TIMED_RUNTIME: Cell<Option<Id>> = const { Cell::new(None) };
}

/// Runtimes found without a timer (rare: a runtime built without `enable_time`).
static UNTIMED_RUNTIMES: Mutex<Vec<Id>> = Mutex::new(Vec::new());

/// Whether the current context is a tokio runtime with its timer enabled.
pub(crate) fn tokio_timer_is_usable() -> bool {
    Handle::try_current().is_ok_and(|runtime| has_timer(&runtime))
}

/// Whether `runtime`, the current context's, has its timer enabled.
#[inline]
pub(crate) fn has_timer(runtime: &Handle) -> bool {
    let id = runtime.id();
    TIMED_RUNTIME.get() == Some(id) || probe(id)
}

/// Finds out, once per runtime, whether the current runtime (`id`) has its timer.
#[cold]
#[inline(never)]
fn probe(id: Id) -> bool {
    let mut untimed = UNTIMED_RUNTIMES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if untimed.contains(&id) {
        return false;
    }
    let timed = catch_unwind(AssertUnwindSafe(|| {
        drop(tokio::time::sleep(Duration::ZERO))
    }))
    .is_ok();
    if timed {
        TIMED_RUNTIME.set(Some(id));
    } else {
        untimed.push(id);
        tracing::warn!(
            target: "wait_or_die",
            "wait_or_die: this tokio runtime has no timer (built without `enable_time`); \
             calls on it sleep on wait-or-die's own timer thread"
        );
    }
    timed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_any_runtime_the_thread_timer_is_used() {
        assert!(!tokio_timer_is_usable());
        assert!(matches!(Timer::until(Instant::now()), Timer::Thread { .. }));
    }

    #[test]
    fn a_runtime_with_its_timer_uses_it() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _in = rt.enter();
        assert!(tokio_timer_is_usable());
        assert!(tokio_timer_is_usable(), "the answer is kept");
        assert!(matches!(Timer::until(Instant::now()), Timer::Tokio { .. }));
    }

    #[test]
    fn a_runtime_without_a_timer_falls_back_to_the_thread() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _in = rt.enter();
        assert!(!tokio_timer_is_usable());
        assert!(!tokio_timer_is_usable(), "the answer is kept");
        assert!(matches!(Timer::until(Instant::now()), Timer::Thread { .. }));
    }
}
