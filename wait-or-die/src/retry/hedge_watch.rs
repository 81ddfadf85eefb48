//! One tokio timer per thread for the hedges' delays, so that an attempt that wins before its
//! hedge is due arms none.
//!
//! A tokio timer per pending hedged attempt costs an insertion into and a removal from the timer
//! wheel, under the driver's lock, although most attempts end before their hedge is due.
//! Instead, a pending attempt leaves its hedge's due time and a clone of its waker in its
//! thread's list. One driver task per list sleeps until the earliest due time in it and wakes
//! the attempts whose hedge is then due; its timer is moved only when an attempt registers a due
//! time earlier than the one it is armed for (rare: with one delay per site, due times come in
//! order). An attempt that ends first takes its waker back. The hedge is sent when its attempt
//! is next polled at or after its due time, so on a paused test clock it starts exactly at the
//! delay, as with a timer of its own.
//!
//! The lists live in a fixed array indexed by the thread's number, so registering takes one
//! uncontended lock and no allocation once a list has grown to the number of attempts pending
//! at once on its thread. The waker is kept up to date at each poll, so a task that moves to
//! another thread is still woken. A driver runs on the runtime of the attempt that started it
//! and exits after [`IDLE`] with nothing to time; if its runtime shuts down, it wakes every
//! attempt it watched. Where the list cannot serve (no tokio runtime or no timer in it, a
//! driver of another runtime, or one whose timer is late by [`STALLED`]: its runtime is
//! blocked), the attempt arms a timer of its own instead.

use core::future::{poll_fn, Future};
use core::num::NonZeroU64;
use core::pin::pin;
use core::task::{Poll, Waker};
use core::time::Duration;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::thread_shard;

/// A driver whose timer is this late has stalled (its runtime is blocked).
const STALLED: Duration = Duration::from_millis(100);
/// How long a driver with nothing to time waits before it exits.
const IDLE: Duration = Duration::from_secs(5);
/// Hedge lists; threads numbered past the last share it.
const LISTS: usize = 16;
/// The most attempts one list holds at once (the slot takes 24 bits of a [`Registration`]).
const MAX_SLOTS: usize = 1 << 24;
/// Slots a list keeps once a spike has passed: below this it never shrinks.
const KEEP_SLOTS: usize = 1024;

static HEDGES: [List; LISTS] = [const { List::new() }; LISTS];

/// One thread's attempts waiting for their hedge.
struct List {
    state: Mutex<State>,
}

struct State {
    slots: Vec<Entry>,
    free: Vec<u32>,
    /// The last registration's number (never 0, which marks a free slot).
    last: u32,
    /// Occupied slots.
    live: usize,
    /// The running driver, if any.
    driver: Option<Driver>,
}

/// The task that wakes a list's attempts.
struct Driver {
    /// The runtime it runs on: attempts of another runtime must not rely on it.
    runtime: tokio::runtime::Id,
    /// When it runs next: when its timer fires, or, once it has been asked to run (started, or
    /// woken to move its timer earlier), the due time that asked. A driver that has not run
    /// [`STALLED`] after this has stalled.
    armed: Instant,
    /// Wakes it, to move its timer earlier; taken by the attempt that wakes it.
    waker: Option<Waker>,
}

/// An attempt waiting for its hedge; `registration == 0` marks a free slot.
struct Entry {
    registration: u32,
    due: Instant,
    waker: Option<Waker>,
}

/// An attempt's place in its thread's list, given back when dropped.
#[derive(Debug)]
pub(crate) struct Registration(NonZeroU64);

impl Registration {
    fn new(list: usize, slot: usize, number: u32) -> Option<Registration> {
        let packed = (list as u64) << 56 | (slot as u64) << 32 | u64::from(number);
        NonZeroU64::new(packed).map(Registration)
    }

    fn list(&self) -> &'static List {
        &HEDGES[(self.0.get() >> 56) as usize]
    }

    fn slot(&self) -> usize {
        (self.0.get() >> 32) as usize & (MAX_SLOTS - 1)
    }

    fn number(&self) -> u32 {
        self.0.get() as u32
    }

    /// Whether the attempt still waits in the list (its driver has not woken it); keeps the
    /// waker it is woken with up to date.
    pub(crate) fn still_waiting(&self, waker: &Waker) -> bool {
        let mut state = self.list().lock();
        match state.slots.get_mut(self.slot()) {
            Some(entry) if entry.registration == self.number() => {
                match &mut entry.waker {
                    Some(kept) if kept.will_wake(waker) => {}
                    kept => *kept = Some(waker.clone()),
                }
                true
            }
            _ => false,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut state = self.list().lock();
        let slot = self.slot();
        let Some(entry) = state.slots.get_mut(slot) else {
            return;
        };
        if entry.registration != self.number() {
            return; // woken by the driver, and the slot maybe reused since
        }
        entry.registration = 0;
        let waker = entry.waker.take();
        state.free.push(slot as u32);
        state.live -= 1;
        drop(state);
        drop(waker); // may run the task's code: never under the lock
    }
}

