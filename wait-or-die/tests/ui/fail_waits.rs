use wait_or_die::wait_or_die;

#[wait_or_die(initial_wait = 2, max_wait = 1)]
async fn max_below_initial() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(initial_wait = 10)]
async fn initial_above_the_default_max() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(attempt_timeout = 1)]
fn attempt_timeout_on_a_blocking_fn() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
