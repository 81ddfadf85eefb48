use std::io;

use wait_or_die::wait_or_die;

fn wants_a_string(e: &String) -> bool {
    e.is_empty()
}

// The predicate takes the function's error type: a mismatch is reported at the predicate.
#[wait_or_die(retry_if = wants_a_string)]
fn wrong_error_type() -> io::Result<()> {
    Ok(())
}

// The predicate answers `bool` or `wait_or_die::Action`.
#[wait_or_die(retry_if = |e| e.raw_os_error())]
fn wrong_answer() -> io::Result<()> {
    Ok(())
}

fn main() {}
