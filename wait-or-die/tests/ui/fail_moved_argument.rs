use wait_or_die::wait_or_die;

fn send(_: String) -> std::io::Result<()> {
    Ok(())
}

// Each attempt borrows the arguments afresh: consuming an owned one needs `payload.clone()`.
#[wait_or_die]
async fn send_async(payload: String) -> std::io::Result<()> {
    send(payload)
}

#[wait_or_die]
fn send_blocking(payload: String) -> std::io::Result<()> {
    send(payload)
}

fn main() {}
