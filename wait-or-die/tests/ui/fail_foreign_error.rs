use wait_or_die::wait_or_die;

// `ParseIntError` belongs to std: it cannot be given `From<EngineError>`, so the message must
// name `on_timeout` rather than an impl the orphan rule forbids.
#[wait_or_die(timeout = 30)]
async fn parse(text: &str) -> Result<u16, std::num::ParseIntError> {
    text.parse()
}

// `on_timeout` needs something that cuts attempts off, and rules out `attempt_timeout`.
#[wait_or_die(timeout = "none", on_timeout = "last_error")]
async fn no_deadline() -> Result<u16, std::num::ParseIntError> {
    "1".parse()
}

#[wait_or_die(attempt_timeout = 1, on_timeout = "last_error")]
async fn per_attempt() -> Result<u16, std::num::ParseIntError> {
    "1".parse()
}

#[wait_or_die(on_timeout = "last_eror")]
async fn misspelt() -> Result<u16, std::num::ParseIntError> {
    "1".parse()
}

fn main() {}