impl List {
    const fn new() -> List {
        List {
            state: Mutex::new(State {
                slots: Vec::new(),
                free: Vec::new(),
                last: 0,
                live: 0,
                driver: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Leaves `waker` with this thread's list, to be woken at `due` (`now` being the clock);
/// `None` when the attempt must arm a timer of its own (see the [module](self)).
pub(crate) fn register(waker: &Waker, due: Instant, now: Instant) -> Option<Registration> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    if !crate::timer::has_timer(&runtime) {
        return None;
    }
    let index = thread_shard::current().min(LISTS - 1);
    let list = &HEDGES[index];
    let mut state = list.lock();
    if state.free.is_empty() && state.slots.len() >= MAX_SLOTS {
        return None;
    }
    let mut wake = None;
    let spawn = match &mut state.driver {
        Some(driver) if driver.runtime != runtime.id() => return None,
        Some(driver) if now.saturating_duration_since(driver.armed) > STALLED => return None,
        Some(driver) => {
            if due < driver.armed {
                driver.armed = due;
                wake = driver.waker.take();
            }
            false
        }
        None => true,
    };
    let slot = match state.free.pop() {
        Some(slot) => slot as usize,
        None => {
            state.slots.push(Entry {
                registration: 0,
                due,
                waker: None,
            });
            state.slots.len() - 1
        }
    };
    state.last = state.last.checked_add(1).unwrap_or(1);
    let number = state.last;
    state.slots[slot] = Entry {
        registration: number,
        due,
        waker: Some(waker.clone()),
    };
    state.live += 1;
    if spawn {
        state.driver = Some(Driver {
            runtime: runtime.id(),
            armed: due,
            waker: None,
        });
    }
    drop(state);
    if let Some(driver) = wake {
        driver.wake();
    }
    if spawn {
        // The guard is the future's from the start: dropped unpolled (its runtime shut down
        // first), it still lets the list go.
        runtime.spawn(drive(DriverGuard { list, done: false }));
    }
    Registration::new(index, slot, number)
}

/// Sleeps until the earliest due time in `guard`'s list and wakes the attempts then due; exits
/// after [`IDLE`] with nothing to time.
async fn drive(mut guard: DriverGuard) {
    let list = guard.list;
    let mut sleep = pin!(tokio::time::sleep(IDLE));
    let mut woken = Vec::new();
    // When the driver exits if nothing is registered by then.
    let mut idle_until: Option<Instant> = None;
    poll_fn(|cx| loop {
        let now = tokio::time::Instant::now().into_std();
        let mut state = list.lock();
        let earliest = take_due(&mut state, now, &mut woken);
        shrink(&mut state);
        let at = match earliest {
            Some(at) => {
                idle_until = None;
                at
            }
            None if idle_until.is_some_and(|until| now >= until) => {
                state.driver = None;
                drop(state);
                guard.done = true;
                return Poll::Ready(());
            }
            None => *idle_until.get_or_insert(now + IDLE),
        };
        if let Some(driver) = &mut state.driver {
            driver.armed = at;
            match &mut driver.waker {
                Some(kept) if kept.will_wake(cx.waker()) => {}
                kept => *kept = Some(cx.waker().clone()),
            }
        }
        drop(state);
        woken.drain(..).for_each(Waker::wake);
        let at = tokio::time::Instant::from_std(at);
        if sleep.deadline() != at {
            sleep.as_mut().reset(at);
        }
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
    })
    .await;
}

/// Frees every entry due at `now`, moving its waker to `woken`; the earliest due time left.
fn take_due(state: &mut State, now: Instant, woken: &mut Vec<Waker>) -> Option<Instant> {
    let State {
        slots, free, live, ..
    } = state;
    let mut earliest: Option<Instant> = None;
    for (slot, entry) in slots.iter_mut().enumerate() {
        if entry.registration == 0 {
            continue;
        }
        if entry.due <= now {
            entry.registration = 0;
            woken.extend(entry.waker.take());
            free.push(slot as u32);
            *live -= 1;
        } else if earliest.is_none_or(|e| entry.due < e) {
            earliest = Some(entry.due);
        }
    }
    earliest
}

/// Gives back the memory of a spike that has passed, so that the list neither holds it nor
/// makes every later scan walk it: when at most a quarter of the slots are in use and the list
/// holds more than [`KEEP_SLOTS`], drops the free slots after the last one in use. The free
/// list is rebuilt lowest slot first, so that new attempts fill the front. A registration whose
/// slot is gone was woken: the lookups treat a slot past the end as such.
fn shrink(state: &mut State) {
    let State {
        slots, free, live, ..
    } = state;
    if slots.capacity() <= KEEP_SLOTS || *live * 4 > slots.len() {
        return;
    }
    let in_use = slots
        .iter()
        .rposition(|e| e.registration != 0)
        .map_or(0, |last| last + 1);
    slots.truncate(in_use);
    slots.shrink_to(KEEP_SLOTS.max(in_use));
    free.clear();
    let unused = (0..in_use)
        .rev()
        .filter(|&slot| slots[slot].registration == 0);
    free.extend(unused.map(|slot| slot as u32));
    free.shrink_to(KEEP_SLOTS.max(free.len()));
}

/// Wakes every attempt in the list if the driver goes away without finishing (its runtime shut
/// down, or it panicked), so that each arms a timer of its own or is gone with its runtime.
struct DriverGuard {
    list: &'static List,
    done: bool,
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut woken = Vec::new();
        let mut state = self.list.lock();
        let State {
            slots, free, live, ..
        } = &mut *state;
        for (slot, entry) in slots.iter_mut().enumerate() {
            if entry.registration != 0 {
                entry.registration = 0;
                woken.extend(entry.waker.take());
                free.push(slot as u32);
                *live -= 1;
            }
        }
        state.driver = None;
        drop(state);
        woken.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests;
