use wait_or_die::wait_or_die;

// Rules of the engine, each reported at its argument.
#[wait_or_die(breaker = " ", breaker_failure_ratio = 0, breaker_min_calls = 0, breaker_window = 0, breaker_open_for = 0, breaker_probes = 0)]
async fn every_rule_broken() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(breaker = true, breaker_failure_ratio = 1.5)]
fn ratio_above_one() -> std::io::Result<()> {
    Ok(())
}

// Forms of the values.
#[wait_or_die(breaker = 1, breaker_probes = -1, breaker_failure_ratio = "0.5", breaker_open_for = "5 minutes")]
fn wrong_forms() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(breaker = "none")]
fn none_is_not_a_name() -> std::io::Result<()> {
    Ok(())
}

// The breaker is off unless asked for: its settings alone, or with `false`, do nothing.
#[wait_or_die(breaker_open_for = "2s", breaker_min_calls = 5)]
fn tuned_but_not_asked_for() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(breaker = false, breaker_window = 5)]
fn tuned_but_off() -> std::io::Result<()> {
    Ok(())
}

// A refused call has no earlier error to return.
#[wait_or_die(breaker = "mt5", on_timeout = "last_error")]
async fn refused_with_no_last_error() -> std::io::Result<()> {
    Ok(())
}

// A refused call returns an `EngineError`, converted into the function's error type. (A type
// of this file's own: the compiler's list of a foreign type's `From` impls changes with the
// crates the test links.)
#[derive(Debug)]
struct LocalError;

#[wait_or_die(breaker = true)]
fn error_type_cannot_carry_it() -> Result<(), LocalError> {
    Ok(())
}

fn main() {}
