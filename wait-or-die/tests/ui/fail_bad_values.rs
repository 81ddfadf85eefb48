use wait_or_die::wait_or_die;

#[wait_or_die(max_retries = -1, initial_wait = -0.5, timeout = 1e400)]
async fn negative_and_infinite() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(max_retries = 1.5, exponential_backoff = "yes", name = gateway, max_wait = true)]
async fn wrong_literal_types() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(timeout = "5 days", initial_wait = "fast", max_wait = "10")]
fn bad_units() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(timeout = 0, multiplier = 0.5, attempt_timeout = "0ms")]
async fn zero_and_shrinking() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
