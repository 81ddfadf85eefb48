use wait_or_die::wait_or_die;

#[derive(Debug)]
enum GatewayError {
    Closed,
}

// A deadline may cancel an attempt, so the error type must be able to say "timed out".
#[wait_or_die(timeout = 30)]
async fn recv() -> Result<u8, GatewayError> {
    Err(GatewayError::Closed)
}

struct Opaque;

// The engine logs each error, so it needs `Debug`.
#[wait_or_die]
fn send() -> Result<u8, Opaque> {
    Err(Opaque)
}

fn main() {}
