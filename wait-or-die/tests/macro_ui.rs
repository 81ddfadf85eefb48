//! Compile-time behaviour of `#[wait_or_die]`: every argument and signature error, with its
//! message and span checked in `tests/ui/*.stderr`, and a warning-free pass case.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test --test macro_ui`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
