use wait_or_die::wait_or_die;

#[wait_or_die(max_retry = 3)]
async fn misspelled() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(colour = "red", timeout = 1, timeout = 2)]
async fn unknown_and_repeated() -> std::io::Result<()> {
    Ok(())
}

#[wait_or_die(jitter, jitter = "ful")]
fn value_missing_and_misspelled() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
