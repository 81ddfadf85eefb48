//! Property-test strategies that several test binaries share. Include with `#[path]`.

use proptest::prelude::*;
use wait_or_die::Jitter;

/// Every jitter mode.
pub fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
    ]
}
