//! Two tests of one binary that hold `testing::scoped` guards at overlapping times must leave
//! testing mode off once both guards are gone, in whichever order they are dropped. Its own
//! test binary, because the switch is process-wide.

use std::sync::{Arc, Barrier};
use std::thread;

use wait_or_die::testing;

#[test]
fn overlapping_guards_dropped_out_of_order_restore_the_setting() {
    let both_held = Arc::new(Barrier::new(2));
    let first_dropped = Arc::new(Barrier::new(2));
    let first = {
        let (both_held, first_dropped) = (both_held.clone(), first_dropped.clone());
        thread::spawn(move || {
            let guard = testing::scoped(2);
            both_held.wait();
            drop(guard);
            first_dropped.wait();
        })
    };
    let second = thread::spawn(move || {
        both_held.wait();
        let guard = testing::scoped(1);
        // A guard taken second, still held, keeps its own cap.
        first_dropped.wait();
        assert_eq!(testing::max_attempts(), Some(1));
        drop(guard);
    });
    // The second guard is taken after the first, and dropped after it too.
    first.join().unwrap();
    second.join().unwrap();
    assert_eq!(testing::max_attempts(), None, "testing mode left on");
}
