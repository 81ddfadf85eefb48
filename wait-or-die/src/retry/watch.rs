//! A coarse watch over attempts pending under a distant deadline, so that most of them never
//! arm a tokio timer.
//!
//! Bounding every pending attempt with its own tokio timer costs an insertion into and a
//! removal from the timer wheel, under the driver's lock, although almost every attempt ends
//! long before a 30 s deadline. Instead, an attempt whose deadline is at least [`MIN_WATCHED`]
//! away leaves a clone of its waker in its thread's watch list. One driver task per list wakes,
//! every [`ROUND`], the attempts registered before its previous round, so each is woken between
//! one and two rounds after it went pending; a round that comes late (the clock jumped, as
//! `tokio::time::advance` makes it, or the runtime was blocked) wakes them all. An attempt woken that way arms a precise timer
//! for the time it has left, so the deadline keeps its precision; an attempt that ends first
//! takes its waker back. Only attempts still pending after a round pay for a tokio timer.
//!
//! The lists live in a fixed array indexed by the thread's number, so registering takes one
//! uncontended lock and no allocation once a list has grown to the number of attempts pending
//! at once on its thread. After a spike, a list gives its memory back (see [`shrink`]), so
//! that it neither holds megabytes nor makes every later round scan them. A driver runs on the runtime of the attempt that started it and exits
//! after [`IDLE_ROUNDS`] empty rounds; if its runtime shuts down, it wakes every attempt it
//! watched (they then time themselves precisely), and if it stops making rounds (its runtime is
//! blocked), new attempts are timed precisely instead of relying on it.

use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Waker;
use core::time::Duration;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::thread_shard;

/// How often a driver wakes the attempts registered before its previous round.
pub(crate) const ROUND: Duration = Duration::from_millis(100);
/// The least time an attempt must have left to be watched rather than timed precisely at once:
/// it is woken within two rounds, leaving a round to arm its precise timer.
pub(crate) const MIN_WATCHED: Duration = Duration::from_millis(300);
/// A driver whose last round is older than this has stalled (its runtime is blocked).
const STALLED: Duration = Duration::from_millis(300);
/// A round this long after the previous one wakes every attempt (see [`due`]): an attempt that
/// joined just after the previous round has then been pending two rounds, and the next round
/// could come after the least time a watched attempt has left ([`MIN_WATCHED`]).
const LATE: Duration = Duration::from_millis(200);
/// Empty rounds after which a driver exits.
const IDLE_ROUNDS: u32 = 50;
/// Watch lists; threads numbered past the last share it.
const LISTS: usize = 16;
/// The most attempts one list watches at once (the slot takes 24 bits of a [`Ticket`]).
const MAX_SLOTS: usize = 1 << 24;
/// Slots a list keeps once a spike has passed (24 bytes each): below this it never shrinks.
const KEEP_SLOTS: usize = 1024;

static WATCH: [List; LISTS] = [const { List::new() }; LISTS];

/// One thread's watched attempts.
struct List {
    state: Mutex<State>,
    /// Every attempt registered in this round or before has been woken (rounds start at 1).
    drained: AtomicU32,
}

struct State {
    slots: Vec<Entry>,
    free: Vec<u32>,
    /// The round new attempts join.
    round: u32,
    /// Occupied slots.
    live: usize,
    /// The running driver, if any.
    driver: Option<Driver>,
}

/// The task that wakes a list's attempts.
#[derive(Clone, Copy)]
struct Driver {
    /// The runtime it runs on: attempts of another runtime must not rely on it, since that
    /// runtime may not run while theirs does (two runtimes used in turn on one thread).
    runtime: tokio::runtime::Id,
    /// When it last made a round.
    last_round: Instant,
}

/// A watched attempt; `round == 0` marks a free slot.
struct Entry {
    round: u32,
    waker: Option<Waker>,
}

