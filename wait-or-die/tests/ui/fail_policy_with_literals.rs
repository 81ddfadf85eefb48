use wait_or_die::{wait_or_die, Policy};

const SOCKET: Policy = Policy::DEFAULT;

#[wait_or_die(policy = SOCKET, timeout = 3, max_retries = 2, name = "allowed")]
async fn policy_and_literals() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