/// Where an attempt's waker is: list, slot and round, packed in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket(NonZeroU64);

impl Ticket {
    fn new(list: usize, slot: usize, round: u32) -> Ticket {
        let packed = (list as u64) << 56 | (slot as u64) << 32 | u64::from(round);
        Ticket(NonZeroU64::new(packed).expect("rounds start at 1"))
    }

    fn list(self) -> &'static List {
        &WATCH[(self.0.get() >> 56) as usize]
    }

    fn slot(self) -> usize {
        (self.0.get() >> 32) as usize & (MAX_SLOTS - 1)
    }

    fn round(self) -> u32 {
        self.0.get() as u32
    }
}

impl List {
    const fn new() -> List {
        List {
            state: Mutex::new(State {
                slots: Vec::new(),
                free: Vec::new(),
                round: 1,
                live: 0,
                driver: None,
            }),
            drained: AtomicU32::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn has_drained(&self, round: u32) -> bool {
        self.drained.load(Ordering::Acquire) >= round
    }
}

/// Leaves `waker` with this thread's watch list, to be woken within two rounds; `None` when
/// the attempt must arm a precise timer now (no tokio runtime, the list's driver runs on
/// another runtime or has stalled, or the list is full).
pub(crate) fn watch(waker: &Waker, now: Instant) -> Option<Ticket> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    // The driver sleeps on tokio's timer: without one, the attempt times itself.
    if !crate::timer::has_timer(&runtime) {
        return None;
    }
    let index = thread_shard::current().min(LISTS - 1);
    let list = &WATCH[index];
    let mut state = list.lock();
    let spawn = match state.driver {
        Some(driver) if driver.runtime != runtime.id() => return None,
        Some(driver) if now.saturating_duration_since(driver.last_round) > STALLED => return None,
        Some(_) => false,
        None => true,
    };
    let slot = match state.free.pop() {
        Some(slot) => slot as usize,
        None if state.slots.len() < MAX_SLOTS => {
            state.slots.push(Entry {
                round: 0,
                waker: None,
            });
            state.slots.len() - 1
        }
        None => return None,
    };
    let round = state.round;
    state.slots[slot] = Entry {
        round,
        waker: Some(waker.clone()),
    };
    state.live += 1;
    if spawn {
        state.driver = Some(Driver {
            runtime: runtime.id(),
            last_round: now,
        });
    }
    drop(state);
    if spawn {
        // The guard is the future's from the start: dropped unpolled (its runtime shut down
        // first), it still lets the list go.
        runtime.spawn(drive(DriverGuard { list, done: false }));
    }
    Some(Ticket::new(index, slot, round))
}

/// Whether the attempt is still watched (its driver has not woken it yet); keeps the waker
/// it is woken with up to date.
pub(crate) fn still_watched(ticket: Ticket, waker: &Waker) -> bool {
    let list = ticket.list();
    if list.has_drained(ticket.round()) {
        return false;
    }
    let mut state = list.lock();
    // A slot past the end was drained, then given back by `shrink`, since the check above.
    let Some(entry) = state.slots.get_mut(ticket.slot()) else {
        return false;
    };
    match &mut entry.waker {
        Some(watched) if entry.round == ticket.round() => {
            if !watched.will_wake(waker) {
                watched.clone_from(waker);
            }
            true
        }
        // Drained since the check above.
        _ => false,
    }
}

/// Takes the attempt's waker back: it ended, or was dropped, before its driver woke it.
pub(crate) fn unwatch(ticket: Ticket) {
    let list = ticket.list();
    if list.has_drained(ticket.round()) {
        return;
    }
    let mut state = list.lock();
    let slot = ticket.slot();
    let Some(entry) = state.slots.get_mut(slot) else {
        return; // drained, and the slot given back by `shrink`, since the check above
    };
    if entry.round != ticket.round() {
        return; // drained, and the slot reused, since the check above
    }
    entry.round = 0;
    let waker = entry.waker.take();
    state.free.push(slot as u32);
    state.live -= 1;
    drop(state);
    drop(waker); // may run the task's code: never under the lock
}

/// Wakes, each round, the attempts of `guard`'s list registered before the previous round; every
/// attempt, after a round that came [`LATE`] (see [`due`]).
async fn drive(mut guard: DriverGuard) {
    let list = guard.list;
    let mut woken = Vec::new();
    let mut idle_rounds = 0;
    loop {
        tokio::time::sleep(ROUND).await;
        let now = tokio::time::Instant::now().into_std();
        let mut state = list.lock();
        // Since the previous round, or since the driver was asked for (it may first run later).
        let previous = state.driver.map_or(now, |driver| driver.last_round);
        let due = due(state.round, now.saturating_duration_since(previous));
        state.round += 1;
        take_wakers(&mut state, list, due, &mut woken);
        shrink(&mut state);
        if let Some(driver) = &mut state.driver {
            driver.last_round = now;
        }
        idle_rounds = if state.live == 0 { idle_rounds + 1 } else { 0 };
        if idle_rounds >= IDLE_ROUNDS {
            state.driver = None;
            guard.done = true;
        }
        drop(state);
        woken.drain(..).for_each(Waker::wake);
        if guard.done {
            return;
        }
    }
}

/// The last round whose attempts a round `since` after the previous one wakes, `round` being
/// the one new attempts join: the round before it, or `round` itself when this round came
/// [`LATE`]. Then an attempt that joined `round` may have been pending since just after the
/// previous round, longer than its deadline allowed: the clock jumped (`tokio::time::advance`
/// on a paused clock) or the runtime was blocked. Woken at once, each times itself precisely,
/// so that it ends when a tokio timer of the same deadline would.
fn due(round: u32, since: Duration) -> u32 {
    if since >= LATE {
        round
    } else {
        round - 1
    }
}

/// Frees every entry registered in round `due` or before, moving its waker to `woken`.
fn take_wakers(state: &mut State, list: &List, due: u32, woken: &mut Vec<Waker>) {
    let State {
        slots, free, live, ..
    } = state;
    for (slot, entry) in slots.iter_mut().enumerate() {
        if entry.round != 0 && entry.round <= due {
            entry.round = 0;
            woken.extend(entry.waker.take());
            free.push(slot as u32);
            *live -= 1;
        }
    }
    list.drained.store(due, Ordering::Release);
}

/// Gives back the memory of a spike that has passed: when at most a quarter of the slots are in
/// use and the list holds more than [`KEEP_SLOTS`], drops the free slots after the last one in
/// use and frees what they took. The free list is rebuilt lowest slot first, so that new
/// attempts fill the front and the back empties for the next round to give back (every
/// attempt leaves its slot within two rounds). A ticket whose slot is gone was drained: the
/// lookups treat a slot past the end as such.
fn shrink(state: &mut State) {
    let State {
        slots, free, live, ..
    } = state;
    if slots.capacity() <= KEEP_SLOTS || *live * 4 > slots.len() {
        return;
    }
    let in_use = slots
        .iter()
        .rposition(|e| e.round != 0)
        .map_or(0, |last| last + 1);
    slots.truncate(in_use);
    slots.shrink_to(KEEP_SLOTS.max(in_use));
    free.clear();
    let unused = (0..in_use).rev().filter(|&slot| slots[slot].round == 0);
    free.extend(unused.map(|slot| slot as u32));
    free.shrink_to(KEEP_SLOTS.max(free.len()));
}

/// Wakes every watched attempt if the driver goes away without finishing (its runtime shut
/// down, or it panicked), so that each arms a precise timer or is gone with its runtime.
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
        let everything = state.round;
        state.round += 1;
        take_wakers(&mut state, self.list, everything, &mut woken);
        state.driver = None;
        drop(state);
        woken.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests;
